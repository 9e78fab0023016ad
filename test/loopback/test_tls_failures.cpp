// TLS refusals against a server-side TLS endpoint the test controls
// (tls_server.hpp): an expired certificate, a wrong host name, a
// self-signed certificate, an untrusted CA and a TLS 1.0-only server must
// each be refused by default, over implicit TLS and over STARTTLS, and be
// accepted only where the user configured it.
#include "harness.hpp"
#include "tls_server.hpp"

#include <boost/asio/ssl/context.hpp>

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <memory>

using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using imapclient::errc;
using imapclient::make_error_code;

namespace {

// Made once: key generation is cheap, but there is no reason to repeat it.
struct pki {
    test::temp_dir dir;
    test::key_cert ca = test::make_certificate({"imapclient test CA", "", true, -1, 30}, nullptr);
    test::key_cert other_ca = test::make_certificate({"someone else's CA", "", true, -1, 30}, nullptr);
    test::key_cert good = test::make_certificate({"localhost", "localhost"}, &ca);
    test::key_cert expired = test::make_certificate({"localhost", "localhost", false, -30, -1}, &ca);
    test::key_cert wrong_name = test::make_certificate({"mail.example.org", "mail.example.org"}, &ca);
    test::key_cert self_signed = test::make_certificate({"localhost", "localhost"}, nullptr);
    test::key_cert foreign = test::make_certificate({"localhost", "localhost"}, &other_ca);
    std::string ca_file = dir.write("ca.pem", ca.cert_pem);
    std::string other_ca_file = dir.write("other-ca.pem", other_ca.cert_pem);
    std::string self_signed_file = dir.write("self-signed.pem", self_signed.cert_pem);

    static const pki& get() {
        static const pki instance;
        return instance;
    }
};

enum class mode { implicit_tls, starttls };

const char* mode_name(mode m) { return m == mode::implicit_tls ? "implicit TLS" : "STARTTLS"; }

struct attempt {
    bool connected = false;
    bool tls = false;
    std::string noop_text;       // the NOOP answer, proving the session works
    imapclient::error_code ec;   // connect()'s error
    std::string message;         // what the thrown exception says
    bool threw_abort_error = false;
    imapclient::error_code login_after;  // a LOGIN attempted after the refusal
    test::tls_server::outcome server;
};

attempt try_connect(test::tls_server_options so, mode m, std::shared_ptr<ssl::context> ctx) {
    so.starttls = m == mode::starttls;
    test::tls_server server(so);
    attempt a;
    test::run(
        [&]() -> asio::awaitable<void> {
            imapclient::client_options o;
            o.host = "localhost";
            o.port = server.port();
            o.security = m == mode::starttls ? imapclient::security::starttls : imapclient::security::tls;
            o.ssl_context = ctx;
            o.timeout = 5s;
            o.connect_timeout = 5s;
            imapclient::client c(co_await asio::this_coro::executor, o);
            try {
                auto r = co_await c.connect();
                a.connected = true;
                a.tls = r.tls;
                a.noop_text = (co_await c.noop()).status.text;
                co_await c.logout();
            } catch (const imapclient::error& e) {
                a.ec = e.code();
                a.message = e.what();
                a.threw_abort_error = dynamic_cast<const imapclient::abort_error*>(&e) != nullptr;
            }
            if (!a.connected) {
                auto [ec, r] = co_await c.login("user", "secret", asio::as_tuple(asio::use_awaitable));
                a.login_after = ec;
            }
        },
        20s);
    a.server = server.finish();
    return a;
}

void check_refused(const attempt& a, mode m, std::string_view needle) {
    INFO("mode: " << mode_name(m) << "; message: " << a.message << "; server: " << a.server.error);
    CHECK_FALSE(a.connected);
    CHECK(a.ec);
    CHECK(imapclient::is_abort(a.ec));
    CHECK(a.threw_abort_error);
    CHECK(a.message.find(needle) != std::string::npos);
    // The refusal is the client's: it reached the handshake and gave up.
    CHECK(a.server.client_connected);
    CHECK_FALSE(a.server.handshake_ok);
    CHECK(a.server.script_error == "");
    // Nothing travels on a refused connection, credentials least of all.
    CHECK(a.login_after);
    CHECK(imapclient::is_abort(a.login_after));
    if (m == mode::starttls) {
        CHECK(a.server.plain_received.find("STARTTLS") != std::string::npos);
        CHECK(a.server.plain_received.find("LOGIN") == std::string::npos);
    }
}

void check_accepted(const attempt& a, mode m) {
    INFO("mode: " << mode_name(m) << "; message: " << a.message << "; server: " << a.server.error);
    CHECK(a.connected);
    CHECK(a.tls);
    CHECK(a.noop_text == "noop over TLS");
    CHECK(a.server.handshake_ok);
    CHECK(a.server.script_error == "");
}

std::shared_ptr<ssl::context> verify_none_context() {
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
    ctx->set_verify_mode(ssl::verify_none);
    return ctx;
}

// What OpenSSL calls a verification failure, to find it in our messages.
std::string x509_reason(long code) { return X509_verify_cert_error_string(code); }

const std::string verify_failed = "certificate verify failed";

}  // namespace

TEST_CASE("TLS: a trusted certificate for the right name is accepted only with its CA configured",
          "[loopback][tls][certificates]") {
    const auto& p = pki::get();
    for (mode m : {mode::implicit_tls, mode::starttls}) {
        // The default context trusts the system store, which does not know
        // the test CA.
        check_refused(try_connect({p.good}, m, nullptr), m, verify_failed);
        check_accepted(try_connect({p.good}, m, imapclient::create_default_context(p.ca_file)), m);
        check_accepted(try_connect({p.good}, m, imapclient::create_default_context({}, {}, p.ca.cert_pem)), m);
    }
}

TEST_CASE("TLS: an expired certificate is refused; only verify_none accepts it", "[loopback][tls][certificates]") {
    const auto& p = pki::get();
    for (mode m : {mode::implicit_tls, mode::starttls}) {
        check_refused(try_connect({p.expired}, m, nullptr), m, verify_failed);
        check_refused(try_connect({p.expired}, m, imapclient::create_default_context(p.ca_file)), m, verify_failed);
        check_accepted(try_connect({p.expired}, m, verify_none_context()), m);
    }
}

TEST_CASE("TLS: a certificate for another host name is refused; only verify_none accepts it",
          "[loopback][tls][certificates]") {
    const auto& p = pki::get();
    for (mode m : {mode::implicit_tls, mode::starttls}) {
        check_refused(try_connect({p.wrong_name}, m, nullptr), m, verify_failed);
        check_refused(try_connect({p.wrong_name}, m, imapclient::create_default_context(p.ca_file)), m,
                      verify_failed);
        check_accepted(try_connect({p.wrong_name}, m, verify_none_context()), m);
    }
}

TEST_CASE("TLS: a self-signed certificate is refused unless the user trusts it", "[loopback][tls][certificates]") {
    const auto& p = pki::get();
    for (mode m : {mode::implicit_tls, mode::starttls}) {
        check_refused(try_connect({p.self_signed}, m, nullptr), m, verify_failed);
        check_refused(try_connect({p.self_signed}, m, imapclient::create_default_context(p.ca_file)), m,
                      verify_failed);
        // Trusting the certificate itself (cafile) or verifying nothing.
        check_accepted(try_connect({p.self_signed}, m, imapclient::create_default_context(p.self_signed_file)), m);
        check_accepted(try_connect({p.self_signed}, m, verify_none_context()), m);
    }
}

TEST_CASE("TLS: a certificate from an untrusted CA is refused unless that CA is configured",
          "[loopback][tls][certificates]") {
    const auto& p = pki::get();
    for (mode m : {mode::implicit_tls, mode::starttls}) {
        check_refused(try_connect({p.foreign}, m, nullptr), m, verify_failed);
        check_refused(try_connect({p.foreign}, m, imapclient::create_default_context(p.ca_file)), m, verify_failed);
        check_accepted(try_connect({p.foreign}, m, imapclient::create_default_context(p.other_ca_file)), m);
    }
}

TEST_CASE("TLS: a server that only speaks TLS 1.0 is refused; a user context that allows 1.0 accepts it",
          "[loopback][tls][certificates]") {
    const auto& p = pki::get();
    // OpenSSL 3 offers TLS 1.0 only at security level 0 (SHA-1 signatures).
    test::tls_server_options tls10{p.good, TLS1_VERSION, TLS1_VERSION, "DEFAULT@SECLEVEL=0", 0};
    for (mode m : {mode::implicit_tls, mode::starttls}) {
        check_refused(try_connect(tls10, m, nullptr), m, "protocol version");
        auto refused = try_connect(tls10, m, imapclient::create_default_context(p.ca_file));
        check_refused(refused, m, "protocol version");
        // The server saw a client that offers nothing below 1.2.
        CHECK(refused.server.error.find("unsupported protocol") != std::string::npos);

        auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
        SSL_CTX_set_security_level(ctx->native_handle(), 0);
        REQUIRE(SSL_CTX_set_cipher_list(ctx->native_handle(), "DEFAULT@SECLEVEL=0") == 1);
        REQUIRE(SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_VERSION) == 1);
        ctx->load_verify_file(p.ca_file);
        ctx->set_verify_mode(ssl::verify_peer);
        auto accepted = try_connect(tls10, m, ctx);
        check_accepted(accepted, m);
        CHECK(accepted.server.version == "TLSv1");
    }
}

// "certificate verify failed" alone tells the user that something is wrong
// but not what. OpenSSL knows the reason (SSL_get_verify_result); the error
// carries it, in its message and as its code.
TEST_CASE("TLS: a verification failure says why (expired, host name mismatch, self-signed, unknown issuer)",
          "[loopback][tls][certificates]") {
    const auto& p = pki::get();
    struct want {
        const char* name;
        const test::key_cert* cert;
        long reason;
    };
    const want cases[] = {
        {"expired", &p.expired, X509_V_ERR_CERT_HAS_EXPIRED},
        {"wrong host name", &p.wrong_name, X509_V_ERR_HOSTNAME_MISMATCH},
        {"self-signed", &p.self_signed, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT},
        {"untrusted CA", &p.foreign, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY},
    };
    for (const auto& w : cases) {
        for (mode m : {mode::implicit_tls, mode::starttls}) {
            auto a = try_connect({*w.cert}, m, imapclient::create_default_context(p.ca_file));
            INFO(w.name << ", " << mode_name(m) << ": " << a.message);
            CHECK_FALSE(a.connected);
            CHECK(a.message.find(x509_reason(w.reason)) != std::string::npos);
            CHECK(a.message.find(verify_failed) != std::string::npos);
            // And in the code, for a program to tell the cases apart.
            CHECK(a.ec.value() == w.reason);
            CHECK(std::string(a.ec.category().name()) == "imapclient.x509");
            CHECK(imapclient::is_abort(a.ec));
        }
    }
}
