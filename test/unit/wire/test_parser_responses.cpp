// Status responses, response codes and every untagged response but FETCH.
#include "parser_test_util.hpp"

using namespace parser_test;

TEST_CASE("responses: RFC 3501 section 8 transcript", "[parser]") {
    auto all = parse_all(
        "* OK IMAP4rev1 Service Ready\r\n"
        "a001 OK LOGIN completed\r\n"
        "* 18 EXISTS\r\n"
        "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
        "* 2 RECENT\r\n"
        "* OK [UNSEEN 17] Message 17 is the first unseen message\r\n"
        "* OK [UIDVALIDITY 3857529045] UIDs valid\r\n"
        "a002 OK [READ-WRITE] SELECT completed\r\n"
        "* 12 FETCH (FLAGS (\\Seen) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" RFC822.SIZE 4286 "
        "ENVELOPE (\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" \"IMAP4rev1 WG mtg summary and minutes\" "
        "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
        "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((NIL NIL \"imap\" \"cac.washington.edu\")) "
        "((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) NIL NIL "
        "\"<B27397-0100000@cac.washington.edu>\") BODY (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 3028 92))\r\n"
        "a003 OK FETCH completed\r\n"
        "* 12 FETCH (BODY[HEADER] {342}\r\n"
        "Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\r\n"
        "From: Terry Gray <gray@cac.washington.edu>\r\n"
        "Subject: IMAP4rev1 WG mtg summary and minutes\r\n"
        "To: imap@cac.washington.edu\r\n"
        "cc: minutes@CNRI.Reston.VA.US, John Klensin <KLENSIN@MIT.EDU>\r\n"
        "Message-Id: <B27397-0100000@cac.washington.edu>\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n"
        "\r\n"
        ")\r\n"
        "a004 OK FETCH completed\r\n"
        "* 12 FETCH (FLAGS (\\Seen \\Deleted))\r\n"
        "a005 OK +FLAGS completed\r\n"
        "* BYE IMAP4rev1 server logging out\r\n"
        "a006 OK LOGOUT completed\r\n");
    REQUIRE(all.size() == 16);
    auto& greet = std::get<status_response>(all[0]);
    CHECK(greet.tag.empty());
    CHECK(greet.status == status_kind::ok);
    CHECK_FALSE(greet.code);
    CHECK(greet.text == "IMAP4rev1 Service Ready");
    CHECK(std::get<exists_data>(all[2]).count == 18);
    CHECK(std::get<flags_data>(all[3]).flags == std::vector<std::string>{"\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft"});
    CHECK(std::get<status_response>(all[5]).code->number == 17u);
    CHECK(std::get<status_response>(all[6]).code->number == 3857529045u);
    CHECK(std::get<status_response>(all[7]).code->name == "READ-WRITE");
    auto& f = std::get<fetch_data>(all[8]);
    CHECK(f.seq == 12);
    CHECK(f.size == 4286u);
    REQUIRE(f.envelope);
    CHECK(f.envelope->subject == "IMAP4rev1 WG mtg summary and minutes");
    REQUIRE(f.envelope->cc.size() == 2);
    CHECK(f.envelope->cc[1].email() == "KLENSIN@MIT.EDU");
    CHECK(f.envelope->message_id == "<B27397-0100000@cac.washington.edu>");
    REQUIRE(f.body);
    CHECK(f.body->size == 3028);
    CHECK(f.body->lines == 92u);
    auto& h = std::get<fetch_data>(all[10]);
    CHECK(h.sections.at(0).name == "BODY[HEADER]");
    CHECK(h.sections.at(0).data->size() == 342);
    CHECK(std::get<status_response>(all[14]).status == status_kind::bye);
    CHECK(std::get<status_response>(all[15]).tag == "a006");
}

TEST_CASE("responses: tagged and untagged status kinds", "[parser]") {
    auto all = parse_all(
        "A1 OK done\r\n"
        "A2 NO [TRYCREATE] Mailbox doesn't exist: Foo\r\n"
        "A3 BAD Error in IMAP command received by server.\r\n"
        "* PREAUTH [CAPABILITY IMAP4rev1] Logged in as fred\r\n"
        "* BYE Autologout; idle for too long\r\n"
        "* NO Disk is almost full\r\n"
        "* BAD Unknown command\r\n"
        "tag.with-odd_chars OK ok\r\n"
        "a1 ok lower case status\r\n");
    REQUIRE(all.size() == 9);
    auto st = [&](std::size_t i) { return std::get<status_response>(all[i]); };
    CHECK(st(0).status == status_kind::ok);
    CHECK(st(0).text == "done");
    CHECK(st(1).status == status_kind::no);
    CHECK(st(1).code->name == "TRYCREATE");
    CHECK(st(1).code->raw.empty());
    CHECK(st(1).text == "Mailbox doesn't exist: Foo");
    CHECK(st(2).status == status_kind::bad);
    CHECK(st(2).tag == "A3");
    CHECK(st(3).status == status_kind::preauth);
    CHECK(st(3).code->list == std::vector<std::string>{"IMAP4REV1"});
    CHECK(st(4).status == status_kind::bye);
    CHECK(st(4).tag.empty());
    CHECK(st(5).status == status_kind::no);
    CHECK(st(6).status == status_kind::bad);
    CHECK(st(7).tag == "tag.with-odd_chars");
    CHECK(st(8).status == status_kind::ok);
    CHECK(st(8).text == "lower case status");
}

TEST_CASE("responses: response codes are typed", "[parser]") {
    auto code = [](std::string_view line) {
        auto r = parse_one<status_response>(line);
        REQUIRE(r.code);
        return *r.code;
    };
    CHECK(code("* OK [ALERT] System shutdown in 10 minutes\r\n").name == "ALERT");
    auto bc = code("a1 NO [BADCHARSET (UTF-8 \"ISO-8859-1\")] charset not supported\r\n");
    CHECK(bc.name == "BADCHARSET");
    CHECK(bc.list == std::vector<std::string>{"UTF-8", "ISO-8859-1"});
    CHECK(code("a1 NO [BADCHARSET] no\r\n").list.empty());
    auto cap = code("* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE literal+ AUTH=PLAIN] Dovecot ready.\r\n");
    CHECK(cap.list == std::vector<std::string>{"IMAP4REV1", "SASL-IR", "LOGIN-REFERRALS", "ID", "ENABLE", "IDLE", "LITERAL+", "AUTH=PLAIN"});
    CHECK(cap.raw == "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE literal+ AUTH=PLAIN");
    CHECK(code("a1 BAD [PARSE] bad header\r\n").name == "PARSE");
    auto pf = code("* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded \\*)] Flags permitted.\r\n");
    CHECK(pf.list.size() == 7);
    CHECK(pf.list.back() == "\\*");
    CHECK(pf.list[5] == "$Forwarded");
    CHECK(code("a1 OK [READ-ONLY] EXAMINE completed\r\n").name == "READ-ONLY");
    CHECK(code("* OK [UIDNEXT 4392] Predicted next UID\r\n").number == 4392u);
    CHECK(code("* OK [HIGHESTMODSEQ 715194045007] Highest\r\n").number == 715194045007u);
    CHECK(code("* OK [NOMODSEQ] Sorry, this mailbox format doesn't support modsequences\r\n").name == "NOMODSEQ");
    auto mod = code("d105 OK [MODIFIED 7,9] Conditional STORE failed\r\n");
    CHECK(mod.name == "MODIFIED");
    CHECK(mod.uid_set == "7,9");
    auto app = code("A003 OK [APPENDUID 38505 3955] APPEND completed\r\n");
    CHECK(app.number == 38505u);
    CHECK(app.uid_set == "3955");
    auto cp = code("A004 OK [COPYUID 38505 304,319:320 3956:3958] Done\r\n");
    CHECK(cp.number == 38505u);
    CHECK(cp.uid_set == "304,319:320");
    CHECK(cp.dest_uid_set == "3956:3958");
    CHECK(code("* OK [CLOSED] Previous mailbox closed\r\n").name == "CLOSED");
    auto unk = code("* OK [XPROPRIETARY (a \"b c\") 12] whatever\r\n");
    CHECK(unk.name == "XPROPRIETARY");
    CHECK(unk.raw == "(a \"b c\") 12");
    CHECK_FALSE(unk.number);
    CHECK(code("a1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n").name == "AUTHENTICATIONFAILED");
    auto lower = code("* ok [uidvalidity 5] x\r\n");
    CHECK(lower.name == "UIDVALIDITY");
    CHECK(lower.number == 5u);
    auto ref = code("* OK [REFERRAL imap://user;AUTH=*@SERVER2/] Server not accepting\r\n");
    CHECK(ref.name == "REFERRAL");
    CHECK(ref.raw == "imap://user;AUTH=*@SERVER2/");
}

TEST_CASE("responses: continuation requests", "[parser]") {
    auto all = parse_all("+ Ready for literal data\r\n+ \r\n+\r\n+ YGgGCSqGSIb3EgECAgIBAAD/////6jcyG4GE3KkTzBeBiVHeceP2CWY0SR0fAQAgAAQEBAQ=\r\n+ idling\r\n");
    REQUIRE(all.size() == 5);
    CHECK(std::get<continuation_request>(all[0]).text == "Ready for literal data");
    CHECK(std::get<continuation_request>(all[1]).text.empty());
    CHECK(std::get<continuation_request>(all[2]).text.empty());
    CHECK(std::get<continuation_request>(all[3]).text == "YGgGCSqGSIb3EgECAgIBAAD/////6jcyG4GE3KkTzBeBiVHeceP2CWY0SR0fAQAgAAQEBAQ=");
    CHECK(std::get<continuation_request>(all[4]).text == "idling");
}

TEST_CASE("responses: CAPABILITY and ENABLED", "[parser]") {
    auto c = parse_one<capability_data>(
        "* CAPABILITY IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT SORT=DISPLAY THREAD=REFERENCES "
        "THREAD=REFS THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL CATENATE UNSELECT CHILDREN NAMESPACE UIDPLUS "
        "LIST-EXTENDED I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH ESORT SEARCHRES WITHIN CONTEXT=SEARCH LIST-STATUS "
        "BINARY MOVE SNIPPET=FUZZY PREVIEW=FUZZY PREVIEW STATUS=SIZE SAVEDATE LITERAL+ NOTIFY SPECIAL-USE QUOTA\r\n");
    CHECK(c.capabilities.size() == 40);
    CHECK(c.capabilities[0] == "IMAP4REV1");
    CHECK(has_flag(c.capabilities, "SORT=DISPLAY"));
    CHECK(has_flag(c.capabilities, "QUOTA"));
    auto g = parse_one<capability_data>("* CAPABILITY IMAP4rev1 UNSELECT IDLE NAMESPACE QUOTA ID XLIST CHILDREN X-GM-EXT-1 XYZZY SASL-IR AUTH=XOAUTH2 AUTH=PLAIN AUTH=PLAIN-CLIENTTOKEN AUTH=OAUTHBEARER\r\n");
    CHECK(has_flag(g.capabilities, "X-GM-EXT-1"));
    CHECK(has_flag(g.capabilities, "AUTH=XOAUTH2"));
    auto e = parse_one<enabled_data>("* ENABLED CondStore QRESYNC\r\n");
    CHECK(e.capabilities == std::vector<std::string>{"CONDSTORE", "QRESYNC"});
    CHECK(parse_one<enabled_data>("* ENABLED\r\n").capabilities.empty());
}

TEST_CASE("responses: LIST, LSUB and XLIST", "[parser]") {
    auto all = parse_all(
        "* LIST (\\HasNoChildren) \"/\" INBOX\r\n"
        "* LIST (\\HasChildren \\Noselect) \"/\" \"[Gmail]\"\r\n"
        "* LIST (\\HasNoChildren \\All) \"/\" \"[Gmail]/All Mail\"\r\n"
        "* LIST () \".\" \"Quoted \\\"name\\\" \\\\ here\"\r\n"
        "* LIST (\\Noselect) NIL \"\"\r\n"
        "* LSUB () \".\" #news.comp.mail.misc\r\n"
        "* XLIST (\\HasNoChildren \\Inbox) \"/\" \"Inbox\"\r\n"
        "* LIST (\\Subscribed \\NonExistent) \"/\" \"Fruit/Peach\" (\"CHILDINFO\" (\"SUBSCRIBED\"))\r\n"
        "* LIST () \"/\" \"Foo\" (\"OLDNAME\" (\"Bar\"))\r\n"
        "* LIST (\\Marked \\NoInferiors) \"\\\\\" &ZeVnLIqe-\r\n");
    REQUIRE(all.size() == 10);
    auto l = [&](std::size_t i) { return std::get<list_data>(all[i]); };
    CHECK(l(0).command == "LIST");
    CHECK(l(0).flags == std::vector<std::string>{"\\HasNoChildren"});
    CHECK(l(0).delimiter == '/');
    CHECK(l(0).name == "INBOX");
    CHECK(l(0).extended.empty());
    CHECK(l(1).name == "[Gmail]");
    CHECK(l(2).name == "[Gmail]/All Mail");
    CHECK(l(3).name == "Quoted \"name\" \\ here");
    CHECK(l(3).flags.empty());
    CHECK_FALSE(l(4).delimiter);
    CHECK(l(4).name.empty());
    CHECK(l(5).command == "LSUB");
    CHECK(l(5).name == "#news.comp.mail.misc");
    CHECK(l(6).command == "XLIST");
    CHECK(l(6).flags[1] == "\\Inbox");
    REQUIRE(l(7).extended.size() == 2);
    CHECK(l(7).extended[0].text == "CHILDINFO");
    CHECK(l(7).extended[1].type == raw_value::kind::list);
    CHECK(l(7).extended[1].items.at(0).text == "SUBSCRIBED");
    CHECK(l(8).name == "Foo");
    CHECK(l(8).extended.at(1).items.at(0).text == "Bar");
    CHECK(l(9).delimiter == '\\');
    CHECK(l(9).name == "&ZeVnLIqe-");
}

TEST_CASE("responses: STATUS", "[parser]") {
    auto s = parse_one<status_data>("* STATUS blurdybloop (MESSAGES 231 UIDNEXT 44292)\r\n");
    CHECK(s.mailbox == "blurdybloop");
    CHECK(s.get("MESSAGES") == 231u);
    CHECK(s.get("UIDNEXT") == 44292u);
    auto q = parse_one<status_data>(
        "* STATUS \"Sent Items\" (messages 3 RECENT 0 UIDNEXT 4 UIDVALIDITY 1442 UNSEEN 0 HIGHESTMODSEQ 18446744073709551615 SIZE 5012)\r\n");
    CHECK(q.mailbox == "Sent Items");
    REQUIRE(q.items.size() == 7);
    CHECK(q.items[0].first == "MESSAGES");
    CHECK(q.get("HIGHESTMODSEQ") == 18446744073709551615ull);
    CHECK(q.get("size") == 5012u);
    auto m = parse_one<status_data>("* STATUS INBOX (MESSAGES 2 MAILBOXID (F2212ea87-6097-4256-9d51-71338625) UNSEEN 1)\r\n");
    CHECK(m.get("MESSAGES") == 2u);
    CHECK(m.get("UNSEEN") == 1u);
    CHECK_FALSE(m.get("MAILBOXID"));
    auto lit = parse_one<status_data>("* STATUS {5}\r\nA\"B C (MESSAGES 0)\r\n");
    CHECK(lit.mailbox == "A\"B C");
    CHECK(parse_one<status_data>("* STATUS INBOX ()\r\n").items.empty());
}

TEST_CASE("responses: SEARCH and SORT", "[parser]") {
    CHECK(parse_one<search_data>("* SEARCH 2 3 6\r\n").ids == std::vector<std::uint32_t>{2, 3, 6});
    auto e = parse_one<search_data>("* SEARCH\r\n");
    CHECK(e.ids.empty());
    CHECK_FALSE(e.sort);
    auto m = parse_one<search_data>("* SEARCH 2 5 6 7 11 12 18 19 20 23 (MODSEQ 917162500)\r\n");
    CHECK(m.ids.size() == 10);
    CHECK(m.modseq == 917162500u);
    auto s = parse_one<search_data>("* SORT 5 3 4 1 2\r\n");
    CHECK(s.sort);
    CHECK(s.ids == std::vector<std::uint32_t>{5, 3, 4, 1, 2});
    CHECK(parse_one<search_data>("* SEARCH 4294967295\r\n").ids.at(0) == 4294967295u);
}

TEST_CASE("responses: ESEARCH", "[parser]") {
    auto a = parse_one<esearch_data>("* ESEARCH (TAG \"A282\") MIN 2 COUNT 3\r\n");
    CHECK(a.tag == "A282");
    CHECK_FALSE(a.uid);
    CHECK(a.min == 2u);
    CHECK(a.count == 3u);
    CHECK_FALSE(a.max);
    auto b = parse_one<esearch_data>("* ESEARCH (TAG \"A285\") UID MIN 7 MAX 3800\r\n");
    CHECK(b.uid);
    CHECK(b.max == 3800u);
    auto c = parse_one<esearch_data>("* ESEARCH (TAG \"A284\") UID ALL 4:18,21,28 MODSEQ 12345678901\r\n");
    CHECK(c.all == "4:18,21,28");
    CHECK(c.modseq == 12345678901ull);
    auto d = parse_one<esearch_data>("* ESEARCH (TAG \"A301\") UID PARTIAL (-1:-100 200:250,252:300) RELEVANCY (4 3 2)\r\n");
    REQUIRE(d.other.size() == 2);
    CHECK(d.other[0].first == "PARTIAL");
    CHECK(d.other[0].second.to_string() == "(-1:-100 200:250,252:300)");
    CHECK(d.other[1].first == "RELEVANCY");
    auto e = parse_one<esearch_data>("* ESEARCH (TAG \"A1\")\r\n");
    CHECK(e.tag == "A1");
    CHECK(e.all.empty());
    auto f = parse_one<esearch_data>("* ESEARCH\r\n");
    CHECK_FALSE(f.tag);
    auto g = parse_one<esearch_data>("* ESEARCH (tag \"x\" MAILBOX \"INBOX\" UIDVALIDITY 5) uid count 0\r\n");
    CHECK(g.tag == "x");
    CHECK(g.uid);
    CHECK(g.count == 0u);
}

TEST_CASE("responses: THREAD", "[parser]") {
    auto t = parse_one<thread_data>("* THREAD (2)(3 6 (4 23)(44 7 96))\r\n");
    REQUIRE(t.threads.size() == 2);
    CHECK(t.threads[0].ids == std::vector<std::uint32_t>{2});
    CHECK(t.threads[0].children.empty());
    CHECK(t.threads[1].ids == std::vector<std::uint32_t>{3, 6});
    REQUIRE(t.threads[1].children.size() == 2);
    CHECK(t.threads[1].children[0].ids == std::vector<std::uint32_t>{4, 23});
    CHECK(t.threads[1].children[1].ids == std::vector<std::uint32_t>{44, 7, 96});
    auto n = parse_one<thread_data>("* THREAD ((3)(5))\r\n");
    REQUIRE(n.threads.size() == 1);
    CHECK(n.threads[0].ids.empty());
    CHECK(n.threads[0].children.size() == 2);
    CHECK(parse_one<thread_data>("* THREAD\r\n").threads.empty());
    // Deep but sane nesting works; absurd nesting is a content error.
    std::string deep = "* THREAD ";
    for (int i = 0; i < 150; ++i) deep += "(1 ";
    for (int i = 0; i < 150; ++i) deep += ")";
    deep += "\r\n";
    auto d = parse_one<thread_data>(deep);
    CHECK(d.threads.at(0).children.at(0).ids.at(0) == 1u);
    std::string evil = "* THREAD " + std::string(100000, '(') + "\r\n";
    auto u = parse_one<unparsed_data>(evil);
    CHECK_THAT(u.error, Catch::Contains("nested"));
}

TEST_CASE("responses: FLAGS, EXISTS, RECENT, EXPUNGE, VANISHED", "[parser]") {
    auto all = parse_all(
        "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded $MDNSent Junk NonJunk)\r\n"
        "* 172 EXISTS\r\n"
        "* 1 RECENT\r\n"
        "* 44 EXPUNGE\r\n"
        "* VANISHED (EARLIER) 300:310,405,411\r\n"
        "* VANISHED 405,407,410,425\r\n"
        "* FLAGS ()\r\n");
    REQUIRE(all.size() == 7);
    CHECK(std::get<flags_data>(all[0]).flags.size() == 9);
    CHECK(std::get<exists_data>(all[1]).count == 172);
    CHECK(std::get<recent_data>(all[2]).count == 1);
    CHECK(std::get<expunge_data>(all[3]).seq == 44);
    auto v1 = std::get<vanished_data>(all[4]);
    CHECK(v1.earlier);
    CHECK(v1.uids == "300:310,405,411");
    auto v2 = std::get<vanished_data>(all[5]);
    CHECK_FALSE(v2.earlier);
    CHECK(v2.uids == "405,407,410,425");
    CHECK(std::get<flags_data>(all[6]).flags.empty());
}

TEST_CASE("responses: NAMESPACE", "[parser]") {
    auto n = parse_one<namespace_data>("* NAMESPACE ((\"\" \"/\")) ((\"~\" \"/\")) ((\"#shared/\" \"/\")(\"#public/\" \"/\")(\"#ftp/\" \"/\")(\"#news.\" \".\"))\r\n");
    REQUIRE(n.personal.size() == 1);
    CHECK(n.personal[0].prefix.empty());
    CHECK(n.personal[0].delimiter == '/');
    CHECK(n.other.at(0).prefix == "~");
    REQUIRE(n.shared.size() == 4);
    CHECK(n.shared[3].prefix == "#news.");
    CHECK(n.shared[3].delimiter == '.');
    auto d = parse_one<namespace_data>("* NAMESPACE ((\"INBOX.\" \".\")) NIL NIL\r\n");
    CHECK(d.personal.at(0).prefix == "INBOX.");
    CHECK(d.other.empty());
    CHECK(d.shared.empty());
    auto x = parse_one<namespace_data>("* NAMESPACE ((\"\" \"/\" \"X-PARAM\" (\"FLAG1\" \"FLAG2\"))) NIL ((\"Public Folders/\" NIL))\r\n");
    CHECK(x.personal.at(0).delimiter == '/');
    CHECK_FALSE(x.shared.at(0).delimiter);
    CHECK(x.shared.at(0).prefix == "Public Folders/");
}

TEST_CASE("responses: ACL, MYRIGHTS, LISTRIGHTS", "[parser]") {
    auto a = parse_one<acl_data>("* ACL INBOX Fred rwipsldexta owner lrswipkxtecda \"anyone with space\" lr\r\n");
    CHECK(a.mailbox == "INBOX");
    REQUIRE(a.entries.size() == 3);
    CHECK(a.entries[0] == std::pair<std::string, std::string>{"Fred", "rwipsldexta"});
    CHECK(a.entries[2].first == "anyone with space");
    auto m = parse_one<myrights_data>("* MYRIGHTS \"Shared Box\" rwiptsldaex\r\n");
    CHECK(m.mailbox == "Shared Box");
    CHECK(m.rights == "rwiptsldaex");
    auto l = parse_one<listrights_data>("* LISTRIGHTS ~/Mailboxes smith la r swicdkxte\r\n");
    CHECK(l.mailbox == "~/Mailboxes");
    CHECK(l.identifier == "smith");
    CHECK(l.required == "la");
    CHECK(l.optional == std::vector<std::string>{"r", "swicdkxte"});
    auto e = parse_one<listrights_data>("* LISTRIGHTS INBOX anyone \"\"\r\n");
    CHECK(e.required.empty());
    CHECK(e.optional.empty());
}

TEST_CASE("responses: QUOTA and QUOTAROOT", "[parser]") {
    auto q = parse_one<quota_data>("* QUOTA \"\" (STORAGE 10 512)\r\n");
    CHECK(q.root.empty());
    REQUIRE(q.resources.size() == 1);
    CHECK(q.resources[0].name == "STORAGE");
    CHECK(q.resources[0].usage == 10);
    CHECK(q.resources[0].limit == 512);
    auto r = parse_one<quota_data>("* QUOTA #user/fred (storage 54 111 MESSAGE 42 1000 MAILBOX 3 10)\r\n");
    CHECK(r.root == "#user/fred");
    REQUIRE(r.resources.size() == 3);
    CHECK(r.resources[0].name == "STORAGE");
    CHECK(r.resources[2].limit == 10);
    auto big = parse_one<quota_data>("* QUOTA \"User quota\" (STORAGE 17179869184 9223372036854775807)\r\n");
    CHECK(big.resources.at(0).usage == 17179869184ull);
    CHECK(big.resources.at(0).limit == 9223372036854775807ull);
    auto qr = parse_one<quotaroot_data>("* QUOTAROOT INBOX \"\" \"User quota\"\r\n");
    CHECK(qr.mailbox == "INBOX");
    CHECK(qr.roots == std::vector<std::string>{"", "User quota"});
    CHECK(parse_one<quotaroot_data>("* QUOTAROOT comp.mail.mime\r\n").roots.empty());
}

TEST_CASE("responses: METADATA", "[parser]") {
    auto m = parse_one<metadata_data>("* METADATA \"\" (/shared/comment \"Shared comment\" /private/comment NIL)\r\n");
    CHECK(m.mailbox.empty());
    REQUIRE(m.entries.size() == 2);
    CHECK(m.entries[0].first == "/shared/comment");
    CHECK(m.entries[0].second == "Shared comment");
    CHECK_FALSE(m.entries[1].second);
    auto u = parse_one<metadata_data>("* METADATA INBOX /shared/comment /private/comment\r\n");
    CHECK(u.mailbox == "INBOX");
    REQUIRE(u.entries.size() == 2);
    CHECK_FALSE(u.entries[0].second);
    CHECK(u.entries[1].first == "/private/comment");
}

TEST_CASE("responses: ID", "[parser]") {
    auto d = parse_one<id_data>("* ID (\"name\" \"Cyrus\" \"version\" \"1.5\" \"os\" \"sunos\" \"os-version\" \"5.5\" \"support-url\" NIL)\r\n");
    REQUIRE(d.fields.size() == 5);
    CHECK(d.fields[0].first == "name");
    CHECK(d.fields[0].second == "Cyrus");
    CHECK_FALSE(d.fields[4].second);
    CHECK(parse_one<id_data>("* ID NIL\r\n").fields.empty());
    auto g = parse_one<id_data>("* ID (\"name\" \"GImap\" \"vendor\" \"Google, Inc.\" \"support-url\" \"https://support.google.com/mail\")\r\n");
    CHECK(g.fields.at(1).second == "Google, Inc.");
}

TEST_CASE("responses: unknown untagged responses are kept raw", "[parser]") {
    auto u = parse_one<unknown_data>("* XAPPLEPUSHSERVICE \"aps-version\" \"2\" \"aps-topic\" \"com.apple.mobilemail\"\r\n");
    CHECK(u.keyword == "XAPPLEPUSHSERVICE");
    CHECK_FALSE(u.number);
    REQUIRE(u.values.size() == 4);
    CHECK(u.values[3].text == "com.apple.mobilemail");
    auto n = parse_one<unknown_data>("* 5 XFOO (a b) NIL {3}\r\nxyz\r\n");
    CHECK(n.keyword == "XFOO");
    CHECK(n.number == 5u);
    REQUIRE(n.values.size() == 3);
    CHECK(n.values[0].items.size() == 2);
    CHECK(n.values[1].is_nil());
    CHECK(n.values[2].text == "xyz");
    auto c = parse_one<unknown_data>("* CONVERSATIONS (1 2)\r\n");
    CHECK(c.keyword == "CONVERSATIONS");
    // Not IMAP syntax at all: the text is kept as one atom.
    auto t = parse_one<unknown_data>("* XWEIRD unbalanced ) paren \"x\r\n");
    CHECK(t.keyword == "XWEIRD");
    REQUIRE(t.values.size() == 1);
    CHECK(t.values[0].text == "unbalanced ) paren \"x");
    auto e = parse_one<unknown_data>("* NOOP\r\n");
    CHECK(e.values.empty());
}

TEST_CASE("responses: content errors become unparsed_data", "[parser]") {
    auto u = parse_one<unparsed_data>("* SEARCH 1 (MODSEQ x)\r\n");
    CHECK(u.line == "* SEARCH 1 (MODSEQ x)");
    CHECK_THAT(u.error, Catch::Contains("number at offset 19"));
    CHECK(u.tag.empty());
    auto s = parse_one<unparsed_data>("* STATUS INBOX MESSAGES 3\r\n");
    CHECK_THAT(s.error, Catch::Contains("STATUS items"));
    auto q = parse_one<unparsed_data>("* QUOTA \"\" (STORAGE 10)\r\n");
    CHECK_THAT(q.error, Catch::Contains("limit"));
    // The line in the result is truncated.
    std::string longline = "* STATUS x" + std::string(1000, 'y') + "\r\n";
    auto t = parse_one<unparsed_data>(longline);
    CHECK(t.line.size() <= 210);
    CHECK_THAT(t.line, Catch::StartsWith("* STATUS xyy"));
    CHECK_THAT(t.error, Catch::Contains("offset"));
    // The connection stays usable: what follows parses normally.
    auto all = parse_all("* SEARCH 1 (MODSEQ\r\n* 4 EXISTS\r\n");
    REQUIRE(all.size() == 2);
    CHECK(std::holds_alternative<unparsed_data>(all[0]));
    CHECK(std::get<exists_data>(all[1]).count == 4);
    CHECK(std::holds_alternative<unparsed_data>(parse_all("*\r\n").at(0)));
    CHECK(std::holds_alternative<unparsed_data>(parse_all("* 12\r\n").at(0)));
}
