// The interactive shell on a terminal: line editing, a history kept in a file
// and Tab completion, with libedit's readline-compatible API (what IPython
// gives Python IMAPClient's shell). The rules (which word, which candidates,
// which lines are kept, where the file is) are completion.hpp's; this is the
// terminal side. Only used when stdin and stdout are terminals: otherwise the
// shell reads plain lines (loops.cpp).
#pragma once

#include "completion.hpp"
#include "methods.hpp"

#include <boost/asio/io_context.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shell {

class line_editor {
public:
    /// Whether stdin and stdout are terminals.
    static bool wanted();

    /// Loads the history file (history_file_path(): created with mode 0600,
    /// its directory with 0700; at most 1000 entries) and installs the
    /// completion. Folder names are fetched with list_folders, run on `io`
    /// (the loop's io thread) as the user's calls are, in `s`. One at a time.
    line_editor(boost::asio::io_context& io, session& s);
    ~line_editor();
    line_editor(const line_editor&) = delete;
    line_editor& operator=(const line_editor&) = delete;

    /// The next line (without its newline); nullopt at the end of input
    /// (Ctrl-D). A line keep_in_history() allows goes to the history and its
    /// file at once.
    std::optional<std::string> read_line(const char* prompt);

    /// After each call the user made (its method name and outcome): keeps the
    /// folder list current (folder_cache::after_call()).
    void after_call(std::string_view method, bool ok, std::string_view error_type);

private:
    static char** attempt_hook(const char* text, int start, int end);
    static char* no_entries(const char* text, int state);
    char** attempt(const char* text, int start, int end);
    const std::vector<std::string>& folders();
    void load_history();
    void save_history();

    boost::asio::io_context& io_;
    session& session_;
    folder_cache cache_;
    std::vector<std::string> methods_;
    std::optional<std::string> history_path_;
    bool history_file_ok_ = false;
    bool history_warned_ = false;
    std::string last_added_;
};

}  // namespace shell
