// RFC 2047 encoded-word decoding for display ("=?UTF-8?B?...?=").
//
// Real mail splits one multi-byte character across two adjacent encoded
// words, so adjacent words of the same charset are joined as bytes before
// the charset is converted. Anything that cannot be decoded is kept exactly
// as it was, so no information is lost.
#include <imapclient/types.hpp>

#include "text/base64.hpp"
#include "text/utf8.hpp"

#include <iconv.h>

#include <cctype>
#include <cerrno>
#include <optional>
#include <string>
#include <vector>

namespace imapclient {
namespace {

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

std::string to_lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = lower(c);
    return out;
}

bool is_lws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    c = lower(c);
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

std::optional<std::string> decode_q(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '_') {
            out += ' ';
        } else if (c == '=') {
            if (i + 2 >= text.size()) return std::nullopt;
            int hi = hex_value(text[i + 1]);
            int lo = hex_value(text[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
        } else {
            out += c;
        }
    }
    return out;
}

std::optional<std::string> via_iconv(const std::string& charset, std::string_view bytes) {
    iconv_t cd = iconv_open("UTF-8", charset.c_str());
    if (cd == reinterpret_cast<iconv_t>(-1)) return std::nullopt;
    std::string out;
    std::string in(bytes);
    char* inp = in.data();
    std::size_t inleft = in.size();
    char buf[1024];
    bool ok = true;
    while (ok) {
        char* outp = buf;
        std::size_t outleft = sizeof buf;
        // With no input left, a null call writes what a stateful charset
        // still holds (ISO-2022-JP returning to ASCII).
        std::size_t r = inleft > 0 ? iconv(cd, &inp, &inleft, &outp, &outleft)
                                   : iconv(cd, nullptr, nullptr, &outp, &outleft);
        out.append(buf, static_cast<std::size_t>(outp - buf));
        if (r == static_cast<std::size_t>(-1)) {
            if (errno != E2BIG) ok = false;  // EILSEQ, or EINVAL for truncated input
            continue;
        }
        if (inleft == 0 && outp == buf) break;
    }
    iconv_close(cd);
    if (!ok) return std::nullopt;
    return out;
}

// Converts bytes in `charset` to UTF-8, or nullopt when it cannot.
std::optional<std::string> to_utf8(const std::string& charset, std::string_view bytes) {
    if (charset == "utf-8" || charset == "utf8") {
        if (!text::is_valid_utf8(bytes)) return std::nullopt;
        return std::string(bytes);
    }
    if (charset == "us-ascii" || charset == "ascii") {
        // Mislabelled UTF-8 is common and harmless to accept.
        if (!text::is_valid_utf8(bytes)) return std::nullopt;
        return std::string(bytes);
    }
    if (charset == "iso-8859-1" || charset == "latin1" || charset == "iso8859-1" || charset == "latin-1") {
        // Every Latin-1 byte is the code point of the same number.
        std::string out;
        for (char ch : bytes) text::append_utf8(out, static_cast<unsigned char>(ch));
        return out;
    }
    // Labels that mailers use for a superset of what they name.
    std::string name = charset;
    if (name == "gb2312" || name == "gbk" || name == "x-gbk") name = "gb18030";
    else if (name == "ks_c_5601-1987" || name == "euc-kr") name = "cp949";
    else if (name == "shift-jis" || name == "x-sjis") name = "shift_jis";
    return via_iconv(name, bytes);
}

struct encoded_word {
    std::size_t begin = 0;  // offset of "=?"
    std::size_t end = 0;    // offset just past "?="
    std::string charset;    // lower case, RFC 2231 language removed
    std::optional<std::string> bytes;  // nullopt: bad encoding
};

// Parses an encoded word starting at raw[pos] == '='.
std::optional<encoded_word> parse_word(std::string_view raw, std::size_t pos) {
    if (raw.substr(pos, 2) != "=?") return std::nullopt;
    std::size_t q1 = raw.find('?', pos + 2);
    if (q1 == std::string_view::npos || q1 == pos + 2) return std::nullopt;
    std::size_t q2 = raw.find('?', q1 + 1);
    if (q2 != q1 + 2) return std::nullopt;
    // Encoded text never holds "?" (RFC 2047 4.2 (3), 5 (3)), so the word
    // ends at the next one. Stopping there also keeps hostile input such as
    // "=?a?b?=?a?b?..." linear: each gap between "?" is scanned a few times.
    std::size_t q3 = raw.find('?', q2 + 1);
    if (q3 == std::string_view::npos || q3 + 1 >= raw.size() || raw[q3 + 1] != '=') return std::nullopt;
    std::string_view charset = raw.substr(pos + 2, q1 - pos - 2);
    std::string_view text = raw.substr(q2 + 1, q3 - q2 - 1);
    for (char c : charset)
        if (is_lws(c) || static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7e)
            return std::nullopt;
    for (char c : text)
        if (is_lws(c) || static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7e)
            return std::nullopt;
    encoded_word w;
    w.begin = pos;
    w.end = q3 + 2;
    std::string cs = to_lower(charset);
    if (auto star = cs.find('*'); star != std::string::npos) cs.resize(star);
    w.charset = cs;
    char enc = lower(raw[q1 + 1]);
    if (enc == 'b') {
        // Padding is optional (many mailers drop it).
        w.bytes = text::base64_decode_relaxed(text);
    } else if (enc == 'q') {
        w.bytes = decode_q(text);
    } else {
        return std::nullopt;
    }
    return w;
}

}  // namespace

std::string decode_header(std::string_view raw_in) {
    // Unfold first: a folded header is one logical line (RFC 5322 2.2.3).
    std::string raw;
    raw.reserve(raw_in.size());
    for (std::size_t i = 0; i < raw_in.size(); ++i) {
        if (raw_in[i] == '\r' && i + 2 < raw_in.size() && raw_in[i + 1] == '\n' &&
            (raw_in[i + 2] == ' ' || raw_in[i + 2] == '\t')) {
            ++i;
            continue;
        }
        if (raw_in[i] == '\n' && i + 1 < raw_in.size() && (raw_in[i + 1] == ' ' || raw_in[i + 1] == '\t')) continue;
        raw += raw_in[i];
    }

    std::string out;
    std::size_t pos = 0;
    std::size_t text_start = 0;
    while (pos < raw.size()) {
        std::size_t eq = raw.find("=?", pos);
        if (eq == std::string::npos) break;
        auto first = parse_word(raw, eq);
        if (!first) {
            pos = eq + 1;
            continue;
        }
        // Collect the run of encoded words separated only by whitespace.
        std::vector<encoded_word> run{std::move(*first)};
        while (true) {
            std::size_t next = run.back().end;
            while (next < raw.size() && is_lws(raw[next])) ++next;
            if (next >= raw.size() || raw[next] != '=') break;
            auto w = parse_word(raw, next);
            if (!w) break;
            run.push_back(std::move(*w));
        }
        out.append(raw, text_start, eq - text_start);

        // Decode the run in groups of the same charset; a group that cannot
        // be converted as a whole is tried word by word.
        std::vector<std::optional<std::string>> decoded(run.size());
        for (std::size_t g = 0; g < run.size();) {
            std::size_t h = g;
            std::string joined;
            bool all_bytes = true;
            while (h < run.size() && run[h].charset == run[g].charset) {
                if (!run[h].bytes) all_bytes = false;
                else joined += *run[h].bytes;
                ++h;
            }
            std::optional<std::string> whole;
            if (all_bytes) whole = to_utf8(run[g].charset, joined);
            if (whole) {
                decoded[g] = std::move(whole);
                for (std::size_t k = g + 1; k < h; ++k) decoded[k] = std::string();
            } else {
                for (std::size_t k = g; k < h; ++k)
                    if (run[k].bytes) decoded[k] = to_utf8(run[k].charset, *run[k].bytes);
            }
            g = h;
        }
        for (std::size_t k = 0; k < run.size(); ++k) {
            if (k > 0) {
                // Whitespace between two decoded words disappears; next to a
                // word kept raw it is ordinary text and stays.
                bool drop = decoded[k - 1] && decoded[k];
                if (!drop) out.append(raw, run[k - 1].end, run[k].begin - run[k - 1].end);
            }
            if (decoded[k]) out += *decoded[k];
            else out.append(raw, run[k].begin, run[k].end - run[k].begin);
        }
        pos = text_start = run.back().end;
    }
    out.append(raw, text_start, std::string::npos);
    return out;
}

}  // namespace imapclient
