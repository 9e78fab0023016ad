// Unsolicited server data against scripted servers: the bounded event
// queue; IDLE (keep-alives, a server that ignores DONE); listen() (renewal
// on time, the grace for DONE, polling without IDLE, an IDLE answered
// without a continuation, a double BYE while idling); run_push_session's
// reconnection.
#include "fake_server.hpp"
#include "harness.hpp"
#include "scripted_session.hpp"

#include <imapclient/push_session.hpp>

#include <boost/asio/experimental/awaitable_operators.hpp>

#include <thread>

using namespace std::chrono_literals;
namespace asio = boost::asio;
using imapclient::client;
using imapclient::errc;
using imapclient::make_error_code;
using test::scripted::fake_options;
using test::scripted::greeting;
using test::scripted::login_select;
using test::scripted::serve_login_select;

using test::scripted::short_timeout_options;

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

// Greeting, LOGIN, SELECT, IDLE accepted, then Yandex's double BYE without
// closing; the client must close its end.
test::fake_server::script double_bye(std::chrono::milliseconds gap) {
    return [gap](test::fake_connection& c) {
        c.send(greeting);
        auto t = c.expect("LOGIN");
        c.send(t + " OK [CAPABILITY IMAP4rev1 LITERAL+ IDLE] logged in\r\n");
        t = c.expect("SELECT");
        c.send("* 3 EXISTS\r\n* OK [UIDVALIDITY 7] v\r\n" + t + " OK [READ-WRITE] selected\r\n");
        c.expect("IDLE");
        c.send("+ idling\r\n");
        std::this_thread::sleep_for(100ms);
        c.send("* BYE Autologout; idle for too long\r\n");
        if (gap.count() > 0) std::this_thread::sleep_for(gap);
        c.send("* BYE Autologout; idle for too long\r\n");
        if (!c.closed_within(3s)) throw std::runtime_error("the client kept the connection open after BYE");
    };
}

// After the connection ended with BYE: the BYE, then connection_closed,
// then not_connected at once.
asio::awaitable<void> check_bye_then_closed(client& c) {
    auto ev = co_await test::next_event_within(c, 1s);
    REQUIRE(ev.has_value());
    auto* resp = std::get_if<imapclient::response>(&*ev);
    REQUIRE(resp);
    auto* bye = std::get_if<imapclient::status_response>(resp);
    REQUIRE(bye);
    CHECK(bye->status == imapclient::status_kind::bye);
    CHECK(bye->text == "Autologout; idle for too long");
    ev = co_await test::next_event_within(c, 1s);
    REQUIRE(ev.has_value());
    auto* closed = std::get_if<imapclient::connection_closed>(&*ev);
    REQUIRE(closed);
    CHECK(closed->ec == make_error_code(errc::bye));
    const auto start = std::chrono::steady_clock::now();
    auto [ec, e3] = co_await c.next_event(asio::as_tuple(asio::use_awaitable));
    CHECK(ec == make_error_code(errc::not_connected));
    CHECK(std::chrono::steady_clock::now() - start < 100ms);
    auto [ec4, r4] = co_await c.noop(asio::as_tuple(asio::use_awaitable));
    CHECK(ec4 == make_error_code(errc::not_connected));
}

}  // namespace

TEST_CASE("a slow event consumer gets one resync_needed instead of unbounded memory", "[loopback][events]") {
    test::fake_server server([](test::fake_connection& c) {
        serve_login_select(c);
        auto t = c.expect("NOOP");
        std::string burst;
        for (int i = 11; i <= 60; ++i) burst += "* " + std::to_string(i) + " EXISTS\r\n";
        c.send(burst + t + " OK\r\n");
    });
    test::run([&]() -> asio::awaitable<void> {
        auto o = fake_options(server);
        o.max_events = 8;
        imapclient::client c(co_await asio::this_coro::executor, o);
        co_await login_select(c);
        co_await c.noop();
        auto ev = co_await test::next_event_within(c, 1s);
        REQUIRE(ev.has_value());
        auto* resync = std::get_if<imapclient::resync_needed>(&*ev);
        REQUIRE(resync);
        CHECK(resync->exists == 60);
        CHECK(resync->dropped == 50);
        CHECK(c.mailbox().exists == 60);
    });
    CHECK(server.finish() == "");
}

TEST_CASE("IDLE: keep-alives reach idle_check; a server that ignores DONE times out", "[loopback][idle]") {
    test::fake_server server([](test::fake_connection& c) {
        serve_login_select(c);
        auto t = c.expect("IDLE");
        c.send("+ idling\r\n");
        c.send("* OK Still here\r\n* 11 EXISTS\r\n");
        if (c.read_line() != "DONE") throw std::runtime_error("expected DONE");
        c.closed_within(3s);  // ...and never answers it
    });
    test::run([&]() -> asio::awaitable<void> {
        auto o = fake_options(server);
        o.timeout = 500ms;
        imapclient::client c(co_await asio::this_coro::executor, o);
        co_await login_select(c);
        co_await c.idle();
        // Silence while idling is not a timeout.
        co_await test::sleep_for(700ms);
        auto r = co_await c.idle_check(1s);
        REQUIRE(r.events.size() == 2);
        auto* ok = std::get_if<imapclient::status_response>(&std::get<imapclient::response>(r.events[0]));
        REQUIRE(ok);
        CHECK(ok->text == "Still here");
        CHECK(std::get<imapclient::exists_data>(std::get<imapclient::response>(r.events[1])).count == 11);
        const auto start = std::chrono::steady_clock::now();
        auto [ec, d] = co_await c.idle_done(asio::as_tuple(asio::use_awaitable));
        CHECK(ec == make_error_code(errc::timeout));
        CHECK(std::chrono::steady_clock::now() - start < 2s);
    });
    CHECK(server.finish() == "");
}

TEST_CASE("listen: IDLE is renewed on time; a dropped connection ends the listener promptly",
          "[loopback][idle][listen]") {
    test::fake_server server([](test::fake_connection& c) {
        serve_login_select(c);
        for (int round = 0; round < 2; ++round) {
            auto t = c.expect("IDLE");
            c.send("+ idling\r\n");
            const auto start = std::chrono::steady_clock::now();
            if (c.read_line(3s) != "DONE") throw std::runtime_error("expected DONE");
            const auto waited = std::chrono::steady_clock::now() - start;
            if (waited < 250ms || waited > 1500ms) throw std::runtime_error("renewal not on time");
            c.send(t + " OK idle done\r\n");
        }
        c.expect("IDLE");
        c.send("+ idling\r\n* 12 EXISTS\r\n");
        c.close();  // the server vanishes mid-IDLE
    });
    test::run([&]() -> asio::awaitable<void> {
        imapclient::client c(co_await asio::this_coro::executor, fake_options(server));
        co_await login_select(c);
        imapclient::listen_options lo;
        lo.renew_interval = 400ms;
        lo.grace = 1s;
        const auto start = std::chrono::steady_clock::now();
        auto [ec, r] = co_await c.listen(lo, asio::as_tuple(asio::use_awaitable));
        CHECK(ec == make_error_code(errc::connection_lost));
        CHECK(std::chrono::steady_clock::now() - start < 3s);
        auto ev = co_await test::next_event_within(c, 1s);
        REQUIRE(ev.has_value());
        CHECK(std::get<imapclient::exists_data>(std::get<imapclient::response>(*ev)).count == 12);
        ev = co_await test::next_event_within(c, 1s);
        REQUIRE(ev.has_value());
        CHECK(std::holds_alternative<imapclient::connection_closed>(*ev));
    });
    CHECK(server.finish() == "");
}

TEST_CASE("listen: DONE not answered within the grace closes the connection with timeout", "[loopback][idle][listen]") {
    test::fake_server server([](test::fake_connection& c) {
        serve_login_select(c);
        c.expect("IDLE");
        c.send("+ idling\r\n");
        if (c.read_line(3s) != "DONE") throw std::runtime_error("expected DONE");
        c.closed_within(3s);
    });
    test::run([&]() -> asio::awaitable<void> {
        auto o = fake_options(server);
        o.timeout = 10s;  // the grace, not the read timeout, must decide
        imapclient::client c(co_await asio::this_coro::executor, o);
        co_await login_select(c);
        imapclient::listen_options lo;
        lo.renew_interval = 200ms;
        lo.grace = 300ms;
        const auto start = std::chrono::steady_clock::now();
        auto [ec, r] = co_await c.listen(lo, asio::as_tuple(asio::use_awaitable));
        CHECK(ec == make_error_code(errc::timeout));
        CHECK(std::chrono::steady_clock::now() - start < 2s);
        auto [ec2, r2] = co_await c.noop(asio::as_tuple(asio::use_awaitable));
        CHECK(ec2 == make_error_code(errc::not_connected));
    });
    CHECK(server.finish() == "");
}

// Found by test/fuzz/fuzz_client.cpp: a server that answers IDLE with its
// tagged OK at once, without "+", left listen() with no IDLE session to
// wait on, and it dereferenced a null pointer. listen() now waits a poll
// interval and tries again; the connection stays usable.
TEST_CASE("listen(): IDLE answered OK without a continuation", "[loopback][idle][listen]") {
    test::fake_server server([](test::fake_connection& c) {
        c.send("* OK [CAPABILITY IMAP4rev1 IDLE] hi\r\n");
        auto t = c.expect("LOGIN");
        c.send(t + " OK [CAPABILITY IMAP4rev1 IDLE] in\r\n");
        t = c.expect("IDLE");
        c.send(t + " OK idle? done already\r\n");  // no "+"
        t = c.expect("IDLE", 3s);                 // tried again after the poll interval
        c.send("+ idling\r\n");
        if (c.read_line(3s) != "DONE") throw std::runtime_error("expected DONE");
        c.send(t + " OK idle done\r\n");
        t = c.expect("NOOP");
        c.send(t + " OK still fine\r\n");
        t = c.expect("LOGOUT");
        c.send("* BYE bye\r\n" + t + " OK bye\r\n");
    });
    CHECK_NOTHROW(test::run([&]() -> asio::awaitable<void> {
        using namespace asio::experimental::awaitable_operators;
        imapclient::client c(co_await asio::this_coro::executor, short_timeout_options(server));
        co_await c.connect();
        co_await c.login("u", "p");
        imapclient::listen_options lo;
        lo.poll_interval = 200ms;
        asio::steady_timer t(co_await asio::this_coro::executor, 1s);
        auto r = co_await (c.listen(lo, tuple_awaitable) || t.async_wait(tuple_awaitable));
        if (r.index() == 0) FAIL_CHECK("listen() ended: " << std::get<0>(std::get<0>(r)).message());
        auto n = co_await c.noop();
        CHECK(n.status.text == "still fine");
        co_await c.logout();
    }));
    CHECK(server.finish() == "");
}

TEST_CASE("listen without IDLE polls with NOOP behind the same event stream", "[loopback][listen]") {
    test::fake_server server([](test::fake_connection& c) {
        serve_login_select(c, "* OK [CAPABILITY IMAP4rev1] ready\r\n", "IMAP4rev1");
        auto t = c.expect("NOOP");
        c.send(t + " OK nothing\r\n");
        t = c.expect("NOOP");
        c.send("* 11 EXISTS\r\n" + t + " OK\r\n");
        c.closed_within(3s);
    });
    test::run([&]() -> asio::awaitable<void> {
        using namespace asio::experimental::awaitable_operators;
        auto ex = co_await asio::this_coro::executor;
        imapclient::client c(ex, fake_options(server));
        co_await login_select(c);
        imapclient::listen_options lo;
        lo.poll_interval = 100ms;
        asio::steady_timer stop(ex, 1500ms);
        std::optional<imapclient::event> seen;
        auto watch = [&]() -> asio::awaitable<void> { seen = co_await test::next_event_within(c, 1400ms); };
        co_await ((c.listen(lo, asio::as_tuple(asio::use_awaitable)) || stop.async_wait(asio::use_awaitable)) && watch());
        REQUIRE(seen.has_value());
        CHECK(std::get<imapclient::exists_data>(std::get<imapclient::response>(*seen)).count == 11);
    });
    CHECK(server.finish() == "");
}

TEST_CASE("run_push_session reconnects after the connection dies and reports the new UIDVALIDITY",
          "[loopback][listen][reconnect]") {
    // Signed in by the caller's coroutine, or by sign_in() with the
    // connection's credentials (the LOGIN command: the server offers no AUTH=).
    const bool by_credentials = GENERATE(false, true);
    INFO("by client_options::credentials: " << by_credentials);
    int connection = 0;
    test::fake_server server(
        [&](test::fake_connection& c) {
            ++connection;
            c.send(greeting);
            auto t = c.expect("LOGIN");
            c.send(t + " OK [CAPABILITY IMAP4rev1 IDLE] in\r\n");
            t = c.expect("EXAMINE INBOX");
            c.send("* 3 EXISTS\r\n* OK [UIDVALIDITY " + std::to_string(100 + connection) + "] v\r\n" + t +
                   " OK [READ-ONLY] examined\r\n");
            c.expect("IDLE");
            c.send("+ idling\r\n");
            if (connection == 1) {
                c.send("* 4 EXISTS\r\n");
                c.close();  // the first session dies
            } else {
                c.closed_within(3s);
            }
        },
        2);
    std::vector<std::pair<std::uint32_t, unsigned>> sessions;
    std::vector<std::uint32_t> exists_seen;
    test::run([&]() -> asio::awaitable<void> {
        using namespace asio::experimental::awaitable_operators;
        imapclient::push_options o;
        o.connection = fake_options(server);
        o.initial_backoff = 50ms;
        if (by_credentials) {
            imapclient::credentials up{.username = "u", .password = "p"};
            o.connection.credentials = imapclient::fixed_credentials(up);
        } else {
            o.authenticate = [](imapclient::client& c) -> asio::awaitable<void> { co_await c.login("u", "p"); };
        }
        o.on_session = [&](imapclient::client& c, const imapclient::select_result& m,
                           unsigned reconnects) -> asio::awaitable<void> {
            sessions.emplace_back(m.uid_validity.value_or(0), reconnects);
            for (;;) {
                auto ev = co_await c.next_event();
                if (std::holds_alternative<imapclient::connection_closed>(ev)) co_return;
                if (auto* r = std::get_if<imapclient::response>(&ev))
                    if (auto* e = std::get_if<imapclient::exists_data>(r)) exists_seen.push_back(e->count);
            }
        };
        asio::steady_timer stop(co_await asio::this_coro::executor, 1500ms);
        co_await (imapclient::run_push_session(o) || stop.async_wait(asio::use_awaitable));
    });
    REQUIRE(sessions.size() == 2);
    CHECK(sessions[0] == std::pair<std::uint32_t, unsigned>{101, 0});
    CHECK(sessions[1] == std::pair<std::uint32_t, unsigned>{102, 1});
    CHECK(exists_seen == std::vector<std::uint32_t>{4});
    CHECK(server.finish() == "");
}

TEST_CASE("listen(): a double BYE during IDLE without a close ends it promptly with bye",
          "[loopback][listen][connection_loss]") {
    // Both BYEs in one read, and the second one alone after the first was handled.
    for (auto gap : {0ms, 300ms}) {
        INFO("gap between the BYEs: " << gap.count() << " ms");
        test::fake_server server(double_bye(gap));
        test::run([&]() -> asio::awaitable<void> {
            client c(co_await asio::this_coro::executor, fake_options(server));
            co_await login_select(c);
            imapclient::listen_options lo;
            lo.grace = 10s;  // the BYE, not a grace or renewal timer, must end it
            const auto start = std::chrono::steady_clock::now();
            auto [ec, r] = co_await c.listen(lo, asio::as_tuple(asio::use_awaitable));
            CHECK(ec == make_error_code(errc::bye));
            // The first BYE comes ~100 ms after IDLE is accepted.
            CHECK(std::chrono::steady_clock::now() - start < 1s);
            co_await check_bye_then_closed(c);
        }, 20s);
        CHECK(server.finish() == "");
    }
}

TEST_CASE("idle()/idle_check(): a double BYE during IDLE without a close ends it promptly",
          "[loopback][idle][connection_loss]") {
    for (auto gap : {0ms, 300ms}) {
        INFO("gap between the BYEs: " << gap.count() << " ms");
        test::fake_server server(double_bye(gap));
        test::run([&]() -> asio::awaitable<void> {
            client c(co_await asio::this_coro::executor, fake_options(server));
            co_await login_select(c);
            co_await c.idle();
            const auto start = std::chrono::steady_clock::now();
            // idle_check hands over what came while idling; the BYE ends the
            // wait long before its timeout, either as data or as the error.
            auto [ec, r] = co_await c.idle_check(5s, asio::as_tuple(asio::use_awaitable));
            CHECK(std::chrono::steady_clock::now() - start < 1s);
            std::size_t byes = 0;
            for (auto& e : r.events)
                if (auto* resp = std::get_if<imapclient::response>(&e))
                    if (auto* s = std::get_if<imapclient::status_response>(resp))
                        byes += s->status == imapclient::status_kind::bye;
            CHECK(byes <= 1);  // the connection is finished after the first
            CHECK((ec == make_error_code(errc::bye) || (!ec && byes == 1)));
            // Ending IDLE on a dead connection fails at once instead of
            // waiting for a tagged reply that will never come.
            const auto done_start = std::chrono::steady_clock::now();
            auto [ec2, d] = co_await c.idle_done(asio::as_tuple(asio::use_awaitable));
            CHECK(imapclient::is_abort(ec2));
            CHECK(std::chrono::steady_clock::now() - done_start < 500ms);
        }, 20s);
        CHECK(server.finish() == "");
    }
}
