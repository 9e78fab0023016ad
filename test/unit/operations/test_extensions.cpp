// The protocol extensions' operations without sockets, against a scripted
// server: ESEARCH / ESORT / SEARCHRES, LIST-EXTENDED / LIST-STATUS,
// CREATE-SPECIAL-USE, METADATA, GETQUOTA by root, and message sets too long
// for one command line.
#include "operation_driver.hpp"

using namespace engine_script;
using namespace operation_driver;

// ---- ESEARCH, ESORT, SEARCHRES -------------------------------------------------

TEST_CASE("esearch: RETURN options go before the criteria; the answer stays compact", "[extensions]") {
    script s;
    selected(s, "IMAP4rev1 ESEARCH");
    search_return want;
    want.min = want.max = want.count = want.all = true;
    auto o = op::make_algorithm(ops::esearch{"UNSEEN", want, {}});
    auto lines = drive(s, *o, {"* ESEARCH (TAG \"$T\") UID MIN 2 MAX 90000 COUNT 6 ALL 2,10:12,89999:90000\r\n$T OK done\r\n"});
    CHECK(lines == std::vector<std::string>{"UID SEARCH RETURN (MIN MAX COUNT ALL) UNSEEN\r\n"});
    REQUIRE(!o->result.first);
    const auto& r = o->result.second;
    CHECK(r.min == 2u);
    CHECK(r.max == 90000u);
    CHECK(r.count == 6u);
    REQUIRE(r.all);
    CHECK(r.all->str() == "2,10:12,89999:90000");
    CHECK(r.sorted.empty());
    CHECK(r.invalid_ids.empty());
}

TEST_CASE("esearch: nothing matched is an empty ALL, not a missing one; garbage is reported", "[extensions]") {
    script s;
    selected(s, "IMAP4rev1 ESEARCH");
    search_return want;
    want.all = want.count = true;
    auto none = op::make_algorithm(ops::esearch{"DELETED", want, {}});
    drive(s, *none, {"* ESEARCH (TAG \"$T\") UID COUNT 0\r\n$T OK done\r\n"});
    REQUIRE(none->result.second.all);
    CHECK(none->result.second.all->empty());
    CHECK(none->result.second.count == 0u);

    auto bad = op::make_algorithm(ops::esearch{"ALL", want, {}});
    drive(s, *bad, {"* ESEARCH (TAG \"$T\") UID ALL 3:x\r\n$T OK done\r\n"});
    CHECK(bad->result.second.invalid_ids == std::vector<std::string>{"3:x"});
}

TEST_CASE("esearch: SAVE needs SEARCHRES, the rest ESEARCH or IMAP4rev2; refused before sending", "[extensions]") {
    script s;
    selected(s, "IMAP4rev1 ESEARCH");
    search_return save;
    save.save = true;
    auto refused = op::make_algorithm(ops::esearch{"ALL", save, {}});
    CHECK(drive(s, *refused, {}).empty());
    CHECK(refused->result.first == ec_of(errc::capability_missing));

    script plain;
    selected(plain, "IMAP4rev1");
    auto no_esearch = op::make_algorithm(ops::esearch{"ALL", {}, {}});
    CHECK(drive(plain, *no_esearch, {}).empty());
    CHECK(no_esearch->result.first == ec_of(errc::capability_missing));

    script rev2;
    selected(rev2, "IMAP4rev2");
    auto ok = op::make_algorithm(ops::esearch{"ALL", {}, {}});
    auto lines = drive(rev2, *ok, {"* ESEARCH (TAG \"$T\") UID ALL 1:3\r\n$T OK done\r\n"});
    CHECK(lines == std::vector<std::string>{"UID SEARCH RETURN () ALL\r\n"});
    REQUIRE(ok->result.second.all);
    CHECK(ok->result.second.all->str() == "1:3");
}

TEST_CASE("esearch: a saved result is used as \"$\" by the next command", "[extensions]") {
    script s;
    selected(s, "IMAP4rev1 ESEARCH SEARCHRES");
    search_return save;
    save.save = true;
    auto o = op::make_algorithm(ops::esearch{"UNSEEN", save, {}});
    auto lines = drive(s, *o, {"$T OK saved\r\n"});
    CHECK(lines == std::vector<std::string>{"UID SEARCH RETURN (SAVE) UNSEEN\r\n"});
    CHECK(!o->result.first);
    CHECK(!o->result.second.all);

    auto f = op::make_algorithm(ops::fetch{sequence_set("$"), {"FLAGS"}, {}});
    lines = drive(s, *f, {"* 4 FETCH (UID 20 FLAGS ())\r\n$T OK done\r\n"});
    CHECK(lines == std::vector<std::string>{"UID FETCH $ (FLAGS)\r\n"});
    CHECK(f->result.second.messages.count(20) == 1);
}

TEST_CASE("esort: RETURN before the sort keys; ALL keeps the sort order", "[extensions]") {
    script s;
    selected(s, "IMAP4rev1 SORT ESORT");
    search_return want;
    want.all = want.count = true;
    auto o = op::make_algorithm(ops::esort{{"REVERSE DATE"}, "ALL", want, "UTF-8"});
    auto lines = drive(s, *o, {"* ESEARCH (TAG \"$T\") UID COUNT 4 ALL 9,3,5:6\r\n$T OK sorted\r\n"});
    CHECK(lines == std::vector<std::string>{"UID SORT RETURN (COUNT ALL) (REVERSE DATE) UTF-8 ALL\r\n"});
    CHECK(o->result.second.sorted == std::vector<std::uint32_t>{9, 3, 5, 6});
    CHECK(o->result.second.count == 4u);

    search_return save;
    save.save = true;
    auto refused = op::make_algorithm(ops::esort{{"DATE"}, "ALL", save, "UTF-8"});
    CHECK(drive(s, *refused, {}).empty());
    CHECK(refused->result.first == ec_of(errc::capability_missing));
}

// ---- LIST-EXTENDED, LIST-STATUS, CREATE-SPECIAL-USE ------------------------------

TEST_CASE("list_extended: selection, several patterns, return options and STATUS", "[extensions]") {
    script s;
    authenticated(s, "IMAP4rev1 LIST-EXTENDED LIST-STATUS SPECIAL-USE");
    list_options o;
    o.patterns = {"INBOX", "Lists/*"};
    o.subscribed = true;
    o.recursive_match = true;
    o.return_children = true;
    o.status = {"MESSAGES", "UNSEEN"};
    auto a = op::make_algorithm(ops::list_extended{"", o});
    auto lines = drive(s, *a,
                       {"* LIST (\\Subscribed \\HasNoChildren) \"/\" INBOX\r\n"
                        "* STATUS INBOX (MESSAGES 17 UNSEEN 3)\r\n"
                        "* LIST (\\HasChildren \\Noselect) \"/\" Lists (\"CHILDINFO\" (\"SUBSCRIBED\"))\r\n"
                        "* LIST (\\Subscribed) \"/\" \"Lists/R&AOk-sum&AOk-\"\r\n"
                        "* STATUS \"Lists/R&AOk-sum&AOk-\" (MESSAGES 2 UNSEEN 0)\r\n"
                        "$T OK done\r\n"});
    CHECK(lines == std::vector<std::string>{
                       "LIST (SUBSCRIBED RECURSIVEMATCH) \"\" (INBOX \"Lists/*\") RETURN (CHILDREN STATUS (MESSAGES UNSEEN))\r\n"});
    REQUIRE(!a->result.first);
    const auto& f = a->result.second.folders;
    REQUIRE(f.size() == 3);
    CHECK(f[0].name == "INBOX");
    REQUIRE(f[0].status);
    CHECK(f[0].status->messages == 17u);
    CHECK(f[0].status->unseen == 3u);
    CHECK(f[1].name == "Lists");
    CHECK(f[1].child_info == std::vector<std::string>{"SUBSCRIBED"});
    CHECK(!f[1].status);
    CHECK(f[2].name == "Lists/R\u00e9sum\u00e9");
    REQUIRE(f[2].status);
    CHECK(f[2].status->messages == 2u);
}

TEST_CASE("list_extended: each option needs its extension; RECURSIVEMATCH alone is refused", "[extensions]") {
    script s;
    authenticated(s, "IMAP4rev1 LIST-EXTENDED");
    list_options status;
    status.status = {"MESSAGES"};
    auto a = op::make_algorithm(ops::list_extended{"", status});
    CHECK(drive(s, *a, {}).empty());
    CHECK(a->result.first == ec_of(errc::capability_missing));
    CHECK(a->result.second.status.text.find("LIST-STATUS") != std::string::npos);

    list_options special;
    special.special_use = true;
    auto b = op::make_algorithm(ops::list_extended{"", special});
    CHECK(drive(s, *b, {}).empty());
    CHECK(b->result.first == ec_of(errc::capability_missing));

    list_options alone;
    alone.recursive_match = true;
    auto c = op::make_algorithm(ops::list_extended{"", alone});
    // Thrown while building; the client reports it as errc::invalid_argument.
    CHECK_THROWS_AS(drive(s, *c, {}), std::invalid_argument);
}

TEST_CASE("create_folder with special-use attributes: CREATE (USE (...)), needs CREATE-SPECIAL-USE",
          "[extensions]") {
    script s;
    authenticated(s, "IMAP4rev1 CREATE-SPECIAL-USE");
    auto a = op::make_algorithm(ops::create_folder{"Old mail", {"\\Archive", "Junk"}});
    auto lines = drive(s, *a, {"$T OK created\r\n"});
    CHECK(lines == std::vector<std::string>{"CREATE \"Old mail\" (USE (\\Archive \\Junk))\r\n"});
    CHECK(!a->result.first);

    script without;
    authenticated(without);
    auto b = op::make_algorithm(ops::create_folder{"Old mail", {"\\Archive"}});
    CHECK(drive(without, *b, {}).empty());
    CHECK(b->result.first == ec_of(errc::capability_missing));
    auto plain = op::make_algorithm(ops::create_folder{"Old mail", {}});
    CHECK(drive(without, *plain, {"$T OK created\r\n"}) == std::vector<std::string>{"CREATE \"Old mail\"\r\n"});
}

// ---- METADATA, GETQUOTA ------------------------------------------------------------

TEST_CASE("metadata: GETMETADATA options and entries; values, NIL and LONGENTRIES", "[extensions]") {
    script s;
    authenticated(s, "IMAP4rev1 METADATA");
    auto a = op::make_algorithm(
        ops::get_metadata{"INBOX", {"/private/comment", "/shared/comment"}, 1024, metadata_depth::infinity});
    auto lines = drive(s, *a,
                       {"* METADATA INBOX (/private/comment {5}\r\nhello /shared/comment NIL)\r\n"
                        "* METADATA Other (/private/comment \"not ours\")\r\n"
                        "$T OK [METADATA LONGENTRIES 2199] done\r\n"});
    CHECK(lines == std::vector<std::string>{
                       "GETMETADATA (MAXSIZE 1024 DEPTH infinity) INBOX (/private/comment /shared/comment)\r\n"});
    REQUIRE(!a->result.first);
    const auto& r = a->result.second;
    REQUIRE(r.entries.size() == 2);
    CHECK(r.entries[0] == std::pair<std::string, std::optional<std::string>>{"/private/comment", "hello"});
    CHECK(r.entries[1] == std::pair<std::string, std::optional<std::string>>{"/shared/comment", std::nullopt});
    CHECK(r.longest_skipped == 2199u);
}

TEST_CASE("metadata: a folder's entries are told from another's by the engine; INBOX in any case", "[extensions]") {
    script s;
    authenticated(s, "IMAP4rev1 METADATA");
    auto a = op::make_algorithm(ops::get_metadata{"inbox", {"/private/comment"}, std::nullopt, metadata_depth::zero});
    drive(s, *a,
          {"* METADATA Other (/private/comment \"not ours\")\r\n"
           "* METADATA INBOX (/private/comment \"ours\")\r\n$T OK done\r\n"});
    REQUIRE(a->result.second.entries.size() == 1);
    CHECK(a->result.second.entries[0].second == "ours");
    auto ev = s.eng.pop_event();  // the other folder's entry is news, not lost
    REQUIRE(ev);
    const auto* m = std::get_if<metadata_data>(&std::get<response>(*ev));
    REQUIRE(m);
    CHECK(m->mailbox == "Other");
}

TEST_CASE("metadata: SETMETADATA sets and removes; the server's entries need METADATA-SERVER", "[extensions]") {
    script s;
    authenticated(s, "IMAP4rev1 METADATA-SERVER");
    std::vector<std::pair<std::string, std::optional<std::string>>> entries{{"/shared/comment", "a \"b\""},
                                                                            {"/private/x", std::nullopt}};
    auto a = op::make_algorithm(ops::set_metadata{"", entries});
    auto lines = drive(s, *a, {"$T OK set\r\n"});
    CHECK(lines == std::vector<std::string>{"SETMETADATA \"\" (/shared/comment \"a \\\"b\\\"\" /private/x NIL)\r\n"});

    auto folder = op::make_algorithm(ops::set_metadata{"INBOX", entries});
    CHECK(drive(s, *folder, {}).empty());
    CHECK(folder->result.first == ec_of(errc::capability_missing));

    auto refused = op::make_algorithm(ops::get_metadata{"", {"/shared/comment"}, std::nullopt, metadata_depth::zero});
    drive(s, *refused, {"$T NO [METADATA TOOMANY] too many\r\n"});
    CHECK(refused->result.first == ec_of(errc::no));
    REQUIRE(refused->result.second.status.code);
    CHECK(refused->result.second.status.code->raw == "TOOMANY");
}

TEST_CASE("get_quota_by_root: GETQUOTA of the root, its limits", "[extensions]") {
    script s;
    authenticated(s, "IMAP4rev1 QUOTA");
    auto a = op::make_algorithm(ops::get_quota_by_root{"User quota"});
    auto lines = drive(s, *a, {"* QUOTA \"User quota\" (STORAGE 10 512 MESSAGE 3 1000)\r\n$T OK done\r\n"});
    CHECK(lines == std::vector<std::string>{"GETQUOTA \"User quota\"\r\n"});
    REQUIRE(a->result.second.quotas.size() == 2);
    CHECK(a->result.second.quotas[0] == quota{"User quota", "STORAGE", 10, 512});
}

// ---- message sets too long for one line -------------------------------------------

namespace {

// Every other UID from 1: no ranges, so the set's text is long.
sequence_set scattered(std::uint32_t count) {
    std::vector<std::uint32_t> ids;
    for (std::uint32_t i = 0; i < count; ++i) ids.push_back(1 + 2 * i);
    return sequence_set(ids);
}

}  // namespace

TEST_CASE("long sets: a FETCH whose set passes max_command_length goes in pieces, merged", "[extensions]") {
    script s;
    selected(s);
    const sequence_set set = scattered(3000);  // about 14 KB of text: three pieces of at most 7168
    REQUIRE(set.str().size() > 8192);
    auto a = op::make_algorithm(ops::fetch{set, {"FLAGS"}, {}});
    auto lines = drive(s, *a, {"$T OK piece\r\n", "$T OK piece\r\n", "$T OK piece\r\n"});
    REQUIRE(lines.size() == 3);
    std::string joined;
    for (const auto& l : lines) {
        CHECK(l.size() <= 8192);
        CHECK(l.rfind("UID FETCH ", 0) == 0);
        const auto set_text = l.substr(10, l.find(' ', 10) - 10);
        joined += (joined.empty() ? "" : ",") + set_text;
    }
    CHECK(joined == set.str());  // every UID once, in order
    CHECK(!a->result.first);
}

TEST_CASE("long sets: the pieces' results add up; the first refused piece ends the call", "[extensions]") {
    script s;
    selected(s);
    settings small;
    small.max_command_length = 1500;  // 1024 bytes a set
    const sequence_set set = scattered(700);  // 2944 bytes: three pieces
    auto a = op::make_algorithm(ops::fetch{set, {"FLAGS"}, {}});
    auto lines = drive(s, *a,
                       {"* 1 FETCH (UID 1 FLAGS (\\Seen))\r\n$T OK one\r\n",
                        "* 300 FETCH (UID 599 FLAGS ())\r\n$T OK two\r\n", "$T NO [LIMIT] three refused\r\n"},
                       small);
    REQUIRE(lines.size() == 3);
    CHECK(a->result.first == ec_of(errc::no));
    CHECK(a->result.second.messages.count(1) == 1);
    CHECK(a->result.second.messages.count(599) == 1);
    CHECK(a->result.second.status.text == "three refused");

    auto copy = op::make_algorithm(ops::copy{set, "Archive"});
    lines = drive(s, *copy,
                  {"$T OK [COPYUID 9 1:3 100:102] a\r\n", "$T OK [COPYUID 9 5 103] b\r\n", "$T OK c\r\n"}, small);
    REQUIRE(lines.size() == 3);
    CHECK(copy->result.second.source_uids == std::vector<std::uint32_t>{1, 2, 3, 5});
    CHECK(copy->result.second.dest_uids == std::vector<std::uint32_t>{100, 101, 102, 103});
}

TEST_CASE("long sets: a MOVE by sequence numbers is never split (later pieces would shift)", "[extensions]") {
    script s;
    selected(s, "IMAP4rev1 MOVE");
    settings seq;
    seq.use_uid = false;
    seq.max_command_length = 1500;
    auto a = op::make_algorithm(ops::move{scattered(400), "Archive"});  // 1544 bytes
    auto lines = drive(s, *a, {"$T OK moved\r\n"}, seq);
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].size() > 1500);

    settings uid;
    uid.max_command_length = 1500;
    auto b = op::make_algorithm(ops::move{scattered(400), "Archive"});
    lines = drive(s, *b, {"$T OK a\r\n", "$T OK b\r\n"}, uid);
    CHECK(lines.size() == 2);
}

// ---- NOTIFY ---------------------------------------------------------------------------

TEST_CASE("notify: SET with STATUS, each kind of group, and NONE", "[extensions]") {
    script s;
    authenticated(s, "IMAP4rev1 NOTIFY");
    std::vector<notify_group> groups{
        {notify_target::selected, {}, {"MessageNew", "MessageExpunge", "FlagChange"}, {"UID", "FLAGS"}},
        {notify_target::subtree, {"Lists", "R\u00e9sum\u00e9"}, {"MessageNew", "MailboxName"}, {}},
        {notify_target::personal, {}, {}, {}}};
    auto a = op::make_algorithm(ops::notify{groups, true});
    auto lines = drive(s, *a, {"* STATUS Lists (MESSAGES 3 UIDNEXT 9 UNSEEN 1)\r\n$T OK NOTIFY set\r\n"});
    CHECK(lines == std::vector<std::string>{
                       "NOTIFY SET STATUS (SELECTED (MessageNew (UID FLAGS) MessageExpunge FlagChange)) "
                       "(SUBTREE (Lists R&AOk-sum&AOk-) (MessageNew MailboxName)) (PERSONAL NONE)\r\n"});
    REQUIRE(!a->result.first);
    REQUIRE(a->result.second.mailboxes.size() == 1);
    CHECK(a->result.second.mailboxes[0].first == "Lists");
    CHECK(a->result.second.mailboxes[0].second.messages == 3u);

    auto none = op::make_algorithm(ops::notify{{}, false});
    CHECK(drive(s, *none, {"$T OK off\r\n"}) == std::vector<std::string>{"NOTIFY NONE\r\n"});

    script without;
    authenticated(without);
    auto refused = op::make_algorithm(ops::notify{groups, false});
    CHECK(drive(without, *refused, {}).empty());
    CHECK(refused->result.first == ec_of(errc::capability_missing));
}

TEST_CASE("notify: groups that cannot be encoded are refused", "[extensions]") {
    script s;
    authenticated(s, "IMAP4rev1 NOTIFY");
    std::vector<notify_group> unnamed{{notify_target::subtree, {}, {"MessageNew"}, {}}};
    auto a = op::make_algorithm(ops::notify{unnamed, false});
    CHECK_THROWS_AS(drive(s, *a, {}), std::invalid_argument);
    std::vector<notify_group> fetch_elsewhere{{notify_target::personal, {}, {"MessageNew"}, {"UID"}}};
    auto b = op::make_algorithm(ops::notify{fetch_elsewhere, false});
    CHECK_THROWS_AS(drive(s, *b, {}), std::invalid_argument);
}

TEST_CASE("notify: another mailbox's STATUS during a STATUS command stays an event", "[extensions]") {
    script s;
    authenticated(s, "IMAP4rev1 NOTIFY");
    auto a = op::make_algorithm(ops::folder_status{"INBOX", {"MESSAGES"}});
    drive(s, *a, {"* STATUS Other (MESSAGES 7)\r\n* STATUS INBOX (MESSAGES 2)\r\n$T OK done\r\n"});
    CHECK(a->result.second.messages == 2u);
    auto ev = s.eng.pop_event();
    REQUIRE(ev);
    const auto* r = std::get_if<response>(&*ev);
    REQUIRE(r);
    const auto* st = std::get_if<status_data>(r);
    REQUIRE(st);
    CHECK(st->mailbox == "Other");
}
