#include <catch2/catch.hpp>

#include <imapclient/utf7.hpp>

#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

using imapclient::decode_utf7;
using imapclient::encode_utf7;
using imapclient::try_decode_utf7;

namespace {

// (UTF-8, modified UTF-7) pairs; the second column was computed with an
// independent implementation (UTF-16BE + base64, "/" -> ",", no padding).
const std::vector<std::pair<std::string, std::string>> vectors = {
    {"", ""},
    {"INBOX", "INBOX"},
    {"Entwürfe", "Entw&APw-rfe"},
    {"&", "&-"},
    {"a&b", "a&-b"},
    {"&&", "&-&-"},
    {"台北/日本語", "&U,BTFw-/&ZeVnLIqe-"},
    {"~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"},
    {"Отправленные", "&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-"},
    {"[Gmail]/Вся почта", "[Gmail]/&BBIEQQRP- &BD8EPgRHBEIEMA-"},
    {"😀", "&2D3eAA-"},
    {"a😀b", "a&2D3eAA-b"},
    {"𝄞 music", "&2DTdHg- music"},
    {"tab\there", "tab&AAk-here"},
    {"\x7f", "&AH8-"},
    {"ü&ü", "&APw-&-&APw-"},
    {"Ünïcödé&Co", "&ANw-n&AO8-c&APY-d&AOk-&-Co"},
    {"€", "&IKw-"},
    {"ÿ", "&AP8-"},
    {" !\"#$%'()*+,-./~", " !\"#$%'()*+,-./~"},
};

void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

}  // namespace

TEST_CASE("modified UTF-7 encodes known vectors", "[utf7]") {
    for (const auto& [utf8, utf7] : vectors) {
        INFO(utf8);
        CHECK(encode_utf7(utf8) == utf7);
    }
}

TEST_CASE("modified UTF-7 decodes known vectors", "[utf7]") {
    for (const auto& [utf8, utf7] : vectors) {
        INFO(utf7);
        auto decoded = try_decode_utf7(utf7);
        REQUIRE(decoded);
        CHECK(*decoded == utf8);
        CHECK(decode_utf7(utf7) == utf8);
    }
}

TEST_CASE("modified UTF-7 output is printable ASCII only", "[utf7]") {
    for (const auto& [utf8, utf7] : vectors) {
        for (char c : encode_utf7(utf8)) {
            CHECK(static_cast<unsigned char>(c) >= 0x20);
            CHECK(static_cast<unsigned char>(c) <= 0x7e);
        }
    }
}

TEST_CASE("modified UTF-7 round-trips random BMP and non-BMP text", "[utf7]") {
    std::mt19937 rng(12345);
    std::uniform_int_distribution<int> kind(0, 4);
    std::uniform_int_distribution<std::uint32_t> ascii(0x20, 0x7e);
    std::uniform_int_distribution<std::uint32_t> bmp(0x80, 0xFFFD);
    std::uniform_int_distribution<std::uint32_t> astral(0x10000, 0x10FFFF);
    std::uniform_int_distribution<int> length(0, 24);
    for (int round = 0; round < 2000; ++round) {
        std::string text;
        int n = length(rng);
        for (int i = 0; i < n; ++i) {
            std::uint32_t cp;
            switch (kind(rng)) {
            case 0:
            case 1: cp = ascii(rng); break;
            case 2: cp = '&'; break;
            case 3:
                do cp = bmp(rng);
                while (cp >= 0xD800 && cp <= 0xDFFF);
                break;
            default: cp = astral(rng); break;
            }
            append_utf8(text, cp);
        }
        std::string encoded = encode_utf7(text);
        auto decoded = try_decode_utf7(encoded);
        INFO(encoded);
        REQUIRE(decoded);
        CHECK(*decoded == text);
        // Encoding is canonical: re-encoding the decoded text is identical.
        CHECK(encode_utf7(*decoded) == encoded);
    }
}

TEST_CASE("try_decode_utf7 rejects invalid modified UTF-7", "[utf7]") {
    const std::vector<std::string> bad = {
        "&",            // shift without end
        "abc&",         // same, at the end
        "&AGE",         // base64 without '-'
        "&APw",         // same
        "&A!E-",        // character outside the base64 alphabet
        "&AP/-",        // '/' is ',' in modified UTF-7
        "&AP=-",        // no padding in modified UTF-7
        "&APx-",        // non-zero padding bits
        "&A-",          // 6 bits: not even one UTF-16 unit
        "&AA-",         // 12 bits: not a UTF-16 unit
        "&APwA-",       // a whole base64 digit of padding
        "&AGE-",        // encodes 'a', which must be written directly
        "&ACY-",        // encodes '&', which must be written "&-"
        "&ACA-",        // encodes a space
        "&2D0-",        // lone high surrogate
        "&3gA-",        // lone low surrogate
        "&2D0AQQ-",     // high surrogate followed by 'A'
        "&2D3YPQ-",     // two high surrogates
        "Entw\xc3\xbcrfe",  // raw UTF-8 is not modified UTF-7
        "a\x01z",       // control character
        "a\tb",         // tab must be encoded
        std::string("a\0b", 3),
    };
    for (const auto& s : bad) {
        INFO(s);
        CHECK_FALSE(try_decode_utf7(s));
        // The lenient form keeps the raw name.
        CHECK(decode_utf7(s) == s);
    }
}

TEST_CASE("encode_utf7 rejects invalid UTF-8", "[utf7]") {
    const std::vector<std::string> bad = {
        "\xff",                  // never valid
        "ab\xc3",                // truncated two-byte sequence
        "\xe6\x97",              // truncated three-byte sequence
        "\xc0\xaf",              // overlong '/'
        "\xe0\x80\xaf",          // overlong '/'
        "\xed\xa0\x80",          // UTF-8 encoded surrogate
        "\xf4\x90\x80\x80",      // past U+10FFFF
        "\x80",                  // stray continuation byte
        "a\xc3(",                // bad continuation byte
    };
    for (const auto& s : bad) {
        INFO(s);
        CHECK_THROWS_AS(encode_utf7(s), std::invalid_argument);
    }
}
