// What the shell connects to and how: command-line options, Python IMAPClient's INI
// file (-f), and the environment (imapclient_username/_password, as Python
// IMAPClient's live tests read them). The command line wins over the file.
// imap-backup reads the same settings (its --config FILE) through this code.
#pragma once

#include "signin.hpp"

#include <imapclient/client.hpp>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace shell {

// usage_error: signin.hpp.

/// Every setting is optional so that the sources can be layered.
struct settings {
    std::optional<std::string> host;
    std::optional<std::uint16_t> port;
    std::optional<imapclient::security> security;
    std::optional<std::string> ca_file;
    std::optional<bool> verify_cert;     // ssl_verify_cert; --insecure sets false
    std::optional<bool> check_hostname;  // ssl_check_hostname
    /// Seconds. `timeout` (--timeout, INI `timeout`) sets both of the
    /// others; connect_timeout / read_timeout (--connect-timeout,
    /// --read-timeout, INI keys of the same names) set one. parse_command_line()
    /// and parse_ini() settle them within their source (the specific key wins
    /// over `timeout`), so that merge() then lets the command line win over
    /// the file for each of the two.
    std::optional<double> timeout;
    std::optional<double> connect_timeout;  // client_options::connect_timeout
    std::optional<double> read_timeout;     // client_options::timeout
    std::optional<double> deadline;         // client_options::deadline (--deadline, INI `deadline`)
    std::optional<std::string> username, password;
    std::optional<bool> oauth2;
    std::optional<std::string> oauth2_access_token;
    /// auth_mechanism, proxy, client_cert/key, the OAuth2 flow (signin.hpp).
    signin_settings signin;
    std::optional<int> debug;
    std::optional<std::string> config_file;
    std::optional<std::string> script;  // "-" is stdin
    bool help = false;
};

/// Walks a command line for imap-shell and imap-backup: each word, its
/// option name ("--proxy=URL" splits into "--proxy" and an inline value),
/// and the option's value on demand (inline, else the next word).
class option_reader {
public:
    explicit option_reader(const std::vector<std::string>& args) : args_(args) {}
    /// Moves to the next word; false after the last.
    bool next();
    const std::string& word() const { return args_[i_]; }
    /// The word, or its part before "=" for a "--name=value" word.
    const std::string& name() const { return name_; }
    /// The inline value, else the next word (consumed). Throws usage_error
    /// when there is none.
    std::string value();
    /// Throws usage_error when the option came with "=value".
    void no_value() const;

private:
    const std::vector<std::string>& args_;
    std::size_t i_ = 0;
    bool started_ = false;
    std::string name_, inline_value_;
    bool has_inline_ = false;
};

/// --tls, --starttls and --plain: at most one kind (usage_error otherwise).
void set_security(settings& s, imapclient::security kind);

/// Parses argv (without argv[0]). Throws usage_error.
settings parse_command_line(const std::vector<std::string>& args);

/// Reads Python IMAPClient's INI keys from the [DEFAULT] or [main] section (keys
/// before any section header count too; other sections, Python IMAPClient's
/// alternates, are ignored). Throws usage_error on unreadable files, bad
/// lines, unknown keys and bad values.
settings parse_ini(const std::string& text, const std::string& source_name);
settings read_ini_file(const std::string& path);

/// imapclient_username / imapclient_password, as Python IMAPClient reads them.
settings from_environment();

/// `over` wins wherever it has a value.
settings merge(const settings& over, const settings& under);

/// The resolved connection setup.
struct shell_config {
    imapclient::client_options options;
    std::optional<std::string> username, password, oauth2_access_token;
    /// The mechanism, client certificate and OAuth2 flow; the proxy and the
    /// certificate are already in `options`, the credentials are not (see
    /// install_credentials() in signin.hpp).
    signin_config signin;
    std::optional<std::string> script;
};

/// Applies defaults (TLS, the system trust store) and checks consistency:
/// ssl_check_hostname=false is only possible with ssl_verify_cert=false;
/// oauth2 = true needs an access token or the OAuth2 flow (a token
/// endpoint and client id), and a username; the sign-in settings as
/// resolve_signin() checks them (`tool` names the OAuth2 token cache's
/// directory). Throws usage_error.
shell_config resolve(const settings& s, std::string_view tool = "imap-shell");

std::string usage_text();

}  // namespace shell
