// The small helpers of the public value types.
#include <imapclient/response.hpp>

#include <catch2/catch.hpp>

using namespace imapclient;

TEST_CASE("iequals compares ASCII case-insensitively", "[parser][types]") {
    CHECK(iequals("FETCH", "fetch"));
    CHECK(iequals("X-GM-Labels", "x-gm-labels"));
    CHECK(iequals("", ""));
    CHECK_FALSE(iequals("FETCH", "FETCHX"));
    CHECK_FALSE(iequals("UID", "UIE"));
    // Only ASCII letters fold: '@' (0x40) and '`' (0x60) are different.
    CHECK_FALSE(iequals("@", "`"));
    CHECK_FALSE(iequals("[", "{"));
    CHECK(iequals("\xC3\xA9", "\xC3\xA9"));
    CHECK_FALSE(iequals("\xC3\xA9", "\xC3\x89"));
}

TEST_CASE("to_string(status_kind)", "[parser][types]") {
    CHECK(to_string(status_kind::ok) == "OK");
    CHECK(to_string(status_kind::no) == "NO");
    CHECK(to_string(status_kind::bad) == "BAD");
    CHECK(to_string(status_kind::preauth) == "PREAUTH");
    CHECK(to_string(status_kind::bye) == "BYE");
}

TEST_CASE("address::email and group markers", "[parser][types]") {
    address a{std::string("Fred"), std::nullopt, std::string("fred"), std::string("example.org")};
    CHECK(a.email() == "fred@example.org");
    CHECK_FALSE(a.is_group_start());
    CHECK_FALSE(a.is_group_end());

    address group{std::nullopt, std::nullopt, std::string("undisclosed-recipients"), std::nullopt};
    CHECK(group.is_group_start());
    CHECK(group.email() == "undisclosed-recipients");

    address end{};
    CHECK(end.is_group_end());
    CHECK(end.email().empty());

    address odd{std::nullopt, std::nullopt, std::string("MISSING_MAILBOX"), std::string(".MISSING-HOST-NAME.")};
    CHECK(odd.email() == "MISSING_MAILBOX@.MISSING-HOST-NAME.");
}

TEST_CASE("raw_value::to_string re-serialises IMAP syntax", "[parser][types]") {
    using k = raw_value::kind;
    CHECK(raw_value{}.to_string() == "NIL");
    CHECK(raw_value{k::atom, "\\Seen", {}}.to_string() == "\\Seen");
    CHECK(raw_value{k::number, "42", {}}.to_string() == "42");
    CHECK(raw_value{k::string, "a \"b\" \\c", {}}.to_string() == "\"a \\\"b\\\" \\\\c\"");
    CHECK(raw_value{k::string, "", {}}.to_string() == "\"\"");
    CHECK(raw_value{k::string, "two\r\nlines", {}}.to_string() == "{10}\r\ntwo\r\nlines");
    raw_value list{k::list, "", {raw_value{k::atom, "A", {}}, raw_value{}, raw_value{k::list, "", {}},
                                 raw_value{k::list, "", {raw_value{k::number, "1", {}}, raw_value{k::string, "x", {}}}}}};
    CHECK(list.to_string() == "(A NIL () (1 \"x\"))");
    CHECK(raw_value{}.is_nil());
    CHECK_FALSE(list.is_nil());
}

TEST_CASE("status_data::get is case-insensitive", "[parser][types]") {
    status_data s{"INBOX", {{"MESSAGES", 17}, {"UIDNEXT", 4392}, {"HIGHESTMODSEQ", 1ull << 40}}};
    CHECK(s.get("MESSAGES") == 17u);
    CHECK(s.get("uidnext") == 4392u);
    CHECK(s.get("HighestModSeq") == (1ull << 40));
    CHECK_FALSE(s.get("UNSEEN").has_value());
    CHECK_FALSE(status_data{}.get("MESSAGES").has_value());
}

TEST_CASE("fetch_data::section matches what was asked for", "[parser][types]") {
    fetch_data f;
    f.sections.push_back({"BODY[]", 0, std::string("whole")});
    f.sections.push_back({"BODY[HEADER.FIELDS (SUBJECT FROM)]", std::nullopt, std::string("hdr")});
    f.sections.push_back({"BINARY[1]", std::nullopt, std::string("bin")});
    f.sections.push_back({"RFC822.HEADER", std::nullopt, std::nullopt});

    REQUIRE(f.section("BODY[]"));
    CHECK(f.section("BODY[]")->data == "whole");
    CHECK(f.section("body.peek[]") == f.section("BODY[]"));
    CHECK(f.section("BODY.PEEK[]<0.20>") == f.section("BODY[]"));
    CHECK(f.section("BODY[]<0>") == f.section("BODY[]"));
    REQUIRE(f.section("BODY.PEEK[header.fields (subject from)]"));
    CHECK(f.section("BODY.PEEK[header.fields (subject from)]")->data == "hdr");
    REQUIRE(f.section("BINARY.PEEK[1]"));
    CHECK(f.section("BINARY.PEEK[1]")->data == "bin");
    REQUIRE(f.section("rfc822.header"));
    CHECK_FALSE(f.section("rfc822.header")->data.has_value());
    CHECK(f.section("BODY[1]") == nullptr);
    CHECK(f.section("BODY[HEADER]") == nullptr);
    CHECK(f.section("RFC822") == nullptr);
    CHECK(f.section("") == nullptr);
}
