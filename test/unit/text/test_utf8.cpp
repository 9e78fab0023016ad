// The UTF-8 walker of the text codecs (lib/text/utf8.hpp): strict decoding
// for names and header text, boundaries only for the literal framer.
#include <catch2/catch.hpp>

#include "text/utf8.hpp"

#include <string>
#include <utility>
#include <vector>

namespace text = imapclient::text;
using text::utf8_check;
using text::utf8_status;

namespace {

// Sequences written out by hand from RFC 3629's table, not by append_utf8.
const std::vector<std::pair<std::string, char32_t>> valid = {
    {std::string(1, '\0'), 0x00}, {"A", 0x41},
    {"\x7f", 0x7F},          {"\xc2\x80", 0x80},
    {"\xc3\xbc", 0xFC},      {"\xdf\xbf", 0x7FF},
    {"\xe0\xa0\x80", 0x800}, {"\xe2\x82\xac", 0x20AC},
    {"\xed\x9f\xbf", 0xD7FF}, {"\xee\x80\x80", 0xE000},
    {"\xef\xbf\xbd", 0xFFFD}, {"\xef\xbf\xbf", 0xFFFF},
    {"\xf0\x90\x80\x80", 0x10000}, {"\xf0\x9f\x98\x80", 0x1F600},
    {"\xf4\x8f\xbf\xbf", 0x10FFFF},
};

std::string bytes(const char* s, std::size_t n) { return std::string(s, n); }

}  // namespace

TEST_CASE("utf8: decodes every length of sequence", "[utf8]") {
    for (const auto& [text, cp] : valid) {
        const std::string& s = text;
        INFO(static_cast<unsigned long>(cp));
        for (auto check : {utf8_check::strict, utf8_check::boundaries}) {
            const auto c = text::decode_utf8(s, 0, check);
            CHECK(c.status == utf8_status::ok);
            CHECK(c.code_point == cp);
            CHECK(c.size == s.size());
        }
        CHECK(text::is_valid_utf8(s));
    }
}

TEST_CASE("utf8: decodes at a position, not from the start", "[utf8]") {
    const std::string s = "a\xc3\xbc\xe2\x82\xac\xf0\x9f\x98\x80z";
    std::vector<char32_t> cps;
    for (std::size_t i = 0; i < s.size();) {
        const auto c = text::decode_utf8(s, i);
        REQUIRE(c.status == utf8_status::ok);
        cps.push_back(c.code_point);
        i += c.size;
    }
    CHECK(cps == std::vector<char32_t>{U'a', 0xFC, 0x20AC, 0x1F600, U'z'});
    CHECK(text::decode_utf8(s, 1).size == 2);
    CHECK(text::decode_utf8(s, 3).size == 3);
    CHECK(text::decode_utf8(s, 6).size == 4);
    // The middle of a sequence is no place to start.
    CHECK(text::decode_utf8(s, 2).status == utf8_status::bad_lead);
}

TEST_CASE("utf8: strict decoding names each kind of error", "[utf8]") {
    const std::vector<std::pair<std::string, utf8_status>> bad = {
        {"\x80", utf8_status::bad_lead},               // stray continuation byte
        {"\xbf", utf8_status::bad_lead},
        {"\xf8\x88\x80\x80\x80", utf8_status::bad_lead},  // the old 5-byte form
        {"\xff", utf8_status::bad_lead},
        {"\xc3", utf8_status::truncated},
        {"\xe6\x97", utf8_status::truncated},
        {"\xf0\x9f\x98", utf8_status::truncated},
        {"\xe6\x41\x41", utf8_status::bad_continuation},
        {"\xf0\x9f\xc3\xbc", utf8_status::bad_continuation},
        {"\xc3(", utf8_status::bad_continuation},
        {"\xc0\xaf", utf8_status::overlong},            // overlong '/'
        {"\xc1\xbf", utf8_status::overlong},
        {"\xe0\x80\xaf", utf8_status::overlong},
        {"\xe0\x9f\xbf", utf8_status::overlong},
        {"\xf0\x8f\xbf\xbf", utf8_status::overlong},
        {"\xf4\x90\x80\x80", utf8_status::too_large},
        {"\xf7\xbf\xbf\xbf", utf8_status::too_large},
        {"\xed\xa0\x80", utf8_status::surrogate},
        {"\xed\xbf\xbf", utf8_status::surrogate},
    };
    for (const auto& [s, status] : bad) {
        INFO(s);
        const auto c = text::decode_utf8(s, 0);
        CHECK(c.status == status);
        CHECK(c.size == 0);
        CHECK_FALSE(text::is_valid_utf8(s));
        CHECK_FALSE(text::is_valid_utf8("ok " + s + " ok"));
    }
    // Truncation is checked before the continuation bytes that are there.
    CHECK(text::decode_utf8("\xe6\x41", 0).status == utf8_status::truncated);
}

TEST_CASE("utf8: boundaries only check the lead and the continuation bytes", "[utf8]") {
    // Well-formed in shape, wrong in value: one character each here.
    for (const std::string s : {"\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xf0\x8f\xbf\xbf"}) {
        INFO(s);
        const auto c = text::decode_utf8(s, 0, utf8_check::boundaries);
        CHECK(c.status == utf8_status::ok);
        CHECK(c.size == s.size());
        CHECK(text::decode_utf8(s, 0).status != utf8_status::ok);
    }
    // Leads that can start nothing valid are refused at once, even with
    // nothing after them, so the framer never waits on them.
    for (const std::string s : {"\xc0", "\xc1\xbf", "\xf5", "\xf7\xbf\xbf\xbf", "\x80", "\xff"}) {
        INFO(s);
        CHECK(text::decode_utf8(s, 0, utf8_check::boundaries).status == utf8_status::bad_lead);
    }
    CHECK(text::decode_utf8("\xc0", 0).status == utf8_status::truncated);
    CHECK(text::decode_utf8("\xe0\x80", 0, utf8_check::boundaries).status == utf8_status::truncated);
    CHECK(text::decode_utf8("\xe0\x80(", 0, utf8_check::boundaries).status == utf8_status::bad_continuation);
}

TEST_CASE("utf8: is_valid_utf8 on whole strings", "[utf8]") {
    CHECK(text::is_valid_utf8(""));
    CHECK(text::is_valid_utf8("INBOX"));
    CHECK(text::is_valid_utf8("Entw\xc3\xbcrfe"));
    CHECK(text::is_valid_utf8(bytes("a\0b", 3)));
    CHECK_FALSE(text::is_valid_utf8("Entw\xfcrfe"));  // Latin-1
    CHECK_FALSE(text::is_valid_utf8("ab\xc3"));        // cut in the middle
}

TEST_CASE("utf8: append_utf8 and decode_utf8 agree on every scalar value", "[utf8]") {
    std::string s;
    for (char32_t cp = 0; cp <= 0x10FFFF; ++cp) {
        if (cp >= 0xD800 && cp <= 0xDFFF) continue;
        s.clear();
        text::append_utf8(s, cp);
        const std::size_t size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
        const auto c = text::decode_utf8(s, 0);
        if (c.status != utf8_status::ok || c.code_point != cp || c.size != size || s.size() != size) {
            INFO(static_cast<unsigned long>(cp));
            FAIL("round trip");
        }
    }
    SUCCEED();
}

TEST_CASE("utf8: append_utf8 writes the table's forms", "[utf8]") {
    for (const auto& [text, cp] : valid) {
        std::string s;
        text::append_utf8(s, cp);
        CHECK(s == text);
    }
}
