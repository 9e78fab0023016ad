#include "completion.hpp"

#include "codec.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

#include <algorithm>
#include <array>
#include <cctype>

namespace shell {

namespace json = boost::json;

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool is_ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_ident(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// The length of "name=" at the start of `word` (line_parser's keyword
// argument), 0 if there is none.
std::size_t keyword_prefix(std::string_view word) {
    if (word.empty() || !is_ident_start(word[0])) return 0;
    std::size_t p = 1;
    while (p < word.size() && is_ident(word[p])) ++p;
    return p < word.size() && word[p] == '=' ? p + 1 : 0;
}

// Moves `i` past the JSON string, array or object that starts at line[i];
// false when the line ends inside it.
bool skip_json(std::string_view line, std::size_t& i) {
    int depth = 0;
    bool in_string = false, escaped = false;
    for (; i < line.size(); ++i) {
        const char c = line[i];
        if (in_string) {
            if (escaped) escaped = false;
            else if (c == '\\') escaped = true;
            else if (c == '"') {
                in_string = false;
                if (depth == 0) {
                    ++i;
                    return true;
                }
            }
            continue;
        }
        if (c == '"') in_string = true;
        else if (c == '[' || c == '{') ++depth;
        else if ((c == ']' || c == '}') && --depth <= 0) {
            ++i;
            return true;
        }
    }
    return false;
}

std::string_view first_word(std::string_view s, std::string_view* rest = nullptr) {
    std::size_t b = 0;
    while (b < s.size() && is_blank(s[b])) ++b;
    std::size_t e = b;
    while (e < s.size() && !is_blank(s[e])) ++e;
    if (rest) *rest = s.substr(e);
    return s.substr(b, e - b);
}

bool blank(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return is_blank(c); });
}

std::string quoted(std::string_view name) { return json::serialize(json::string(name)); }

void sort_unique(std::vector<std::string>& v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

}  // namespace

std::size_t word_start(std::string_view line) {
    const std::size_t n = line.size();
    std::size_t i = 0, start = n;
    while (i < n) {
        while (i < n && is_blank(line[i])) ++i;
        if (i >= n) return n;
        start = i;
        i += keyword_prefix(line.substr(i));
        if (i < n && (line[i] == '"' || line[i] == '[' || line[i] == '{') && !skip_json(line, i)) return start;
        // A bare word, or what follows a JSON value up to the next blank
        // (which line_parser refuses, but it is still this word).
        while (i < n && !is_blank(line[i])) ++i;
    }
    return start;
}

completion_kind completion_for(std::string_view line_before_word) {
    std::string_view rest;
    const std::string_view first = first_word(line_before_word, &rest);
    if (first.empty()) return completion_kind::command;
    if (first[0] == '[') return completion_kind::none;  // a JSON array line
    if (first == "help") return blank(rest) ? completion_kind::method : completion_kind::none;
    if (first == "quit" || first == "exit") return completion_kind::none;
    return completion_kind::folder;
}

std::string folder_word(std::string_view name) {
    bool bare = !name.empty() && name[0] != '[' && name[0] != '{' && keyword_prefix(name) == 0;
    for (char c : name) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u == 0x7f || c == '"') bare = false;
    }
    if (bare) {
        // 2024, true, null and 1e3 would be read as JSON values, not text.
        boost::system::error_code ec;
        (void)json::parse(name, ec);
        if (!ec) bare = false;
    }
    return bare ? std::string(name) : quoted(name);
}

std::vector<std::string> complete(std::string_view line_before_word, std::string_view word,
                                  const std::vector<std::string>& methods, const std::vector<std::string>& folders) {
    std::vector<std::string> out;
    const auto by_prefix = [&](const std::string& candidate) {
        if (candidate.starts_with(word)) out.push_back(candidate);
    };
    switch (completion_for(line_before_word)) {
    case completion_kind::none: break;
    case completion_kind::command:
        if (!word.empty() && word[0] == '[') break;  // a JSON array line
        for (const auto& m : methods) by_prefix(m);
        for (const char* c : {"help", "quit", "exit"}) by_prefix(c);
        break;
    case completion_kind::method:
        for (const auto& m : methods) by_prefix(m);
        break;
    case completion_kind::folder: {
        const std::size_t kw = keyword_prefix(word);
        const std::string_view name = word.substr(0, kw), value = word.substr(kw);
        const bool typed_quote = !value.empty() && value[0] == '"';
        for (const auto& f : folders) {
            if (!is_valid_utf8(f)) continue;
            const std::string w = typed_quote ? quoted(f) : folder_word(f);
            // "Sent" also completes to "\"Sent Items\"": the quote comes in front.
            const bool fits = w.starts_with(value) ||
                              (!typed_quote && w[0] == '"' && std::string_view(w).substr(1).starts_with(value));
            if (fits) out.push_back(std::string(name) + w);
        }
        break;
    }
    }
    sort_unique(out);
    return out;
}

std::string common_prefix(const std::vector<std::string>& candidates) {
    if (candidates.empty()) return {};
    std::string p = candidates[0];
    for (const auto& c : candidates) {
        std::size_t i = 0;
        while (i < p.size() && i < c.size() && p[i] == c[i]) ++i;
        p.resize(i);
    }
    // Never end inside a multi-byte character.
    if (!p.empty()) {
        std::size_t lead = p.size() - 1;
        while (lead > 0 && (static_cast<unsigned char>(p[lead]) & 0xC0) == 0x80) --lead;
        const auto b = static_cast<unsigned char>(p[lead]);
        const std::size_t need = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
        if (p.size() - lead < need) p.resize(lead);
    }
    return p;
}

bool keep_in_history(std::string_view line) {
    if (blank(line)) return false;
    const std::string l = lower(line);
    // "token" covers refresh and access tokens ("refresh" alone would drop
    // refresh_capabilities); "credential": a credentials object typed as a
    // JSON argument.
    static constexpr std::array<std::string_view, 7> secret_words{
        "login", "authenticate", "password", "passwd", "token", "secret", "credential"};
    return std::none_of(secret_words.begin(), secret_words.end(),
                        [&](std::string_view w) { return l.find(w) != std::string::npos; });
}

std::optional<std::string> history_file_path(const char* imap_shell_history, const char* xdg_state_home,
                                             const char* home) {
    const auto given = [](const char* v) { return v && *v; };
    const auto dir = [](std::string d) {
        while (d.size() > 1 && d.back() == '/') d.pop_back();
        return d;
    };
    if (given(imap_shell_history)) return std::string(imap_shell_history);
    if (given(xdg_state_home) && xdg_state_home[0] == '/') return dir(xdg_state_home) + "/imap-shell/history";
    if (given(home)) return dir(home) + "/.local/state/imap-shell/history";
    return std::nullopt;
}

void folder_cache::store(std::vector<std::string> folders) {
    folders_ = std::move(folders);
    fresh_ = true;
}

void folder_cache::after_call(std::string_view method, bool ok, std::string_view error_type) {
    // The client's (and the shell's) own refusals: nothing was sent.
    if (!ok && (error_type == "invalid_argument" || error_type == "illegal_state" ||
                error_type == "capability_error" || error_type == "readonly_folder"))
        return;
    if (ok && (method == "create_folder" || method == "delete_folder" || method == "rename_folder" ||
               method.ends_with("login")))
        fresh_ = false;
    // Calls that send nothing leave an IDLE running; any other command ends it.
    static constexpr std::array<std::string_view, 9> local{"idle_check", "next_event", "capabilities",
                                                           "has_capability", "welcome", "metrics",
                                                           "use_uid", "mailbox", "leases"};
    if (method == "idle") idling_ = ok;
    else if (std::find(local.begin(), local.end(), method) == local.end()) idling_ = false;
}

}  // namespace shell
