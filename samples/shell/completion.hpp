// The interactive shell's completion and history rules, kept apart from the
// terminal (line_editor.cpp, libedit) so that they can be tested: which word
// the cursor is in, what it completes to, which lines the history keeps and
// where the history file lives, and when the folder list is fetched again.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shell {

/// Where the word being completed starts in `line` (the text before the
/// cursor), by line_parser's rules: words are separated by blanks, but a JSON
/// string, array or object ("Sent Items", ["FLAGS", "UID"]) is one word,
/// also as a keyword's value (folder="Sent Items"). line.size() when the
/// cursor follows a blank.
std::size_t word_start(std::string_view line);

enum class completion_kind {
    none,     // nothing to offer (a JSON array line, after quit, ...)
    command,  // the first word: a method, help, quit or exit
    method,   // the word after "help"
    folder,   // any other word
};

/// What the word that follows `line_before_word` completes to.
completion_kind completion_for(std::string_view line_before_word);

/// How a folder name is typed on a line: bare when line_parser reads the bare
/// word back as the same string ("INBOX", "Archive/2023"), otherwise as a
/// JSON string: names with blanks, quotes or control characters, names that
/// read as a JSON value (2024, true, null) or as a keyword (a=b), names
/// starting with [ or {. ("Sent Items" -> "\"Sent Items\"".)
std::string folder_word(std::string_view name);

/// The completions of `word`, which follows `line_before_word` on the line,
/// sorted and without duplicates. Commands and method names complete by
/// prefix; folders (names that are not valid UTF-8 are left out) by the
/// prefix of their folder_word(), a JSON string also when the word typed so
/// far is bare ("Sent" -> "\"Sent Items\""), always when it starts with a
/// quote; a keyword's value completes after "name=".
std::vector<std::string> complete(std::string_view line_before_word, std::string_view word,
                                  const std::vector<std::string>& methods, const std::vector<std::string>& folders);

/// The longest prefix common to all the candidates, cut back to a whole
/// UTF-8 character ("" when there are none).
std::string common_prefix(const std::vector<std::string>& candidates);

/// Whether a typed line may go to the history (and its file): not blank,
/// and nothing that may carry a credential. Lines that mention, in any case,
/// "login" (login, plain_login, oauth2_login, oauthbearer_login,
/// oauth_login, a raw LOGIN), "authenticate", "password", "passwd", "token"
/// (access and refresh tokens), "secret" or "credential" are left out.
bool keep_in_history(std::string_view line);

/// The history file: $IMAP_SHELL_HISTORY when set and not empty, else
/// $XDG_STATE_HOME/imap-shell/history (when XDG_STATE_HOME is an absolute
/// path, as the XDG spec requires), else $HOME/.local/state/imap-shell/history;
/// nullopt without any of them. The arguments are the variables' values
/// (null: unset).
std::optional<std::string> history_file_path(const char* imap_shell_history, const char* xdg_state_home,
                                             const char* home);

/// The account's folder names for completion: fetched (list_folders) once,
/// at the first folder completion, and again at the next one after a
/// successful create_folder, delete_folder or rename_folder (or a login).
/// Never while the connection is in IDLE: a command would end it.
class folder_cache {
public:
    /// Whether list_folders should run before the names are used.
    bool needs_fetch() const noexcept { return !fresh_ && !idling_; }
    const std::vector<std::string>& folders() const noexcept { return folders_; }
    void store(std::vector<std::string> folders);
    /// The fetch failed: the old names stay, and no new attempt is made until
    /// a call changes the folders.
    void fetch_failed() noexcept { fresh_ = true; }
    /// After each call the user made: `ok` its outcome, `error_type` the
    /// error's type when it failed (invalid_argument, illegal_state,
    /// capability_error and readonly_folder are refusals before anything was
    /// sent, which change nothing).
    void after_call(std::string_view method, bool ok, std::string_view error_type = {});

private:
    std::vector<std::string> folders_;
    bool fresh_ = false;
    bool idling_ = false;
};

}  // namespace shell
