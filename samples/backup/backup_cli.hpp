// imap-backup's command line: HOST PORT USER DEST and options, or
// --config FILE (imap-shell's INI keys, read by the shell's config code) and
// DEST; the password from IMAP_PASSWORD. The sign-in options (mechanism,
// proxy, client certificate, OAuth2) are imap-shell's (samples/shell/signin.hpp).
#pragma once

#include "backup.hpp"
#include "config.hpp"  // samples/shell: shell::settings, shell_config, usage_error

#include <optional>
#include <string>
#include <vector>

namespace backup {

struct command_line {
    /// Server, user, TLS, --timeout (the server's silence: read_timeout),
    /// --deadline and the sign-in options.
    shell::settings connection;
    /// --folder, --batch, --batch-bytes, --stream-above, DEST.
    options backup;
    std::optional<std::string> config_file;
    bool help = false;
};

/// Parses argv (without argv[0]): four positional arguments HOST PORT USER
/// DEST, or with --config just DEST (the file names the server and the
/// user). Throws shell::usage_error.
command_line parse_command_line(const std::vector<std::string>& args);

struct setup {
    /// client_options (no credentials yet: shell::install_credentials()),
    /// the user, password or token, the sign-in settings.
    shell::shell_config connection;
    options backup;
};

/// The command line over `imap_password` (IMAP_PASSWORD; null when unset)
/// over the config file's settings, checked: a host, a user (unless a
/// client certificate signs in), and a password unless OAuth2 or EXTERNAL
/// sign in. Throws shell::usage_error.
setup resolve(const command_line& cli, const shell::settings& file, const char* imap_password);

/// The synopsis (for usage errors) and the whole --help text.
std::string usage_synopsis();
std::string usage_text();

}  // namespace backup
