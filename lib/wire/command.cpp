// Command encoding. The one invariant that matters most: the bytes of a
// command contain exactly one CRLF outside literals, the final one, whatever
// the caller passes. Every argument kind either proves its text safe or
// moves it into a literal, whose length the server reads from the header.
#include "wire/command.hpp"

#include <imapclient/utf7.hpp>

#include <array>
#include <cstdio>
#include <stdexcept>

namespace imapclient::wire {
namespace {

bool is_atom_char(char ch) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7f) return false;  // CTL, SP, 8-bit
    switch (c) {
    case '(': case ')': case '{': case '%': case '*': case '"': case '\\': case ']':
        return false;
    default:
        return true;
    }
}

bool is_astring_char(char c) { return c == ']' || is_atom_char(c); }

// Bytes that a quoted string cannot carry (RFC 3501 TEXT-CHAR is 7-bit,
// without NUL, CR and LF).
bool needs_literal(std::string_view s) {
    for (char ch : s) {
        unsigned char c = static_cast<unsigned char>(ch);
        if (c == 0 || c == '\r' || c == '\n' || c >= 0x80) return true;
    }
    return false;
}

// A literal is "{n}" CRLF *CHAR8 and CHAR8 is %x01-ff (RFC 3501 9, RFC
// 9051 9): a NUL can only travel in a literal8 (RFC 3516 BINARY). Sending
// one anyway gets a BAD from a strict server, or worse a lax server that
// cuts the string at the NUL (a password checked only up to it). The text
// is left out of the message: it may be a credential.
void refuse_nul(std::string_view s, const char* what) {
    if (s.find('\0') != std::string_view::npos)
        throw std::invalid_argument(std::string(what) + ": a NUL byte cannot be sent (only in a BINARY literal8)");
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'a' && x <= 'z') x = static_cast<char>(x - 32);
        if (y >= 'a' && y <= 'z') y = static_cast<char>(y - 32);
        if (x != y) return false;
    }
    return true;
}

// How many string arguments follow a search key (RFC 3501 6.4.4, RFC 9051
// 6.4.4, the Gmail extension's X-GM-RAW).
int text_key_arguments(std::string_view key) {
    static constexpr std::string_view one[] = {"BCC", "BODY", "CC", "FROM", "SUBJECT", "TEXT", "TO", "X-GM-RAW"};
    for (auto k : one)
        if (iequals(key, k)) return 1;
    return iequals(key, "HEADER") ? 2 : 0;
}

std::string quote(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 2);
    out += '"';
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    out += '"';
    return out;
}

// Trusted protocol text still must not break framing: no control or 8-bit
// bytes, every quoted string closed (or a later literal header would sit
// inside it), and no trailing "}" that could read as a literal header
// "{n}" just before the final CRLF.
void check_raw(std::string_view text, const char* what) {
    auto fail = [&](const char* why) {
        return std::invalid_argument(std::string(what) + ": " + why + " in \"" + std::string(text) + "\"");
    };
    if (text.empty()) throw fail("empty text");
    bool in_quote = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(text[i]);
        if (c < 0x20 || c >= 0x7f) throw fail("control or 8-bit byte");
        if (in_quote && c == '\\') {
            if (i + 1 >= text.size()) throw fail("dangling backslash");
            ++i;
            continue;
        }
        if (c == '"') in_quote = !in_quote;
    }
    if (in_quote) throw fail("unterminated quoted string");
    if (text.back() == '}') throw fail("text ends like a literal header");
}

bool is_sequence_set_text(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
        if (!((c >= '0' && c <= '9') || c == ':' || c == ',' || c == '*')) return false;
    try {
        sequence_set check{s};
        return true;
    } catch (const std::invalid_argument&) {
        return false;
    }
}

}  // namespace

bool has_8bit(std::string_view s) {
    for (char ch : s)
        if (static_cast<unsigned char>(ch) >= 0x80) return true;
    return false;
}

bool criteria_have_8bit(const std::vector<search_item>& items) {
    for (const search_item& item : items) {
        if (auto* s = std::get_if<std::string>(&item.value); s && has_8bit(*s)) return true;
        if (auto* l = std::get_if<search_item::list>(&item.value); l && criteria_have_8bit(*l)) return true;
    }
    return false;
}

bool is_atom(std::string_view s) noexcept {
    if (s.empty()) return false;
    for (char c : s)
        if (!is_atom_char(c)) return false;
    return true;
}

std::string format_search_date(std::chrono::year_month_day d) {
    static constexpr std::array<const char*, 12> months = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    int y = static_cast<int>(d.year());
    if (!d.ok() || y < 0 || y > 9999) throw std::invalid_argument("format_search_date: invalid date");
    char buf[32];
    std::snprintf(buf, sizeof buf, "%u-%s-%04d", static_cast<unsigned>(d.day()),
                  months[static_cast<unsigned>(d.month()) - 1], y);
    return buf;
}

command_builder::command_builder(std::string_view tag, std::string_view name, literal_support lits)
    : lits_(lits) {
    if (tag.empty()) throw std::invalid_argument("command_builder: empty tag");
    for (char c : tag)
        if (!is_astring_char(c) || c == '+')
            throw std::invalid_argument("command_builder: invalid tag \"" + std::string(tag) + "\"");
    // A name may be two atoms ("UID FETCH") but never anything else.
    if (name.empty() || name.front() == ' ' || name.back() == ' ' || name.find("  ") != std::string_view::npos)
        throw std::invalid_argument("command_builder: invalid command name \"" + std::string(name) + "\"");
    for (char c : name)
        if (c != ' ' && !is_atom_char(c))
            throw std::invalid_argument("command_builder: invalid command name \"" + std::string(name) + "\"");
    append(tag);
    append(" ");
    append(name);
    need_space_ = true;
}

void command_builder::separate() {
    if (need_space_) append(" ");
    need_space_ = true;
}

void command_builder::append(std::string_view text) {
    out_.bytes += text;
    out_.redacted += text;
}

void command_builder::literal_header(std::uint64_t size, bool binary, bool non_sync) {
    std::string header;
    if (binary) header += '~';
    header += '{';
    header += std::to_string(size);
    if (non_sync) header += '+';
    header += "}\r\n";
    append(header);
    if (!non_sync) out_.sync_points.push_back(out_.bytes.size());
}

void command_builder::write_literal(std::string_view data, bool binary) {
    // LITERAL- allows non-synchronizing literals only up to 4096 bytes
    // (RFC 7888 4); larger ones must wait for "+".
    bool non_sync = lits_.literal_plus || (lits_.literal_minus && data.size() <= 4096);
    literal_header(data.size(), binary, non_sync);
    out_.bytes += data;
    out_.redacted += "<redacted " + std::to_string(data.size()) + " bytes>";
}

command_builder& command_builder::atom(std::string_view a) {
    if (!is_atom(a)) throw std::invalid_argument("command_builder::atom: not an atom: \"" + std::string(a) + "\"");
    separate();
    append(a);
    return *this;
}

command_builder& command_builder::raw(std::string_view text) {
    check_raw(text, "command_builder::raw");
    separate();
    append(text);
    return *this;
}

command_builder& command_builder::number(std::uint64_t n) {
    separate();
    append(std::to_string(n));
    return *this;
}

command_builder& command_builder::astring(std::string_view s) {
    refuse_nul(s, "string argument");
    if (needs_literal(s)) return literal(s);
    bool plain = !s.empty() && !iequals(s, "NIL");
    for (char c : s)
        if (!is_astring_char(c)) plain = false;
    separate();
    append(plain ? std::string(s) : quote(s));
    return *this;
}

command_builder& command_builder::string(std::string_view s) {
    refuse_nul(s, "string argument");
    if (needs_literal(s)) return literal(s);
    separate();
    append(quote(s));
    return *this;
}

command_builder& command_builder::mailbox(std::string_view utf8_name, bool encode) {
    return encode ? astring(encode_utf7(utf8_name)) : astring(utf8_name);
}

command_builder& command_builder::literal(std::string_view data, bool binary) {
    if (!(binary && lits_.binary)) refuse_nul(data, "literal");
    separate();
    write_literal(data, binary && lits_.binary);
    return *this;
}

command_builder& command_builder::literal(std::shared_ptr<body_source> source, std::uint64_t size, bool binary) {
    if (!source) throw std::invalid_argument("literal: no message source");
    const bool non_sync = (lits_.literal_plus || lits_.literal_minus) && size <= 4096;
    separate();
    literal_header(size, binary && lits_.binary, non_sync);
    // An empty source has nothing to read: the header alone is the literal.
    if (size > 0) out_.sources.push_back({out_.bytes.size(), std::move(source), size});
    return *this;
}

command_builder& command_builder::set(const sequence_set& s) {
    if (s.empty()) throw std::invalid_argument("command_builder::set: empty sequence set");
    separate();
    append(s.str());
    return *this;
}

command_builder& command_builder::flag_list(const std::vector<std::string>& flags) {
    std::string list = "(";
    for (const std::string& f : flags) {
        // flag = "\" atom / atom; "\*" only appears in server responses.
        std::string_view body = f;
        if (!body.empty() && body.front() == '\\') body.remove_prefix(1);
        if (!is_atom(body)) throw std::invalid_argument("command_builder::flag_list: invalid flag \"" + f + "\"");
        if (list.size() > 1) list += ' ';
        list += f;
    }
    list += ')';
    separate();
    append(list);
    return *this;
}

command_builder& command_builder::date_time(const datetime& when) {
    separate();
    append("\"" + format_internal_date(when) + "\"");
    return *this;
}

void command_builder::search_items(const std::vector<search_item>& items) {
    if (items.empty()) throw std::invalid_argument("search: empty criteria list");
    // String arguments still due after a text key: a subject "*" or "1:*"
    // must go quoted, never bare as if it were a sequence set ("SUBJECT *"
    // is no astring: BAD).
    int text_args = 0;
    for (const search_item& item : items) {
        const bool text_arg = text_args > 0;
        if (text_args > 0) --text_args;
        if (auto* s = std::get_if<std::string>(&item.value)) {
            if (!text_arg) text_args = text_key_arguments(*s);
            // Search keys and sequence sets ("UID 1:*") go as they are;
            // any other text is a string argument.
            if (is_atom(*s) || (!text_arg && is_sequence_set_text(*s))) {
                separate();
                append(*s);
            } else {
                string(*s);
            }
        } else if (auto* n = std::get_if<std::int64_t>(&item.value)) {
            if (*n < 0) throw std::invalid_argument("search: negative number " + std::to_string(*n));
            number(static_cast<std::uint64_t>(*n));
        } else if (auto* d = std::get_if<std::chrono::year_month_day>(&item.value)) {
            std::string text = format_search_date(*d);
            separate();
            append(text);
        } else {
            const auto& list = std::get<search_item::list>(item.value);
            if (list.empty()) throw std::invalid_argument("search: empty nested criteria list");
            open_paren();
            search_items(list);
            close_paren();
        }
    }
}

command_builder& command_builder::search(const search_criteria& criteria, std::string_view charset) {
    if (criteria.is_raw()) {
        check_raw(criteria.raw(), "search criteria");
    } else if (criteria.items().empty()) {
        throw std::invalid_argument("search: empty criteria list");
    }
    if (!charset.empty()) {
        atom("CHARSET");
        astring(charset);
    } else if (!criteria.is_raw() && criteria_have_8bit(criteria.items())) {
        atom("CHARSET");
        atom("UTF-8");
    }
    if (criteria.is_raw()) {
        separate();
        append(criteria.raw());
    } else {
        search_items(criteria.items());
    }
    return *this;
}

command_builder& command_builder::secret(std::string_view s) {
    std::size_t keep = out_.redacted.size();
    astring(s);
    // The separator stays visible; the argument, even its length, does not.
    if (out_.redacted.size() > keep && out_.redacted[keep] == ' ') ++keep;
    out_.redacted.resize(keep);
    out_.redacted += "***";
    return *this;
}

command_builder& command_builder::open_paren() {
    separate();
    append("(");
    need_space_ = false;
    ++depth_;
    return *this;
}

command_builder& command_builder::close_paren() {
    if (depth_ == 0) throw std::logic_error("command_builder::close_paren: no open parenthesis");
    append(")");
    need_space_ = true;
    --depth_;
    return *this;
}

encoded_command command_builder::finish() && {
    if (depth_ != 0) throw std::logic_error("command_builder::finish: unclosed parenthesis");
    append("\r\n");
    return std::move(out_);
}

}  // namespace imapclient::wire
