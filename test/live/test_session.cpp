// Python IMAPClient's session methods against Dovecot and Cyrus: SASL
// logins (PLAIN, SCRAM, XOAUTH2, OAUTHBEARER), starttls() on a running
// plain connection, ENABLE and ID. (A SCRAM server that does not know the
// password, scripted: test/loopback/test_session.cpp.)
#include "harness.hpp"

using namespace std::chrono_literals;
using imapclient::client;
using imapclient::errc;
using imapclient::make_error_code;
namespace asio = boost::asio;

namespace {

const auto as_tuple = asio::as_tuple(asio::use_awaitable);

imapclient::client_options starttls_capable(const test::server_env& e) {
    auto o = test::plain_options(e);
    o.host = "localhost";  // the name in the test certificate
    o.allow_plaintext_login = false;
    o.ssl_context = imapclient::create_default_context(e.ca);
    return o;
}

}  // namespace

TEST_CASE("plain_login: AUTHENTICATE PLAIN, and its failure as a login error", "[live][session]") {
    auto kind = GENERATE(test::server_kind::dovecot, test::server_kind::cyrus);
    auto env = test::real_server(kind);
    INFO("server: " << test::name_of(kind));
    test::run([&]() -> asio::awaitable<void> {
        auto ex = co_await asio::this_coro::executor;
        client good(ex, test::plain_options(env));
        co_await good.connect();
        REQUIRE(good.has_capability("AUTH=PLAIN"));
        auto r = co_await good.plain_login("alice", "alicepass");
        CHECK(r.status.status == imapclient::status_kind::ok);
        CHECK_FALSE(good.capabilities().empty());
        auto sel = co_await good.select_folder("INBOX");  // authenticated for real
        CHECK(sel.status.status == imapclient::status_kind::ok);

        client bad(ex, test::plain_options(env));
        co_await bad.connect();
        auto [ec, res] = co_await bad.plain_login("alice", "wrong-password", {}, as_tuple);
        CHECK(ec == make_error_code(errc::login_failed));
        CHECK_FALSE(res.status.text.empty());
        // The connection survives a failed authentication.
        auto [ec2, res2] = co_await bad.noop(as_tuple);
        CHECK_FALSE(ec2);
        CHECK_THROWS_AS(co_await bad.plain_login("alice", "wrong-again"), imapclient::login_error);
    });
}

TEST_CASE("SCRAM-SHA-256 and SCRAM-SHA-1 against the server's own implementation", "[live][session][scram]") {
    auto kind = GENERATE(test::server_kind::dovecot, test::server_kind::cyrus);
    auto env = test::real_server(kind);
    INFO("server: " << test::name_of(kind));
    test::run([&]() -> asio::awaitable<void> {
        auto ex = co_await asio::this_coro::executor;
        for (const char* name : {"SCRAM-SHA-256", "SCRAM-SHA-1"}) {
            INFO(name);
            const bool sha256 = std::string_view(name) == "SCRAM-SHA-256";
            auto mechanism = [&](const char* password) {
                return sha256 ? imapclient::sasl::scram_sha_256("alice", password)
                              : imapclient::sasl::scram_sha_1("alice", password);
            };
            client good(ex, test::plain_options(env));
            co_await good.connect();
            REQUIRE(good.has_capability(std::string("AUTH=") + name));
            auto right = mechanism("alicepass");
            // The server proved it knows the password: the exchange was not cancelled.
            auto r = co_await good.sasl_login(right);
            CHECK(r.status.status == imapclient::status_kind::ok);
            CHECK(right.cancel_reason->empty());
            auto sel = co_await good.select_folder("INBOX");
            CHECK(sel.status.status == imapclient::status_kind::ok);

            client bad(ex, test::plain_options(env));
            co_await bad.connect();
            auto [ec, res] = co_await bad.sasl_login(mechanism("wrong-password"), as_tuple);
            CHECK(ec == make_error_code(errc::login_failed));
            auto [ec2, res2] = co_await bad.noop(as_tuple);
            CHECK_FALSE(ec2);
        }
    });
}

TEST_CASE("plain_login with an authorization identity (admin acting as alice)", "[live][session]") {
    // Dovecot's master user logs in as "alice*admin"; Cyrus takes the SASL
    // authorization identity instead. Both end up as alice.
    auto kind = GENERATE(test::server_kind::dovecot, test::server_kind::cyrus);
    auto env = test::real_server(kind);
    INFO("server: " << test::name_of(kind));
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, test::plain_options(env));
        co_await c.connect();
        if (kind == test::server_kind::cyrus) co_await c.plain_login("admin", "adminpass", "alice");
        else co_await c.plain_login("alice*admin", "adminpass");
        auto st = co_await c.folder_status("INBOX");
        CHECK(st.messages.has_value());
        auto ns = co_await c.namespace_();
        CHECK_FALSE(ns.personal.empty());
    });
}

TEST_CASE("oauth2_login: XOAUTH2 and OAUTHBEARER with Dovecot's static tokens", "[live][session]") {
    auto env = test::dovecot();
    test::run([&]() -> asio::awaitable<void> {
        auto ex = co_await asio::this_coro::executor;
        {
            client c(ex, test::plain_options(env));
            co_await c.connect();
            REQUIRE(c.has_capability("AUTH=XOAUTH2"));
            co_await c.oauth2_login("alice", "alice-oauth-token");
            CHECK((co_await c.select_folder("INBOX")).status.status == imapclient::status_kind::ok);
        }
        {
            client c(ex, test::plain_options(env));
            co_await c.connect();
            co_await c.oauthbearer_login("alice", "alice-oauth-token");
            CHECK((co_await c.select_folder("INBOX")).status.status == imapclient::status_kind::ok);
        }
        {
            client c(ex, test::plain_options(env));
            co_await c.connect();
            co_await c.oauth2_login("alice", "alice-oauth-token", "OAUTHBEARER");
            CHECK((co_await c.noop()).status.status == imapclient::status_kind::ok);
        }
        for (std::string mech : {"XOAUTH2", "OAUTHBEARER"}) {
            // A wrong token: the server's JSON error challenge is answered as
            // each mechanism requires, then the NO arrives as a login error
            // and the connection stays usable.
            INFO(mech);
            client c(ex, test::plain_options(env));
            co_await c.connect();
            auto [ec, r] = co_await c.oauth2_login("alice", "bob-oauth-token", mech, {}, as_tuple);
            CHECK(ec == make_error_code(errc::login_failed));
            auto [ec2, r2] = co_await c.noop(as_tuple);
            CHECK_FALSE(ec2);
            co_await c.login("alice", "alicepass");
        }
    });
}

TEST_CASE("SASL: refused in clear text without consent, and for mechanisms the server lacks", "[live][session]") {
    auto kind = GENERATE(test::server_kind::dovecot, test::server_kind::cyrus);
    auto env = test::real_server(kind);
    INFO("server: " << test::name_of(kind));
    test::run([&]() -> asio::awaitable<void> {
        auto ex = co_await asio::this_coro::executor;
        auto no_consent = test::plain_options(env);
        no_consent.allow_plaintext_login = false;
        client c(ex, no_consent);
        co_await c.connect();
        auto [ec, r] = co_await c.plain_login("alice", "alicepass", {}, as_tuple);
        CHECK(ec == make_error_code(errc::plaintext_login_refused));

        client d(ex, test::plain_options(env));
        co_await d.connect();
        imapclient::sasl_mechanism unknown;
        unknown.name = "X-NOT-OFFERED";
        unknown.step = [](std::string_view) { return std::optional<std::string>(""); };
        auto [ec2, r2] = co_await d.sasl_login(unknown, as_tuple);
        CHECK(ec2 == make_error_code(errc::capability_missing));
        if (kind == test::server_kind::cyrus) {
            // Cyrus has no XOAUTH2 (not in Debian's SASL): said before sending.
            auto [ec3, r3] = co_await d.oauth2_login("alice", "token", "XOAUTH2", {}, as_tuple);
            CHECK(ec3 == make_error_code(errc::capability_missing));
        }
        co_await d.login("alice", "alicepass");
    });
}

TEST_CASE("starttls(): upgrades a running plain connection, then logs in without consent", "[live][session]") {
    auto kind = GENERATE(test::server_kind::dovecot, test::server_kind::cyrus);
    auto env = test::real_server(kind);
    INFO("server: " << test::name_of(kind));
    test::run([&]() -> asio::awaitable<void> {
        auto ex = co_await asio::this_coro::executor;
        client c(ex, starttls_capable(env));
        co_await c.connect();
        REQUIRE(c.has_capability("STARTTLS"));
        // Without TLS and without consent, LOGIN is refused...
        auto [ec, r] = co_await c.login("alice", "alicepass", as_tuple);
        CHECK(ec == make_error_code(errc::plaintext_login_refused));
        co_await c.starttls();
        // ...and after STARTTLS it goes: the connection is encrypted.
        CHECK_FALSE(c.has_capability("STARTTLS"));
        co_await c.login("alice", "alicepass");
        auto sel = co_await c.select_folder("INBOX");
        CHECK(sel.status.status == imapclient::status_kind::ok);
        auto [ec2, r2] = co_await c.starttls({}, as_tuple);
        CHECK(ec2 == make_error_code(errc::illegal_state));  // TLS is already on
    });
}

TEST_CASE("starttls(): an untrusted certificate fails and closes the connection", "[live][session]") {
    auto env = test::dovecot();
    test::run([&]() -> asio::awaitable<void> {
        auto o = starttls_capable(env);
        o.ssl_context = imapclient::create_default_context();  // the system store: no test CA
        client c(co_await asio::this_coro::executor, o);
        co_await c.connect();
        auto [ec, r] = co_await c.starttls(nullptr, as_tuple);
        CHECK(ec);
        CHECK(imapclient::is_abort(ec));
        // Nothing can be sent any more, in clear text or otherwise.
        auto [ec2, r2] = co_await c.login("alice", "alicepass", as_tuple);
        CHECK(ec2);
    });
}

TEST_CASE("enable and id_", "[live][session]") {
    auto kind = GENERATE(test::server_kind::dovecot, test::server_kind::cyrus);
    auto env = test::real_server(kind);
    INFO("server: " << test::name_of(kind));
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, test::plain_options(env));
        co_await c.connect();
        co_await c.login("alice", "alicepass");
        const std::vector<std::string> condstore{"CONDSTORE"};
        auto en = co_await c.enable(condstore);
        CHECK(en.enabled == condstore);
        const std::vector<std::pair<std::string, std::string>> me{{"name", "imapclient-tests"}, {"version", "1"}};
        auto id = co_await c.id_(me);
        REQUIRE_FALSE(id.fields.empty());
        auto name = std::find_if(id.fields.begin(), id.fields.end(),
                                 [](auto& f) { return imapclient::iequals(f.first, "name"); });
        REQUIRE(name != id.fields.end());
        CHECK(name->second.value_or("").find(kind == test::server_kind::dovecot ? "Dovecot" : "Cyrus") !=
              std::string::npos);
        // After ENABLE CONDSTORE, SELECT reports HIGHESTMODSEQ.
        auto sel = co_await c.select_folder("INBOX");
        CHECK(sel.highest_modseq.has_value());
    });
}
