// The tokenizer of the response reader: numbers, strings, literals, atoms,
// raw values, each tolerant of what real servers send (see QUIRKS.md).
#include "wire/cursor.hpp"

#include "text/utf8.hpp"

#include <charconv>
#include <limits>

namespace imapclient::wire::detail {

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& ch : out) ch = to_upper(ch);
    return out;
}

// ---------------------------------------------------------------------------
// Literal length.

void advance_utf8(utf8_walk& w, std::string_view data, std::uint64_t n) noexcept {
    while (!w.invalid && w.chars < n && w.pos < data.size()) {
        const text::utf8_char c = text::decode_utf8(data, w.pos, text::utf8_check::boundaries);
        if (c.status == text::utf8_status::truncated) return;  // the character is not all here yet
        if (c.status != text::utf8_status::ok) {
            w.invalid = true;
            return;
        }
        w.pos += c.size;
        ++w.chars;
    }
}

std::size_t literal_extent(std::string_view data, std::uint64_t n, bool complete, utf8_walk& w) noexcept {
    if (data.size() < n) return complete ? static_cast<std::size_t>(n) : need_more;
    const auto bytes = static_cast<std::size_t>(n);
    if (data.size() == bytes) return complete ? bytes : need_more;
    if (is_class(data[bytes], cc_follower)) return bytes;
    advance_utf8(w, data, n);
    if (w.invalid) return bytes;
    if (w.chars < n) return complete ? bytes : need_more;
    if (w.pos == bytes) return bytes;  // plain ASCII: nothing better to try
    // Running into the end of a complete frame does not confirm the count:
    // the framer, which saw the byte after it, must decide the same way.
    if (w.pos == data.size()) return complete ? bytes : need_more;
    return is_class(data[w.pos], cc_follower) ? w.pos : bytes;
}

namespace {

// find_close_bracket's scan; with `lists`, a "]" inside parentheses is text.
std::size_t close_bracket(std::string_view s, bool lists) noexcept {
    int depth = 0, parens = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        char ch = s[i];
        if (ch == '\r' || ch == '\n') return std::string_view::npos;
        if (ch == '"') {
            // A quoted string: "]" inside it does not close the code.
            std::size_t j = i + 1;
            for (; j < s.size(); ++j) {
                if (s[j] == '\\' && j + 1 < s.size() && (s[j + 1] == '"' || s[j + 1] == '\\')) { ++j; continue; }
                if (s[j] == '"' || s[j] == '\r' || s[j] == '\n') break;
            }
            if (j >= s.size() || s[j] != '"') continue;  // unbalanced quote: read on plainly
            i = j;
        } else if (lists && ch == '(') {
            ++parens;
        } else if (lists && ch == ')') {
            if (parens > 0) --parens;
        } else if (ch == '[' && parens == 0) {
            ++depth;
        } else if (ch == ']' && parens == 0) {
            if (depth == 0) return i;
            --depth;
        }
    }
    return std::string_view::npos;
}

}  // namespace

std::size_t find_close_bracket(std::string_view s) noexcept {
    // A flag may hold a lone bracket ("[PERMANENTFLAGS (\Seen foo]bar)]"),
    // so lists are respected first; an unbalanced "(" in a code's text
    // ("[ALERT (sic] ...") then leaves brackets alone to decide.
    const std::size_t close = close_bracket(s, true);
    return close != std::string_view::npos ? close : close_bracket(s, false);
}

// ---------------------------------------------------------------------------
// Tokens.

bool cursor::at_nil() const noexcept {
    if (end_ - p_ < 3) return false;
    if (to_upper(p_[0]) != 'N' || to_upper(p_[1]) != 'I' || to_upper(p_[2]) != 'L') return false;
    return end_ - p_ == 3 || !is_class(p_[3], cc_atom);
}

bool cursor::eat_nil() noexcept {
    if (!at_nil()) return false;
    p_ += 3;
    return true;
}

bool cursor::eat_word(std::string_view w) noexcept {
    if (static_cast<std::size_t>(end_ - p_) < w.size()) return false;
    for (std::size_t i = 0; i < w.size(); ++i)
        if (to_upper(p_[i]) != w[i]) return false;
    if (static_cast<std::size_t>(end_ - p_) > w.size() && is_class(p_[w.size()], cc_atom)) return false;
    p_ += w.size();
    return true;
}

std::string_view cursor::rest_of_line() noexcept {
    const char* s = p_;
    while (p_ < end_ && *p_ != '\r' && *p_ != '\n') ++p_;
    const char* e = p_;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t')) --e;
    return {s, static_cast<std::size_t>(e - s)};
}

std::uint64_t cursor::number(const char* what) {
    const char* s = p_;
    bool negative = false;
    if (p_ < end_ && (*p_ == '-' || *p_ == '+')) { negative = *p_ == '-'; ++p_; }
    if (p_ >= end_ || !is_digit(*p_)) { p_ = s; fail(what); }
    constexpr std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
    std::uint64_t v = 0;
    bool saturated = false;
    while (p_ < end_ && is_digit(*p_)) {
        unsigned d = static_cast<unsigned>(*p_ - '0');
        if (v > (max - d) / 10) saturated = true;
        else v = v * 10 + d;
        ++p_;
    }
    // A float where an integer belongs ("9.3736e+06", Yahoo quota): read
    // the whole token as a double and round it.
    if (p_ < end_ && (*p_ == '.' || *p_ == 'e' || *p_ == 'E')) {
        const char* q = p_;
        if (*q == '.') { ++q; while (q < end_ && is_digit(*q)) ++q; }
        if (q < end_ && (*q == 'e' || *q == 'E')) {
            const char* r = q + 1;
            if (r < end_ && (*r == '+' || *r == '-')) ++r;
            if (r < end_ && is_digit(*r)) { while (r < end_ && is_digit(*r)) ++r; q = r; }
        }
        double d = 0;
        const char* digits = negative || *s == '+' ? s + 1 : s;
        auto [ptr, ec] = std::from_chars(digits, q, d);
        if (ec == std::errc{} && ptr == q) {
            p_ = q;
            saturated = false;
            if (!(d >= 0) || negative) v = 0;  // NaN and negatives
            else if (d >= 18446744073709549568.0) v = max;
            else v = static_cast<std::uint64_t>(d + 0.5);
        } else if (ec == std::errc::result_out_of_range && ptr == q) {
            p_ = q;
            saturated = true;
        }
    }
    // "12abc" and "5:7" are not numbers; "<0>" of a section origin ends in '>'.
    if (p_ < end_ && *p_ != '>' && is_class(*p_, cc_atom)) { p_ = s; fail(what); }
    if (negative) return 0;
    return saturated ? max : v;
}

std::uint32_t cursor::number32(const char* what) {
    std::uint64_t v = number(what);
    return v > 0xFFFFFFFFu ? 0xFFFFFFFFu : static_cast<std::uint32_t>(v);
}

std::uint32_t cursor::exact_number32(const char* what) {
    std::uint32_t v = 0;
    auto [end, ec] = std::from_chars(p_, end_, v);
    if (ec != std::errc{} || (end < end_ && is_class(*end, cc_atom))) fail(what);
    p_ = end;
    return v;
}

std::optional<std::uint64_t> cursor::opt_number() {
    if (eat_nil()) return std::nullopt;
    if (at_number()) return number();
    return std::nullopt;
}

std::string cursor::quoted(bool strict) {
    expect('"', "'\"'");
    const char* s = p_;
    // Fast path: no escapes and the first quote closes the string.
    while (p_ < end_ && !is_class(*p_, cc_qspecial)) ++p_;
    auto closes = [&](const char* q) {
        // q points at a quote. It closes the string only if a string may be
        // followed by what comes after it; otherwise it is an unescaped
        // quote inside the text (servers send "a "b" c").
        const char* n = q + 1;
        if (n >= end_ || is_class(*n, cc_follower)) {
            if (n >= end_ || *n != ' ') return true;
            if (!strict) {
                // `"a "b" c"`: the token after the space would run straight
                // into a quote, which no IMAP syntax allows.
                const char* t = n;
                while (t < end_ && *t == ' ') ++t;
                const char* u = t;
                while (u < end_ && is_class(*u, cc_atom)) ++u;
                return !(u > t && u < end_ && *u == '"');
            }
            // In a structured list the next token after SP must be one that
            // can follow a string there: another string, NIL, a list, a
            // number, a literal or the end of the list.
            const char* t = n;
            while (t < end_ && *t == ' ') ++t;
            if (t >= end_) return true;
            char c = *t;
            if (c == '"' || c == '(' || c == ')' || c == '{' || c == '~' || c == '\r' || c == '\n' || is_digit(c))
                return true;
            if (end_ - t >= 3 && to_upper(t[0]) == 'N' && to_upper(t[1]) == 'I' && to_upper(t[2]) == 'L'
                && (end_ - t == 3 || !is_class(t[3], cc_atom)))
                return true;
            return false;
        }
        return false;
    };
    if (p_ < end_ && *p_ == '"' && closes(p_)) {
        ++p_;
        return std::string(s, static_cast<std::size_t>(p_ - 1 - s));
    }
    std::string out(s, static_cast<std::size_t>(p_ - s));
    for (;;) {
        if (p_ >= end_ || *p_ == '\r' || *p_ == '\n') fail("closing '\"'");
        char ch = *p_;
        if (ch == '\\' && p_ + 1 < end_ && (p_[1] == '"' || p_[1] == '\\')) {
            out += p_[1];
            p_ += 2;
        } else if (ch == '"' && closes(p_)) {
            ++p_;
            return out;
        } else {
            out += ch;
            ++p_;
        }
    }
}

std::string cursor::literal() {
    eat('~');
    expect('{', "literal");
    if (p_ >= end_ || !is_digit(*p_)) fail("literal length");
    std::uint64_t n = 0;
    while (p_ < end_ && is_digit(*p_)) {
        if (n > (std::uint64_t{1} << 50)) fail("literal length within the frame");
        n = n * 10 + static_cast<unsigned>(*p_ - '0');
        ++p_;
    }
    if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
    expect('}', "'}' of literal");
    eat('\r');
    expect('\n', "line end after literal header");
    std::string_view rest{p_, static_cast<std::size_t>(end_ - p_)};
    if (n > rest.size()) fail("literal data (frame too short)");
    utf8_walk w;
    std::size_t len = literal_extent(rest, n, true, w);
    if (len > rest.size()) fail("literal data (frame too short)");
    std::string out(p_, len);
    p_ += len;
    return out;
}

std::string cursor::string(const char* what, bool strict) {
    if (peek() == '"') return quoted(strict);
    if (at_literal()) return literal();
    fail(what);
}

std::optional<std::string> cursor::nstring(bool strict) {
    char c = peek();
    if (c == '"') return quoted(strict);
    if (c == '{' || (c == '~' && peek_at(1) == '{')) return literal();
    if (eat_nil()) return std::nullopt;
    if (c == '(') {
        // "()" where NIL belongs; any other list is skipped as absent.
        skip_value();
        return std::nullopt;
    }
    auto t = token(cc_atom);
    if (t.empty()) fail("string or NIL");
    return std::string(t);
}

std::string cursor::astring(const char* what, bool strict) {
    char c = peek();
    if (c == '"') return quoted(strict);
    if (at_literal()) return literal();
    auto t = token(cc_astring);
    if (t.empty()) fail(what);
    return std::string(t);
}

void cursor::atom_list(std::vector<std::string>& out, bool upper_case) {
    if (eat_nil()) return;
    expect('(', "'('");
    for (;;) {
        skip_sp();
        if (eat(')')) return;
        if (at_eol()) fail("')'");
        std::string item;
        if (peek() == '"' || at_literal()) {
            item = string("flag");
        } else {
            // Flags seen in the wild hold brackets ("[foo]/bar"): astring
            // characters, not only atom ones, or the list is cut there.
            auto t = token(cc_astring);
            if (t.empty()) fail("flag");
            item.assign(t);
        }
        if (upper_case)
            for (char& ch : item) ch = to_upper(ch);
        out.push_back(std::move(item));
    }
}

raw_value cursor::raw(int depth) {
    if (depth > max_depth) fail("less deeply nested data");
    raw_value v;
    char c = peek();
    if (c == '(') {
        ++p_;
        v.type = raw_value::kind::list;
        for (;;) {
            skip_sp();
            if (eat(')')) return v;
            if (at_eol()) fail("')'");
            v.items.push_back(raw(depth + 1));
        }
    }
    if (c == '"') { v.type = raw_value::kind::string; v.text = quoted(false); return v; }
    if (at_literal()) { v.type = raw_value::kind::string; v.text = literal(); return v; }
    if (eat_nil()) return v;
    // An atom, possibly with a bracketed part that may hold spaces and
    // parentheses ("BODY[HEADER.FIELDS (A B)]<0>", "[Gmail]/Sent").
    const char* s = p_;
    for (;;) {
        token(cc_atom);
        if (p_ < end_ && *p_ == '[') {
            std::size_t close = find_close_bracket({p_ + 1, static_cast<std::size_t>(end_ - p_ - 1)});
            if (close == std::string_view::npos) fail("']'");
            p_ += close + 2;
            continue;
        }
        if (p_ < end_ && *p_ == ']' && p_ > s) { ++p_; continue; }
        break;
    }
    if (p_ == s) fail("value");
    std::string_view t{s, static_cast<std::size_t>(p_ - s)};
    bool digits = true;
    for (char ch : t) digits = digits && is_digit(ch);
    v.type = digits ? raw_value::kind::number : raw_value::kind::atom;
    v.text.assign(t);
    return v;
}

void cursor::skip_value(int depth) {
    if (depth > max_depth) fail("less deeply nested data");
    char c = peek();
    if (c == '(') {
        ++p_;
        for (;;) {
            skip_sp();
            if (eat(')')) return;
            if (at_eol()) fail("')'");
            skip_value(depth + 1);
        }
    }
    // Strings and literals are rare here; reading them is simplest.
    (void)raw(depth);
}

}  // namespace imapclient::wire::detail
