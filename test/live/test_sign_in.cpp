// Real-world sign-in against real servers: sign_in()'s choice of mechanism
// on Dovecot and Cyrus with different mechanism lists, EXTERNAL with a TLS
// client certificate, OAuth2 tokens from a local HTTPS token endpoint
// (test/servers/oauth) validated by Dovecot through introspection (expiry,
// refresh, revocation, the device grant, a stalled endpoint, a listener
// kept across several expiries), and TLS to the server through HTTP
// CONNECT and SOCKS5 proxies (test/servers/proxy.js).
#include "harness.hpp"
#include "oauth_server.hpp"
#include "private_dovecot.hpp"
#include "proxy_server.hpp"

#include <imapclient/oauth2.hpp>
#include <imapclient/reconnecting_client.hpp>

#include <boost/asio/experimental/awaitable_operators.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <thread>

using namespace std::chrono_literals;
namespace asio = boost::asio;
using imapclient::client;
using imapclient::credentials;
using imapclient::errc;
using imapclient::make_error_code;

namespace {

const auto as_tuple = asio::as_tuple(asio::use_awaitable);

// What the log says was sent to sign in: "AUTHENTICATE X" or "LOGIN".
struct sent_log {
    std::vector<std::string> lines;
    void attach(imapclient::client_options& o) {
        o.debug = 3;
        o.log = [this](std::string_view l) { lines.emplace_back(l); };
    }
    bool saw(std::string_view what) const {
        for (auto& l : lines)
            if (l.find(what) != std::string::npos) return true;
        return false;
    }
};

// Implicit TLS to a Dovecot of the tests, verified against its CA.
imapclient::client_options tls_options(const test::server_env& env) {
    imapclient::client_options o;
    o.host = "localhost";  // the name in the test certificate
    o.port = env.tls_port;
    o.security = imapclient::security::tls;
    o.ssl_context = imapclient::create_default_context(env.ca);
    o.timeout = 20s;
    return o;
}

imapclient::oauth2_settings oauth_settings(const test::oauth_server& server) {
    imapclient::oauth2_settings s;
    s.token_endpoint = server.token_url;
    s.device_authorization_endpoint = server.device_url;
    s.client_id = "imapclient-test";
    s.client_secret = "test-secret";
    s.scopes = {"mail"};
    s.refresh_token = "alice-refresh";
    s.username = "alice";
    s.ssl_context = imapclient::create_default_context(server.ca);
    s.timeout = 5s;
    return s;
}

// The error an awaitable throws, or none.
template <typename F>
asio::awaitable<imapclient::error_code> error_of(F call) {
    try {
        co_await call();
    } catch (const imapclient::error& e) {
        co_return e.code();
    }
    co_return imapclient::error_code{};
}

// Ends every IMAP session of a private Dovecot (its imap processes), as a
// server restart or a NAT timeout would; the server itself stays up.
void kill_sessions(test::private_dovecot& d) {
    for (int pid : test::process_tree(d.master_pid())) {
        std::error_code ec;
        auto exe = std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/exe", ec);
        if (!ec && exe.filename() == "imap") ::kill(pid, SIGKILL);
    }
}

}  // namespace

TEST_CASE("sign_in: the strongest mechanism Dovecot and Cyrus offer for a password", "[live][sign_in]") {
    auto kind = GENERATE(test::server_kind::dovecot, test::server_kind::cyrus);
    auto env = test::real_server(kind);
    INFO("server: " << test::name_of(kind));
    sent_log log;
    test::run([&]() -> asio::awaitable<void> {
        auto o = test::plain_options(env);
        log.attach(o);
        credentials alice{.username = "alice", .password = "alicepass"};
        o.credentials = imapclient::fixed_credentials(alice);
        client c(co_await asio::this_coro::executor, o);
        co_await c.connect();
        auto in = co_await c.sign_in();
        CHECK(in.mechanism == "SCRAM-SHA-256");
        CHECK(in.attempts == 1);
        auto sel = co_await c.select_folder("INBOX");  // signed in for real
        CHECK(sel.status.status == imapclient::status_kind::ok);
        // A mechanism the user names wins: LOGIN (AUTH=LOGIN), which both offer.
        client named(co_await asio::this_coro::executor, o);
        co_await named.connect();
        credentials by_login{.username = "alice", .password = "alicepass", .mechanism = "LOGIN"};
        auto provider = imapclient::fixed_credentials(by_login);
        auto in2 = co_await named.sign_in(provider);
        CHECK(in2.mechanism == "LOGIN");
    });
    CHECK(log.saw("AUTHENTICATE SCRAM-SHA-256"));
    CHECK(log.saw("AUTHENTICATE LOGIN"));
}

TEST_CASE("sign_in: PLAIN, AUTH=LOGIN, then the LOGIN command as Dovecot offers less", "[live][sign_in]") {
    struct offer {
        const char* mechanisms;
        const char* expected;
        const char* sent;
        // Dovecot says LOGINDISABLED when PLAIN is not among its mechanisms.
        bool login_command;
    };
    const offer o = GENERATE(offer{"plain login", "PLAIN", "AUTHENTICATE PLAIN", true},
                             offer{"login", "LOGIN", "AUTHENTICATE LOGIN", false},
                             offer{"scram-sha-1 plain", "SCRAM-SHA-1", "AUTHENTICATE SCRAM-SHA-1", true});
    INFO("Dovecot offers: " << o.mechanisms);
    test::private_dovecot dovecot({{"DOVECOT_AUTH_MECHANISMS", o.mechanisms}});
    sent_log log;
    test::run([&]() -> asio::awaitable<void> {
        auto opts = test::plain_options(dovecot.env);
        log.attach(opts);
        credentials bob{.username = "bob", .password = "bobpass"};
        opts.credentials = imapclient::fixed_credentials(bob);
        client c(co_await asio::this_coro::executor, opts);
        co_await c.connect();
        auto in = co_await c.sign_in();
        CHECK(in.mechanism == o.expected);
        co_await c.select_folder("INBOX");
        // A token fits none of these.
        client t(co_await asio::this_coro::executor, opts);
        co_await t.connect();
        credentials token{.username = "bob", .access_token = "bob-oauth-token"};
        auto with_token = imapclient::fixed_credentials(token);
        auto [ec, r] = co_await t.sign_in(with_token, as_tuple);
        CHECK(ec == make_error_code(errc::capability_missing));
        CHECK(r.status.text.find("offers AUTH=") != std::string::npos);
        // Named, the LOGIN command, unless the server says LOGINDISABLED.
        credentials command{.username = "bob", .password = "bobpass", .mechanism = "LOGIN-COMMAND"};
        auto by_command = imapclient::fixed_credentials(command);
        auto [ec2, in2] = co_await t.sign_in(by_command, as_tuple);
        CHECK(in2.mechanism == "LOGIN-COMMAND");
        if (o.login_command) {
            CHECK_FALSE(ec2);
        } else {
            CHECK(t.has_capability("LOGINDISABLED"));
            CHECK(ec2 == make_error_code(errc::plaintext_login_refused));
        }
    });
    CHECK(log.saw(o.sent));
    CHECK(log.saw(" LOGIN ") == o.login_command);
}

TEST_CASE("sign_in: EXTERNAL with a TLS client certificate", "[live][sign_in][external]") {
    test::private_dovecot dovecot({{"DOVECOT_CLIENT_CERTS", "1"}});
    const auto& v = dovecot.vars;
    test::run([&]() -> asio::awaitable<void> {
        auto ex = co_await asio::this_coro::executor;
        auto o = tls_options(dovecot.env);
        imapclient::use_client_certificate(*o.ssl_context, v.at("IMAP_CLIENT_CERT"), v.at("IMAP_CLIENT_KEY"));
        credentials certificate;  // neither password nor token: EXTERNAL
        o.credentials = imapclient::fixed_credentials(certificate);
        client alice(ex, o);
        co_await alice.connect();
        CHECK(alice.has_capability("AUTH=EXTERNAL"));
        auto in = co_await alice.sign_in();
        CHECK(in.mechanism == "EXTERNAL");
        auto sel = co_await alice.select_folder("INBOX");
        CHECK(sel.status.status == imapclient::status_kind::ok);

        // A certificate of an untrusted CA: TLS goes through (the server only
        // asks for one), EXTERNAL is refused.
        auto m = tls_options(dovecot.env);
        imapclient::use_client_certificate(*m.ssl_context, v.at("IMAP_BAD_CLIENT_CERT"), v.at("IMAP_BAD_CLIENT_KEY"));
        m.credentials = o.credentials;
        client mallory(ex, m);
        co_await mallory.connect();
        auto [ec, r] = co_await mallory.sign_in(o.credentials, as_tuple);
        CHECK(ec == make_error_code(errc::login_failed));

        // No certificate at all: refused too.
        auto n = tls_options(dovecot.env);
        client nobody(ex, n);
        co_await nobody.connect();
        auto [ec2, r2] = co_await nobody.sign_in(o.credentials, as_tuple);
        CHECK(ec2 == make_error_code(errc::login_failed));
    });
    CHECK_THROWS_AS(imapclient::use_client_certificate(*imapclient::create_default_context(), v.at("IMAP_CLIENT_CERT"),
                                                       v.at("IMAP_BAD_CLIENT_KEY")),
                    boost::system::system_error);
}

TEST_CASE("OAuth2: tokens from the endpoint, validated by Dovecot; expiry refreshed, revocation reported",
          "[live][sign_in][oauth2]") {
    test::oauth_server tokens;
    test::private_dovecot dovecot({{"DOVECOT_OAUTH2_INTROSPECTION_URL", tokens.introspect_url}});
    sent_log log;
    std::string last_token;
    test::run([&]() -> asio::awaitable<void> {
        auto ex = co_await asio::this_coro::executor;
        imapclient::oauth2_client oauth(ex, oauth_settings(tokens));
        CHECK(oauth.has_refresh_token());
        auto o = test::plain_options(dovecot.env);
        log.attach(o);
        o.credentials = oauth.credentials();

        client first(ex, o);
        co_await first.connect();
        auto in = co_await first.sign_in();
        CHECK(in.mechanism == "OAUTHBEARER");
        CHECK(in.attempts == 1);
        CHECK(oauth.tokens_fetched() == 1);
        co_await first.select_folder("INBOX");

        // The cached token is reused while it is valid.
        client second(ex, o);
        co_await second.connect();
        auto in2 = co_await second.sign_in();
        CHECK(in2.attempts == 1);
        CHECK(oauth.tokens_fetched() == 1);

        // The server stops accepting it before the client thinks it
        // expires: refused, refreshed, signed in; the caller sees success.
        tokens.admin("expire");
        client third(ex, o);
        co_await third.connect();
        auto in3 = co_await third.sign_in();
        CHECK(in3.attempts == 2);
        CHECK(oauth.tokens_fetched() == 2);
        co_await third.select_folder("INBOX");

        // XOAUTH2 when named, with the same token.
        client fourth(ex, o);
        co_await fourth.connect();
        auto token = co_await oauth.access_token();
        last_token = token.access_token;
        credentials xoauth2{.username = "alice", .access_token = token.access_token, .mechanism = "XOAUTH2"};
        auto named = imapclient::fixed_credentials(xoauth2);
        auto in4 = co_await fourth.sign_in(named);
        CHECK(in4.mechanism == "XOAUTH2");

        // The refresh token is revoked: the endpoint's invalid_grant is the
        // documented error, after the server refused the last access token.
        tokens.admin("revoke", R"({"refresh_token":"alice-refresh"})");
        client revoked(ex, o);
        co_await revoked.connect();
        auto [ec, r] = co_await revoked.sign_in(o.credentials, as_tuple);
        CHECK(ec == make_error_code(errc::oauth2_refused));
        CHECK(r.status.text.find("invalid_grant") != std::string::npos);
        CHECK_THROWS_AS(co_await revoked.sign_in(), imapclient::login_error);
    });
    CHECK(tokens.stat("refresh_grants") == 2);
    CHECK(tokens.stat("introspections") >= 5);
    REQUIRE_FALSE(last_token.empty());
    CHECK(log.saw("AUTHENTICATE OAUTHBEARER"));
    for (auto& l : log.lines) CHECK(l.find(last_token) == std::string::npos);  // tokens are redacted
}

TEST_CASE("OAuth2: a push listener keeps working across several token expiries; a revoked grant ends it",
          "[live][sign_in][oauth2]") {
    test::oauth_server tokens;
    test::private_dovecot dovecot({{"DOVECOT_OAUTH2_INTROSPECTION_URL", tokens.introspect_url}});
    int delivered = 0;
    imapclient::error_code listen_ended;
    std::string listen_text;
    test::run(
        [&]() -> asio::awaitable<void> {
            using namespace asio::experimental::awaitable_operators;
            auto ex = co_await asio::this_coro::executor;
            imapclient::oauth2_client oauth(ex, oauth_settings(tokens));
            imapclient::pool_options po;
            po.connection = test::plain_options(dovecot.env);
            po.connection.credentials = oauth.credentials();
            po.deliver_events = true;
            po.initial_backoff = 50ms;
            po.max_backoff = 200ms;
            imapclient::reconnecting_client rc(ex, po);
            auto inbox = co_await rc.lease_folder("INBOX", true);
            const auto first_exists = inbox.selected().exists;

            auto listen = [&]() -> asio::awaitable<void> {
                for (;;) {
                    imapclient::ops::listen forever;
                    auto [ec, r] = co_await inbox.run(std::move(forever), as_tuple);
                    if (ec && !imapclient::is_abort(ec)) {
                        listen_ended = ec;
                        listen_text = r.status.text;
                        co_return;
                    }
                }
            };
            auto work = [&]() -> asio::awaitable<void> {
                auto mailer_options = test::plain_options(dovecot.env);
                for (int round = 0; round < 3; ++round) {
                    // The token dies on the server, then the session too.
                    tokens.admin("expire");
                    kill_sessions(dovecot);
                    // Mail after the listener selected INBOX again, so that
                    // it comes as news (EXISTS), not in SELECT's counts.
                    for (int i = 0; i < 200 && rc.metrics().regained < static_cast<std::uint64_t>(round + 1); ++i)
                        co_await test::sleep_for(50ms);
                    REQUIRE(rc.metrics().regained == static_cast<std::uint64_t>(round + 1));
                    client mailer(ex, mailer_options);
                    co_await mailer.connect();
                    co_await mailer.login("alice", "alicepass");
                    const std::string body = "Subject: round " + std::to_string(round) + "\r\n\r\nx\r\n";
                    co_await mailer.append("INBOX", body);
                    co_await mailer.logout();
                    // The listener hears of it on its new connection.
                    for (;;) {
                        auto e = co_await rc.next_event();
                        if (std::holds_alternative<imapclient::connection_closed>(e.event)) continue;
                        auto* r = std::get_if<imapclient::response>(&e.event);
                        if (r && std::holds_alternative<imapclient::exists_data>(*r)) break;
                    }
                    ++delivered;
                }
                // The grant is revoked: the listener's next sign-in fails
                // with the endpoint's reason, and the listener hears of it.
                tokens.admin("revoke", R"({"refresh_token":"alice-refresh"})");
                kill_sessions(dovecot);
                for (int i = 0; i < 200 && !listen_ended; ++i) co_await test::sleep_for(50ms);
            };
            co_await (listen() || work());
            CHECK(inbox.selected().exists >= first_exists);
            // One token at the start and one per expiry, each after the
            // server refused the cached one.
            CHECK(oauth.tokens_fetched() == 4);
        },
        90s);
    CHECK(delivered == 3);
    CHECK(tokens.stat("refresh_grants") == 4);
    CHECK(listen_ended == make_error_code(errc::oauth2_refused));
    CHECK(listen_text.find("invalid_grant") != std::string::npos);
}

TEST_CASE("OAuth2: the device grant (RFC 8628), the token cache, a declined login", "[live][sign_in][oauth2]") {
    test::oauth_server tokens;
    const std::string cache = test::unique_name("/tmp/imapclient-token-cache") + ".json";
    std::thread approver;
    std::string shown_uri;
    test::run([&]() -> asio::awaitable<void> {
        auto ex = co_await asio::this_coro::executor;
        auto s = oauth_settings(tokens);
        s.refresh_token.clear();
        s.token_cache = cache;
        imapclient::oauth2_client oauth(ex, s);
        CHECK_FALSE(oauth.has_refresh_token());
        auto no_token_yet = [&]() -> asio::awaitable<void> { co_await oauth.access_token(); };
        auto ec0 = co_await error_of(no_token_yet);
        CHECK(ec0 == make_error_code(errc::credentials_unavailable));  // no refresh token: it says so

        // The user approves 1.5 s later; meanwhile the client polls
        // (authorization_pending).
        auto approve_later = [&](const imapclient::device_authorization& d) {
            shown_uri = d.verification_uri;
            const std::string code = d.user_code;
            approver = std::thread([&tokens, code] {
                std::this_thread::sleep_for(1500ms);
                tokens.admin("approve", R"({"user_code":")" + code + R"(","username":"alice"})");
            });
        };
        auto token = co_await oauth.device_login(approve_later);
        CHECK_FALSE(token.access_token.empty());
        CHECK(oauth.has_refresh_token());
        CHECK(tokens.stat("device_polls") >= 2);

        // The cache: owner-only, and a new client starts from it without
        // asking the endpoint.
        struct stat st {};
        REQUIRE(::stat(cache.c_str(), &st) == 0);
        CHECK((st.st_mode & 0777) == 0600);
        imapclient::oauth2_client again(ex, s);
        CHECK(again.has_refresh_token());
        auto cached = co_await again.access_token();
        CHECK(cached.access_token == token.access_token);
        CHECK(again.tokens_fetched() == 0);

        // Declined: access_denied.
        imapclient::oauth2_client declined(ex, oauth_settings(tokens));
        auto deny = [&](const imapclient::device_authorization& d) {
            tokens.admin("deny", R"({"user_code":")" + d.user_code + R"("})");
        };
        auto decline = [&]() -> asio::awaitable<void> { co_await declined.device_login(deny); };
        auto ec = co_await error_of(decline);
        CHECK(ec == make_error_code(errc::oauth2_refused));
    });
    if (approver.joinable()) approver.join();
    CHECK(shown_uri.find("/activate") != std::string::npos);
    std::filesystem::remove(cache);
}

TEST_CASE("OAuth2: a stalled token endpoint is a timeout, not a hang", "[live][sign_in][oauth2]") {
    test::oauth_server tokens;
    test::run([&]() -> asio::awaitable<void> {
        auto s = oauth_settings(tokens);
        s.timeout = 1s;
        imapclient::oauth2_client oauth(co_await asio::this_coro::executor, s);
        tokens.admin("stall", R"({"count":1})");
        const auto start = std::chrono::steady_clock::now();
        auto refresh = [&]() -> asio::awaitable<void> { co_await oauth.access_token(true); };
        auto ec = co_await error_of(refresh);
        const auto took = std::chrono::steady_clock::now() - start;
        CHECK(ec == make_error_code(errc::timeout));
        CHECK(took >= 900ms);
        CHECK(took < 5s);
        auto next = co_await oauth.access_token(true);  // the endpoint answers again
        CHECK_FALSE(next.access_token.empty());
    });
}

TEST_CASE("proxies: TLS to Dovecot through HTTP CONNECT and SOCKS5, with and without credentials",
          "[live][proxy]") {
    test::proxy_server proxy;
    auto env = test::dovecot();
    using kind = imapclient::proxy_settings::kind;
    struct route {
        kind type;
        std::uint16_t port;
        bool auth;
        const char* counter;
    };
    const route routes[] = {{kind::http_connect, proxy.http_port, false, "http_tunnels"},
                            {kind::http_connect, proxy.http_auth_port, true, "http_tunnels"},
                            {kind::socks5, proxy.socks_port, false, "socks_tunnels"},
                            {kind::socks5, proxy.socks_auth_port, true, "socks_tunnels"}};
    const route r = routes[GENERATE(0, 1, 2, 3)];
    INFO("proxy port " << r.port << (r.auth ? " with credentials" : ""));
    const long before = proxy.stat(r.counter);
    test::run([&]() -> asio::awaitable<void> {
        auto ex = co_await asio::this_coro::executor;
        auto o = tls_options(env);
        o.proxy.type = r.type;
        o.proxy.host = "127.0.0.1";
        o.proxy.port = r.port;
        if (r.auth) {
            o.proxy.username = test::proxy_server::user;
            o.proxy.password = test::proxy_server::password;
        }
        client c(ex, o);
        auto hello = co_await c.connect();
        CHECK(hello.tls);
        co_await c.login("alice", "alicepass");
        auto sel = co_await c.select_folder("INBOX");
        CHECK(sel.status.status == imapclient::status_kind::ok);
        co_await c.logout();

        if (r.auth) {  // a wrong password: the proxy's refusal, said clearly
            auto bad = o;
            bad.proxy.password = "wrong";
            client refused(ex, bad);
            auto [ec, res] = co_await refused.connect(as_tuple);
            CHECK(ec == make_error_code(errc::proxy_failed));
            CHECK(res.status.text.rfind("proxy: ", 0) == 0);
        }
    });
    CHECK(proxy.stat(r.counter) == before + 1);
    if (r.type == kind::socks5) CHECK(proxy.stat_text("last_target").find("localhost") != std::string::npos);
}

TEST_CASE("proxies: a proxy that never answers is bounded by connect_timeout; tokens through a proxy",
          "[live][proxy][oauth2]") {
    test::proxy_server proxy;
    test::oauth_server tokens;
    test::run([&]() -> asio::awaitable<void> {
        auto ex = co_await asio::this_coro::executor;
        auto o = tls_options(test::dovecot());
        o.proxy = imapclient::proxy_settings::parse("socks5h://127.0.0.1:" + std::to_string(proxy.silent_port));
        o.connect_timeout = 700ms;
        client c(ex, o);
        const auto start = std::chrono::steady_clock::now();
        auto [ec, r] = co_await c.connect(as_tuple);
        CHECK(ec == make_error_code(errc::timeout));
        CHECK(std::chrono::steady_clock::now() - start < 5s);

        auto s = oauth_settings(tokens);
        s.proxy = imapclient::proxy_settings::parse("http://proxyuser:proxypass@127.0.0.1:" +
                                                    std::to_string(proxy.http_auth_port));
        imapclient::oauth2_client oauth(ex, s);
        auto t = co_await oauth.access_token();
        CHECK_FALSE(t.access_token.empty());
    });
    CHECK(proxy.stat("http_tunnels") == 1);
}

TEST_CASE("the new_mail_listener sample signs in with OAuth2 tokens from the endpoint", "[live][sign_in][oauth2][sample]") {
    test::oauth_server tokens;
    test::private_dovecot dovecot({{"DOVECOT_OAUTH2_INTROSPECTION_URL", tokens.introspect_url}});
    const std::string out_file = test::unique_name("/tmp/imapclient-oauth-listener") + ".out";
    const std::string cmd = std::string(BUILD_ROOT) + "/samples/new_mail_listener " + dovecot.env.host + " " +
                            std::to_string(dovecot.env.port) + " alice - --plain --seconds 4" +
                            " --oauth2-token-endpoint " + tokens.token_url +
                            " --oauth2-client-id imapclient-test --oauth2-client-secret test-secret" +
                            " --oauth2-refresh-token alice-refresh --oauth2-ca-file " + tokens.ca + " > " + out_file +
                            " 2>&1 &";
    REQUIRE(std::system(cmd.c_str()) == 0);
    test::run([&]() -> asio::awaitable<void> {
        co_await test::sleep_for(1500ms);  // the sample signs in and starts IDLE
        client b(co_await asio::this_coro::executor, test::plain_options(dovecot.env));
        co_await b.connect();
        co_await b.login("alice", "alicepass");
        co_await b.append("INBOX", test::make_message("oauth-sample-subject", "x"));
        co_await test::sleep_for(3500ms);  // the sample exits after 4 s
    });
    std::ifstream in(out_file);
    std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::remove(out_file.c_str());
    INFO(all);
    CHECK(all.find("listening on INBOX") != std::string::npos);
    CHECK(all.find("oauth-sample-subject") != std::string::npos);
    CHECK(tokens.stat("refresh_grants") == 1);
}
