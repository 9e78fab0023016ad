// OAuth2 (oauth2.hpp): the one HTTP exchange the endpoints need, a POST of
// a form over HTTPS (Boost.Beast, compiled in http_client.cpp only), one
// request per connection, through proxy_settings when set, the whole
// exchange under one deadline.
#pragma once

#include <imapclient/options.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace boost::asio::ssl {
class context;
}

namespace imapclient::oauth2 {

/// A form's fields, in order (names and values unencoded).
using form_fields = std::vector<std::pair<std::string, std::string>>;

/// An endpoint's answer, whatever its status.
struct http_answer {
    unsigned status = 0;
    std::string content_type;
    std::string body;
};

/// An endpoint: https://host[:port][/path][?query], or http:// when host
/// is a loopback address (127.0.0.0/8, [::1], localhost), for tests and
/// local helpers.
struct http_url {
    bool tls = true;
    /// A name or an address; an IPv6 address without its brackets.
    std::string host;
    std::uint16_t port = 443;
    /// The request target: path and query ("/" when the URL has none); the
    /// fragment is dropped.
    std::string target = "/";

    /// The Host header: host (bracketed when IPv6), ":port" unless the
    /// scheme's default.
    std::string host_header() const;
};

/// Parses `url`, throwing imapclient::error(errc::invalid_argument) for
/// another scheme, http:// to a host that is not a loopback address,
/// user info ("user@"), a bad port, or a space, control or non-ASCII
/// character anywhere (a name must be given in its ASCII form).
http_url parse_url(std::string_view url);

/// POSTs `fields` to `url` (Content-Type application/x-www-form-urlencoded,
/// Accept application/json, Connection: close) and returns the answer,
/// whatever its status. TLS is verified with `ssl` (the certificate must
/// name the host: SNI and OpenSSL's host name check, as for IMAP); through
/// `proxy` when set. Everything (resolve, connect, tunnel, handshake,
/// request, answer) must finish within `timeout`, else
/// imapclient::error(errc::timeout). The answer's body is bounded to 1 MiB
/// (errc::http_failed past it). Network and TLS failures throw
/// imapclient::error with their own codes. Not cancellable (it is bounded
/// by `timeout`); `ssl` must live until it completes.
boost::asio::awaitable<http_answer> post_form(boost::asio::any_io_executor executor, std::string url,
                                              form_fields fields, boost::asio::ssl::context& ssl,
                                              proxy_settings proxy, std::chrono::milliseconds timeout);

}  // namespace imapclient::oauth2
