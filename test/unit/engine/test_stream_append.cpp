// Streamed APPEND at the wire and engine layers: literals whose contents
// come from a body_source. The engine hands the writer a "source chunk"
// (shown by engine_script as "<source N>") and goes on only once the
// writer reports it written; these transcripts check where such chunks
// appear, what waits for "+", and what cancellation and a failing source
// do to the connection.
#include "engine_script.hpp"

#include <imapclient/body_stream.hpp>

#include <boost/asio/error.hpp>

using namespace engine_script;

namespace {

const error_code aborted = boost::asio::error::operation_aborted;

std::shared_ptr<body_source> source_of(std::size_t n, char fill = 'x') {
    return string_source(std::string(n, fill));
}

wire::encoded_command encode_append(std::shared_ptr<body_source> src, wire::literal_support lits, bool binary = false) {
    wire::command_builder b("A1", "APPEND", lits);
    b.mailbox("INBOX");
    b.literal(src, src->size(), binary);
    return std::move(b).finish();
}

std::size_t closed_events(const std::vector<event>& evs) {
    return static_cast<std::size_t>(std::count_if(
        evs.begin(), evs.end(), [](const event& e) { return std::holds_alternative<connection_closed>(e); }));
}

}  // namespace

// ---- wire ---------------------------------------------------------------------

TEST_CASE("wire: a source literal is a header in the bytes and a source at its end", "[wire][stream-append]") {
    auto src = source_of(5000);
    auto e = encode_append(src, {});
    CHECK(e.bytes == "A1 APPEND INBOX {5000}\r\n\r\n");
    REQUIRE(e.sync_points.size() == 1);
    CHECK(e.sync_points[0] == std::string("A1 APPEND INBOX {5000}\r\n").size());
    REQUIRE(e.sources.size() == 1);
    CHECK(e.sources[0].offset == e.sync_points[0]);
    CHECK(e.sources[0].size == 5000);
    CHECK(e.sources[0].source == src);
    // The log form names the size only.
    CHECK(e.redacted == "A1 APPEND INBOX {5000}\r\n\r\n");
}

TEST_CASE("wire: a source literal goes non-synchronizing only up to 4096 bytes", "[wire][stream-append]") {
    struct row {
        bool plus, minus;
        std::size_t size;
        bool sync;
    };
    auto r = GENERATE(row{true, false, 10, false}, row{true, false, 4096, false}, row{true, false, 4097, true},
                      row{true, false, 20u << 20, true}, row{false, true, 4096, false}, row{false, true, 4097, true},
                      row{false, false, 10, true});
    CAPTURE(r.plus, r.minus, r.size);
    wire::literal_support lits;
    lits.literal_plus = r.plus;
    lits.literal_minus = r.minus;
    auto e = encode_append(source_of(r.size), lits);
    const std::string header = "{" + std::to_string(r.size) + (r.sync ? "" : "+") + "}\r\n";
    CHECK(e.bytes == "A1 APPEND INBOX " + header + "\r\n");
    CHECK(e.sync_points.size() == (r.sync ? 1u : 0u));
    REQUIRE(e.sources.size() == 1);
    CHECK(e.sources[0].offset == std::string("A1 APPEND INBOX " + header).size());
}

TEST_CASE("wire: a binary source literal is ~{n} only when BINARY is offered", "[wire][stream-append]") {
    const bool offered = GENERATE(false, true);
    CAPTURE(offered);
    wire::literal_support lits;
    lits.binary = offered;
    auto e = encode_append(source_of(7, '\0'), lits, true);
    CHECK(e.bytes == std::string("A1 APPEND INBOX ") + (offered ? "~" : "") + "{7}\r\n\r\n");
    // Asked for no binary, never ~.
    auto plain = encode_append(source_of(7), lits, false);
    CHECK(plain.bytes == "A1 APPEND INBOX {7}\r\n\r\n");
}

TEST_CASE("wire: an empty source is a bare {0} with nothing to read; a null one is refused", "[wire][stream-append]") {
    auto e = encode_append(source_of(0), {});
    CHECK(e.bytes == "A1 APPEND INBOX {0}\r\n\r\n");
    CHECK(e.sources.empty());
    wire::command_builder b("A1", "APPEND");
    CHECK_THROWS_AS(b.literal(std::shared_ptr<body_source>(), 3), std::invalid_argument);
}

TEST_CASE("operations: stream_append and stream_multiappend encode flags, date and one literal each",
          "[operations][stream-append]") {
    auto r = cmd::stream_append("Sent Items", source_of(3), {"\\Seen"}, std::nullopt, false);
    auto e = r.build("A7", {});
    CHECK(e.bytes == "A7 APPEND \"Sent Items\" (\\Seen) {3}\r\n\r\n");
    CHECK(e.sources.size() == 1);

    std::vector<ops::stream_append_message> msgs(2);
    msgs[0].message = source_of(3);
    msgs[0].flags = {"\\Flagged"};
    msgs[1].message = source_of(4);
    auto m = cmd::stream_multiappend("INBOX", msgs).build("A8", {});
    CHECK(m.bytes == "A8 APPEND INBOX (\\Flagged) {3}\r\n {4}\r\n\r\n");
    REQUIRE(m.sources.size() == 2);
    CHECK(m.sources[0].source == msgs[0].message);
    CHECK(m.sources[1].source == msgs[1].message);
    CHECK(m.sync_points == std::vector<std::size_t>{m.sources[0].offset, m.sources[1].offset});

    auto none = cmd::stream_append("INBOX", nullptr, {}, std::nullopt, false);
    CHECK_THROWS_AS(none.build("A9", {}), std::invalid_argument);
}

// ---- engine -------------------------------------------------------------------

TEST_CASE("engine: a source literal waits for '+', then for the writer, before anything else goes",
          "[engine][stream-append]") {
    script s;
    s.greet("IMAP4rev1");
    auto app = s.submit(cmd::stream_append("INBOX", source_of(5000), {}, std::nullopt, false));
    CHECK(s.flush() == "A1 APPEND INBOX {5000}\r\n");
    auto noop = s.submit(cmd::noop());
    CHECK(s.flush().empty());
    s.server("+ Ready for literal data\r\n");
    CHECK(s.flush() == "<source 5000>");
    CHECK(s.eng.source_pending());
    // The writer is inside the literal: nothing may be interleaved.
    CHECK(s.flush().empty());
    CHECK(s.flush().empty());
    s.source_written();
    CHECK_FALSE(s.eng.source_pending());
    CHECK(s.flush() == "\r\nA2 NOOP\r\n");
    s.server("A2 OK NOOP\r\nA1 OK [APPENDUID 38505 3955] APPEND completed\r\n");
    CHECK(s.result(app).ec == error_code{});
    CHECK(s.result(noop).ec == error_code{});
    CHECK(s.written == "A1 APPEND INBOX {5000}\r\n<source 5000>\r\nA2 NOOP\r\n");
}

TEST_CASE("engine: with LITERAL+ a small source goes at once, a big one still waits for '+'",
          "[engine][stream-append]") {
    script s;
    s.greet("IMAP4rev1 LITERAL+");
    auto small = s.submit(cmd::stream_append("INBOX", source_of(100), {}, std::nullopt, false));
    CHECK(s.flush() == "A1 APPEND INBOX {100+}\r\n<source 100>");
    auto noop = s.submit(cmd::noop());
    CHECK(s.flush().empty());
    s.source_written();
    CHECK(s.flush() == "\r\nA2 NOOP\r\n");
    auto big = s.submit(cmd::stream_append("INBOX", source_of(5000), {}, std::nullopt, false));
    CHECK(s.flush() == "A3 APPEND INBOX {5000}\r\n");
    s.server("A1 OK done\r\nA2 OK done\r\n");
    s.server("+ go\r\n");
    CHECK(s.flush() == "<source 5000>");
    s.source_written();
    CHECK(s.flush() == "\r\n");
    s.server("A3 OK done\r\n");
    CHECK(s.result(small).ec == error_code{});
    CHECK(s.result(noop).ec == error_code{});
    CHECK(s.result(big).ec == error_code{});
}

TEST_CASE("engine: a binary source literal uses ~{n} with BINARY", "[engine][stream-append]") {
    script s;
    s.greet("IMAP4rev1 BINARY");
    auto app = s.submit(cmd::stream_append("INBOX", source_of(9, '\0'), {}, std::nullopt, true));
    CHECK(s.flush() == "A1 APPEND INBOX ~{9}\r\n");
    s.server("+ go\r\n");
    CHECK(s.flush() == "<source 9>");
    s.source_written();
    CHECK(s.flush() == "\r\n");
    s.server("A1 OK done\r\n");
    CHECK(s.result(app).ec == error_code{});
}

TEST_CASE("engine: a streamed MULTIAPPEND waits for '+' and the writer for each message", "[engine][stream-append]") {
    script s;
    s.greet("IMAP4rev1 MULTIAPPEND");
    std::vector<ops::stream_append_message> msgs(2);
    msgs[0].message = source_of(5000);
    msgs[1].message = source_of(6000);
    auto app = s.submit(cmd::stream_multiappend("INBOX", msgs));
    CHECK(s.flush() == "A1 APPEND INBOX {5000}\r\n");
    s.server("+ go\r\n");
    CHECK(s.flush() == "<source 5000>");
    s.source_written();
    CHECK(s.flush() == " {6000}\r\n");
    CHECK(s.flush().empty());
    s.server("+ go\r\n");
    CHECK(s.flush() == "<source 6000>");
    s.source_written();
    CHECK(s.flush() == "\r\n");
    s.server("A1 OK [APPENDUID 7 10:11] done\r\n");
    CHECK(s.result(app).ec == error_code{});
}

TEST_CASE("engine: a tagged NO instead of '+' means the source is never read", "[engine][stream-append]") {
    script s;
    s.greet();
    auto app = s.submit(cmd::stream_append("Nope", source_of(5000), {}, std::nullopt, false));
    CHECK(s.flush() == "A1 APPEND Nope {5000}\r\n");
    auto noop = s.submit(cmd::noop());
    s.server("A1 NO [TRYCREATE] no such mailbox\r\n");
    CHECK(s.result(app).ec == ec_of(errc::no));
    CHECK(s.flush() == "A2 NOOP\r\n");
    CHECK(s.written.find("<source") == std::string::npos);
    s.server("A2 OK\r\n");
    CHECK(s.result(noop).ec == error_code{});
    CHECK_FALSE(s.eng.closed());
}

TEST_CASE("engine: cancelling while a source literal is written is fatal (literal_cancelled)",
          "[engine][stream-append]") {
    // streaming: the writer has the source chunk; between: the first of two
    // messages is out and the second's "+" has not come.
    const bool between = GENERATE(false, true);
    const bool non_sync = GENERATE(false, true);
    CAPTURE(between, non_sync);
    script s;
    s.greet(non_sync ? "IMAP4rev1 LITERAL+ MULTIAPPEND" : "IMAP4rev1 MULTIAPPEND");
    std::vector<ops::stream_append_message> msgs(2);
    msgs[0].message = source_of(non_sync ? 10 : 5000);
    msgs[1].message = source_of(5000);
    auto app = s.submit(cmd::stream_multiappend("INBOX", msgs));
    auto noop = s.submit(cmd::noop());
    std::string w = s.flush();
    if (!non_sync) {
        s.server("+ go\r\n");
        w += s.flush();
    }
    CHECK(w.find("<source") != std::string::npos);
    if (between) {
        s.source_written();
        CHECK(s.flush() == " {5000}\r\n");
    }
    s.cancel(app);
    CHECK(s.eng.closed());
    CHECK(s.eng.close_reason() == ec_of(errc::literal_cancelled));
    CHECK(s.result(app).ec == aborted);
    CHECK(s.result(noop).ec == ec_of(errc::literal_cancelled));
    CHECK(s.eng.close_detail().find("literal") != std::string::npos);
    CHECK(closed_events(s.events()) == 1);
    // A late report of the writer changes nothing.
    s.source_written();
    CHECK(s.flush().empty());
    CHECK(s.times_completed(app) == 1);
}

TEST_CASE("engine: cancelling once the whole streamed command is out only abandons", "[engine][stream-append]") {
    script s;
    s.greet();
    auto app = s.submit(cmd::stream_append("INBOX", source_of(5000), {}, std::nullopt, false));
    s.flush();
    s.server("+ go\r\n");
    CHECK(s.flush() == "<source 5000>");
    s.source_written();
    CHECK(s.flush() == "\r\n");
    s.cancel(app);
    CHECK_FALSE(s.eng.closed());
    CHECK(s.result(app).ec == aborted);
    s.server("A1 OK [APPENDUID 1 2] appended\r\n");
    CHECK(s.times_completed(app) == 1);
    CHECK_FALSE(s.eng.closed());
}

TEST_CASE("engine: a failing source fails its command (stream_failed) and the connection", "[engine][stream-append]") {
    script s;
    s.greet();
    auto app = s.submit(cmd::stream_append("INBOX", source_of(5000), {}, std::nullopt, false));
    auto noop = s.submit(cmd::noop());
    s.flush();
    s.server("+ go\r\n");
    CHECK(s.flush() == "<source 5000>");
    s.source_failed("the message source failed after 100 of 5000 bytes: Input/output error");
    CHECK(s.eng.closed());
    CHECK(s.eng.close_reason() == ec_of(errc::connection_lost));
    CHECK(s.result(app).ec == ec_of(errc::stream_failed));
    CHECK(s.result(app).status.text.find("Input/output error") != std::string::npos);
    CHECK(s.result(noop).ec == ec_of(errc::connection_lost));
    CHECK(s.result(noop).status.text.find("message source failed") != std::string::npos);
    CHECK(closed_events(s.events()) == 1);
    CHECK(s.flush().empty());
}

TEST_CASE("engine: a command rejected while its source streams still lets the writer finish first",
          "[engine][stream-append]") {
    // A server may answer NO early (RFC 7888 allows rejecting a
    // non-synchronizing literal); the writer still owes the literal's bytes.
    script s;
    s.greet("IMAP4rev1 LITERAL+");
    auto app = s.submit(cmd::stream_append("INBOX", source_of(10), {}, std::nullopt, false));
    CHECK(s.flush() == "A1 APPEND INBOX {10+}\r\n<source 10>");
    auto noop = s.submit(cmd::noop());
    s.server("A1 NO too big\r\n");
    CHECK(s.result(app).ec == ec_of(errc::no));
    CHECK(s.flush().empty());
    s.source_written();
    // The line's end is still owed: else the server would read A2 as part of it.
    CHECK(s.flush() == "\r\nA2 NOOP\r\n");
    s.server("A2 OK\r\n");
    CHECK(s.result(noop).ec == error_code{});
}
