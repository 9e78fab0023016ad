// The client against the scripted fake server: wire transcripts,
// pipelining seen from the server's side, faults and hostile answers.
#include "fake_server.hpp"
#include "harness.hpp"

#include <imapclient/push_session.hpp>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_future.hpp>

#include <future>
#include <thread>

using namespace std::chrono_literals;
namespace asio = boost::asio;
using imapclient::errc;
using imapclient::make_error_code;

namespace {

const char* greeting = "* OK [CAPABILITY IMAP4rev1 LITERAL+ IDLE] fake server ready\r\n";

imapclient::client_options fake_options(const test::fake_server& s) { return test::scripted_options(s); }

// Greeting, LOGIN and SELECT of a mailbox with 10 messages.
void serve_login_select(test::fake_connection& c, const char* caps = greeting,
                        std::string login_caps = "IMAP4rev1 LITERAL+ IDLE UIDPLUS") {
    c.send(caps);
    auto t = c.expect("LOGIN");
    c.send(t + " OK [CAPABILITY " + login_caps + "] logged in\r\n");
    t = c.expect("SELECT");
    c.send("* 10 EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 7] v\r\n* OK [UIDNEXT 11] n\r\n"
           "* FLAGS (\\Seen \\Deleted)\r\n" + t + " OK [READ-WRITE] selected\r\n");
}

asio::awaitable<void> login_select(imapclient::client& c) {
    co_await c.connect();
    co_await c.login("user", "pass");
    co_await c.select_folder("INBOX");
}

const std::vector<std::string> flags_item{"FLAGS"};

}  // namespace

TEST_CASE("concurrent UID FETCHes are pipelined: both on the wire before either completes", "[scripted][pipeline]") {
    test::fake_server server([](test::fake_connection& c) {
        serve_login_select(c);
        // If the client waited for the first reply, the second line would
        // never come and read_line would time out.
        auto line1 = c.read_line();
        auto line2 = c.read_line();
        auto tag1 = line1.substr(0, line1.find(' '));
        auto tag2 = line2.substr(0, line2.find(' '));
        if (line1.find("UID FETCH 3 (FLAGS)") == std::string::npos && line1.find("UID FETCH 4 (FLAGS)") == std::string::npos)
            throw std::runtime_error("unexpected: " + line1);
        // Answer in reverse order, interleaving the data.
        c.send("* 4 FETCH (UID 4 FLAGS (\\Seen))\r\n* 3 FETCH (UID 3 FLAGS ())\r\n");
        c.send(tag2 + " OK done\r\n" + tag1 + " OK done\r\n");
        c.expect("LOGOUT");
        c.send("* BYE bye\r\n");
    });
    test::run([&]() -> asio::awaitable<void> {
        auto ex = co_await asio::this_coro::executor;
        imapclient::client c(ex, fake_options(server));
        co_await login_select(c);
        imapclient::fetch_result r3, r4;
        int done = 0;
        asio::co_spawn(ex, c.fetch(3, flags_item), [&](std::exception_ptr, imapclient::fetch_result r) { r3 = r; ++done; });
        asio::co_spawn(ex, c.fetch(4, flags_item), [&](std::exception_ptr, imapclient::fetch_result r) { r4 = r; ++done; });
        while (done < 2) co_await test::sleep_for(5ms);
        REQUIRE(r3.messages.size() == 1);
        REQUIRE(r4.messages.size() == 1);
        CHECK(r3.messages.at(3).flags->empty());
        CHECK(r4.messages.at(4).flags == std::vector<std::string>{"\\Seen"});
        auto [ec, lr] = co_await c.logout(asio::as_tuple(asio::use_awaitable));
        (void)ec;  // the server closes without a tagged OK; either way the session ends
    });
    CHECK(server.finish() == "");
}

TEST_CASE("a silent server trips the timeout; every pending call fails, nothing hangs", "[scripted][faults]") {
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

TEST_CASE("a server that hangs up fails queued and in-flight calls with connection_lost", "[scripted][faults]") {
    test::fake_server server([](test::fake_connection& c) {
        serve_login_select(c);
        c.read_line();
        c.send("* 1 FETCH (UID 1 FLAGS (\\Seen))\r\n");  // partial data, then gone
        c.close();
    });
    test::run([&]() -> asio::awaitable<void> {
        auto ex = co_await asio::this_coro::executor;
        imapclient::client c(ex, fake_options(server));
        co_await login_select(c);
        std::vector<imapclient::error_code> codes;
        for (int i = 1; i <= 5; ++i)
            asio::co_spawn(ex, c.fetch(static_cast<std::uint32_t>(i), flags_item, {}, asio::as_tuple(asio::use_awaitable)),
                           [&](std::exception_ptr, std::tuple<imapclient::error_code, imapclient::fetch_result> r) {
                               codes.push_back(std::get<0>(r));
                           });
        for (int i = 0; i < 200 && codes.size() < 5; ++i) co_await test::sleep_for(10ms);
        REQUIRE(codes.size() == 5);
        for (auto& ec : codes) CHECK(ec == make_error_code(errc::connection_lost));
        auto ev = co_await test::next_event_within(c, 1s);
        bool closed_seen = false;
        while (ev) {
            if (std::holds_alternative<imapclient::connection_closed>(*ev)) closed_seen = true;
            ev = co_await test::next_event_within(c, 100ms);
        }
        CHECK(closed_seen);
    });
    CHECK(server.finish() == "");
}

TEST_CASE("cancelling a written command abandons it; its late data is discarded; the connection stays usable", "[scripted][cancel]") {
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

TEST_CASE("a synchronizing literal waits for the server's +", "[scripted][literal]") {
    std::string message = "Subject: x\r\n\r\nhello\r\n";
    test::fake_server server([&](test::fake_connection& c) {
        // No LITERAL+ / LITERAL- here.
        serve_login_select(c, "* OK [CAPABILITY IMAP4rev1] ready\r\n", "IMAP4rev1 UIDPLUS");
        auto line = c.read_line();
        auto tag = line.substr(0, line.find(' '));
        const std::string header = "{" + std::to_string(message.size()) + "}";
        if (line.size() < header.size() || line.compare(line.size() - header.size(), header.size(), header) != 0)
            throw std::runtime_error("expected a synchronizing literal header: " + line);
        if (!c.quiet_for(200ms)) throw std::runtime_error("the literal was sent before the +");
        c.send("+ go ahead\r\n");
        auto data = c.read_bytes(message.size());
        if (data != message) throw std::runtime_error("literal mismatch");
        if (c.read_line() != "") throw std::runtime_error("missing CRLF after the literal");
        c.send(tag + " OK [APPENDUID 7 11] appended\r\n");
    });
    test::run([&]() -> asio::awaitable<void> {
        imapclient::client c(co_await asio::this_coro::executor, fake_options(server));
        co_await login_select(c);
        auto r = co_await c.append("INBOX", message);
        CHECK(r.uid == 11u);
        CHECK(r.uid_validity == 7u);
    });
    CHECK(server.finish() == "");
}

TEST_CASE("STARTTLS: no capability, NO, BAD or + means no TLS and no credentials", "[scripted][security]") {
    for (std::string answer : {"", "NO not now", "BAD what", "+"}) {
        DYNAMIC_SECTION("server answer: " << (answer.empty() ? "no STARTTLS capability" : answer)) {
            test::fake_server server([&](test::fake_connection& c) {
                if (answer.empty()) {
                    c.send("* OK [CAPABILITY IMAP4rev1] no tls here\r\n");
                } else {
                    c.send("* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n");
                    auto t = c.expect("STARTTLS");
                    c.send(answer == "+" ? "+ \r\n" : t + " " + answer + "\r\n");
                }
                if (!c.closed_within(2s)) throw std::runtime_error("the client did not hang up");
                if (c.received().find("LOGIN") != std::string::npos) throw std::runtime_error("credentials sent");
            });
            test::run([&]() -> asio::awaitable<void> {
                auto o = fake_options(server);
                o.security = imapclient::security::starttls;
                imapclient::client c(co_await asio::this_coro::executor, o);
                auto [ec, r] = co_await c.connect(asio::as_tuple(asio::use_awaitable));
                CHECK(ec == make_error_code(errc::tls_required));
                auto [ec2, r2] = co_await c.login("u", "p", asio::as_tuple(asio::use_awaitable));
                CHECK(ec2);
            });
            CHECK(server.finish() == "");
        }
    }
}

TEST_CASE("PREAUTH greeting when STARTTLS was required is refused", "[scripted][security]") {
    test::fake_server server([](test::fake_connection& c) {
        c.send("* PREAUTH [CAPABILITY IMAP4rev1 STARTTLS] welcome\r\n");
        if (!c.closed_within(2s)) throw std::runtime_error("the client did not hang up");
    });
    test::run([&]() -> asio::awaitable<void> {
        auto o = fake_options(server);
        o.security = imapclient::security::starttls;
        imapclient::client c(co_await asio::this_coro::executor, o);
        auto [ec, r] = co_await c.connect(asio::as_tuple(asio::use_awaitable));
        CHECK(ec == make_error_code(errc::tls_required));
    });
    CHECK(server.finish() == "");
}

TEST_CASE("BYE mid-session fails pending calls with bye and is published", "[scripted][faults]") {
    test::fake_server server([](test::fake_connection& c) {
        serve_login_select(c);
        c.read_line();
        c.send("* BYE Autologout; idle for too long\r\n* BYE Autologout; idle for too long\r\n");
        c.closed_within(2s);
    });
    test::run([&]() -> asio::awaitable<void> {
        imapclient::client c(co_await asio::this_coro::executor, fake_options(server));
        co_await login_select(c);
        auto [ec, r] = co_await c.noop(asio::as_tuple(asio::use_awaitable));
        CHECK(ec == make_error_code(errc::bye));
        CHECK(r.status.text == "Autologout; idle for too long");
        auto ev = co_await test::next_event_within(c, 1s);
        REQUIRE(ev.has_value());
        auto* resp = std::get_if<imapclient::response>(&*ev);
        REQUIRE(resp);
        auto* bye = std::get_if<imapclient::status_response>(resp);
        REQUIRE(bye);
        CHECK(bye->status == imapclient::status_kind::bye);
        ev = co_await test::next_event_within(c, 1s);
        REQUIRE(ev.has_value());
        CHECK(std::holds_alternative<imapclient::connection_closed>(*ev));
        // After the closing event: not_connected, at once.
        auto [ec3, e3] = co_await c.next_event(asio::as_tuple(asio::use_awaitable));
        CHECK(ec3 == make_error_code(errc::not_connected));
    });
    CHECK(server.finish() == "");
}

TEST_CASE("a tagged reply for a tag never sent fails the connection, not a command", "[scripted][security]") {
    test::fake_server server([](test::fake_connection& c) {
        serve_login_select(c);
        auto t = c.expect("NOOP");
        c.send("ZZZ9 OK forged\r\n" + t + " OK real\r\n");
        c.closed_within(2s);
    });
    test::run([&]() -> asio::awaitable<void> {
        imapclient::client c(co_await asio::this_coro::executor, fake_options(server));
        co_await login_select(c);
        auto [ec, r] = co_await c.noop(asio::as_tuple(asio::use_awaitable));
        CHECK(ec == make_error_code(errc::protocol_violation));
    });
    CHECK(server.finish() == "");
}

TEST_CASE("an oversized literal announcement is a clear error, not an allocation", "[scripted][limits]") {
    test::fake_server server([](test::fake_connection& c) {
        serve_login_select(c);
        c.read_line();
        c.send("* 1 FETCH (UID 1 BODY[] {99999999999}\r\n");
        c.closed_within(2s);
    });
    test::run([&]() -> asio::awaitable<void> {
        imapclient::client c(co_await asio::this_coro::executor, fake_options(server));
        co_await login_select(c);
        const std::vector<std::string> body{"BODY[]"};
        auto [ec, r] = co_await c.fetch(1, body, {}, asio::as_tuple(asio::use_awaitable));
        CHECK(ec == make_error_code(errc::framing_error));
        CHECK(r.status.text.find("99999999999") != std::string::npos);
    });
    CHECK(server.finish() == "");
}

TEST_CASE("a slow event consumer gets one resync_needed instead of unbounded memory", "[scripted][events]") {
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

TEST_CASE("debug logging redacts the password", "[scripted][security]") {
    test::fake_server server([](test::fake_connection& c) { serve_login_select(c); });
    std::vector<std::string> lines;
    test::run([&]() -> asio::awaitable<void> {
        auto o = fake_options(server);
        o.debug = 5;
        o.log = [&](std::string_view l) { lines.emplace_back(l); };
        imapclient::client c(co_await asio::this_coro::executor, o);
        co_await c.connect();
        co_await c.login("user", "s3cret-pass");
        co_await c.select_folder("INBOX");
    });
    bool saw_login = false;
    for (auto& l : lines) {
        CHECK(l.find("s3cret-pass") == std::string::npos);
        if (l.find("LOGIN") != std::string::npos) saw_login = true;
    }
    CHECK(saw_login);
    CHECK(server.finish() == "");
}

TEST_CASE("a server that never greets trips the connect timeout", "[scripted][faults]") {
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

TEST_CASE("LOGINDISABLED is respected even with consent to clear text", "[scripted][security]") {
    test::fake_server server([](test::fake_connection& c) {
        c.send("* OK [CAPABILITY IMAP4rev1 LOGINDISABLED STARTTLS] ready\r\n");
        auto t = c.expect("NOOP");
        c.send(t + " OK\r\n");
        if (c.received().find("LOGIN ") != std::string::npos) throw std::runtime_error("LOGIN was sent");
    });
    test::run([&]() -> asio::awaitable<void> {
        imapclient::client c(co_await asio::this_coro::executor, fake_options(server));
        co_await c.connect();
        auto [ec, r] = co_await c.login("u", "p", asio::as_tuple(asio::use_awaitable));
        CHECK(ec == make_error_code(errc::plaintext_login_refused));
        co_await c.noop();
    });
    CHECK(server.finish() == "");
}

TEST_CASE("any completion token: callbacks and futures", "[scripted][api]") {
    test::fake_server server([](test::fake_connection& c) {
        c.send(greeting);
        auto t = c.expect("NOOP");
        c.send(t + " OK callback\r\n");
        t = c.expect("NOOP");
        c.send(t + " OK future\r\n");
    });
    asio::io_context io;
    imapclient::client c(io.get_executor(), fake_options(server));
    std::string callback_text;
    c.connect([&](imapclient::error_code ec, imapclient::connect_result) {
        REQUIRE_FALSE(ec);
        c.noop([&](imapclient::error_code ec2, imapclient::command_result r) {
            CHECK_FALSE(ec2);
            callback_text = r.status.text;
        });
    });
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (callback_text.empty() && std::chrono::steady_clock::now() < deadline) io.run_one_for(100ms);
    CHECK(callback_text == "callback");
    io.restart();
    std::thread runner([&] { io.run_for(5s); });
    auto fut = c.noop(asio::use_future);
    REQUIRE(fut.wait_for(5s) == std::future_status::ready);
    CHECK(fut.get().status.text == "future");
    c.shutdown();
    runner.join();
    CHECK(server.finish() == "");
}

TEST_CASE("IDLE: keep-alives reach idle_check; a server that ignores DONE times out", "[scripted][idle]") {
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

TEST_CASE("listen: IDLE is renewed on time; a dropped connection ends the listener promptly", "[scripted][idle][listen]") {
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

TEST_CASE("listen: DONE not answered within the grace closes the connection with timeout", "[scripted][idle][listen]") {
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

TEST_CASE("listen without IDLE polls with NOOP behind the same event stream", "[scripted][listen]") {
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

TEST_CASE("run_push_session reconnects after the connection dies and reports the new UIDVALIDITY", "[scripted][listen][reconnect]") {
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
        o.authenticate = [](imapclient::client& c) -> asio::awaitable<void> { co_await c.login("u", "p"); };
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
