#include "line_editor.hpp"

#include "dispatch.hpp"

#include <boost/json/array.hpp>

#include <cerrno>
#include <clocale>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cwchar>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

// Last: it defines macros (CTRL, RUBOUT, ...).
#include <editline/readline.h>

namespace shell {

namespace {

constexpr int max_history = 1000;

// Words are separated by blanks only: quotes, '=' and brackets belong to the
// word (line_parser's words), so "folder=INB" completes as one. libedit
// reads rl_basic_word_break_characters (GNU readline the other one).
char word_breaks[] = " \t\n";

line_editor* active = nullptr;

// libedit gives the word's position in characters, rl_line_buffer is bytes
// (multibyte in the locale): the byte offset of character `chars`.
std::optional<std::size_t> byte_offset(std::string_view line, int chars) {
    std::mbstate_t state{};
    std::size_t b = 0;
    for (int c = 0; c < chars; ++c) {
        if (b >= line.size()) return std::nullopt;
        wchar_t wc;
        const std::size_t n = std::mbrtowc(&wc, line.data() + b, line.size() - b, &state);
        if (n == static_cast<std::size_t>(-1) || n == static_cast<std::size_t>(-2)) return std::nullopt;
        b += n == 0 ? 1 : n;
    }
    return b;
}

// Creates the missing directories of `dir`, each with mode 0700 (existing
// ones are left as they are).
bool make_private_dirs(const std::filesystem::path& dir) {
    if (dir.empty()) return true;
    std::filesystem::path p;
    for (const auto& part : dir) {
        p /= part;
        if (::mkdir(p.c_str(), 0700) != 0 && errno != EEXIST) return false;
    }
    struct stat st {};
    return ::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

bool line_editor::wanted() { return ::isatty(0) && ::isatty(1); }

line_editor::line_editor(boost::asio::io_context& io, session& s) : io_(io), session_(s) {
    // Characters beyond ASCII (folder names) are edited as characters.
    std::setlocale(LC_CTYPE, "");
    for (const auto& m : method_table()) methods_.push_back(m.name);
    rl_readline_name = "imap-shell";  // ~/.editrc sections
    active = this;
    rl_attempted_completion_function = attempt_hook;
    rl_completion_entry_function = no_entries;  // never file names
    rl_basic_word_break_characters = word_breaks;
    rl_completer_word_break_characters = word_breaks;
    rl_completion_append_character = ' ';
    using_history();
    stifle_history(max_history);
    load_history();
}

line_editor::~line_editor() {
    rl_attempted_completion_function = nullptr;
    rl_completion_entry_function = nullptr;
    active = nullptr;
}

std::optional<std::string> line_editor::read_line(const char* prompt) {
    char* raw = ::readline(prompt);
    if (!raw) {
        std::cout << std::endl;  // Ctrl-D: leave the prompt's line
        return std::nullopt;
    }
    std::string line(raw);
    std::free(raw);
    if (keep_in_history(line) && line != last_added_) {
        ::add_history(line.c_str());
        last_added_ = line;
        save_history();
    }
    return line;
}

void line_editor::after_call(std::string_view method, bool ok, std::string_view error_type) {
    cache_.after_call(method, ok, error_type);
}

char** line_editor::attempt_hook(const char* text, int start, int end) {
    rl_attempted_completion_over = 1;  // no fallback to file names, whatever happens
    if (!active) return nullptr;
    try {
        return active->attempt(text, start, end);
    } catch (...) {
        return nullptr;  // never let an exception into libedit
    }
}

char* line_editor::no_entries(const char*, int) { return nullptr; }

// libedit replaces the text from its own word start (after the last blank) to
// the cursor with matches[0], and lists matches[1..] on a second Tab. The
// word by line_parser's rules may start earlier (a JSON string with blanks:
// "Sent It|), so each candidate loses what is already there before
// libedit's word.
char** line_editor::attempt(const char* text, int start, int end) {
    const std::string line = rl_line_buffer ? rl_line_buffer : "";
    const auto start_b = byte_offset(line, start);
    const auto end_b = byte_offset(line, end);
    if (!start_b || !end_b || *start_b > *end_b || line.compare(*start_b, *end_b - *start_b, text) != 0)
        return nullptr;  // not the line libedit completes in: offer nothing
    const std::string_view upto(line.data(), *end_b);
    const std::size_t from = word_start(upto);
    if (from > *start_b) return nullptr;
    const std::string_view before = upto.substr(0, from);
    const std::string_view word = upto.substr(from);
    const std::string_view present = upto.substr(from, *start_b - from);

    static const std::vector<std::string> none;
    const auto& folder_names = completion_for(before) == completion_kind::folder ? folders() : none;
    std::vector<std::string> tails;
    for (const auto& c : complete(before, word, methods_, folder_names))
        if (c.starts_with(present)) tails.push_back(c.substr(present.size()));
    if (tails.empty()) return nullptr;

    // [replacement, candidate..., NULL], malloc'd: libedit frees them. One
    // candidate is [it, it, NULL], which libedit reads as a single match.
    auto** out = static_cast<char**>(std::calloc(tails.size() + 2, sizeof(char*)));
    if (!out) return nullptr;
    out[0] = ::strdup(common_prefix(tails).c_str());
    for (std::size_t i = 0; i < tails.size(); ++i) out[i + 1] = ::strdup(tails[i].c_str());
    for (std::size_t i = 0; i < tails.size() + 1; ++i) {
        if (!out[i]) {
            for (std::size_t j = 0; j < tails.size() + 1; ++j) std::free(out[j]);
            std::free(out);
            return nullptr;
        }
    }
    return out;
}

const std::vector<std::string>& line_editor::folders() {
    if (!cache_.needs_fetch()) return cache_.folders();
    // On the io thread, as the user's calls run; the loop waits in readline.
    json::value call = json::array{"list_folders"};
    outcome r = run_call(io_, session_, std::move(call));
    const json::value* result = r.line.at("ok").as_bool() ? r.line.if_contains("result") : nullptr;
    const json::value* list = result && result->is_object() ? result->as_object().if_contains("folders") : nullptr;
    if (!list || !list->is_array()) {
        cache_.fetch_failed();
        return cache_.folders();
    }
    std::vector<std::string> names;
    for (const auto& f : list->get_array()) {
        const json::value* name = f.is_object() ? f.get_object().if_contains("name") : nullptr;
        if (name && name->is_string()) names.emplace_back(name->get_string());  // {"base64"}: not typable
    }
    cache_.store(std::move(names));
    return cache_.folders();
}

void line_editor::load_history() {
    history_path_ = history_file_path(std::getenv("IMAP_SHELL_HISTORY"), std::getenv("XDG_STATE_HOME"),
                                      std::getenv("HOME"));
    if (!history_path_) return;
    const std::filesystem::path path(*history_path_);
    if (!make_private_dirs(path.parent_path())) return;
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
        // /dev/null and the like: no history file (a way to turn it off).
        if (!S_ISREG(st.st_mode)) return;
        // A file of something else (IMAP_SHELL_HISTORY naming another
        // program's history) is neither read nor overwritten.
        std::ifstream in(path, std::ios::binary);
        std::string first;
        if (st.st_size > 0 && (!std::getline(in, first) || first != "_HiStOrY_V2_")) {
            std::cerr << "imap-shell: " << *history_path_
                      << " is not an imap-shell history file: the history is not kept in it\n";
            return;
        }
        history_file_ok_ = true;
        ::read_history(path.c_str());
    } else if (errno == ENOENT) {
        history_file_ok_ = true;
    }
}

void line_editor::save_history() {
    if (!history_file_ok_) return;
    const char* path = history_path_->c_str();
    // Created 0600 before libedit writes it (it may hold folder names and
    // search terms); an existing file is made 0600 too.
    const int fd = ::open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    bool ok = fd >= 0;
    if (ok) {
        struct stat st {};
        ok = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
        if (ok && (st.st_mode & 07777) != 0600) (void)::fchmod(fd, 0600);
        ::close(fd);
    }
    const int saved_errno = errno;
    if (ok && ::write_history(path) == 0) return;
    if (!history_warned_) {
        std::cerr << "imap-shell: cannot write the history file " << *history_path_ << ": "
                  << std::strerror(ok ? errno : saved_errno) << "\n";
        history_warned_ = true;
    }
}

}  // namespace shell
