// Timeouts against scripted servers: options.timeout bounds the silence
// while a command waits (a silent server fails every pending call at once;
// a slow but steady one is alive), connect_timeout bounds the greeting as a
// whole, options.deadline bounds each call however steadily the server
// drips.
#include "fake_server.hpp"
#include "harness.hpp"
#include "scripted_session.hpp"

using namespace std::chrono_literals;
namespace asio = boost::asio;
using imapclient::errc;
using imapclient::error_code;
using imapclient::make_error_code;
using test::scripted::fake_options;
using test::scripted::login_select;
using test::scripted::serve_login_select;

using test::scripted::short_timeout_options;

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

}  // namespace

TEST_CASE("a silent server trips the timeout; every pending call fails, nothing hangs", "[loopback][timeouts]") {
    test::fake_server server([](test::fake_connection& c) {
        serve_login_select(c);
        c.read_line();  // NOOP, never answered
        c.closed_within(3s);
    });
    test::run([&]() -> asio::awaitable<void> {
        auto o = fake_options(server);
        o.timeout = 400ms;
        imapclient::client c(co_await asio::this_coro::executor, o);
        co_await login_select(c);
        const auto start = std::chrono::steady_clock::now();
        auto [ec, r] = co_await c.noop(asio::as_tuple(asio::use_awaitable));
        const auto took = std::chrono::steady_clock::now() - start;
        CHECK(ec == make_error_code(errc::timeout));
        CHECK(took >= 350ms);
        CHECK(took < 2s);
        CHECK_THROWS_AS(co_await c.noop(), imapclient::abort_error);
    });
    CHECK(server.finish() == "");
}

TEST_CASE("a server that never greets trips the connect timeout", "[loopback][timeouts]") {
    test::fake_server server([](test::fake_connection& c) { c.closed_within(3s); });
    test::run([&]() -> asio::awaitable<void> {
        auto o = fake_options(server);
        o.connect_timeout = 300ms;
        imapclient::client c(co_await asio::this_coro::executor, o);
        const auto start = std::chrono::steady_clock::now();
        auto [ec, r] = co_await c.connect(asio::as_tuple(asio::use_awaitable));
        CHECK(ec == make_error_code(errc::timeout));
        CHECK(std::chrono::steady_clock::now() - start < 2s);
    });
    CHECK(server.finish() == "");
}

// ---- slow drip -------------------------------------------------------------

namespace {

// Sends one byte per `gap`; false when the client hung up first (the wait
// between bytes watches for that, so a client that gave up ends the drip).
bool drip(test::fake_connection& c, std::string_view bytes, std::chrono::milliseconds gap) {
    for (char ch : bytes) {
        if (c.closed_within(gap)) return false;
        c.send(std::string_view(&ch, 1));
    }
    return true;
}

void serve_login(test::fake_connection& c) {
    c.send("* OK [CAPABILITY IMAP4rev1] ready\r\n");
    auto t = c.expect("LOGIN");
    c.send(t + " OK [CAPABILITY IMAP4rev1] in\r\n");
}

struct timed {
    error_code ec;
    std::string text;
    std::chrono::milliseconds took{};
};

timed timed_noop(test::fake_server& server, std::chrono::milliseconds timeout) {
    timed out;
    test::run([&]() -> asio::awaitable<void> {
        auto o = short_timeout_options(server);
        o.timeout = timeout;
        imapclient::client c(co_await asio::this_coro::executor, o);
        co_await c.connect();
        co_await c.login("u", "p");
        const auto start = std::chrono::steady_clock::now();
        auto [ec, r] = co_await c.noop(tuple_awaitable);
        out.took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
        out.ec = ec;
        out.text = r.status.text;
    });
    return out;
}

}  // namespace

// options.timeout is an *inactivity* timeout: it bounds the silence
// between two bytes from the server while a command waits, not the time a
// command takes. A server that keeps sending, however slowly, is alive; one
// that stops for longer than the timeout is dead.
TEST_CASE("slow drip: the timeout bounds the silence between bytes, not the length of an answer",
          "[loopback][timeouts]") {
    SECTION("one byte per 100 ms with a 300 ms timeout: completes, taking many timeouts in total") {
        const std::string answer = "* 4 EXISTS\r\n";
        test::fake_server server([&](test::fake_connection& c) {
            serve_login(c);
            auto t = c.expect("NOOP");
            if (!drip(c, answer + t + " OK dripped\r\n", 100ms)) throw std::runtime_error("the client gave up");
            c.closed_within(2s);
        });
        auto r = timed_noop(server, 300ms);
        CHECK_FALSE(r.ec);
        CHECK(r.text == "dripped");
        CHECK(r.took >= 2000ms);  // > 6 timeouts
        CHECK(server.finish() == "");
    }
    SECTION("one byte per second with a 300 ms timeout: fails with timeout before the first byte") {
        test::fake_server server([&](test::fake_connection& c) {
            serve_login(c);
            auto t = c.expect("NOOP");
            if (drip(c, t + " OK too slow\r\n", 1000ms)) throw std::runtime_error("the client waited for it all");
        });
        auto r = timed_noop(server, 300ms);
        CHECK(r.ec == make_error_code(errc::timeout));
        CHECK(r.took >= 290ms);
        CHECK(r.took < 990ms);
        CHECK(server.finish() == "");
    }
    SECTION("five bytes 100 ms apart, then silence: the timeout runs from the last byte") {
        test::fake_server server([&](test::fake_connection& c) {
            serve_login(c);
            auto t = c.expect("NOOP");
            if (!drip(c, "* 4 E", 100ms)) throw std::runtime_error("the client gave up during the drip");
            if (!c.closed_within(3s)) throw std::runtime_error("the client did not give up");
            (void)t;
        });
        auto r = timed_noop(server, 300ms);
        CHECK(r.ec == make_error_code(errc::timeout));
        CHECK(r.took >= 780ms);  // 500 ms of drip + 300 ms of silence
        CHECK(r.took < 1300ms);
        CHECK(server.finish() == "");
    }
    SECTION("the greeting is bounded by connect_timeout as a whole, however steadily it drips") {
        test::fake_server server([&](test::fake_connection& c) {
            if (drip(c, "* OK [CAPABILITY IMAP4rev1] slow greeting\r\n", 100ms))
                throw std::runtime_error("the client waited for the whole greeting");
        });
        test::run([&]() -> asio::awaitable<void> {
            auto o = short_timeout_options(server);
            o.timeout = 300ms;
            o.connect_timeout = 800ms;
            imapclient::client c(co_await asio::this_coro::executor, o);
            const auto start = std::chrono::steady_clock::now();
            auto [ec, r] = co_await c.connect(tuple_awaitable);
            const auto took = std::chrono::steady_clock::now() - start;
            CHECK(ec == make_error_code(errc::timeout));
            CHECK(took >= 780ms);
            CHECK(took < 1300ms);
        });
        CHECK(server.finish() == "");
    }
}

// options.deadline bounds a call from start to result: the drip that keeps
// options.timeout happy does not keep the call alive past it.
TEST_CASE("deadline: a call fails with timeout once its deadline passed; the connection stays usable",
          "[loopback][timeouts]") {
    const std::string answer = "* 4 EXISTS\r\n";
    test::fake_server server([&](test::fake_connection& c) {
        serve_login(c);
        auto t = c.expect("NOOP");
        if (!drip(c, answer + t + " OK dripped\r\n", 100ms)) throw std::runtime_error("the client hung up");
        auto second = c.expect("NOOP");
        c.send(second + " OK second\r\n");
        c.closed_within(3s);
    });
    test::run([&]() -> asio::awaitable<void> {
        auto o = short_timeout_options(server);
        o.timeout = 300ms;
        o.deadline = 700ms;
        imapclient::client c(co_await asio::this_coro::executor, o);
        co_await c.connect();
        co_await c.login("u", "p");
        const auto start = std::chrono::steady_clock::now();
        auto [ec, r] = co_await c.noop(tuple_awaitable);
        const auto took = std::chrono::steady_clock::now() - start;
        CHECK(ec == make_error_code(errc::timeout));
        CHECK(r.status.text.find("deadline") != std::string::npos);
        CHECK(took >= 690ms);
        CHECK(took < 1500ms);
        // The rest of the dripped answer (2.8 s in all) is drained in the
        // background; then the next call works.
        co_await test::sleep_for(2500ms);
        auto again = co_await c.noop();
        CHECK(again.status.text == "second");
    });
    CHECK(server.finish() == "");
}
