// Layer 4 (net): tunnels through a proxy (client_options::proxy,
// oauth2_settings::proxy): an HTTP proxy's CONNECT (Boost.Beast) or SOCKS5
// (RFC 1928, user/password auth RFC 1929). The caller connects the socket
// to the proxy; open_tunnel() asks it for a tunnel to the target, after
// which the socket carries the target's bytes (TLS goes on top as usual).
#pragma once

#include <imapclient/error.hpp>
#include <imapclient/options.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <string>

namespace imapclient::net {

struct tunnel_result {
    /// errc::proxy_failed when the proxy refused or answered nonsense
    /// (`why` has its answer), errc::invalid_argument for what the
    /// protocol cannot carry (a SOCKS5 user, password or name over 255
    /// bytes), else the socket's own error (asio::error::eof when the proxy
    /// hung up). `why` says what failed in every case.
    error_code ec;
    std::string why;
    /// Bytes that came after the proxy's answer: the target's first bytes
    /// (an IMAP greeting), to be read before anything else.
    std::string early;
};

/// The proxy's address: proxy.host and proxy.port or its kind's default port.
std::uint16_t proxy_port(const proxy_settings& proxy);

/// Asks the proxy that `socket` is connected to for a tunnel to
/// host:port (an IPv6 literal with or without brackets). Reads at most
/// what the handshake needs (an HTTP answer's header is bounded to 16 KiB;
/// SOCKS5 reads its reply exactly, so `early` is then empty). SOCKS5 sends
/// an IP literal as an address, a name as a name when proxy.remote_dns,
/// else the name's first address resolved here. Not bounded in time: the
/// caller's connect timeout closes the socket.
boost::asio::awaitable<tunnel_result> open_tunnel(boost::asio::ip::tcp::socket& socket, const proxy_settings& proxy,
                                                  const std::string& host, std::uint16_t port);

}  // namespace imapclient::net
