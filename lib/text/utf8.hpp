// UTF-8 (RFC 3629), one code point at a time, without allocation or I/O:
// the one place that knows how a UTF-8 sequence is built.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace imapclient::text {

/// Why a sequence is not UTF-8. The distinctions matter to callers that
/// report them (encode_utf7) or that can wait for more bytes (truncated).
enum class utf8_status : std::uint8_t {
    ok,
    bad_lead,          // starts no sequence: 80..BF, F8..FF (boundaries: also C0, C1, F5..F7)
    truncated,         // the input ends inside the sequence
    bad_continuation,  // a byte after the lead is not 10xxxxxx
    overlong,          // a shorter sequence encodes the same code point
    too_large,         // past U+10FFFF
    surrogate,         // U+D800..U+DFFF, which only UTF-16 may carry
};

enum class utf8_check : std::uint8_t {
    /// RFC 3629: every code point has exactly one encoding.
    strict,
    /// Lead byte C2..F4 and the right number of continuation bytes, nothing
    /// about the value: the literal framer only needs to know where each
    /// character ends (E0 80 80 and ED A0 80 are one character each to it).
    boundaries,
};

struct utf8_char {
    char32_t code_point = 0;  // only when status is ok (any value under boundaries)
    std::size_t size = 0;     // bytes of the sequence, only when status is ok
    utf8_status status = utf8_status::ok;
};

/// The sequence starting at bytes[pos]; pos must be < bytes.size().
utf8_char decode_utf8(std::string_view bytes, std::size_t pos, utf8_check check = utf8_check::strict) noexcept;

/// Strict UTF-8 throughout.
bool is_valid_utf8(std::string_view bytes) noexcept;

/// Appends the encoding of `cp`, which must be a Unicode scalar value
/// (not a surrogate, at most U+10FFFF).
void append_utf8(std::string& out, char32_t cp);

}  // namespace imapclient::text
