// Streamed bodies in the engine: a literal for a command with a sink is
// handed out piece by piece (never held whole, never bounded by
// max_literal), whatever the chunking; nothing more is parsed while a piece
// is with the sink; cancelled or failed streams drain; the answers queued
// behind the literal still reach their commands.
#include "engine_script.hpp"

#include "operations/streaming.hpp"

#include <boost/asio/error.hpp>

using namespace engine_script;

namespace {

// A sink the engine never calls (the actor does): only its identity matters.
struct unused_sink : body_sink {
    void async_write(std::string_view, write_handler) override { FAIL("the engine must not write to a sink"); }
};

// Feeds the server's bytes `step` at a time, and after each feed writes
// every waiting piece, as the actor's reader does. Returns what the sink got.
struct streamer {
    explicit streamer(script& sc) : s(sc) {}
    script& s;
    std::string got;
    std::size_t pieces = 0;
    std::size_t biggest_buffer = 0;
    // Fails the sink once this many bytes have gone to it.
    std::optional<std::size_t> fail_after;

    void feed(std::string_view bytes, std::size_t step) {
        while (!bytes.empty()) {
            std::size_t n = std::min(step, bytes.size());
            auto buf = s.eng.prepare_read(n);
            std::memcpy(buf.data(), bytes.data(), n);
            s.eng.commit_read(n);
            bytes.remove_prefix(n);
            drain();
        }
        s.collect();
    }
    void drain() {
        while (auto p = s.eng.next_piece()) {
            REQUIRE_FALSE(p->bytes.empty());
            biggest_buffer = std::max(biggest_buffer, p->bytes.size());
            error_code ec;
            if (fail_after && got.size() + p->bytes.size() > *fail_after) ec = boost::asio::error::broken_pipe;
            else got += p->bytes;
            ++pieces;
            s.eng.piece_written(ec);
        }
    }
};

void selected(script& s) {
    s.server("* PREAUTH [CAPABILITY IMAP4rev1 BINARY] hi\r\n");
    auto c = s.run(cmd::select("INBOX", false), "A1 SELECT INBOX\r\n", "* 20 EXISTS\r\n* OK [UIDVALIDITY 7] v\r\n");
    REQUIRE(c.ec == error_code{});
}

command_request stream_request(std::uint32_t uid, std::shared_ptr<body_sink> sink, std::string section = {}) {
    std::vector<std::string> items{"UID", cmd::stream_item(section, false, false, 0, std::nullopt)};
    auto r = cmd::fetch(sequence_set(uid), items, {}, true);
    r.sink = std::move(sink);
    return r;
}

std::string message_of(std::size_t n) {
    std::string m;
    m.reserve(n);
    for (std::size_t i = 0; m.size() < n; ++i) m += "line " + std::to_string(i) + " of a big message\r\n";
    m.resize(n);
    return m;
}

}  // namespace

TEST_CASE("streaming: a literal bigger than max_literal goes to the sink in pieces, any chunking", "[engine][stream]") {
    engine_config cfg;
    cfg.limits.max_literal = 1000;  // the body is 20x that: it is never held whole
    script s(cfg);
    selected(s);
    const std::string body = message_of(20000);
    auto id = s.submit(stream_request(5, std::make_shared<unused_sink>()));
    CHECK(s.flush() == "A2 UID FETCH 5 (UID BODY.PEEK[])\r\n");
    const std::size_t step = GENERATE(1u, 7u, 4096u, 100000u);
    streamer st(s);
    st.feed("* 3 FETCH (UID 5 BODY[] {" + std::to_string(body.size()) + "}\r\n" + body + " FLAGS (\\Seen))\r\nA2 OK done\r\n",
            step);
    CHECK(st.got == body);
    CHECK(st.biggest_buffer <= std::max<std::size_t>(step, 1));
    const auto& c = s.result(id);
    CHECK(c.ec == error_code{});
    CHECK(c.streamed == body.size());
    REQUIRE(c.responses.size() == 1);
    const auto& f = std::get<fetch_data>(c.responses[0]);
    CHECK(f.uid == 5u);
    CHECK(f.flags == std::vector<std::string>{"\\Seen"});
    REQUIRE(f.sections.size() == 1);
    CHECK(f.sections[0].data == "");  // the bytes went to the sink
    CHECK_FALSE(s.eng.closed());
}

TEST_CASE("streaming: nothing is parsed while a piece is with the sink", "[engine][stream]") {
    script s;
    selected(s);
    auto streamed = s.submit(stream_request(5, std::make_shared<unused_sink>()));
    auto flags = s.submit(cmd::fetch(sequence_set(9), {"FLAGS"}, {}, true));
    CHECK(s.flush() == "A2 UID FETCH 5 (UID BODY.PEEK[])\r\nA3 UID FETCH 9 (FLAGS)\r\n");
    s.server("* 3 FETCH (UID 5 BODY[] {6}\r\nabcdef)\r\nA2 OK done\r\n* 7 FETCH (UID 9 FLAGS ())\r\nA3 OK done\r\n");
    // The piece waits: no completion yet, not even the FLAGS behind it.
    auto p = s.eng.next_piece();
    REQUIRE(p);
    CHECK(p->bytes == "abcdef");
    CHECK_FALSE(s.completed(streamed));
    CHECK_FALSE(s.completed(flags));
    s.eng.piece_written({});
    s.collect();
    CHECK_FALSE(s.eng.next_piece());
    CHECK(s.result(streamed).streamed == 6);
    CHECK(fetched_uids(s.result(flags)) == std::vector<std::uint32_t>{9});
}

TEST_CASE("streaming: the UID after the literal, a quoted body, and a partial fetch", "[engine][stream]") {
    script s;
    selected(s);
    streamer st(s);
    SECTION("the UID comes after the body: still the stream's (one stream on the wire)") {
        auto id = s.submit(stream_request(5, std::make_shared<unused_sink>(), "1.2"));
        CHECK(s.flush() == "A2 UID FETCH 5 (UID BODY.PEEK[1.2])\r\n");
        st.feed("* 3 FETCH (BODY[1.2] {5}\r\nhello UID 5)\r\nA2 OK done\r\n", 3);
        CHECK(st.got == "hello");
        CHECK(s.result(id).streamed == 5);
    }
    SECTION("a quoted body is handed to the sink too") {
        auto id = s.submit(stream_request(5, std::make_shared<unused_sink>()));
        s.flush();
        st.feed("* 3 FETCH (UID 5 BODY[] \"short one\")\r\nA2 OK done\r\n", 100);
        CHECK(st.got == "short one");
        CHECK(s.result(id).streamed == 9);
    }
    SECTION("another message's body (UID before it) is not the stream's") {
        auto id = s.submit(stream_request(5, std::make_shared<unused_sink>()));
        s.flush();
        st.feed("* 4 FETCH (UID 6 BODY[] {3}\r\nxyz)\r\n* 3 FETCH (UID 5 BODY[] {2}\r\nok)\r\nA2 OK done\r\n", 100);
        CHECK(st.got == "ok");
        CHECK(s.result(id).streamed == 2);
        auto ev = s.events();
        REQUIRE(ev.size() == 1);  // the stray one is unsolicited data, kept whole
        CHECK(event_as<fetch_data>(ev[0])->sections.at(0).data == "xyz");
    }
}

TEST_CASE("streaming: two streams never share the wire; other fetches pipeline with them", "[engine][stream]") {
    script s;
    selected(s);
    auto a = s.submit(stream_request(5, std::make_shared<unused_sink>()));
    auto small = s.submit(cmd::fetch(sequence_set(8), {"FLAGS"}, {}, true));
    auto b = s.submit(stream_request(6, std::make_shared<unused_sink>()));
    CHECK(s.flush() == "A2 UID FETCH 5 (UID BODY.PEEK[])\r\nA3 UID FETCH 8 (FLAGS)\r\n");
    streamer st(s);
    st.feed("* 3 FETCH (UID 5 BODY[] {3}\r\naaa)\r\nA2 OK done\r\n* 6 FETCH (UID 8 FLAGS ())\r\nA3 OK done\r\n", 50);
    CHECK(s.flush() == "A4 UID FETCH 6 (UID BODY.PEEK[])\r\n");
    st.feed("* 4 FETCH (BODY[] {3}\r\nbbb UID 6)\r\nA4 OK done\r\n", 50);
    CHECK(st.got == "aaabbb");
    CHECK(s.result(a).streamed == 3);
    CHECK(s.result(b).streamed == 3);
    CHECK(fetched_uids(s.result(small)) == std::vector<std::uint32_t>{8});
}

TEST_CASE("streaming: a cancelled stream drains, the connection goes on", "[engine][stream]") {
    script s;
    selected(s);
    const std::string body = message_of(5000);
    auto id = s.submit(stream_request(5, std::make_shared<unused_sink>()));
    auto after = s.submit(cmd::fetch(sequence_set(9), {"FLAGS"}, {}, true));
    s.flush();
    streamer st(s);
    const std::string wire = "* 3 FETCH (UID 5 BODY[] {" + std::to_string(body.size()) + "}\r\n" + body +
                             ")\r\nA2 OK done\r\n* 7 FETCH (UID 9 FLAGS ())\r\nA3 OK done\r\n";
    st.feed(wire.substr(0, 1000), 100);
    std::size_t rest = 1000;
    SECTION("between pieces: it ends at once") {
        s.cancel(id);
        CHECK(s.result(id).ec == boost::asio::error::operation_aborted);
    }
    SECTION("while a piece is with the sink: its end waits for the write") {
        auto buf = s.eng.prepare_read(10);
        std::memcpy(buf.data(), wire.data() + 1000, 10);
        s.eng.commit_read(10);
        REQUIRE(s.eng.next_piece());
        s.cancel(id);
        s.collect();
        CHECK_FALSE(s.completed(id));
        s.eng.piece_written({});
        s.collect();
        CHECK(s.result(id).ec == boost::asio::error::operation_aborted);
        rest = 1010;
    }
    const std::size_t before = st.got.size();
    st.feed(wire.substr(rest), 100);
    CHECK(st.got.size() == before);  // nothing more reached the sink
    CHECK(fetched_uids(s.result(after)) == std::vector<std::uint32_t>{9});
    CHECK(s.times_completed(id) == 1);
    CHECK_FALSE(s.eng.closed());
}

TEST_CASE("streaming: a failing sink ends its command at once; the rest drains", "[engine][stream]") {
    script s;
    selected(s);
    const std::string body = message_of(3000);
    auto id = s.submit(stream_request(5, std::make_shared<unused_sink>()));
    s.flush();
    streamer st(s);
    st.fail_after = 1000;
    st.feed("* 3 FETCH (UID 5 BODY[] {" + std::to_string(body.size()) + "}\r\n" + body.substr(0, 1500), 256);
    const auto& c = s.result(id);
    CHECK(c.ec == ec_of(errc::stream_failed));
    CHECK(c.sink_error == boost::asio::error::broken_pipe);
    CHECK(c.streamed == st.got.size());
    CHECK(st.got.size() <= 1000);
    CHECK(st.got == body.substr(0, st.got.size()));
    st.feed(body.substr(1500) + ")\r\nA2 OK done\r\n", 256);
    CHECK(s.times_completed(id) == 1);
    CHECK_FALSE(s.eng.closed());
    CHECK(s.events().empty());
}

TEST_CASE("streaming: connection lost mid-literal while a piece is out", "[engine][stream]") {
    script s;
    selected(s);
    auto id = s.submit(stream_request(5, std::make_shared<unused_sink>()));
    s.flush();
    s.server("* 3 FETCH (UID 5 BODY[] {100}\r\n0123456789");
    auto p = s.eng.next_piece();
    REQUIRE(p);
    s.fail(ec_of(errc::connection_lost), "reset");
    CHECK_FALSE(s.completed(id));  // held until the sink's write returns
    CHECK(p->bytes == "0123456789");  // still valid
    s.eng.piece_written({});
    s.collect();
    CHECK(s.result(id).ec == ec_of(errc::connection_lost));
}

TEST_CASE("streaming: without a stream, max_literal still refuses, and says to stream", "[engine][stream]") {
    engine_config cfg;
    cfg.limits.max_literal = 100;
    script s(cfg);
    selected(s);
    s.submit(cmd::fetch(sequence_set(5), {"BODY.PEEK[]"}, {}, true));
    s.flush();
    s.server("* 3 FETCH (UID 5 BODY[] {1000}\r\n");
    CHECK(s.eng.closed());
    CHECK(s.eng.close_reason() == ec_of(errc::framing_error));
    CHECK(s.eng.close_detail().find("body_sink") != std::string::npos);
}
