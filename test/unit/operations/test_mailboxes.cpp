// Folder, ACL and quota commands: what goes on the wire (modified UTF-7 or
// not, quoting, literals), how their untagged data is collected and turned
// into results, and which of them may share the wire.
#include "operations/extensions.hpp"
#include "operations/mailboxes.hpp"
#include "engine_script.hpp"

#include <imapclient/utf7.hpp>

using namespace engine_script;

namespace {

// Greeted and authenticated (PREAUTH): the first command gets tag A1.
void authenticated(script& s, std::string_view caps = "IMAP4rev1 LITERAL+") {
    s.server("* PREAUTH [CAPABILITY " + std::string(caps) + "] hi\r\n");
    REQUIRE(s.eng.state() == session_state::authenticated);
}

// The line a command writes as the first command of a fresh session.
std::string line_of(command_request r, std::string_view caps = "IMAP4rev1") {
    script s;
    authenticated(s, caps);
    auto id = s.submit(std::move(r));
    std::string w = s.flush();
    if (s.completed(id)) return "<refused: " + s.result(id).status.text + ">";
    return w;
}

list_data L(std::vector<std::string> flags, std::string name, std::optional<char> delim = '/') {
    list_data l;
    l.command = "LIST";
    l.flags = std::move(flags);
    l.delimiter = delim;
    l.name = std::move(name);
    return l;
}

}  // namespace

// ---- LIST / LSUB / XLIST ------------------------------------------------------------

TEST_CASE("folders: LIST encodes directory and pattern, UTF-7 when folder_encode", "[mailboxes]") {
    struct vec { std::string dir, pat; bool encode; std::string line; };
    const std::vector<vec> vectors = {
        {"", "*", true, "A1 LIST \"\" \"*\"\r\n"},
        {"", "%", true, "A1 LIST \"\" \"%\"\r\n"},
        {"", "INBOX", true, "A1 LIST \"\" INBOX\r\n"},
        {"Entwürfe", "*", true, "A1 LIST Entw&APw-rfe \"*\"\r\n"},
        {"", "Entwürfe/%", true, "A1 LIST \"\" \"Entw&APw-rfe/%\"\r\n"},
        {"", "日本語", true, "A1 LIST \"\" &ZeVnLIqe-\r\n"},
        {"", "A&B", true, "A1 LIST \"\" A&-B\r\n"},
        {"", "A&B", false, "A1 LIST \"\" A&B\r\n"},  // raw: sent as given
        {"", "Entw&APw-rfe", false, "A1 LIST \"\" Entw&APw-rfe\r\n"},
        {"", "say \"hi\"", true, "A1 LIST \"\" \"say \\\"hi\\\"\"\r\n"},
        {"", "back\\slash", true, "A1 LIST \"\" \"back\\\\slash\"\r\n"},
        {"", "with space", true, "A1 LIST \"\" \"with space\"\r\n"},
        {"", "12345", true, "A1 LIST \"\" 12345\r\n"},
        {"", "NIL", true, "A1 LIST \"\" \"NIL\"\r\n"},  // never the atom NIL
        {"a/b", "c]d", true, "A1 LIST a/b c]d\r\n"},
    };
    for (const auto& v : vectors) {
        INFO(v.dir << " / " << v.pat);
        CHECK(line_of(cmd::list("LIST", v.dir, v.pat, v.encode)) == v.line);
    }
}

TEST_CASE("folders: LSUB, XLIST and LIST RETURN (SPECIAL-USE)", "[mailboxes]") {
    CHECK(line_of(cmd::list("LSUB", "", "*", true)) == "A1 LSUB \"\" \"*\"\r\n");
    CHECK(line_of(cmd::list("XLIST", "", "*", true)) == "A1 XLIST \"\" \"*\"\r\n");
    std::vector<std::string> ret = {"SPECIAL-USE"};
    CHECK(line_of(cmd::list("LIST", "", "*", true, ret)) == "A1 LIST \"\" \"*\" RETURN (SPECIAL-USE)\r\n");
    ret = {"SUBSCRIBED", "CHILDREN"};
    CHECK(line_of(cmd::list("LIST", "", "%", true, ret)) == "A1 LIST \"\" \"%\" RETURN (SUBSCRIBED CHILDREN)\r\n");
    CHECK_THROWS_AS(cmd::list("DELETE", "", "*", true), std::invalid_argument);
    // A return option that is not an atom fails the command alone.
    ret = {"SPECIAL USE"};
    CHECK(line_of(cmd::list("LIST", "", "*", true, ret)).rfind("<refused", 0) == 0);
}

TEST_CASE("folders: names that a quoted string cannot carry go as literals", "[mailboxes]") {
    // Without folder_encode 8-bit and CR/LF reach the builder: a literal,
    // never a broken line.
    CHECK(line_of(cmd::list("LIST", "", "caf\xc3\xa9", false), "IMAP4rev1 LITERAL+") ==
          "A1 LIST \"\" {5+}\r\ncaf\xc3\xa9\r\n");
    CHECK(line_of(cmd::create("a\r\nA2 DELETE INBOX", false), "IMAP4rev1 LITERAL+") ==
          "A1 CREATE {18+}\r\na\r\nA2 DELETE INBOX\r\n");
    // With folder_encode a control character is base64 in modified UTF-7.
    CHECK(line_of(cmd::create("x\ry", true)) == "A1 CREATE x&AA0-y\r\n");
    // Invalid UTF-8 cannot be encoded: the command fails before anything is written.
    CHECK(line_of(cmd::create("bad\xff", true)).rfind("<refused", 0) == 0);
}

TEST_CASE("folders: LIST responses become folder_info, decoded unless folder_encode is off", "[mailboxes]") {
    const bool feed_bytewise = GENERATE(false, true);
    for (bool decode : {true, false}) {
        script s;
        if (feed_bytewise) s.feed_mode = feeding::bytewise;
        authenticated(s);
        auto c = s.run(cmd::list("LIST", "", "*", decode), "A1 LIST \"\" \"*\"\r\n",
                       "* LIST (\\HasNoChildren) \"/\" INBOX\r\n"
                       "* LIST (\\HasNoChildren \\Sent) \"/\" \"Sent\"\r\n"
                       "* LIST () \"/\" \"Entw&APw-rfe\"\r\n"
                       "* LIST (\\Noselect \\HasChildren) \"/\" &ZeVnLIqe-\r\n"
                       "* LIST () \"/\" \"A&-B\"\r\n"
                       "* LIST () NIL flat\r\n"
                       "* LIST () \".\" INBOX.[Airmail].Snooze now\r\n"
                       "* LIST () \"/\" {7}\r\nq\"uo\\te\r\n"
                       "* LIST () \"/\" \"bad&-utf7&\"\r\n");
        REQUIRE(c.ec == error_code{});
        auto f = cmd::to_folder_infos(c.responses, decode);
        REQUIRE(f.size() == 9);
        CHECK(f[0].name == "INBOX");
        CHECK(f[0].delimiter == '/');
        CHECK(f[0].flags == std::vector<std::string>{"\\HasNoChildren"});
        CHECK(f[1].has_flag("\\sent"));
        CHECK(f[1].has_flag("\\SENT"));
        CHECK_FALSE(f[1].has_flag("\\Trash"));
        CHECK_FALSE(f[1].has_flag("Sent"));
        CHECK(f[2].name == (decode ? "Entwürfe" : "Entw&APw-rfe"));
        CHECK(f[3].name == (decode ? "日本語" : "&ZeVnLIqe-"));
        CHECK(f[3].has_flag("\\noselect"));
        CHECK(f[4].name == (decode ? "A&B" : "A&-B"));
        CHECK(f[5].name == "flat");
        CHECK_FALSE(f[5].delimiter.has_value());
        CHECK(f[6].name == "INBOX.[Airmail].Snooze now");
        CHECK(f[6].delimiter == '.');
        CHECK(f[7].name == "q\"uo\\te");
        CHECK(f[8].name == "bad&-utf7&");  // invalid modified UTF-7 stays as sent
        CHECK(f[2].flags.empty());
        CHECK(s.events().empty());
    }
}

TEST_CASE("folders: folder_name_out decodes or keeps", "[mailboxes]") {
    CHECK(cmd::folder_name_out("Entw&APw-rfe", true) == "Entwürfe");
    CHECK(cmd::folder_name_out("Entw&APw-rfe", false) == "Entw&APw-rfe");
    CHECK(cmd::folder_name_out("&-", true) == "&");
    CHECK(cmd::folder_name_out("&", true) == "&");  // invalid: kept
    CHECK(cmd::folder_name_out("", true) == "");
    // Round trip of what the encoder produces.
    for (std::string n : {"Ünïcödé/子", "a&b&c", "~peter/mail/台北/日本語", "plain"})
        CHECK(cmd::folder_name_out(encode_utf7(n), true) == n);
}

TEST_CASE("folders: two LISTs never share the wire; a LIST and a STATUS do", "[mailboxes]") {
    script s;
    authenticated(s);
    auto a = s.submit(cmd::list("LIST", "", "a*", true));
    auto st = s.submit(cmd::status("INBOX", {}, true));
    auto b = s.submit(cmd::list("LSUB", "", "b*", true));
    // The STATUS collects something else and goes at once; the LSUB waits
    // (its data could not be told from the LIST's).
    CHECK(s.flush() == "A1 LIST \"\" \"a*\"\r\nA2 STATUS INBOX (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN)\r\n");
    s.server("* LIST () \"/\" a1\r\n* STATUS INBOX (MESSAGES 3)\r\nA2 OK s\r\n* LIST () \"/\" a2\r\nA1 OK l\r\n");
    CHECK(s.flush() == "A3 LSUB \"\" \"b*\"\r\n");
    s.server("* LSUB () \"/\" b1\r\nA3 OK\r\n");
    auto la = cmd::to_folder_infos(s.result(a).responses, true);
    REQUIRE(la.size() == 2);
    CHECK(la[1].name == "a2");
    auto lb = cmd::to_folder_infos(s.result(b).responses, true);
    REQUIRE(lb.size() == 1);
    CHECK(lb[0].name == "b1");
    CHECK(cmd::to_folder_status(s.result(st).responses).messages == 3u);
    CHECK(s.events().empty());
}

// ---- STATUS ----------------------------------------------------------------------

TEST_CASE("folders: STATUS encodes Python IMAPClient's default items or the given ones", "[mailboxes]") {
    CHECK(line_of(cmd::status("INBOX", {}, true)) ==
          "A1 STATUS INBOX (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN)\r\n");
    CHECK(line_of(cmd::status("Entwürfe", {"MESSAGES"}, true)) == "A1 STATUS Entw&APw-rfe (MESSAGES)\r\n");
    CHECK(line_of(cmd::status("Entw&APw-rfe", {"UIDNEXT", "HIGHESTMODSEQ", "SIZE"}, false)) ==
          "A1 STATUS Entw&APw-rfe (UIDNEXT HIGHESTMODSEQ SIZE)\r\n");
    CHECK(line_of(cmd::status("My Folder", {"unseen"}, true)) == "A1 STATUS \"My Folder\" (unseen)\r\n");
    // Items are atoms: anything else cannot be smuggled in.
    CHECK(line_of(cmd::status("INBOX", {"MESSAGES) (X"}, true)).rfind("<refused", 0) == 0);
    CHECK(line_of(cmd::status("INBOX", {"A\r\nB"}, true)).rfind("<refused", 0) == 0);
    CHECK(cmd::default_status_items() ==
          std::vector<std::string>{"MESSAGES", "RECENT", "UIDNEXT", "UIDVALIDITY", "UNSEEN"});
}

TEST_CASE("folders: STATUS data becomes typed fields and items", "[mailboxes]") {
    script s;
    authenticated(s);
    auto c = s.run(cmd::status("Entwürfe", {}, true),
                   "A1 STATUS Entw&APw-rfe (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN)\r\n",
                   "* STATUS \"Entw&APw-rfe\" (MESSAGES 231 RECENT 2 UIDNEXT 44292 UIDVALIDITY 1 UNSEEN 0 "
                   "HIGHESTMODSEQ 18446744073709551615 SIZE 123456 XFOO 9) \r\n");
    REQUIRE(c.ec == error_code{});
    auto r = cmd::to_folder_status(c.responses);
    CHECK(r.messages == 231u);
    CHECK(r.recent == 2u);
    CHECK(r.uid_next == 44292u);
    CHECK(r.uid_validity == 1u);
    CHECK(r.unseen == 0u);
    CHECK(r.highest_modseq == 18446744073709551615ull);
    CHECK(r.size == 123456u);
    REQUIRE(r.items.size() == 8);
    CHECK(r.items[7] == std::pair<std::string, std::uint64_t>{"XFOO", 9});
    CHECK(r.items[0] == std::pair<std::string, std::uint64_t>{"MESSAGES", 231});

    // Only some items; lower-case names; a 64-bit count clamps.
    status_data d;
    d.mailbox = "x";
    d.items = {{"MESSAGES", 5000000000ull}};
    auto r2 = cmd::to_folder_status({response(d)});
    CHECK(r2.messages == 4294967295u);
    CHECK_FALSE(r2.recent);
    CHECK_FALSE(r2.uid_next);
    CHECK_FALSE(r2.highest_modseq);
    CHECK(cmd::to_folder_status({}).items.empty());
}

TEST_CASE("folders: STATUS of an unquoted name with spaces, and a NO", "[mailboxes]") {
    script s;
    authenticated(s);
    auto c = s.run(cmd::status("Segregator/Społeczności", {"MESSAGES", "UIDNEXT"}, false),
                   "A1 STATUS {25+}\r\nSegregator/Społeczności (MESSAGES UIDNEXT)\r\n",
                   "* STATUS Segregator/Społeczności (MESSAGES 0 UIDNEXT 1)\r\n");
    auto r = cmd::to_folder_status(c.responses);
    CHECK(r.messages == 0u);
    CHECK(r.uid_next == 1u);

    auto id = s.submit(cmd::status("nope", {}, true));
    s.flush();
    s.server("A2 NO [NONEXISTENT] Mailbox doesn't exist: nope\r\n");
    CHECK(s.result(id).ec == ec_of(errc::no));
    REQUIRE(s.result(id).status.code);
    CHECK(s.result(id).status.code->name == "NONEXISTENT");
    CHECK(s.result(id).status.text == "Mailbox doesn't exist: nope");
}

// ---- CREATE / DELETE / RENAME / SUBSCRIBE / UNSUBSCRIBE ----------------------------

TEST_CASE("folders: mailbox management commands encode their names", "[mailboxes]") {
    CHECK(line_of(cmd::create("Entwürfe", true)) == "A1 CREATE Entw&APw-rfe\r\n");
    CHECK(line_of(cmd::create("Entwürfe", false), "IMAP4rev1 LITERAL+") == "A1 CREATE {9+}\r\nEntwürfe\r\n");
    CHECK(line_of(cmd::create("a&b", true)) == "A1 CREATE a&-b\r\n");
    CHECK(line_of(cmd::create("a&-b", false)) == "A1 CREATE a&-b\r\n");
    CHECK(line_of(cmd::create("\"quoted\" \\ name", true)) == "A1 CREATE \"\\\"quoted\\\" \\\\ name\"\r\n");
    CHECK(line_of(cmd::create("2024", true)) == "A1 CREATE 2024\r\n");
    CHECK(line_of(cmd::remove("Old/Stuff", true)) == "A1 DELETE Old/Stuff\r\n");
    CHECK(line_of(cmd::rename("Über", "Unter den Linden", true)) == "A1 RENAME &ANw-ber \"Unter den Linden\"\r\n");
    CHECK(line_of(cmd::rename("&ANw-ber", "x", false)) == "A1 RENAME &ANw-ber x\r\n");
    CHECK(line_of(cmd::subscribe("日本語", true)) == "A1 SUBSCRIBE &ZeVnLIqe-\r\n");
    CHECK(line_of(cmd::unsubscribe("", true)) == "A1 UNSUBSCRIBE \"\"\r\n");
    // Without LITERAL+ an 8-bit name waits for "+".
    script s;
    authenticated(s, "IMAP4rev1");
    auto id = s.submit(cmd::create("é", false));
    CHECK(s.flush() == "A1 CREATE {2}\r\n");
    s.server("+ go\r\n");
    CHECK(s.flush() == "é\r\n");
    s.server("A1 OK made\r\n");
    CHECK(s.result(id).ec == error_code{});
}

TEST_CASE("folders: DELETE and RENAME are barriers, CREATE and SUBSCRIBE are not", "[mailboxes]") {
    script s;
    authenticated(s);
    auto l = s.submit(cmd::list("LIST", "", "*", true));
    auto cr = s.submit(cmd::create("n1", true));
    auto sub = s.submit(cmd::subscribe("n1", true));
    CHECK(s.flush() == "A1 LIST \"\" \"*\"\r\nA2 CREATE n1\r\nA3 SUBSCRIBE n1\r\n");
    auto del = s.submit(cmd::remove("n1", true));
    auto st = s.submit(cmd::status("INBOX", {"MESSAGES"}, true));
    CHECK(s.flush().empty());  // DELETE waits for everything in flight; STATUS waits behind it
    s.server("A1 OK\r\nA2 OK\r\nA3 OK\r\n");
    CHECK(s.flush() == "A4 DELETE n1\r\n");
    s.server("A4 OK gone\r\n");
    CHECK(s.flush() == "A5 STATUS INBOX (MESSAGES)\r\n");
    auto rn = s.submit(cmd::rename("a", "b", true));
    CHECK(s.flush().empty());
    s.server("* STATUS INBOX (MESSAGES 1)\r\nA5 OK\r\n");
    CHECK(s.flush() == "A6 RENAME a b\r\n");
    s.server("A6 NO [ALREADYEXISTS] b exists\r\n");
    CHECK(s.result(rn).ec == ec_of(errc::no));
    CHECK(s.result(rn).status.text == "b exists");
    for (auto id : {l, cr, sub, del, st}) CHECK(s.result(id).ec == error_code{});
}

// ---- UNSELECT and its fallback ------------------------------------------------------

TEST_CASE("folders: UNSELECT leaves the authenticated state", "[mailboxes]") {
    script s;
    authenticated(s, "IMAP4rev1 UNSELECT");
    s.run(cmd::select("INBOX", false), "A1 SELECT INBOX\r\n", "* 3 EXISTS\r\n* OK [UIDVALIDITY 9] v\r\n");
    REQUIRE(s.eng.state() == session_state::selected);
    REQUIRE(s.eng.mailbox().exists == 3);
    auto c = s.run(cmd::unselect(), "A2 UNSELECT\r\n");
    CHECK(c.ec == error_code{});
    CHECK(s.eng.state() == session_state::authenticated);
    CHECK_FALSE(s.eng.mailbox().selected);
    CHECK(s.eng.mailbox().exists == 0);
}

TEST_CASE("folders: without UNSELECT, a failed EXAMINE deselects", "[mailboxes]") {
    script s;
    authenticated(s);
    s.run(cmd::select("INBOX", false), "A1 SELECT INBOX\r\n", "* 3 EXISTS\r\n");
    REQUIRE(s.eng.state() == session_state::selected);
    auto id = s.submit(cmd::examine_nothing());
    CHECK(s.flush() == "A2 EXAMINE " + std::string(cmd::impossible_mailbox()) + "\r\n");
    s.server("A2 NO Mailbox doesn't exist\r\n");
    CHECK(s.result(id).ec == ec_of(errc::no));
    CHECK(s.eng.state() == session_state::authenticated);
    CHECK_FALSE(s.eng.mailbox().selected);
    CHECK(s.eng.mailbox().exists == 0);
    CHECK(s.events().empty());
    // It is a barrier like SELECT.
    script t;
    authenticated(t);
    t.submit(cmd::list("LIST", "", "*", true));
    t.flush();
    t.submit(cmd::examine_nothing());
    CHECK(t.flush().empty());
}

TEST_CASE("folders: SELECT honours folder_encode", "[mailboxes]") {
    CHECK(line_of(cmd::select("Entwürfe", false, true)) == "A1 SELECT Entw&APw-rfe\r\n");
    CHECK(line_of(cmd::select("Entw&APw-rfe", true, false)) == "A1 EXAMINE Entw&APw-rfe\r\n");
    CHECK(line_of(cmd::select("a&b", false)) == "A1 SELECT a&-b\r\n");  // default: encoded
    CHECK(line_of(cmd::select("a&b", false, false)) == "A1 SELECT a&b\r\n");
}

// ---- NAMESPACE -------------------------------------------------------------------

TEST_CASE("folders: NAMESPACE data becomes the three kinds, prefixes decoded", "[mailboxes]") {
    CHECK(line_of(cmd::namespace_()) == "A1 NAMESPACE\r\n");
    struct vec { std::string line; std::size_t personal, other, shared; };
    const std::vector<vec> vectors = {
        {"* NAMESPACE ((\"\" \"/\")) NIL NIL\r\n", 1, 0, 0},
        {"* NAMESPACE ((\"INBOX.\" \".\")) ((\"user.\" \".\")) ((\"shared.\" \".\")(\"public.\" \".\"))\r\n", 1, 1, 2},
        {"* NAMESPACE NIL NIL ((\"\" NIL))\r\n", 0, 0, 1},
        {"* NAMESPACE ((\"\" \"/\")(\"&ZeVnLIqe-/\" \"/\" \"X-PARAM\" (\"a\"))) NIL NIL\r\n", 2, 0, 0},
    };
    for (const auto& v : vectors) {
        INFO(v.line);
        script s;
        authenticated(s);
        auto c = s.run(cmd::namespace_(), "A1 NAMESPACE\r\n", v.line);
        REQUIRE(c.ec == error_code{});
        auto n = cmd::to_namespace(c.responses, true);
        CHECK(n.personal.size() == v.personal);
        CHECK(n.other.size() == v.other);
        CHECK(n.shared.size() == v.shared);
    }
    namespace_data d;
    d.personal = {{"&ZeVnLIqe-/", '/'}, {"", std::nullopt}};
    d.shared = {{"Public Folders/", '/'}};
    auto n = cmd::to_namespace({response(d)}, true);
    REQUIRE(n.personal.size() == 2);
    CHECK(n.personal[0].prefix == "日本語/");
    CHECK(n.personal[0].delimiter == '/');
    CHECK_FALSE(n.personal[1].delimiter);
    CHECK(n.shared[0].prefix == "Public Folders/");
    CHECK(cmd::to_namespace({response(d)}, false).personal[0].prefix == "&ZeVnLIqe-/");
}

// ---- ACL -------------------------------------------------------------------------

TEST_CASE("admin: GETACL / SETACL / DELETEACL encodings", "[mailboxes]") {
    CHECK(line_of(cmd::getacl("INBOX", true)) == "A1 GETACL INBOX\r\n");
    CHECK(line_of(cmd::getacl("Entwürfe", true)) == "A1 GETACL Entw&APw-rfe\r\n");
    CHECK(line_of(cmd::setacl("INBOX", "bob", "lrs", true)) == "A1 SETACL INBOX bob lrs\r\n");
    CHECK(line_of(cmd::setacl("Shared Stuff", "user with space", "+lr", true)) ==
          "A1 SETACL \"Shared Stuff\" \"user with space\" +lr\r\n");
    CHECK(line_of(cmd::setacl("INBOX", "bob", "-w", true)) == "A1 SETACL INBOX bob -w\r\n");
    CHECK(line_of(cmd::setacl("Über", "bob", "", true)) == "A1 DELETEACL &ANw-ber bob\r\n");
    CHECK(line_of(cmd::setacl("x", "anyone", "", false)) == "A1 DELETEACL x anyone\r\n");
}

TEST_CASE("admin: ACL data is collected by GETACL", "[mailboxes]") {
    script s;
    authenticated(s);
    auto c = s.run(cmd::getacl("INBOX", true), "A1 GETACL INBOX\r\n",
                   "* ACL INBOX alice lrswipkxtecda bob lr \"an admin\" lrswipkxtecda\r\n");
    REQUIRE(c.ec == error_code{});
    REQUIRE(c.responses.size() == 1);
    auto* a = std::get_if<acl_data>(&c.responses[0]);
    REQUIRE(a);
    REQUIRE(a->entries.size() == 3);
    CHECK(a->entries[1] == std::pair<std::string, std::string>{"bob", "lr"});
    CHECK(a->entries[2].first == "an admin");
    // An ACL response nobody asked for is an event, not lost.
    s.server("* ACL Other anyone r\r\n");
    CHECK(s.events().size() == 1);
}

// ---- quota -----------------------------------------------------------------------

TEST_CASE("admin: GETQUOTAROOT / GETQUOTA / SETQUOTA encodings", "[mailboxes]") {
    CHECK(line_of(cmd::getquotaroot("INBOX", true)) == "A1 GETQUOTAROOT INBOX\r\n");
    CHECK(line_of(cmd::getquotaroot("Entwürfe", true)) == "A1 GETQUOTAROOT Entw&APw-rfe\r\n");
    CHECK(line_of(cmd::getquota("")) == "A1 GETQUOTA \"\"\r\n");
    CHECK(line_of(cmd::getquota("User quota")) == "A1 GETQUOTA \"User quota\"\r\n");
    std::vector<std::pair<std::string, std::uint64_t>> lim = {{"STORAGE", 512}, {"MESSAGE", 18446744073709551615ull}};
    CHECK(line_of(cmd::setquota("user/alice", lim)) ==
          "A1 SETQUOTA user/alice (STORAGE 512 MESSAGE 18446744073709551615)\r\n");
    CHECK(line_of(cmd::setquota("", {})) == "A1 SETQUOTA \"\" ()\r\n");
    lim = {{"STOR AGE", 1}};
    CHECK(line_of(cmd::setquota("r", lim)).rfind("<refused", 0) == 0);
}

TEST_CASE("admin: GETQUOTAROOT collects QUOTAROOT and QUOTA data", "[mailboxes]") {
    script s;
    authenticated(s);
    auto c = s.run(cmd::getquotaroot("INBOX", true), "A1 GETQUOTAROOT INBOX\r\n",
                   "* QUOTAROOT INBOX \"User quota\" other\r\n"
                   "* QUOTA \"User quota\" (STORAGE 10 1048576 MESSAGE 3 1000)\r\n"
                   "* QUOTA other (STORAGE  7 100 )\r\n");
    REQUIRE(c.ec == error_code{});
    auto q = cmd::to_quotas(c.responses);
    REQUIRE(q.size() == 3);
    CHECK(q[0] == quota{"User quota", "STORAGE", 10, 1048576});
    CHECK(q[1] == quota{"User quota", "MESSAGE", 3, 1000});
    CHECK(q[2] == quota{"other", "STORAGE", 7, 100});
    bool saw_root = false;
    for (auto& r : c.responses)
        if (auto* qr = std::get_if<quotaroot_data>(&r)) {
            saw_root = true;
            CHECK(qr->mailbox == "INBOX");
            CHECK(qr->roots == std::vector<std::string>{"User quota", "other"});
        }
    CHECK(saw_root);
    // No quota root at all (RFC 9208: a mailbox with no quota).
    auto c2 = s.run(cmd::getquotaroot("Junk", true), "A2 GETQUOTAROOT Junk\r\n", "* QUOTAROOT Junk\r\n");
    CHECK(cmd::to_quotas(c2.responses).empty());
    // SETQUOTA's QUOTA reply; 64-bit values.
    auto c3 = s.run(cmd::setquota("r", {{"STORAGE", 5}}), "A3 SETQUOTA r (STORAGE 5)\r\n",
                    "* QUOTA r (STORAGE 18446744073709551615 5)\r\n");
    auto q3 = cmd::to_quotas(c3.responses);
    REQUIRE(q3.size() == 1);
    CHECK(q3[0].usage == 18446744073709551615ull);
}

// ---- find_special_folder's matching ---------------------------------------------------

TEST_CASE("folders: special folders by attribute, then by popular name", "[mailboxes]") {
    const std::vector<list_data> folders = {
        L({"\\HasNoChildren"}, "INBOX"),
        L({"\\HasNoChildren", "\\Drafts"}, "Brouillons"),
        L({"\\HasNoChildren", "\\SENT"}, "Envoy&AOk-s"),
        L({"\\Noselect"}, "Trash"),
        L({}, "INBOX.Deleted Items", '.'),
        L({}, "sent items"),
        L({}, "Spam"),
        L({}, "Junk"),
    };
    auto name = [&](const list_data* l) { return l ? l->name : std::string("<none>"); };
    CHECK(name(cmd::find_by_attribute(folders, "\\Sent")) == "Envoy&AOk-s");
    CHECK(name(cmd::find_by_attribute(folders, "\\sent")) == "Envoy&AOk-s");
    CHECK(name(cmd::find_by_attribute(folders, "Drafts")) == "Brouillons");  // backslash optional
    CHECK(name(cmd::find_by_attribute(folders, "\\Trash")) == "<none>");
    CHECK(name(cmd::find_by_attribute({}, "\\Sent")) == "<none>");

    const std::vector<std::string> ns = {"", "INBOX."};
    // "Trash" is \Noselect: skipped; "INBOX.Deleted Items" under the second prefix.
    CHECK(name(cmd::find_by_popular_name(folders, "\\Trash", ns)) == "INBOX.Deleted Items");
    // Case-insensitive, first popular name wins over the server's order.
    CHECK(name(cmd::find_by_popular_name(folders, "\\Sent", ns)) == "sent items");
    CHECK(name(cmd::find_by_popular_name(folders, "\\Junk", ns)) == "Junk");
    CHECK(name(cmd::find_by_popular_name(folders, "\\Archive", ns)) == "<none>");
    CHECK(name(cmd::find_by_popular_name(folders, "\\Flagged", ns)) == "<none>");
    // Only in the given personal namespaces.
    const std::vector<std::string> other_ns = {"Other/"};
    CHECK(name(cmd::find_by_popular_name(folders, "\\Junk", other_ns)) == "<none>");

    CHECK(cmd::popular_special_folder_names("\\Sent").front() == "Sent");
    CHECK(cmd::popular_special_folder_names("sent").size() == cmd::popular_special_folder_names("\\SENT").size());
    CHECK(cmd::popular_special_folder_names("\\Trash")[1] == "Deleted Items");
    CHECK(cmd::popular_special_folder_names("\\Nothing").empty());
    CHECK(cmd::popular_special_folder_names("").empty());
}

TEST_CASE("folders: XLIST's \\AllMail, \\Spam, \\Starred answer RFC 6154's names and back", "[mailboxes]") {
    const std::vector<list_data> xlist = {
        L({"\\HasNoChildren", "\\Inbox"}, "INBOX"),
        L({"\\HasNoChildren", "\\AllMail"}, "[Gmail]/All Mail"),
        L({"\\HasNoChildren", "\\Spam"}, "[Gmail]/Spam"),
        L({"\\HasNoChildren", "\\Starred"}, "[Gmail]/Starred"),
    };
    const std::vector<list_data> special_use = {
        L({"\\HasNoChildren", "\\All"}, "Archive/All"),
        L({"\\HasNoChildren", "\\Junk"}, "Junk"),
        L({"\\HasNoChildren", "\\Flagged"}, "Flagged"),
    };
    auto name = [&](const list_data* l) { return l ? l->name : std::string("<none>"); };
    CHECK(name(cmd::find_by_attribute(xlist, "\\All")) == "[Gmail]/All Mail");
    CHECK(name(cmd::find_by_attribute(xlist, "junk")) == "[Gmail]/Spam");
    CHECK(name(cmd::find_by_attribute(xlist, "\\FLAGGED")) == "[Gmail]/Starred");
    CHECK(name(cmd::find_by_attribute(xlist, "\\AllMail")) == "[Gmail]/All Mail");
    CHECK(name(cmd::find_by_attribute(special_use, "\\AllMail")) == "Archive/All");
    CHECK(name(cmd::find_by_attribute(special_use, "\\Spam")) == "Junk");
    CHECK(name(cmd::find_by_attribute(special_use, "\\Starred")) == "Flagged");
    // Only those three: \Important has no RFC 6154 twin.
    CHECK(name(cmd::find_by_attribute(special_use, "\\Important")) == "<none>");
    CHECK(name(cmd::find_by_attribute(xlist, "\\Drafts")) == "<none>");
}
