// The message commands' encodings (SORT, THREAD, X-GM-RAW, MULTIAPPEND,
// COPY, MOVE, EXPUNGE, STORE), their routing rules in the engine, and the
// helpers the client uses on their results (UID sets, normalise_times).
#include "operations/flags.hpp"
#include "operations/messages.hpp"
#include "engine_script.hpp"

#include <boost/asio/error.hpp>

#include <cstdlib>
#include <ctime>

using namespace engine_script;
using namespace std::chrono_literals;

namespace {

feeding any_feeding() { return GENERATE(feeding::whole, feeding::bytewise, feeding::zero_copy); }

// Logged in (PREAUTH) with INBOX selected, 20 messages.
void selected(script& s, std::string_view caps = "IMAP4rev1 LITERAL+ UIDPLUS MOVE") {
    s.server("* PREAUTH [CAPABILITY " + std::string(caps) + "] hi\r\n");
    REQUIRE(s.eng.state() == session_state::authenticated);
    auto c = s.run(cmd::select("INBOX", false), "A1 SELECT INBOX\r\n",
                   "* 20 EXISTS\r\n* OK [UIDVALIDITY 7] v\r\n* OK [UIDNEXT 31] n\r\n");
    REQUIRE(c.ec == error_code{});
    REQUIRE(s.events().empty());
}

// Encodes a request alone, as the engine would with tag "A1".
std::string encode(const command_request& r, wire::literal_support l = {.literal_plus = true}) {
    return r.build("A1", l).bytes;
}

bool fails_to_encode(const command_request& r) {
    try {
        (void)r.build("A1", {.literal_plus = true});
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

const std::vector<std::string> no_values;

}  // namespace

// ---- SORT ------------------------------------------------------------------------

TEST_CASE("SORT: encoding of keys, charset and criteria", "[messages]") {
    struct vec {
        std::vector<std::string> keys;
        search_criteria criteria;
        std::string charset;
        bool uid;
        std::string line;
    };
    const std::string hello = "h\xc3\xa9llo";
    const std::vector<vec> vs{
        {{"REVERSE", "DATE"}, "ALL", "UTF-8", true, "A1 UID SORT (REVERSE DATE) UTF-8 ALL\r\n"},
        {{"ARRIVAL"}, "ALL", "UTF-8", false, "A1 SORT (ARRIVAL) UTF-8 ALL\r\n"},
        // Python IMAPClient takes "REVERSE SIZE" as one string.
        {{"REVERSE SIZE"}, "ALL", "UTF-8", true, "A1 UID SORT (REVERSE SIZE) UTF-8 ALL\r\n"},
        {{"SUBJECT", "  ARRIVAL "}, "UNSEEN", "US-ASCII", true, "A1 UID SORT (SUBJECT ARRIVAL) US-ASCII UNSEEN\r\n"},
        // No charset: US-ASCII for 7-bit criteria, UTF-8 for 8-bit ones.
        {{"DATE"}, search_criteria{"NOT", "DELETED"}, "", true, "A1 UID SORT (DATE) US-ASCII NOT DELETED\r\n"},
        {{"DATE"}, search_criteria{"SUBJECT", hello}, "", true,
         "A1 UID SORT (DATE) UTF-8 SUBJECT {6+}\r\n" + hello + "\r\n"},
        {{"DATE"}, search_criteria{"SUBJECT", "foo bar", "SMALLER", 500}, "UTF-8", true,
         "A1 UID SORT (DATE) UTF-8 SUBJECT \"foo bar\" SMALLER 500\r\n"},
        {{"DATE"}, search_criteria{"UID", "2:*", search_item::list{"OR", "SEEN", "FLAGGED"}}, "UTF-8", true,
         "A1 UID SORT (DATE) UTF-8 UID 2:* (OR SEEN FLAGGED)\r\n"},
        {{"DATE"}, search_criteria{"SINCE", std::chrono::year_month_day{2020y / 2 / 1}}, "UTF-8", false,
         "A1 SORT (DATE) UTF-8 SINCE 1-Feb-2020\r\n"},
        // A raw criteria string goes as it is.
        {{"DATE"}, "SINCE 1-Feb-2020 NOT SEEN", "UTF-8", true, "A1 UID SORT (DATE) UTF-8 SINCE 1-Feb-2020 NOT SEEN\r\n"},
        // The charset is an astring.
        {{"DATE"}, "ALL", "ISO-8859-1", true, "A1 UID SORT (DATE) ISO-8859-1 ALL\r\n"},
    };
    for (const auto& v : vs) {
        INFO(v.line);
        auto r = cmd::sort(v.keys, v.criteria, v.charset, v.uid);
        CHECK(encode(r) == v.line);
        CHECK(r.name == (v.uid ? "UID SORT" : "SORT"));
        CHECK(r.exclusive == !v.uid);
        CHECK(r.collects == (kind_bit<search_data>() | kind_bit<esearch_data>()));
    }
}

TEST_CASE("SORT: arguments that cannot be encoded are refused", "[messages]") {
    const std::vector<std::vector<std::string>> bad_keys{{}, {"  "}, {"DATE)"}, {"DATE\r\nA2 DELETE INBOX"}, {"(DATE"},
                                                         {"\"DATE\""}};
    for (const auto& k : bad_keys) {
        INFO(k.size());
        CHECK(fails_to_encode(cmd::sort(k, "ALL", "UTF-8", true)));
    }
    CHECK(fails_to_encode(cmd::sort({"DATE"}, "ALL\r\nA2 LOGOUT", "UTF-8", true)));
    CHECK(fails_to_encode(cmd::sort({"DATE"}, "", "UTF-8", true)));
    CHECK(fails_to_encode(cmd::sort({"DATE"}, std::vector<search_item>{}, "UTF-8", true)));
    CHECK(fails_to_encode(cmd::sort({"DATE"}, search_criteria{"SMALLER", -1}, "UTF-8", true)));
    CHECK(fails_to_encode(cmd::sort({"DATE"}, search_criteria{"NOT", search_item::list{}}, "UTF-8", true)));
    // In the engine the failure completes that command alone.
    script s;
    selected(s);
    auto id = s.submit(cmd::sort({"DATE)"}, "ALL", "UTF-8", true));
    CHECK(s.result(id).ec == ec_of(errc::invalid_argument));
    CHECK(s.flush().empty());
    CHECK_FALSE(s.eng.closed());
}

TEST_CASE("SORT: the server's order is kept, with its MODSEQ", "[messages]") {
    script s;
    s.feed_mode = any_feeding();
    selected(s);
    auto c = s.run(cmd::sort({"REVERSE", "ARRIVAL"}, "ALL", "UTF-8", true), "A2 UID SORT (REVERSE ARRIVAL) UTF-8 ALL\r\n",
                   "* SORT 9 3 12 4 (MODSEQ 917162500)\r\n");
    REQUIRE(c.ec == error_code{});
    auto data = collected<search_data>(c);
    REQUIRE(data.size() == 1);
    CHECK(data[0]->sort);
    CHECK(data[0]->ids == std::vector<std::uint32_t>{9, 3, 12, 4});
    CHECK(data[0]->modseq == 917162500u);
    CHECK(s.events().empty());
}

TEST_CASE("SORT: sequence-number SORT is a barrier, UID SORT pipelines with UID FETCH", "[messages]") {
    script s;
    selected(s);
    auto f1 = s.submit(cmd::fetch(sequence_set("1:3"), {"FLAGS"}, {}, true));
    auto srt = s.submit(cmd::sort({"DATE"}, "ALL", "UTF-8", false));
    CHECK(s.flush() == "A2 UID FETCH 1:3 (FLAGS)\r\n");
    CHECK(s.flush().empty());
    s.server("A2 OK f\r\n");
    CHECK(s.flush() == "A3 SORT (DATE) UTF-8 ALL\r\n");
    s.server("* SORT 2 1\r\nA3 OK s\r\n");
    CHECK(s.result(f1).ec == error_code{});
    CHECK(collected<search_data>(s.result(srt)).at(0)->ids == std::vector<std::uint32_t>{2, 1});
    auto f2 = s.submit(cmd::fetch(sequence_set("1:3"), {"FLAGS"}, {}, true));
    auto usrt = s.submit(cmd::sort({"DATE"}, "ALL", "UTF-8", true));
    CHECK(s.flush() == "A4 UID FETCH 1:3 (FLAGS)\r\nA5 UID SORT (DATE) UTF-8 ALL\r\n");
    s.server("* 1 FETCH (UID 1 FLAGS ())\r\n* SORT 3 1\r\nA5 OK s\r\nA4 OK f\r\n");
    CHECK(fetched_uids(s.result(f2)) == std::vector<std::uint32_t>{1});
    CHECK(collected<search_data>(s.result(usrt)).at(0)->ids == std::vector<std::uint32_t>{3, 1});
    // Two UID SORTs both collect SEARCH-like data: they cannot share the wire.
    auto a = s.submit(cmd::sort({"DATE"}, "ALL", "UTF-8", true));
    auto b = s.submit(cmd::sort({"SIZE"}, "ALL", "UTF-8", true));
    CHECK(s.flush() == "A6 UID SORT (DATE) UTF-8 ALL\r\n");
    s.server("* SORT 5\r\nA6 OK\r\n");
    CHECK(s.flush() == "A7 UID SORT (SIZE) UTF-8 ALL\r\n");
    s.server("* SORT 6\r\nA7 OK\r\n");
    CHECK(collected<search_data>(s.result(a)).at(0)->ids == std::vector<std::uint32_t>{5});
    CHECK(collected<search_data>(s.result(b)).at(0)->ids == std::vector<std::uint32_t>{6});
}

// ---- THREAD and X-GM-RAW -------------------------------------------------------------

TEST_CASE("THREAD: encoding and the nested result", "[messages]") {
    CHECK(encode(cmd::thread("REFERENCES", "ALL", "UTF-8", true)) == "A1 UID THREAD REFERENCES UTF-8 ALL\r\n");
    CHECK(encode(cmd::thread("ORDEREDSUBJECT", search_criteria{"NOT", "DELETED"}, "", false)) ==
          "A1 THREAD ORDEREDSUBJECT US-ASCII NOT DELETED\r\n");
    CHECK(encode(cmd::thread("REFS", search_criteria{"SUBJECT", "\xc3\xa9t\xc3\xa9"}, "", true)) ==
          "A1 UID THREAD REFS UTF-8 SUBJECT {5+}\r\n\xc3\xa9t\xc3\xa9\r\n");
    CHECK(fails_to_encode(cmd::thread("REFERENCES ALL", "ALL", "UTF-8", true)));
    CHECK(fails_to_encode(cmd::thread("", "ALL", "UTF-8", true)));
    CHECK(cmd::thread("REFERENCES", "ALL", "UTF-8", false).exclusive);
    CHECK_FALSE(cmd::thread("REFERENCES", "ALL", "UTF-8", true).exclusive);

    script s;
    s.feed_mode = any_feeding();
    selected(s);
    auto c = s.run(cmd::thread("REFERENCES", "ALL", "UTF-8", true), "A2 UID THREAD REFERENCES UTF-8 ALL\r\n",
                   "* THREAD (2)(3 6 (4 23)(44 7 96))\r\n");
    auto t = collected<thread_data>(c);
    REQUIRE(t.size() == 1);
    REQUIRE(t[0]->threads.size() == 2);
    CHECK(t[0]->threads[0].ids == std::vector<std::uint32_t>{2});
    CHECK(t[0]->threads[1].ids == std::vector<std::uint32_t>{3, 6});
    REQUIRE(t[0]->threads[1].children.size() == 2);
    CHECK(t[0]->threads[1].children[0].ids == std::vector<std::uint32_t>{4, 23});
    CHECK(t[0]->threads[1].children[1].ids == std::vector<std::uint32_t>{44, 7, 96});
    // An empty THREAD response is an empty result, not an error.
    auto e = s.run(cmd::thread("REFERENCES", "DELETED", "UTF-8", true), "A3 UID THREAD REFERENCES UTF-8 DELETED\r\n",
                   "* THREAD\r\n");
    CHECK(e.ec == error_code{});
    REQUIRE(collected<thread_data>(e).size() == 1);
    CHECK(collected<thread_data>(e)[0]->threads.empty());
}

TEST_CASE("X-GM-RAW: the query is always a string", "[messages]") {
    CHECK(encode(cmd::gmail_search("has:attachment in:unread", "UTF-8", true)) ==
          "A1 UID SEARCH CHARSET UTF-8 X-GM-RAW \"has:attachment in:unread\"\r\n");
    CHECK(encode(cmd::gmail_search("foo", "", false)) == "A1 SEARCH X-GM-RAW \"foo\"\r\n");
    CHECK(encode(cmd::gmail_search("1:5", "", true)) == "A1 UID SEARCH X-GM-RAW \"1:5\"\r\n");
    CHECK(encode(cmd::gmail_search("NIL", "", true)) == "A1 UID SEARCH X-GM-RAW \"NIL\"\r\n");
    CHECK(encode(cmd::gmail_search("subject:\"a b\"", "", true)) == "A1 UID SEARCH X-GM-RAW \"subject:\\\"a b\\\"\"\r\n");
    // 8-bit text and line breaks go as literals, never into the line.
    CHECK(encode(cmd::gmail_search("\xd0\xbf\xd1\x80", "UTF-8", true)) ==
          "A1 UID SEARCH CHARSET UTF-8 X-GM-RAW {4+}\r\n\xd0\xbf\xd1\x80\r\n");
    CHECK(encode(cmd::gmail_search("a\r\nA2 LOGOUT", "UTF-8", true)) ==
          "A1 UID SEARCH CHARSET UTF-8 X-GM-RAW {12+}\r\na\r\nA2 LOGOUT\r\n");
    CHECK(cmd::gmail_search("x", "", false).exclusive);
}

// ---- MULTIAPPEND -------------------------------------------------------------------

TEST_CASE("MULTIAPPEND: one command, one literal per message", "[messages]") {
    const datetime when{std::chrono::sys_days{2020y / 3 / 4} + 10h + 6min + 7s, -300min};
    std::vector<cmd::append_item> msgs{{"hello", {"\\Seen", "$Work"}, when}, {"bye", {}, std::nullopt},
                                       {"x", {"\\Flagged"}, std::nullopt}};
    CHECK(encode(cmd::multiappend("Drafts", msgs)) ==
          "A1 APPEND Drafts (\\Seen $Work) \"04-Mar-2020 05:06:07 -0500\" {5+}\r\nhello {3+}\r\nbye (\\Flagged) "
          "{1+}\r\nx\r\n");
    // Mailbox names are modified UTF-7, unless folder_encode is off.
    CHECK(encode(cmd::multiappend("Entw\xc3\xbc" "rfe", {{"m", {}, {}}})) == "A1 APPEND Entw&APw-rfe {1+}\r\nm\r\n");
    CHECK(encode(cmd::multiappend("Entw&APw-rfe", {{"m", {}, {}}}, false)) == "A1 APPEND Entw&APw-rfe {1+}\r\nm\r\n");
    CHECK(encode(cmd::multiappend("My Box", {{"m", {}, {}}})) == "A1 APPEND \"My Box\" {1+}\r\nm\r\n");
    CHECK(fails_to_encode(cmd::multiappend("INBOX", {})));
    CHECK(fails_to_encode(cmd::multiappend("INBOX", {{"m", {"bad flag"}, {}}})));
    CHECK(fails_to_encode(cmd::multiappend("INBOX", {{"m", {"\\Seen)"}, {}}})));

    // Without LITERAL+ each literal waits for its "+".
    script s;
    s.feed_mode = any_feeding();
    selected(s, "IMAP4rev1 MULTIAPPEND");
    auto id = s.submit(cmd::multiappend("INBOX", msgs));
    CHECK(s.flush() == "A2 APPEND INBOX (\\Seen $Work) \"04-Mar-2020 05:06:07 -0500\" {5}\r\n");
    CHECK(s.flush().empty());
    s.server("+ go\r\n");
    CHECK(s.flush() == "hello {3}\r\n");
    s.server("+ go\r\n");
    CHECK(s.flush() == "bye (\\Flagged) {1}\r\n");
    s.server("+\r\n");
    CHECK(s.flush() == "x\r\n");
    s.server("* 23 EXISTS\r\nA2 OK [APPENDUID 7 31:33] done\r\n");
    const auto& c = s.result(id);
    CHECK(c.ec == error_code{});
    REQUIRE(c.status.code.has_value());
    CHECK(c.status.code->name == "APPENDUID");
    CHECK(c.status.code->uid_set == "31:33");
    CHECK(s.eng.mailbox().exists == 23);
}

TEST_CASE("MULTIAPPEND: a NO between literals ends the command cleanly", "[messages]") {
    script s;
    selected(s, "IMAP4rev1 MULTIAPPEND");
    std::vector<cmd::append_item> msgs{{std::string(100, 'a'), {}, {}}, {std::string(50, 'b'), {}, {}}};
    auto id = s.submit(cmd::multiappend("INBOX", msgs));
    CHECK(s.flush() == "A2 APPEND INBOX {100}\r\n");
    s.server("+ ok\r\n");
    CHECK(s.flush() == std::string(100, 'a') + " {50}\r\n");
    s.server("A2 NO [TOOBIG] second message too big\r\n");
    CHECK(s.result(id).ec == ec_of(errc::no));
    CHECK(s.result(id).status.code->name == "TOOBIG");
    CHECK(s.flush().empty());
    // The connection goes on.
    auto n = s.run(cmd::noop(), "A3 NOOP\r\n");
    CHECK(n.ec == error_code{});
}

// ---- COPY and MOVE ----------------------------------------------------------------------

TEST_CASE("COPY: encoding; UID COPY pipelines, COPY is a barrier", "[messages]") {
    CHECK(encode(cmd::copy(sequence_set("1:3,5"), "Archive", true)) == "A1 UID COPY 1:3,5 Archive\r\n");
    CHECK(encode(cmd::copy(sequence_set("2"), "Sent Items", false)) == "A1 COPY 2 \"Sent Items\"\r\n");
    CHECK(encode(cmd::copy(sequence_set("2"), "\xd0\x9f", true)) == "A1 UID COPY 2 &BB8-\r\n");
    CHECK(encode(cmd::copy(sequence_set("2"), "a\"b", true)) == "A1 UID COPY 2 \"a\\\"b\"\r\n");
    CHECK(encode(cmd::copy(sequence_set("2"), "x\r\nA2 LOGOUT", true)) == "A1 UID COPY 2 \"x&AA0ACg-A2 LOGOUT\"\r\n");
    CHECK(fails_to_encode(cmd::copy(sequence_set(), "Archive", true)));

    script s;
    selected(s);
    auto a = s.submit(cmd::copy(sequence_set("1:3"), "Archive", true));
    auto b = s.submit(cmd::copy(sequence_set("7"), "Archive", true));
    auto f = s.submit(cmd::fetch(sequence_set("1"), {"FLAGS"}, {}, true));
    CHECK(s.flush() == "A2 UID COPY 1:3 Archive\r\nA3 UID COPY 7 Archive\r\nA4 UID FETCH 1 (FLAGS)\r\n");
    s.server("A3 OK [COPYUID 99 7 12] b\r\n* 1 FETCH (UID 1 FLAGS ())\r\nA2 OK [COPYUID 99 1:3 9:11] a\r\nA4 OK\r\n");
    CHECK(s.result(a).status.code->uid_set == "1:3");
    CHECK(s.result(a).status.code->dest_uid_set == "9:11");
    CHECK(s.result(a).status.code->number == 99u);
    CHECK(s.result(b).status.code->dest_uid_set == "12");
    CHECK(fetched_uids(s.result(f)) == std::vector<std::uint32_t>{1});

    auto seq = s.submit(cmd::copy(sequence_set("1"), "Archive", false));
    auto after = s.submit(cmd::noop());
    CHECK(s.flush() == "A5 COPY 1 Archive\r\n");
    CHECK(s.flush().empty());
    s.server("A5 OK\r\n");
    CHECK(s.flush() == "A6 NOOP\r\n");
    s.server("A6 OK\r\n");
    CHECK(s.result(seq).ec == error_code{});
    CHECK(s.result(after).ec == error_code{});
}

TEST_CASE("MOVE: a barrier that collects its COPYUID and expunges", "[messages]") {
    CHECK(encode(cmd::move(sequence_set("4"), "Trash", true)) == "A1 UID MOVE 4 Trash\r\n");
    CHECK(encode(cmd::move(sequence_set("1:2"), "Trash", false)) == "A1 MOVE 1:2 Trash\r\n");
    script s;
    s.feed_mode = any_feeding();
    selected(s);
    auto f = s.submit(cmd::fetch(sequence_set("1"), {"FLAGS"}, {}, true));
    auto m = s.submit(cmd::move(sequence_set("4:5"), "Trash", true));
    CHECK(s.flush() == "A2 UID FETCH 1 (FLAGS)\r\n");
    CHECK(s.flush().empty());
    s.server("A2 OK\r\n");
    CHECK(s.flush() == "A3 UID MOVE 4:5 Trash\r\n");
    s.server("* OK [COPYUID 1566 4:5 30:31] Moved UIDs.\r\n* 4 EXPUNGE\r\n* 4 EXPUNGE\r\nA3 OK Move completed\r\n");
    const auto& c = s.result(m);
    CHECK(c.ec == error_code{});
    auto st = collected<status_response>(c);
    REQUIRE(st.size() == 1);
    REQUIRE(st[0]->code.has_value());
    CHECK(st[0]->code->name == "COPYUID");
    CHECK(st[0]->code->uid_set == "4:5");
    CHECK(st[0]->code->dest_uid_set == "30:31");
    CHECK(collected<expunge_data>(c).size() == 2);
    CHECK(s.eng.mailbox().exists == 18);
    CHECK(s.events().empty());
    CHECK(s.result(f).ec == error_code{});
}

// ---- EXPUNGE --------------------------------------------------------------------------

TEST_CASE("EXPUNGE and UID EXPUNGE: barriers collecting EXPUNGE and VANISHED", "[messages]") {
    CHECK(encode(cmd::expunge()) == "A1 EXPUNGE\r\n");
    CHECK(encode(cmd::expunge(sequence_set("3:5,9"))) == "A1 UID EXPUNGE 3:5,9\r\n");
    CHECK(cmd::expunge().name == "EXPUNGE");
    CHECK(cmd::expunge(sequence_set("1")).name == "UID EXPUNGE");
    CHECK(fails_to_encode(cmd::expunge(sequence_set())));

    script s;
    s.feed_mode = any_feeding();
    selected(s);
    auto f = s.submit(cmd::fetch(sequence_set("1"), {"FLAGS"}, {}, true));
    auto e = s.submit(cmd::expunge());
    auto n = s.submit(cmd::noop());
    CHECK(s.flush() == "A2 UID FETCH 1 (FLAGS)\r\n");
    s.server("A2 OK\r\n");
    CHECK(s.flush() == "A3 EXPUNGE\r\n");
    CHECK(s.flush().empty());
    s.server("* 3 EXPUNGE\r\n* 3 EXPUNGE\r\n* 7 EXPUNGE\r\n* 0 RECENT\r\nA3 OK Expunge completed.\r\n");
    std::vector<std::uint32_t> seqs;
    for (auto* x : collected<expunge_data>(s.result(e))) seqs.push_back(x->seq);
    CHECK(seqs == std::vector<std::uint32_t>{3, 3, 7});
    CHECK(s.eng.mailbox().exists == 17);
    // RECENT is not EXPUNGE's: it is an event.
    auto evs = s.events();
    REQUIRE(evs.size() == 1);
    CHECK(event_as<recent_data>(evs[0]) != nullptr);
    CHECK(s.flush() == "A4 NOOP\r\n");
    s.server("A4 OK\r\n");
    CHECK(s.result(n).ec == error_code{});
    CHECK(s.result(f).ec == error_code{});

    // With QRESYNC the server reports UIDs.
    auto u = s.run(cmd::expunge(sequence_set("10:12")), "A5 UID EXPUNGE 10:12\r\n", "* VANISHED 10:11\r\n");
    auto v = collected<vanished_data>(u);
    REQUIRE(v.size() == 1);
    CHECK(v[0]->uids == "10:11");
    CHECK_FALSE(v[0]->earlier);
    CHECK(s.eng.mailbox().exists == 15);
}

// ---- STORE -------------------------------------------------------------------------------

TEST_CASE("STORE: flags and labels encoding", "[messages]") {
    struct vec {
        flag_change mode;
        bool labels, silent, uid;
        std::vector<std::string> values;
        std::string line;
    };
    const std::vector<vec> vs{
        {flag_change::add, false, false, true, {"\\Seen", "$Label"}, "A1 UID STORE 1:3 +FLAGS (\\Seen $Label)\r\n"},
        {flag_change::remove, false, false, true, {"\\Deleted"}, "A1 UID STORE 1:3 -FLAGS (\\Deleted)\r\n"},
        {flag_change::set, false, false, false, {}, "A1 STORE 1:3 FLAGS ()\r\n"},
        {flag_change::add, false, true, true, {"\\Flagged"}, "A1 UID STORE 1:3 +FLAGS.SILENT (\\Flagged)\r\n"},
        {flag_change::remove, false, true, false, {"\\Seen"}, "A1 STORE 1:3 -FLAGS.SILENT (\\Seen)\r\n"},
        {flag_change::set, false, true, true, {"\\Answered", "\\Draft"}, "A1 UID STORE 1:3 FLAGS.SILENT (\\Answered \\Draft)\r\n"},
        // Labels: quoted strings in modified UTF-7, backslashes escaped, as Python IMAPClient sends them.
        {flag_change::add, true, false, true, {"\\Important", "Entw\xc3\xbc" "rfe"},
         "A1 UID STORE 1:3 +X-GM-LABELS (\"\\\\Important\" \"Entw&APw-rfe\")\r\n"},
        {flag_change::remove, true, true, true, {"foo bar"}, "A1 UID STORE 1:3 -X-GM-LABELS.SILENT (\"foo bar\")\r\n"},
        {flag_change::set, true, false, false, {"a\"b"}, "A1 STORE 1:3 X-GM-LABELS (\"a\\\"b\")\r\n"},
        {flag_change::set, true, false, true, {}, "A1 UID STORE 1:3 X-GM-LABELS ()\r\n"},
        // A line break in a label is UTF-7 text, never a line break.
        {flag_change::add, true, false, true, {"x\r\nA2 LOGOUT"}, "A1 UID STORE 1:3 +X-GM-LABELS (\"x&AA0ACg-A2 LOGOUT\")\r\n"},
    };
    for (const auto& v : vs) {
        INFO(v.line);
        auto r = cmd::store(sequence_set("1:3"), v.mode, v.labels, v.values, v.silent, v.uid);
        CHECK(encode(r) == v.line);
        CHECK(r.name == (v.uid ? "UID STORE" : "STORE"));
        CHECK(r.exclusive == !v.uid);
        CHECK(r.collects == (v.silent ? 0 : kind_bit<fetch_data>()));
        CHECK(r.uid_ranges.has_value() == (v.uid && !v.silent));
    }
    const std::vector<std::vector<std::string>> bad_flags{{"two words"}, {"\\Seen)"}, {"a\r\nA2 LOGOUT"}, {""},
                                                          {"\\"}, {"\xc3\xa9"}, {"(x"}, {"\"q\""}};
    for (const auto& f : bad_flags) {
        INFO(f[0]);
        CHECK(fails_to_encode(cmd::store(sequence_set("1"), flag_change::add, false, f, false, true)));
    }
    CHECK(fails_to_encode(cmd::store(sequence_set(), flag_change::add, false, {"\\Seen"}, false, true)));
    // "*" in a UID set: its FETCH data cannot be routed by range.
    CHECK_FALSE(cmd::store(sequence_set("5:*"), flag_change::add, false, {"\\Seen"}, false, true).uid_ranges);
}

TEST_CASE("STORE: UID STOREs of disjoint sets pipeline with UID FETCH and get their own data", "[messages]") {
    script s;
    s.feed_mode = any_feeding();
    selected(s);
    auto a = s.submit(cmd::store(sequence_set("1:3"), flag_change::add, false, {"\\Seen"}, false, true));
    auto f = s.submit(cmd::fetch(sequence_set("7:9"), {"FLAGS"}, {}, true));
    auto b = s.submit(cmd::store(sequence_set("12"), flag_change::remove, false, {"\\Seen"}, false, true));
    CHECK(s.flush() == "A2 UID STORE 1:3 +FLAGS (\\Seen)\r\nA3 UID FETCH 7:9 (FLAGS)\r\nA4 UID STORE 12 -FLAGS (\\Seen)\r\n");
    s.server("* 12 FETCH (UID 12 FLAGS ())\r\n* 7 FETCH (UID 7 FLAGS (\\Flagged))\r\n* 1 FETCH (FLAGS (\\Seen) UID 1)\r\n"
             "* 2 FETCH (UID 2 FLAGS (\\Seen))\r\nA4 OK\r\n* 3 FETCH (UID 3 FLAGS (\\Seen $X))\r\nA2 OK\r\nA3 OK\r\n");
    CHECK(fetched_uids(s.result(a)) == std::vector<std::uint32_t>{1, 2, 3});
    CHECK(fetched_uids(s.result(f)) == std::vector<std::uint32_t>{7});
    CHECK(fetched_uids(s.result(b)) == std::vector<std::uint32_t>{12});
    CHECK(s.events().empty());

    // Overlapping sets serialise.
    auto c = s.submit(cmd::store(sequence_set("1:3"), flag_change::add, false, {"\\Flagged"}, false, true));
    auto d = s.submit(cmd::fetch(sequence_set("2"), {"FLAGS"}, {}, true));
    CHECK(s.flush() == "A5 UID STORE 1:3 +FLAGS (\\Flagged)\r\n");
    CHECK(s.flush().empty());
    s.server("* 2 FETCH (UID 2 FLAGS (\\Seen \\Flagged))\r\nA5 OK\r\n");
    CHECK(s.flush() == "A6 UID FETCH 2 (FLAGS)\r\n");
    s.server("* 2 FETCH (UID 2 FLAGS (\\Seen \\Flagged))\r\nA6 OK\r\n");
    CHECK(fetched_uids(s.result(c)) == std::vector<std::uint32_t>{2});
    CHECK(fetched_uids(s.result(d)) == std::vector<std::uint32_t>{2});
}

TEST_CASE("STORE: sequence-number STORE is a barrier; a silent STORE leaves FETCH data to the events",
          "[messages]") {
    script s;
    selected(s);
    auto f = s.submit(cmd::fetch(sequence_set("1"), {"FLAGS"}, {}, true));
    auto st = s.submit(cmd::store(sequence_set("1:2"), flag_change::add, false, {"\\Seen"}, false, false));
    CHECK(s.flush() == "A2 UID FETCH 1 (FLAGS)\r\n");
    CHECK(s.flush().empty());
    s.server("A2 OK\r\n");
    CHECK(s.flush() == "A3 STORE 1:2 +FLAGS (\\Seen)\r\n");
    // Without UID in the data, a sequence-number STORE still gets it all.
    s.server("* 1 FETCH (FLAGS (\\Seen))\r\n* 2 FETCH (FLAGS (\\Seen))\r\nA3 OK\r\n");
    CHECK(collected<fetch_data>(s.result(st)).size() == 2);
    CHECK(s.result(f).ec == error_code{});

    auto si = s.submit(cmd::store(sequence_set("4"), flag_change::add, false, {"\\Seen"}, true, true));
    auto ff = s.submit(cmd::fetch(sequence_set("4"), {"FLAGS"}, {}, true));
    // A silent UID STORE collects nothing, so it shares the wire even with an overlapping UID FETCH.
    CHECK(s.flush() == "A4 UID STORE 4 +FLAGS.SILENT (\\Seen)\r\nA5 UID FETCH 4 (FLAGS)\r\n");
    s.server("* 9 FETCH (UID 9 FLAGS (\\Deleted))\r\nA4 OK\r\n* 4 FETCH (UID 4 FLAGS (\\Seen))\r\nA5 OK\r\n");
    CHECK(s.result(si).responses.empty());
    CHECK(fetched_uids(s.result(ff)) == std::vector<std::uint32_t>{4});
    auto evs = s.events();
    REQUIRE(evs.size() == 1);
    REQUIRE(event_as<fetch_data>(evs[0]) != nullptr);
    CHECK(event_as<fetch_data>(evs[0])->uid == 9u);
}

// ---- helpers ------------------------------------------------------------------------------

TEST_CASE("expand_uid_set: ranges in the order sent, bounded", "[messages]") {
    using V = std::vector<std::uint32_t>;
    struct vec {
        std::string text;
        std::optional<V> ids;
    };
    const std::vector<vec> vs{
        {"1", V{1}},
        {"3:5,9", V{3, 4, 5, 9}},
        {"5:3", V{3, 4, 5}},
        {"7,1,4:5", V{7, 1, 4, 5}},
        {"4294967295", V{4294967295u}},
        {"4294967294:4294967295", V{4294967294u, 4294967295u}},
        {"2:2", V{2}},
        {"", std::nullopt},
        {"0", std::nullopt},
        {"1:*", std::nullopt},
        {"*", std::nullopt},
        {"$", std::nullopt},
        {"a", std::nullopt},
        {"1,", std::nullopt},
        {",1", std::nullopt},
        {"1,,2", std::nullopt},
        {"1:", std::nullopt},
        {":1", std::nullopt},
        {"1:2:3", std::nullopt},
        {" 1", std::nullopt},
        {"1 ", std::nullopt},
        {"-1", std::nullopt},
        {"+1", std::nullopt},
        {"4294967296", std::nullopt},
        {"99999999999999999999", std::nullopt},
        {"1:4294967295", std::nullopt},  // over the default limit: no 16 GB allocation
    };
    for (const auto& v : vs) {
        INFO('"' << v.text << '"');
        CHECK(cmd::expand_uid_set(v.text) == v.ids);
    }
    CHECK(cmd::expand_uid_set("1:10", 10) == V{1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
    CHECK(cmd::expand_uid_set("1:10", 9) == std::nullopt);
    CHECK(cmd::expand_uid_set("1:5,6:10", 9) == std::nullopt);
    CHECK(cmd::expand_uid_set("1:5,7", 6) == V{1, 2, 3, 4, 5, 7});
}

namespace {

std::chrono::minutes fixed_plus_330(std::chrono::sys_seconds) { return 330min; }
// A zone whose offset depends on the instant, as DST does.
std::chrono::minutes summer_time(std::chrono::sys_seconds t) {
    return t < std::chrono::sys_days{2021y / 1 / 1} ? 60min : 120min;
}

// Sets TZ for the process while alive (localtime_r follows TZ after tzset).
struct scoped_tz {
    std::optional<std::string> old;
    explicit scoped_tz(const char* tz) {
        if (const char* o = std::getenv("TZ")) old = o;
        ::setenv("TZ", tz, 1);
        ::tzset();
    }
    ~scoped_tz() {
        if (old) ::setenv("TZ", old->c_str(), 1);
        else ::unsetenv("TZ");
        ::tzset();
    }
};

}  // namespace

TEST_CASE("normalise_times: the same instants in the local zone", "[messages]") {
    const auto t1 = std::chrono::sys_days{2020y / 7 / 17} + 9h + 44min + 25s;
    const auto t2 = std::chrono::sys_days{2021y / 2 / 1} + 1h;
    fetch_data m;
    m.internal_date = datetime{t1, -420min};
    m.internal_date_raw = "17-Jul-2020 02:44:25 -0700";
    m.envelope.emplace().date = datetime{t2, 0min};
    cmd::normalise_times(m, fixed_plus_330);
    CHECK(m.internal_date->utc == t1);
    CHECK(m.internal_date->offset == 330min);
    CHECK(m.internal_date_raw == "17-Jul-2020 02:44:25 -0700");  // the raw text stays as sent
    CHECK(m.envelope->date->utc == t2);
    CHECK(m.envelope->date->offset == 330min);
    // Each instant gets the offset in force at that instant.
    cmd::normalise_times(m, summer_time);
    CHECK(m.internal_date->offset == 60min);
    CHECK(m.envelope->date->offset == 120min);
    CHECK(m.internal_date->local() == std::chrono::local_days{2020y / 7 / 17} + 10h + 44min + 25s);

    // Absent dates stay absent; an envelope without a date is left alone.
    fetch_data none;
    cmd::normalise_times(none, fixed_plus_330);
    CHECK_FALSE(none.internal_date);
    CHECK_FALSE(none.envelope);
    fetch_data undated;
    undated.envelope.emplace().date_raw = "garbage";
    cmd::normalise_times(undated, fixed_plus_330);
    CHECK_FALSE(undated.envelope->date);
    CHECK(undated.envelope->date_raw == "garbage");
}

TEST_CASE("local_offset follows the process time zone and its DST rules", "[messages]") {
    const auto winter = std::chrono::sys_days{2023y / 1 / 15} + 12h;
    const auto summer = std::chrono::sys_days{2023y / 7 / 15} + 12h;
    {
        scoped_tz tz("UTC0");
        CHECK(cmd::local_offset(winter) == 0min);
        CHECK(cmd::local_offset(summer) == 0min);
    }
    {
        // POSIX rule strings need no tz database.
        scoped_tz tz("EST5EDT,M3.2.0,M11.1.0");
        CHECK(cmd::local_offset(winter) == -300min);
        CHECK(cmd::local_offset(summer) == -240min);
    }
    {
        scoped_tz tz("IST-5:30");
        CHECK(cmd::local_offset(winter) == 330min);
    }
    {
        scoped_tz tz("NPT-5:45");
        fetch_data m;
        m.internal_date = datetime{winter, -420min};
        cmd::normalise_times(m);
        CHECK(m.internal_date->offset == 345min);
        CHECK(m.internal_date->utc == winter);
    }
}
