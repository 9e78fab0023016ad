// The engine's pipelining and routing rules (RFC 9051 5.5): which commands
// share the wire, where each untagged response goes, what becomes an event,
// how the mailbox state follows, and how the bounded event queue collapses.
#include "engine_script.hpp"

#include <boost/asio/error.hpp>

using namespace engine_script;

namespace {

feeding any_feeding() { return GENERATE(feeding::whole, feeding::bytewise, feeding::zero_copy); }

// Greeted, logged in (by PREAUTH) and INBOX selected with 20 messages.
void selected(script& s, std::string_view caps = "IMAP4rev1") {
    s.server("* PREAUTH [CAPABILITY " + std::string(caps) + "] hi\r\n");
    REQUIRE(s.eng.state() == session_state::authenticated);
    auto c = s.run(cmd::select("INBOX", false), "A1 SELECT INBOX\r\n",
                   "* 20 EXISTS\r\n* OK [UIDVALIDITY 7] v\r\n* OK [UIDNEXT 31] n\r\n");
    REQUIRE(c.ec == error_code{});
    REQUIRE(s.eng.state() == session_state::selected);
    REQUIRE(s.events().empty());
}

command_request uid_fetch(const char* set, std::vector<std::string> items = {"FLAGS"}) {
    return cmd::fetch(sequence_set(set), items, {}, true);
}

}  // namespace

// ---- pipelining ------------------------------------------------------------------

TEST_CASE("routing: UID FETCHes of disjoint sets pipeline and get their own data", "[engine]") {
    script s;
    s.feed_mode = any_feeding();
    selected(s);
    auto a = s.submit(uid_fetch("1:3"));
    auto b = s.submit(uid_fetch("7,9:10"));
    auto c = s.submit(uid_fetch("4:5,12"));
    // All three are on the wire before any completes.
    CHECK(s.flush() == "A2 UID FETCH 1:3 (FLAGS)\r\nA3 UID FETCH 7,9:10 (FLAGS)\r\nA4 UID FETCH 4:5,12 (FLAGS)\r\n");
    // The server interleaves the data and answers out of order.
    s.server("* 7 FETCH (UID 7 FLAGS ())\r\n"
             "* 1 FETCH (UID 1 FLAGS (\\Seen))\r\n"
             "* 12 FETCH (FLAGS (\\Flagged) UID 12)\r\n"
             "* 9 FETCH (UID 9 FLAGS ())\r\n"
             "* 3 FETCH (UID 3 FLAGS ())\r\n"
             "* 4 FETCH (UID 4 FLAGS ())\r\n"
             "A3 OK b done\r\n"
             "* 2 FETCH (UID 2 FLAGS ())\r\n"
             "* 5 FETCH (UID 5 FLAGS ())\r\n"
             "A4 OK c done\r\n"
             "A2 OK a done\r\n");
    CHECK(fetched_uids(s.result(a)) == std::vector<std::uint32_t>{1, 3, 2});
    CHECK(fetched_uids(s.result(b)) == std::vector<std::uint32_t>{7, 9});
    CHECK(fetched_uids(s.result(c)) == std::vector<std::uint32_t>{12, 4, 5});
    CHECK(s.result(b).status.text == "b done");
    CHECK(s.events().empty());
    CHECK_FALSE(s.eng.closed());
}

TEST_CASE("routing: FETCH data outside every UID set, or without UID, is an event", "[engine]") {
    script s;
    s.feed_mode = any_feeding();
    selected(s, "IMAP4rev1 CONDSTORE");
    auto a = s.submit(uid_fetch("1:3"));
    s.flush();
    s.server("* 15 FETCH (FLAGS (\\Deleted) MODSEQ (900))\r\n"   // another client's change
             "* 16 FETCH (UID 26 FLAGS (\\Seen))\r\n"             // a UID nobody asked for
             "* 1 FETCH (UID 2 FLAGS ())\r\n"
             "A2 OK\r\n");
    CHECK(fetched_uids(s.result(a)) == std::vector<std::uint32_t>{2});
    auto evs = s.events();
    REQUIRE(evs.size() == 2);
    REQUIRE(event_as<fetch_data>(evs[0]));
    CHECK(event_as<fetch_data>(evs[0])->seq == 15);
    CHECK(event_as<fetch_data>(evs[1])->uid == 26u);
    CHECK(s.eng.mailbox().highest_modseq == 900u);
}

TEST_CASE("routing: overlapping UID sets are serialised", "[engine]") {
    struct vec {
        const char *first, *second;
    };
    const vec v = GENERATE(vec{"1:5", "5:9"}, vec{"3", "1:10"}, vec{"1,4,8", "6:8"}, vec{"1:3", "2"});
    CAPTURE(v.first, v.second);
    script s;
    selected(s);
    auto a = s.submit(uid_fetch(v.first));
    auto b = s.submit(uid_fetch(v.second));
    CHECK(s.flush() == "A2 UID FETCH " + std::string(v.first) + " (FLAGS)\r\n");
    CHECK(s.flush().empty());
    s.server("A2 OK\r\n");
    CHECK(s.result(a).ec == error_code{});
    CHECK_FALSE(s.completed(b));
    CHECK(s.flush() == "A3 UID FETCH " + std::string(v.second) + " (FLAGS)\r\n");
    s.server("A3 OK\r\n");
    CHECK(s.result(b).ec == error_code{});
}

TEST_CASE("routing: a UID set with '*' is serialised with other UID FETCHes", "[engine]") {
    const bool star_first = GENERATE(true, false);
    CAPTURE(star_first);
    script s;
    s.feed_mode = any_feeding();
    selected(s);
    const char* first = star_first ? "25:*" : "1:3";
    const char* second = star_first ? "1:3" : "25:*";
    auto a = s.submit(uid_fetch(first));
    auto b = s.submit(uid_fetch(second));
    CHECK(s.flush() == "A2 UID FETCH " + std::string(first) + " (FLAGS)\r\n");
    CHECK(s.flush().empty());
    // The '*' fetch takes all FETCH data with a UID while it runs.
    s.server("* 20 FETCH (UID 30 FLAGS ())\r\n* 1 FETCH (UID 1 FLAGS ())\r\nA2 OK\r\n");
    CHECK(s.flush() == "A3 UID FETCH " + std::string(second) + " (FLAGS)\r\n");
    s.server("* 20 FETCH (UID 30 FLAGS ())\r\n* 1 FETCH (UID 1 FLAGS ())\r\nA3 OK\r\n");
    const std::vector<std::uint32_t> star_gets{30, 1};
    const std::vector<std::uint32_t> ranged_gets{1};
    CHECK(fetched_uids(s.result(star_first ? a : b)) == star_gets);
    CHECK(fetched_uids(s.result(star_first ? b : a)) == ranged_gets);
    auto evs = s.events();  // UID 30 while the ranged fetch ran
    REQUIRE(evs.size() == 1);
    CHECK(event_as<fetch_data>(evs[0])->uid == 30u);
}

TEST_CASE("routing: non-UID FETCH, SEARCH and SELECT are barriers", "[engine]") {
    struct vec {
        const char* name;
        command_request (*make)();
        const char* line;
    };
    const vec v = GENERATE(
        vec{"FETCH", [] { return cmd::fetch(sequence_set("1:2"), {"FLAGS"}, {}, false); }, "FETCH 1:2 (FLAGS)"},
        vec{"SEARCH", [] { return cmd::search(search_criteria{"ALL"}, "", false); }, "SEARCH ALL"},
        vec{"SELECT", [] { return cmd::select("Sent", false); }, "SELECT Sent"},
        vec{"EXAMINE", [] { return cmd::select("Sent", true); }, "EXAMINE Sent"},
        vec{"CLOSE", [] { return cmd::close(); }, "CLOSE"},
        vec{"raw", [] { return cmd::raw("EXPUNGE"); }, "EXPUNGE"});
    CAPTURE(v.name);
    script s;
    s.feed_mode = any_feeding();
    selected(s);
    auto before = s.submit(uid_fetch("1:3"));
    auto noop = s.submit(cmd::noop());
    auto barrier = s.submit(v.make());
    auto after = s.submit(cmd::noop());
    auto after_fetch = s.submit(uid_fetch("20"));
    // The barrier waits for what is in flight ...
    CHECK(s.flush() == "A2 UID FETCH 1:3 (FLAGS)\r\nA3 NOOP\r\n");
    s.server("A3 OK\r\n");
    CHECK(s.flush().empty());
    s.server("A2 OK\r\n");
    CHECK(s.result(before).ec == error_code{});
    CHECK(s.result(noop).ec == error_code{});
    // ... and blocks what comes after it, even commands that could pipeline.
    CHECK(s.flush() == "A4 " + std::string(v.line) + "\r\n");
    CHECK(s.flush().empty());
    s.server("A4 OK\r\n");
    CHECK(s.result(barrier).ec == error_code{});
    CHECK(s.flush() == "A5 NOOP\r\nA6 UID FETCH 20 (FLAGS)\r\n");
    s.server("A5 OK\r\nA6 OK\r\n");
    CHECK(s.result(after).ec == error_code{});
    CHECK(s.result(after_fetch).ec == error_code{});
}

TEST_CASE("routing: a non-UID FETCH collects all FETCH data", "[engine]") {
    script s;
    selected(s);
    auto f = s.submit(cmd::fetch(sequence_set("1:2"), {"FLAGS"}, {}, false));
    CHECK(s.flush() == "A2 FETCH 1:2 (FLAGS)\r\n");
    s.server("* 1 FETCH (FLAGS ())\r\n* 2 FETCH (FLAGS (\\Seen))\r\n* 3 EXISTS\r\nA2 OK\r\n");
    REQUIRE(s.result(f).responses.size() == 2);
    CHECK(std::get<fetch_data>(s.result(f).responses[1]).seq == 2);
    auto evs = s.events();
    REQUIRE(evs.size() == 1);
    CHECK(event_as<exists_data>(evs[0])->count == 3);
}

TEST_CASE("routing: two UID SEARCHes serialise; UID SEARCH pipelines with UID FETCH", "[engine]") {
    script s;
    s.feed_mode = any_feeding();
    selected(s);
    auto s1 = s.submit(cmd::search(search_criteria{"UNSEEN"}, "", true));
    auto f = s.submit(uid_fetch("1:3"));
    auto s2 = s.submit(cmd::search(search_criteria{"FLAGGED"}, "", true));
    auto n = s.submit(cmd::noop());
    // FIFO: the NOOP behind the waiting search waits too.
    CHECK(s.flush() == "A2 UID SEARCH UNSEEN\r\nA3 UID FETCH 1:3 (FLAGS)\r\n");
    CHECK(s.flush().empty());
    s.server("* 1 FETCH (UID 1 FLAGS ())\r\n* SEARCH 4 5 6\r\nA2 OK\r\n");
    REQUIRE(s.result(s1).responses.size() == 1);
    CHECK(std::get<search_data>(s.result(s1).responses[0]).ids == std::vector<std::uint32_t>{4, 5, 6});
    CHECK(s.flush() == "A4 UID SEARCH FLAGGED\r\nA5 NOOP\r\n");
    s.server("* SEARCH 2\r\nA4 OK\r\nA3 OK\r\nA5 OK\r\n");
    REQUIRE(s.result(s2).responses.size() == 1);
    CHECK(std::get<search_data>(s.result(s2).responses[0]).ids == std::vector<std::uint32_t>{2});
    CHECK(fetched_uids(s.result(f)) == std::vector<std::uint32_t>{1});
    CHECK(s.result(n).ec == error_code{});
    CHECK(s.events().empty());
}

TEST_CASE("routing: NOOPs pipeline with each other and with CAPABILITY", "[engine]") {
    script s;
    selected(s);
    std::vector<command_id> ids;
    for (int i = 0; i < 5; ++i) ids.push_back(s.submit(cmd::noop()));
    auto cap = s.submit(cmd::capability());
    auto cap2 = s.submit(cmd::capability());  // same collector: waits
    CHECK(s.flush() == "A2 NOOP\r\nA3 NOOP\r\nA4 NOOP\r\nA5 NOOP\r\nA6 NOOP\r\nA7 CAPABILITY\r\n");
    s.server("* CAPABILITY IMAP4rev1 X\r\nA7 OK\r\nA2 OK\r\nA4 OK\r\nA3 OK\r\nA6 OK\r\nA5 OK\r\n");
    for (auto id : ids) CHECK(s.result(id).ec == error_code{});
    CHECK(s.result(cap).responses.size() == 1);
    CHECK(s.flush() == "A8 CAPABILITY\r\n");
    s.server("* CAPABILITY IMAP4rev1 Y\r\nA8 OK\r\n");
    CHECK(s.result(cap2).responses.size() == 1);
    CHECK(s.eng.has_capability("Y"));
    CHECK_FALSE(s.eng.has_capability("X"));
}

TEST_CASE("routing: a raw command collects everything and is a barrier", "[engine]") {
    script s;
    selected(s);
    auto r = s.submit(cmd::raw("XFOO bar"));
    CHECK(s.flush() == "A2 XFOO bar\r\n");
    s.server("* XFOO 1 2 3\r\n* 21 EXISTS\r\n* OK [ALERT] disk full\r\nA2 OK\r\n");
    CHECK(s.result(r).responses.size() == 3);
    CHECK(s.eng.mailbox().exists == 21);
    auto evs = s.events();  // the ALERT is published all the same
    REQUIRE(evs.size() == 1);
    CHECK(event_as<status_response>(evs[0])->code->name == "ALERT");
}

// ---- events and mailbox state ------------------------------------------------------

TEST_CASE("routing: unsolicited data becomes events and updates the mailbox", "[engine]") {
    script s;
    s.feed_mode = any_feeding();
    selected(s, "IMAP4rev1 CONDSTORE QRESYNC");
    auto n = s.submit(cmd::noop());
    s.flush();
    s.server("* 22 EXISTS\r\n"
             "* 3 RECENT\r\n"
             "* 4 EXPUNGE\r\n"
             "* FLAGS (\\Seen \\Deleted $Junk)\r\n"
             "* OK [PERMANENTFLAGS (\\Seen \\Deleted $Junk \\*)] p\r\n"
             "* OK [UIDNEXT 40] n\r\n"
             "* OK [HIGHESTMODSEQ 1234] m\r\n"
             "* 2 FETCH (UID 2 FLAGS (\\Seen) MODSEQ (1300))\r\n"
             "* VANISHED 30:31\r\n"
             "* VANISHED (EARLIER) 1:9\r\n"
             "A2 OK NOOP completed\r\n");
    CHECK(s.result(n).ec == error_code{});
    CHECK(s.result(n).responses.empty());
    auto evs = s.events();
    REQUIRE(evs.size() == 10);
    CHECK(event_as<exists_data>(evs[0])->count == 22);
    CHECK(event_as<recent_data>(evs[1])->count == 3);
    CHECK(event_as<expunge_data>(evs[2])->seq == 4);
    CHECK(event_as<flags_data>(evs[3]));
    CHECK(event_as<fetch_data>(evs[7])->modseq == 1300u);
    CHECK(event_as<vanished_data>(evs[8]));
    const auto& m = s.eng.mailbox();
    CHECK(m.exists == 19);  // 22, one EXPUNGE, two VANISHED; EARLIER is history
    CHECK(m.recent == 3);
    CHECK(m.uid_validity == 7u);
    CHECK(m.uid_next == 40u);
    CHECK(m.highest_modseq == 1300u);
    CHECK(m.flags == std::vector<std::string>{"\\Seen", "\\Deleted", "$Junk"});
    CHECK(m.permanent_flags == std::vector<std::string>{"\\Seen", "\\Deleted", "$Junk", "\\*"});
}

TEST_CASE("routing: EXPUNGE never takes EXISTS below zero", "[engine]") {
    script s;
    s.server("* PREAUTH hi\r\n");
    s.run(cmd::select("INBOX", false), "A1 SELECT INBOX\r\n", "* 1 EXISTS\r\n");
    s.server("* 1 EXPUNGE\r\n* 1 EXPUNGE\r\n* VANISHED 1:100\r\n");
    CHECK(s.eng.mailbox().exists == 0);
    CHECK(s.events().size() == 3);
}

TEST_CASE("routing: an ALERT is published once, and also when a command collects it", "[engine]") {
    script s;
    s.feed_mode = any_feeding();
    s.server("* OK [CAPABILITY IMAP4rev1] hi\r\n");
    // Nobody collects it: exactly one event.
    s.server("* OK [ALERT] System shutdown in 10 minutes\r\n");
    auto evs = s.events();
    REQUIRE(evs.size() == 1);
    CHECK(event_as<status_response>(evs[0])->code->name == "ALERT");
    CHECK(event_as<status_response>(evs[0])->text == "System shutdown in 10 minutes");
    // SELECT collects untagged OK lines: the ALERT is both in its result and
    // published.
    auto c = s.run(cmd::select("INBOX", false), "A1 SELECT INBOX\r\n",
                   "* 2 EXISTS\r\n* OK [ALERT] Mailbox over quota\r\n");
    REQUIRE(c.responses.size() == 1);  // EXISTS is in the mailbox state
    CHECK(std::get<status_response>(c.responses[0]).code->name == "ALERT");
    evs = s.events();
    REQUIRE(evs.size() == 1);
    CHECK(event_as<status_response>(evs[0])->text == "Mailbox over quota");
    // A NO with ALERT is also published once.
    s.server("* NO [ALERT] Quota exceeded\r\n");
    CHECK(s.events().size() == 1);
}

TEST_CASE("routing: untagged data outside a selected mailbox leaves the mailbox alone", "[engine]") {
    script s;
    s.server("* OK hi\r\n");
    s.server("* 5 EXISTS\r\n* OK [UIDVALIDITY 3] v\r\n");
    CHECK(s.eng.mailbox() == mailbox_state{});
    // Nor are they published: before login they mean nothing (and may be
    // injected), see test/loopback/test_hostile.cpp. A plain OK still is.
    CHECK(s.events().empty());
    s.server("* OK [ALERT] hello\r\n");
    CHECK(s.events().size() == 1);
}

TEST_CASE("routing: a full event queue collapses into one resync_needed", "[engine]") {
    engine_config cfg;
    cfg.max_events = 4;
    script s(cfg);
    s.feed_mode = any_feeding();
    selected(s, "IMAP4rev1 CONDSTORE");
    std::string burst;
    for (int i = 1; i <= 10; ++i) burst += "* " + std::to_string(20 + i) + " EXISTS\r\n";
    s.server(burst);
    CHECK_FALSE(s.eng.closed());
    CHECK(s.eng.has_events());
    // Commands still work while the consumer is away: nothing blocks.
    auto n = s.run(cmd::noop(), "A2 NOOP\r\n", "* 31 EXISTS\r\n* OK [HIGHESTMODSEQ 77] m\r\n");
    CHECK(n.ec == error_code{});
    auto e = s.eng.pop_event();
    REQUIRE(e);
    REQUIRE(std::holds_alternative<resync_needed>(*e));
    const auto& r = std::get<resync_needed>(*e);
    CHECK(r.dropped == 12);
    CHECK(r.exists == 31);  // current when popped
    CHECK(r.highest_modseq == 77u);
    CHECK_FALSE(s.eng.pop_event());
    // Events flow again.
    s.server("* 32 EXISTS\r\n* 33 EXISTS\r\n");
    auto evs = s.events();
    REQUIRE(evs.size() == 2);
    CHECK(event_as<exists_data>(evs[0])->count == 32);
    CHECK(event_as<exists_data>(evs[1])->count == 33);
}

TEST_CASE("routing: exactly max_events events do not overflow", "[engine]") {
    engine_config cfg;
    cfg.max_events = 4;
    script s(cfg);
    selected(s);
    s.server("* 21 EXISTS\r\n* 22 EXISTS\r\n* 23 EXISTS\r\n* 24 EXISTS\r\n");
    auto evs = s.events();
    REQUIRE(evs.size() == 4);
    for (int i = 0; i < 4; ++i) CHECK(event_as<exists_data>(evs[i])->count == 21u + i);
}

TEST_CASE("routing: the closing event survives an overflow", "[engine]") {
    engine_config cfg;
    cfg.max_events = 4;
    script s(cfg);
    selected(s);
    for (int i = 0; i < 10; ++i) s.server("* 1 RECENT\r\n");
    s.server("* BYE going away\r\n");
    auto evs = s.events();
    REQUIRE(evs.size() == 2);
    REQUIRE(std::holds_alternative<resync_needed>(evs[0]));
    CHECK(std::get<resync_needed>(evs[0]).dropped == 11);  // ten RECENT and the BYE
    REQUIRE(std::holds_alternative<connection_closed>(evs[1]));
    CHECK(std::get<connection_closed>(evs[1]).ec == ec_of(errc::bye));
}

TEST_CASE("routing: a cancelled UID FETCH's late data is not an event; its neighbour still routes", "[engine]") {
    script s;
    s.feed_mode = any_feeding();
    selected(s);
    auto a = s.submit(uid_fetch("1:3"));
    auto b = s.submit(uid_fetch("4:6"));
    CHECK(split_lines(s.flush()).size() == 2);
    s.cancel(a);
    s.server("* 1 FETCH (UID 1 FLAGS ())\r\n* 4 FETCH (UID 4 FLAGS ())\r\n* 2 FETCH (UID 2 FLAGS ())\r\n"
             "A2 OK\r\n* 5 FETCH (UID 5 FLAGS ())\r\nA3 OK\r\n");
    CHECK(s.result(a).ec == boost::asio::error::operation_aborted);
    CHECK(s.result(a).responses.empty());
    CHECK(fetched_uids(s.result(b)) == std::vector<std::uint32_t>{4, 5});
    CHECK(s.events().empty());
}

TEST_CASE("routing: a UID FETCH completed by NO keeps the data that came", "[engine]") {
    script s;
    selected(s);
    auto a = s.submit(uid_fetch("1:3"));
    s.flush();
    s.server("* 1 FETCH (UID 1 FLAGS ())\r\nA2 NO Some of the requested messages no longer exist\r\n");
    CHECK(s.result(a).ec == ec_of(errc::no));
    CHECK(fetched_uids(s.result(a)) == std::vector<std::uint32_t>{1});
}

TEST_CASE("routing: ten events with max_events 4 give one resync_needed", "[engine]") {
    engine_config cfg;
    cfg.max_events = 4;
    script s(cfg);
    s.feed_mode = any_feeding();
    selected(s);
    for (int i = 1; i <= 10; ++i) s.server("* " + std::to_string(100 + i) + " EXISTS\r\n");
    auto evs = s.events();
    REQUIRE(evs.size() == 1);
    REQUIRE(std::holds_alternative<resync_needed>(evs[0]));
    CHECK(std::get<resync_needed>(evs[0]).dropped == 10);
    CHECK(std::get<resync_needed>(evs[0]).exists == 110);
    CHECK_FALSE(std::get<resync_needed>(evs[0]).highest_modseq);
    s.server("* 1 EXPUNGE\r\n");
    evs = s.events();
    REQUIRE(evs.size() == 1);
    CHECK(event_as<expunge_data>(evs[0])->seq == 1);
}

TEST_CASE("routing: VANISHED of a large UID range counts without expanding", "[engine]") {
    script s;
    s.server("* PREAUTH hi\r\n");
    s.run(cmd::select("INBOX", false), "A1 SELECT INBOX\r\n", "* 3000000 EXISTS\r\n");
    s.server("* VANISHED 1:1500000,2000001\r\n");
    CHECK(s.eng.mailbox().exists == 1499999);
    // Not UID sets: EXISTS is left alone, the connection goes on.
    for (const char* bad : {"1:*", "abc", "1,,2", "99999999999999999999999", "3:"}) {
        CAPTURE(bad);
        s.server("* VANISHED " + std::string(bad) + "\r\n");
        CHECK(s.eng.mailbox().exists == 1499999);
        CHECK_FALSE(s.eng.closed());
    }
    s.server("* VANISHED 1:4294967295\r\n");  // more than there is: none left
    CHECK(s.eng.mailbox().exists == 0);
}

TEST_CASE("routing: uid_ranges of a sequence set", "[engine]") {
    using ranges = std::vector<std::pair<std::uint32_t, std::uint32_t>>;
    CHECK(cmd::uid_ranges(sequence_set("1:3,7,9:10")) == ranges{{1, 3}, {7, 7}, {9, 10}});
    CHECK(cmd::uid_ranges(sequence_set("5:3")) == ranges{{3, 5}});
    CHECK(cmd::uid_ranges(sequence_set(std::vector<std::uint32_t>{4, 2, 3, 9})) == ranges{{2, 4}, {9, 9}});
    CHECK(cmd::uid_ranges(sequence_set("4294967295")) == ranges{{4294967295u, 4294967295u}});
    CHECK_FALSE(cmd::uid_ranges(sequence_set("*")));
    CHECK_FALSE(cmd::uid_ranges(sequence_set("1:*")));
    CHECK_FALSE(cmd::uid_ranges(sequence_set("3,*:9")));
    CHECK_FALSE(cmd::uid_ranges(sequence_set("$")));
    CHECK_FALSE(cmd::uid_ranges(sequence_set()));
}

// ---- what other clients' test suites found -----------------------------------------

TEST_CASE("routing: a UID FETCH's data without UID is merged by the sequence number its own data gave", "[engine]") {
    script s;
    s.feed_mode = any_feeding();
    selected(s, "IMAP4rev1 CONDSTORE");
    auto id = s.submit(uid_fetch("5:6", {"FLAGS", "MODSEQ"}));
    REQUIRE(s.flush() == "A2 UID FETCH 5:6 (FLAGS MODSEQ)\r\n");
    s.server("* 1 FETCH (UID 5 FLAGS (\\Seen))\r\n"
             "* 1 FETCH (MODSEQ (3))\r\n"          // Dovecot with CONDSTORE: the same message, no UID
             "* 2 FETCH (UID 6 FLAGS ())\r\n"
             "* 1 EXPUNGE\r\n"                    // UID 5 goes; UID 6 is number 1 now
             "* 1 FETCH (MODSEQ (4))\r\n"
             "* 2 FETCH (MODSEQ (9))\r\n"          // no message this command knows: news
             "A2 OK done\r\n");
    const auto& c = s.result(id);
    CHECK(fetched_uids(c) == std::vector<std::uint32_t>{5, 5, 6, 6});
    REQUIRE(std::get<fetch_data>(c.responses[3]).modseq == 4u);
    auto ev = s.events();
    REQUIRE(ev.size() == 2);  // the EXPUNGE and the stranger's MODSEQ
    CHECK(event_as<expunge_data>(ev[0]));
    REQUIRE(event_as<fetch_data>(ev[1]));
    CHECK(event_as<fetch_data>(ev[1])->seq == 2);
}

TEST_CASE("engine: a tagged reply that is neither OK, NO nor BAD fails at once", "[engine]") {
    script s;
    s.greet("IMAP4rev1 STARTTLS");
    auto id = s.submit(cmd::starttls());
    REQUIRE(s.flush() == "A1 STARTTLS\r\n");
    s.server("Server Unavailable. 15\r\n");  // not our tag: garbage, kept as an event
    CHECK_FALSE(s.eng.closed());
    CHECK_FALSE(s.completed(id));
    s.server("A1 MAYBE later\r\n");
    CHECK(s.result(id).ec == ec_of(errc::protocol_violation));
    CHECK_THAT(s.result(id).status.text, Catch::Contains("STARTTLS") && Catch::Contains("A1 MAYBE later"));
    CHECK(s.eng.closed());
    CHECK(s.eng.close_reason() == ec_of(errc::protocol_violation));
}

TEST_CASE("engine: LOGOUT answered by BYE and silence completes with the BYE", "[engine]") {
    script s;
    s.feed_mode = any_feeding();
    selected(s);
    auto id = s.submit(cmd::logout());
    REQUIRE(s.flush() == "A2 LOGOUT\r\n");
    s.server("* BYE see you\r\n");
    const auto& c = s.result(id);
    CHECK(c.ec == error_code{});
    CHECK(c.status.status == status_kind::bye);
    CHECK(c.status.text == "see you");
    CHECK(s.eng.state() == session_state::logout);
    CHECK_FALSE(s.eng.awaiting_server());  // no timeout runs
    // The tagged OK, should it come after all, is no stranger.
    s.server("A2 OK bye\r\n");
    CHECK_FALSE(s.eng.closed());
    CHECK(s.times_completed(id) == 1);
}

TEST_CASE("engine: LOGOUT's BYE and OK in one read complete with the OK", "[engine]") {
    script s;
    selected(s);
    auto id = s.submit(cmd::logout());
    s.flush();
    s.server("* BYE see you\r\nA2 OK logged out\r\n");
    CHECK(s.result(id).status.status == status_kind::ok);
    CHECK(s.result(id).status.text == "logged out");
    CHECK(s.eng.state() == session_state::logout);
}

TEST_CASE("engine: capabilities sent in untagged data during LOGIN are the session's", "[engine]") {
    script s;
    s.greet("IMAP4rev1 AUTH=PLAIN");
    auto c = s.run(cmd::login("u", "p"), "A1 LOGIN u p\r\n", "* CAPABILITY IMAP4rev1 IDLE MOVE\r\n");
    REQUIRE(c.ec == error_code{});
    CHECK(s.eng.has_capability("MOVE"));
    CHECK_FALSE(s.eng.has_capability("AUTH=PLAIN"));
    // Without them, those from before the login are forgotten.
    script t;
    t.greet("IMAP4rev1 AUTH=PLAIN");
    REQUIRE(t.run(cmd::login("u", "p"), "A1 LOGIN u p\r\n").ec == error_code{});
    CHECK(t.eng.capabilities().empty());
}

TEST_CASE("engine: mailbox().name is the name SELECT was sent with", "[engine]") {
    script s;
    s.server("* PREAUTH hi\r\n");
    auto c = s.run(cmd::select("Archive/2024", false), "A1 SELECT Archive/2024\r\n", "* 2 EXISTS\r\n");
    REQUIRE(c.ec == error_code{});
    CHECK(s.eng.mailbox().name == "Archive/2024");
    CHECK(s.eng.mailbox().exists == 2);
    // [CLOSED] (RFC 7162) ends the old mailbox's data, not the new name.
    s.submit(cmd::select("Sent", true));
    REQUIRE(s.flush() == "A2 EXAMINE Sent\r\n");
    CHECK(s.eng.mailbox().name == "Sent");
    s.server("* OK [CLOSED] old one closed\r\n* 4 EXISTS\r\nA2 OK [READ-ONLY] done\r\n");
    CHECK(s.eng.mailbox().name == "Sent");
    CHECK(s.eng.mailbox().exists == 4);
    s.submit(cmd::select("Nope", false));
    s.flush();
    s.server("A3 NO no such mailbox\r\n");
    CHECK(s.eng.mailbox().name.empty());
}

TEST_CASE("routing: a command that sees unsolicited data gets a copy, the events still get it", "[engine]") {
    script s;
    s.feed_mode = any_feeding();
    selected(s);
    auto noop = cmd::noop();
    noop.sees_unsolicited = true;
    auto c = s.run(std::move(noop), "A2 NOOP\r\n", "* 21 EXISTS\r\n* 3 FETCH (FLAGS (\\Seen))\r\n");
    REQUIRE(c.responses.size() == 2);
    CHECK(std::get<exists_data>(c.responses[0]).count == 21);
    CHECK(std::get<fetch_data>(c.responses[1]).seq == 3);
    CHECK(s.events().size() == 2);
    // Without the flag, only the events get it.
    auto d = s.run(cmd::noop(), "A3 NOOP\r\n", "* 22 EXISTS\r\n");
    CHECK(d.responses.empty());
    CHECK(s.events().size() == 1);
}

// ---- memory bounds -----------------------------------------------------------------

TEST_CASE("bounds: SELECT does not keep the EXISTS lines the mailbox state already holds", "[engine][bounds]") {
    script s;
    s.server("* PREAUTH hi\r\n");
    auto id = s.submit(cmd::select("INBOX", false));
    s.flush();
    std::string flood;
    for (int i = 0; i < 100000; ++i) flood += "* 3 EXISTS\r\n";
    s.server(flood + "* 4 EXISTS\r\n* 1 RECENT\r\n* FLAGS (\\Seen)\r\n* OK [UIDVALIDITY 9] v\r\nA1 OK done\r\n");
    const auto& c = s.result(id);
    CHECK(c.ec == error_code{});
    REQUIRE(c.responses.size() == 1);  // the status line only
    CHECK(std::holds_alternative<status_response>(c.responses[0]));
    CHECK(s.eng.mailbox().exists == 4);
    CHECK(s.eng.mailbox().recent == 1);
    CHECK(s.eng.mailbox().flags == std::vector<std::string>{"\\Seen"});
    CHECK(s.events().empty());
}

TEST_CASE("bounds: a command's data past max_collected is dropped and the command fails, the connection lives",
          "[engine][bounds]") {
    engine_config cfg;
    cfg.max_collected = 8 * 1024;
    script s(cfg);
    selected(s);
    auto id = s.submit(uid_fetch("1:1000"));
    s.flush();
    std::string data;
    for (int i = 1; i <= 1000; ++i)
        data += "* " + std::to_string(i) + " FETCH (UID " + std::to_string(i) + " FLAGS (\\Seen))\r\n";
    s.server(data + "A2 OK done\r\n");
    const auto& c = s.result(id);
    CHECK(c.ec == ec_of(errc::limit_exceeded));
    CHECK_THAT(c.status.text, Catch::Contains("max_collected") && Catch::Contains("done"));
    CHECK_FALSE(c.responses.empty());  // what came before the bound
    CHECK(c.responses.size() < 100);
    CHECK(fetched_uids(c).front() == 1);
    CHECK(s.events().empty());  // dropped, not turned into events
    CHECK_FALSE(s.eng.closed());
    CHECK_FALSE(is_abort(c.ec));
    auto n = s.run(cmd::noop(), "A3 NOOP\r\n");
    CHECK(n.ec == error_code{});
}

TEST_CASE("bounds: a FETCH by sequence number keeps only the messages it named", "[engine][bounds]") {
    engine_config cfg;
    cfg.max_events = 16;
    script s(cfg);
    selected(s);
    auto id = s.submit(cmd::fetch(sequence_set("2"), {"FLAGS"}, {}, false));
    REQUIRE(s.flush() == "A2 FETCH 2 (FLAGS)\r\n");
    std::string data;
    for (int i = 1; i <= 1000; ++i) data += "* " + std::to_string(i) + " FETCH (FLAGS ())\r\n";
    s.server(data + "A2 OK done\r\n");
    const auto& c = s.result(id);
    REQUIRE(c.responses.size() == 1);
    CHECK(std::get<fetch_data>(c.responses[0]).seq == 2);
    auto ev = s.events();  // the volunteered ones: news, collapsed at max_events
    REQUIRE(ev.size() == 1);
    REQUIRE(std::get_if<resync_needed>(&ev[0]));
    CHECK(std::get<resync_needed>(ev[0]).dropped == 999);
}

TEST_CASE("bounds: events collapse at max_event_bytes too", "[engine][bounds]") {
    engine_config cfg;
    cfg.max_event_bytes = 64 * 1024;
    script s(cfg);
    selected(s);
    const std::string body(40 * 1024, 'x');
    const std::string push = "* 1 FETCH (BODY[] {" + std::to_string(body.size()) + "}\r\n" + body + ")\r\n";
    s.server(push);
    auto one = s.events();
    REQUIRE(one.size() == 1);  // popped: its bytes no longer count
    CHECK(event_as<fetch_data>(one[0]));
    s.server(push);
    s.server(push);  // two of them pass 64 KiB
    auto ev = s.events();
    REQUIRE(ev.size() == 1);
    REQUIRE(std::get_if<resync_needed>(&ev[0]));
    CHECK(std::get<resync_needed>(ev[0]).dropped == 2);
    s.server("* 22 EXISTS\r\n");  // after the consumer caught up, events flow again
    auto after = s.events();
    REQUIRE(after.size() == 1);
    CHECK(event_as<exists_data>(after[0]));
}

TEST_CASE("bounds: ENABLED counts only for what a running ENABLE asked for", "[engine][bounds]") {
    script s;
    s.server("* PREAUTH [CAPABILITY IMAP4rev1 ENABLE CONDSTORE QRESYNC] hi\r\n");
    // Unsolicited: enables nothing, however many names.
    std::string flood;
    for (int i = 0; i < 1000; ++i) flood += "* ENABLED QRESYNC X-" + std::to_string(i) + "\r\n";
    s.server(flood);
    CHECK_FALSE(s.eng.is_enabled("QRESYNC"));
    CHECK_FALSE(s.eng.is_enabled("CONDSTORE"));
    auto c = s.run(cmd::enable({"CONDSTORE"}), "A1 ENABLE CONDSTORE\r\n", "* ENABLED CONDSTORE QRESYNC X-1\r\n");
    REQUIRE(c.ec == error_code{});
    CHECK(s.eng.is_enabled("CONDSTORE"));
    CHECK_FALSE(s.eng.is_enabled("QRESYNC"));  // not asked for
    CHECK_FALSE(s.eng.is_enabled("X-1"));
}
