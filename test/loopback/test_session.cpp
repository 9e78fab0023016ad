// Logging in against scripted servers: debug logging never shows the
// password, LOGINDISABLED refuses LOGIN even with consent to clear text,
// and a SCRAM server that cannot prove it knows the password is refused.
// (The session methods against Dovecot and Cyrus: test/live/test_session.cpp.)
#include "fake_server.hpp"
#include "harness.hpp"
#include "scripted_session.hpp"
#include "text/base64.hpp"

using namespace std::chrono_literals;
namespace asio = boost::asio;
using imapclient::client;
using imapclient::errc;
using imapclient::make_error_code;
using test::scripted::fake_options;
using test::scripted::serve_login_select;

namespace {

const auto as_tuple = asio::as_tuple(asio::use_awaitable);

}  // namespace

TEST_CASE("debug logging redacts the password", "[loopback][session][security]") {
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

TEST_CASE("LOGINDISABLED is respected even with consent to clear text", "[loopback][session][security]") {
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

// A server that does not know the password cannot produce SCRAM's final
// signature; one that says OK to the cancelled exchange anyway loses the
// connection.
TEST_CASE("SCRAM (scripted): a wrong server signature cancels the login; an OK after it closes the connection",
          "[loopback][session][scram]") {
    const bool server_says_ok = GENERATE(false, true);
    test::fake_server server([server_says_ok](test::fake_connection& c) {
        namespace text = imapclient::text;
        c.send("* OK [CAPABILITY IMAP4rev1 AUTH=SCRAM-SHA-256] fake ready\r\n");
        const std::string tag = c.expect("AUTHENTICATE SCRAM-SHA-256");
        c.send("+ \r\n");  // no SASL-IR: the client-first answers this
        const std::string first = text::base64_decode(c.read_line()).value_or("");
        const auto r = first.find(",r=");
        if (r == std::string::npos) throw std::runtime_error("no nonce in the client-first message: " + first);
        c.send("+ " + text::base64_encode("r=" + first.substr(r + 3) + "srv,s=c2FsdA==,i=4096") + "\r\n");
        c.read_line();  // the client-final message with the proof
        c.send("+ " + text::base64_encode("v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=") + "\r\n");
        const std::string answer = c.read_line();
        if (answer != "*") throw std::runtime_error("expected the client to cancel, got: " + answer);
        c.send(tag + (server_says_ok ? " OK authenticated anyway\r\n" : " BAD cancelled\r\n"));
        if (!server_says_ok) {
            auto t = c.expect("NOOP");
            c.send(t + " OK\r\n");
        }
    });
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, test::scripted_options(server));
        co_await c.connect();
        auto [ec, r] = co_await c.sasl_login(imapclient::sasl::scram_sha_256("alice", "pw"), as_tuple);
        CHECK(ec == make_error_code(errc::sasl_cancelled));
        CHECK(r.status.text == "SCRAM: the server's signature does not match: it does not know the password");
        auto [ec2, r2] = co_await c.noop(as_tuple);
        CHECK(static_cast<bool>(ec2) == server_says_ok);
    });
    CHECK(server.finish() == "");
}
