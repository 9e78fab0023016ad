// The built-in SASL mechanisms (sasl.hpp).
#include <imapclient/sasl.hpp>

#include "sasl/oauth1.hpp"
#include "sasl/scram.hpp"
#include "text/base64.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <utility>
#include <vector>

namespace imapclient {

namespace {

// A mechanism that sends one message first and, whatever the server says
// next (an error challenge, kept in server_error), answers `on_error`, so
// that the server can finish the exchange with its tagged NO.
sasl_mechanism one_shot(std::string name, std::string message, std::string on_error) {
    sasl_mechanism m;
    m.name = std::move(name);
    m.server_error = std::make_shared<std::string>();
    auto first = std::make_shared<bool>(true);
    m.step = [first, error = m.server_error, message = std::move(message), on_error = std::move(on_error)](
                 std::string_view challenge) -> std::optional<std::string> {
        if (std::exchange(*first, false)) return message;
        *error = challenge;
        return on_error;
    };
    return m;
}

void check_no_nul(std::string_view what, std::string_view s) {
    if (s.find('\0') != std::string_view::npos) throw std::invalid_argument(std::string(what) + " contains NUL");
}

}  // namespace

namespace sasl {

sasl_mechanism plain(std::string username, std::string password, std::string authorization_identity) {
    check_no_nul("username", username);
    check_no_nul("password", password);
    check_no_nul("authorization identity", authorization_identity);
    std::string msg = authorization_identity + '\0' + username + '\0' + password;
    // PLAIN has a single step: a challenge after it is a protocol error,
    // answered with "*" (cancel).
    sasl_mechanism m;
    m.name = "PLAIN";
    auto first = std::make_shared<bool>(true);
    m.step = [first, msg = std::move(msg)](std::string_view) -> std::optional<std::string> {
        if (std::exchange(*first, false)) return msg;
        return std::nullopt;
    };
    return m;
}

sasl_mechanism login(std::string username, std::string password) {
    check_no_nul("username", username);
    check_no_nul("password", password);
    // The server's prompts ("Username:", "Password:") are not standardised
    // beyond their order: the first challenge gets the name, the second the
    // password, a third is refused.
    sasl_mechanism m;
    m.name = "LOGIN";
    m.client_first = false;
    auto round = std::make_shared<int>(0);
    m.step = [round, username = std::move(username), password = std::move(password)](
                 std::string_view) -> std::optional<std::string> {
        switch ((*round)++) {
            case 0: return username;
            case 1: return password;
            default: return std::nullopt;
        }
    };
    return m;
}

sasl_mechanism external(std::string authorization_identity) {
    check_no_nul("authorization identity", authorization_identity);
    // The identity is the certificate's; the one message is the
    // authorization identity (empty: "act as the certificate's user"),
    // sent as "=" with SASL-IR.
    sasl_mechanism m = one_shot("EXTERNAL", std::move(authorization_identity), "");
    m.secret = false;
    return m;
}

sasl_mechanism xoauth2(std::string username, std::string access_token, std::string vendor) {
    std::string msg = "user=" + username + "\x01" "auth=Bearer " + access_token + "\x01";
    if (!vendor.empty()) msg += "vendor=" + vendor + "\x01";
    msg += "\x01";
    // After a failure the server sends a JSON error as a challenge; the
    // client answers with an empty response and gets the tagged NO.
    return one_shot("XOAUTH2", std::move(msg), "");
}

sasl_mechanism oauthbearer(std::string username, std::string access_token, std::string host, unsigned port) {
    // RFC 7628 3.1: gs2 header, then key=value pairs separated by ^A.
    std::string msg = "n,a=" + detail::saslname(username) + ",\x01";
    if (!host.empty()) msg += "host=" + host + "\x01";
    if (port) msg += "port=" + std::to_string(port) + "\x01";
    msg += "auth=Bearer " + access_token + "\x01\x01";
    // RFC 7628 3.2.3: after an error challenge the client sends a lone ^A.
    return one_shot("OAUTHBEARER", std::move(msg), "\x01");
}

namespace {

std::string scram_nonce() {
    unsigned char raw[24];
    if (RAND_bytes(raw, sizeof raw) != 1) throw std::runtime_error("no random bytes for the SCRAM nonce");
    // base64 is printable and has no ',' (RFC 5802 5.1: c-nonce).
    return text::base64_encode(std::string_view(reinterpret_cast<const char*>(raw), sizeof raw));
}

}  // namespace

sasl_mechanism scram_sha_256(std::string username, std::string password, std::string authorization_identity,
                             unsigned max_iterations) {
    return detail::scram(detail::scram_hash::sha256, std::move(username), std::move(password),
                         std::move(authorization_identity), scram_nonce(), max_iterations);
}

sasl_mechanism scram_sha_1(std::string username, std::string password, std::string authorization_identity,
                           unsigned max_iterations) {
    return detail::scram(detail::scram_hash::sha1, std::move(username), std::move(password),
                         std::move(authorization_identity), scram_nonce(), max_iterations);
}

sasl_mechanism xoauth(std::string url, std::string oauth_token, std::string oauth_token_secret,
                      std::string consumer_key, std::string consumer_secret) {
    unsigned char raw[16];
    if (RAND_bytes(raw, sizeof raw) != 1) throw std::runtime_error("no random bytes for the OAuth nonce");
    std::string nonce;
    for (unsigned char b : raw) nonce += std::to_string(b % 10);
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    auto msg = detail::xoauth_request(url, oauth_token, oauth_token_secret, consumer_key, consumer_secret,
                                      static_cast<std::uint64_t>(now), nonce);
    return one_shot("XOAUTH", std::move(msg), "");
}

}  // namespace sasl

namespace detail {

std::string oauth_escape(std::string_view s) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
            c == '_' || c == '~') {
            out += ch;
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

std::string xoauth_request(std::string_view url, std::string_view token, std::string_view token_secret,
                           std::string_view consumer_key, std::string_view consumer_secret,
                           std::uint64_t timestamp, std::string_view nonce) {
    std::vector<std::pair<std::string, std::string>> params = {
        {"oauth_consumer_key", std::string(consumer_key)},
        {"oauth_nonce", std::string(nonce)},
        {"oauth_signature_method", "HMAC-SHA1"},
        {"oauth_timestamp", std::to_string(timestamp)},
        {"oauth_token", std::string(token)},
        {"oauth_version", "1.0"},
    };
    std::sort(params.begin(), params.end());
    // OAuth 1.0a 3.4.1: METHOD&url&sorted-parameters, each part escaped.
    std::string normalized;
    for (auto& [k, v] : params) {
        if (!normalized.empty()) normalized += '&';
        normalized += oauth_escape(k) + "=" + oauth_escape(v);
    }
    const std::string base = "GET&" + oauth_escape(url) + "&" + oauth_escape(normalized);
    const std::string key = oauth_escape(consumer_secret) + "&" + oauth_escape(token_secret);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    if (!HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(base.data()),
              base.size(), mac, &mac_len))
        throw std::runtime_error("HMAC-SHA1 failed");
    params.emplace_back("oauth_signature",
                        text::base64_encode(std::string_view(reinterpret_cast<const char*>(mac), mac_len)));
    std::sort(params.begin(), params.end());
    std::string out = "GET " + std::string(url) + " ";
    bool first = true;
    for (auto& [k, v] : params) {
        if (!std::exchange(first, false)) out += ',';
        out += k + "=\"" + oauth_escape(v) + "\"";
    }
    return out;
}

}  // namespace detail
}  // namespace imapclient
