#include "text/utf8.hpp"

namespace imapclient::text {

utf8_char decode_utf8(std::string_view bytes, std::size_t pos, utf8_check check) noexcept {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(bytes[k]); };
    const unsigned char b0 = byte(pos);
    if (b0 < 0x80) return {b0, 1, utf8_status::ok};
    std::size_t len;
    char32_t cp;
    char32_t min;
    if ((b0 & 0xE0) == 0xC0) {
        len = 2, cp = b0 & 0x1F, min = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
        len = 3, cp = b0 & 0x0F, min = 0x800;
    } else if ((b0 & 0xF8) == 0xF0) {
        len = 4, cp = b0 & 0x07, min = 0x10000;
    } else {
        return {0, 0, utf8_status::bad_lead};
    }
    // C0, C1 and F5..F7 can only start an overlong or out-of-range sequence,
    // which the lead alone shows; strict decoding reports those as such.
    if (check == utf8_check::boundaries && (b0 < 0xC2 || b0 > 0xF4)) return {0, 0, utf8_status::bad_lead};
    if (bytes.size() - pos < len) return {0, 0, utf8_status::truncated};
    for (std::size_t k = 1; k < len; ++k) {
        const unsigned char b = byte(pos + k);
        if ((b & 0xC0) != 0x80) return {0, 0, utf8_status::bad_continuation};
        cp = (cp << 6) | (b & 0x3F);
    }
    if (check == utf8_check::strict) {
        if (cp < min) return {0, 0, utf8_status::overlong};
        if (cp > 0x10FFFF) return {0, 0, utf8_status::too_large};
        if (cp >= 0xD800 && cp <= 0xDFFF) return {0, 0, utf8_status::surrogate};
    }
    return {cp, len, utf8_status::ok};
}

bool is_valid_utf8(std::string_view bytes) noexcept {
    for (std::size_t i = 0; i < bytes.size();) {
        const utf8_char c = decode_utf8(bytes, i);
        if (c.status != utf8_status::ok) return false;
        i += c.size;
    }
    return true;
}

void append_utf8(std::string& out, char32_t cp) {
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

}  // namespace imapclient::text
