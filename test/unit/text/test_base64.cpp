// The base64 forms of lib/text/base64.hpp beyond the padded SASL one
// (whose RFC 4648 vectors are in operations/test_sasl.cpp).
#include <catch2/catch.hpp>

#include "text/base64.hpp"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace text = imapclient::text;
using text::base64_alphabet;

namespace {

std::optional<std::string> some(std::string s) { return s; }

std::string all_bytes() {
    std::string all;
    for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
    return all;
}

}  // namespace

TEST_CASE("base64: relaxed decoding takes short or missing padding", "[base64]") {
    const std::vector<std::pair<std::string, std::string>> vectors = {
        {"", ""},         {"Zg==", "f"},     {"Zg=", "f"},       {"Zg", "f"},
        {"Zm8=", "fo"},   {"Zm8", "fo"},     {"Zm9v", "foo"},    {"Zm9v=", "foo"},
        {"Zm9vYg", "foob"}, {"w6k", "\xc3\xa9"}, {"=", ""},
        {"Zh", "f"},      // the bits past the last byte are ignored
    };
    for (const auto& [text, plain] : vectors) {
        INFO(text);
        CHECK(text::base64_decode_relaxed(text) == some(plain));
    }
    CHECK(text::base64_decode_relaxed(text::base64_encode(all_bytes())) == some(all_bytes()));
}

TEST_CASE("base64: relaxed decoding still refuses what is not base64", "[base64]") {
    for (const char* bad : {"Z", "Zm9vY", "Zg=g", "Zg==Zg==", "Zm 9v", "Zm9v!", "Zm,9", "Zm-9", "=Zg"}) {
        INFO(bad);
        CHECK_FALSE(text::base64_decode_relaxed(bad));
    }
}

TEST_CASE("base64: unpadded with the mailbox alphabet", "[base64]") {
    // UTF-16BE of U+00FC and of U+53F0 U+5317, as modified UTF-7 writes them.
    CHECK(text::base64_encode_unpadded(std::string("\x00\xfc", 2), base64_alphabet::mailbox) == "APw");
    CHECK(text::base64_encode_unpadded("\x53\xf0\x53\x17", base64_alphabet::mailbox) == "U,BTFw");
    CHECK(text::base64_encode_unpadded("\x53\xf0\x53\x17", base64_alphabet::standard) == "U/BTFw");
    CHECK(text::base64_decode_unpadded("U,BTFw", base64_alphabet::mailbox) == some("\x53\xf0\x53\x17"));
    CHECK(text::base64_decode_unpadded("U/BTFw", base64_alphabet::standard) == some("\x53\xf0\x53\x17"));
    CHECK_FALSE(text::base64_decode_unpadded("U/BTFw", base64_alphabet::mailbox));
    CHECK_FALSE(text::base64_decode_unpadded("U,BTFw", base64_alphabet::standard));
    for (std::size_t n = 0; n <= 256; ++n) {
        const std::string plain = all_bytes().substr(0, n);
        for (auto alphabet : {base64_alphabet::standard, base64_alphabet::mailbox}) {
            const std::string text = text::base64_encode_unpadded(plain, alphabet);
            CHECK(text.size() == (n * 8 + 5) / 6);
            CHECK(text.find('=') == std::string::npos);
            CHECK(text::base64_decode_unpadded(text, alphabet) == some(plain));
        }
        // Unpadded is padded with the "=" taken off.
        std::string padded = text::base64_encode(plain);
        while (!padded.empty() && padded.back() == '=') padded.pop_back();
        CHECK(text::base64_encode_unpadded(plain, base64_alphabet::standard) == padded);
    }
}

TEST_CASE("base64: unpadded decoding is canonical", "[base64]") {
    for (const char* bad : {"A", "APx", "Zh", "APw=", "AP w", "APwA-"}) {
        INFO(bad);
        CHECK_FALSE(text::base64_decode_unpadded(bad, base64_alphabet::mailbox));
    }
    CHECK(text::base64_decode_unpadded("", base64_alphabet::mailbox) == some(""));
}
