// Gmail's legacy XOAUTH request (OAuth 1.0a, HMAC-SHA1), with the timestamp
// and nonce as parameters so that tests can check it against known values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace imapclient::detail {

/// "GET <url> oauth_consumer_key="...",oauth_nonce="...",...": the
/// signed request string sasl::xoauth sends (Python IMAPClient's oauth_login via
/// python-oauth2's build_xoauth_string).
std::string xoauth_request(std::string_view url, std::string_view token, std::string_view token_secret,
                           std::string_view consumer_key, std::string_view consumer_secret,
                           std::uint64_t timestamp, std::string_view nonce);

/// RFC 3986 percent-encoding of everything but unreserved characters, as
/// OAuth 1.0a requires.
std::string oauth_escape(std::string_view s);

}  // namespace imapclient::detail
