// Layer 4 (net): the byte stream under one connection — TCP, TLS over TCP
// (implicit or after STARTTLS), or a child process's stdin/stdout (Python
// IMAPClient's stream mode). Coroutine-friendly; used only inside the library.
#pragma once

#include "net/proxy.hpp"

#include <imapclient/error.hpp>
#include <imapclient/stream.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/strand.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

namespace imapclient::net {

using executor = boost::asio::strand<boost::asio::any_io_executor>;
using tcp = boost::asio::ip::tcp;
using io_result = std::tuple<error_code, std::size_t>;

/// A child process whose stdin and stdout are one end of a socketpair.
/// A socket rather than pipes: Asio sends on sockets with MSG_NOSIGNAL, so
/// a child that closed its stdin yields EPIPE (connection lost), never a
/// SIGPIPE that would kill the whole program.
struct process_stream {
    boost::asio::local::stream_protocol::socket socket;
    int pid = -1;
};

class transport {
    using tls_stream = boost::asio::ssl::stream<tcp::socket>;

public:
    explicit transport(executor ex) : ex_(std::move(ex)) {}
    ~transport() { close(); }

    /// Resolves and connects; TCP_NODELAY and keepalive are set.
    boost::asio::awaitable<error_code> connect_tcp(const std::string& host, std::uint16_t port);
    /// connect_tcp() to the proxy, then open_tunnel() to host:port through
    /// it (proxy.type none: connect_tcp(host, port) alone). A SOCKS5 proxy
    /// without remote_dns gets host resolved here first. Bytes the proxy
    /// passed on after its answer are kept: read_some() returns them first.
    /// The result's `early` is always empty; `why` says what failed.
    boost::asio::awaitable<tunnel_result> connect_tcp_via(const proxy_settings& proxy, const std::string& host,
                                                          std::uint16_t port);
    /// Wraps the TCP socket in TLS and handshakes, verifying `host`.
    /// errc::proxy_failed when bytes from a proxy's tunnel are still unread
    /// (they came before the TLS handshake: never from a real server).
    boost::asio::awaitable<error_code> handshake_tls(boost::asio::ssl::context& ctx, const std::string& host);
    /// Starts argv[0] with its stdin and stdout connected to us.
    error_code spawn(const std::vector<std::string>& argv);
    /// Runs over a stream of the caller's (client_options::stream).
    void adopt(std::unique_ptr<byte_stream> stream);

    boost::asio::awaitable<io_result> read_some(boost::asio::mutable_buffer buf);
    boost::asio::awaitable<io_result> write(const std::vector<boost::asio::const_buffer>& bufs);

    /// Closes whatever is open; pending reads and writes complete with an
    /// error. Idempotent.
    void close();
    bool is_tls() const noexcept;
    bool is_open() const noexcept;

private:
    executor ex_;
    // A member so that close() can cancel a slow name resolution (the
    // connect timeout must cover it too).
    std::optional<tcp::resolver> resolver_;
    bool closed_ = false;
    // What the proxy passed on after its answer (connect_tcp_via), returned
    // by read_some() before anything is read from the socket.
    std::string early_;
    std::variant<std::monostate, tcp::socket, tls_stream, process_stream, std::unique_ptr<byte_stream>> stream_;
};

}  // namespace imapclient::net
