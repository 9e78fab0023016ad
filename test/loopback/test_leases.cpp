// Folder leases against scripted servers: what no real server can be made
// to do on cue (a connection lost while leases wait, the pool closed with
// calls pending). Every call ends; nothing hangs.
#include "fake_server.hpp"
#include "harness.hpp"
#include "scripted_session.hpp"

#include <imapclient/pool.hpp>

#include <boost/asio/detached.hpp>

using namespace std::chrono_literals;
namespace asio = boost::asio;
using imapclient::client;
using imapclient::errc;
using imapclient::error_code;
using imapclient::make_error_code;
namespace ops = imapclient::ops;

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

/// Greeting, LOGIN, SELECT of the first folder; then the connection drops.
void serve_one_select_then_drop(test::fake_connection& c) {
    c.send(test::scripted::greeting);
    auto t = c.expect("LOGIN");
    c.send(t + " OK [CAPABILITY IMAP4rev1 LITERAL+] logged in\r\n");
    t = c.expect("SELECT");
    c.send("* 1 EXISTS\r\n* OK [UIDVALIDITY 7] v\r\n" + t + " OK [READ-WRITE] selected\r\n");
    c.quiet_for(300ms);  // the second lease waits meanwhile
    c.close();
}

}  // namespace

TEST_CASE("leases: a connection lost while a lease waits ends the wait and the holder's operations",
          "[loopback][lease][connection_loss]") {
    test::fake_server server(serve_one_select_then_drop);
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, test::scripted::short_timeout_options(server));
        co_await c.connect();
        co_await c.login("user", "pass");
        auto held = co_await c.lease_folder("A");
        std::optional<error_code> waited;
        auto second = [&]() -> asio::awaitable<void> {
            auto [ec, lease] = co_await c.lease_folder("B", false, tuple_awaitable);
            waited = ec;
        };
        asio::co_spawn(co_await asio::this_coro::executor, second(), asio::detached);
        const auto start = std::chrono::steady_clock::now();
        while (!waited && std::chrono::steady_clock::now() - start < 5s) co_await test::sleep_for(10ms);
        REQUIRE(waited.has_value());
        CHECK(*waited);  // not granted: the connection is gone
        CHECK(std::chrono::steady_clock::now() - start < 2s);
        ops::search all;
        auto [ec, r] = co_await held.run(std::move(all), tuple_awaitable);
        CHECK(imapclient::is_abort(ec));
    });
    CHECK(server.finish().empty());
}

TEST_CASE("pool: closed while a call waits for a connection, the call ends", "[loopback][pool][lifetime]") {
    test::fake_server server([](test::fake_connection& c) {
        c.send(test::scripted::greeting);
        auto t = c.expect("LOGIN");
        c.send(t + " OK [CAPABILITY IMAP4rev1] logged in\r\n");
        t = c.expect("SELECT");
        c.send("* 1 EXISTS\r\n* OK [UIDVALIDITY 7] v\r\n" + t + " OK [READ-WRITE] selected\r\n");
        c.closed_within(5s);
    });
    test::run([&]() -> asio::awaitable<void> {
        imapclient::pool_options o;
        o.connection = test::scripted::short_timeout_options(server);
        o.login = [](client& c) -> asio::awaitable<void> { co_await c.login("user", "pass"); };
        o.max_connections = 1;
        auto p = std::make_unique<imapclient::pool>(co_await asio::this_coro::executor, o);
        auto held = co_await p->lease_folder("A");
        std::optional<error_code> waited;
        auto second = [&]() -> asio::awaitable<void> {
            auto [ec, lease] = co_await p->lease_folder("B", false, tuple_awaitable);
            waited = ec;
        };
        asio::co_spawn(co_await asio::this_coro::executor, second(), asio::detached);
        co_await test::sleep_for(100ms);
        CHECK(!waited);  // the one connection is leased for A
        CHECK(p->metrics().waiting == 1);
        p.reset();
        for (int i = 0; i < 200 && !waited; ++i) co_await test::sleep_for(10ms);
        REQUIRE(waited.has_value());
        CHECK(*waited == make_error_code(errc::not_connected));
        held.release();  // after the pool is gone: nothing to give back to
    });
    CHECK(server.finish().empty());
}

TEST_CASE("leases: before login a lease is refused, nothing is sent", "[loopback][lease]") {
    test::fake_server server([](test::fake_connection& c) {
        c.send(test::scripted::greeting);
        c.closed_within(3s);
        CHECK(c.received().empty());
    });
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, test::scripted::short_timeout_options(server));
        co_await c.connect();
        auto [ec, lease] = co_await c.lease_folder("INBOX", false, tuple_awaitable);
        CHECK(ec == make_error_code(errc::illegal_state));
        CHECK(!lease.held());
    });
    CHECK(server.finish().empty());
}

TEST_CASE("leases: a polling listener on a lease ends when the lease's folder stops being selected",
          "[loopback][lease][idle]") {
    // No IDLE: listen() polls with NOOP.
    test::fake_server server([](test::fake_connection& c) {
        c.send("* OK [CAPABILITY IMAP4rev1] no idle here\r\n");
        for (;;) {
            std::string line;
            try {
                line = c.read_line(3s);
            } catch (...) {
                return;  // the client left
            }
            const std::string tag = line.substr(0, line.find(' '));
            if (line.find(" SELECT ") != std::string::npos)
                c.send("* 1 EXISTS\r\n* OK [UIDVALIDITY 7] v\r\n" + tag + " OK [READ-WRITE] selected\r\n");
            else
                c.send(tag + " OK done\r\n");
        }
    });
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, test::scripted::short_timeout_options(server));
        co_await c.connect();
        co_await c.login("user", "pass");
        auto lease = co_await c.lease_folder("A");
        std::optional<error_code> ended;
        auto listener = [&]() -> asio::awaitable<void> {
            ops::listen polling;
            polling.options.poll_interval = 50ms;
            auto [ec, r] = co_await lease.run(std::move(polling), tuple_awaitable);
            ended = ec;
        };
        asio::co_spawn(co_await asio::this_coro::executor, listener(), asio::detached);
        co_await test::sleep_for(200ms);
        CHECK(!ended);  // polling
        co_await c.select_folder("B");  // a plain SELECT ends the lease's selection
        for (int i = 0; i < 100 && !ended; ++i) co_await test::sleep_for(10ms);
        REQUIRE(ended.has_value());
        CHECK(*ended == make_error_code(errc::mailbox_changed));
    });
}
