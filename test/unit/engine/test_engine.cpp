// The connection engine over scripted transcripts: greeting, capabilities,
// tags, synchronizing literals, fatal errors, cancellation, IDLE, STARTTLS
// and the select/close life cycle. Routing and pipelining rules are in
// test_engine_routing.cpp.
#include "engine_script.hpp"

#include <boost/asio/error.hpp>

#include <cctype>
#include <set>

using namespace engine_script;

namespace {

const error_code aborted = boost::asio::error::operation_aborted;

feeding any_feeding() { return GENERATE(feeding::whole, feeding::bytewise, feeding::zero_copy); }

bool has_closed_event(const std::vector<event>& evs, error_code ec) {
    return std::count_if(evs.begin(), evs.end(), [&](const event& e) {
               auto* c = std::get_if<connection_closed>(&e);
               return c && c->ec == ec;
           }) == 1;
}

std::size_t closed_events(const std::vector<event>& evs) {
    return static_cast<std::size_t>(std::count_if(
        evs.begin(), evs.end(), [](const event& e) { return std::holds_alternative<connection_closed>(e); }));
}

// The mailbox after a typical SELECT (RFC 3501 6.3.1 example plus CONDSTORE).
const char* const select_inbox_data =
    "* 172 EXISTS\r\n"
    "* 1 RECENT\r\n"
    "* OK [UNSEEN 12] Message 12 is first unseen\r\n"
    "* OK [UIDVALIDITY 3857529045] UIDs valid\r\n"
    "* OK [UIDNEXT 4392] Predicted next UID\r\n"
    "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
    "* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited\r\n"
    "* OK [HIGHESTMODSEQ 715194045007] Ok\r\n";

}  // namespace

// ---- greeting -------------------------------------------------------------

TEST_CASE("engine: OK greeting with capabilities, in any chunking", "[engine]") {
    script s;
    s.feed_mode = any_feeding();
    CHECK(s.eng.state() == session_state::greeting);
    CHECK(s.eng.awaiting_server());
    s.server("* OK [CAPABILITY IMAP4rev1 LITERAL+ IDLE AUTH=PLAIN] Dovecot ready.\r\n");
    CHECK(s.eng.state() == session_state::not_authenticated);
    CHECK_FALSE(s.eng.closed());
    CHECK_FALSE(s.eng.awaiting_server());
    REQUIRE(s.eng.greeting());
    CHECK(s.eng.greeting()->status == status_kind::ok);
    CHECK(s.eng.greeting()->text == "Dovecot ready.");
    CHECK(s.eng.capabilities() == std::set<std::string>{"IMAP4REV1", "LITERAL+", "IDLE", "AUTH=PLAIN"});
    CHECK(s.eng.has_capability("idle"));
    CHECK(s.eng.has_capability("imap4rev1"));
    CHECK(s.eng.has_capability("auth=plain"));
    CHECK_FALSE(s.eng.has_capability("STARTTLS"));
    CHECK(s.events().empty());
}

TEST_CASE("engine: PREAUTH greeting is authenticated", "[engine]") {
    script s;
    s.feed_mode = any_feeding();
    s.server("* PREAUTH [CAPABILITY IMAP4rev2] logged in as alice\r\n");
    CHECK(s.eng.state() == session_state::authenticated);
    CHECK(s.eng.greeting()->status == status_kind::preauth);
    CHECK(s.eng.has_capability("IMAP4rev2"));
}

TEST_CASE("engine: greeting without capabilities leaves them empty", "[engine]") {
    script s;
    s.server("* OK IMAP4rev1 server ready\r\n");
    CHECK(s.eng.state() == session_state::not_authenticated);
    CHECK(s.eng.capabilities().empty());
}

TEST_CASE("engine: BYE greeting closes the connection", "[engine]") {
    script s;
    s.feed_mode = any_feeding();
    auto early = s.submit(cmd::noop());  // queued before the greeting
    CHECK(s.flush().empty());
    s.server("* BYE Too many connections from your IP\r\n");
    CHECK(s.eng.closed());
    CHECK(s.eng.close_reason() == ec_of(errc::bye));
    CHECK(s.eng.close_detail() == "Too many connections from your IP");
    CHECK(s.result(early).ec == ec_of(errc::bye));
    auto evs = s.events();
    CHECK(has_closed_event(evs, ec_of(errc::bye)));
    CHECK(s.flush().empty());
    CHECK(s.written.empty());
}

TEST_CASE("engine: a greeting that is not OK/PREAUTH/BYE is a protocol violation", "[engine]") {
    const std::string bad = GENERATE(std::string("A1 OK hello\r\n"),        // tagged
                                     std::string("+ go ahead\r\n"),          // continuation
                                     std::string("* 5 EXISTS\r\n"),          // data
                                     std::string("* NO not today\r\n"),      // NO
                                     std::string("* BAD who are you\r\n"),   // BAD
                                     std::string("* CAPABILITY IMAP4rev1\r\n"));
    CAPTURE(bad);
    script s;
    auto id = s.submit(cmd::capability());
    s.server(bad);
    CHECK(s.eng.closed());
    CHECK(s.eng.close_reason() == ec_of(errc::protocol_violation));
    CHECK(s.result(id).ec == ec_of(errc::protocol_violation));
    CHECK(s.written.empty());
    CHECK(closed_events(s.events()) == 1);
}

TEST_CASE("engine: garbage lines before the greeting are skipped", "[engine]") {
    script s;
    s.feed_mode = any_feeding();
    s.server("\r\nHTTP/1.1 400 Bad Request\r\nServer Unavailable. 15\r\n");
    CHECK_FALSE(s.eng.closed());
    CHECK(s.eng.state() == session_state::greeting);
    CHECK(s.flush().empty());
    s.server("* OK ready\r\n");
    CHECK(s.eng.state() == session_state::not_authenticated);
}

TEST_CASE("engine: nothing is written before the greeting", "[engine]") {
    script s;
    auto id = s.submit(cmd::noop());
    CHECK(s.flush().empty());
    CHECK(s.eng.pending() == 1);
    s.greet();
    CHECK(s.flush() == "A1 NOOP\r\n");
    s.server("A1 OK NOOP done\r\n");
    CHECK(s.result(id).ec == error_code{});
    CHECK(s.result(id).status.text == "NOOP done");
    CHECK(s.eng.pending() == 0);
}

// ---- capabilities -----------------------------------------------------------

TEST_CASE("engine: CAPABILITY replaces the capability set and is collected", "[engine]") {
    script s;
    s.feed_mode = any_feeding();
    s.greet("IMAP4rev1 STARTTLS");
    auto c = s.run(cmd::capability(), "A1 CAPABILITY\r\n", "* CAPABILITY IMAP4rev1 LITERAL- IDLE MOVE\r\n");
    CHECK(c.ec == error_code{});
    REQUIRE(c.responses.size() == 1);
    CHECK(std::get<capability_data>(c.responses[0]).capabilities ==
          std::vector<std::string>{"IMAP4REV1", "LITERAL-", "IDLE", "MOVE"});
    CHECK(s.eng.capabilities() == std::set<std::string>{"IMAP4REV1", "LITERAL-", "IDLE", "MOVE"});
    CHECK_FALSE(s.eng.has_capability("STARTTLS"));  // replaced, not merged
    CHECK(s.events().empty());
}

TEST_CASE("engine: unsolicited CAPABILITY (code or data) updates the set", "[engine]") {
    script s;
    s.greet("IMAP4rev1");
    auto id = s.submit(cmd::noop());
    s.flush();
    s.server("* OK [CAPABILITY IMAP4rev1 IDLE] now with IDLE\r\n");
    CHECK(s.eng.has_capability("IDLE"));
    s.server("* CAPABILITY IMAP4rev1 CONDSTORE\r\nA1 OK\r\n");
    CHECK(s.eng.capabilities() == std::set<std::string>{"IMAP4REV1", "CONDSTORE"});
    CHECK(s.result(id).ec == error_code{});
    // Nobody collected them: the OK is published; capability data before
    // login is taken in, not passed on (test/loopback/test_hostile.cpp).
    CHECK(s.events().size() == 1);
}

TEST_CASE("engine: literal support follows LITERAL+, LITERAL- and IMAP4rev2", "[engine]") {
    struct vec {
        const char* caps;
        bool plus, minus, binary;
    };
    const vec v = GENERATE(vec{"IMAP4rev1", false, false, false}, vec{"IMAP4rev1 LITERAL+", true, false, false},
                           vec{"IMAP4rev1 LITERAL-", false, true, false}, vec{"IMAP4rev2", false, true, false},
                           vec{"IMAP4rev1 IMAP4rev2 LITERAL+ BINARY", true, true, true},
                           vec{"IMAP4rev1 literal+", true, false, false});
    CAPTURE(v.caps);
    script s;
    s.greet(v.caps);
    auto l = s.eng.literals();
    CHECK(l.literal_plus == v.plus);
    CHECK(l.literal_minus == v.minus);
    CHECK(l.binary == v.binary);
}

// ---- tags -------------------------------------------------------------------

TEST_CASE("engine: tags are unique and start with a letter", "[engine]") {
    script s;
    s.greet();
    std::set<std::string> tags;
    std::size_t lines = 0;
    // Pipelined NOOPs, then serialised barriers, and failed encodings in
    // between: no tag may ever repeat.
    for (int round = 0; round < 5; ++round) {
        std::vector<command_id> ids;
        for (int i = 0; i < 8; ++i) ids.push_back(s.submit(cmd::noop()));
        s.submit(cmd::fetch(sequence_set("1"), {}, {}, true));  // no items: refused, not written
        auto w = s.flush();
        auto ls = split_lines(w);
        REQUIRE(ls.size() == 8);
        std::string reply;
        for (auto& l : ls) {
            const std::string tag = l.substr(0, l.find(' '));
            CHECK(l.substr(tag.size()) == " NOOP");
            REQUIRE_FALSE(tag.empty());
            CHECK(std::isalpha(static_cast<unsigned char>(tag[0])));
            CHECK(tags.insert(tag).second);
            reply += tag + " OK\r\n";
            ++lines;
        }
        s.server(reply);
        for (auto id : ids) CHECK(s.result(id).ec == error_code{});
        auto sel = s.run(cmd::select("INBOX", false), "A" + std::to_string(round * 10 + 10) + " SELECT INBOX\r\n");
        CHECK(sel.ec == error_code{});
        CHECK(tags.insert("A" + std::to_string(round * 10 + 10)).second);
    }
    CHECK(lines == 40);
    CHECK_FALSE(s.eng.closed());
}

TEST_CASE("engine: a configured tag prefix is used", "[engine]") {
    engine_config cfg;
    cfg.tag_prefix = "xq";
    script s(cfg);
    s.greet();
    auto c = s.run(cmd::noop(), "xq1 NOOP\r\n");
    CHECK(c.ec == error_code{});
}

TEST_CASE("engine: an argument that cannot be encoded fails that command alone", "[engine]") {
    script s;
    s.greet();
    auto bad = s.submit(cmd::fetch(sequence_set("1:3"), {}, {}, true));
    CHECK(s.result(bad).ec == ec_of(errc::invalid_argument));
    auto good = s.run(cmd::noop(), "A2 NOOP\r\n");
    CHECK(good.ec == error_code{});
}

TEST_CASE("engine: a command is in flight before its write completes", "[engine]") {
    script s;
    s.feed_mode = any_feeding();
    s.greet();
    auto id = s.submit(cmd::noop());
    // The writer got the bytes but has not reported completion (the engine
    // has no such input): the server's answer in the same read is accepted.
    auto chunks = s.eng.next_writes();
    REQUIRE(chunks.size() == 1);
    CHECK(chunks[0].view() == "A1 NOOP\r\n");
    CHECK(s.eng.awaiting_server());
    s.server("* 3 EXISTS\r\nA1 OK NOOP completed\r\n");
    CHECK_FALSE(s.eng.closed());
    CHECK(s.result(id).ec == error_code{});
    // The chunk keeps its bytes alive after completion.
    CHECK(chunks[0].view() == "A1 NOOP\r\n");
    CHECK_FALSE(s.eng.awaiting_server());
}

TEST_CASE("engine: NO and BAD complete with their codes and the server's text", "[engine]") {
    script s;
    s.greet();
    auto id1 = s.submit(cmd::noop());
    auto id2 = s.submit(cmd::noop());
    CHECK(s.flush() == "A1 NOOP\r\nA2 NOOP\r\n");
    s.server("A2 BAD [PARSE] what?\r\nA1 NO [UNAVAILABLE] try later\r\n");
    CHECK(s.result(id1).ec == ec_of(errc::no));
    CHECK(s.result(id1).status.text == "try later");
    REQUIRE(s.result(id1).status.code);
    CHECK(s.result(id1).status.code->name == "UNAVAILABLE");
    CHECK(s.result(id2).ec == ec_of(errc::bad));
    CHECK(s.result(id2).status.code->name == "PARSE");
    CHECK_FALSE(s.eng.closed());
}

// ---- synchronizing literals ------------------------------------------------

TEST_CASE("engine: APPEND without LITERAL+ waits for '+' before the literal", "[engine]") {
    script s;
    s.feed_mode = any_feeding();
    s.greet("IMAP4rev1");
    const std::string msg = "Subject: hi\r\n\r\nHello\r\n";  // 22 bytes
    auto app = s.submit(cmd::append("INBOX", msg, {"\\Seen"}, std::nullopt));
    CHECK(s.flush() == "A1 APPEND INBOX (\\Seen) {22}\r\n");
    auto noop = s.submit(cmd::noop());
    // Nothing else may be written while the server decides.
    CHECK(s.flush().empty());
    CHECK(s.flush().empty());
    CHECK_FALSE(s.completed(app));
    s.server("+ Ready for literal data\r\n");
    CHECK(s.flush() == msg + "\r\nA2 NOOP\r\n");
    s.server("A2 OK NOOP\r\nA1 OK [APPENDUID 38505 3955] APPEND completed\r\n");
    CHECK(s.result(app).ec == error_code{});
    REQUIRE(s.result(app).status.code);
    CHECK(s.result(app).status.code->name == "APPENDUID");
    CHECK(s.result(noop).ec == error_code{});
    CHECK(s.written == "A1 APPEND INBOX (\\Seen) {22}\r\n" + msg + "\r\nA2 NOOP\r\n");
    // The trace never shows the message itself.
    REQUIRE(s.traced.size() == 2);
    CHECK(s.traced[0].find("Hello") == std::string::npos);
}

TEST_CASE("engine: a bare '+' continues a literal", "[engine]") {
    script s;
    s.greet();
    auto app = s.submit(cmd::append("INBOX", "x", {}, std::nullopt));
    CHECK(s.flush() == "A1 APPEND INBOX {1}\r\n");
    s.server("+\r\n");
    CHECK(s.flush() == "x\r\n");
    s.server("A1 OK\r\n");
    CHECK(s.result(app).ec == error_code{});
}

TEST_CASE("engine: a tagged NO instead of '+' ends the APPEND; the connection goes on", "[engine]") {
    script s;
    s.feed_mode = any_feeding();
    s.greet();
    auto app = s.submit(cmd::append("Nope", "body of the message", {}, std::nullopt));
    CHECK(s.flush() == "A1 APPEND Nope {19}\r\n");
    auto noop = s.submit(cmd::noop());
    CHECK(s.flush().empty());
    s.server("A1 NO [TRYCREATE] Mailbox doesn't exist: Nope\r\n");
    CHECK(s.result(app).ec == ec_of(errc::no));
    CHECK(s.result(app).status.code->name == "TRYCREATE");
    CHECK_FALSE(s.eng.closed());
    // The literal is never sent; the next command is.
    CHECK(s.flush() == "A2 NOOP\r\n");
    s.server("A2 OK\r\n");
    CHECK(s.result(noop).ec == error_code{});
    CHECK(s.written.find("body of the message") == std::string::npos);
}

TEST_CASE("engine: with LITERAL+ the whole APPEND is written at once", "[engine]") {
    script s;
    s.greet("IMAP4rev1 LITERAL+");
    auto app = s.submit(cmd::append("INBOX", "hello", {}, std::nullopt));
    auto noop = s.submit(cmd::noop());
    CHECK(s.flush() == "A1 APPEND INBOX {5+}\r\nhello\r\nA2 NOOP\r\n");
    s.server("A1 OK\r\nA2 OK\r\n");
    CHECK(s.result(app).ec == error_code{});
    CHECK(s.result(noop).ec == error_code{});
}

TEST_CASE("engine: LITERAL- and IMAP4rev2 avoid the round trip only up to 4096 bytes", "[engine]") {
    const char* caps = GENERATE("IMAP4rev1 LITERAL-", "IMAP4rev2");
    CAPTURE(caps);
    script s;
    s.greet(caps);
    auto small = s.submit(cmd::append("INBOX", std::string(4096, 'a'), {}, std::nullopt));
    CHECK(s.flush() == "A1 APPEND INBOX {4096+}\r\n" + std::string(4096, 'a') + "\r\n");
    auto big = s.submit(cmd::append("INBOX", std::string(4097, 'b'), {}, std::nullopt));
    CHECK(s.flush() == "A2 APPEND INBOX {4097}\r\n");
    s.server("+ go\r\n");
    CHECK(s.flush() == std::string(4097, 'b') + "\r\n");
    s.server("A1 OK\r\nA2 OK\r\n");
    CHECK(s.result(small).ec == error_code{});
    CHECK(s.result(big).ec == error_code{});
}

TEST_CASE("engine: two APPENDs each wait for their own '+'", "[engine]") {
    script s;
    s.feed_mode = any_feeding();
    s.greet();
    auto a1 = s.submit(cmd::append("INBOX", "one", {}, std::nullopt));
    auto a2 = s.submit(cmd::append("INBOX", "two", {}, std::nullopt));
    CHECK(s.flush() == "A1 APPEND INBOX {3}\r\n");
    s.server("+ ok\r\n");
    CHECK(s.flush() == "one\r\nA2 APPEND INBOX {3}\r\n");
    CHECK(s.flush().empty());
    s.server("A1 OK first\r\n");
    CHECK(s.flush().empty());
    s.server("+ ok\r\n");
    CHECK(s.flush() == "two\r\n");
    s.server("A2 OK second\r\n");
    CHECK(s.result(a1).status.text == "first");
    CHECK(s.result(a2).status.text == "second");
}

TEST_CASE("engine: a literal inside SEARCH stops at the sync point", "[engine]") {
    script s;
    s.greet();
    auto id = s.submit(cmd::search(search_criteria{"SUBJECT", "caf\xc3\xa9"}, "", true));
    const std::string first = s.flush();
    CHECK(first.size() > 4);
    CHECK(first.substr(first.size() - 5) == "{5}\r\n");
    CHECK(first.find("caf") == std::string::npos);
    s.server("+ go on\r\n");
    CHECK(s.flush() == "caf\xc3\xa9\r\n");
    s.server("* SEARCH 3 9\r\nA1 OK\r\n");
    REQUIRE(s.result(id).responses.size() == 1);
    CHECK(std::get<search_data>(s.result(id).responses[0]).ids == std::vector<std::uint32_t>{3, 9});
}

// ---- fatal errors ------------------------------------------------------------

TEST_CASE("engine: BYE fails every queued and in-flight command once", "[engine]") {
    script s;
    s.feed_mode = any_feeding();
    s.greet();
    s.run(cmd::select("INBOX", false), "A1 SELECT INBOX\r\n", "* 3 EXISTS\r\n");
    auto f1 = s.submit(cmd::fetch(sequence_set("1:3"), {"FLAGS"}, {}, true));
    auto n1 = s.submit(cmd::noop());
    auto barrier = s.submit(cmd::fetch(sequence_set("1"), {"FLAGS"}, {}, false));  // waits
    auto queued = s.submit(cmd::noop());
    CHECK(s.flush() == "A2 UID FETCH 1:3 (FLAGS)\r\nA3 NOOP\r\n");
    s.events();
    s.server("* BYE Server shutting down\r\n");
    CHECK(s.eng.closed());
    CHECK(s.eng.close_reason() == ec_of(errc::bye));
    CHECK(s.eng.close_detail() == "Server shutting down");
    for (auto id : {f1, n1, barrier, queued}) {
        CHECK(s.result(id).ec == ec_of(errc::bye));
        CHECK(s.result(id).status.text == "Server shutting down");
    }
    auto evs = s.events();
    REQUIRE(evs.size() == 2);  // the BYE itself, then the end
    REQUIRE(event_as<status_response>(evs[0]));
    CHECK(event_as<status_response>(evs[0])->status == status_kind::bye);
    CHECK(std::holds_alternative<connection_closed>(evs[1]));
    CHECK(std::get<connection_closed>(evs[1]).ec == ec_of(errc::bye));
    CHECK(s.eng.pending() == 0);
    CHECK(s.flush().empty());

    // Yandex repeats BYE without closing: the connection is already over.
    const auto completions = s.done.size();
    s.server("* BYE Autologout; idle for too long\r\n* BYE Autologout; idle for too long\r\nA2 OK late\r\n");
    CHECK(s.done.size() == completions);
    CHECK(s.events().empty());
    CHECK(s.eng.close_detail() == "Server shutting down");

    // Submitting afterwards completes at once with the close reason.
    auto late = s.submit(cmd::noop());
    CHECK(s.result(late).ec == ec_of(errc::bye));
    CHECK(s.flush().empty());
    CHECK(s.written.find("FETCH 1 ") == std::string::npos);
}

TEST_CASE("engine: BYE during LOGOUT is expected", "[engine]") {
    script s;
    s.feed_mode = any_feeding();
    s.greet();
    auto c = s.run(cmd::logout(), "A1 LOGOUT\r\n", "* BYE IMAP4rev1 Server logging out\r\n");
    CHECK(c.ec == error_code{});
    CHECK_FALSE(s.eng.closed());
    CHECK(s.eng.state() == session_state::logout);
    auto evs = s.events();
    REQUIRE(evs.size() == 1);
    CHECK(event_as<status_response>(evs[0]));
    s.fail(ec_of(errc::connection_lost), "eof");
    CHECK(s.eng.closed());
    CHECK(has_closed_event(s.events(), ec_of(errc::connection_lost)));
}

TEST_CASE("engine: a tagged reply for an unknown tag is a protocol violation", "[engine]") {
    const std::string reply = GENERATE(std::string("Z9 OK what\r\n"), std::string("A2 OK not sent yet\r\n"),
                                       std::string("A1 OK done\r\nA1 OK twice\r\n"));
    CAPTURE(reply);
    script s;
    s.greet();
    auto first = s.submit(cmd::noop());
    s.flush();
    auto second = s.submit(cmd::select("INBOX", false));  // a barrier: waits for the NOOP
    s.server(reply);
    CHECK(s.eng.closed());
    CHECK(s.eng.close_reason() == ec_of(errc::protocol_violation));
    CHECK(s.times_completed(first) == 1);
    CHECK(s.result(second).ec == ec_of(errc::protocol_violation));
    CHECK(closed_events(s.events()) == 1);
}

TEST_CASE("engine: an unexpected '+' is a protocol violation", "[engine]") {
    script s;
    s.greet("IMAP4rev1 LITERAL+");
    auto noop = s.submit(cmd::noop());
    auto app = s.submit(cmd::append("INBOX", "abc", {}, std::nullopt));  // LITERAL+: needs no '+'
    s.flush();
    s.server("+ send more\r\n");
    CHECK(s.eng.close_reason() == ec_of(errc::protocol_violation));
    CHECK(s.result(noop).ec == ec_of(errc::protocol_violation));
    CHECK(s.result(app).ec == ec_of(errc::protocol_violation));
}

TEST_CASE("engine: a second '+' after the literal went out is a protocol violation", "[engine]") {
    script s;
    s.greet();
    auto app = s.submit(cmd::append("INBOX", "abc", {}, std::nullopt));
    s.flush();
    s.server("+ go\r\n");
    CHECK(s.flush() == "abc\r\n");
    s.server("+ again?\r\n");
    CHECK(s.eng.close_reason() == ec_of(errc::protocol_violation));
    CHECK(s.result(app).ec == ec_of(errc::protocol_violation));
}

TEST_CASE("engine: framing errors fail the connection", "[engine]") {
    engine_config cfg;
    cfg.limits.max_line = 200;
    cfg.limits.max_literal = 1000;
    script s(cfg);
    s.feed_mode = any_feeding();
    s.greet();
    auto f = s.submit(cmd::fetch(sequence_set("1"), {"BODY[]"}, {}, true));
    auto q = s.submit(cmd::select("INBOX", false));
    s.flush();
    const std::string bad = GENERATE(std::string("* 1 FETCH (UID 1 BODY[] {1001}\r\n"),
                                     std::string("* OK ") + std::string(400, 'x') + "\r\n",
                                     std::string("* 1 FETCH (UID 1 BODY[] {99999999999999999999}\r\n"));
    CAPTURE(bad.substr(0, 60));
    s.server(bad);
    CHECK(s.eng.closed());
    CHECK(s.eng.close_reason() == ec_of(errc::framing_error));
    CHECK_FALSE(s.eng.close_detail().empty());
    CHECK(s.result(f).ec == ec_of(errc::framing_error));
    CHECK(s.result(q).ec == ec_of(errc::framing_error));
    CHECK(has_closed_event(s.events(), ec_of(errc::framing_error)));
}

TEST_CASE("engine: a literal at the limit is accepted", "[engine]") {
    engine_config cfg;
    cfg.limits.max_literal = 1000;
    script s(cfg);
    s.greet();
    s.run(cmd::select("INBOX", false), "A1 SELECT INBOX\r\n", "* 1 EXISTS\r\n");
    auto f = s.submit(cmd::fetch(sequence_set("1"), {"BODY[]"}, {}, true));
    s.flush();
    s.server("* 1 FETCH (UID 1 BODY[] {1000}\r\n" + std::string(1000, 'z') + ")\r\nA2 OK\r\n");
    CHECK_FALSE(s.eng.closed());
    REQUIRE(s.result(f).responses.size() == 1);
    auto* sec = std::get<fetch_data>(s.result(f).responses[0]).section("BODY[]");
    REQUIRE(sec);
    CHECK(sec->data == std::string(1000, 'z'));
}

TEST_CASE("engine: fail() completes everything exactly once", "[engine]") {
    script s;
    s.greet();
    s.run(cmd::select("INBOX", false), "A1 SELECT INBOX\r\n");
    auto a = s.submit(cmd::fetch(sequence_set("1:3"), {"FLAGS"}, {}, true));
    auto b = s.submit(cmd::fetch(sequence_set("4:6"), {"FLAGS"}, {}, true));
    auto c = s.submit(cmd::noop());
    CHECK(split_lines(s.flush()).size() == 3);
    auto queued = s.submit(cmd::close());
    auto queued2 = s.submit(cmd::noop());
    s.cancel(b);  // abandoned: already completed with operation_aborted
    CHECK(s.result(b).ec == aborted);
    s.fail(ec_of(errc::timeout), "no data from the server");
    s.fail(ec_of(errc::connection_lost), "second failure");
    CHECK(s.eng.close_reason() == ec_of(errc::timeout));
    CHECK(s.eng.close_detail() == "no data from the server");
    for (auto id : {a, c, queued, queued2}) CHECK(s.result(id).ec == ec_of(errc::timeout));
    CHECK(s.times_completed(b) == 1);
    CHECK(s.done.size() == 6);  // SELECT + the five above
    CHECK(closed_events(s.events()) == 1);
    CHECK(s.eng.pending() == 0);
    CHECK_FALSE(s.eng.awaiting_server());
    // Bytes after the end are ignored without fuss.
    s.server("* 9 EXISTS\r\nA2 OK\r\n");
    CHECK(s.events().empty());
    CHECK(s.done.size() == 6);
    auto late = s.submit(cmd::capability());
    CHECK(s.result(late).ec == ec_of(errc::timeout));
    CHECK(s.result(late).status.text == "no data from the server");
}

TEST_CASE("engine: fail() during the greeting", "[engine]") {
    script s;
    auto id = s.submit(cmd::noop());
    s.fail(ec_of(errc::connection_lost), "refused");
    CHECK(s.result(id).ec == ec_of(errc::connection_lost));
    CHECK(has_closed_event(s.events(), ec_of(errc::connection_lost)));
    s.server("* OK too late\r\n");
    CHECK(s.eng.closed());
    CHECK_FALSE(s.eng.greeting());
}

// ---- cancellation --------------------------------------------------------------

TEST_CASE("engine: cancelling a queued command removes it unwritten", "[engine]") {
    script s;
    s.greet();
    auto sel = s.submit(cmd::select("INBOX", false));
    CHECK(s.flush() == "A1 SELECT INBOX\r\n");
    auto noop = s.submit(cmd::noop());
    auto cap = s.submit(cmd::capability());
    CHECK(s.flush().empty());
    s.cancel(noop);
    CHECK(s.result(noop).ec == aborted);
    s.cancel(noop);  // finished: no effect
    s.cancel(12345);  // unknown: no effect
    CHECK(s.times_completed(noop) == 1);
    s.server("A1 OK [READ-WRITE] done\r\n");
    CHECK(s.result(sel).ec == error_code{});
    CHECK(s.flush() == "A3 CAPABILITY\r\n");
    s.server("* CAPABILITY IMAP4rev1\r\nA3 OK\r\n");
    CHECK(s.result(cap).ec == error_code{});
    CHECK(s.written.find("NOOP") == std::string::npos);
    CHECK_FALSE(s.eng.closed());
}

TEST_CASE("engine: cancelling a written command abandons it; late data is discarded", "[engine]") {
    script s;
    s.feed_mode = any_feeding();
    s.greet();
    s.run(cmd::select("INBOX", false), "A1 SELECT INBOX\r\n", "* 3 EXISTS\r\n");
    s.events();
    auto f = s.submit(cmd::fetch(sequence_set("1:3"), {"FLAGS"}, {}, true));
    auto srch = s.submit(cmd::search(search_criteria{"UNSEEN"}, "", true));
    CHECK(s.flush() == "A2 UID FETCH 1:3 (FLAGS)\r\nA3 UID SEARCH UNSEEN\r\n");
    s.cancel(f);
    s.cancel(srch);
    CHECK(s.result(f).ec == aborted);
    CHECK(s.result(srch).ec == aborted);
    CHECK(s.eng.pending() == 2);  // still on the wire until their tagged replies
    s.server("* 1 FETCH (UID 1 FLAGS (\\Seen))\r\n* 2 FETCH (FLAGS () UID 2)\r\n* SEARCH 2 3\r\n"
             "A2 OK FETCH done\r\nA3 OK SEARCH done\r\n");
    CHECK(s.times_completed(f) == 1);
    CHECK(s.times_completed(srch) == 1);
    CHECK(s.events().empty());
    CHECK_FALSE(s.eng.closed());
    CHECK(s.eng.pending() == 0);
    auto again = s.run(cmd::noop(), "A4 NOOP\r\n");
    CHECK(again.ec == error_code{});
}

TEST_CASE("engine: an abandoned barrier still holds later commands until its reply", "[engine]") {
    script s;
    s.greet();
    auto sel = s.submit(cmd::select("INBOX", false));
    s.flush();
    auto noop = s.submit(cmd::noop());
    s.cancel(sel);
    CHECK(s.result(sel).ec == aborted);
    CHECK(s.flush().empty());
    s.server("* 5 EXISTS\r\nA1 OK [READ-WRITE] selected\r\n");
    CHECK(s.times_completed(sel) == 1);
    CHECK(s.events().empty());  // its data was discarded, not published
    // The server did select the mailbox: the state says so.
    CHECK(s.eng.state() == session_state::selected);
    CHECK(s.eng.mailbox().selected);
    CHECK(s.eng.mailbox().exists == 5);
    CHECK(s.flush() == "A2 NOOP\r\n");
    s.server("A2 OK\r\n");
    CHECK(s.result(noop).ec == error_code{});
}

TEST_CASE("engine: cancelling in the middle of a synchronizing literal is fatal", "[engine]") {
    const bool plus_came = GENERATE(false, true);
    CAPTURE(plus_came);
    script s;
    s.greet();
    auto app = s.submit(cmd::append("INBOX", "0123456789", {}, std::nullopt));
    auto noop = s.submit(cmd::noop());
    CHECK(s.flush() == "A1 APPEND INBOX {10}\r\n");
    if (plus_came) s.server("+ go ahead\r\n");  // the rest is owed but not yet handed out
    s.cancel(app);
    CHECK(s.eng.closed());
    CHECK(s.eng.close_reason() == ec_of(errc::literal_cancelled));
    // The caller asked for the cancellation: its command says so.
    CHECK(s.result(app).ec == aborted);
    CHECK(s.result(noop).ec == ec_of(errc::literal_cancelled));
    CHECK(has_closed_event(s.events(), ec_of(errc::literal_cancelled)));
    CHECK(s.flush().empty());
    CHECK(s.written == "A1 APPEND INBOX {10}\r\n");
}

TEST_CASE("engine: cancelling once the literal is out only abandons", "[engine]") {
    script s;
    s.greet();
    auto app = s.submit(cmd::append("INBOX", "0123456789", {}, std::nullopt));
    s.flush();
    s.server("+ go ahead\r\n");
    CHECK(s.flush() == "0123456789\r\n");
    s.cancel(app);
    CHECK_FALSE(s.eng.closed());
    CHECK(s.result(app).ec == aborted);
    s.server("A1 OK [APPENDUID 1 2] appended\r\n");
    CHECK(s.times_completed(app) == 1);
    CHECK_FALSE(s.eng.closed());
}

// ---- IDLE ----------------------------------------------------------------------

namespace {

// A selected INBOX with 3 messages; returns the IDLE's id once the server
// said "+ idling".
command_id start_idle(script& s) {
    s.greet("IMAP4rev1 IDLE");
    s.run(cmd::select("INBOX", false), "A1 SELECT INBOX\r\n", "* 3 EXISTS\r\n");
    s.events();
    auto id = s.submit(cmd::idle());
    REQUIRE(s.flush() == "A2 IDLE\r\n");
    s.server("+ idling\r\n");
    REQUIRE(s.flush().empty());
    return id;
}

}  // namespace

TEST_CASE("engine: IDLE publishes untagged data and ends when a command is queued", "[engine]") {
    script s;
    s.feed_mode = any_feeding();
    auto idle = start_idle(s);
    s.server("* 4 EXISTS\r\n* 2 EXPUNGE\r\n* 1 FETCH (FLAGS (\\Seen))\r\n* OK Still here\r\n");
    auto evs = s.events();
    REQUIRE(evs.size() == 4);
    CHECK(event_as<exists_data>(evs[0])->count == 4);
    CHECK(event_as<expunge_data>(evs[1])->seq == 2);
    CHECK(event_as<fetch_data>(evs[2])->seq == 1);
    CHECK(event_as<status_response>(evs[3])->text == "Still here");
    CHECK(s.eng.mailbox().exists == 3);
    CHECK_FALSE(s.completed(idle));

    auto noop = s.submit(cmd::noop());
    CHECK(s.flush() == "DONE\r\n");
    CHECK(s.flush().empty());  // the NOOP waits for IDLE's tagged OK
    s.server("* 5 EXISTS\r\nA2 OK IDLE terminated\r\n");
    CHECK(s.result(idle).ec == error_code{});
    CHECK(s.flush() == "A3 NOOP\r\n");
    s.server("A3 OK\r\n");
    CHECK(s.result(noop).ec == error_code{});
    CHECK(s.eng.mailbox().exists == 5);
    CHECK(s.written.find("DONE\r\n") == s.written.rfind("DONE\r\n"));  // DONE once
}

TEST_CASE("engine: a command queued before '+' ends IDLE once '+' comes", "[engine]") {
    script s;
    s.greet("IMAP4rev1 IDLE");
    auto idle = s.submit(cmd::idle());
    CHECK(s.flush() == "A1 IDLE\r\n");
    auto noop = s.submit(cmd::noop());
    CHECK(s.flush().empty());  // DONE before '+' would be a protocol error
    s.server("+ idling\r\n");
    CHECK(s.flush() == "DONE\r\n");
    s.server("A1 OK done\r\n");
    CHECK(s.flush() == "A2 NOOP\r\n");
    s.server("A2 OK\r\n");
    CHECK(s.result(idle).ec == error_code{});
    CHECK(s.result(noop).ec == error_code{});
}

TEST_CASE("engine: end_idle writes DONE once", "[engine]") {
    script s;
    auto idle = start_idle(s);
    s.eng.end_idle(idle + 100);  // not an IDLE: nothing
    CHECK(s.flush().empty());
    s.eng.end_idle(idle);
    CHECK(s.flush() == "DONE\r\n");
    s.eng.end_idle(idle);
    CHECK(s.flush().empty());
    s.server("A2 OK IDLE terminated\r\n");
    CHECK(s.result(idle).ec == error_code{});
    CHECK_FALSE(s.eng.closed());
}

TEST_CASE("engine: end_idle before '+' writes DONE when '+' comes", "[engine]") {
    script s;
    s.greet("IMAP4rev1 IDLE");
    auto idle = s.submit(cmd::idle());
    CHECK(s.flush() == "A1 IDLE\r\n");
    s.eng.end_idle(idle);
    CHECK(s.flush().empty());
    s.server("+ idling\r\n");
    CHECK(s.flush() == "DONE\r\n");
    s.server("A1 OK\r\n");
    CHECK(s.result(idle).ec == error_code{});
    CHECK_FALSE(s.eng.closed());
}

TEST_CASE("engine: cancelling IDLE ends it and keeps the connection", "[engine]") {
    const bool plus_first = GENERATE(true, false);
    CAPTURE(plus_first);
    script s;
    s.greet("IMAP4rev1 IDLE");
    auto idle = s.submit(cmd::idle());
    CHECK(s.flush() == "A1 IDLE\r\n");
    if (plus_first) s.server("+ idling\r\n");
    s.cancel(idle);
    CHECK(s.result(idle).ec == aborted);
    if (!plus_first) {
        CHECK(s.flush().empty());
        s.server("+ idling\r\n");  // the server had not seen anything yet
    }
    CHECK_FALSE(s.eng.closed());
    CHECK(s.flush() == "DONE\r\n");
    s.server("A1 OK IDLE terminated\r\n");
    CHECK(s.times_completed(idle) == 1);
    auto c = s.run(cmd::noop(), "A2 NOOP\r\n");
    CHECK(c.ec == error_code{});
}

TEST_CASE("engine: BYE during IDLE fails it", "[engine]") {
    script s;
    auto idle = start_idle(s);
    s.server("* BYE idle for too long\r\n");
    CHECK(s.result(idle).ec == ec_of(errc::bye));
    CHECK(s.flush().empty());
}

// ---- STARTTLS, LOGIN and capabilities --------------------------------------------

TEST_CASE("engine: nothing after STARTTLS's tagged OK is acted on", "[engine]") {
    script s;
    s.feed_mode = GENERATE(feeding::whole, feeding::zero_copy);
    s.greet("IMAP4rev1 STARTTLS LOGINDISABLED");
    auto tls = s.submit(cmd::starttls());
    CHECK(s.flush() == "A1 STARTTLS\r\n");
    // A man in the middle appends clear-text lines to the server's answer.
    s.server("A1 OK Begin TLS negotiation now\r\n* CAPABILITY IMAP4rev1 AUTH=PLAIN INJECTED\r\n"
             "A2 OK [CAPABILITY IMAP4rev1 INJECTED] forged\r\n");
    CHECK(s.result(tls).ec == error_code{});
    CHECK_FALSE(s.eng.closed());
    CHECK(s.eng.capabilities().empty());  // forgotten on success, nothing injected
    CHECK(s.events().empty());
    s.eng.discard_buffered();
    // Until the handshake is done nothing is written, even what is queued.
    CHECK(s.eng.tls_upgrade_pending());
    auto cap = s.submit(cmd::capability());
    CHECK(s.flush().empty());
    s.eng.tls_established();  // (TLS handshake here.)
    // The next tag is A2; the forged reply never counted.
    CHECK(s.flush() == "A2 CAPABILITY\r\n");
    CHECK_FALSE(s.completed(cap));
    s.server("* CAPABILITY IMAP4rev1 AUTH=PLAIN AUTH=LOGIN\r\nA2 OK\r\n");
    CHECK(s.result(cap).ec == error_code{});
    CHECK(s.eng.capabilities() == std::set<std::string>{"IMAP4REV1", "AUTH=PLAIN", "AUTH=LOGIN"});
}

TEST_CASE("engine: STARTTLS's OK forgets the capabilities, its NO keeps them", "[engine]") {
    script s;
    s.greet("IMAP4rev1 STARTTLS");
    auto c = s.run(cmd::starttls(), "A1 STARTTLS\r\n");
    CHECK(c.ec == error_code{});
    CHECK(s.eng.capabilities().empty());
    script t;
    t.greet("IMAP4rev1 STARTTLS");
    auto id = t.submit(cmd::starttls());
    t.flush();
    t.server("A1 NO TLS unavailable\r\n");
    CHECK(t.result(id).ec == ec_of(errc::no));
    CHECK(t.eng.has_capability("STARTTLS"));
}

TEST_CASE("engine: LOGIN forgets capabilities unless its OK carries them", "[engine]") {
    script s;
    s.feed_mode = any_feeding();
    s.greet("IMAP4rev1 AUTH=PLAIN");
    const bool with_code = GENERATE(false, true);
    CAPTURE(with_code);
    auto c = s.run(cmd::login("alice", "s3cret"), "A1 LOGIN alice s3cret\r\n", {},
                   with_code ? "[CAPABILITY IMAP4rev1 IDLE MOVE] Logged in" : "Logged in");
    CHECK(c.ec == error_code{});
    CHECK(s.eng.state() == session_state::authenticated);
    if (with_code)
        CHECK(s.eng.capabilities() == std::set<std::string>{"IMAP4REV1", "IDLE", "MOVE"});
    else
        CHECK(s.eng.capabilities().empty());
    // The password never reaches the trace.
    REQUIRE(s.traced.size() == 1);
    CHECK(s.traced[0].find("s3cret") == std::string::npos);
    CHECK(s.traced[0].find("LOGIN") != std::string::npos);
}

TEST_CASE("engine: a failed LOGIN keeps state and capabilities", "[engine]") {
    script s;
    s.greet("IMAP4rev1 AUTH=PLAIN");
    auto id = s.submit(cmd::login("alice", "wrong"));
    s.flush();
    s.server("A1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n");
    CHECK(s.result(id).ec == ec_of(errc::no));
    CHECK(s.eng.state() == session_state::not_authenticated);
    CHECK(s.eng.has_capability("AUTH=PLAIN"));
}

// ---- SELECT / CLOSE ------------------------------------------------------------------

TEST_CASE("engine: SELECT fills the mailbox state", "[engine]") {
    script s;
    s.feed_mode = any_feeding();
    s.greet();
    auto c = s.run(cmd::select("INBOX", false), "A1 SELECT INBOX\r\n", select_inbox_data,
                   "[READ-WRITE] SELECT completed");
    CHECK(c.ec == error_code{});
    CHECK(s.eng.state() == session_state::selected);
    const auto& m = s.eng.mailbox();
    CHECK(m.selected);
    CHECK_FALSE(m.readonly);
    CHECK(m.exists == 172);
    CHECK(m.recent == 1);
    CHECK(m.unseen == 12u);
    CHECK(m.uid_validity == 3857529045u);
    CHECK(m.uid_next == 4392u);
    CHECK(m.highest_modseq == 715194045007ull);
    CHECK(m.flags == std::vector<std::string>{"\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft"});
    CHECK(m.permanent_flags == std::vector<std::string>{"\\Deleted", "\\Seen", "\\*"});
    // SELECT collected its data: nothing was published. It keeps the
    // status lines; EXISTS, RECENT and FLAGS are in the mailbox state.
    CHECK(s.events().empty());
    CHECK(c.responses.size() == 5);
    for (const auto& r : c.responses) CHECK(std::holds_alternative<status_response>(r));
}

TEST_CASE("engine: READ-ONLY and EXAMINE select read-only", "[engine]") {
    script s;
    s.greet();
    s.run(cmd::select("INBOX", false), "A1 SELECT INBOX\r\n", "* 1 EXISTS\r\n", "[READ-ONLY] INBOX selected");
    CHECK(s.eng.mailbox().readonly);
    s.run(cmd::select("INBOX", false), "A2 SELECT INBOX\r\n", "* 1 EXISTS\r\n", "[READ-WRITE] ok");
    CHECK_FALSE(s.eng.mailbox().readonly);
    s.run(cmd::select("INBOX", true), "A3 EXAMINE INBOX\r\n", "* 1 EXISTS\r\n", "ok");
    CHECK(s.eng.mailbox().readonly);
}

TEST_CASE("engine: a failed SELECT leaves no mailbox selected", "[engine]") {
    script s;
    s.feed_mode = any_feeding();
    s.greet();
    s.run(cmd::select("INBOX", false), "A1 SELECT INBOX\r\n", select_inbox_data);
    REQUIRE(s.eng.mailbox().selected);
    auto id = s.submit(cmd::select("Nope", false));
    CHECK(s.flush() == "A2 SELECT Nope\r\n");
    s.server("A2 NO [NONEXISTENT] Mailbox doesn't exist: Nope\r\n");
    CHECK(s.result(id).ec == ec_of(errc::no));
    CHECK(s.eng.state() == session_state::authenticated);
    CHECK(s.eng.mailbox() == mailbox_state{});
    CHECK_FALSE(s.eng.mailbox().selected);
    // Untagged data now no longer changes a mailbox that is not there, nor
    // reaches the event queue as news of one (test/loopback/test_hostile.cpp).
    s.server("* 9 EXISTS\r\n");
    CHECK(s.eng.mailbox().exists == 0);
    CHECK(s.events().empty());
}

TEST_CASE("engine: a second SELECT starts from an empty mailbox state", "[engine]") {
    script s;
    s.greet();
    s.run(cmd::select("INBOX", false), "A1 SELECT INBOX\r\n", select_inbox_data);
    REQUIRE(s.eng.mailbox().highest_modseq);
    // The second mailbox has no CONDSTORE, no RECENT (IMAP4rev2 style) and
    // no PERMANENTFLAGS: none of INBOX's values may linger.
    s.run(cmd::select("Archive", false), "A2 SELECT Archive\r\n",
          "* 7 EXISTS\r\n* OK [UIDVALIDITY 99] x\r\n* OK [NOMODSEQ] x\r\n* FLAGS (\\Seen)\r\n");
    const auto& m = s.eng.mailbox();
    CHECK(m.selected);
    CHECK(m.exists == 7);
    CHECK(m.recent == 0);
    CHECK(m.uid_validity == 99u);
    CHECK_FALSE(m.uid_next);
    CHECK_FALSE(m.unseen);
    CHECK_FALSE(m.highest_modseq);
    CHECK(m.nomodseq);
    CHECK(m.flags == std::vector<std::string>{"\\Seen"});
    CHECK(m.permanent_flags.empty());
}

TEST_CASE("engine: CLOSE resets the mailbox state", "[engine]") {
    script s;
    s.feed_mode = any_feeding();
    s.greet();
    s.run(cmd::select("INBOX", false), "A1 SELECT INBOX\r\n", select_inbox_data);
    auto c = s.run(cmd::close(), "A2 CLOSE\r\n");
    CHECK(c.ec == error_code{});
    CHECK(s.eng.state() == session_state::authenticated);
    CHECK(s.eng.mailbox() == mailbox_state{});
}

TEST_CASE("engine: a refused CLOSE keeps the mailbox", "[engine]") {
    script s;
    s.greet();
    s.run(cmd::select("INBOX", false), "A1 SELECT INBOX\r\n", select_inbox_data);
    auto id = s.submit(cmd::close());
    s.flush();
    s.server("A2 BAD not now\r\n");
    CHECK(s.result(id).ec == ec_of(errc::bad));
    CHECK(s.eng.state() == session_state::selected);
    CHECK(s.eng.mailbox().exists == 172);
}

TEST_CASE("engine: end_idle on an IDLE not yet written ends it at its '+'", "[engine]") {
    script s;
    s.greet("IMAP4rev1 IDLE");
    auto sel = s.submit(cmd::select("INBOX", false));
    auto idle = s.submit(cmd::idle());
    CHECK(s.flush() == "A1 SELECT INBOX\r\n");
    s.eng.end_idle(idle);
    s.server("A1 OK\r\n");
    CHECK(s.result(sel).ec == error_code{});
    CHECK(s.flush() == "A2 IDLE\r\n");
    s.server("+ idling\r\n");
    CHECK(s.flush() == "DONE\r\n");
    s.server("A2 OK\r\n");
    CHECK(s.result(idle).ec == error_code{});
}

// ---- challenge/response (AUTHENTICATE-like commands) ------------------------------

namespace {

command_request authenticate_plain(std::vector<std::string>* challenges) {
    command_request r;
    r.name = "AUTHENTICATE";
    r.build = [](std::string_view tag, const wire::literal_support& l) {
        wire::command_builder b(tag, "AUTHENTICATE", l);
        b.atom("PLAIN");
        return std::move(b).finish();
    };
    r.exclusive = true;
    r.kind = command_kind::authenticate;
    r.on_continuation = [challenges](std::string_view challenge) -> std::optional<std::string> {
        challenges->emplace_back(challenge);
        return std::string("AGFsaWNlAHMzY3JldA==\r\n");
    };
    return r;
}

}  // namespace

TEST_CASE("engine: a continuation is answered by the command that asks for it", "[engine]") {
    script s;
    s.feed_mode = any_feeding();
    s.greet("IMAP4rev1 AUTH=PLAIN");
    std::vector<std::string> challenges;
    auto id = s.submit(authenticate_plain(&challenges));
    CHECK(s.flush() == "A1 AUTHENTICATE PLAIN\r\n");
    s.server("+ \r\n");
    CHECK(challenges == std::vector<std::string>{""});
    CHECK(s.flush() == "AGFsaWNlAHMzY3JldA==\r\n");
    s.server("A1 OK [CAPABILITY IMAP4rev1 IDLE] Logged in\r\n");
    CHECK(s.result(id).ec == error_code{});
    CHECK(s.eng.state() == session_state::authenticated);
    CHECK(s.eng.capabilities() == std::set<std::string>{"IMAP4REV1", "IDLE"});
    // The response is never traced.
    for (auto& line : s.traced) CHECK(line.find("AGFsaWNl") == std::string::npos);
}

TEST_CASE("engine: a cancelled exchange answers the next challenge with '*'", "[engine]") {
    script s;
    s.greet("IMAP4rev1 AUTH=PLAIN");
    std::vector<std::string> challenges;
    auto id = s.submit(authenticate_plain(&challenges));
    CHECK(s.flush() == "A1 AUTHENTICATE PLAIN\r\n");
    s.cancel(id);
    CHECK(s.result(id).ec == boost::asio::error::operation_aborted);
    s.server("+ \r\n");
    CHECK_FALSE(s.eng.closed());
    CHECK(challenges.empty());
    CHECK(s.flush() == "*\r\n");
    s.server("A1 BAD AUTHENTICATE cancelled\r\n");
    CHECK(s.times_completed(id) == 1);
    CHECK(s.eng.state() == session_state::not_authenticated);
    CHECK(s.run(cmd::noop(), "A2 NOOP\r\n").ec == error_code{});
}

TEST_CASE("engine: an abandoned LOGIN that succeeds still authenticates", "[engine]") {
    script s;
    s.greet("IMAP4rev1 AUTH=PLAIN");
    auto id = s.submit(cmd::login("alice", "pw"));
    s.flush();
    s.cancel(id);
    s.server("A1 OK [CAPABILITY IMAP4rev1 MOVE] Logged in\r\n");
    CHECK(s.times_completed(id) == 1);
    CHECK(s.result(id).ec == boost::asio::error::operation_aborted);
    CHECK(s.eng.state() == session_state::authenticated);
    CHECK(s.eng.capabilities() == std::set<std::string>{"IMAP4REV1", "MOVE"});
}
