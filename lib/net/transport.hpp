// Layer 3: the byte stream under one connection — TCP, TLS over TCP
// (implicit or after STARTTLS), or a child process's stdin/stdout (the
// seed's stream mode). Coroutine-friendly; used only inside the library.
#pragma once

#include <imapclient/error.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/strand.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

namespace imapclient::net {

using executor = boost::asio::strand<boost::asio::any_io_executor>;
using tcp = boost::asio::ip::tcp;
using io_result = std::tuple<error_code, std::size_t>;

/// A child process's stdin (we write) and stdout (we read).
struct process_pipes {
    boost::asio::posix::stream_descriptor to_child;
    boost::asio::posix::stream_descriptor from_child;
    int pid = -1;
};

class transport {
    using tls_stream = boost::asio::ssl::stream<tcp::socket>;

public:
    explicit transport(executor ex) : ex_(std::move(ex)) {}
    ~transport() { close(); }

    /// Resolves and connects; TCP_NODELAY and keepalive are set.
    boost::asio::awaitable<error_code> connect_tcp(const std::string& host, std::uint16_t port);
    /// Wraps the TCP socket in TLS and handshakes, verifying `host`.
    boost::asio::awaitable<error_code> handshake_tls(boost::asio::ssl::context& ctx, const std::string& host);
    /// Starts argv[0] with pipes to its stdin and stdout.
    error_code spawn(const std::vector<std::string>& argv);

    boost::asio::awaitable<io_result> read_some(boost::asio::mutable_buffer buf);
    boost::asio::awaitable<io_result> write(const std::vector<boost::asio::const_buffer>& bufs);

    /// Closes whatever is open; pending reads and writes complete with an
    /// error. Idempotent.
    void close();
    bool is_tls() const noexcept { return std::holds_alternative<tls_stream>(stream_); }
    bool is_open() const noexcept;

private:
    executor ex_;
    std::variant<std::monostate, tcp::socket, tls_stream, process_pipes> stream_;
};

}  // namespace imapclient::net
