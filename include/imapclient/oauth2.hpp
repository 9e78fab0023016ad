// OAuth2 access tokens for IMAP (Gmail, Microsoft 365, any RFC 6749
// server), fetched and refreshed over HTTPS by the library itself.
//
//   oauth2_settings s;
//   s.token_endpoint = "https://oauth2.googleapis.com/token";
//   s.device_authorization_endpoint = "https://oauth2.googleapis.com/device/code";
//   s.client_id = "...apps.googleusercontent.com";
//   s.client_secret = "...";
//   s.scopes = {"https://mail.google.com/"};
//   s.username = "me@gmail.com";
//   s.token_cache = "/home/me/.cache/myapp/token.json";   // 0600
//   oauth2_client oauth(ex, s);
//   if (!oauth.has_refresh_token())                        // first run: ask the user once
//       co_await oauth.device_login([](const device_authorization& d) {
//           std::cout << "Open " << d.verification_uri << " and enter " << d.user_code << "\n";
//       });
//   client_options o{.host = "imap.gmail.com"};
//   o.credentials = oauth.credentials();                   // refreshed when needed
//
// Access tokens are cached in memory (and in token_cache) until
// refresh_margin before they expire; a token the IMAP server refuses is
// replaced by a refreshed one (credential_request::attempt > 0). Every
// HTTP exchange is bounded by `timeout`; TLS is verified as for IMAP
// (create_default_context(), or ssl_context).
//
// Errors are thrown as imapclient::error:
//   errc::oauth2_refused  the endpoint answered an OAuth2 error
//                         ("invalid_grant": the refresh token was revoked
//                         or expired, the user must sign in again, and
//                         has_refresh_token() is false from then on;
//                         "access_denied", "expired_token": the device
//                         login was declined or not finished in time); the
//                         text has the error and its description
//   errc::http_failed     not an OAuth2 answer (a status without a JSON
//                         error, a body that is not JSON, no access_token)
//   errc::timeout         an HTTP exchange took longer than `timeout`
//   errc::credentials_unavailable  no refresh token (none given, none
//                         cached, or the last one was refused): run
//                         device_login() or set refresh_token
//   errc::invalid_argument a setting is missing or not an https:// URL, or
//                         the timeout is not positive
//   network and TLS errors with their own codes; token_cache errors with
//   errno's (the new tokens are kept in memory all the same)
//
// access_token() ignores its caller's cancellation (it is bounded by
// `timeout`); device_login() can be cancelled while it waits to poll.
#pragma once

#include <imapclient/credentials.hpp>
#include <imapclient/options.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace boost::asio::ssl {
class context;
}

namespace imapclient {

struct oauth2_settings {
    /// The token endpoint (RFC 6749 3.2), https:// (http:// only to a
    /// loopback address), e.g. https://oauth2.googleapis.com/token or
    /// https://login.microsoftonline.com/common/oauth2/v2.0/token.
    std::string token_endpoint;
    /// The device authorization endpoint (RFC 8628 3.1), for device_login().
    std::string device_authorization_endpoint;
    std::string client_id;
    /// Sent when not empty (Google requires it even for installed apps;
    /// Microsoft public clients have none).
    std::string client_secret;
    /// Space-joined into `scope`: Google "https://mail.google.com/",
    /// Microsoft "https://outlook.office.com/IMAP.AccessAsUser.All" and
    /// "offline_access".
    std::vector<std::string> scopes;
    /// A refresh token from an earlier grant. Empty: the one in
    /// token_cache, if any.
    std::string refresh_token;
    /// The IMAP user name the tokens are for (credentials::username).
    std::string username;
    /// A file that keeps the refresh token and the current access token
    /// across runs, created readable by its owner only (0600); empty: none.
    /// Replaced atomically on every new token; a file for another
    /// client_id or username is ignored (and replaced at the next token).
    /// A file others can read is read all the same (its permissions are
    /// the user's business), and replaced with a 0600 one.
    std::string token_cache;
    /// Verifies the endpoints' certificates; null: create_default_context().
    std::shared_ptr<boost::asio::ssl::context> ssl_context;
    /// Each HTTP exchange as a whole (resolve, connect, proxy, TLS,
    /// request, answer); must be positive.
    std::chrono::milliseconds timeout{30'000};
    /// A cached access token is used until this long before it expires.
    std::chrono::seconds refresh_margin{60};
    /// The endpoints are reached through this proxy (HTTP CONNECT or SOCKS5).
    proxy_settings proxy;
};

/// An access token and when it stops working.
struct oauth2_token {
    std::string access_token;
    std::string refresh_token;  // the grant's (a server may rotate it)
    std::string scope;
    std::chrono::system_clock::time_point expires_at;
};

/// What the user must do to finish a device login (RFC 8628 3.2).
struct device_authorization {
    std::string user_code;
    std::string verification_uri;
    /// The URI with the code in it, when the server gave one (for a QR code).
    std::string verification_uri_complete;
    std::chrono::seconds expires_in{0};
    std::chrono::seconds interval{5};
};

class oauth2_client {
public:
    using executor_type = boost::asio::any_io_executor;

    /// Reads token_cache when set (a missing file is not an error; an
    /// unreadable or malformed one is, thrown as imapclient::error).
    oauth2_client(executor_type executor, oauth2_settings settings);
    ~oauth2_client();
    oauth2_client(const oauth2_client&) = delete;
    oauth2_client& operator=(const oauth2_client&) = delete;

    /// A refresh token is known (given, cached, or from device_login()),
    /// and the endpoint has not answered "invalid_grant" to it. Any thread.
    bool has_refresh_token() const;

    /// A valid access token: the cached one unless it expires within
    /// refresh_margin or `force_refresh`, else a new one from the refresh
    /// token grant (RFC 6749 6). Concurrent calls share one request. The
    /// client may be destroyed while the call runs.
    boost::asio::awaitable<oauth2_token> access_token(bool force_refresh = false);

    /// The device authorization grant (RFC 8628): asks for a code, calls
    /// `show` once with what the user must open and type, then polls the
    /// token endpoint every `interval` (slowing down when told) until the
    /// user approved (the tokens are kept and cached), declined
    /// (oauth2_refused "access_denied") or the code expired
    /// (oauth2_refused "expired_token"). A poll that times out doubles the
    /// interval (RFC 8628 3.5); other failures end the login.
    boost::asio::awaitable<oauth2_token> device_login(std::function<void(const device_authorization&)> show);

    /// A credential provider for client_options::credentials: username and
    /// access_token(), a refreshed token when the server refused the last
    /// (credential_request::attempt > 0). The provider shares this
    /// client's tokens (not the client object): it may outlive it, but,
    /// like every Asio object, not the executor's execution context (an
    /// io_context declared after the client_options that hold the provider
    /// is destroyed first: declare it before them).
    credential_provider credentials();

    /// Tokens obtained so far from the endpoint (refreshes and device
    /// logins), for metrics and tests. Any thread.
    std::size_t tokens_fetched() const;

private:
    struct state;
    std::shared_ptr<state> state_;
};

}  // namespace imapclient
