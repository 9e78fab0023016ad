// How imap-shell and imap-backup sign in, shared by the two: the settings
// (SASL mechanism, proxy, TLS client certificate, OAuth2 tokens fetched and
// refreshed by imapclient::oauth2_client) as command-line options and INI
// keys, and what they become: client_options (proxy, the certificate on the
// TLS context, credentials) and, for OAuth2, the oauth2_client behind the
// credentials.
//
// A tool parses them (take_signin_option() / take_signin_key()), resolve()
// (config.hpp) checks them into a shell_config, and install_credentials()
// sets client_options::credentials on an executor; the tool then runs
// device_login() when asked (--oauth2-device-login), connects and calls
// client::sign_in().
#pragma once

#include <imapclient/client.hpp>
#include <imapclient/oauth2.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace shell {

/// A bad option, key or combination: the tool prints it with its usage
/// hint and exits 2.
class usage_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// The sign-in settings as given (INI key / command-line option).
struct signin_settings {
    /// auth_mechanism / --auth-mechanism, upper-cased: "" the best the
    /// server offers, a SASL name, or LOGIN-COMMAND.
    std::optional<std::string> auth_mechanism;
    /// proxy / --proxy, parsed (an empty value: no proxy).
    std::optional<imapclient::proxy_settings> proxy;
    /// client_cert / --client-cert, client_key / --client-key: PEM files
    /// (the key defaults to the certificate's file).
    std::optional<std::string> client_cert, client_key;
    /// oauth2_<name> / --oauth2-<name>.
    std::optional<std::string> oauth2_token_endpoint, oauth2_device_endpoint, oauth2_client_id,
        oauth2_client_secret, oauth2_scope, oauth2_refresh_token, oauth2_token_cache, oauth2_ca_file;
    /// --oauth2-device-login (command line only).
    bool oauth2_device_login = false;
};

/// The command line: when `option` ("--proxy", ...) is a sign-in option,
/// stores it (its value from `value()`, called only for options that take
/// one) and returns true. Throws usage_error on a bad value.
bool take_signin_option(signin_settings& s, const std::string& option, const std::function<std::string()>& value);

/// The sign-in options that take no value (--oauth2-device-login).
bool is_signin_flag(std::string_view option);

/// An INI key: when `key` ("proxy", "oauth2_client_id", ...) is a sign-in
/// key, stores it and returns true. `where` ("file:3") prefixes errors.
bool take_signin_key(signin_settings& s, const std::string& key, const std::string& value, const std::string& where);

/// `over` wins wherever it has a value.
signin_settings merge(const signin_settings& over, const signin_settings& under);

/// The sign-in options' lines for `tool`'s --help (the INI keys are their
/// names with '_', without the leading "--").
std::string signin_usage_text(std::string_view tool);

/// The OAuth2 token cache's default place:
/// $XDG_CACHE_HOME/<tool>/<user>@<host>.json, else
/// ~/.cache/<tool>/<user>@<host>.json ('/' in the names becomes '_');
/// nullopt without either (XDG paths must be absolute).
std::optional<std::string> default_token_cache(std::string_view tool, std::string_view user, std::string_view host,
                                               const char* xdg_cache_home, const char* home);

/// The sign-in settings, checked.
struct signin_config {
    /// credentials::mechanism ("" the best offered).
    std::string mechanism;
    /// A client certificate is on client_options::ssl_context; without a
    /// password or token the tool signs in with EXTERNAL.
    std::optional<std::string> client_cert, client_key;
    /// The OAuth2 refresh-token flow (a token endpoint and a client id were
    /// given): username, endpoints, scopes, token cache, CA, proxy.
    std::optional<imapclient::oauth2_settings> oauth2;
    /// --oauth2-device-login: run the device grant before connecting.
    bool device_login = false;
};

/// Checks `s` and applies it to `o`: the proxy, the client certificate on
/// o.ssl_context (create_default_context() when it is null). `username`
/// is the IMAP user (the OAuth2 tokens are for it); `tool` names the
/// token cache's directory. Throws usage_error: a key without its
/// certificate, an unreadable certificate or CA, OAuth2 settings that do
/// not make a flow (a client id without a token endpoint, a refresh token
/// without a client id, ...), the flow without a username,
/// --oauth2-device-login without the flow or its device endpoint.
signin_config resolve_signin(const signin_settings& s, std::string_view tool, imapclient::client_options& o,
                             const std::optional<std::string>& username);

struct shell_config;  // config.hpp

/// No password, access token, OAuth2 flow or EXTERNAL (a client
/// certificate and no other mechanism asked for): a password must come
/// from somewhere (a prompt, IMAP_PASSWORD).
bool needs_password(const shell_config& c);

/// Sets c.options.credentials: from the OAuth2 flow (an oauth2_client,
/// returned: keep it alive as long as any client made from c.options),
/// else fixed_credentials() with the access token, else the password,
/// else EXTERNAL when a client certificate is set; left empty otherwise
/// (nothing to sign in with). The mechanism is c.signin.mechanism.
/// Throws usage_error: the flow without a refresh token (given or in the
/// token cache) and without --oauth2-device-login, an unreadable cache.
std::unique_ptr<imapclient::oauth2_client> install_credentials(boost::asio::any_io_executor executor,
                                                               shell_config& c);

/// "To sign in, open URL and enter the code CODE\n".
std::string device_login_prompt(const imapclient::device_authorization& d);

/// The device grant (--oauth2-device-login): writes device_login_prompt()
/// to `out` and waits until the user approved (or failed: declined,
/// expired; thrown as oauth2_client::device_login() does).
boost::asio::awaitable<void> device_login(imapclient::oauth2_client& oauth, std::FILE* out);

}  // namespace shell
