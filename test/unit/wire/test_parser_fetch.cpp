// FETCH: every item, ENVELOPE, BODY and BODYSTRUCTURE.
#include "parser_test_util.hpp"

using namespace parser_test;

TEST_CASE("fetch: UID, FLAGS, RFC822.SIZE, MODSEQ, INTERNALDATE", "[parser]") {
    auto f = parse_one<fetch_data>(
        "* 23 FETCH (UID 4827313 FLAGS (\\Seen \\Answered $Forwarded NonJunk) RFC822.SIZE 44827 "
        "MODSEQ (12121231000) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\")\r\n");
    CHECK(f.seq == 23);
    CHECK(f.uid == 4827313u);
    REQUIRE(f.flags);
    CHECK(*f.flags == std::vector<std::string>{"\\Seen", "\\Answered", "$Forwarded", "NonJunk"});
    CHECK(f.size == 44827u);
    CHECK(f.modseq == 12121231000ull);
    CHECK(f.internal_date_raw == "17-Jul-1996 02:44:25 -0700");
    REQUIRE(f.internal_date);
    // 02:44:25 at -0700 is 09:44:25 UTC.
    using namespace std::chrono;
    CHECK(f.internal_date->utc == sys_days{year{1996} / 7 / 17} + hours{9} + minutes{44} + seconds{25});
    CHECK(f.internal_date->offset == minutes{-420});
    CHECK_FALSE(f.envelope);
    CHECK(f.sections.empty());
    CHECK(f.other.empty());
}

TEST_CASE("fetch: item names are case-insensitive", "[parser]") {
    auto f = parse_one<fetch_data>("* 1 fetch (uid 5 Flags () rfc822.size 10 x-gm-msgid 1 body[] {1}\r\nx Modseq (3))\r\n");
    CHECK(f.uid == 5u);
    REQUIRE(f.flags);
    CHECK(f.flags->empty());
    CHECK(f.size == 10u);
    CHECK(f.gmail_msgid == 1u);
    CHECK(f.modseq == 3u);
    REQUIRE(f.sections.size() == 1);
    CHECK(f.sections[0].name == "BODY[]");
}

TEST_CASE("fetch: sections with origins and header field lists", "[parser]") {
    auto f = parse_one<fetch_data>(
        "* 2 FETCH (BODY[HEADER.FIELDS (SUBJECT FROM)] {36}\r\nSubject: hi\r\nFrom: a@example.org\r\n\r\n "
        "BODY[1.2.MIME] \"Content-Type: text/plain\" BODY[TEXT]<0> {5}\r\nhello "
        "BODY[]<1024> NIL BODY[HEADER.FIELDS.NOT (\"X-Spam\" RECEIVED)] {2}\r\n\r\n "
        "binary[2] ~{3}\r\n\x00\x01\x02 BINARY.SIZE[2] 3)\r\n"sv);
    REQUIRE(f.sections.size() == 7);
    CHECK(f.sections[0].name == "BODY[HEADER.FIELDS (SUBJECT FROM)]");
    CHECK(f.sections[0].data == "Subject: hi\r\nFrom: a@example.org\r\n\r\n");
    CHECK_FALSE(f.sections[0].origin);
    CHECK(f.sections[1].name == "BODY[1.2.MIME]");
    CHECK(f.sections[2].name == "BODY[TEXT]");
    CHECK(f.sections[2].origin == 0u);
    CHECK(f.sections[2].data == "hello");
    CHECK(f.sections[3].name == "BODY[]");
    CHECK(f.sections[3].origin == 1024u);
    CHECK_FALSE(f.sections[3].data);
    CHECK(f.sections[4].name == "BODY[HEADER.FIELDS.NOT (\"X-SPAM\" RECEIVED)]");
    CHECK(f.sections[5].name == "BINARY[2]");
    CHECK(f.sections[5].data == std::string("\0\1\2", 3));
    CHECK(f.sections[6].name == "BINARY.SIZE[2]");
    CHECK(f.sections[6].data == "3");
    CHECK(f.other.empty());
    CHECK(f.section("binary.size[2]") == &f.sections[6]);
    // Lookups as a caller would write them.
    CHECK(f.section("BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)]") == &f.sections[0]);
    CHECK(f.section("BODY.PEEK[TEXT]<0.5>") == &f.sections[2]);
    CHECK(f.section("BINARY.PEEK[2]") == &f.sections[5]);
}

TEST_CASE("fetch: RFC822, RFC822.HEADER, RFC822.TEXT", "[parser]") {
    auto f = parse_one<fetch_data>(
        "* 3 FETCH (RFC822.HEADER {14}\r\nSubject: x\r\n\r\n RFC822.TEXT {4}\r\nbody RFC822 NIL)\r\n");
    REQUIRE(f.sections.size() == 3);
    CHECK(f.sections[0].name == "RFC822.HEADER");
    CHECK(f.sections[0].data == "Subject: x\r\n\r\n");
    CHECK(f.sections[1].name == "RFC822.TEXT");
    CHECK(f.sections[1].data == "body");
    CHECK(f.sections[2].name == "RFC822");
    CHECK_FALSE(f.sections[2].data);
    CHECK(f.section("rfc822.text") == &f.sections[1]);
}

TEST_CASE("fetch: Gmail extensions", "[parser]") {
    auto f = parse_one<fetch_data>(
        "* 1 FETCH (X-GM-THRID 1278455344230334865 X-GM-MSGID 1278455344230334865 "
        "X-GM-LABELS (\\Inbox \\Sent Important \"Muy Importante\" \"[Gmail]/Starred\" {8}\r\nfoo\r\nbar) UID 101 FLAGS (\\Seen))\r\n");
    CHECK(f.gmail_thrid == 1278455344230334865ull);
    CHECK(f.gmail_msgid == 1278455344230334865ull);
    REQUIRE(f.gmail_labels);
    CHECK(*f.gmail_labels == std::vector<std::string>{"\\Inbox", "\\Sent", "Important", "Muy Importante", "[Gmail]/Starred", "foo\r\nbar"});
    CHECK(f.uid == 101u);
    auto e = parse_one<fetch_data>("* 2 FETCH (X-GM-LABELS () UID 3)\r\n");
    REQUIRE(e.gmail_labels);
    CHECK(e.gmail_labels->empty());
    auto big = parse_one<fetch_data>("* 2 FETCH (X-GM-MSGID 18446744073709551615)\r\n");
    CHECK(big.gmail_msgid == 18446744073709551615ull);
}

TEST_CASE("fetch: EMAILID, THREADID, SAVEDATE, PREVIEW", "[parser]") {
    auto f = parse_one<fetch_data>(
        "* 27 FETCH (EMAILID (M6d99ac3275bb4e) THREADID (T64b478a75b7ea9) SAVEDATE \"12-Aug-2021 09:10:11 +0200\" "
        "PREVIEW \"Hello Bob, here is the report you asked for\")\r\n");
    CHECK(f.email_id == "M6d99ac3275bb4e");
    CHECK(f.thread_id == "T64b478a75b7ea9");
    REQUIRE(f.save_date);
    using namespace std::chrono;
    CHECK(f.save_date->utc == sys_days{year{2021} / 8 / 12} + hours{7} + minutes{10} + seconds{11});
    CHECK(f.preview == "Hello Bob, here is the report you asked for");
    auto n = parse_one<fetch_data>("* 28 FETCH (EMAILID (M1) THREADID NIL SAVEDATE NIL PREVIEW NIL)\r\n");
    CHECK(n.email_id == "M1");
    CHECK_FALSE(n.thread_id);
    CHECK_FALSE(n.save_date);
    CHECK_FALSE(n.preview);
    auto fz = parse_one<fetch_data>("* 29 FETCH (PREVIEW (FUZZY) {11}\r\nhello world)\r\n");
    CHECK(fz.preview == "hello world");
}

TEST_CASE("fetch: unknown items are kept raw", "[parser]") {
    auto f = parse_one<fetch_data>("* 4 FETCH (X-SNIPPET \"hi\" x-priority 3 XFOO (1 (2 NIL)) X-LIST BODY[1]<5> UID 9)\r\n");
    REQUIRE(f.other.size() == 4);
    CHECK(f.other[0].first == "X-SNIPPET");
    CHECK(f.other[0].second.text == "hi");
    CHECK(f.other[1].first == "X-PRIORITY");
    CHECK(f.other[1].second.type == raw_value::kind::number);
    CHECK(f.other[2].second.to_string() == "(1 (2 NIL))");
    CHECK(f.other[3].first == "X-LIST");
    CHECK(f.other[3].second.text == "BODY[1]<5>");
    CHECK(f.uid == 9u);
}

TEST_CASE("fetch: ENVELOPE with groups, NIL entries and literals", "[parser]") {
    auto f = parse_one<fetch_data>(
        "* 5 FETCH (ENVELOPE (\"Mon, 7 Feb 1994 21:52:25 -0800 (PST)\" {14}\r\nSubject\r\n line "
        "((\"=?utf-8?q?Fr=C3=A9d?=\" NIL \"fred\" \"example.org\")) NIL "
        "((NIL NIL \"undisclosed-recipients\" NIL)(NIL NIL NIL NIL)) "
        "((\"A\" \"@route\" \"a\" \"x.org\") NIL (NIL NIL \"b\" \"y.org\")) "
        "((NIL NIL \"team\" NIL)(\"C\" NIL \"c\" \"z.org\")(NIL NIL NIL NIL)) NIL "
        "\"<parent@example.org>\" \"<id@example.org>\") UID 3)\r\n");
    REQUIRE(f.envelope);
    auto& e = *f.envelope;
    CHECK(e.date_raw == "Mon, 7 Feb 1994 21:52:25 -0800 (PST)");
    REQUIRE(e.date);
    using namespace std::chrono;
    CHECK(e.date->utc == sys_days{year{1994} / 2 / 8} + hours{5} + minutes{52} + seconds{25});
    CHECK(e.subject == "Subject\r\n line");
    REQUIRE(e.from.size() == 1);
    CHECK(e.from[0].name == "=?utf-8?q?Fr=C3=A9d?=");
    CHECK(decode_header(*e.from[0].name) == "Fr\xC3\xA9" "d");
    CHECK(e.from[0].email() == "fred@example.org");
    CHECK(e.sender.empty());
    REQUIRE(e.reply_to.size() == 2);
    CHECK(e.reply_to[0].is_group_start());
    CHECK(e.reply_to[1].is_group_end());
    REQUIRE(e.to.size() == 2);  // the NIL entry is dropped
    CHECK(e.to[0].route == "@route");
    CHECK(e.to[1].email() == "b@y.org");
    REQUIRE(e.cc.size() == 3);
    CHECK(e.cc[0].mailbox == "team");
    CHECK(e.bcc.empty());
    CHECK(e.in_reply_to == "<parent@example.org>");
    CHECK(e.message_id == "<id@example.org>");
    CHECK(f.uid == 3u);
}

TEST_CASE("fetch: ENVELOPE NIL everywhere, and NIL ENVELOPE", "[parser]") {
    auto f = parse_one<fetch_data>("* 6 FETCH (ENVELOPE (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL))\r\n");
    REQUIRE(f.envelope);
    CHECK(*f.envelope == envelope{});
    auto g = parse_one<fetch_data>("* 6 FETCH (ENVELOPE NIL UID 1)\r\n");
    CHECK_FALSE(g.envelope);
    CHECK(g.uid == 1u);
}

TEST_CASE("fetch: BODYSTRUCTURE of a simple text part (Dovecot)", "[parser]") {
    auto f = parse_one<fetch_data>(
        "* 1 FETCH (UID 1 BODYSTRUCTURE (\"text\" \"plain\" (\"charset\" \"us-ascii\" \"format\" \"flowed\") NIL NIL \"7bit\" 1152 23 "
        "NIL NIL NIL NIL))\r\n");
    REQUIRE(f.bodystructure);
    auto& b = *f.bodystructure;
    CHECK_FALSE(b.is_multipart());
    CHECK(b.type == "text");
    CHECK(b.subtype == "plain");
    REQUIRE(b.params.size() == 2);
    CHECK(b.params[1] == std::pair<std::string, std::optional<std::string>>{"format", "flowed"});
    CHECK_FALSE(b.id);
    CHECK(b.encoding == "7bit");
    CHECK(b.size == 1152);
    CHECK(b.lines == 23u);
    CHECK_FALSE(b.md5);
    CHECK_FALSE(b.disposition);
    CHECK(b.language.empty());
    CHECK_FALSE(b.location);
    CHECK(b.parts.empty());
}

TEST_CASE("fetch: multipart BODYSTRUCTURE with extension data (RFC 3501 example)", "[parser]") {
    auto f = parse_one<fetch_data>(
        "* 2 FETCH (BODYSTRUCTURE ((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 1152 23)"
        "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\" \"NAME\" \"cc.diff\") \"<960723163407.20117h@cac.washington.edu>\" "
        "\"Compiler diff\" \"BASE64\" 4554 73) \"MIXED\"))\r\n");
    auto& b = *f.bodystructure;
    CHECK(b.is_multipart());
    CHECK(b.type == "multipart");
    CHECK(b.subtype == "MIXED");
    REQUIRE(b.parts.size() == 2);
    CHECK(b.parts[1].id == "<960723163407.20117h@cac.washington.edu>");
    CHECK(b.parts[1].description == "Compiler diff");
    CHECK(b.parts[1].encoding == "BASE64");
    CHECK(b.parts[1].lines == 73u);
    CHECK(b.params.empty());
}

TEST_CASE("fetch: nested multipart with attachments and extensions (Gmail)", "[parser]") {
    auto f = parse_one<fetch_data>(
        "* 7 FETCH (X-GM-MSGID 1 BODYSTRUCTURE ((((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"UTF-8\") NIL NIL \"QUOTED-PRINTABLE\" 1090 28 NIL NIL NIL)"
        "(\"TEXT\" \"HTML\" (\"CHARSET\" \"UTF-8\") NIL NIL \"QUOTED-PRINTABLE\" 7286 147 NIL NIL NIL) \"ALTERNATIVE\" "
        "(\"BOUNDARY\" \"000000000000b0e5\") NIL NIL)"
        "(\"IMAGE\" \"PNG\" (\"NAME\" \"logo.png\") \"<ii_k7bq>\" NIL \"BASE64\" 11298 NIL (\"INLINE\" (\"FILENAME\" \"logo.png\")) NIL NIL) "
        "\"RELATED\" (\"BOUNDARY\" \"000000000000b0e6\") NIL NIL)"
        "(\"APPLICATION\" \"PDF\" (\"NAME\" \"report.pdf\") \"<f_k7bq>\" NIL \"BASE64\" 143352 \"d41d8cd98f00b204e9800998ecf8427e\" "
        "(\"ATTACHMENT\" (\"FILENAME\" \"report.pdf\" \"SIZE\" \"104756\")) (\"EN\" \"DE\") \"http://example.org/r.pdf\" X-EXT (1 2)) "
        "\"MIXED\" (\"BOUNDARY\" \"000000000000b0e7\") (\"INLINE\" NIL) \"EN\" NIL))\r\n");
    auto& b = *f.bodystructure;
    CHECK(b.subtype == "MIXED");
    CHECK(b.params.at(0).second == "000000000000b0e7");
    REQUIRE(b.disposition);
    CHECK(b.disposition->type == "INLINE");
    CHECK(b.language == std::vector<std::string>{"EN"});
    CHECK_FALSE(b.location);
    REQUIRE(b.parts.size() == 2);
    auto& related = b.parts[0];
    CHECK(related.subtype == "RELATED");
    REQUIRE(related.parts.size() == 2);
    CHECK(related.parts[0].subtype == "ALTERNATIVE");
    CHECK(related.parts[0].parts.at(1).subtype == "HTML");
    CHECK(related.parts[0].parts.at(1).lines == 147u);
    CHECK(related.parts[1].disposition->params.at(0).second == "logo.png");
    CHECK_FALSE(related.parts[1].lines);
    auto& pdf = b.parts[1];
    CHECK(pdf.size == 143352);
    CHECK(pdf.md5 == "d41d8cd98f00b204e9800998ecf8427e");
    CHECK(pdf.disposition->type == "ATTACHMENT");
    CHECK(pdf.disposition->params.size() == 2);
    CHECK(pdf.language == std::vector<std::string>{"EN", "DE"});
    CHECK(pdf.location == "http://example.org/r.pdf");
    REQUIRE(pdf.extensions.size() == 2);
    CHECK(pdf.extensions[0].text == "X-EXT");
    CHECK(pdf.extensions[1].to_string() == "(1 2)");
}

TEST_CASE("fetch: message/rfc822 part with envelope and body", "[parser]") {
    auto f = parse_one<fetch_data>(
        "* 9 FETCH (BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 20 1 NIL NIL NIL NIL)"
        "(\"message\" \"rfc822\" (\"name\" \"fwd.eml\") NIL NIL \"7bit\" 842 "
        "(\"Tue, 1 Mar 2022 10:00:00 +0000\" \"Inner\" ((NIL NIL \"x\" \"a.org\")) ((NIL NIL \"x\" \"a.org\")) ((NIL NIL \"x\" \"a.org\")) "
        "((NIL NIL \"y\" \"b.org\")) NIL NIL NIL \"<inner@a.org>\") "
        "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 12 2 NIL NIL NIL NIL) 19 NIL (\"attachment\" NIL) NIL NIL) "
        "\"mixed\" (\"boundary\" \"b1\") NIL NIL NIL))\r\n");
    auto& m = f.bodystructure->parts.at(1);
    CHECK(m.type == "message");
    CHECK(m.subtype == "rfc822");
    CHECK(m.size == 842);
    REQUIRE(m.message_envelope);
    CHECK(m.message_envelope->subject == "Inner");
    CHECK(m.message_envelope->message_id == "<inner@a.org>");
    REQUIRE(m.parts.size() == 1);
    CHECK(m.parts[0].size == 12);
    CHECK(m.lines == 19u);
    CHECK(m.disposition->type == "attachment");
}

TEST_CASE("fetch: BODY (non-extensible) form", "[parser]") {
    auto f = parse_one<fetch_data>(
        "* 10 FETCH (BODY ((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"8bit\" 100 4)(\"application\" \"octet-stream\" NIL NIL NIL \"base64\" 2000) \"mixed\"))\r\n");
    REQUIRE(f.body);
    CHECK_FALSE(f.bodystructure);
    CHECK(f.body->parts.size() == 2);
    CHECK(f.body->parts[1].params.empty());
    CHECK_FALSE(f.body->parts[1].lines);
    CHECK_FALSE(f.body->disposition);
}

TEST_CASE("fetch: the FETCH with everything, as a real client asks", "[parser]") {
    std::string msg = "From: a@b\r\nSubject: t\r\n\r\nbody\r\n";
    std::string wire = "* 1234 FETCH (UID 98765 RFC822.SIZE " + std::to_string(msg.size()) +
                       " FLAGS (\\Seen) INTERNALDATE \" 9-Feb-2007 08:00:00 +0100\" MODSEQ (6) "
                       "ENVELOPE (NIL \"t\" ((NIL NIL \"a\" \"b\")) NIL NIL NIL NIL NIL NIL NIL) "
                       "BODYSTRUCTURE (\"text\" \"plain\" NIL NIL NIL \"7bit\" 6 1 NIL NIL NIL NIL) "
                       "BODY[] {" + std::to_string(msg.size()) + "}\r\n" + msg + ")\r\n";
    auto f = parse_one<fetch_data>(wire);
    CHECK(f.seq == 1234);
    CHECK(f.uid == 98765u);
    CHECK(f.size == msg.size());
    CHECK(f.internal_date);
    CHECK(f.internal_date_raw == " 9-Feb-2007 08:00:00 +0100");
    CHECK(f.envelope->from.at(0).email() == "a@b");
    CHECK_FALSE(f.envelope->date);
    CHECK(f.bodystructure->lines == 1u);
    CHECK(f.section("BODY[]")->data == msg);
}
