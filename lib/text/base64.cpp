#include "text/base64.hpp"

namespace imapclient::text {

namespace {

constexpr char standard_digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char mailbox_digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

int value_of(char c, base64_alphabet alphabet) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == (alphabet == base64_alphabet::mailbox ? ',' : '/')) return 63;
    return -1;
}

std::string encode(std::string_view bytes, base64_alphabet alphabet, bool pad) {
    const char* digits = alphabet == base64_alphabet::mailbox ? mailbox_digits : standard_digits;
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        std::uint32_t v = std::uint32_t(std::uint8_t(bytes[i])) << 16 | std::uint32_t(std::uint8_t(bytes[i + 1])) << 8 |
                          std::uint8_t(bytes[i + 2]);
        for (int shift = 18; shift >= 0; shift -= 6) out += digits[(v >> shift) & 63];
    }
    if (const auto rest = bytes.size() - i) {
        std::uint32_t v = std::uint32_t(std::uint8_t(bytes[i])) << 16;
        if (rest == 2) v |= std::uint32_t(std::uint8_t(bytes[i + 1])) << 8;
        out += digits[(v >> 18) & 63];
        out += digits[(v >> 12) & 63];
        if (rest == 2) out += digits[(v >> 6) & 63];
        if (pad) out.append(3 - rest, '=');
    }
    return out;
}

// Digits only, no padding. With `zero_tail` the bits that a final partial
// group holds past its last whole byte must be zero.
std::optional<std::string> decode_digits(std::string_view text, base64_alphabet alphabet, bool zero_tail) {
    std::string out;
    out.reserve(text.size() / 4 * 3 + 2);
    std::uint32_t acc = 0;
    int bits = 0;
    for (char c : text) {
        const int v = value_of(c, alphabet);
        if (v < 0) return std::nullopt;
        acc = (acc << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xFF);
            acc &= (1u << bits) - 1;
        }
    }
    if (bits >= 6) return std::nullopt;  // a lone final digit
    if (zero_tail && acc != 0) return std::nullopt;
    return out;
}

}  // namespace

std::string base64_encode(std::string_view bytes) { return encode(bytes, base64_alphabet::standard, true); }

std::optional<std::string> base64_decode(std::string_view text) {
    if (text.size() % 4 != 0) return std::nullopt;
    // At most two "=", ending the last group; any other "=" is not a digit.
    std::size_t pad = 0;
    while (pad < 2 && pad < text.size() && text[text.size() - 1 - pad] == '=') ++pad;
    // Canonical form only: the bits the padding drops must be zero.
    return decode_digits(text.substr(0, text.size() - pad), base64_alphabet::standard, true);
}

std::optional<std::string> base64_decode_relaxed(std::string_view text) {
    const std::size_t digits = text.find('=');
    if (digits != std::string_view::npos && text.find_first_not_of('=', digits) != std::string_view::npos)
        return std::nullopt;
    return decode_digits(text.substr(0, digits), base64_alphabet::standard, false);
}

std::string base64_encode_unpadded(std::string_view bytes, base64_alphabet alphabet) {
    return encode(bytes, alphabet, false);
}

std::optional<std::string> base64_decode_unpadded(std::string_view text, base64_alphabet alphabet) {
    return decode_digits(text, alphabet, true);
}

}  // namespace imapclient::text
