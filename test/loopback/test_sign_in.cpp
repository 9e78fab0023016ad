// sign_in() against scripted servers: a refused access token is replaced
// by a fresh one from the provider without the caller seeing it, a refused
// password is not tried again, a provider's failure is the result, and
// the mechanism follows what the server offers. (Against Dovecot and
// Cyrus, with real token refresh: test/live/test_sign_in.cpp.)
#include "fake_server.hpp"
#include "harness.hpp"
#include "text/base64.hpp"

#include <imapclient/credentials.hpp>

namespace asio = boost::asio;
namespace text = imapclient::text;
using imapclient::client;
using imapclient::credential_request;
using imapclient::credentials;
using imapclient::errc;
using imapclient::make_error_code;

namespace {

const auto as_tuple = asio::as_tuple(asio::use_awaitable);

}  // namespace

TEST_CASE("sign_in: a refused access token is refreshed once, invisibly", "[loopback][sign_in]") {
    test::fake_server server([](test::fake_connection& c) {
        c.send("* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=XOAUTH2 AUTH=PLAIN] ready\r\n");
        // The first token is stale: Gmail's JSON challenge, then NO.
        const std::string t1 = c.expect("AUTHENTICATE XOAUTH2 " + text::base64_encode("user=alice\x01" "auth=Bearer old\x01\x01"));
        c.send("+ " + text::base64_encode(R"({"status":"401","schemes":"bearer"})") + "\r\n");
        if (const auto empty = c.read_line(); !empty.empty()) throw std::runtime_error("expected an empty answer: " + empty);
        c.send(t1 + " NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)\r\n");
        const std::string t2 = c.expect("AUTHENTICATE XOAUTH2 " + text::base64_encode("user=alice\x01" "auth=Bearer new\x01\x01"));
        c.send(t2 + " OK [CAPABILITY IMAP4rev1 IDLE] signed in\r\n");
        auto t3 = c.expect("NOOP");
        c.send(t3 + " OK\r\n");
    });
    std::vector<credential_request> asked;
    test::run([&]() -> asio::awaitable<void> {
        auto o = test::scripted_options(server);
        o.credentials = [&](credential_request r) -> asio::awaitable<credentials> {
            asked.push_back(r);
            credentials fresh{.username = "alice", .access_token = "old"};
            if (r.attempt > 0) fresh.access_token = "new";
            co_return fresh;
        };
        client c(co_await asio::this_coro::executor, o);
        co_await c.connect();
        auto in = co_await c.sign_in();
        CHECK(in.mechanism == "XOAUTH2");
        CHECK(in.attempts == 2);
        CHECK(in.status.text == "signed in");
        co_await c.noop();
    });
    REQUIRE(asked.size() == 2);
    CHECK(asked[0].attempt == 0);
    CHECK(asked[0].refused_because.empty());
    CHECK(asked[0].host == "127.0.0.1");
    CHECK(asked[1].attempt == 1);
    CHECK(asked[1].refused_because.find("Invalid credentials") != std::string::npos);
    CHECK(asked[1].refused_because.find(R"("status":"401")") != std::string::npos);
    CHECK(server.finish() == "");
}

TEST_CASE("sign_in: a token refused again after the refresh is the result", "[loopback][sign_in]") {
    test::fake_server server([](test::fake_connection& c) {
        c.send("* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=OAUTHBEARER] ready\r\n");
        for (int i = 0; i < 2; ++i) {
            const std::string t = c.expect("AUTHENTICATE OAUTHBEARER");
            c.send("+ " + text::base64_encode(R"({"status":"invalid_token"})") + "\r\n");
            if (const auto a = c.read_line(); a != text::base64_encode("\x01")) throw std::runtime_error("not ^A: " + a);
            c.send(t + " NO [AUTHENTICATIONFAILED] no\r\n");
        }
    });
    int asked = 0;
    test::run([&]() -> asio::awaitable<void> {
        auto o = test::scripted_options(server);
        o.credentials = [&](credential_request) -> asio::awaitable<credentials> {
            ++asked;
            credentials revoked{.username = "alice", .access_token = "revoked"};
            co_return revoked;
        };
        client c(co_await asio::this_coro::executor, o);
        co_await c.connect();
        auto [ec, in] = co_await c.sign_in(o.credentials, as_tuple);
        CHECK(ec == make_error_code(errc::login_failed));
        CHECK(in.mechanism == "OAUTHBEARER");
        CHECK(in.attempts == 2);
        CHECK(in.status.code);
    });
    CHECK(asked == 2);
    CHECK(server.finish() == "");
}

TEST_CASE("sign_in: a refused password is not tried again", "[loopback][sign_in]") {
    test::fake_server server([](test::fake_connection& c) {
        c.send("* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] ready\r\n");
        const std::string t = c.expect("AUTHENTICATE PLAIN");
        c.send(t + " NO [AUTHENTICATIONFAILED] wrong password\r\n");
        auto t2 = c.expect("NOOP");
        c.send(t2 + " OK\r\n");
    });
    int asked = 0;
    test::run([&]() -> asio::awaitable<void> {
        auto o = test::scripted_options(server);
        client c(co_await asio::this_coro::executor, o);
        co_await c.connect();
        auto provider = [&](credential_request) -> asio::awaitable<credentials> {
            ++asked;
            credentials wrong{.username = "alice", .password = "wrong"};
            co_return wrong;
        };
        auto [ec, in] = co_await c.sign_in(provider, as_tuple);
        CHECK(ec == make_error_code(errc::login_failed));
        CHECK(in.status.text == "wrong password");
        CHECK(in.attempts == 1);
        co_await c.noop();
    });
    CHECK(asked == 1);
    CHECK(server.finish() == "");
}

TEST_CASE("sign_in: the provider's failure is the result, with its code and text", "[loopback][sign_in]") {
    const int kind = GENERATE(0, 1, 2);
    test::fake_server server([](test::fake_connection& c) {
        c.send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n");
        auto t = c.expect("NOOP");  // nothing was sent for the sign-in
        c.send(t + " OK\r\n");
    });
    test::run([&]() -> asio::awaitable<void> {
        auto o = test::scripted_options(server);
        client c(co_await asio::this_coro::executor, o);
        co_await c.connect();
        auto provider = [kind](credential_request) -> asio::awaitable<credentials> {
            if (kind == 0) throw std::runtime_error("vault sealed");
            if (kind == 1) throw imapclient::error(make_error_code(errc::oauth2_refused), "invalid_grant: revoked");
            credentials unknown{.username = "alice", .password = "p", .mechanism = "CRAM-MD5"};
            co_return unknown;
        };
        auto [ec, in] = co_await c.sign_in(provider, as_tuple);
        if (kind == 0) {
            CHECK(ec == make_error_code(errc::credentials_unavailable));
            CHECK(in.status.text == "credential provider: vault sealed");
        } else if (kind == 1) {
            CHECK(ec == make_error_code(errc::oauth2_refused));
            CHECK(in.status.text == "credential provider: invalid_grant: revoked");
        } else {
            CHECK(ec == make_error_code(errc::invalid_argument));
            CHECK(in.status.text.find("unknown mechanism CRAM-MD5") != std::string::npos);
        }
        co_await c.noop();
    });
    CHECK(server.finish() == "");
}

TEST_CASE("sign_in: AUTH=LOGIN when it is all the server offers; none fits: capability_missing",
          "[loopback][sign_in]") {
    test::fake_server server([](test::fake_connection& c) {
        c.send("* OK [CAPABILITY IMAP4rev1 AUTH=LOGIN AUTH=GSSAPI] ready\r\n");
        const std::string t = c.expect("AUTHENTICATE LOGIN");
        c.send("+ " + text::base64_encode("Username:") + "\r\n");
        if (const auto u = c.read_line(); u != text::base64_encode("alice")) throw std::runtime_error("user: " + u);
        c.send("+ " + text::base64_encode("Password:") + "\r\n");
        if (const auto p = c.read_line(); p != text::base64_encode("alicepass")) throw std::runtime_error("pass: " + p);
        c.send(t + " OK [CAPABILITY IMAP4rev1 AUTH=LOGIN AUTH=GSSAPI] logged in\r\n");
    });
    test::run([&]() -> asio::awaitable<void> {
        auto o = test::scripted_options(server);
        credentials password{.username = "alice", .password = "alicepass"};
        o.credentials = imapclient::fixed_credentials(password);
        client c(co_await asio::this_coro::executor, o);
        co_await c.connect();
        auto in = co_await c.sign_in();
        CHECK(in.mechanism == "LOGIN");
        // A token fits none of LOGIN and GSSAPI.
        credentials access{.username = "alice", .access_token = "t"};
        auto token = imapclient::fixed_credentials(access);
        auto [ec, r] = co_await c.sign_in(token, as_tuple);
        CHECK(ec == make_error_code(errc::capability_missing));
        CHECK(r.status.text == "the server offers no mechanism for these credentials (it offers AUTH=GSSAPI AUTH=LOGIN)");
    });
    CHECK(server.finish() == "");
}

TEST_CASE("sign_in: a provider that takes too long is bounded by client_options::deadline", "[loopback][sign_in]") {
    test::fake_server server([](test::fake_connection& c) {
        c.send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n");
        auto t = c.expect("NOOP");  // nothing was sent for the sign-in
        c.send(t + " OK\r\n");
    });
    test::run([&]() -> asio::awaitable<void> {
        auto o = test::scripted_options(server);
        o.deadline = std::chrono::milliseconds(300);
        client c(co_await asio::this_coro::executor, o);
        co_await c.connect();
        auto slow_vault = [](credential_request) -> asio::awaitable<credentials> {
            asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::seconds(5));
            co_await t.async_wait(asio::use_awaitable);
            credentials late{.username = "alice", .password = "p"};
            co_return late;
        };
        const auto start = std::chrono::steady_clock::now();
        auto [ec, in] = co_await c.sign_in(slow_vault, as_tuple);
        CHECK(ec == make_error_code(errc::timeout));
        CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(3));
        co_await c.noop();
    });
    CHECK(server.finish() == "");
}
