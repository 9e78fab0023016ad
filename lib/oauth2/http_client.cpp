#include "oauth2/http_client.hpp"

#include "net/proxy.hpp"
#include "net/server_name.hpp"
#include "net/url_authority.hpp"
#include "oauth2/form.hpp"

#include <imapclient/error.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/beast/http/write.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <memory>

namespace imapclient::oauth2 {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

using strand_type = asio::strand<asio::any_io_executor>;
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
constexpr std::uint64_t max_body_bytes = 1 << 20;
constexpr std::uint32_t max_header_bytes = 16 * 1024;

[[noreturn]] void invalid_url(std::string_view url, std::string_view why) {
    std::string what = "OAuth2 endpoint \"";
    what += url;
    what += "\": ";
    what += why;
    throw error(make_error_code(errc::invalid_argument), what);
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lowered(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = lower(c);
    return out;
}

bool not_a_bracket(unsigned char c) { return c != '[' && c != ']'; }

// "host:" keeps the scheme's port; any number of digits ("000443").
constexpr net::authority_rules authority_rules{.host_char_ok = not_a_bracket,
                                               .colons_need_brackets = false,
                                               .empty_port_ok = true,
                                               .max_port_digits = std::string_view::npos};

bool is_loopback_host(const std::string& host) {
    if (lowered(host) == "localhost") return true;
    error_code ec;
    const auto address = asio::ip::make_address(host, ec);
    return !ec && address.is_loopback();
}

// One exchange's objects, all on one strand: the coroutine, the deadline's
// handler and the resolver's never run at once. The deadline closes the
// socket (every pending step on it fails) and ends a resolution's wait (a
// getaddrinfo() in progress cannot be interrupted: its result is dropped).
struct exchange {
    explicit exchange(const strand_type& s) : resolver(s), socket(s), deadline(s), wake(s) {}

    tcp::resolver resolver;
    tcp::socket socket;
    asio::steady_timer deadline;
    asio::steady_timer wake;  // a resolution's wait, cancelled to end it
    bool timed_out = false;
    bool finished = false;
    bool resolve_done = false;
    error_code resolve_ec;
    tcp::resolver::results_type resolved;
    std::string url;
    std::chrono::milliseconds timeout{0};
};

[[noreturn]] void throw_timeout(const exchange& x) {
    throw error(make_error_code(errc::timeout),
                "the OAuth2 endpoint did not answer within " + std::to_string(x.timeout.count()) + " ms");
}

// Throws for a failed step (errc::timeout when the deadline caused it).
void check(const exchange& x, const error_code& ec, std::string_view step) {
    if (x.timed_out) throw_timeout(x);
    if (!ec) return;
    std::string what = x.url;
    what += ": ";
    what += step;
    what += ": ";
    what += ec.message();
    throw error(ec, what);
}

// Ends the exchange however the coroutine ends: the deadline must not keep
// the exchange (and the caller's io_context) alive once it is over.
struct finish_guard {
    std::shared_ptr<exchange> x;
    ~finish_guard() {
        x->finished = true;
        x->deadline.cancel();
        x->wake.cancel();
        error_code ignored;
        x->socket.close(ignored);
    }
};

void start_deadline(const std::shared_ptr<exchange>& x) {
    x->deadline.expires_after(x->timeout);
    x->deadline.async_wait([x](error_code ec) {
        if (ec || x->finished) return;
        x->timed_out = true;
        x->wake.cancel();
        x->resolver.cancel();
        error_code ignored;
        x->socket.close(ignored);
    });
}

asio::awaitable<void> connect_to(std::shared_ptr<exchange> x, std::string host, std::uint16_t port,
                                 std::string what) {
    x->resolve_done = false;
    x->resolver.async_resolve(host, std::to_string(port), [x](error_code ec, tcp::resolver::results_type r) {
        x->resolve_ec = ec;
        x->resolved = std::move(r);
        x->resolve_done = true;
        x->wake.cancel();
    });
    while (!x->resolve_done && !x->timed_out) {
        x->wake.expires_at(asio::steady_timer::time_point::max());
        co_await x->wake.async_wait(tuple_awaitable);
    }
    check(*x, x->resolve_ec, "resolve " + what + host);
    const tcp::resolver::results_type endpoints = std::move(x->resolved);
    // Closing the socket only fails one address: the deadline must also
    // stop the next attempts.
    auto go_on = [x](const error_code&, const tcp::endpoint&) { return !x->timed_out; };
    auto [ec, endpoint] = co_await asio::async_connect(x->socket, endpoints, go_on, tuple_awaitable);
    check(*x, ec, "connect to " + what + host + ":" + std::to_string(port));
    error_code ignored;
    x->socket.set_option(tcp::no_delay(true), ignored);
}

// A failed handshake, with the verification's reason when that is why.
void check_handshake(const exchange& x, const error_code& ec, SSL* ssl) {
    if (!ec || x.timed_out || ec.category() != asio::error::get_ssl_category() ||
        ERR_GET_REASON(static_cast<unsigned long>(ec.value())) != SSL_R_CERTIFICATE_VERIFY_FAILED) {
        check(x, ec, "TLS handshake");
        return;
    }
    const long why = SSL_get_verify_result(ssl);
    std::string step = "TLS handshake";
    if (why != X509_V_OK) {
        step += " (";
        step += X509_verify_cert_error_string(why);
        step += ")";
    }
    check(x, ec, step);
}

template <typename Stream>
asio::awaitable<http_answer> talk(std::shared_ptr<exchange> x, Stream& stream,
                                  http::request<http::string_body>& request) {
    auto [wec, written] = co_await http::async_write(stream, request, tuple_awaitable);
    check(*x, wec, "send the request");
    boost::beast::flat_buffer buffer;
    // Informational answers (103 Early Hints) come before the real one.
    for (int informational = 0;; ++informational) {
        http::response_parser<http::string_body> parser;
        parser.body_limit(max_body_bytes);
        parser.header_limit(max_header_bytes);
        auto [rec, got] = co_await http::async_read(stream, buffer, parser, tuple_awaitable);
        // A server that closes a TLS connection without close_notify after
        // a body that ends with the connection: the body is complete.
        if (rec == asio::ssl::error::stream_truncated && parser.is_header_done() && parser.need_eof()) {
            error_code eof_ec;
            parser.put_eof(eof_ec);
            if (!eof_ec && parser.is_done()) rec = {};
        }
        if (!x->timed_out && (rec == http::error::body_limit || rec == http::error::header_limit))
            throw error(make_error_code(errc::http_failed), x->url + ": the answer is larger than 1 MiB");
        check(*x, rec, "read the answer");
        const unsigned status = parser.get().result_int();
        if (status >= 100 && status < 200 && status != 101 && informational < 8) continue;
        http_answer answer;
        answer.status = status;
        answer.content_type = std::string(parser.get()[http::field::content_type]);
        answer.body = std::move(parser.get().body());
        co_return answer;
    }
}

asio::awaitable<http_answer> run(std::shared_ptr<exchange> x, http_url url, std::string body,
                                 asio::ssl::context& ctx, proxy_settings proxy) {
    start_deadline(x);
    const finish_guard guard{x};
    if (proxy.type != proxy_settings::kind::none) {
        const std::uint16_t proxy_port = net::proxy_port(proxy);
        const std::string proxy_host = proxy.host;
        const std::string to_proxy = "the proxy ";
        co_await connect_to(x, proxy_host, proxy_port, to_proxy);
        const net::tunnel_result tunnel = co_await net::open_tunnel(x->socket, proxy, url.host, url.port);
        if (x->timed_out) throw_timeout(*x);
        if (tunnel.ec) {
            std::string what = x->url + ": proxy " + proxy.host + ": ";
            what += tunnel.why.empty() ? tunnel.ec.message() : tunnel.why;
            throw error(tunnel.ec, what);
        }
        // Neither TLS nor HTTP lets the server speak first.
        if (!tunnel.early.empty())
            throw error(make_error_code(errc::proxy_failed),
                        x->url + ": proxy " + proxy.host + ": bytes came through the tunnel before the request");
    } else {
        const std::string direct;
        co_await connect_to(x, url.host, url.port, direct);
    }

    http::request<http::string_body> request(http::verb::post, url.target, 11);
    request.set(http::field::host, url.host_header());
    request.set(http::field::user_agent, "imapclient/0.1");
    request.set(http::field::accept, "application/json");
    request.set(http::field::content_type, "application/x-www-form-urlencoded");
    request.set(http::field::connection, "close");
    request.body() = std::move(body);
    request.prepare_payload();

    http_answer answer;
    if (url.tls) {
        asio::ssl::stream<tcp::socket&> tls(x->socket, ctx);
        check(*x, net::set_server_name(tls.native_handle(), ctx, url.host), "set the server name");
        auto [hec] = co_await tls.async_handshake(asio::ssl::stream_base::client, tuple_awaitable);
        check_handshake(*x, hec, tls.native_handle());
        answer = co_await talk(x, tls, request);
    } else {
        answer = co_await talk(x, x->socket, request);
    }
    // No TLS close_notify (Connection: close, and closing must never wait
    // on the server): the guard closes the socket.
    co_return answer;
}

}  // namespace

std::string http_url::host_header() const {
    std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    if (port != (tls ? 443 : 80)) h += ":" + std::to_string(port);
    return h;
}

http_url parse_url(std::string_view url) {
    for (const char c : url)
        if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7F)
            invalid_url(url, "a space, control or non-ASCII character");
    const auto colon_slashes = url.find("://");
    if (colon_slashes == std::string_view::npos) invalid_url(url, "not an https:// URL");
    const std::string scheme = lowered(url.substr(0, colon_slashes));
    http_url u;
    if (scheme == "https") {
        u.tls = true;
        u.port = 443;
    } else if (scheme == "http") {
        u.tls = false;
        u.port = 80;
    } else {
        invalid_url(url, "not an https:// URL");
    }
    std::string_view rest = url.substr(colon_slashes + 3);
    const auto authority_end = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, authority_end);
    std::string_view tail = authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
    if (authority.find('@') != std::string_view::npos) invalid_url(url, "user info is not allowed");

    net::authority_error problem;
    const auto parsed = net::parse_authority(authority, authority_rules, problem);
    if (!parsed) {
        switch (problem.problem) {
        case net::authority_problem::unclosed_bracket: invalid_url(url, "an unclosed IPv6 address");
        case net::authority_problem::bad_ipv6: invalid_url(url, "not an IPv6 address in the brackets");
        case net::authority_problem::bad_host_char: invalid_url(url, "a bad host");
        case net::authority_problem::no_host: invalid_url(url, "no host");
        case net::authority_problem::after_bracket:
        case net::authority_problem::unbracketed_ipv6:
        case net::authority_problem::bad_port: invalid_url(url, "a bad port");
        }
        invalid_url(url, "a bad host or port");
    }
    u.host = parsed->ipv6_literal ? parsed->host : lowered(parsed->host);
    if (parsed->port) u.port = *parsed->port;
    if (!u.tls && !is_loopback_host(u.host))
        invalid_url(url, "http:// is allowed only to a loopback address (use https://)");

    const auto fragment = tail.find('#');
    if (fragment != std::string_view::npos) tail = tail.substr(0, fragment);
    if (tail.empty()) u.target = "/";
    else if (tail.front() == '?') u.target = "/" + std::string(tail);
    else u.target = std::string(tail);
    return u;
}

asio::awaitable<http_answer> post_form(asio::any_io_executor executor, std::string url, form_fields fields,
                                       asio::ssl::context& ssl, proxy_settings proxy,
                                       std::chrono::milliseconds timeout) {
    http_url parsed = parse_url(url);
    if (timeout.count() <= 0)
        throw error(make_error_code(errc::invalid_argument), "oauth2_settings::timeout must be positive");
    const strand_type strand = asio::make_strand(executor);
    auto x = std::make_shared<exchange>(strand);
    x->url = std::move(url);
    x->timeout = timeout;
    std::string body = form_encode(fields);
    auto task = run(x, std::move(parsed), std::move(body), ssl, std::move(proxy));
    // On the strand, and deaf to the caller's cancellation (bounded by the
    // deadline instead): Boost 1.81's co_spawn must not get a slot from
    // another executor (see lib/actor/launch.hpp).
    auto token = asio::bind_cancellation_slot(asio::cancellation_slot(), asio::use_awaitable);
    http_answer answer = co_await asio::co_spawn(strand, std::move(task), std::move(token));
    co_return answer;
}

}  // namespace imapclient::oauth2
