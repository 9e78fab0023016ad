// Base64 (RFC 4648) in the forms the protocol uses: padded for SASL,
// leniently padded for RFC 2047 "B" words, unpadded with the ',' alphabet
// for modified UTF-7 mailbox names.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace imapclient::text {

enum class base64_alphabet : std::uint8_t {
    standard,  // "+/"
    mailbox,   // "+," (RFC 3501 5.1.3: "/" is a hierarchy delimiter there)
};

/// Standard alphabet, padded.
std::string base64_encode(std::string_view bytes);
/// nullopt unless `text` is well-formed padded base64 in canonical form
/// (whitespace is not allowed: SASL challenges have none).
std::optional<std::string> base64_decode(std::string_view text);

/// RFC 2047 "B" text as mailers write it: the padding may be short or
/// missing and the bits past the last whole byte are ignored, but once an
/// "=" appears only "=" may follow. nullopt on any other character or on
/// a lone final digit, which carries no byte.
std::optional<std::string> base64_decode_relaxed(std::string_view text);

/// Without padding: "=" is no digit at all. Decoding refuses a lone final
/// digit and set bits past the last whole byte, so that every byte string
/// has exactly one encoding.
std::string base64_encode_unpadded(std::string_view bytes, base64_alphabet alphabet);
std::optional<std::string> base64_decode_unpadded(std::string_view text, base64_alphabet alphabet);

}  // namespace imapclient::text
