#include "line_parser.hpp"

#include "json_args.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/parser.hpp>
#include <boost/json/string.hpp>

#include <cctype>

namespace shell {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// A JSON value starting at `pos` (a string, array or object, which may
// contain spaces); advances past it.
json::value read_json(std::string_view line, std::size_t& pos) {
    // parser::write_some() reads one complete value and leaves what follows.
    json::parser p;
    boost::system::error_code ec;
    const std::size_t used = p.write_some(line.data() + pos, line.size() - pos, ec);
    if (ec) throw invalid_argument("bad JSON at column " + std::to_string(pos + 1) + ": " + ec.message());
    pos += used;
    if (pos < line.size() && !is_space(line[pos]))
        throw invalid_argument("expected a space after the JSON value at column " + std::to_string(pos + 1));
    return p.release();
}

json::value read_word(std::string_view line, std::size_t& pos) {
    const char c = line[pos];
    if (c == '"' || c == '[' || c == '{') return read_json(line, pos);
    const std::size_t start = pos;
    while (pos < line.size() && !is_space(line[pos])) ++pos;
    const std::string_view word = line.substr(start, pos - start);
    boost::system::error_code ec;
    json::value v = json::parse(word, ec);
    // Numbers, true, false, null; anything else is the bare text.
    if (!ec && !v.is_object() && !v.is_array() && !v.is_string()) return v;
    return json::string(word);
}

bool is_keyword_start(std::string_view line, std::size_t pos, std::size_t& eq) {
    std::size_t p = pos;
    if (p >= line.size() || !(std::isalpha(static_cast<unsigned char>(line[p])) || line[p] == '_')) return false;
    while (p < line.size() && (std::isalnum(static_cast<unsigned char>(line[p])) || line[p] == '_')) ++p;
    if (p < line.size() && line[p] == '=' && p + 1 < line.size() && !is_space(line[p + 1])) {
        eq = p;
        return true;
    }
    return false;
}

}  // namespace

json::value parse_line(std::string_view line) {
    std::size_t pos = 0;
    while (pos < line.size() && is_space(line[pos])) ++pos;
    if (pos < line.size() && line[pos] == '[') {
        boost::system::error_code ec;
        json::value v = json::parse(line.substr(pos), ec);
        if (ec) throw invalid_argument("bad JSON: " + ec.message());
        return v;
    }
    json::array call;
    json::object keywords;
    bool first = true;
    while (true) {
        while (pos < line.size() && is_space(line[pos])) ++pos;
        if (pos >= line.size()) break;
        if (first) {
            const std::size_t start = pos;
            while (pos < line.size() && !is_space(line[pos])) ++pos;
            call.push_back(json::string(line.substr(start, pos - start)));
            first = false;
            continue;
        }
        std::size_t eq = 0;
        if (is_keyword_start(line, pos, eq)) {
            const std::string name(line.substr(pos, eq - pos));
            pos = eq + 1;
            if (keywords.contains(name)) throw invalid_argument("keyword '" + name + "' given twice");
            keywords[name] = read_word(line, pos);
            continue;
        }
        if (!keywords.empty()) throw invalid_argument("a positional argument after a keyword argument");
        call.push_back(read_word(line, pos));
    }
    if (call.empty()) throw invalid_argument("empty line");
    if (!keywords.empty()) call.push_back(std::move(keywords));
    return call;
}

}  // namespace shell
