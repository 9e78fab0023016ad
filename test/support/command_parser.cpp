#include "command_parser.hpp"

#include <cstdio>
#include <stdexcept>
#include <string_view>

namespace test {

namespace {

bool is_atom_char(char ch) {
    auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7f) return false;
    return std::string_view("(){%*\"\\]").find(ch) == std::string_view::npos;
}

bool is_astring_char(char c) { return c == ']' || is_atom_char(c); }

std::string visible(std::string_view s) {
    std::string out;
    for (char ch : s) {
        auto c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c >= 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        } else {
            out += ch;
        }
    }
    return out;
}

struct literal_header {
    std::size_t size;
    bool non_sync;
};

// "{n}" or "{n+}" ending the line.
std::optional<literal_header> header_at_end(const std::string& line) {
    if (line.empty() || line.back() != '}') return std::nullopt;
    auto open = line.rfind('{');
    if (open == std::string::npos) return std::nullopt;
    std::string_view inner(line.data() + open + 1, line.size() - open - 2);
    bool plus = !inner.empty() && inner.back() == '+';
    if (plus) inner.remove_suffix(1);
    if (inner.empty() || inner.size() > 9 || inner.find_first_not_of("0123456789") != std::string_view::npos)
        return std::nullopt;
    return literal_header{std::stoul(std::string(inner)), plus};
}

// Splits the command (lines with literals between them) into tokens.
void tokenize(parsed_command& cmd, const std::vector<std::string>& literal_data) {
    std::size_t li = 0;
    std::string_view rest(cmd.lines[0]);
    rest.remove_prefix(cmd.tag.size() + 1);
    bool expect_sep = false;
    int depth = 0;
    auto fail = [&](const std::string& why) { cmd.grammar_error = why + " at \"" + visible(rest) + "\""; };
    for (;;) {
        while (!rest.empty()) {
            const char ch = rest.front();
            if (ch == ' ') {
                if (!expect_sep) return fail("unexpected space");
                expect_sep = false;
                rest.remove_prefix(1);
                if (rest.empty()) return fail("trailing space");
                continue;
            }
            if (ch == ')') {
                if (depth == 0) return fail("unbalanced )");
                --depth;
                cmd.tokens.push_back({token_kind::close, ")"});
                rest.remove_prefix(1);
                expect_sep = true;
                continue;
            }
            if (expect_sep) return fail("missing space");
            if (ch == '(') {
                ++depth;
                cmd.tokens.push_back({token_kind::open, "("});
                rest.remove_prefix(1);
                continue;
            }
            if (ch == '"') {
                std::string value;
                std::size_t i = 1;
                while (i < rest.size() && rest[i] != '"') {
                    if (rest[i] == '\\') {
                        if (i + 1 >= rest.size() || (rest[i + 1] != '"' && rest[i + 1] != '\\'))
                            return fail("bad escape in a quoted string");
                        ++i;
                    }
                    value += rest[i++];
                }
                if (i >= rest.size()) return fail("unterminated quoted string");
                cmd.tokens.push_back({token_kind::quoted, std::move(value)});
                rest.remove_prefix(i + 1);
                expect_sep = true;
                continue;
            }
            if (ch == '{') {
                // Framing put a literal after this line only if the brace
                // opens the header that ends it.
                if (li >= literal_data.size() || rest.find('}') != rest.size() - 1)
                    return fail("a brace that is not a literal header");
                cmd.tokens.push_back({token_kind::literal, literal_data[li]});
                ++li;
                rest = cmd.lines[li];
                expect_sep = true;
                continue;
            }
            std::size_t i = 0;
            while (i < rest.size() && std::string_view(" ()\"{").find(rest[i]) == std::string_view::npos) ++i;
            cmd.tokens.push_back({token_kind::atom, std::string(rest.substr(0, i))});
            rest.remove_prefix(i);
            expect_sep = true;
        }
        break;
    }
    if (depth != 0) return fail("unbalanced (");
    if (cmd.tokens.empty()) return fail("no command name");
}

}  // namespace

std::string parsed_command::name() const {
    auto upper = [](std::string s) {
        for (char& c : s)
            if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
        return s;
    };
    if (tokens.empty() || tokens[0].kind != token_kind::atom) return "";
    std::string n = upper(tokens[0].text);
    if (n == "UID" && tokens.size() > 1 && tokens[1].kind == token_kind::atom) n += " " + upper(tokens[1].text);
    return n;
}

std::optional<std::string> parsed_command::string_at(std::size_t i) const {
    if (i >= tokens.size()) return std::nullopt;
    const token& t = tokens[i];
    if (t.kind == token_kind::quoted || t.kind == token_kind::literal) return t.text;
    if (t.kind != token_kind::atom || t.text.empty()) return std::nullopt;
    for (char c : t.text)
        if (!is_astring_char(c)) return std::nullopt;
    return t.text;
}

std::string parsed_command::atom_at(std::size_t i) const {
    if (i >= tokens.size() || tokens[i].kind != token_kind::atom) return "";
    std::string_view body = tokens[i].text;
    if (!body.empty() && body.front() == '\\') body.remove_prefix(1);
    if (body.empty()) return "";
    for (char c : body)
        if (!is_atom_char(c) && c != '[' && c != ']') return "";
    return tokens[i].text;
}

parsed_command read_command(fake_connection& c, bool literal_plus_offered) {
    parsed_command cmd;
    std::vector<std::string> literal_data;
    for (;;) {
        std::string line = c.read_line();
        for (char ch : line) {
            auto u = static_cast<unsigned char>(ch);
            // Other control bytes are legal in quoted strings (TEXT-CHAR is
            // any CHAR but CR and LF); these never are, outside a literal.
            if (u == 0 || u == '\r' || u == '\n' || u >= 0x80)
                throw std::runtime_error("NUL, CR, LF or 8-bit byte in a command line: " + visible(line));
        }
        if (cmd.lines.empty()) {
            auto space = line.find(' ');
            if (space == 0 || space == std::string::npos) throw std::runtime_error("no tag: " + visible(line));
            cmd.tag = line.substr(0, space);
            for (char ch : cmd.tag)
                if (!is_astring_char(ch) || ch == '+') throw std::runtime_error("bad tag: " + visible(line));
        }
        cmd.lines.push_back(line);
        auto header = header_at_end(line);
        if (!header) break;
        if (header->non_sync && !literal_plus_offered)
            throw std::runtime_error("non-synchronizing literal without LITERAL+: " + visible(line));
        if (!header->non_sync) {
            // The client must wait for "+" (RFC 9051 7.5). A byte already
            // here proves it did not; none here proves nothing, which keeps
            // the check free of timing assumptions.
            if (!c.quiet_for(std::chrono::milliseconds(0)))
                throw std::runtime_error("literal data sent before the +: " + visible(line));
            c.send("+ go ahead\r\n");
        }
        literal_data.push_back(c.read_bytes(header->size));
        ++cmd.literals;
    }
    tokenize(cmd, literal_data);
    return cmd;
}

}  // namespace test
