// Proxy tunnels: SOCKS5 (RFC 1928) with user/password auth (RFC 1929), and
// an HTTP proxy's CONNECT (RFC 9110 9.3.6) with Basic auth, its answer
// parsed by Boost.Beast.
#include "net/proxy.hpp"

#include "text/base64.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/write.hpp>

#include <array>
#include <optional>
#include <string>

namespace imapclient::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

// The longest header an HTTP proxy may answer with, and the most its
// answer may be buffered with (the target's first bytes after the header).
constexpr std::size_t http_header_limit = 16 * 1024;
constexpr std::size_t http_buffer_limit = 64 * 1024;
// 1xx answers skipped before the real one.
constexpr int max_interim_answers = 4;

tunnel_result refused(std::string why) {
    tunnel_result r;
    r.ec = make_error_code(errc::proxy_failed);
    r.why = std::move(why);
    return r;
}

tunnel_result invalid(std::string why) {
    tunnel_result r;
    r.ec = make_error_code(errc::invalid_argument);
    r.why = std::move(why);
    return r;
}

// The socket's own error; `doing` says at which step.
tunnel_result io_failed(error_code ec, const std::string& doing) {
    tunnel_result r;
    r.ec = ec;
    if (ec == asio::error::eof)
        r.why = "the proxy closed the connection (" + doing + ")";
    else
        r.why = doing + ": " + ec.message();
    return r;
}

// "[::1]" → "::1": an IPv6 literal may come either way.
std::string bare_host(const std::string& host) {
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') return host.substr(1, host.size() - 2);
    return host;
}

std::optional<asio::ip::address> ip_literal(const std::string& host) {
    error_code ec;
    auto addr = asio::ip::make_address(host, ec);
    if (ec) return std::nullopt;
    return addr;
}

asio::awaitable<error_code> send(tcp::socket& socket, const std::string& bytes) {
    auto buf = asio::buffer(bytes);
    auto [ec, n] = co_await asio::async_write(socket, buf, tuple_awaitable);
    co_return ec;
}

// Exactly n bytes.
asio::awaitable<error_code> receive(tcp::socket& socket, unsigned char* out, std::size_t n) {
    auto buf = asio::buffer(out, n);
    auto [ec, got] = co_await asio::async_read(socket, buf, tuple_awaitable);
    co_return ec;
}

std::string hex_byte(unsigned v) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string s = "0x";
    s += digits[(v >> 4) & 0xf];
    s += digits[v & 0xf];
    return s;
}

// RFC 1928 6: the REP field.
std::string socks5_reply_text(unsigned rep) {
    switch (rep) {
        case 1: return "general SOCKS server failure";
        case 2: return "connection not allowed by ruleset";
        case 3: return "network unreachable";
        case 4: return "host unreachable";
        case 5: return "connection refused";
        case 6: return "TTL expired";
        case 7: return "command not supported";
        case 8: return "address type not supported";
        default: return "unknown failure";
    }
}

void append_port(std::string& out, std::uint16_t port) {
    out.push_back(static_cast<char>(port >> 8));
    out.push_back(static_cast<char>(port & 0xff));
}

// ---- SOCKS5 --------------------------------------------------------------

asio::awaitable<tunnel_result> socks5_tunnel(tcp::socket& socket, const proxy_settings& proxy,
                                             const std::string& target, std::uint16_t port) {
    const bool with_auth = !proxy.username.empty();
    if (proxy.username.size() > 255 || proxy.password.size() > 255)
        co_return invalid("SOCKS5 user names and passwords are limited to 255 bytes");
    const std::string host = bare_host(target);
    if (host.empty()) co_return invalid("no host to connect to");

    // The target's address as the CONNECT request carries it: an IP literal
    // as such, a name as a name (ATYP 3) when the proxy resolves it, else
    // resolved here.
    std::optional<asio::ip::address> addr = ip_literal(host);
    if (!addr && !proxy.remote_dns) {
        tcp::resolver resolver(socket.get_executor());
        const std::string service = std::to_string(port);
        auto [rec, endpoints] = co_await resolver.async_resolve(host, service, tuple_awaitable);
        if (rec) co_return io_failed(rec, "resolving " + host);
        if (endpoints.empty()) co_return io_failed(make_error_code(asio::error::host_not_found), "resolving " + host);
        addr = endpoints.begin()->endpoint().address();
    }
    std::string request;
    request.push_back('\x05');  // VER
    request.push_back('\x01');  // CMD: CONNECT
    request.push_back('\x00');  // RSV
    if (addr && addr->is_v4()) {
        request.push_back('\x01');
        for (unsigned char b : addr->to_v4().to_bytes()) request.push_back(static_cast<char>(b));
    } else if (addr) {
        request.push_back('\x04');
        for (unsigned char b : addr->to_v6().to_bytes()) request.push_back(static_cast<char>(b));
    } else {
        if (host.size() > 255) co_return invalid("a host name sent to a SOCKS5 proxy is limited to 255 bytes");
        request.push_back('\x03');
        request.push_back(static_cast<char>(host.size()));
        request += host;
    }
    append_port(request, port);

    // Method selection: no authentication, and user/password when we have one.
    std::string greeting;
    greeting.push_back('\x05');
    if (with_auth) {
        greeting.push_back('\x02');
        greeting.push_back('\x00');
        greeting.push_back('\x02');
    } else {
        greeting.push_back('\x01');
        greeting.push_back('\x00');
    }
    if (auto ec = co_await send(socket, greeting)) co_return io_failed(ec, "sending the SOCKS5 greeting");
    std::array<unsigned char, 2> chosen{};
    unsigned char* const chosen_at = chosen.data();
    if (auto ec = co_await receive(socket, chosen_at, chosen.size()))
        co_return io_failed(ec, "reading the SOCKS5 method selection");
    if (chosen[0] != 0x05)
        co_return refused("not a SOCKS5 proxy (version byte " + hex_byte(chosen[0]) + " in its answer)");
    if (chosen[1] == 0xff) {
        if (with_auth) co_return refused("the proxy accepts none of our authentication methods (none, user/password)");
        co_return refused(
            "the proxy accepts none of our authentication methods (it probably needs a user name and password)");
    }
    if (chosen[1] == 0x02 && with_auth) {
        // RFC 1929 sub-negotiation.
        std::string auth;
        auth.push_back('\x01');
        auth.push_back(static_cast<char>(proxy.username.size()));
        auth += proxy.username;
        auth.push_back(static_cast<char>(proxy.password.size()));
        auth += proxy.password;
        if (auto ec = co_await send(socket, auth)) co_return io_failed(ec, "sending the SOCKS5 user and password");
        std::array<unsigned char, 2> status{};
        if (auto ec = co_await receive(socket, status.data(), status.size()))
            co_return io_failed(ec, "reading the SOCKS5 authentication status");
        // RFC 1929 says version 1; some proxies answer with 5 (SOCKS's own).
        if (status[0] != 0x01 && status[0] != 0x05)
            co_return refused("bad version byte " + hex_byte(status[0]) + " in the SOCKS5 authentication status");
        if (status[1] != 0x00)
            co_return refused("the proxy refused the user name and password (status " + std::to_string(status[1]) +
                              ")");
    } else if (chosen[1] != 0x00) {
        co_return refused("the proxy chose an authentication method we did not offer (" + hex_byte(chosen[1]) + ")");
    }

    if (auto ec = co_await send(socket, request)) co_return io_failed(ec, "sending the SOCKS5 CONNECT request");
    // VER REP RSV ATYP, then the bound address and port, read exactly.
    std::array<unsigned char, 4> head{};
    if (auto ec = co_await receive(socket, head.data(), head.size()))
        co_return io_failed(ec, "reading the SOCKS5 CONNECT reply");
    if (head[0] != 0x05) co_return refused("bad version byte " + hex_byte(head[0]) + " in the SOCKS5 CONNECT reply");
    if (head[1] != 0x00)
        co_return refused("the proxy could not connect: " + socks5_reply_text(head[1]) + " (SOCKS5 reply " +
                          std::to_string(head[1]) + ")");
    std::size_t rest = 0;
    switch (head[3]) {
        case 0x01: rest = 4; break;
        case 0x04: rest = 16; break;
        case 0x03: {
            std::array<unsigned char, 1> len{};
            if (auto ec = co_await receive(socket, len.data(), len.size()))
                co_return io_failed(ec, "reading the SOCKS5 CONNECT reply");
            rest = len[0];
            break;
        }
        default:
            co_return refused("unknown address type " + hex_byte(head[3]) + " in the SOCKS5 CONNECT reply");
    }
    std::array<unsigned char, 255 + 2> bound{};
    unsigned char* const bound_at = bound.data();
    const std::size_t bound_size = rest + 2;  // the address and the port
    if (auto ec = co_await receive(socket, bound_at, bound_size))
        co_return io_failed(ec, "reading the SOCKS5 CONNECT reply");
    co_return tunnel_result{};
}

// ---- HTTP CONNECT -------------------------------------------------------

bool is_http_error(const error_code& ec) {
    return ec.category() == make_error_code(http::error::end_of_stream).category();
}

asio::awaitable<tunnel_result> http_tunnel(tcp::socket& socket, const proxy_settings& proxy,
                                           const std::string& target, std::uint16_t port) {
    const std::string host = bare_host(target);
    if (host.empty()) co_return invalid("no host to connect to");
    // Nothing that would end the request line or a header early.
    for (unsigned char c : host)
        if (c <= 0x20 || c == 0x7f || c == '/' || c == '@')
            co_return invalid("the host name cannot go into an HTTP CONNECT request");
    std::string authority = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    authority += ":" + std::to_string(port);

    http::request<http::empty_body> req;
    req.method(http::verb::connect);
    req.target(authority);
    req.version(11);
    req.set(http::field::host, authority);
    req.set(http::field::user_agent, "imapclient");
    if (!proxy.username.empty())
        req.set(http::field::proxy_authorization,
                "Basic " + text::base64_encode(proxy.username + ":" + proxy.password));
    auto [wec, written] = co_await http::async_write(socket, req, tuple_awaitable);
    if (wec) co_return io_failed(wec, "sending the CONNECT request");

    beast::flat_buffer buffer(http_buffer_limit);
    for (int interim = 0;; ++interim) {
        http::response_parser<http::empty_body> parser;
        parser.skip(true);  // a 2xx answer to CONNECT has no body: the tunnel starts right after the header
        parser.header_limit(http_header_limit);
        auto [rec, n] = co_await http::async_read_header(socket, buffer, parser, tuple_awaitable);
        if (rec == http::error::end_of_stream)
            co_return io_failed(make_error_code(asio::error::eof), "before answering the CONNECT request");
        if (rec == http::error::partial_message)
            co_return io_failed(make_error_code(asio::error::eof), "in the middle of its answer to CONNECT");
        if (rec && is_http_error(rec)) co_return refused("the proxy's answer to CONNECT is not HTTP: " + rec.message());
        if (rec) co_return io_failed(rec, "reading the answer to CONNECT");
        const auto& res = parser.get();
        const unsigned status = res.result_int();
        // 1xx: an interim answer (101 would switch protocols: refused).
        if (status / 100 == 1 && status != 101 && interim < max_interim_answers) continue;
        if (status / 100 != 2) {
            const auto phrase = res.reason();
            std::string reason(phrase.data(), phrase.size());
            if (reason.empty()) {
                const auto standard = http::obsolete_reason(http::int_to_status(status));
                reason.assign(standard.data(), standard.size());
            }
            if (reason.size() > 200) reason.resize(200);
            co_return refused("the proxy answered " + std::to_string(status) + " " + reason);
        }
        tunnel_result r;
        const auto data = buffer.data();
        r.early.assign(static_cast<const char*>(data.data()), data.size());
        co_return r;
    }
}

}  // namespace

std::uint16_t proxy_port(const proxy_settings& proxy) {
    if (proxy.port) return proxy.port;
    return proxy.type == proxy_settings::kind::http_connect ? 8080 : 1080;
}

asio::awaitable<tunnel_result> open_tunnel(tcp::socket& socket, const proxy_settings& proxy, const std::string& host,
                                           std::uint16_t port) {
    switch (proxy.type) {
        case proxy_settings::kind::socks5: {
            auto r = co_await socks5_tunnel(socket, proxy, host, port);
            co_return r;
        }
        case proxy_settings::kind::http_connect: {
            auto r = co_await http_tunnel(socket, proxy, host, port);
            co_return r;
        }
        case proxy_settings::kind::none: break;
    }
    co_return invalid("no proxy to open a tunnel through");
}

}  // namespace imapclient::net
