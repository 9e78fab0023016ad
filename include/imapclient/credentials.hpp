// Signing in with credentials that can change: a credential provider is a
// coroutine the client asks for a user name and a password or OAuth2
// access token when it signs in (client::sign_in(), and every connection a
// pool or reconnecting_client opens), and asks again when the server
// refused an access token, which is how an expired token shows. A token
// refresh is then invisible to the caller.
//
//   client_options o{.host = "imap.gmail.com"};
//   o.credentials = oauth.credentials();          // oauth2.hpp, or any coroutine:
//   o.credentials = [](credential_request r) -> awaitable<credentials> {
//       auto secret = co_await vault.get("imap");  // a statement of its own (GCC 12)
//       co_return credentials{.username = "me", .password = std::move(secret)};
//   };
//   client c(ex, o);
//   co_await c.connect();
//   auto in = co_await c.sign_in();              // the best mechanism the server offers
#pragma once

#include <boost/asio/awaitable.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imapclient {

/// What a credential provider hands the client. Set a password, or an
/// access token, or neither for EXTERNAL (a TLS client certificate, see
/// use_client_certificate() in tls.hpp).
struct credentials {
    std::string username{};
    std::string password{};
    /// An OAuth2 access token: signs in with OAUTHBEARER or XOAUTH2.
    std::string access_token{};
    /// Act as this user (PLAIN, SCRAM, EXTERNAL); empty: as `username`.
    std::string authorization_identity{};
    /// A SASL mechanism to use ("SCRAM-SHA-256", "PLAIN", "LOGIN",
    /// "XOAUTH2", "OAUTHBEARER", "EXTERNAL") or "LOGIN-COMMAND" for the
    /// IMAP LOGIN command. Empty: the best the server offers for these
    /// credentials (choose_mechanism()).
    std::string mechanism{};
};

/// Why the provider is asked.
struct credential_request {
    /// 0 when signing in; 1, 2, ... after the server refused the access
    /// token the provider gave last time: return a fresh one.
    unsigned attempt = 0;
    /// On a later attempt, what the server said: its NO's text and, for
    /// XOAUTH2/OAUTHBEARER, the JSON error it sent before it (e.g.
    /// {"status":"401","schemes":"bearer"}).
    std::string refused_because{};
    /// The server the credentials are for (client_options::host).
    std::string host{};
};

/// Returns credentials, or throws: an imapclient::error or
/// boost::system::system_error keeps its code in sign_in()'s result, any
/// other exception is errc::credentials_unavailable with its what().
/// Runs on the client's strand; may co_await anything (HTTP, a vault, a
/// prompt).
using credential_provider = std::function<boost::asio::awaitable<credentials>(credential_request)>;

/// A provider that always returns `c` (a fixed password or a static token).
credential_provider fixed_credentials(credentials c);

/// The mechanism sign_in() uses for `c` on a server with `capabilities`
/// (as CAPABILITY lists them), or nullopt when none fits:
///  - `c.mechanism` when set (checked later against the server's AUTH=);
///  - an access token: OAUTHBEARER, else XOAUTH2;
///  - a password: SCRAM-SHA-256, SCRAM-SHA-1, PLAIN, LOGIN, else the LOGIN
///    command ("LOGIN-COMMAND") unless the server says LOGINDISABLED;
///  - neither: EXTERNAL.
std::optional<std::string> choose_mechanism(const std::vector<std::string>& capabilities, const credentials& c);

}  // namespace imapclient
