// One test per category of /work/shared/QUIRKS.md: what real servers send.
#include "parser_test_util.hpp"

using namespace parser_test;

// --- Framing ---------------------------------------------------------------

TEST_CASE("quirk: blank lines between responses", "[parser][quirks]") {
    auto all = parse_all("* 1 EXISTS\r\n\r\n\r\n* 0 RECENT\r\n\r\nA1 OK done\r\n\r\n");
    REQUIRE(all.size() == 3);
    CHECK(std::get<status_response>(all[2]).text == "done");
}

TEST_CASE("quirk: bare LF instead of CRLF", "[parser][quirks]") {
    auto all = parse_all("* OK ready\n* CAPABILITY IMAP4rev1 IDLE\nA1 OK [READ-WRITE] done\n");
    REQUIRE(all.size() == 3);
    CHECK(std::get<status_response>(all[0]).text == "ready");
    CHECK(std::get<capability_data>(all[1]).capabilities.size() == 2);
    CHECK(std::get<status_response>(all[2]).code->name == "READ-WRITE");
}

TEST_CASE("quirk: literal header followed by a bare LF", "[parser][quirks]") {
    auto all = parse_all("* 1 FETCH (BODY[] {6}\nab\r\ncd UID 2)\n* 2 FETCH (BODY[] {0}\n)\n");
    REQUIRE(all.size() == 2);
    CHECK(std::get<fetch_data>(all[0]).sections.at(0).data == "ab\r\ncd");
    CHECK(std::get<fetch_data>(all[0]).uid == 2u);
    CHECK(std::get<fetch_data>(all[1]).sections.at(0).data == "");
}

TEST_CASE("quirk: NUL bytes before a response", "[parser][quirks]") {
    auto all = parse_all("\0\0\0* 1 EXISTS\r\n\0A1 OK x\r\n"sv);
    REQUIRE(all.size() == 2);
    CHECK(std::get<exists_data>(all[0]).count == 1);
    CHECK(std::get<status_response>(all[1]).tag == "A1");
}

TEST_CASE("quirk: trailing space before CRLF", "[parser][quirks]") {
    auto all = parse_all(
        "* SEARCH 7456 \r\n"
        "* SEARCH \r\n"
        "* STATUS Inbox (MESSAGES 1) \r\n"
        "* CAPABILITY IMAP4rev1 IDLE \r\n"
        "* FLAGS (\\Seen) \r\n"
        "* 3 FETCH (UID 4) \r\n"
        "A1 OK done \r\n");
    REQUIRE(all.size() == 7);
    CHECK(std::get<search_data>(all[0]).ids == std::vector<std::uint32_t>{7456});
    CHECK(std::get<search_data>(all[1]).ids.empty());
    CHECK(std::get<status_data>(all[2]).mailbox == "Inbox");
    CHECK(std::get<status_data>(all[2]).get("MESSAGES") == 1u);
    CHECK(std::get<capability_data>(all[3]).capabilities == std::vector<std::string>{"IMAP4REV1", "IDLE"});
    CHECK(std::get<flags_data>(all[4]).flags.size() == 1);
    CHECK(std::get<fetch_data>(all[5]).uid == 4u);
    CHECK(std::get<status_response>(all[6]).text == "done");
}

TEST_CASE("quirk: a space before the closing parenthesis", "[parser][quirks]") {
    auto f = parse_one<fetch_data>("* 11487 FETCH (UID 19436 )\r\n");
    CHECK(f.seq == 11487);
    CHECK(f.uid == 19436u);
    auto g = parse_one<fetch_data>("* 1 FETCH ( FLAGS ( \\Seen  \\Draft ) ENVELOPE ( NIL \"s\" NIL NIL NIL NIL NIL NIL NIL NIL ) )\r\n");
    CHECK(g.flags->size() == 2);
    CHECK(g.envelope->subject == "s");
}

TEST_CASE("quirk: two spaces between items", "[parser][quirks]") {
    auto q = parse_one<quota_data>("* QUOTA \"\" (STORAGE 54 111 MESSAGE 42  1000)\r\n");
    REQUIRE(q.resources.size() == 2);
    CHECK(q.resources[1].limit == 1000);
    auto f = parse_one<fetch_data>("* 2  FETCH  (UID  5  FLAGS  (\\Seen))\r\n");
    CHECK(f.uid == 5u);
    auto s = parse_one<search_data>("* SEARCH  1  2\r\n");
    CHECK(s.ids.size() == 2);
}

TEST_CASE("quirk: a continuation with no text", "[parser][quirks]") {
    auto all = parse_all("+\r\n+\n+ \r\n");
    REQUIRE(all.size() == 3);
    for (auto& r : all) CHECK(std::get<continuation_request>(r).text.empty());
}

TEST_CASE("quirk: a line neither tagged nor untagged (Exchange)", "[parser][quirks]") {
    auto all = parse_all("Server Unavailable. 15\r\n* 1 EXISTS\r\n");
    REQUIRE(all.size() == 2);
    auto& u = std::get<unparsed_data>(all[0]);
    CHECK(u.line == "Server Unavailable. 15");
    CHECK_THAT(u.error, Catch::Contains("OK, NO or BAD"));
    CHECK(std::get<exists_data>(all[1]).count == 1);
    CHECK(std::holds_alternative<unparsed_data>(parse_all(")\r\n").at(0)));
    CHECK(std::holds_alternative<unparsed_data>(parse_all("\"quoted\" stuff\r\n").at(0)));
}

// --- Status responses and response codes -------------------------------------

TEST_CASE("quirk: no text after the status or the code", "[parser][quirks]") {
    auto all = parse_all("A1 OK\r\n* BYE\r\n* OK [HIGHESTMODSEQ 7]\r\nA2 NO\r\n");
    REQUIRE(all.size() == 4);
    auto a = std::get<status_response>(all[0]);
    CHECK(a.tag == "A1");
    CHECK(a.text.empty());
    CHECK(std::get<status_response>(all[1]).status == status_kind::bye);
    auto h = std::get<status_response>(all[2]);
    CHECK(h.code->number == 7u);
    CHECK(h.text.empty());
    CHECK(std::get<status_response>(all[3]).status == status_kind::no);
}

TEST_CASE("quirk: a response code without a status", "[parser][quirks]") {
    auto all = parse_all("[COPYUID 55 31 6]\r\n* [COPYUID 1436285939 12 34] done\r\n");
    REQUIRE(all.size() == 2);
    auto a = std::get<status_response>(all[0]);
    CHECK(a.tag.empty());
    CHECK(a.code->name == "COPYUID");
    CHECK(a.code->number == 55u);
    CHECK(a.code->uid_set == "31");
    CHECK(a.code->dest_uid_set == "6");
    auto b = std::get<status_response>(all[1]);
    CHECK(b.code->number == 1436285939u);
    CHECK(b.code->dest_uid_set == "34");
    CHECK(b.text == "done");
}

TEST_CASE("quirk: response codes with odd content", "[parser][quirks]") {
    auto all = parse_all(
        "* OK [UIDVALIDITY 0] UIDs valid\r\n"
        "A1 OK [COPYUID 1436285939  ] done\r\n"
        "* OK [UIDNEXT abc] odd\r\n"
        "* OK [] empty\r\n"
        "* OK [X-UNKNOWN-CODE some (raw \"stuff\")] text\r\n"
        "* NO [UNAVAILABLE\r\n");
    REQUIRE(all.size() == 6);
    CHECK(std::get<status_response>(all[0]).code->number == 0u);
    auto c = std::get<status_response>(all[1]).code.value();
    CHECK(c.number == 1436285939u);
    CHECK(c.uid_set.empty());
    CHECK(c.dest_uid_set.empty());
    auto n = std::get<status_response>(all[2]).code.value();
    CHECK_FALSE(n.number);
    CHECK(n.raw == "abc");
    CHECK(std::get<status_response>(all[3]).code->name.empty());
    CHECK(std::get<status_response>(all[3]).text == "empty");
    auto x = std::get<status_response>(all[4]).code.value();
    CHECK(x.name == "X-UNKNOWN-CODE");
    CHECK(x.raw == "some (raw \"stuff\")");
    // An unterminated code: the rest of the line is the code.
    auto u = std::get<status_response>(all[5]);
    CHECK(u.code->name == "UNAVAILABLE");
}

TEST_CASE("quirk: ']' inside a quoted string in a code", "[parser][quirks]") {
    auto r = parse_one<status_response>("* NO [BADCHARSET (\"x]y\" UTF-8)] unsupported [charset]\r\n");
    CHECK(r.code->name == "BADCHARSET");
    CHECK(r.code->list == std::vector<std::string>{"x]y", "UTF-8"});
    CHECK(r.text == "unsupported [charset]");
    auto a = parse_one<status_response>("* OK [ALERT \"Mailbox ] is full\"] warning\r\n");
    CHECK(a.code->raw == "\"Mailbox ] is full\"");
    CHECK(a.text == "warning");
}

TEST_CASE("quirk: several bracketed parts and UTF-8 in the text (Gmail)", "[parser][quirks]") {
    auto r = parse_one<status_response>(
        "E OK [READ-WRITE] [Gmail]/\xD0\x92\xD1\x81\xD1\x8F \xD0\xBF\xD0\xBE\xD1\x87\xD1\x82\xD0\xB0 selected. (Success) [THROTTLED]\r\n");
    CHECK(r.tag == "E");
    CHECK(r.code->name == "READ-WRITE");
    CHECK(r.text == "[Gmail]/\xD0\x92\xD1\x81\xD1\x8F \xD0\xBF\xD0\xBE\xD1\x87\xD1\x82\xD0\xB0 selected. (Success) [THROTTLED]");
}

TEST_CASE("quirk: throttling with a suggested back-off (Exchange)", "[parser][quirks]") {
    auto r = parse_one<status_response>("X BAD Request is throttled. Suggested Backoff Time: 92415 milliseconds\r\n");
    CHECK(r.status == status_kind::bad);
    REQUIRE(r.backoff);
    CHECK(r.backoff->count() == 92415);
    auto s = parse_one<status_response>("A1 NO [THROTTLED] Request is throttled. Suggested backoff time: 3 seconds\r\n");
    REQUIRE(s.backoff);
    CHECK(s.backoff->count() == 3000);
    CHECK_FALSE(parse_one<status_response>("A1 OK no throttling here\r\n").backoff);
    CHECK_FALSE(parse_one<status_response>("A1 NO Backoff time: soon\r\n").backoff);
}

TEST_CASE("quirk: repeated BYE without closing (Yandex)", "[parser][quirks]") {
    auto all = parse_all("* BYE Autologout; idle for too long\r\n* BYE Autologout; idle for too long\r\n");
    REQUIRE(all.size() == 2);
    for (auto& r : all) CHECK(std::get<status_response>(r).status == status_kind::bye);
}

// --- Numbers -------------------------------------------------------------------

TEST_CASE("quirk: negative sizes and MODSEQ become 0", "[parser][quirks]") {
    auto f = parse_one<fetch_data>(
        "* 1 FETCH (MODSEQ (-1) RFC822.SIZE -1 BODYSTRUCTURE (\"text\" \"plain\" NIL NIL NIL \"7bit\" -1 -1))\r\n");
    CHECK(f.modseq == 0u);
    CHECK(f.size == 0u);
    CHECK(f.bodystructure->size == 0);
    CHECK(f.bodystructure->lines == 0u);
    // Not message numbers: "* -1 EXISTS" read as 0 would empty the mailbox
    // state (refused: see "message numbers and UIDs beyond 32 bits").
    CHECK(std::holds_alternative<unparsed_data>(parse_all("* -1 EXISTS\r\n").at(0)));
}

TEST_CASE("quirk: a float where an integer belongs", "[parser][quirks]") {
    auto q = parse_one<quota_data>("* QUOTA \"\" (STORAGE 9.3736e+06 1.048576e+07)\r\n");
    CHECK(q.resources.at(0).usage == 9373600);
    CHECK(q.resources.at(0).limit == 10485760);
    auto f = parse_one<fetch_data>("* 1 FETCH (RFC822.SIZE 1234.0 UID 7)\r\n");
    CHECK(f.size == 1234u);
    CHECK(f.uid == 7u);
    CHECK(parse_one<quota_data>("* QUOTA x (STORAGE 1e400 -2.5)\r\n").resources.at(0).usage == UINT64_MAX);
}

TEST_CASE("quirk: 64-bit values in QUOTA, MODSEQ, X-GM-MSGID", "[parser][quirks]") {
    auto q = parse_one<quota_data>("* QUOTA \"\" (STORAGE 18014398509481984 18446744073709551615)\r\n");
    CHECK(q.resources.at(0).usage == 18014398509481984ull);
    CHECK(q.resources.at(0).limit == 18446744073709551615ull);
    auto f = parse_one<fetch_data>("* 1 FETCH (MODSEQ (9223372036854775808) X-GM-MSGID 1659147830488592370)\r\n");
    CHECK(f.modseq == 9223372036854775808ull);
    CHECK(f.gmail_msgid == 1659147830488592370ull);
    // Beyond 64 bits saturates rather than wrapping.
    CHECK(parse_one<fetch_data>("* 1 FETCH (MODSEQ (99999999999999999999999))\r\n").modseq == UINT64_MAX);
    // Beyond 32 bits where a UID belongs is no UID: not saturated into one
    // that names another message, reported as unreadable.
    auto u = parse_one<fetch_data>("* 1 FETCH (UID 4294967296)\r\n");
    CHECK_FALSE(u.uid);
    CHECK(u.unreadable.size() == 1);
}

TEST_CASE("quirk: message number 0 in FETCH (old Courier)", "[parser][quirks]") {
    auto f = parse_one<fetch_data>("* 0 FETCH (UID 12 FLAGS ())\r\n");
    CHECK(f.seq == 0);
    CHECK(f.uid == 12u);
}

// --- Strings and atoms ------------------------------------------------------------

TEST_CASE("quirk: unquoted mailbox names with spaces, brackets, 8-bit bytes", "[parser][quirks]") {
    auto l = parse_one<list_data>("* LIST (\\UnMarked) \".\" INBOX.[Airmail].Snooze\r\n");
    CHECK(l.name == "INBOX.[Airmail].Snooze");
    auto sp = parse_one<list_data>("* LIST (\\HasNoChildren) \"/\" Sent Items\r\n");
    CHECK(sp.name == "Sent Items");
    auto tab = parse_one<list_data>("* LSUB () \"/\" a\tb (old)\r\n");
    CHECK(tab.name == "a\tb (old)");
    auto s = parse_one<status_data>("* STATUS Segregator/Spo\xC5\x82\x65\x63zno\xC5\x9B\x63i (MESSAGES 0 UIDNEXT 1 UIDVALIDITY 1)\r\n");
    CHECK(s.mailbox == "Segregator/Spo\xC5\x82\x65\x63zno\xC5\x9B\x63i");
    CHECK(s.get("UIDNEXT") == 1u);
    auto s2 = parse_one<status_data>("* STATUS My Folder (x) (MESSAGES 4)\r\n");
    CHECK(s2.mailbox == "My Folder (x)");
    CHECK(s2.get("MESSAGES") == 4u);
    auto s3 = parse_one<status_data>("* STATUS [Gmail]/Sent Mail (MESSAGES 4)\r\n");
    CHECK(s3.mailbox == "[Gmail]/Sent Mail");
}

TEST_CASE("quirk: unescaped quotes inside quoted strings", "[parser][quirks]") {
    auto l = parse_one<list_data>("* LIST () \"/\" \"\"\"\"\r\n");
    CHECK(l.name == "\"\"");
    auto f = parse_one<fetch_data>(
        "* 1 FETCH (ENVELOPE (NIL \"a \"b\" c\" ((\"Joe \"Jr\" Smith\" NIL \"joe\" \"x.org\")) NIL NIL NIL NIL NIL NIL \"<1@x>\") UID 3)\r\n");
    CHECK(f.envelope->subject == "a \"b\" c");
    CHECK(f.envelope->from.at(0).name == "Joe \"Jr\" Smith");
    CHECK(f.envelope->message_id == "<1@x>");
    CHECK(f.uid == 3u);
    auto s = parse_one<status_data>("* STATUS \"say \"hi\" now\" (MESSAGES 2)\r\n");
    CHECK(s.mailbox == "say \"hi\" now");
    CHECK(s.get("MESSAGES") == 2u);
    auto d = parse_one<fetch_data>("* 1 FETCH (INTERNALDATE \"01-Jan-2020 00:00:00 +0000\" UID 9)\r\n");
    CHECK(d.internal_date_raw == "01-Jan-2020 00:00:00 +0000");
    CHECK(d.uid == 9u);
}

TEST_CASE("quirk: a literal whose length counts characters, not bytes", "[parser][quirks]") {
    // "\xC5\xBB\xC3\xB3\xC5\x82w" is 4 characters in 7 bytes.
    auto all = parse_all(
        "* 1 FETCH (ENVELOPE (NIL {4}\r\n\xC5\xBB\xC3\xB3\xC5\x82w NIL NIL NIL NIL NIL NIL NIL NIL) UID 5)\r\n"
        "* LIST () \"/\" {4}\r\n\xC5\xBB\xC3\xB3\xC5\x82w\r\n"
        "* 2 FETCH (BODY[TEXT] {6}\r\nZa\xC5\xBC\xC3\xB3\xC5\x82\xC4\x87 UID 6)\r\n"
        "* 3 FETCH (BODY[TEXT] {3}\r\nabc UID 7)\r\n");
    REQUIRE(all.size() == 4);
    auto& a = std::get<fetch_data>(all[0]);
    CHECK(a.envelope->subject == "\xC5\xBB\xC3\xB3\xC5\x82w");
    CHECK(a.uid == 5u);
    CHECK(std::get<list_data>(all[1]).name == "\xC5\xBB\xC3\xB3\xC5\x82w");
    auto& b = std::get<fetch_data>(all[2]);
    CHECK(b.sections.at(0).data == "Za\xC5\xBC\xC3\xB3\xC5\x82\xC4\x87");
    CHECK(b.uid == 6u);
    // A correct byte count is never second-guessed.
    CHECK(std::get<fetch_data>(all[3]).sections.at(0).data == "abc");
    auto c = parse_one<fetch_data>("* 4 FETCH (BODY[TEXT] {7}\r\n\xC5\xBB\xC3\xB3\xC5\x82w UID 8)\r\n");
    CHECK(c.sections.at(0).data == "\xC5\xBB\xC3\xB3\xC5\x82w");
}

TEST_CASE("quirk: NIL where a list or string is expected, () where NIL is", "[parser][quirks]") {
    auto l = parse_one<list_data>("* LIST NIL NIL INBOX\r\n");
    CHECK(l.flags.empty());
    CHECK_FALSE(l.delimiter);
    CHECK(l.name == "INBOX");
    auto f = parse_one<fetch_data>(
        "* 1 FETCH (FLAGS NIL X-GM-LABELS NIL ENVELOPE (() () () NIL () NIL NIL NIL () ()) "
        "BODYSTRUCTURE (\"text\" \"plain\" () () () \"7bit\" 5 1 () () () ()))\r\n");
    REQUIRE(f.flags);
    CHECK(f.flags->empty());
    CHECK(f.gmail_labels->empty());
    CHECK_FALSE(f.envelope->date_raw);
    CHECK_FALSE(f.envelope->subject);
    CHECK(f.envelope->from.empty());
    CHECK_FALSE(f.envelope->message_id);
    auto& b = *f.bodystructure;
    CHECK(b.params.empty());
    CHECK_FALSE(b.id);
    CHECK_FALSE(b.description);
    CHECK_FALSE(b.md5);
    CHECK_FALSE(b.disposition);
    CHECK(b.language.empty());
    CHECK_FALSE(b.location);
    auto n = parse_one<namespace_data>("* NAMESPACE () NIL ()\r\n");
    CHECK(n.personal.empty());
}

// --- BODYSTRUCTURE and ENVELOPE ----------------------------------------------------

TEST_CASE("quirk: multipart with NIL children and all-NIL parts", "[parser][quirks]") {
    auto f = parse_one<fetch_data>(
        "* 1 FETCH (BODYSTRUCTURE ((\"text\" \"plain\" NIL NIL NIL \"7bit\" 10 1) NIL "
        "(NIL NIL NIL NIL NIL NIL NIL) \"mixed\" NIL NIL NIL) UID 1)\r\n");
    auto& b = *f.bodystructure;
    CHECK(b.is_multipart());
    CHECK(b.subtype == "mixed");
    REQUIRE(b.parts.size() == 2);
    CHECK(b.parts[1].type.empty());
    CHECK(b.parts[1].subtype.empty());
    CHECK(b.parts[1].encoding == "7BIT");
    CHECK(b.parts[1].size == 0);
    CHECK(f.uid == 1u);
    auto g = parse_one<fetch_data>("* 2 FETCH (BODYSTRUCTURE (NIL (\"text\" \"html\" NIL NIL NIL \"8bit\" 3 1) \"alternative\"))\r\n");
    CHECK(g.bodystructure->parts.size() == 1);
    CHECK(g.bodystructure->subtype == "alternative");
    auto h = parse_one<fetch_data>("* 3 FETCH (BODYSTRUCTURE ((\"text\" \"plain\" NIL NIL NIL \"7bit\" 1 1) NIL \"mixed\"))\r\n");
    CHECK(h.bodystructure->subtype == "mixed");
    auto all_nil = parse_one<fetch_data>("* 4 FETCH (BODYSTRUCTURE (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL))\r\n");
    CHECK(all_nil.bodystructure->encoding == "7BIT");
    CHECK_FALSE(all_nil.bodystructure->is_multipart());
}

TEST_CASE("quirk: odd BODYSTRUCTURE fields", "[parser][quirks]") {
    // Missing subtype (single and multipart), NIL encoding, bare "inline",
    // (NIL NIL) disposition, NIL parameter values.
    auto f = parse_one<fetch_data>(
        "* 1 FETCH (BODYSTRUCTURE ((\"text\" (\"charset\" NIL \"format\") NIL NIL NIL 12 2 NIL \"inline\" NIL NIL)"
        "(\"application\" \"pdf\" (\"name\" \"a.pdf\") NIL NIL \"base64\" 100 NIL (NIL NIL) NIL NIL)"
        "(\"image\" \"png\" NIL NIL NIL NIL 5 NIL (\"attachment\" (\"filename\" NIL)) \"en\" NIL)))\r\n");
    auto& b = *f.bodystructure;
    CHECK(b.is_multipart());
    CHECK(b.subtype.empty());
    REQUIRE(b.parts.size() == 3);
    auto& t = b.parts[0];
    CHECK(t.type == "text");
    CHECK(t.subtype.empty());
    REQUIRE(t.params.size() == 2);
    CHECK_FALSE(t.params[0].second);
    CHECK(t.params[1].first == "format");
    CHECK_FALSE(t.params[1].second);
    CHECK(t.encoding == "7BIT");
    CHECK(t.size == 12);
    CHECK(t.lines == 2u);
    REQUIRE(t.disposition);
    CHECK(t.disposition->type == "inline");
    CHECK_FALSE(b.parts[1].disposition);
    CHECK(b.parts[2].encoding == "7BIT");
    CHECK(b.parts[2].disposition->params.at(0).first == "filename");
    CHECK_FALSE(b.parts[2].disposition->params.at(0).second);
    CHECK(b.parts[2].language == std::vector<std::string>{"en"});
}

TEST_CASE("quirk: message/rfc822 with an empty envelope or none", "[parser][quirks]") {
    auto empty_env = parse_one<fetch_data>(
        "* 1 FETCH (BODYSTRUCTURE (\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 300 () "
        "(\"text\" \"plain\" NIL NIL NIL \"7bit\" 20 2) 12 NIL NIL NIL NIL))\r\n");
    auto& a = *empty_env.bodystructure;
    REQUIRE(a.message_envelope);
    CHECK(*a.message_envelope == envelope{});
    REQUIRE(a.parts.size() == 1);
    CHECK(a.parts[0].size == 20);
    CHECK(a.lines == 12u);

    auto no_env = parse_one<fetch_data>(
        "* 2 FETCH (BODYSTRUCTURE (\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 300 "
        "(\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 20 2) 12) UID 4)\r\n");
    auto& b = *no_env.bodystructure;
    CHECK_FALSE(b.message_envelope);
    REQUIRE(b.parts.size() == 1);
    CHECK(b.parts[0].subtype == "plain");
    CHECK(b.lines == 12u);
    CHECK(no_env.uid == 4u);

    auto nothing = parse_one<fetch_data>("* 3 FETCH (BODYSTRUCTURE (\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 300) UID 5)\r\n");
    CHECK(nothing.bodystructure->parts.empty());
    CHECK_FALSE(nothing.bodystructure->lines);

    auto nil_env = parse_one<fetch_data>(
        "* 4 FETCH (BODYSTRUCTURE (\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 300 NIL NIL 7))\r\n");
    CHECK_FALSE(nil_env.bodystructure->message_envelope);
    CHECK(nil_env.bodystructure->parts.empty());
    CHECK(nil_env.bodystructure->lines == 7u);
}

TEST_CASE("quirk: ENVELOPE with missing trailing fields and odd addresses", "[parser][quirks]") {
    auto f = parse_one<fetch_data>(
        "* 1 FETCH (ENVELOPE (\"Mon, 1 Jan 2018 10:00:00 +0000\" \"short\" "
        "((NIL NIL \"MISSING_MAILBOX\" \"MISSING_DOMAIN\")) ((NIL NIL \"joe\" \".MISSING-HOST-NAME.\")) "
        "((\"only name\")) ((NIL NIL \"a\" \"b\" \"extra\"))) UID 2)\r\n");
    auto& e = *f.envelope;
    CHECK(e.subject == "short");
    CHECK(e.from.at(0).email() == "MISSING_MAILBOX@MISSING_DOMAIN");
    CHECK(e.sender.at(0).host == ".MISSING-HOST-NAME.");
    CHECK(e.reply_to.at(0).name == "only name");
    CHECK_FALSE(e.reply_to.at(0).mailbox);
    CHECK(e.to.at(0).email() == "a@b");
    CHECK(e.cc.empty());
    CHECK_FALSE(e.message_id);
    CHECK(f.uid == 2u);
    auto g = parse_one<fetch_data>("* 2 FETCH (ENVELOPE ())\r\n");
    CHECK(*g.envelope == envelope{});
    auto h = parse_one<fetch_data>("* 3 FETCH (ENVELOPE (NIL \"=?UTF-8?B?w6lsw6hWZQ==?=\" \"undisclosed\" NIL NIL NIL NIL NIL))\r\n");
    CHECK(h.envelope->subject == "=?UTF-8?B?w6lsw6hWZQ==?=");
    CHECK(h.envelope->from.empty());  // a string where the list belongs
}

// --- Dates -------------------------------------------------------------------------------

TEST_CASE("quirk: INTERNALDATE in odd shapes keeps the raw text", "[parser][quirks]") {
    using namespace std::chrono;
    auto a = parse_one<fetch_data>("* 1 FETCH (INTERNALDATE \" 9-Feb-2007 17:08:08 -0430\")\r\n");
    REQUIRE(a.internal_date);
    CHECK(a.internal_date->offset == minutes{-270});
    CHECK(a.internal_date->utc == sys_days{year{2007} / 2 / 9} + hours{21} + minutes{38} + seconds{8});
    auto b = parse_one<fetch_data>("* 1 FETCH (INTERNALDATE \"09-Feb-2007 17:08:08 0400\")\r\n");
    REQUIRE(b.internal_date);
    CHECK(b.internal_date->offset == minutes{240});
    auto c = parse_one<fetch_data>("* 1 FETCH (INTERNALDATE \"garbage\" UID 3)\r\n");
    CHECK_FALSE(c.internal_date);
    CHECK(c.internal_date_raw == "garbage");
    CHECK(c.uid == 3u);
}

TEST_CASE("quirk: ENVELOPE dates in many shapes", "[parser][quirks]") {
    auto date_of = [](std::string_view d) {
        std::string wire = "* 1 FETCH (ENVELOPE (\"" + std::string(d) + "\" NIL NIL NIL NIL NIL NIL NIL NIL NIL))\r\n";
        auto f = parse_one<fetch_data>(wire);
        CHECK(f.envelope->date_raw == std::string(d));
        return f.envelope->date;
    };
    CHECK(date_of("Sat, 8 May 2010 16.03.09 +0200"));
    CHECK(date_of("Wednesday,18 August 2010 16.03.09 -0200"));
    CHECK(date_of("8 May 2010 16:03:09 EST"));
    CHECK(date_of("Sat, 8 May 2010 16:03:09"));
    CHECK_FALSE(date_of("not a date at all"));
    CHECK_FALSE(date_of(""));
}

// --- What other clients' test suites and real servers' answers showed ---------

TEST_CASE("quirk: STATUS items that are not numbers are kept (MAILBOXID, APPENDLIMIT NIL)", "[parser][quirks]") {
    auto s = parse_one<status_data>(
        "* STATUS \"INBOX\" (MESSAGES 60 SIZE 1024 MAILBOXID (d0f3b017-d3ec) APPENDLIMIT NIL X-FOO \"bar\" UNSEEN 0)\r\n");
    CHECK(s.mailbox == "INBOX");
    CHECK(s.get("MESSAGES") == 60u);
    CHECK(s.get("UNSEEN") == 0u);  // items after the odd ones are read too
    REQUIRE(s.other.size() == 3);
    CHECK(s.other[0].first == "MAILBOXID");
    REQUIRE(s.other[0].second.items.size() == 1);
    CHECK(s.other[0].second.items[0].text == "d0f3b017-d3ec");
    CHECK(s.other[1].first == "APPENDLIMIT");
    CHECK(s.other[1].second.is_nil());
    CHECK(s.other[2].first == "X-FOO");
    CHECK(s.other[2].second.text == "bar");
}

TEST_CASE("quirk: flags with brackets in FLAGS and PERMANENTFLAGS are whole", "[parser][quirks]") {
    auto f = parse_one<flags_data>("* FLAGS (\\Answered [foo]/bar \\Seen $Label])\r\n");
    CHECK(f.flags == std::vector<std::string>{"\\Answered", "[foo]/bar", "\\Seen", "$Label]"});
    auto p = parse_one<status_response>("* OK [PERMANENTFLAGS (\\Seen [foo]/bar \\*)] Limited\r\n");
    REQUIRE(p.code);
    CHECK(p.code->list == std::vector<std::string>{"\\Seen", "[foo]/bar", "\\*"});
    CHECK(p.text == "Limited");
    // A lone "]" inside the list does not end the code either.
    auto q = parse_one<status_response>("* OK [PERMANENTFLAGS (\\Seen foo]bar \\*)] Limited\r\n");
    REQUIRE(q.code);
    CHECK(q.code->list == std::vector<std::string>{"\\Seen", "foo]bar", "\\*"});
    CHECK(q.text == "Limited");
    // An unbalanced "(" in a code's text leaves the brackets to decide.
    auto a = parse_one<status_response>("* OK [ALERT (sic] text\r\n");
    REQUIRE(a.code);
    CHECK(a.code->name == "ALERT");
    CHECK(a.text == "text");
    auto m = parse_one<fetch_data>("* 1 FETCH (FLAGS (\\Seen [foo]/bar) UID 4)\r\n");
    CHECK(*m.flags == std::vector<std::string>{"\\Seen", "[foo]/bar"});
    CHECK(m.uid == 4u);
}

TEST_CASE("quirk: SEARCH ids out of range are set aside, not clamped", "[parser][quirks]") {
    auto s = parse_one<search_data>("* SEARCH 1 -1 4294967301 0 4294967295 7 x9\r\n");
    CHECK(s.ids == std::vector<std::uint32_t>{1, 4294967295u, 7});
    CHECK(s.invalid_ids == std::vector<std::string>{"-1", "4294967301", "0", "x9"});
    auto m = parse_one<search_data>("* SEARCH 2 3 (MODSEQ 917162500)\r\n");
    CHECK(m.ids == std::vector<std::uint32_t>{2, 3});
    CHECK(m.invalid_ids.empty());
    CHECK(m.modseq == 917162500u);
}

TEST_CASE("quirk: a tagged reply that is not OK, NO or BAD keeps its tag", "[parser][quirks]") {
    auto u = parse_one<unparsed_data>("A3 MAYBE [ALERT] later\r\n");
    CHECK(u.tag == "A3");
    CHECK(u.line == "A3 MAYBE [ALERT] later");
    CHECK_THAT(u.error, Catch::Contains("OK, NO or BAD"));
    CHECK(parse_one<unknown_data>("* MAYBE\r\n").keyword == "MAYBE");  // untagged: unknown data
}

TEST_CASE("quirk: a FETCH item without its value (Yandex) loses only that item", "[parser][quirks]") {
    auto f = parse_one<fetch_data>("* 1 FETCH (UID 3016 BODY[2.MIME] {5}\r\nhello BODY[2] )\r\n");
    CHECK(f.uid == 3016u);
    REQUIRE(f.sections.size() == 1);
    CHECK(f.sections[0].data == "hello");
    REQUIRE(f.unreadable.size() == 1);
    CHECK(f.unreadable[0].item == "BODY[2]");
    CHECK_THAT(f.unreadable[0].reason, Catch::Contains("string or NIL"));
}

TEST_CASE("quirk: FETCH items inside an extra pair of parentheses (Domino)", "[parser][quirks]") {
    auto f = parse_one<fetch_data>(
        "* 2 FETCH (UID 14935 (ENVELOPE (NIL \"Hi\" NIL NIL NIL NIL NIL NIL NIL NIL)) "
        "BODYSTRUCTURE (\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 0 0 NIL))\r\n");
    CHECK(f.uid == 14935u);
    REQUIRE(f.envelope);
    CHECK(f.envelope->subject == "Hi");
    REQUIRE(f.bodystructure);
    CHECK(f.bodystructure->type == "TEXT");
    CHECK(f.unreadable.empty());
}

TEST_CASE("quirk: FETCH content that does not parse is reported, the rest kept", "[parser][quirks]") {
    auto f = parse_one<fetch_data>("* 3 FETCH (UID abc FLAGS (\\Seen) X-GM-MSGID (1) MODSEQ (5))\r\n");
    REQUIRE(f.flags);
    CHECK(f.modseq == 5u);
    CHECK_FALSE(f.uid);
    REQUIRE(f.unreadable.size() == 2);
    CHECK(f.unreadable[0].item == "UID");
    CHECK_THAT(f.unreadable[0].reason, Catch::Contains("UID"));
    CHECK(f.unreadable[1].item == "X-GM-MSGID");
    // Broken beyond recovery (a list that never closes): what came before stays.
    auto g = parse_one<fetch_data>("* 1 FETCH (UID 8 ENVELOPE (\"date\" \"subj\" ((\"a\" NIL \"b\" \"c\")\r\n");
    CHECK(g.uid == 8u);
    REQUIRE(g.unreadable.size() == 2);
    CHECK(g.unreadable[0].item == "ENVELOPE");
    CHECK(g.unreadable[1].item.empty());
    CHECK_THAT(g.unreadable[1].reason, Catch::Contains("rest of the response"));
    // A well-read response reports nothing.
    CHECK(parse_one<fetch_data>("* 1 FETCH (UID 8 FLAGS ())\r\n").unreadable.empty());
}

TEST_CASE("quirk: ESEARCH MIN/MAX out of range are not clamped either", "[parser][quirks]") {
    auto e = parse_one<esearch_data>("* ESEARCH (TAG \"A1\") UID MIN -1 MAX 4294967301 COUNT 2\r\n");
    CHECK_FALSE(e.min);
    CHECK_FALSE(e.max);
    CHECK(e.count == 2u);
    REQUIRE(e.other.size() == 2);
    CHECK(e.other[0].first == "MIN");
    CHECK(e.other[0].second.text == "-1");
    CHECK(e.other[1].first == "MAX");
    CHECK(e.other[1].second.text == "4294967301");
    auto ok = parse_one<esearch_data>("* ESEARCH UID MIN 7 MAX 3800\r\n");
    CHECK(ok.min == 7u);
    CHECK(ok.max == 3800u);
    CHECK(ok.other.empty());
}

TEST_CASE("quirk: message numbers and UIDs beyond 32 bits are refused, not clamped", "[parser][quirks]") {
    // An EXISTS or EXPUNGE nobody could mean: unparsed, so the mailbox state keeps its count.
    auto e = parse_one<unparsed_data>("* 4294967301 EXISTS\r\n");
    CHECK_THAT(e.error, Catch::Contains("message number"));
    CHECK(std::holds_alternative<unparsed_data>(parse_all("* -1 EXPUNGE\r\n").at(0)));
    CHECK(parse_one<exists_data>("* 4294967295 EXISTS\r\n").count == 4294967295u);
    // A UID out of range is an item that could not be read: the message has no UID.
    auto f = parse_one<fetch_data>("* 1 FETCH (UID 4294967301 FLAGS (\\Seen))\r\n");
    CHECK_FALSE(f.uid);
    REQUIRE(f.flags);
    REQUIRE(f.unreadable.size() == 1);
    CHECK(f.unreadable[0].item == "UID");
    CHECK_FALSE(parse_one<fetch_data>("* 1 FETCH (UID -1)\r\n").uid);
}
