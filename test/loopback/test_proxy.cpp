// Proxy tunnels (lib/net/proxy, lib/net/proxy_url): open_tunnel() against
// an in-process fake proxy on a loopback port that checks the bytes it gets
// and answers scripted bytes (SOCKS5 with and without user/password,
// refusals, address types; HTTP CONNECT with early bytes, 407, Basic auth,
// garbage), the transport's use of the tunnel (early bytes first, none
// before TLS), and proxy_settings::parse().
#include "net/proxy.hpp"
#include "net/transport.hpp"

#include <imapclient/options.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

namespace asio = boost::asio;
using boost::asio::ip::tcp;
using imapclient::errc;
using imapclient::error_code;
using imapclient::proxy_settings;
using imapclient::net::open_tunnel;
using imapclient::net::tunnel_result;

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

// What the fake proxy reads before it answers a step.
constexpr std::size_t socks_request = static_cast<std::size_t>(-1);  // a SOCKS5 CONNECT request, by its ATYP
constexpr std::size_t http_header = static_cast<std::size_t>(-2);    // up to and with "\r\n\r\n"

struct step {
    std::size_t expect;  // a byte count, socks_request or http_header
    std::string reply;   // written once the bytes are in (may be empty)
};

std::string bytes(std::initializer_list<unsigned char> list) {
    return std::string(list.begin(), list.end());
}

// A proxy for one connection: runs `script`, recording what it read for
// each step, then waits for the client to close.
struct fake_proxy {
    explicit fake_proxy(asio::io_context& io, std::vector<step> s)
        : acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)), script(std::move(s)) {}

    tcp::acceptor acceptor;
    std::vector<step> script;
    std::vector<std::string> received;
    bool finished = false;
    bool hang_up = false;  // close right after the script instead of waiting for the client

    std::uint16_t port() const { return acceptor.local_endpoint().port(); }

    asio::awaitable<void> serve() {
        auto [aec, socket] = co_await acceptor.async_accept(tuple_awaitable);
        if (aec) co_return;
        acceptor.close();
        for (const auto& st : script) {
            std::string got;
            error_code ec;
            if (st.expect == http_header) {
                auto buf = asio::dynamic_buffer(got);
                auto [rec, n] = co_await asio::async_read_until(socket, buf, "\r\n\r\n", tuple_awaitable);
                ec = rec;
            } else if (st.expect == socks_request) {
                got.resize(5);
                auto head = asio::buffer(got);
                auto [rec, n] = co_await asio::async_read(socket, head, tuple_awaitable);
                ec = rec;
                std::size_t rest = 0;
                if (got[3] == 1) rest = 4 - 1 + 2;
                else if (got[3] == 4) rest = 16 - 1 + 2;
                else rest = static_cast<unsigned char>(got[4]) + 2;
                if (!ec) {
                    got.resize(5 + rest);
                    auto tail = asio::buffer(got.data() + 5, rest);
                    auto [tec, tn] = co_await asio::async_read(socket, tail, tuple_awaitable);
                    ec = tec;
                }
            } else if (st.expect > 0) {
                got.resize(st.expect);
                auto buf = asio::buffer(got);
                auto [rec, n] = co_await asio::async_read(socket, buf, tuple_awaitable);
                ec = rec;
            }
            if (ec) break;
            received.push_back(got);
            if (!st.reply.empty()) {
                auto buf = asio::buffer(st.reply);
                auto [wec, n] = co_await asio::async_write(socket, buf, tuple_awaitable);
                if (wec) break;
            }
        }
        finished = true;
        if (hang_up) co_return;  // the socket closes with this frame
        // Until the client closes.
        char one = 0;
        auto buf = asio::buffer(&one, 1);
        for (;;) {
            auto [rec, n] = co_await socket.async_read_some(buf, tuple_awaitable);
            if (rec) break;
        }
    }
};

struct outcome {
    tunnel_result result;
    std::vector<std::string> received;  // by the proxy, per step
    std::string after;                  // early bytes, then what the socket gave up to `read_after` bytes in all
    bool done = false;
};

asio::awaitable<void> run_client(std::uint16_t proxy_port, proxy_settings proxy, std::string host, std::uint16_t port,
                                 std::size_t read_after, outcome& out) {
    auto ex = co_await asio::this_coro::executor;
    tcp::socket socket(ex);
    const tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), proxy_port);
    auto [cec] = co_await socket.async_connect(ep, tuple_awaitable);
    if (cec) {
        out.result.ec = cec;
        out.done = true;
        co_return;
    }
    out.result = co_await open_tunnel(socket, proxy, host, port);
    out.after = out.result.early;
    if (!out.result.ec && out.after.size() < read_after) {
        std::string more(read_after - out.after.size(), '\0');
        auto buf = asio::buffer(more);
        auto [rec, n] = co_await asio::async_read(socket, buf, tuple_awaitable);
        if (!rec) out.after += more;
    }
    error_code ignored;
    socket.close(ignored);
    out.done = true;
}

outcome run(proxy_settings proxy, std::vector<step> script, const std::string& host, std::uint16_t port,
            std::size_t read_after = 0, bool hang_up = false) {
    asio::io_context io;
    fake_proxy fake(io, std::move(script));
    fake.hang_up = hang_up;
    outcome out;
    auto server = fake.serve();
    asio::co_spawn(io, std::move(server), asio::detached);
    auto client = run_client(fake.port(), std::move(proxy), host, port, read_after, out);
    asio::co_spawn(io, std::move(client), asio::detached);
    io.run_for(std::chrono::seconds(10));
    REQUIRE(out.done);
    out.received = fake.received;
    return out;
}

proxy_settings socks5(std::string user = {}, std::string password = {}) {
    proxy_settings p;
    p.type = proxy_settings::kind::socks5;
    p.host = "127.0.0.1";
    p.username = std::move(user);
    p.password = std::move(password);
    return p;
}

proxy_settings http_proxy(std::string user = {}, std::string password = {}) {
    proxy_settings p;
    p.type = proxy_settings::kind::http_connect;
    p.host = "127.0.0.1";
    p.username = std::move(user);
    p.password = std::move(password);
    return p;
}

bool is_proxy_failed(const tunnel_result& r) {
    return r.ec == make_error_code(errc::proxy_failed);
}

const std::string socks_ok_v4 = bytes({0x05, 0x00, 0x00, 0x01, 10, 0, 0, 1, 0x12, 0x34});
// CONNECT imap.example.com:993 by name.
const std::string socks_request_by_name =
    bytes({0x05, 0x01, 0x00, 0x03, 16}) + "imap.example.com" + bytes({0x03, 0xe1});

}  // namespace

TEST_CASE("socks5: no authentication, the name goes to the proxy", "[loopback][proxy]") {
    auto out = run(socks5(), {{3, bytes({0x05, 0x00})}, {socks_request, socks_ok_v4}}, "imap.example.com", 993);
    CHECK_FALSE(out.result.ec);
    CHECK(out.result.early.empty());
    REQUIRE(out.received.size() == 2);
    CHECK(out.received[0] == bytes({0x05, 0x01, 0x00}));
    CHECK(out.received[1] == socks_request_by_name);
}

TEST_CASE("socks5: the bound address may be a name or IPv6 and is read whole", "[loopback][proxy]") {
    const std::string bound_name = bytes({0x05, 0x00, 0x00, 0x03, 5}) + "relay" + bytes({0x00, 0x50});
    // The target's first bytes right behind the reply are not the reply's.
    auto out = run(socks5(), {{3, bytes({0x05, 0x00})}, {socks_request, bound_name + "* OK"}}, "imap.example.com",
                   993, 4);
    CHECK_FALSE(out.result.ec);
    CHECK(out.result.early.empty());
    CHECK(out.after == "* OK");

    std::string bound_v6 = bytes({0x05, 0x00, 0x00, 0x04}) + std::string(16, '\x01') + bytes({0x00, 0x50});
    out = run(socks5(), {{3, bytes({0x05, 0x00})}, {socks_request, bound_v6 + "* OK"}}, "imap.example.com", 993, 4);
    CHECK_FALSE(out.result.ec);
    CHECK(out.after == "* OK");
}

TEST_CASE("socks5: user and password (RFC 1929)", "[loopback][proxy]") {
    auto out = run(socks5("alice", "s3cret"),
                   {{4, bytes({0x05, 0x02})}, {1 + 1 + 5 + 1 + 6, bytes({0x01, 0x00})}, {socks_request, socks_ok_v4}},
                   "imap.example.com", 993);
    CHECK_FALSE(out.result.ec);
    REQUIRE(out.received.size() == 3);
    CHECK(out.received[0] == bytes({0x05, 0x02, 0x00, 0x02}));
    CHECK(out.received[1] == bytes({0x01, 5}) + "alice" + bytes({6}) + "s3cret");
    CHECK(out.received[2] == socks_request_by_name);
}

TEST_CASE("socks5: a proxy that needs no authentication though we offered it", "[loopback][proxy]") {
    auto out = run(socks5("alice", "s3cret"), {{4, bytes({0x05, 0x00})}, {socks_request, socks_ok_v4}},
                   "imap.example.com", 993);
    CHECK_FALSE(out.result.ec);
    REQUIRE(out.received.size() == 2);
    CHECK(out.received[1] == socks_request_by_name);
}

TEST_CASE("socks5: authentication refused", "[loopback][proxy]") {
    SECTION("no acceptable method, none offered but 'none'") {
        auto out = run(socks5(), {{3, bytes({0x05, 0xff})}}, "imap.example.com", 993);
        CHECK(is_proxy_failed(out.result));
        CHECK_THAT(out.result.why, Catch::Contains("accepts none of our authentication methods"));
        CHECK_THAT(out.result.why, Catch::Contains("user name and password"));
    }
    SECTION("no acceptable method with user/password offered") {
        auto out = run(socks5("alice", "x"), {{4, bytes({0x05, 0xff})}}, "imap.example.com", 993);
        CHECK(is_proxy_failed(out.result));
        CHECK_THAT(out.result.why, Catch::Contains("accepts none of our authentication methods"));
    }
    SECTION("user/password refused (status 1)") {
        auto out = run(socks5("alice", "wrong"), {{4, bytes({0x05, 0x02})}, {1 + 1 + 5 + 1 + 5, bytes({0x01, 0x01})}},
                       "imap.example.com", 993);
        CHECK(is_proxy_failed(out.result));
        CHECK_THAT(out.result.why, Catch::Contains("refused the user name and password"));
        CHECK(out.received.size() == 2);
    }
    SECTION("user/password chosen though not offered") {
        auto out = run(socks5(), {{3, bytes({0x05, 0x02})}}, "imap.example.com", 993);
        CHECK(is_proxy_failed(out.result));
    }
}

TEST_CASE("socks5: the proxy cannot connect (REP 5)", "[loopback][proxy]") {
    const std::string refusal = bytes({0x05, 0x05, 0x00, 0x01, 0, 0, 0, 0, 0, 0});
    auto out = run(socks5(), {{3, bytes({0x05, 0x00})}, {socks_request, refusal}}, "imap.example.com", 993);
    CHECK(is_proxy_failed(out.result));
    CHECK_THAT(out.result.why, Catch::Contains("connection refused"));

    const std::string unreachable = bytes({0x05, 0x04, 0x00, 0x01, 0, 0, 0, 0, 0, 0});
    out = run(socks5(), {{3, bytes({0x05, 0x00})}, {socks_request, unreachable}}, "imap.example.com", 993);
    CHECK(is_proxy_failed(out.result));
    CHECK_THAT(out.result.why, Catch::Contains("host unreachable"));
}

TEST_CASE("socks5: wrong version bytes", "[loopback][proxy]") {
    auto out = run(socks5(), {{3, bytes({0x04, 0x00})}}, "imap.example.com", 993);
    CHECK(is_proxy_failed(out.result));
    const std::string bad_reply = bytes({0x04, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0});
    out = run(socks5(), {{3, bytes({0x05, 0x00})}, {socks_request, bad_reply}}, "imap.example.com", 993);
    CHECK(is_proxy_failed(out.result));
    const std::string bad_atyp = bytes({0x05, 0x00, 0x00, 0x07, 0, 0, 0, 0, 0, 0});
    out = run(socks5(), {{3, bytes({0x05, 0x00})}, {socks_request, bad_atyp}}, "imap.example.com", 993);
    CHECK(is_proxy_failed(out.result));
}

TEST_CASE("socks5: IP literals go as addresses", "[loopback][proxy]") {
    auto out = run(socks5(), {{3, bytes({0x05, 0x00})}, {socks_request, socks_ok_v4}}, "192.0.2.7", 143);
    CHECK_FALSE(out.result.ec);
    REQUIRE(out.received.size() == 2);
    CHECK(out.received[1] == bytes({0x05, 0x01, 0x00, 0x01, 192, 0, 2, 7, 0x00, 143}));

    out = run(socks5(), {{3, bytes({0x05, 0x00})}, {socks_request, socks_ok_v4}}, "2001:db8::1", 993);
    CHECK_FALSE(out.result.ec);
    REQUIRE(out.received.size() == 2);
    CHECK(out.received[1] == bytes({0x05, 0x01, 0x00, 0x04, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                    1, 0x03, 0xe1}));
}

TEST_CASE("socks5: without remote_dns the name is resolved here", "[loopback][proxy]") {
    auto proxy = socks5();
    proxy.remote_dns = false;
    auto out = run(proxy, {{3, bytes({0x05, 0x00})}, {socks_request, socks_ok_v4}}, "localhost", 993);
    CHECK_FALSE(out.result.ec);
    REQUIRE(out.received.size() == 2);
    const std::string& req = out.received[1];
    const bool v4 = req == bytes({0x05, 0x01, 0x00, 0x01, 127, 0, 0, 1, 0x03, 0xe1});
    const bool v6 = req == bytes({0x05, 0x01, 0x00, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x03, 0xe1});
    CHECK((v4 || v6));
}

TEST_CASE("socks5: arguments too long for the protocol", "[loopback][proxy]") {
    auto out = run(socks5(std::string(256, 'u'), "p"), {}, "imap.example.com", 993);
    CHECK(out.result.ec == make_error_code(errc::invalid_argument));
    out = run(socks5(), {}, std::string(256, 'h'), 993);
    CHECK(out.result.ec == make_error_code(errc::invalid_argument));
}

TEST_CASE("http connect: 200 and the target's first bytes", "[loopback][proxy]") {
    const std::string answer = "HTTP/1.1 200 Connection established\r\n\r\n* OK greeting\r\n";
    auto out = run(http_proxy(), {{http_header, answer}}, "imap.example.com", 993, 15);
    CHECK_FALSE(out.result.ec);
    REQUIRE(out.received.size() == 1);
    CHECK(out.received[0] ==
          "CONNECT imap.example.com:993 HTTP/1.1\r\nHost: imap.example.com:993\r\nUser-Agent: imapclient\r\n\r\n");
    // All of it came in one segment on loopback; what did not would still be
    // in the socket.
    CHECK(out.after == "* OK greeting\r\n");
    CHECK(out.result.early.size() <= 15);
}

TEST_CASE("http connect: an IPv6 literal goes in brackets", "[loopback][proxy]") {
    auto out = run(http_proxy(), {{http_header, "HTTP/1.0 200 OK\r\n\r\n"}}, "2001:db8::1", 993);
    CHECK_FALSE(out.result.ec);
    CHECK(out.result.early.empty());
    REQUIRE(out.received.size() == 1);
    CHECK_THAT(out.received[0], Catch::StartsWith("CONNECT [2001:db8::1]:993 HTTP/1.1\r\n"));
    CHECK_THAT(out.received[0], Catch::Contains("\r\nHost: [2001:db8::1]:993\r\n"));
}

TEST_CASE("http connect: Basic authentication", "[loopback][proxy]") {
    auto out = run(http_proxy("Aladdin", "open sesame"), {{http_header, "HTTP/1.1 200 OK\r\n\r\n"}},
                   "imap.example.com", 993);
    CHECK_FALSE(out.result.ec);
    REQUIRE(out.received.size() == 1);
    CHECK_THAT(out.received[0], Catch::Contains("\r\nProxy-Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n"));
}

TEST_CASE("http connect: no Proxy-Authorization without a user", "[loopback][proxy]") {
    auto out = run(http_proxy(), {{http_header, "HTTP/1.1 200 OK\r\n\r\n"}}, "imap.example.com", 993);
    REQUIRE(out.received.size() == 1);
    CHECK_THAT(out.received[0], !Catch::Contains("Proxy-Authorization"));
}

TEST_CASE("http connect: 407 and other refusals", "[loopback][proxy]") {
    const std::string answer =
        "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"x\"\r\n"
        "Content-Length: 5\r\n\r\nnope!";
    auto out = run(http_proxy(), {{http_header, answer}}, "imap.example.com", 993);
    CHECK(is_proxy_failed(out.result));
    CHECK(out.result.why == "the proxy answered 407 Proxy Authentication Required");

    out = run(http_proxy(), {{http_header, "HTTP/1.1 403 \r\n\r\n"}}, "imap.example.com", 993);
    CHECK(is_proxy_failed(out.result));
    CHECK(out.result.why == "the proxy answered 403 Forbidden");
}

TEST_CASE("http connect: an interim 1xx answer is skipped", "[loopback][proxy]") {
    const std::string answer = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\n* OK\r\n";
    auto out = run(http_proxy(), {{http_header, answer}}, "imap.example.com", 993, 6);
    CHECK_FALSE(out.result.ec);
    CHECK(out.after == "* OK\r\n");
}

TEST_CASE("http connect: garbage", "[loopback][proxy]") {
    auto out = run(http_proxy(), {{http_header, "SSH-2.0-OpenSSH_9.0\r\n\r\n"}}, "imap.example.com", 993);
    CHECK(is_proxy_failed(out.result));
    CHECK_THAT(out.result.why, Catch::Contains("not HTTP"));

    // A header past 16 KiB.
    const std::string huge = "HTTP/1.1 200 OK\r\nX-Pad: " + std::string(20 * 1024, 'a') + "\r\n\r\n";
    out = run(http_proxy(), {{http_header, huge}}, "imap.example.com", 993);
    CHECK(is_proxy_failed(out.result));
}

TEST_CASE("the proxy closes the connection in the middle", "[loopback][proxy]") {
    auto out = run(http_proxy(), {{http_header, ""}}, "imap.example.com", 993, 0, true);
    CHECK(out.result.ec == make_error_code(asio::error::eof));
    CHECK_THAT(out.result.why, Catch::Contains("closed the connection"));

    out = run(http_proxy(), {{http_header, "HTTP/1.1 200 OK\r\nVia: x"}}, "imap.example.com", 993, 0, true);
    CHECK(out.result.ec == make_error_code(asio::error::eof));

    out = run(socks5(), {{3, bytes({0x05})}}, "imap.example.com", 993, 0, true);
    CHECK(out.result.ec == make_error_code(asio::error::eof));
    CHECK_THAT(out.result.why, Catch::Contains("closed the connection"));
}

TEST_CASE("http connect: a host that would break the request", "[loopback][proxy]") {
    auto out = run(http_proxy(), {}, "imap\r\nX: y", 993);
    CHECK(out.result.ec == make_error_code(errc::invalid_argument));
    CHECK(out.received.empty());
}

TEST_CASE("proxy_port: the kind's default", "[loopback][proxy]") {
    using imapclient::net::proxy_port;
    auto p = http_proxy();
    CHECK(proxy_port(p) == 8080);
    p.port = 3128;
    CHECK(proxy_port(p) == 3128);
    CHECK(proxy_port(socks5()) == 1080);
}

TEST_CASE("transport: a tunnel's early bytes are read first, and refused before TLS", "[loopback][proxy]") {
    using imapclient::net::transport;
    asio::io_context io;
    const std::string answer = "HTTP/1.1 200 Connection established\r\n\r\n* OK greeting\r\n";
    fake_proxy fake(io, {{http_header, answer}});
    auto proxy = http_proxy();
    proxy.port = fake.port();
    tunnel_result result;
    std::string read;
    error_code tls_ec;
    bool done = false;
    auto server = fake.serve();
    asio::co_spawn(io, std::move(server), asio::detached);
    auto client = [&]() -> asio::awaitable<void> {
        auto ex = asio::make_strand(asio::any_io_executor(io.get_executor()));
        transport t(ex);
        const std::string target = "imap.example.com";
        result = co_await t.connect_tcp_via(proxy, target, 993);
        if (!result.ec) {
            char buf[4];
            while (read.size() < 15) {
                auto b = asio::buffer(buf, sizeof buf);
                auto [ec, n] = co_await t.read_some(b);
                if (ec) break;
                read.append(buf, n);
            }
        }
        t.close();
        done = true;
    };
    asio::co_spawn(io, client, asio::detached);
    io.run_for(std::chrono::seconds(10));
    REQUIRE(done);
    CHECK_FALSE(result.ec);
    CHECK(result.early.empty());
    CHECK(read == "* OK greeting\r\n");

    // Unread early bytes when TLS starts: refused.
    asio::io_context io2;
    fake_proxy fake2(io2, {{http_header, answer}});
    proxy.port = fake2.port();
    done = false;
    auto server2 = fake2.serve();
    asio::co_spawn(io2, std::move(server2), asio::detached);
    auto client2 = [&]() -> asio::awaitable<void> {
        auto ex = asio::make_strand(asio::any_io_executor(io2.get_executor()));
        transport t(ex);
        asio::ssl::context ctx(asio::ssl::context::tls_client);
        const std::string target = "imap.example.com";
        result = co_await t.connect_tcp_via(proxy, target, 993);
        if (!result.ec) tls_ec = co_await t.handshake_tls(ctx, target);
        t.close();
        done = true;
    };
    asio::co_spawn(io2, client2, asio::detached);
    io2.run_for(std::chrono::seconds(10));
    REQUIRE(done);
    CHECK_FALSE(result.ec);
    CHECK(tls_ec == make_error_code(errc::proxy_failed));
}

TEST_CASE("transport: a proxy that cannot be reached", "[loopback][proxy]") {
    using imapclient::net::transport;
    asio::io_context io;
    // A port nobody listens on: bind one, note it, close it.
    std::uint16_t port = 0;
    {
        tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        port = a.local_endpoint().port();
    }
    auto proxy = socks5();
    proxy.port = port;
    tunnel_result result;
    bool done = false;
    auto client = [&]() -> asio::awaitable<void> {
        auto ex = asio::make_strand(asio::any_io_executor(io.get_executor()));
        transport t(ex);
        const std::string target = "imap.example.com";
        result = co_await t.connect_tcp_via(proxy, target, 993);
        done = true;
    };
    asio::co_spawn(io, client, asio::detached);
    io.run_for(std::chrono::seconds(10));
    REQUIRE(done);
    CHECK(result.ec);
    CHECK_THAT(result.why, Catch::Contains("cannot connect to the proxy 127.0.0.1:"));
}

TEST_CASE("proxy_settings::parse: schemes, credentials, hosts, ports", "[loopback][proxy]") {
    auto p = proxy_settings::parse("http://proxy.example.com");
    CHECK(p.type == proxy_settings::kind::http_connect);
    CHECK(p.host == "proxy.example.com");
    CHECK(p.port == 0);
    CHECK(imapclient::net::proxy_port(p) == 8080);
    CHECK(p.username.empty());
    CHECK(p.password.empty());

    p = proxy_settings::parse("socks5://10.0.0.1:1081");
    CHECK(p.type == proxy_settings::kind::socks5);
    CHECK_FALSE(p.remote_dns);
    CHECK(p.host == "10.0.0.1");
    CHECK(p.port == 1081);

    p = proxy_settings::parse("socks5h://proxy");
    CHECK(p.type == proxy_settings::kind::socks5);
    CHECK(p.remote_dns);
    CHECK(imapclient::net::proxy_port(p) == 1080);

    p = proxy_settings::parse("SOCKS5H://user:p%40ss%3Aw%2Frd@proxy.example.com:1080/");
    CHECK(p.type == proxy_settings::kind::socks5);
    CHECK(p.remote_dns);
    CHECK(p.username == "user");
    CHECK(p.password == "p@ss:w/rd");
    CHECK(p.host == "proxy.example.com");
    CHECK(p.port == 1080);

    p = proxy_settings::parse("http://us%65r@proxy:3128");
    CHECK(p.username == "user");
    CHECK(p.password.empty());

    p = proxy_settings::parse("http://a:b@c@proxy");  // the last "@" ends the credentials
    CHECK(p.username == "a");
    CHECK(p.password == "b@c");
    CHECK(p.host == "proxy");

    p = proxy_settings::parse("http://[::1]:3128");
    CHECK(p.host == "::1");
    CHECK(p.port == 3128);
    p = proxy_settings::parse("socks5://[2001:db8::7]");
    CHECK(p.host == "2001:db8::7");
    CHECK(p.port == 0);
}

TEST_CASE("proxy_settings::parse: bad URLs throw", "[loopback][proxy]") {
    for (const char* url : {"", "proxy:8080", "proxy.example.com", "https://proxy", "socks4://proxy", "ftp://proxy",
                            "http://", "http://:8080", "http://proxy:", "http://proxy:0", "http://proxy:65536",
                            "http://proxy:80x", "http://proxy:123456", "http://[::1", "http://[::1]x",
                            "http://[nonsense]", "http://::1:80", "http://proxy/path", "http://proxy?x=1",
                            "http://proxy#f", "http://u%zz@proxy", "http://u%4@proxy", "http://:pass@proxy",
                            "http://@proxy", "http://pro xy", "http://user:pass@"}) {
        INFO(url);
        CHECK_THROWS_AS(proxy_settings::parse(url), std::invalid_argument);
    }
    // The message never shows the password, with or without a scheme.
    for (const char* url : {"http://user:s3cret@proxy:bad", "user:s3cret@proxy:3128", "ftp://user:s3cret@proxy"}) {
        INFO(url);
        try {
            proxy_settings::parse(url);
            FAIL("no exception");
        } catch (const std::invalid_argument& e) {
            const std::string what = e.what();
            CHECK_THAT(what, !Catch::Contains("s3cret"));
            CHECK_THAT(what, Catch::Contains("***@proxy"));
        }
    }
}
