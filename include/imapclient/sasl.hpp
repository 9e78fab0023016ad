// SASL mechanisms for client::sasl_login() (AUTHENTICATE, RFC 9051 6.2.2).
//
// A mechanism is its name and a step function: given the server's
// challenge (base64-decoded; empty for the first step) it returns the
// client's response (raw bytes, base64-encoded by the library), or nullopt
// to abort the exchange ("*"). With SASL-IR (RFC 4959) the first response
// goes on the AUTHENTICATE line itself.
//
// The step function runs on the client's strand; it must not block.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace imapclient {

struct sasl_mechanism {
    std::string name;  // "PLAIN", "XOAUTH2", ...
    /// Called with each challenge; the first call (challenge empty) may
    /// return the initial response. Returning nullopt cancels.
    std::function<std::optional<std::string>(std::string_view challenge)> step;
    /// The mechanism sends a response before any challenge (PLAIN,
    /// XOAUTH2, OAUTHBEARER): it is sent with SASL-IR when the server has it,
    /// else after the server's empty "+".
    bool client_first = true;
    /// The response carries secrets: the debug log shows it redacted.
    bool secret = true;
    /// Where a mechanism that cancels (step returned nullopt) says why, e.g.
    /// "SCRAM: the server's signature does not match"; sasl_login() then
    /// fails with errc::sasl_cancelled and this text. May be null.
    std::shared_ptr<std::string> cancel_reason;
    /// Where a mechanism keeps the error challenge the server sent before
    /// its NO (XOAUTH2's and OAUTHBEARER's JSON, e.g.
    /// {"status":"401","schemes":"bearer"}), for sign_in() to pass to the
    /// credential provider. May be null.
    std::shared_ptr<std::string> server_error;
};

namespace sasl {

/// PLAIN (RFC 4616): authzid NUL authcid NUL password.
sasl_mechanism plain(std::string username, std::string password, std::string authorization_identity = {});

/// LOGIN (draft-murchison-sasl-login): the server asks "Username:" then
/// "Password:"; for servers that offer nothing better.
sasl_mechanism login(std::string username, std::string password);

/// EXTERNAL (RFC 4422 appendix A): the server takes the identity from the
/// TLS client certificate (use_client_certificate() in tls.hpp); an
/// authorization identity, when given, asks to act as that user.
sasl_mechanism external(std::string authorization_identity = {});

/// XOAUTH2 (Google, Microsoft, Yahoo): "user=U^Aauth=Bearer T^A[vendor=V^A]^A".
/// After a failure the server sends a JSON error challenge; the library
/// answers it with an empty response, as the protocol requires, and the
/// command fails with the server's NO.
sasl_mechanism xoauth2(std::string username, std::string access_token, std::string vendor = {});

/// OAUTHBEARER (RFC 7628): "n,a=U,^Ahost=H^Aport=P^Aauth=Bearer T^A^A".
sasl_mechanism oauthbearer(std::string username, std::string access_token, std::string host = {},
                           unsigned port = 0);

/// SCRAM-SHA-256 (RFC 7677) and SCRAM-SHA-1 (RFC 5802), without channel
/// binding: the password never crosses the wire, and the server proves that
/// it knows it too. The exchange is cancelled (errc::sasl_cancelled, the
/// reason in the status text) when the server's signature does not match,
/// its nonce does not extend ours, or its iteration count is below 4096 or
/// above `max_iterations` (the key derivation runs on the client's strand:
/// 100,000 rounds of HMAC-SHA-256 took 25 ms on this project's machine,
/// OpenSSL 3.0 PBKDF2, median of 9). The user name and password are
/// prepared with SASLprep (RFC 4013: NFKC, non-ASCII spaces mapped to
/// space, soft hyphens and the like removed); one SASLprep refuses
/// (control characters, private use, bidi misuse) throws
/// std::invalid_argument.
sasl_mechanism scram_sha_256(std::string username, std::string password, std::string authorization_identity = {},
                             unsigned max_iterations = 100000);
sasl_mechanism scram_sha_1(std::string username, std::string password, std::string authorization_identity = {},
                           unsigned max_iterations = 100000);

/// Python IMAPClient's oauth_login(): Gmail's legacy XOAUTH with an OAuth 1.0a
/// HMAC-SHA1 signed request for `url`
/// (e.g. "https://mail.google.com/mail/b/user@gmail.com/imap/").
sasl_mechanism xoauth(std::string url, std::string oauth_token, std::string oauth_token_secret,
                      std::string consumer_key = "anonymous", std::string consumer_secret = "anonymous");

}  // namespace sasl
}  // namespace imapclient
