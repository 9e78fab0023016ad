// Modified UTF-7 (RFC 3501 5.1.3): printable ASCII stands for itself, "&"
// is "&-", everything else is UTF-16 in base64 (with "," for "/") between
// "&" and "-".
#include <imapclient/utf7.hpp>

#include <cstdint>
#include <stdexcept>
#include <vector>

namespace imapclient {
namespace {

constexpr char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

int b64_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == ',') return 63;
    return -1;
}

bool is_direct(std::uint32_t cp) { return cp >= 0x20 && cp <= 0x7e && cp != '&'; }

// Strict UTF-8 decoding: overlong forms, surrogates and values past
// U+10FFFF are refused, so that every name has exactly one encoding.
std::uint32_t next_code_point(std::string_view s, std::size_t& i) {
    auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char b0 = byte(i);
    if (b0 < 0x80) {
        ++i;
        return b0;
    }
    int len;
    std::uint32_t cp;
    std::uint32_t min;
    if ((b0 & 0xE0) == 0xC0) {
        len = 2, cp = b0 & 0x1F, min = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
        len = 3, cp = b0 & 0x0F, min = 0x800;
    } else if ((b0 & 0xF8) == 0xF0) {
        len = 4, cp = b0 & 0x07, min = 0x10000;
    } else {
        throw std::invalid_argument("encode_utf7: invalid UTF-8 lead byte");
    }
    if (i + len > s.size()) throw std::invalid_argument("encode_utf7: truncated UTF-8 sequence");
    for (int k = 1; k < len; ++k) {
        unsigned char b = byte(i + k);
        if ((b & 0xC0) != 0x80) throw std::invalid_argument("encode_utf7: invalid UTF-8 continuation byte");
        cp = (cp << 6) | (b & 0x3F);
    }
    if (cp < min) throw std::invalid_argument("encode_utf7: overlong UTF-8 sequence");
    if (cp > 0x10FFFF) throw std::invalid_argument("encode_utf7: code point past U+10FFFF");
    if (cp >= 0xD800 && cp <= 0xDFFF) throw std::invalid_argument("encode_utf7: UTF-8 encoded surrogate");
    i += len;
    return cp;
}

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

void flush_base64(std::string& out, const std::vector<std::uint16_t>& units) {
    out += '&';
    std::uint32_t acc = 0;
    int bits = 0;
    for (std::uint16_t u : units) {
        acc = (acc << 16) | u;
        bits += 16;
        while (bits >= 6) {
            bits -= 6;
            out += b64_alphabet[(acc >> bits) & 0x3F];
        }
        acc &= (1u << bits) - 1;
    }
    if (bits > 0) out += b64_alphabet[(acc << (6 - bits)) & 0x3F];
    out += '-';
}

}  // namespace

std::string encode_utf7(std::string_view utf8) {
    std::string out;
    out.reserve(utf8.size());
    std::vector<std::uint16_t> pending;
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
            pending.push_back(static_cast<std::uint16_t>(0xD800 | (v >> 10)));
            pending.push_back(static_cast<std::uint16_t>(0xDC00 | (v & 0x3FF)));
        } else {
            pending.push_back(static_cast<std::uint16_t>(cp));
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
        std::uint32_t acc = 0;
        int bits = 0;
        std::uint32_t high_surrogate = 0;
        for (std::size_t k = i + 1; k < end; ++k) {
            int v = b64_value(in[k]);
            if (v < 0) return std::nullopt;
            acc = (acc << 6) | static_cast<std::uint32_t>(v);
            bits += 6;
            if (bits < 16) continue;
            bits -= 16;
            std::uint32_t unit = (acc >> bits) & 0xFFFF;
            acc &= (1u << bits) - 1;
            if (high_surrogate) {
                if (unit < 0xDC00 || unit > 0xDFFF) return std::nullopt;
                append_utf8(out, 0x10000 + ((high_surrogate - 0xD800) << 10) + (unit - 0xDC00));
                high_surrogate = 0;
            } else if (unit >= 0xD800 && unit <= 0xDBFF) {
                high_surrogate = unit;
            } else if (unit >= 0xDC00 && unit <= 0xDFFF) {
                return std::nullopt;  // low surrogate without a high one
            } else if (is_direct(unit) || unit == '&') {
                return std::nullopt;  // must have been written directly
            } else {
                append_utf8(out, unit);
            }
        }
        // Leftover bits are padding: fewer than one base64 digit, all zero.
        if (high_surrogate || bits >= 6 || acc != 0) return std::nullopt;
        i = end + 1;
    }
    return out;
}

std::string decode_utf7(std::string_view utf7) {
    if (auto decoded = try_decode_utf7(utf7)) return std::move(*decoded);
    return std::string(utf7);
}

}  // namespace imapclient
