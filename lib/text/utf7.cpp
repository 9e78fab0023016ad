// Modified UTF-7 (RFC 3501 5.1.3): printable ASCII stands for itself, "&"
// is "&-", everything else is UTF-16 in base64 (with "," for "/") between
// "&" and "-".
#include <imapclient/utf7.hpp>

#include "text/base64.hpp"
#include "text/utf8.hpp"

#include <cstdint>
#include <stdexcept>
#include <utility>

namespace imapclient {
namespace {

bool is_direct(std::uint32_t cp) { return cp >= 0x20 && cp <= 0x7e && cp != '&'; }

// Strict UTF-8 decoding: overlong forms, surrogates and values past
// U+10FFFF are refused, so that every name has exactly one encoding.
std::uint32_t next_code_point(std::string_view s, std::size_t& i) {
    const text::utf8_char c = text::decode_utf8(s, i);
    switch (c.status) {
    case text::utf8_status::ok: break;
    case text::utf8_status::bad_lead: throw std::invalid_argument("encode_utf7: invalid UTF-8 lead byte");
    case text::utf8_status::truncated: throw std::invalid_argument("encode_utf7: truncated UTF-8 sequence");
    case text::utf8_status::bad_continuation:
        throw std::invalid_argument("encode_utf7: invalid UTF-8 continuation byte");
    case text::utf8_status::overlong: throw std::invalid_argument("encode_utf7: overlong UTF-8 sequence");
    case text::utf8_status::too_large: throw std::invalid_argument("encode_utf7: code point past U+10FFFF");
    case text::utf8_status::surrogate: throw std::invalid_argument("encode_utf7: UTF-8 encoded surrogate");
    }
    i += c.size;
    return c.code_point;
}

void append_unit(std::string& utf16be, std::uint32_t unit) {
    utf16be += static_cast<char>(unit >> 8);
    utf16be += static_cast<char>(unit & 0xFF);
}

void flush_base64(std::string& out, const std::string& utf16be) {
    out += '&';
    out += text::base64_encode_unpadded(utf16be, text::base64_alphabet::mailbox);
    out += '-';
}

}  // namespace

std::string encode_utf7(std::string_view utf8) {
    std::string out;
    out.reserve(utf8.size());
    std::string pending;  // UTF-16BE
    std::size_t i = 0;
    while (i < utf8.size()) {
        std::uint32_t cp = next_code_point(utf8, i);
        if (is_direct(cp) || cp == '&') {
            if (!pending.empty()) {
                flush_base64(out, pending);
                pending.clear();
            }
            out += static_cast<char>(cp);
            if (cp == '&') out += '-';
            continue;
        }
        if (cp >= 0x10000) {
            std::uint32_t v = cp - 0x10000;
            append_unit(pending, 0xD800 | (v >> 10));
            append_unit(pending, 0xDC00 | (v & 0x3FF));
        } else {
            append_unit(pending, cp);
        }
    }
    if (!pending.empty()) flush_base64(out, pending);
    return out;
}

std::optional<std::string> try_decode_utf7(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    std::size_t i = 0;
    while (i < in.size()) {
        unsigned char c = static_cast<unsigned char>(in[i]);
        if (c != '&') {
            // Raw 8-bit or control bytes are not modified UTF-7 (a server
            // that sends UTF-8 names is handled by the caller keeping them).
            if (c < 0x20 || c > 0x7e) return std::nullopt;
            out += static_cast<char>(c);
            ++i;
            continue;
        }
        std::size_t end = in.find('-', i + 1);
        if (end == std::string_view::npos) return std::nullopt;
        if (end == i + 1) {
            out += '&';
            i = end + 1;
            continue;
        }
        // Padding bits must be zero and fewer than one digit, so that the
        // encoding stays canonical; half a UTF-16 unit is no character.
        const auto utf16be = text::base64_decode_unpadded(in.substr(i + 1, end - i - 1), text::base64_alphabet::mailbox);
        if (!utf16be || utf16be->size() % 2 != 0) return std::nullopt;
        std::uint32_t high_surrogate = 0;
        for (std::size_t k = 0; k < utf16be->size(); k += 2) {
            const std::uint32_t unit = std::uint32_t(std::uint8_t((*utf16be)[k])) << 8 | std::uint8_t((*utf16be)[k + 1]);
            if (high_surrogate) {
                if (unit < 0xDC00 || unit > 0xDFFF) return std::nullopt;
                text::append_utf8(out, 0x10000 + ((high_surrogate - 0xD800) << 10) + (unit - 0xDC00));
                high_surrogate = 0;
            } else if (unit >= 0xD800 && unit <= 0xDBFF) {
                high_surrogate = unit;
            } else if (unit >= 0xDC00 && unit <= 0xDFFF) {
                return std::nullopt;  // low surrogate without a high one
            } else if (is_direct(unit) || unit == '&') {
                return std::nullopt;  // must have been written directly
            } else {
                text::append_utf8(out, unit);
            }
        }
        if (high_surrogate) return std::nullopt;
        i = end + 1;
    }
    return out;
}

std::string decode_utf7(std::string_view utf7) {
    if (auto decoded = try_decode_utf7(utf7)) return std::move(*decoded);
    return std::string(utf7);
}

}  // namespace imapclient
