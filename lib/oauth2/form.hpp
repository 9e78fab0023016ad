// OAuth2 (oauth2.hpp), sans-io: what goes to the endpoints (an
// application/x-www-form-urlencoded body) and what comes back (RFC 6749
// 5.1/5.2 token answers, RFC 8628 3.2 device authorizations), parsed with
// Boost.JSON. No sockets here: lib/oauth2/http_client does the HTTP.
//
// Error texts never contain a token: a 200 answer that is not usable is
// described by its keys, never by its body.
#pragma once

#include "oauth2/http_client.hpp"

#include <imapclient/oauth2.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace imapclient::oauth2 {

/// The body of a POST, in order: name=value&name=value (WHATWG URL
/// "application/x-www-form-urlencoded serializer": ALPHA DIGIT * - . _ as
/// they are, space as '+', every other byte %XX).
std::string form_encode(const form_fields& fields);

/// What the token endpoint answered: a token, or an OAuth2 error.
struct token_reply {
    /// Set on success (an "access_token").
    std::optional<oauth2_token> token;
    /// Otherwise the error (RFC 6749 5.2, RFC 8628 3.5): "invalid_grant",
    /// "authorization_pending", "slow_down", "access_denied", ...
    std::string error;
    std::string error_description;
    /// An "interval" the server sent with its answer (a slow_down may say
    /// how slow).
    std::optional<std::chrono::seconds> interval;
};

/// Parses a token endpoint's answer. A JSON object with a string "error"
/// (whatever the status: some servers say 200) is an OAuth2 error; a 200
/// with a string "access_token" is a token: expires_in (a number or a
/// string of digits) defaults to 3600 s, a missing refresh_token or scope
/// is `previous`'s (a refresh grant need not return them). Anything else
/// throws imapclient::error(errc::http_failed) naming `endpoint`, the
/// status and the first 200 bytes of the body (of a 200 answer, only its
/// keys: its body may hold tokens).
token_reply parse_token_reply(const http_answer& answer, std::string_view endpoint, const oauth2_token& previous,
                              std::chrono::system_clock::time_point now);

/// Throws imapclient::error(errc::oauth2_refused,
/// "<endpoint>: <error>: <error_description>") for a reply with an error.
[[noreturn]] void throw_refused(std::string_view endpoint, const token_reply& reply);

/// A device authorization answer (RFC 8628 3.2): what the user must see
/// and the code that polls for the tokens.
struct device_grant {
    device_authorization shown;
    std::string device_code;
};

/// Parses the device authorization endpoint's answer: device_code,
/// user_code and verification_uri are required (Google's
/// "verification_url" is taken too); expires_in defaults to 1800 s and
/// interval to 5 s. An OAuth2 error throws errc::oauth2_refused, anything
/// else errc::http_failed.
device_grant parse_device_authorization(const http_answer& answer, std::string_view endpoint);

}  // namespace imapclient::oauth2
