// What the client puts on the wire, and when, seen from the scripted
// server's side: concurrent commands are pipelined (both on the wire before
// either is answered, the answers taken in any order), and a synchronizing
// literal holds its command until the server's "+".
#include "fake_server.hpp"
#include "harness.hpp"
#include "scripted_session.hpp"

using namespace std::chrono_literals;
namespace asio = boost::asio;
using test::scripted::fake_options;
using test::scripted::flags_item;
using test::scripted::login_select;
using test::scripted::serve_login_select;

TEST_CASE("concurrent UID FETCHes are pipelined: both on the wire before either completes", "[loopback][pipelining]") {
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

TEST_CASE("a synchronizing literal waits for the server's +", "[loopback][literal]") {
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
