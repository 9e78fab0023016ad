// STARTTLS against scripted servers: no TLS (no capability, NO, BAD, a
// continuation) means no credentials sent; a PREAUTH greeting when TLS was
// required is refused; capabilities learned in clear text do not survive
// into the TLS session. (Certificate checks: test_tls_failures.cpp;
// untagged data slipped in before STARTTLS: test_hostile.cpp.)
#include "fake_server.hpp"
#include "harness.hpp"
#include "scripted_session.hpp"

#include <boost/asio/ssl/context.hpp>

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <thread>

using namespace std::chrono_literals;
namespace asio = boost::asio;
using imapclient::errc;
using imapclient::make_error_code;
using test::scripted::fake_options;

TEST_CASE("STARTTLS: no capability, NO, BAD or + means no TLS and no credentials", "[loopback][starttls][security]") {
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

TEST_CASE("PREAUTH greeting when STARTTLS was required is refused", "[loopback][starttls][security]") {
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

namespace {

// A one-connection TLS-capable fake server: the scripted server has no TLS.
struct tls_fake {
    int listen_fd = -1;
    std::uint16_t port = 0;
    std::thread thread;
    std::string received_after_tls;
    std::string error;

    explicit tls_fake(std::string starttls_ok) {
        listen_fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(listen_fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
        ::listen(listen_fd, 1);
        socklen_t len = sizeof a;
        ::getsockname(listen_fd, reinterpret_cast<sockaddr*>(&a), &len);
        port = ntohs(a.sin_port);
        thread = std::thread([this, starttls_ok] { serve(starttls_ok); });
    }
    ~tls_fake() {
        if (thread.joinable()) thread.join();
        ::close(listen_fd);
    }

    static std::string read_line(int fd) {
        std::string line;
        char ch;
        while (line.size() < 2 || line.compare(line.size() - 2, 2, "\r\n") != 0) {
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, 3000) <= 0 || ::recv(fd, &ch, 1, 0) != 1) throw std::runtime_error("no line");
            line += ch;
        }
        return line;
    }

    void serve(const std::string& starttls_ok) {
        // OpenSSL writes through write(2): a client that already hung up must
        // give this thread EPIPE, not kill the test program with SIGPIPE.
        sigset_t pipe_set;
        sigemptyset(&pipe_set);
        sigaddset(&pipe_set, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &pipe_set, nullptr);
        pollfd p{listen_fd, POLLIN, 0};
        if (::poll(&p, 1, 5000) <= 0) {
            error = "no client";
            return;
        }
        int fd = ::accept(listen_fd, nullptr, nullptr);
        SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
        SSL_CTX_set_num_tickets(ctx, 0);  // no late writes after the handshake
        EVP_PKEY* key = EVP_EC_gen("P-256");
        X509* cert = X509_new();
        ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
        X509_gmtime_adj(X509_getm_notBefore(cert), 0);
        X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
        X509_set_pubkey(cert, key);
        X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
        X509_set_issuer_name(cert, X509_get_subject_name(cert));
        X509_sign(cert, key, EVP_sha256());
        SSL_CTX_use_certificate(ctx, cert);
        SSL_CTX_use_PrivateKey(ctx, key);
        SSL* ssl = nullptr;
        try {
            const std::string g = "* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n";
            ::send(fd, g.data(), g.size(), MSG_NOSIGNAL);
            auto line = read_line(fd);
            auto tag = line.substr(0, line.find(' '));
            if (line.find("STARTTLS") == std::string::npos) throw std::runtime_error("expected STARTTLS: " + line);
            const std::string ok = tag + " " + starttls_ok + "\r\n";
            ::send(fd, ok.data(), ok.size(), MSG_NOSIGNAL);
            ssl = SSL_new(ctx);
            SSL_set_fd(ssl, fd);
            if (SSL_accept(ssl) != 1) throw std::runtime_error("TLS handshake failed");
            // Over TLS: answer a CAPABILITY if the client asks within 1 s.
            pollfd q{fd, POLLIN, 0};
            char buf[4096];
            if (SSL_pending(ssl) > 0 || ::poll(&q, 1, 1000) > 0) {
                int n = SSL_read(ssl, buf, sizeof buf);
                if (n > 0) {
                    received_after_tls.assign(buf, static_cast<std::size_t>(n));
                    auto t = received_after_tls.substr(0, received_after_tls.find(' '));
                    if (received_after_tls.find("CAPABILITY") != std::string::npos) {
                        std::string reply = "* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n" + t + " OK done\r\n";
                        SSL_write(ssl, reply.data(), static_cast<int>(reply.size()));
                    }
                }
            }
            ::poll(&q, 1, 1000);  // stay until the client hangs up
        } catch (const std::exception& e) {
            error = e.what();
        }
        if (ssl) SSL_free(ssl);
        X509_free(cert);
        EVP_PKEY_free(key);
        SSL_CTX_free(ctx);
        ::close(fd);
    }
};

}  // namespace

// After STARTTLS the capabilities learned in clear text (here from the
// tagged OK's CAPABILITY code) are discarded and asked for again over TLS
// (RFC 9051 6.2.1): a man-in-the-middle may have rewritten them.
TEST_CASE("STARTTLS ignores capabilities in the clear-text tagged OK and asks again over TLS",
          "[loopback][starttls][injection]") {
    tls_fake server("OK [CAPABILITY IMAP4rev1 INJECTED-IN-CLEAR] begin TLS");
    test::run([&]() -> asio::awaitable<void> {
        imapclient::client_options o;
        o.host = "127.0.0.1";
        o.port = server.port;
        o.security = imapclient::security::starttls;
        o.timeout = 3s;
        auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
        ctx->set_verify_mode(asio::ssl::verify_none);  // a throwaway self-signed certificate
        o.ssl_context = ctx;
        imapclient::client c(co_await asio::this_coro::executor, o);
        auto [ec, r] = co_await c.connect(asio::as_tuple(asio::use_awaitable));
        REQUIRE_FALSE(ec);
        CHECK(r.tls);
        CHECK_FALSE(c.has_capability("INJECTED-IN-CLEAR"));
        CHECK(c.has_capability("AUTH=PLAIN"));               // CAPABILITY asked again over TLS
        c.shutdown();
    });
    if (server.thread.joinable()) server.thread.join();
    CHECK(server.error == "");
    CHECK(server.received_after_tls.find("CAPABILITY") != std::string::npos);
}
