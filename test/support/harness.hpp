// Shared helpers for the integration tests: where the throwaway servers
// are, and a runner that turns a hung coroutine into a test failure.
#pragma once

#include <imapclient/client.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <exception>
#include <functional>
#include <string>

#include <unistd.h>

namespace test {

namespace asio = boost::asio;

/// The Dovecot that scripts/test.sh started (test/servers/dovecot.sh env).
struct server_env {
    std::string host, ca, dir;
    std::uint16_t port = 0, tls_port = 0;
};

inline std::string env_or_fail(const char* name) {
    const char* v = std::getenv(name);
    if (!v || !*v) FAIL("environment variable " << name << " is not set: run the tests through scripts/test.sh");
    return v;
}

inline server_env dovecot() {
    server_env e;
    e.host = env_or_fail("IMAP_HOST");
    e.port = static_cast<std::uint16_t>(std::stoi(env_or_fail("IMAP_PORT")));
    e.tls_port = static_cast<std::uint16_t>(std::stoi(env_or_fail("IMAPS_PORT")));
    e.ca = env_or_fail("IMAP_CA");
    e.dir = env_or_fail("IMAP_DIR");
    return e;
}

/// The Cyrus that scripts/test.sh started, exported under CYRUS_*.
inline server_env cyrus() {
    server_env e;
    e.host = env_or_fail("CYRUS_HOST");
    e.port = static_cast<std::uint16_t>(std::stoi(env_or_fail("CYRUS_PORT")));
    e.tls_port = static_cast<std::uint16_t>(std::stoi(env_or_fail("CYRUS_IMAPS_PORT")));
    e.ca = env_or_fail("CYRUS_CA");
    e.dir = env_or_fail("CYRUS_DIR");
    return e;
}

/// A real server the live tests run against. Tests over both use
///   auto kind = GENERATE(test::server_kind::dovecot, test::server_kind::cyrus);
///   auto srv = test::real_server(kind);
/// Where one server lacks a feature, the test checks what the library
/// reports then (capability_missing, the server's NO), never skips quietly.
enum class server_kind { dovecot, cyrus };
inline const char* name_of(server_kind k) { return k == server_kind::dovecot ? "dovecot" : "cyrus"; }
inline server_env real_server(server_kind k) { return k == server_kind::dovecot ? dovecot() : cyrus(); }

/// Plain connection with consent to a clear-text login.
inline imapclient::client_options plain_options(const server_env& e) {
    imapclient::client_options o;
    o.host = e.host;
    o.port = e.port;
    o.security = imapclient::security::plain;
    o.allow_plaintext_login = true;
    o.timeout = std::chrono::seconds(20);
    return o;
}

/// Runs a coroutine to completion on a fresh io_context; a coroutine still
/// running after `limit` is a hang and fails the test.
inline void run(std::function<asio::awaitable<void>()> body, std::chrono::seconds limit = std::chrono::seconds(60)) {
    asio::io_context io;
    std::exception_ptr error;
    bool done = false;
    asio::co_spawn(io, body(), [&](std::exception_ptr e) {
        error = e;
        done = true;
    });
    io.run_for(limit);
    REQUIRE(done);  // otherwise: something hung
    if (error) std::rethrow_exception(error);
}

inline asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
    asio::steady_timer t(co_await asio::this_coro::executor, d);
    co_await t.async_wait(asio::use_awaitable);
}

/// The next unsolicited event, or nullopt when none comes within `d` (the
/// wait is then cancelled, which loses nothing).
inline asio::awaitable<std::optional<imapclient::event>> next_event_within(imapclient::client& c,
                                                                          std::chrono::milliseconds d) {
    using namespace asio::experimental::awaitable_operators;
    asio::steady_timer t(co_await asio::this_coro::executor, d);
    auto r = co_await (c.next_event(asio::as_tuple(asio::use_awaitable)) ||
                       t.async_wait(asio::as_tuple(asio::use_awaitable)));
    if (r.index() == 0) {
        auto& [ec, ev] = std::get<0>(r);
        if (!ec) co_return std::move(ev);
    }
    co_return std::nullopt;
}

/// A unique folder name per test run, so tests never see each other's mail.
inline std::string unique_name(std::string_view prefix) {
    static int counter = 0;
    return std::string(prefix) + "-" + std::to_string(::getpid()) + "-" + std::to_string(++counter) + "-" +
           std::to_string(std::chrono::steady_clock::now().time_since_epoch().count() % 1000000);
}

inline std::string make_message(const std::string& subject, const std::string& body) {
    return "From: Tester <tester@example.com>\r\nTo: alice@example.com\r\nSubject: " + subject +
           "\r\nDate: Mon, 7 Feb 1994 21:52:25 -0800\r\nMessage-ID: <" + subject + "@example.com>\r\n\r\n" + body +
           "\r\n";
}

}  // namespace test
