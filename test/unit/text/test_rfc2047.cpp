#include <catch2/catch.hpp>

#include <imapclient/types.hpp>

#include <string>
#include <utility>
#include <vector>

using imapclient::decode_header;

namespace {

// Encoded forms were produced by an independent encoder (Python codecs).
const std::vector<std::pair<std::string, std::string>> decodable = {
    // Plain text and raw 8-bit text pass through.
    {"", ""},
    {"Hello world", "Hello world"},
    {"Grüße", "Grüße"},
    {"a = b ? c", "a = b ? c"},
    // B and Q, any case.
    {"=?UTF-8?B?SGVsbG8gV29ybGQ=?=", "Hello World"},
    {"=?utf-8?b?R3LDvMOfZSBhdXMgS8O2bG4=?=", "Grüße aus Köln"},
    {"=?UTF-8?B?w6k?=", "é"},  // padding dropped
    {"=?utf-8?q?caf=C3=A9?=", "café"},
    {"=?utf-8?q?caf=c3=a9?=", "café"},  // lower-case hex
    {"=?US-ASCII?Q?Keith_Moore?=", "Keith Moore"},
    {"=?UTF-8?Q?\?=", ""},
    {"=?UTF-8*en?Q?hi?=", "hi"},  // RFC 2231 language
    {"=?UTF-8?Q?=3D=3F?=", "=?"},
    // RFC 2047 section 8 examples.
    {"=?ISO-8859-1?Q?Andr=E9?= Pirard", "André Pirard"},
    {"(=?ISO-8859-1?Q?a?=)", "(a)"},
    {"(=?ISO-8859-1?Q?a?= b)", "(a b)"},
    {"(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)", "(ab)"},
    {"(=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=)", "(ab)"},
    {"(=?ISO-8859-1?Q?a?=\r\n    =?ISO-8859-1?Q?b?=)", "(ab)"},
    {"(=?ISO-8859-1?Q?a_b?=)", "(a b)"},
    {"(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)", "(a b)"},
    // Mixed with text, folding.
    {"Re: =?UTF-8?B?w6k=?= and more", "Re: é and more"},
    {"Subject line\r\n continued", "Subject line continued"},
    {"=?UTF-8?Q?a?==?UTF-8?Q?b?=", "ab"},
    // A character split across two words of the same charset.
    {"=?UTF-8?Q?=C3?= =?UTF-8?Q?=A9?=", "é"},
    {"=?UTF-8?B?5pel5g==?= =?UTF-8?B?nKzoqp7jg4bjgq3jgrnjg4g=?=", "日本語テキスト"},
    // Charsets through iconv.
    {"=?windows-1252?Q?=80?=", "€"},
    {"=?koi8-r?B?8NLJ18XU?=", "Привет"},
    {"=?windows-1251?B?z/Do4uXy?=", "Привет"},
    {"=?iso-2022-jp?B?GyRCRnxLXDhsGyhC?=", "日本語"},
    {"=?gb2312?B?1tDOxA==?=", "中文"},
    {"=?GBK?Q?=D6=D0=CE=C4?=", "中文"},
    {"=?shift_jis?B?k/qWew==?=", "日本"},
    {"=?iso-8859-2?Q?=A3=F3d=BC?=", "Łódź"},
    {"=?big5?B?pKSk5Q==?=", "中文"},
    {"=?euc-kr?B?x9Gxub7u?=", "한국어"},
    {"=?ks_c_5601-1987?B?x9Gxub7u?=", "한국어"},
    {"=?iso-8859-15?B?pA==?=", "€"},
    {"=?latin1?Q?=E9?=", "é"},
};

// Words that cannot be decoded stay exactly as they were.
const std::vector<std::string> undecodable = {
    "=?x-unknown?Q?abc?=",
    "=?UTF-8?B?@@@?=",
    "=?UTF-8?B?w6k=x?=",
    "=?UTF-8?B?A?=",
    "=?UTF-8?Q?=ZZ?=",
    "=?UTF-8?Q?=C?=",
    "=?UTF-8?Q?=FF?=",      // not UTF-8
    "=?UTF-8?Q?=C3?=",      // truncated UTF-8
    "=?US-ASCII?Q?=FF?=",
    "=?UTF-8?X?abc?=",
    "=?UTF-8?Q?abc",
    "=?UTF-8?Q?a b?=",
    "=?UTF-8?Q?a?b?=",      // a raw "?" cannot be in encoded text
    "=??Q?abc?=",
    "=?UTF-8?QQ?abc?=",
    "=?iso-2022-jp?B?GyRCRg==?=",  // truncated double-byte character
};

}  // namespace

TEST_CASE("decode_header decodes encoded words", "[rfc2047]") {
    for (const auto& [raw, expected] : decodable) {
        INFO(raw);
        CHECK(decode_header(raw) == expected);
    }
}

TEST_CASE("decode_header keeps undecodable words as they were", "[rfc2047]") {
    for (const auto& raw : undecodable) {
        INFO(raw);
        CHECK(decode_header(raw) == raw);
        // And inside other text.
        CHECK(decode_header("x " + raw + " y") == "x " + raw + " y");
    }
}

TEST_CASE("decode_header keeps whitespace next to a word kept raw", "[rfc2047]") {
    CHECK(decode_header("=?x-unknown?Q?a?= =?UTF-8?Q?b?=") == "=?x-unknown?Q?a?= b");
    CHECK(decode_header("=?UTF-8?Q?a?= =?x-unknown?Q?b?= =?UTF-8?Q?c?=") == "a =?x-unknown?Q?b?= c");
    // A bad word between good ones of the same charset does not spoil them.
    CHECK(decode_header("=?UTF-8?Q?a?= =?UTF-8?B?@?= =?UTF-8?Q?c?=") == "a =?UTF-8?B?@?= c");
    // Text between words is kept.
    CHECK(decode_header("=?UTF-8?Q?a?= x =?UTF-8?Q?b?=") == "a x b");
}

TEST_CASE("decode_header never fails on hostile input", "[rfc2047]") {
    const std::vector<std::string> hostile = {
        "=?", "=?=", "=?\?=", "=?\?\?=", "=?\?\?\?=", "?=", "=?UTF-8?", "=?UTF-8?B?", "=?UTF-8?B??",
        std::string("=?UTF-8?Q?\0?=", 13), "=?\xff?Q?a?=", "=?UTF-8?Q?\xff?=", std::string(1000, '='),
        "=?UTF-8?B?" + std::string(5000, 'A') + "?=",
    };
    for (const auto& s : hostile) {
        INFO(s);
        CHECK_NOTHROW(decode_header(s));
    }
    // Many almost-words in a long line must not take quadratic time; the
    // test would run for minutes if they did.
    std::string almost;
    for (int i = 0; i < 200000; ++i) almost += "=?a?b?";
    almost += "x?=";
    CHECK(decode_header(almost) == almost);
    std::string no_end = "=?UTF-8?Q?" + std::string(1'000'000, 'a');
    CHECK(decode_header(no_end) == no_end);
    // Long valid input still decodes completely.
    std::string big;
    for (int i = 0; i < 2000; ++i) big += "=?UTF-8?Q?=C3=A9?= ";
    std::string expected;
    for (int i = 0; i < 2000; ++i) expected += "é";
    CHECK(decode_header(big) == expected + " ");
    CHECK(decode_header("=?UTF-8?B?" + std::string(5000, 'A') + "?=") == std::string(3750, '\0'));
}
