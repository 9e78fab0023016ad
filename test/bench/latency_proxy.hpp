// A userspace TCP proxy that adds a fixed round-trip time, for benchmarks
// on a machine where netem is not available. Each direction holds every
// chunk it reads for RTT/2 after its arrival, then forwards it; chunks leave
// in arrival order, so the byte stream is unchanged, only late. Bandwidth is
// not limited (loopback speed): the proxy models latency, not a slow link.
//
// Only Boost.Asio is used (no imapclient code), so the same header serves
// the standalone latency_proxy program and benchmarks that embed the proxy
// on a thread of its own. Timers are steady_timer (timerfd under epoll on
// Linux), accurate to well under a millisecond on an idle machine.
//
// What it does not model: the TCP/TLS handshake is not delayed (the proxy
// connects upstream when a client arrives), and EOF is forwarded as a
// half-close after the data before it, also delayed.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace bench {

class latency_proxy {
public:
    using clock = std::chrono::steady_clock;

    /// listen_port 0 picks a free port (see port()). Listens on 127.0.0.1.
    latency_proxy(std::uint16_t listen_port, std::string target_host, std::uint16_t target_port,
                  std::chrono::microseconds rtt)
        : acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), listen_port}),
          target_host_(std::move(target_host)), target_port_(target_port), one_way_(rtt / 2) {
        boost::asio::co_spawn(io_, accept_loop(), boost::asio::detached);
    }

    ~latency_proxy() { stop(); }
    latency_proxy(const latency_proxy&) = delete;
    latency_proxy& operator=(const latency_proxy&) = delete;

    std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

    /// Runs on the calling thread until stop().
    void run() { io_.run(); }
    /// Runs on a thread of its own, so that the proxy's timers are not
    /// delayed by whatever the benchmark does on its own thread.
    void start() {
        thread_ = std::thread([this] { io_.run(); });
    }
    void stop() {
        io_.stop();
        if (thread_.joinable()) thread_.join();
    }
    boost::asio::io_context& context() { return io_; }

    /// What arrived at the proxy in one direction since the last take_stats:
    /// the arrival times show how a client spreads its writes (for
    /// pipelining: whether its commands leave in a burst).
    struct direction_stats {
        std::optional<clock::time_point> first, last;
        std::size_t bytes = 0, chunks = 0;
    };
    struct stats {
        direction_stats up, down;  // up: client -> server
    };
    /// Thread-safe; resets the counters.
    stats take_stats() {
        std::lock_guard lock(stats_mutex_);
        return std::exchange(stats_, {});
    }

private:
    using tcp = boost::asio::ip::tcp;

    struct chunk {
        clock::time_point due;
        std::vector<char> bytes;
    };

    // One direction of one connection: a reader that timestamps chunks and
    // a writer that releases them when due. The wake timer doubles as the
    // writer's "queue no longer empty" signal.
    struct pipe {
        std::deque<chunk> queue;
        bool eof = false;
        bool writer_idle = false;
        boost::asio::steady_timer wake;
        explicit pipe(boost::asio::any_io_executor ex) : wake(ex) {}
    };

    struct session {
        tcp::socket client, server;
        pipe up, down;  // up: client -> server
        session(tcp::socket c, tcp::socket s)
            : client(std::move(c)), server(std::move(s)), up(client.get_executor()), down(client.get_executor()) {}
        void abort() {
            boost::system::error_code ignored;
            client.close(ignored);
            server.close(ignored);
            up.wake.cancel();
            down.wake.cancel();
        }
    };

    boost::asio::awaitable<void> accept_loop() {
        namespace asio = boost::asio;
        for (;;) {
            auto [ec, client] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
            if (ec) {
                if (ec == asio::error::operation_aborted) co_return;
                continue;
            }
            asio::co_spawn(io_, open(std::move(client)), asio::detached);
        }
    }

    boost::asio::awaitable<void> open(tcp::socket client) {
        namespace asio = boost::asio;
        tcp::resolver resolver(io_);
        auto [rec, endpoints] = co_await resolver.async_resolve(target_host_, std::to_string(target_port_),
                                                                asio::as_tuple(asio::use_awaitable));
        if (rec) co_return;
        tcp::socket server(io_);
        auto [cec, ep] = co_await asio::async_connect(server, endpoints, asio::as_tuple(asio::use_awaitable));
        if (cec) co_return;
        // Small IMAP commands must not sit in Nagle's buffer: that would
        // add latency the benchmark did not ask for.
        client.set_option(tcp::no_delay(true));
        server.set_option(tcp::no_delay(true));
        auto s = std::make_shared<session>(std::move(client), std::move(server));
        asio::co_spawn(io_, read_side(s, s->client, s->up), asio::detached);
        asio::co_spawn(io_, write_side(s, s->server, s->up), asio::detached);
        asio::co_spawn(io_, read_side(s, s->server, s->down), asio::detached);
        asio::co_spawn(io_, write_side(s, s->client, s->down), asio::detached);
    }

    void count(bool up, clock::time_point now, std::size_t n) {
        std::lock_guard lock(stats_mutex_);
        auto& d = up ? stats_.up : stats_.down;
        if (!d.first) d.first = now;
        d.last = now;
        d.bytes += n;
        ++d.chunks;
    }

    boost::asio::awaitable<void> read_side(std::shared_ptr<session> s, tcp::socket& from, pipe& p) {
        namespace asio = boost::asio;
        for (;;) {
            std::vector<char> buf(64 * 1024);
            auto [ec, n] = co_await from.async_read_some(asio::buffer(buf), asio::as_tuple(asio::use_awaitable));
            // The arrival time is taken as soon as the read completes, before
            // anything else this thread might do.
            auto now = clock::now();
            if (ec) {
                if (ec != asio::error::eof) {
                    s->abort();
                    co_return;
                }
                p.eof = true;
                p.wake.cancel();
                co_return;
            }
            buf.resize(n);
            count(&p == &s->up, now, n);
            p.queue.push_back({now + one_way_, std::move(buf)});
            if (p.writer_idle) p.wake.cancel();
        }
    }

    boost::asio::awaitable<void> write_side(std::shared_ptr<session> s, tcp::socket& to, pipe& p) {
        namespace asio = boost::asio;
        for (;;) {
            if (!to.is_open()) co_return;
            if (p.queue.empty()) {
                if (p.eof) {
                    boost::system::error_code ignored;
                    to.shutdown(tcp::socket::shutdown_send, ignored);
                    co_return;
                }
                p.writer_idle = true;
                p.wake.expires_at(clock::time_point::max());
                co_await p.wake.async_wait(asio::as_tuple(asio::use_awaitable));
                p.writer_idle = false;
                continue;
            }
            auto now = clock::now();
            if (p.queue.front().due > now) {
                p.wake.expires_at(p.queue.front().due);
                co_await p.wake.async_wait(asio::as_tuple(asio::use_awaitable));
                continue;
            }
            // Everything already due goes out in one gathered write.
            std::vector<asio::const_buffer> out;
            std::size_t count = 0;
            for (const auto& c : p.queue) {
                if (c.due > now) break;
                out.emplace_back(asio::buffer(c.bytes));
                ++count;
            }
            auto [ec, n] = co_await asio::async_write(to, out, asio::as_tuple(asio::use_awaitable));
            if (ec) {
                s->abort();
                co_return;
            }
            for (std::size_t i = 0; i < count; ++i) p.queue.pop_front();
        }
    }

    boost::asio::io_context io_{1};
    tcp::acceptor acceptor_;
    std::string target_host_;
    std::uint16_t target_port_;
    std::chrono::microseconds one_way_;
    std::thread thread_;
    std::mutex stats_mutex_;
    stats stats_;
};

}  // namespace bench
