#include "net/transport.hpp"

#include "net/server_name.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <fcntl.h>
#include <sys/socket.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace imapclient::net {

namespace asio = boost::asio;
namespace {
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

// A failed certificate check reaches Asio as one SSL error, "certificate
// verify failed", whatever the cause. The user needs the cause (expired?
// another host's certificate? self-signed? an unknown CA?) to know what to
// fix, so it becomes the code: the X509_V_ERR_* value in a category of its
// own whose message names both.
class x509_category_impl : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "imapclient.x509"; }
    std::string message(int ev) const override {
        return std::string("certificate verify failed: ") + X509_verify_cert_error_string(ev);
    }
};

const boost::system::error_category& x509_category() {
    static const x509_category_impl instance;
    return instance;
}

// The handshake's error, with the verification's reason when that is why
// it failed.
error_code explain_handshake_error(error_code ec, SSL* ssl) {
    if (!ec || ec.category() != asio::error::get_ssl_category()) return ec;
    if (ERR_GET_REASON(static_cast<unsigned long>(ec.value())) != SSL_R_CERTIFICATE_VERIFY_FAILED) return ec;
    const long why = SSL_get_verify_result(ssl);
    if (why == X509_V_OK) return ec;
    return error_code(static_cast<int>(why), x509_category());
}
}  // namespace

asio::awaitable<error_code> transport::connect_tcp(const std::string& host, std::uint16_t port) {
    auto& resolver = resolver_.emplace(ex_);
    auto [rec, endpoints] = co_await resolver.async_resolve(host, std::to_string(port), tuple_awaitable);
    resolver_.reset();
    if (rec) co_return rec;
    // close() during the resolution: do not connect after all.
    if (!std::holds_alternative<std::monostate>(stream_) || closed_) co_return make_error_code(errc::not_connected);
    auto& socket = stream_.emplace<tcp::socket>(ex_);
    auto [cec, ep] = co_await asio::async_connect(socket, endpoints, tuple_awaitable);
    if (cec) co_return cec;
    // Without NODELAY, small pipelined commands stall ~40 ms on delayed ACKs.
    socket.set_option(tcp::no_delay(true));
    socket.set_option(asio::socket_base::keep_alive(true));
    co_return error_code{};
}

asio::awaitable<tunnel_result> transport::connect_tcp_via(const proxy_settings& proxy, const std::string& host,
                                                          std::uint16_t port) {
    tunnel_result r;
    if (proxy.type == proxy_settings::kind::none) {
        r.ec = co_await connect_tcp(host, port);
        if (r.ec) r.why = "TCP connect failed";
        co_return r;
    }
    const std::uint16_t via_port = proxy_port(proxy);
    r.ec = co_await connect_tcp(proxy.host, via_port);
    if (r.ec) {
        r.why = "cannot connect to the proxy " + proxy.host + ":" + std::to_string(via_port);
        co_return r;
    }
    // Without a remote resolution, the name is resolved here, by resolver_
    // so that close() (the connect timeout) cancels it too.
    std::string target = host;
    error_code not_ip;
    asio::ip::make_address(host, not_ip);
    if (proxy.type == proxy_settings::kind::socks5 && !proxy.remote_dns && not_ip) {
        auto& resolver = resolver_.emplace(ex_);
        const std::string service = std::to_string(port);
        auto [rec, endpoints] = co_await resolver.async_resolve(host, service, tuple_awaitable);
        resolver_.reset();
        if (rec || endpoints.empty()) {
            r.ec = rec ? rec : make_error_code(asio::error::host_not_found);
            r.why = "cannot resolve " + host + ": " + r.ec.message();
            co_return r;
        }
        target = endpoints.begin()->endpoint().address().to_string();
    }
    auto* socket = std::get_if<tcp::socket>(&stream_);
    if (!socket || closed_) {
        r.ec = make_error_code(errc::not_connected);
        r.why = "closed while connecting to the proxy";
        co_return r;
    }
    r = co_await open_tunnel(*socket, proxy, target, port);
    if (!r.ec) early_ = std::move(r.early);
    r.early.clear();
    co_return r;
}

asio::awaitable<error_code> transport::handshake_tls(asio::ssl::context& ctx, const std::string& host) {
    // The server speaks after the client's hello: bytes before it are not
    // the server's (or were injected).
    if (!early_.empty()) co_return make_error_code(errc::proxy_failed);
    if (auto* custom = std::get_if<std::unique_ptr<byte_stream>>(&stream_)) {
        byte_stream& s = **custom;
        auto start = [&](auto handler) { s.async_start_tls(ctx, host, std::move(handler)); };
        auto [ec] = co_await asio::async_initiate<decltype(tuple_awaitable), void(error_code)>(start, tuple_awaitable);
        co_return ec;
    }
    auto* socket = std::get_if<tcp::socket>(&stream_);
    if (!socket) co_return make_error_code(errc::not_connected);
    tcp::socket plain = std::move(*socket);
    auto& tls = stream_.emplace<tls_stream>(std::move(plain), ctx);
    if (auto named = set_server_name(tls.native_handle(), ctx, host)) co_return named;
    auto [ec] = co_await tls.async_handshake(asio::ssl::stream_base::client, tuple_awaitable);
    co_return explain_handshake_error(ec, tls.native_handle());
}

error_code transport::spawn(const std::vector<std::string>& argv) {
    if (argv.empty()) return make_error_code(errc::invalid_argument);
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) return {errno, boost::system::system_category()};
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) {
        const int err = errno;
        ::close(fds[0]);
        ::close(fds[1]);
        return {err, boost::system::system_category()};
    }
    if (pid == 0) {
        ::dup2(fds[1], 0);
        ::dup2(fds[1], 1);
        ::execvp(args[0], args.data());
        ::_exit(127);
    }
    ::close(fds[1]);
    stream_.emplace<process_stream>(process_stream{asio::local::stream_protocol::socket(ex_, asio::local::stream_protocol(), fds[0]), pid});
    return {};
}

void transport::adopt(std::unique_ptr<byte_stream> stream) {
    if (stream) stream_.emplace<std::unique_ptr<byte_stream>>(std::move(stream));
}

bool transport::is_tls() const noexcept {
    if (auto* custom = std::get_if<std::unique_ptr<byte_stream>>(&stream_)) return (*custom)->is_tls();
    return std::holds_alternative<tls_stream>(stream_);
}

asio::awaitable<io_result> transport::read_some(asio::mutable_buffer buf) {
    if (!early_.empty()) {
        const std::size_t n = asio::buffer_copy(buf, asio::buffer(early_));
        early_.erase(0, n);
        co_return io_result{error_code{}, n};
    }
    if (auto* custom = std::get_if<std::unique_ptr<byte_stream>>(&stream_)) {
        byte_stream& s = **custom;
        auto read = [&](auto handler) { s.async_read_some(buf, std::move(handler)); };
        auto r = co_await asio::async_initiate<decltype(tuple_awaitable), void(error_code, std::size_t)>(
            read, tuple_awaitable);
        co_return r;
    }
    if (auto* s = std::get_if<tcp::socket>(&stream_)) co_return co_await s->async_read_some(buf, tuple_awaitable);
    if (auto* s = std::get_if<tls_stream>(&stream_)) co_return co_await s->async_read_some(buf, tuple_awaitable);
    if (auto* p = std::get_if<process_stream>(&stream_))
        co_return co_await p->socket.async_read_some(buf, tuple_awaitable);
    co_return io_result{make_error_code(errc::not_connected), 0};
}

asio::awaitable<io_result> transport::write(const std::vector<asio::const_buffer>& bufs) {
    if (auto* custom = std::get_if<std::unique_ptr<byte_stream>>(&stream_)) {
        byte_stream& s = **custom;
        auto write = [&](auto handler) { s.async_write(bufs, std::move(handler)); };
        auto r = co_await asio::async_initiate<decltype(tuple_awaitable), void(error_code, std::size_t)>(
            write, tuple_awaitable);
        co_return r;
    }
    if (auto* s = std::get_if<tcp::socket>(&stream_)) co_return co_await asio::async_write(*s, bufs, tuple_awaitable);
    if (auto* s = std::get_if<tls_stream>(&stream_)) co_return co_await asio::async_write(*s, bufs, tuple_awaitable);
    if (auto* p = std::get_if<process_stream>(&stream_))
        co_return co_await asio::async_write(p->socket, bufs, tuple_awaitable);
    co_return io_result{make_error_code(errc::not_connected), 0};
}

bool transport::is_open() const noexcept {
    if (auto* s = std::get_if<tcp::socket>(&stream_)) return s->is_open();
    if (auto* s = std::get_if<tls_stream>(&stream_)) return s->lowest_layer().is_open();
    if (auto* p = std::get_if<process_stream>(&stream_)) return p->socket.is_open();
    return std::holds_alternative<std::unique_ptr<byte_stream>>(stream_) && !closed_;
}

void transport::close() {
    error_code ignored;
    closed_ = true;
    early_.clear();
    if (resolver_) resolver_->cancel();
    if (auto* s = std::get_if<tcp::socket>(&stream_)) {
        s->shutdown(tcp::socket::shutdown_both, ignored);
        s->close(ignored);
    } else if (auto* s = std::get_if<tls_stream>(&stream_)) {
        // No TLS close_notify exchange: closing must never wait on the peer.
        s->lowest_layer().shutdown(tcp::socket::shutdown_both, ignored);
        s->lowest_layer().close(ignored);
    } else if (auto* custom = std::get_if<std::unique_ptr<byte_stream>>(&stream_)) {
        (*custom)->close();
    } else if (auto* p = std::get_if<process_stream>(&stream_)) {
        p->socket.close(ignored);
        if (p->pid > 0) {
            ::kill(p->pid, SIGKILL);  // closing must never wait on the child
            ::waitpid(p->pid, nullptr, 0);
            p->pid = -1;
        }
    }
}

}  // namespace imapclient::net

