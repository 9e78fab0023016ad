// CONDSTORE / QRESYNC (RFC 7162): the encodings of SELECT (QRESYNC ...),
// FETCH (CHANGEDSINCE ...) and STORE (UNCHANGEDSINCE ...), their routing
// in the engine (what they collect, what stays an event), ENABLED
// tracking, and the mailbox state under VANISHED.
#include "operations/extensions.hpp"
#include "operations/flags.hpp"
#include "operations/messages.hpp"
#include "operations/session.hpp"
#include "engine_script.hpp"

#include <imapclient/condstore.hpp>

using namespace engine_script;

namespace {

feeding any_feeding() { return GENERATE(feeding::whole, feeding::bytewise, feeding::zero_copy); }

std::string encode(const command_request& r, wire::literal_support l = {.literal_plus = true}) {
    return r.build("A1", l).bytes;
}

template <class F>
bool throws_invalid(F&& f) {
    try {
        f();
        return false;
    } catch (const std::invalid_argument&) {
        return true;
    }
}

template <class T>
std::vector<const T*> collected(const completion& c) {
    std::vector<const T*> out;
    for (auto& r : c.responses)
        if (auto* t = std::get_if<T>(&r)) out.push_back(t);
    return out;
}

qresync_params params(std::uint32_t v, std::uint64_t m) {
    qresync_params p;
    p.uid_validity = v;
    p.mod_seq = m;
    return p;
}

// Logged in (PREAUTH) with QRESYNC offered; `enable` runs ENABLE QRESYNC.
void authenticated(script& s, bool enable) {
    s.server("* PREAUTH [CAPABILITY IMAP4rev1 ENABLE CONDSTORE QRESYNC UIDPLUS] hi\r\n");
    REQUIRE(s.eng.state() == session_state::authenticated);
    if (!enable) return;
    auto r = cmd::enable({"QRESYNC"});
    auto c = s.run(std::move(r), "A1 ENABLE QRESYNC\r\n", "* ENABLED QRESYNC\r\n");
    REQUIRE(c.ec == error_code{});
}

// INBOX selected with 10 messages (tag A2 after ENABLE).
void selected(script& s) {
    authenticated(s, true);
    auto c = s.run(cmd::select("INBOX", false), "A2 SELECT INBOX\r\n",
                   "* 10 EXISTS\r\n* OK [UIDVALIDITY 7] v\r\n* OK [HIGHESTMODSEQ 500] m\r\n");
    REQUIRE(c.ec == error_code{});
    REQUIRE(s.eng.mailbox().exists == 10);
    REQUIRE(s.events().empty());
}

}  // namespace

// ---- encodings -------------------------------------------------------------------

TEST_CASE("SELECT (QRESYNC ...): encoding of every parameter form", "[qresync]") {
    struct vec {
        qresync_params p;
        bool readonly;
        std::string mailbox, expected;
    };
    auto with_uids = params(67890007, 20050715194045000ULL);
    with_uids.known_uids = sequence_set("41,43:211,214:541");
    auto with_match = params(67890007, 90060115194045000ULL);
    with_match.known_uids = sequence_set("41:211,214:541");
    with_match.known_sequence_match = qresync_params::sequence_match{sequence_set("1:10"), sequence_set("41:50")};
    auto match_only = params(1, 1);
    match_only.known_sequence_match = qresync_params::sequence_match{sequence_set("5,9"), sequence_set("105,109")};
    const std::vector<vec> vectors = {
        {params(67890007, 20050715194045000ULL), false, "INBOX",
         "A1 SELECT INBOX (QRESYNC (67890007 20050715194045000))\r\n"},
        // RFC 7162 3.2.5.2's example.
        {with_uids, false, "INBOX", "A1 SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541))\r\n"},
        {with_match, false, "INBOX",
         "A1 SELECT INBOX (QRESYNC (67890007 90060115194045000 41:211,214:541 (1:10 41:50)))\r\n"},
        {match_only, true, "INBOX", "A1 EXAMINE INBOX (QRESYNC (1 1 (5,9 105,109)))\r\n"},
        {params(4294967295u, cmd::max_mod_seq), false, "My Folder",
         "A1 SELECT \"My Folder\" (QRESYNC (4294967295 9223372036854775807))\r\n"},
        // Mailbox names are modified UTF-7 as in a plain SELECT.
        {params(3, 9), false, "Entwürfe", "A1 SELECT Entw&APw-rfe (QRESYNC (3 9))\r\n"},
    };
    for (const auto& v : vectors) {
        INFO(v.expected);
        auto r = cmd::select_qresync(v.mailbox, v.p, v.readonly);
        CHECK(encode(r) == v.expected);
        CHECK((r.kind == command_kind::select || r.kind == command_kind::examine));
        CHECK(r.exclusive);
        CHECK((r.kind == command_kind::examine) == v.readonly);
        CHECK(r.earlier_vanished_only);
        CHECK((r.collects & kind_bit<vanished_data>()) != 0);
        CHECK((r.collects & kind_bit<fetch_data>()) != 0);
        CHECK(r.name == (v.readonly ? "EXAMINE" : "SELECT"));
    }
}

TEST_CASE("SELECT (QRESYNC ...): invalid parameters are refused before anything is sent", "[qresync]") {
    auto no_validity = params(0, 5);
    auto zero_modseq = params(5, 0);
    auto huge_modseq = params(5, cmd::max_mod_seq + 1);
    auto star_uids = params(5, 5);
    star_uids.known_uids = sequence_set("1:*");
    auto searchres = params(5, 5);
    searchres.known_uids = sequence_set("$");
    auto empty_uids = params(5, 5);
    empty_uids.known_uids = sequence_set();
    auto uneven = params(5, 5);
    uneven.known_sequence_match = qresync_params::sequence_match{sequence_set("1:3"), sequence_set("10,12")};
    auto star_match = params(5, 5);
    star_match.known_sequence_match = qresync_params::sequence_match{sequence_set("1:*"), sequence_set("10:12")};
    for (const auto& p : {no_validity, zero_modseq, huge_modseq, star_uids, searchres, empty_uids, uneven, star_match}) {
        CHECK(throws_invalid([&] { (void)cmd::select_qresync("INBOX", p, false); }));
    }
    CHECK_FALSE(throws_invalid([&] { (void)cmd::select_qresync("INBOX", params(1, 1), false); }));
}

TEST_CASE("FETCH (CHANGEDSINCE ...): encoding and routing", "[qresync]") {
    auto r = cmd::fetch_changed_since(sequence_set("1:*"), {"FLAGS"}, 12345, false, true);
    CHECK(encode(r) == "A1 UID FETCH 1:* (FLAGS) (CHANGEDSINCE 12345)\r\n");
    CHECK(r.collects == kind_bit<fetch_data>());
    CHECK_FALSE(r.exclusive);

    auto seq = cmd::fetch_changed_since(sequence_set("1:10"), {"FLAGS", "UID"}, 0, false, false);
    CHECK(encode(seq) == "A1 FETCH 1:10 (FLAGS UID) (CHANGEDSINCE 0)\r\n");
    CHECK(seq.exclusive);

    auto v = cmd::fetch_changed_since(sequence_set("300:500"), {"FLAGS"}, 12345, true, true);
    CHECK(encode(v) == "A1 UID FETCH 300:500 (FLAGS) (CHANGEDSINCE 12345 VANISHED)\r\n");
    CHECK((v.collects & kind_bit<vanished_data>()) != 0);
    CHECK(v.earlier_vanished_only);
    // VANISHED (EARLIER) names no command: nothing may share the wire.
    CHECK(v.exclusive);
    // FETCH data outside the set is still somebody else's (an event).
    CHECK(v.uid_ranges.has_value());

    CHECK(throws_invalid([] { (void)cmd::fetch_changed_since(sequence_set("1:*"), {"FLAGS"}, 5, true, false); }));
    CHECK(throws_invalid(
        [] { (void)cmd::fetch_changed_since(sequence_set("1:*"), {"FLAGS"}, cmd::max_mod_seq + 1, false, true); }));
    // No items is an encoding error, as for fetch().
    CHECK(throws_invalid([] { (void)encode(cmd::fetch_changed_since(sequence_set("1"), {}, 5, false, true)); }));
}

TEST_CASE("STORE (UNCHANGEDSINCE ...): encoding and routing", "[qresync]") {
    struct vec {
        flag_change change;
        bool silent, uid;
        std::uint64_t since;
        std::string expected;
    };
    const std::vector<vec> vectors = {
        {flag_change::add, true, true, 320162338, "A1 UID STORE 1:5 (UNCHANGEDSINCE 320162338) +FLAGS.SILENT (\\Deleted)\r\n"},
        {flag_change::remove, false, true, 7, "A1 UID STORE 1:5 (UNCHANGEDSINCE 7) -FLAGS (\\Deleted)\r\n"},
        {flag_change::set, false, false, 0, "A1 STORE 1:5 (UNCHANGEDSINCE 0) FLAGS (\\Deleted)\r\n"},
        {flag_change::set, true, false, cmd::max_mod_seq,
         "A1 STORE 1:5 (UNCHANGEDSINCE 9223372036854775807) FLAGS.SILENT (\\Deleted)\r\n"},
    };
    for (const auto& v : vectors) {
        INFO(v.expected);
        auto r = cmd::store_unchanged_since(sequence_set("1:5"), v.change, {"\\Deleted"}, v.since, v.silent, v.uid);
        CHECK(encode(r) == v.expected);
        // Even silent: the new MODSEQs come as FETCH data.
        CHECK(r.collects == kind_bit<fetch_data>());
        CHECK(r.exclusive == !v.uid);
        CHECK(r.uid_ranges.has_value() == v.uid);
    }
    auto empty = cmd::store_unchanged_since(sequence_set("4"), flag_change::set, {}, 1, false, true);
    CHECK(encode(empty) == "A1 UID STORE 4 (UNCHANGEDSINCE 1) FLAGS ()\r\n");
    // A flag is an atom: nothing can be injected through it.
    auto bad = cmd::store_unchanged_since(sequence_set("4"), flag_change::add, {"a b\r\nX"}, 1, false, true);
    CHECK(throws_invalid([&] { (void)encode(bad); }));
    CHECK(throws_invalid(
        [] { (void)cmd::store_unchanged_since(sequence_set("4"), flag_change::add, {}, cmd::max_mod_seq + 1, false, true); }));
}

// ---- engine: ENABLED and routing -------------------------------------------------

TEST_CASE("ENABLED is recorded once authenticated; QRESYNC implies CONDSTORE", "[qresync]") {
    script s;
    s.feed_mode = any_feeding();
    s.greet("IMAP4rev1 ENABLE QRESYNC");
    // Before login an ENABLED line means nothing (and is never an answer).
    s.server("* ENABLED QRESYNC\r\n");
    CHECK_FALSE(s.eng.is_enabled("QRESYNC"));
    script t;
    t.feed_mode = any_feeding();
    authenticated(t, true);
    CHECK(t.eng.is_enabled("QRESYNC"));
    CHECK(t.eng.is_enabled("qresync"));
    CHECK(t.eng.is_enabled("CONDSTORE"));
    CHECK_FALSE(t.eng.is_enabled("UTF8=ACCEPT"));
    script u;
    authenticated(u, false);
    CHECK_FALSE(u.eng.is_enabled("QRESYNC"));
    CHECK_FALSE(u.eng.is_enabled("CONDSTORE"));
}

TEST_CASE("QRESYNC SELECT collects VANISHED (EARLIER) and FETCH; a plain VANISHED stays an event", "[qresync]") {
    script s;
    s.feed_mode = any_feeding();
    selected(s);
    auto p = params(67890007, 20050715194045000ULL);
    p.known_uids = sequence_set("41,43:211,214:541");
    auto id = s.submit(cmd::select_qresync("Other", p, false));
    CHECK(s.flush() == "A3 SELECT Other (QRESYNC (67890007 20050715194045000 41,43:211,214:541))\r\n");
    // RFC 7162 3.2.5.2's answer, after an expunge of the old mailbox that
    // crossed the SELECT on the wire.
    s.server("* VANISHED 9\r\n"
             "* OK [CLOSED] old mailbox closed\r\n"
             "* 100 EXISTS\r\n* 11 RECENT\r\n"
             "* OK [UIDVALIDITY 67890007] UIDVALIDITY\r\n"
             "* OK [UIDNEXT 600] Predicted next UID\r\n"
             "* OK [HIGHESTMODSEQ 90060115205545359] Highest mailbox mod-sequence\r\n"
             "* OK [UNSEEN 7] There are some unseen messages in the mailbox\r\n"
             "* FLAGS (\\Answered \\Flagged \\Draft \\Deleted \\Seen)\r\n"
             "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Draft \\Deleted \\Seen \\*)] Permanent flags\r\n"
             "* VANISHED (EARLIER) 41,43:116,118,120:211,214:540\r\n"
             "* 49 FETCH (UID 117 FLAGS (\\Seen \\Answered) MODSEQ (90060115194045001))\r\n"
             "* 50 FETCH (UID 119 FLAGS (\\Draft $MDNSent) MODSEQ (90060115194045308))\r\n"
             "* 51 FETCH (UID 541 FLAGS (\\Seen $Forwarded) MODSEQ (90060115194045001))\r\n"
             "A3 OK [READ-WRITE] mailbox selected\r\n");
    const auto& c = s.result(id);
    CHECK(c.ec == error_code{});
    auto v = collected<vanished_data>(c);
    REQUIRE(v.size() == 1);
    CHECK(v[0]->earlier);
    CHECK(v[0]->uids == "41,43:116,118,120:211,214:540");
    auto f = collected<fetch_data>(c);
    REQUIRE(f.size() == 3);
    CHECK(f[0]->uid == 117u);
    CHECK(f[2]->modseq == 90060115194045001ULL);
    // The old mailbox's expunge went to the events, not into the result.
    auto ev = s.events();
    REQUIRE(ev.size() == 1);
    auto* old = event_as<vanished_data>(ev[0]);
    REQUIRE(old);
    CHECK(old->uids == "9");
    CHECK_FALSE(old->earlier);
    // The history (EARLIER) did not touch EXISTS.
    CHECK(s.eng.mailbox().exists == 100);
    CHECK(s.eng.mailbox().highest_modseq == 90060115205545359ULL);
    CHECK(s.eng.mailbox().uid_validity == 67890007u);
    CHECK(s.eng.state() == session_state::selected);

    // Under NOMODSEQ nothing of the old mailbox's modseqs may linger.
    auto again = s.submit(cmd::select_qresync("Plain", params(1, 1), true));
    CHECK(s.flush() == "A4 EXAMINE Plain (QRESYNC (1 1))\r\n");
    s.server("* 1 FETCH (UID 8 FLAGS () MODSEQ (999999999999))\r\n* OK [CLOSED] x\r\n"
             "* 2 EXISTS\r\n* OK [UIDVALIDITY 1] v\r\n* OK [NOMODSEQ] none\r\nA4 OK [READ-ONLY] x\r\n");
    CHECK(s.result(again).ec == error_code{});
    CHECK_FALSE(s.eng.mailbox().highest_modseq.has_value());
    CHECK(s.eng.mailbox().nomodseq);
    CHECK(s.eng.mailbox().exists == 2);
    CHECK(s.eng.mailbox().readonly);
}

TEST_CASE("QRESYNC: VANISHED while selected is an event and EXISTS follows it", "[qresync]") {
    script s;
    s.feed_mode = any_feeding();
    selected(s);
    s.server("* VANISHED 3:5,8\r\n");
    CHECK(s.eng.mailbox().exists == 6);
    auto ev = s.events();
    REQUIRE(ev.size() == 1);
    auto* v = event_as<vanished_data>(ev[0]);
    REQUIRE(v);
    CHECK(v->uids == "3:5,8");
    CHECK_FALSE(v->earlier);
    // A flag change comes as FETCH with MODSEQ, and raises HIGHESTMODSEQ.
    s.server("* 2 FETCH (UID 2 FLAGS (\\Seen) MODSEQ (777))\r\n");
    CHECK(s.eng.mailbox().highest_modseq == 777u);
    ev = s.events();
    REQUIRE(ev.size() == 1);
    CHECK(event_as<fetch_data>(ev[0]));
    // Unsolicited history does not change the count.
    s.server("* VANISHED (EARLIER) 1:2\r\n");
    CHECK(s.eng.mailbox().exists == 6);
    ev = s.events();
    REQUIRE(ev.size() == 1);
    CHECK(event_as<vanished_data>(ev[0])->earlier);
    // More than there are: EXISTS stops at 0 and stays consistent.
    s.server("* VANISHED 1:100\r\n");
    CHECK(s.eng.mailbox().exists == 0);
    s.server("* 3 EXISTS\r\n");
    CHECK(s.eng.mailbox().exists == 3);
    // A VANISHED that is not a UID set is still delivered; EXISTS is kept.
    s.server("* VANISHED 1:x\r\n");
    CHECK(s.eng.mailbox().exists == 3);
    CHECK(s.events().size() == 3);
}

TEST_CASE("QRESYNC: a UID EXPUNGE collects the plain VANISHED it causes", "[qresync]") {
    script s;
    selected(s);
    auto c = s.run(cmd::expunge(sequence_set("4:5")), "A3 UID EXPUNGE 4:5\r\n", "* VANISHED 4:5\r\n");
    CHECK(collected<vanished_data>(c).size() == 1);
    CHECK(s.events().empty());
    CHECK(s.eng.mailbox().exists == 8);
}

TEST_CASE("UID FETCH (CHANGEDSINCE n VANISHED): history is collected, news of expunges is an event", "[qresync]") {
    script s;
    s.feed_mode = any_feeding();
    selected(s);
    auto id = s.submit(cmd::fetch_changed_since(sequence_set("1:*"), {"FLAGS"}, 300, true, true));
    CHECK(s.flush() == "A3 UID FETCH 1:* (FLAGS) (CHANGEDSINCE 300 VANISHED)\r\n");
    // A second UID FETCH waits: VANISHED (EARLIER) would not say whose it is.
    auto other = s.submit(cmd::fetch(sequence_set("1"), {"FLAGS"}, {}, true));
    CHECK(s.flush().empty());
    s.server("* VANISHED (EARLIER) 2,4\r\n"
             "* VANISHED 9\r\n"
             "* 1 FETCH (UID 1 FLAGS (\\Seen) MODSEQ (310))\r\n"
             "A3 OK done\r\n");
    const auto& c = s.result(id);
    auto v = collected<vanished_data>(c);
    REQUIRE(v.size() == 1);
    CHECK(v[0]->uids == "2,4");
    CHECK(fetched_uids(c) == std::vector<std::uint32_t>{1});
    auto ev = s.events();
    REQUIRE(ev.size() == 1);
    CHECK(event_as<vanished_data>(ev[0])->uids == "9");
    CHECK(s.eng.mailbox().exists == 9);
    CHECK(s.flush() == "A4 UID FETCH 1 (FLAGS)\r\n");
    s.server("A4 OK done\r\n");
    CHECK(s.result(other).ec == error_code{});
}

TEST_CASE("UID STORE (UNCHANGEDSINCE n): silent stores collect MODSEQ; [MODIFIED] is in the reply", "[qresync]") {
    script s;
    s.feed_mode = any_feeding();
    selected(s);
    auto id = s.submit(
        cmd::store_unchanged_since(sequence_set("4,6:9"), flag_change::add, {"\\Deleted"}, 12121230045ULL, true, true));
    CHECK(s.flush() == "A3 UID STORE 4,6:9 (UNCHANGEDSINCE 12121230045) +FLAGS.SILENT (\\Deleted)\r\n");
    // A UID FETCH of other UIDs pipelines with it; one of the same UIDs does not.
    auto disjoint = s.submit(cmd::fetch(sequence_set("20"), {"FLAGS"}, {}, true));
    auto overlapping = s.submit(cmd::fetch(sequence_set("7"), {"FLAGS"}, {}, true));
    CHECK(s.flush() == "A4 UID FETCH 20 (FLAGS)\r\n");
    s.server("* 1 FETCH (UID 4 MODSEQ (12121231000))\r\n"
             "* 2 FETCH (UID 6 MODSEQ (12121230852))\r\n"
             "* 4 FETCH (UID 8 MODSEQ (12121130956))\r\n"
             "* 9 FETCH (UID 20 FLAGS ())\r\n"
             "A3 OK [MODIFIED 7,9] Conditional STORE failed\r\n"
             "A4 OK done\r\n");
    const auto& c = s.result(id);
    CHECK(fetched_uids(c) == std::vector<std::uint32_t>{4, 6, 8});
    REQUIRE(c.status.code);
    CHECK(c.status.code->name == "MODIFIED");
    CHECK(c.status.code->uid_set == "7,9");
    CHECK(fetched_uids(s.result(disjoint)) == std::vector<std::uint32_t>{20});
    CHECK(s.events().empty());
    CHECK(s.flush() == "A5 UID FETCH 7 (FLAGS)\r\n");
    s.server("A5 OK done\r\n");
    CHECK(s.result(overlapping).ec == error_code{});
}
