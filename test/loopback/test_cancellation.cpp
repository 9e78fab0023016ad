// Cancellation (Asio's per-operation cancellation, as `||` and
// bind_cancellation_slot emit it) against scripted servers: a command
// already written is abandoned, its late answer discarded and the
// connection kept; connect() is cancelled while it resolves the host name.
#include "fake_server.hpp"
#include "harness.hpp"
#include "scripted_session.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>

using namespace std::chrono_literals;
namespace asio = boost::asio;
using imapclient::errc;
using imapclient::make_error_code;
using test::scripted::fake_options;
using test::scripted::flags_item;
using test::scripted::login_select;
using test::scripted::serve_login_select;

TEST_CASE("cancelling a written command abandons it; its late data is discarded; the connection stays usable",
          "[loopback][cancellation]") {
    test::fake_server server([](test::fake_connection& c) {
        serve_login_select(c);
        auto slow = c.expect("UID FETCH 5");
        // The NOOP issued after the cancellation comes while the fetch is
        // still unanswered; then the abandoned fetch's late answer arrives.
        auto t = c.expect("NOOP");
        c.send("* 5 FETCH (UID 5 FLAGS (\\Seen))\r\n" + slow + " OK late\r\n");
        c.send(t + " OK noop\r\n");
        c.closed_within(2s);  // stay up while the client checks its events
    });
    test::run([&]() -> asio::awaitable<void> {
        using namespace asio::experimental::awaitable_operators;
        auto ex = co_await asio::this_coro::executor;
        imapclient::client c(ex, fake_options(server));
        co_await login_select(c);
        asio::steady_timer t(ex, 150ms);
        auto r = co_await (c.fetch(5, flags_item, {}, asio::as_tuple(asio::use_awaitable)) ||
                           t.async_wait(asio::use_awaitable));
        CHECK(r.index() == 1);  // the timer won; the fetch was cancelled
        auto noop = co_await c.noop();
        CHECK(noop.status.text == "noop");
        // The abandoned fetch's data did not leak into the events.
        auto ev = co_await test::next_event_within(c, 100ms);
        CHECK_FALSE(ev.has_value());
    });
    CHECK(server.finish() == "");
}

// A cancellation that reaches connect() while it waits for the resolver
// reports operation_aborted (not invalid_argument), fails the engine (event
// waiters are told), and leaves the client free to connect() again (not
// "already connected").
TEST_CASE("cancelling connect() during name resolution reports operation_aborted and cleans up",
          "[loopback][cancellation]") {
    test::fake_server server([](test::fake_connection& c) { c.closed_within(1s); });
    asio::io_context io;
    imapclient::client_options o = fake_options(server);
    o.host = "localhost";  // goes through the resolver
    imapclient::client c(io.get_executor(), o);
    asio::cancellation_signal sig;
    bool called = false;
    imapclient::error_code got;
    c.connect(asio::bind_cancellation_slot(sig.slot(), [&](imapclient::error_code ec, imapclient::connect_result) {
        got = ec;
        called = true;
    }));
    // The coroutine starts on the strand (posted), then the cancellation
    // reaches it while it waits for the resolver.
    sig.emit(asio::cancellation_type::terminal);
    io.run_for(3s);
    REQUIRE(called);
    CHECK(got != make_error_code(errc::invalid_argument));  // once: "co_await: Operation canceled"
    CHECK(got == make_error_code(asio::error::operation_aborted));
    // A second connect() must not be refused because the first is still "connecting".
    io.restart();
    bool called2 = false;
    imapclient::connect_result r2;
    c.connect([&](imapclient::error_code, imapclient::connect_result r) {
        r2 = r;
        called2 = true;
    });
    io.run_for(2s);
    REQUIRE(called2);
    CHECK(r2.status.text != "already connected");
    c.shutdown();
    io.restart();
    io.run_for(200ms);
    server.finish();  // the server may or may not have seen a connection
}
