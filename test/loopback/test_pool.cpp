// The pool against scripted servers that throttle or refuse: it backs off
// instead of hammering the server, and never leaves a call hanging.
#include "fake_server.hpp"
#include "harness.hpp"
#include "scripted_session.hpp"

#include <imapclient/pool.hpp>

#include <atomic>

using namespace std::chrono_literals;
namespace asio = boost::asio;
using imapclient::client;
using imapclient::errc;
using imapclient::make_error_code;
namespace ops = imapclient::ops;

namespace {

asio::awaitable<void> login(client& c) {
    co_await c.login("user", "pass");
}

imapclient::pool_options pool_for(const test::fake_server& s) {
    imapclient::pool_options o;
    o.connection = test::scripted::short_timeout_options(s);
    o.login = login;
    o.max_connections = 2;
    o.initial_backoff = 100ms;
    o.max_backoff = 1s;
    return o;
}

/// Greeting, LOGIN, then NOOPs until the client leaves.
void serve_noops(test::fake_connection& c) {
    c.send(test::scripted::greeting);
    auto t = c.expect("LOGIN");
    c.send(t + " OK [CAPABILITY IMAP4rev1] logged in\r\n");
    t = c.expect("NOOP");
    c.send(t + " OK done\r\n");
}

}  // namespace

TEST_CASE("pool: 'too many connections' makes it back off, then it connects", "[loopback][pool]") {
    std::atomic<int> attempts{0};
    test::fake_server server(
        [&](test::fake_connection& c) {
            if (++attempts <= 2) {
                c.send("* BYE Too many simultaneous connections\r\n");
                return;
            }
            serve_noops(c);
        },
        3);
    test::run([&]() -> asio::awaitable<void> {
        imapclient::pool p(co_await asio::this_coro::executor, pool_for(server));
        const auto start = std::chrono::steady_clock::now();
        ops::noop noop;
        auto r = co_await p.run(std::move(noop));
        const auto took = std::chrono::steady_clock::now() - start;
        CHECK(r.status.status == imapclient::status_kind::ok);
        const auto m = p.metrics();
        CHECK(m.connection_attempts == 3);
        CHECK(m.throttled == 2);
        CHECK(m.connection_failures == 2);
        // 100 ms, then 200 ms between the attempts: no hammering.
        CHECK(took >= 300ms);
        CHECK(took < 3s);
    });
    CHECK(server.finish().empty());
}

TEST_CASE("pool: Office 365's 'Suggested Backoff Time' is honoured", "[loopback][pool]") {
    std::atomic<int> attempts{0};
    test::fake_server server(
        [&](test::fake_connection& c) {
            if (++attempts == 1) {
                c.send(test::scripted::greeting);
                auto t = c.expect("LOGIN");
                c.send(t + " NO User is authenticated but not connected. Suggested Backoff Time: 600 milliseconds\r\n");
                return;
            }
            serve_noops(c);
        },
        2);
    test::run([&]() -> asio::awaitable<void> {
        imapclient::pool p(co_await asio::this_coro::executor, pool_for(server));
        const auto start = std::chrono::steady_clock::now();
        ops::noop noop;
        co_await p.run(std::move(noop));
        CHECK(std::chrono::steady_clock::now() - start >= 600ms);
        CHECK(p.metrics().throttled == 1);
        CHECK(p.metrics().connection_attempts == 2);
    });
    CHECK(server.finish().empty());
}

TEST_CASE("pool: a login the server refuses fails the waiting calls at once", "[loopback][pool]") {
    test::fake_server server([&](test::fake_connection& c) {
        c.send(test::scripted::greeting);
        auto t = c.expect("LOGIN");
        c.send(t + " NO [AUTHENTICATIONFAILED] Authentication failed.\r\n");
    });
    test::run([&]() -> asio::awaitable<void> {
        imapclient::pool p(co_await asio::this_coro::executor, pool_for(server));
        const auto start = std::chrono::steady_clock::now();
        auto [ec, lease] = co_await p.lease_folder("INBOX", false, asio::as_tuple(asio::use_awaitable));
        CHECK(ec == make_error_code(errc::login_failed));
        CHECK(lease.status.text.find("Authentication failed") != std::string::npos);
        CHECK(!lease.held());
        CHECK(std::chrono::steady_clock::now() - start < 1s);
        CHECK(p.metrics().connection_attempts == 1);
    });
    CHECK(server.finish().empty());
}

TEST_CASE("pool: a connection that cannot be opened fails the call, no hang", "[loopback][pool]") {
    test::run([&]() -> asio::awaitable<void> {
        imapclient::pool_options o;
        o.connection.host = "127.0.0.1";
        o.connection.port = 1;  // nothing listens there
        o.connection.security = imapclient::security::plain;
        imapclient::pool p(co_await asio::this_coro::executor, o);
        ops::noop noop;
        auto [ec, r] = co_await p.run(std::move(noop), asio::as_tuple(asio::use_awaitable));
        CHECK(ec);
        CHECK(p.metrics().waiting == 0);
    });
}
