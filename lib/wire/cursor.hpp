// Internal to the wire layer: the tokenizer that the typed response reader
// is built on, and the literal-length rule that the framer shares with it.
//
// The reader is a direct recursive descent over one complete frame (the
// response line with its literals inline). It never builds a generic tree
// first: each production reads straight into the public result types, so a
// literal is copied exactly once, into its final std::string.
#pragma once

#include <imapclient/response.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imapclient::wire::detail {

/// Thrown only inside the reader; parse_response() turns it into
/// unparsed_data. `expected` is a static string naming the grammar element.
struct syntax_error {
    const char* expected;
    const char* where;
};

/// Deep enough for any real BODYSTRUCTURE or THREAD, shallow enough that a
/// hostile "((((((..." cannot exhaust the stack.
inline constexpr int max_depth = 200;

// ---------------------------------------------------------------------------
// Character classes.

enum : std::uint8_t {
    cc_atom = 1,       // may appear in an atom (tolerant: 8-bit bytes and \ * % included)
    cc_astring = 2,    // atom plus [ ] and TAB: unquoted mailbox names
    cc_digit = 4,
    cc_follower = 8,   // may follow a literal or a closing quote: SP ) ] CR LF
    cc_qspecial = 16,  // ends the fast scan of a quoted string: " \ CR LF
};

struct char_table {
    std::uint8_t c[256];
    constexpr char_table() : c{} {
        for (int i = 0x21; i < 256; ++i) c[i] = cc_atom | cc_astring;
        c[0x7f] = 0;
        for (unsigned char x : {'(', ')', '"', '[', ']', '{'}) c[x] = 0;
        c['['] = cc_astring;
        c[']'] = cc_astring;
        c['{'] = cc_astring;
        c['\t'] = cc_astring;
        for (int i = '0'; i <= '9'; ++i) c[i] |= cc_digit;
        for (unsigned char x : {' ', ')', ']', '\r', '\n'}) c[x] |= cc_follower;
        for (unsigned char x : {'"', '\\', '\r', '\n'}) c[x] |= cc_qspecial;
    }
};
inline constexpr char_table char_classes{};

inline bool is_class(char ch, std::uint8_t mask) noexcept {
    return (char_classes.c[static_cast<unsigned char>(ch)] & mask) != 0;
}
inline bool is_digit(char ch) noexcept { return ch >= '0' && ch <= '9'; }
inline char to_upper(char ch) noexcept { return (ch >= 'a' && ch <= 'z') ? char(ch - 32) : ch; }
std::string upper(std::string_view s);

// ---------------------------------------------------------------------------
// Literal length.
//
// Some servers declare a literal's length in characters instead of bytes.
// A literal is always followed by SP, ")", "]" or the line end, so when the
// byte after the declared length is none of these, and counting that many
// UTF-8 characters instead lands on such a byte, the character count wins.
// The decision depends only on the bytes, never on how they arrived.

/// Resumable walk over n UTF-8 characters (the framer resumes it as bytes
/// arrive, so a large literal is never walked twice).
struct utf8_walk {
    std::size_t pos = 0;       // bytes consumed
    std::uint64_t chars = 0;   // characters consumed
    bool invalid = false;      // no UTF-8 (text::utf8_check::boundaries): the byte count stands
};

/// Advances the walk over `data` (which starts at the literal's first byte)
/// until n characters are counted, the data runs out, or invalid UTF-8.
void advance_utf8(utf8_walk& w, std::string_view data, std::uint64_t n) noexcept;

/// The number of bytes a literal declared as n occupies in `data` (which
/// starts at its first byte). `complete` says that `data` ends where the
/// frame ends (end of data then counts as a valid follower). Returns
/// need_more when the decision needs bytes not yet in `data`.
inline constexpr std::size_t need_more = static_cast<std::size_t>(-1);
std::size_t literal_extent(std::string_view data, std::uint64_t n, bool complete, utf8_walk& w) noexcept;

// ---------------------------------------------------------------------------
// The cursor.

class cursor {
public:
    explicit cursor(std::string_view frame) noexcept
        : begin_(frame.data()), p_(frame.data()), end_(frame.data() + frame.size()) {}

    const char* pos() const noexcept { return p_; }
    void seek(const char* p) noexcept { p_ = p; }
    std::size_t offset() const noexcept { return static_cast<std::size_t>(p_ - begin_); }
    std::string_view frame() const noexcept { return {begin_, static_cast<std::size_t>(end_ - begin_)}; }

    [[noreturn]] void fail(const char* expected) const { throw syntax_error{expected, p_}; }

    bool at_end() const noexcept { return p_ >= end_; }
    void advance() noexcept { if (p_ < end_) ++p_; }
    /// The current byte, or NUL at the end of the frame.
    char peek() const noexcept { return p_ < end_ ? *p_ : '\0'; }
    char peek_at(std::size_t k) const noexcept {
        return static_cast<std::size_t>(end_ - p_) > k ? p_[k] : '\0';
    }
    bool eat(char c) noexcept {
        if (p_ < end_ && *p_ == c) { ++p_; return true; }
        return false;
    }
    void expect(char c, const char* what) {
        if (!eat(c)) fail(what);
    }
    /// At the end of the response line (CR, LF or end of frame). Literal
    /// bodies are skipped by length, so any CR or LF seen here ends the line.
    bool at_eol() const noexcept { return p_ >= end_ || *p_ == '\r' || *p_ == '\n'; }
    /// Skips any run of spaces (servers send doubles and trailing ones).
    void skip_sp() noexcept {
        while (p_ < end_ && *p_ == ' ') ++p_;
    }
    /// Skips spaces, then tells whether the line ends here.
    bool end_after_sp() noexcept { skip_sp(); return at_eol(); }

    /// Consumes "NIL" (any case) when it stands as a whole token.
    bool eat_nil() noexcept;
    /// True if the next token is NIL (nothing consumed).
    bool at_nil() const noexcept;
    /// Consumes a keyword token (case-insensitive) if it is next.
    bool eat_word(std::string_view w) noexcept;

    /// A run of bytes of the given class (may be empty).
    std::string_view token(std::uint8_t cls) noexcept {
        const char* s = p_;
        while (p_ < end_ && is_class(*p_, cls)) ++p_;
        return {s, static_cast<std::size_t>(p_ - s)};
    }
    /// A non-empty atom.
    std::string_view atom(const char* what) {
        auto t = token(cc_atom);
        if (t.empty()) fail(what);
        return t;
    }
    /// Everything up to the end of the line, trailing spaces removed.
    std::string_view rest_of_line() noexcept;

    /// Unsigned number, tolerant: "-1" is 0, "9.3736e+06" is 9373600,
    /// values beyond 64 bits saturate.
    std::uint64_t number(const char* what = "number");
    std::uint32_t number32(const char* what = "number");
    /// A number of 32 bits exactly as written: "-1", "4294967301" or
    /// "9.3e6" fail instead of being read leniently. For message numbers
    /// and UIDs, where a clamped value would name a message nobody has.
    std::uint32_t exact_number32(const char* what);
    /// A number, or NIL (absent); anything else is left unconsumed.
    std::optional<std::uint64_t> opt_number();
    bool at_number() const noexcept {
        char c = peek();
        return is_digit(c) || (c == '-' && is_digit(peek_at(1)));
    }

    /// A quoted string, tolerant of unescaped quotes inside: a quote closes
    /// the string only when followed by SP, ")", "]" or the line end, and
    /// not when the next token runs into another quote (`"a "b" c"`). In
    /// `strict` context (ENVELOPE, where only a string, NIL or a list can
    /// follow a string) the next token must also be one of those.
    std::string quoted(bool strict);
    /// A literal {n}, {n+} or ~{n}, its contents copied once.
    std::string literal();
    bool at_literal() const noexcept { return peek() == '{' || (peek() == '~' && peek_at(1) == '{'); }
    /// string = quoted / literal.
    std::string string(const char* what, bool strict = false);
    /// nstring, tolerant: NIL and "()" are absent; a bare atom or number is
    /// taken as its text.
    std::optional<std::string> nstring(bool strict = false);
    /// astring: quoted, literal or an atom with astring characters.
    std::string astring(const char* what, bool strict = false);

    /// A parenthesised list of atoms (flags, capabilities); NIL is empty.
    void atom_list(std::vector<std::string>& out, bool upper_case = false);

    /// Any value, kept raw (unknown data, body extensions).
    raw_value raw(int depth = 0);
    /// Skips one value of any kind.
    void skip_value(int depth = 0);

private:
    const char* begin_;
    const char* p_;
    const char* end_;
};

/// "[...]" of a status response or of a section, positioned after "[":
/// the offset of the matching "]" on this line, quotes and nested brackets
/// respected; npos if the line ends first.
std::size_t find_close_bracket(std::string_view s) noexcept;

// The typed readers (response_reader.cpp, read_fetch.cpp).
fetch_data read_fetch(cursor& c, std::uint32_t seq);
boxed<envelope> read_envelope(cursor& c);
void read_envelope(cursor& c, boxed<envelope>& out);
body_structure read_body(cursor& c, int depth);

}  // namespace imapclient::wire::detail
