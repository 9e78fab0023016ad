#include "signin.hpp"

#include "config.hpp"

#include <imapclient/credentials.hpp>
#include <imapclient/tls.hpp>

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <array>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <system_error>
#include <utility>

namespace shell {

namespace asio = boost::asio;
namespace ic = imapclient;

namespace {

std::string upper(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

// RFC 4422 3.1: 1 to 20 of A-Z, 0-9, '-', '_' ("LOGIN-COMMAND" fits too).
std::string parse_mechanism(const std::string& v, const std::string& where) {
    const std::string m = upper(v);
    bool ok = m.size() <= 20;
    for (const char c : m) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_');
    if (!ok)
        throw usage_error(where + ": '" + v +
                          "' is not a SASL mechanism name (SCRAM-SHA-256, SCRAM-SHA-1, PLAIN, LOGIN, XOAUTH2, "
                          "OAUTHBEARER, EXTERNAL) or LOGIN-COMMAND");
    return m;
}

ic::proxy_settings parse_proxy(const std::string& v, const std::string& where) {
    if (v.empty()) return {};  // none (a command line's --proxy= over a file's proxy)
    try {
        return ic::proxy_settings::parse(v);
    } catch (const std::exception& e) {
        throw usage_error(where + ": " + e.what());  // the parser's "bad proxy URL ...: why"
    }
}

// The settings taking a string value, by their INI key; the command-line
// option is "--" + the key with '-' for '_'.
using string_member = std::optional<std::string> signin_settings::*;
struct string_key {
    const char* key;
    string_member member;
};
constexpr std::array<string_key, 10> string_keys{{
    {"client_cert", &signin_settings::client_cert},
    {"client_key", &signin_settings::client_key},
    {"oauth2_token_endpoint", &signin_settings::oauth2_token_endpoint},
    {"oauth2_device_endpoint", &signin_settings::oauth2_device_endpoint},
    {"oauth2_client_id", &signin_settings::oauth2_client_id},
    {"oauth2_client_secret", &signin_settings::oauth2_client_secret},
    {"oauth2_scope", &signin_settings::oauth2_scope},
    {"oauth2_refresh_token", &signin_settings::oauth2_refresh_token},
    {"oauth2_token_cache", &signin_settings::oauth2_token_cache},
    {"oauth2_ca_file", &signin_settings::oauth2_ca_file},
}};

std::string option_name(std::string_view key) {
    std::string o = "--" + std::string(key);
    for (auto& c : o)
        if (c == '_') c = '-';
    return o;
}

// Python IMAPClient's config.py refreshes tokens for these hosts without
// being told the endpoint (OAUTH2_REFRESH_URLS).
std::optional<std::string> known_token_endpoint(const std::string& host) {
    if (host == "imap.gmail.com") return "https://accounts.google.com/o/oauth2/token";
    if (host == "imap.mail.yahoo.com") return "https://api.login.yahoo.com/oauth2/get_token";
    return std::nullopt;
}

std::vector<std::string> split_scopes(const std::string& s) {
    std::vector<std::string> out;
    std::istringstream in(s);
    std::string w;
    while (in >> w) out.push_back(w);
    return out;
}

std::string file_name_part(std::string_view s) {
    std::string out(s);
    for (auto& c : out)
        if (c == '/' || c == '\0') c = '_';
    return out;
}

// The oauth2_client's credentials with the mechanism asked for. A plain
// function (not a capturing lambda coroutine): its parameters live in the
// coroutine frame, whatever happens to the std::function that made it.
asio::awaitable<ic::credentials> with_mechanism(ic::credential_provider inner, std::string mechanism,
                                                ic::credential_request request) {
    ic::credentials c = co_await inner(std::move(request));
    c.mechanism = mechanism;
    co_return c;
}

}  // namespace

bool take_signin_option(signin_settings& s, const std::string& option, const std::function<std::string()>& value) {
    if (option == "--auth-mechanism") {
        s.auth_mechanism = parse_mechanism(value(), option);
        return true;
    }
    if (option == "--proxy") {
        s.proxy = parse_proxy(value(), option);
        return true;
    }
    if (option == "--oauth2-device-login") {
        s.oauth2_device_login = true;
        return true;
    }
    for (const auto& k : string_keys) {
        if (option == option_name(k.key)) {
            s.*k.member = value();
            return true;
        }
    }
    return false;
}

bool is_signin_flag(std::string_view option) {
    return option == "--oauth2-device-login";
}

bool take_signin_key(signin_settings& s, const std::string& key, const std::string& value, const std::string& where) {
    if (key == "auth_mechanism") {
        s.auth_mechanism = parse_mechanism(value, where);
        return true;
    }
    if (key == "proxy") {
        s.proxy = parse_proxy(value, where);
        return true;
    }
    for (const auto& k : string_keys) {
        if (key == k.key) {
            s.*k.member = value;
            return true;
        }
    }
    return false;
}

signin_settings merge(const signin_settings& over, const signin_settings& under) {
    signin_settings m = under;
    if (over.auth_mechanism) m.auth_mechanism = over.auth_mechanism;
    if (over.proxy) m.proxy = over.proxy;
    for (const auto& k : string_keys)
        if (over.*k.member) m.*k.member = over.*k.member;
    m.oauth2_device_login = over.oauth2_device_login || under.oauth2_device_login;
    return m;
}

std::string signin_usage_text(std::string_view tool) {
    std::string text = R"(Signing in (INI keys of the same names with '_': auth_mechanism, proxy, ...):
      --auth-mechanism NAME
                         SCRAM-SHA-256, SCRAM-SHA-1, PLAIN, LOGIN, XOAUTH2,
                         OAUTHBEARER, EXTERNAL, or LOGIN-COMMAND (the LOGIN
                         command); default: the best the server offers
                         (SCRAM-SHA-256 > SCRAM-SHA-1 > PLAIN > LOGIN; for
                         tokens OAUTHBEARER > XOAUTH2)
      --proxy URL        connect through http://[user:pass@]host:port (CONNECT),
                         socks5://... or socks5h://... (the proxy resolves the
                         name); also used for the OAuth2 endpoints
      --client-cert FILE TLS client certificate (PEM); without a password or
                         token, sign in with EXTERNAL
      --client-key FILE  its private key (PEM, unencrypted; default: the
                         certificate's file)
      --oauth2-token-endpoint URL
      --oauth2-client-id ID
      --oauth2-client-secret SECRET
                         OAuth2 access tokens fetched and refreshed from this
                         token endpoint (known for imap.gmail.com and
                         imap.mail.yahoo.com); needs a username
      --oauth2-refresh-token TOKEN
                         a refresh token from an earlier grant (default: the
                         one in the token cache)
      --oauth2-scope "SCOPE ..."
                         space-separated scopes for the device login
      --oauth2-device-endpoint URL
                         the device authorization endpoint
      --oauth2-device-login
                         sign in in a browser now (the device grant): prints
                         the URL to open and the code to enter, waits, then
                         goes on; needed once when no refresh token is known
      --oauth2-token-cache FILE
                         keeps the tokens across runs (mode 0600; default
                         $XDG_CACHE_HOME or ~/.cache, then /TOOL/USER@HOST.json;
                         an empty value: none)
      --oauth2-ca-file FILE
                         trust this CA for the OAuth2 endpoints (default: the
                         system store)
  Sign-in order: the OAuth2 flow (a token endpoint and client id), else
  oauth2_access_token, else the password, else EXTERNAL with a client
  certificate.
)";
    const auto at = text.find("/TOOL/");
    if (at != std::string::npos) text.replace(at + 1, 4, tool);
    return text;
}

std::optional<std::string> default_token_cache(std::string_view tool, std::string_view user, std::string_view host,
                                               const char* xdg_cache_home, const char* home) {
    std::string dir;
    if (xdg_cache_home && xdg_cache_home[0] == '/') dir = xdg_cache_home;
    else if (home && home[0] == '/') dir = std::string(home) + (std::string_view(home).ends_with('/') ? "" : "/") + ".cache";
    else return std::nullopt;
    if (!dir.ends_with('/')) dir += '/';
    return dir + std::string(tool) + "/" + file_name_part(user) + "@" + file_name_part(host) + ".json";
}

signin_config resolve_signin(const signin_settings& s, std::string_view tool, ic::client_options& o,
                             const std::optional<std::string>& username) {
    signin_config c;
    c.mechanism = s.auth_mechanism.value_or("");
    if (s.proxy) o.proxy = *s.proxy;

    if (s.client_key && !s.client_cert) throw usage_error("client_key needs client_cert (the certificate's file)");
    if (s.client_cert) {
        c.client_cert = s.client_cert;
        c.client_key = s.client_key.value_or(*s.client_cert);
        try {
            if (!o.ssl_context) o.ssl_context = ic::create_default_context();
            ic::use_client_certificate(*o.ssl_context, *c.client_cert, *c.client_key);
        } catch (const std::exception& e) {
            throw usage_error("cannot use client certificate '" + *c.client_cert + "' with key '" + *c.client_key +
                              "': " + e.what());
        }
    }

    // The OAuth2 flow: a token endpoint (given, or Python IMAPClient's for
    // the host) and a client id.
    const bool any_oauth2 = s.oauth2_token_endpoint || s.oauth2_device_endpoint || s.oauth2_client_id ||
                            s.oauth2_client_secret || s.oauth2_refresh_token || s.oauth2_scope;
    if (any_oauth2 || s.oauth2_device_login) {
        std::optional<std::string> endpoint = s.oauth2_token_endpoint;
        if (!endpoint || endpoint->empty()) endpoint = known_token_endpoint(o.host);
        if (!s.oauth2_client_id || s.oauth2_client_id->empty())
            throw usage_error(s.oauth2_device_login
                                  ? "--oauth2-device-login needs oauth2_client_id and oauth2_token_endpoint"
                                  : "OAuth2 settings without oauth2_client_id: tokens are fetched with a client id "
                                    "and a token endpoint (for a static token, give oauth2_access_token alone)");
        if (!endpoint)
            throw usage_error("oauth2_client_id needs oauth2_token_endpoint (known without it only for "
                              "imap.gmail.com and imap.mail.yahoo.com)");
        if (!username || username->empty())
            throw usage_error("OAuth2 needs a username (-u or username = ...): the tokens are for that user");
        ic::oauth2_settings a;
        a.token_endpoint = *endpoint;
        a.device_authorization_endpoint = s.oauth2_device_endpoint.value_or("");
        a.client_id = *s.oauth2_client_id;
        a.client_secret = s.oauth2_client_secret.value_or("");
        a.scopes = split_scopes(s.oauth2_scope.value_or(""));
        a.refresh_token = s.oauth2_refresh_token.value_or("");
        a.username = *username;
        if (s.oauth2_token_cache) {
            a.token_cache = *s.oauth2_token_cache;  // "": none
        } else {
            a.token_cache = default_token_cache(tool, *username, o.host, std::getenv("XDG_CACHE_HOME"),
                                                std::getenv("HOME"))
                                .value_or("");
        }
        if (s.oauth2_ca_file) {
            try {
                a.ssl_context = ic::create_default_context(*s.oauth2_ca_file);
            } catch (const std::exception& e) {
                throw usage_error("cannot load OAuth2 CA file '" + *s.oauth2_ca_file + "': " + e.what());
            }
        }
        a.proxy = o.proxy;
        if (s.oauth2_device_login && a.device_authorization_endpoint.empty())
            throw usage_error("--oauth2-device-login needs oauth2_device_endpoint (the device authorization URL)");
        c.device_login = s.oauth2_device_login;
        c.oauth2 = std::move(a);
    }
    return c;
}

bool needs_password(const shell_config& c) {
    if (c.password || c.oauth2_access_token || c.signin.oauth2) return false;
    const std::string& m = c.signin.mechanism;
    return !(m == "EXTERNAL" || (c.signin.client_cert && m.empty()));
}

std::unique_ptr<ic::oauth2_client> install_credentials(asio::any_io_executor executor, shell_config& c) {
    const std::string mechanism = c.signin.mechanism;
    if (c.signin.oauth2) {
        const std::string& cache = c.signin.oauth2->token_cache;
        if (!cache.empty()) {
            // The default place's directories (~/.cache/imap-shell): the
            // client creates the file, not its directory.
            std::error_code ec;
            const auto dir = std::filesystem::path(cache).parent_path();
            if (!dir.empty() && std::filesystem::create_directories(dir, ec))
                std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);
        }
        std::unique_ptr<ic::oauth2_client> oauth;
        try {
            oauth = std::make_unique<ic::oauth2_client>(executor, *c.signin.oauth2);
        } catch (const std::exception& e) {
            // The constructor reads the token cache (a missing file is fine).
            throw usage_error((cache.empty() ? std::string("OAuth2: ") : "OAuth2 token cache '" + cache + "': ") +
                              e.what());
        }
        if (!oauth->has_refresh_token() && !c.signin.device_login)
            throw usage_error("no OAuth2 refresh token (none given, none in the token cache" +
                              (cache.empty() ? std::string() : " " + cache) +
                              "): run once with --oauth2-device-login to sign in");
        ic::credential_provider inner = oauth->credentials();
        if (mechanism.empty()) {
            c.options.credentials = std::move(inner);
        } else {
            c.options.credentials = [inner, mechanism](ic::credential_request r) {
                return with_mechanism(inner, mechanism, std::move(r));
            };
        }
        return oauth;
    }
    ic::credentials k;
    k.username = c.username.value_or("");
    k.mechanism = mechanism;
    if (c.oauth2_access_token) {
        k.access_token = *c.oauth2_access_token;
    } else if (c.password) {
        k.password = *c.password;
    } else if (!(c.signin.client_cert || mechanism == "EXTERNAL")) {
        return nullptr;  // nothing to sign in with
    }
    c.options.credentials = ic::fixed_credentials(std::move(k));
    return nullptr;
}

std::string device_login_prompt(const ic::device_authorization& d) {
    return "To sign in, open " + d.verification_uri + " and enter the code " + d.user_code + "\n";
}

asio::awaitable<void> device_login(ic::oauth2_client& oauth, std::FILE* out) {
    std::function<void(const ic::device_authorization&)> show = [out](const ic::device_authorization& d) {
        const std::string line = device_login_prompt(d);
        std::fwrite(line.data(), 1, line.size(), out);
        std::fflush(out);
    };
    co_await oauth.device_login(std::move(show));
}

}  // namespace shell
