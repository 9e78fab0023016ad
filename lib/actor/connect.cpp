// The operations that work on the transport: connect (TCP, implicit TLS,
// STARTTLS at connect time, greeting, capabilities), STARTTLS on a running
// connection, and LOGIN / AUTHENTICATE, which may turn COMPRESS on after.
#include "actor/run.hpp"

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace imapclient {

namespace asio = boost::asio;
namespace commands = operations::commands;
using detail::refuse;
using detail::with_status;

// ---- connect -----------------------------------------------------------

asio::awaitable<op_result<connect_result>> client::impl::do_connect() {
    if (connecting_ || running_) co_return refuse<connect_result>(errc::illegal_state, "already connected");
    // A cancellation must end in fail() below, not in an exception thrown
    // out of some later co_await (Asio's default for cancelled coroutines).
    co_await asio::this_coro::throw_if_cancelled(false);
    connecting_ = true;
    connect_timed_out_ = false;
    connect_timer_.expires_after(opts_.connect_timeout);
    connect_timer_.async_wait([w = weak_from_this()](error_code ec) {
        auto self = w.lock();
        if (ec || !self || self->running_ || !self->connecting_) return;
        self->connect_timed_out_ = true;
        self->transport_.close();
    });
    auto fail = [&](error_code ec, std::string text) {
        connecting_ = false;
        connect_timer_.cancel();
        if (connect_timed_out_) ec = make_error_code(errc::timeout), text = "connect timed out";
        log(1, "connect failed: " + ec.message() + " " + text);
        close(ec, text);  // fails the engine and tells event waiters
        op_result<connect_result> r{ec, {}};
        r.second.status.text = std::move(text);
        return r;
    };

    auto cancelled = [&]() -> asio::awaitable<bool> {
        co_return (co_await asio::this_coro::cancellation_state).cancelled() != asio::cancellation_type::none;
    };
    const auto aborted = make_error_code(asio::error::operation_aborted);

    const bool implicit_tls = opts_.security == security::tls && opts_.stream_command.empty();
    const bool want_tls = opts_.security != security::plain && opts_.stream_command.empty();
    std::shared_ptr<asio::ssl::context> ctx = opts_.ssl_context;
    if (want_tls && !ctx) ctx = create_default_context();

    if (!opts_.stream_command.empty()) {
        if (auto ec = transport_.spawn(opts_.stream_command)) co_return fail(ec, "cannot start the stream command");
    } else if (opts_.stream) {
        auto stream = opts_.stream();
        if (!stream) co_return fail(make_error_code(errc::invalid_argument), "client_options::stream made no stream");
        transport_.adopt(std::move(stream));
        if (implicit_tls)
            if (auto ec = co_await transport_.handshake_tls(*ctx, opts_.host))
                co_return fail(ec, "TLS handshake failed");
    } else {
        const std::uint16_t port = opts_.port ? opts_.port : (implicit_tls ? 993 : 143);
        if (opts_.proxy.type == proxy_settings::kind::none) {
            log(1, "connecting to " + opts_.host + ":" + std::to_string(port));
            if (auto ec = co_await transport_.connect_tcp(opts_.host, port)) co_return fail(ec, "TCP connect failed");
        } else {
            // client_options::proxy; the connect timer covers its handshake.
            const auto& proxy = opts_.proxy;
            std::string via = proxy.type == proxy_settings::kind::socks5 ? "SOCKS5" : "HTTP";
            std::string proxy_host = proxy.host.find(':') != std::string::npos ? "[" + proxy.host + "]" : proxy.host;
            log(1, "connecting to " + opts_.host + ":" + std::to_string(port) + " through " + via + " proxy " +
                       proxy_host + ":" + std::to_string(net::proxy_port(proxy)));
            auto tunnel = co_await transport_.connect_tcp_via(proxy, opts_.host, port);
            if (tunnel.ec) co_return fail(tunnel.ec, "proxy: " + tunnel.why);
        }
        if (co_await cancelled()) co_return fail(aborted, "connect cancelled");
        if (implicit_tls) {
            if (auto ec = co_await transport_.handshake_tls(*ctx, opts_.host)) {
                // A proxy that passed bytes on before the TLS handshake.
                if (ec == errc::proxy_failed) co_return fail(ec, "proxy: bytes before the TLS handshake");
                co_return fail(ec, "TLS handshake failed");
            }
        }
    }

    if (co_await cancelled()) co_return fail(aborted, "connect cancelled");
    auto greeting = co_await drive(std::nullopt);
    if (greeting.ec) co_return fail(greeting.ec, greeting.status.text);
    if (co_await cancelled()) co_return fail(aborted, "connect cancelled");
    const bool preauth = engine_.state() == engine::session_state::authenticated;

    if (opts_.security == security::starttls && opts_.stream_command.empty()) {
        // A PREAUTH greeting means the session is already authenticated in
        // clear text: STARTTLS is no longer possible (RFC 9051 7.1.4).
        if (preauth) co_return fail(make_error_code(errc::tls_required), "PREAUTH greeting; STARTTLS impossible");
        if (engine_.capabilities().empty()) {
            auto caps = co_await drive(commands::capability());
            if (caps.ec) co_return fail(caps.ec, caps.status.text);
        }
        if (!engine_.has_capability("STARTTLS"))
            co_return fail(make_error_code(errc::tls_required), "the server does not offer STARTTLS");
        auto st = co_await drive(commands::starttls());
        if (st.ec) co_return fail(make_error_code(errc::tls_required), "STARTTLS refused: " + st.status.text);
        // Whatever came after the tagged OK was sent in clear text and could
        // have been injected: it is dropped, and capabilities are re-read.
        engine_.discard_buffered();
        if (auto ec = co_await transport_.handshake_tls(*ctx, opts_.host)) co_return fail(ec, "TLS handshake failed");
        engine_.tls_established();
    }
    if (co_await cancelled()) co_return fail(aborted, "connect cancelled");
    if (engine_.capabilities().empty()) {
        auto caps = co_await drive(commands::capability());
        if (caps.ec) co_return fail(caps.ec, caps.status.text);
    }
    // client_options::id: who we are, before anything else is asked (some
    // providers refuse later commands without it). Its NO changes nothing.
    std::optional<id_result> server_id;
    if (!opts_.id.empty() && engine_.has_capability("ID")) {
        auto id = co_await drive(commands::id(opts_.id));
        if (is_abort(id.ec)) co_return fail(id.ec, id.status.text);
        server_id = commands::to_id_result(id);
    }
    connect_timer_.cancel();
    connecting_ = false;
    connect_timed_out_ = false;
    start_loops();
    log(1, "connected");

    connect_result r;
    r.greeting = engine_.greeting().value_or(status_response{});
    r.capabilities.assign(engine_.capabilities().begin(), engine_.capabilities().end());
    r.preauthenticated = preauth;
    r.tls = transport_.is_tls();
    r.server_id = std::move(server_id);
    r.status = r.greeting;
    co_return op_result<connect_result>{{}, std::move(r)};
}

// ---- STARTTLS on a running connection ------------------------------------

asio::awaitable<op_result<command_result>> client::impl::do_starttls(std::shared_ptr<asio::ssl::context> ctx) {
    if (check_state()) co_return refuse<command_result>(errc::not_connected, "not connected");
    if (transport_.is_tls()) co_return refuse<command_result>(errc::illegal_state, "TLS is already on");
    if (!opts_.stream_command.empty())
        co_return refuse<command_result>(errc::illegal_state, "STARTTLS is not available in stream mode");
    if (!engine_.has_capability("STARTTLS"))
        co_return refuse<command_result>(errc::capability_missing, "the server does not offer STARTTLS");
    if (engine_.state() != engine::session_state::not_authenticated)
        co_return refuse<command_result>(errc::illegal_state, "STARTTLS is only allowed before login");
    // The reader does the handshake once the OK has come (upgrade_to_tls).
    // No context given: the one of the client's options, else the default.
    tls_context_ = ctx ? std::move(ctx) : opts_.ssl_context;
    auto c = co_await async_run(operations::commands::starttls(), asio::use_awaitable);
    if (c.ec) {
        if (c.ec == make_error_code(errc::no) || c.ec == make_error_code(errc::bad))
            c.ec = make_error_code(errc::tls_required);
        co_return with_status<command_result>(c);
    }
    // Capabilities are asked again over TLS (RFC 9051 6.2.1); this also
    // waits for the handshake, which holds every write back until done.
    auto caps = co_await async_run(operations::commands::capability(), asio::use_awaitable);
    if (caps.ec) co_return with_status<command_result>(caps);
    if (!transport_.is_tls())
        co_return refuse<command_result>(errc::tls_required, "the connection is not encrypted after STARTTLS");
    co_return with_status(c, command_result{{}, std::move(caps.responses)});
}

// ---- LOGIN / AUTHENTICATE -----------------------------------------------

asio::awaitable<op_result<command_result>> client::impl::authenticate(
    std::unique_ptr<operations::operation<command_result>> op) {
    if (check_state()) co_return refuse<command_result>(errc::not_connected, "not connected");
    co_await drive(*op);
    if (!op->result.first && opts_.compress && engine_.has_capability("COMPRESS=DEFLATE") && !compress_requested_) {
        // client_options::compress. NO/BAD leaves the session uncompressed;
        // only a dead connection fails the login's result.
        auto z = co_await do_compress();
        if (is_abort(z.first)) co_return z;
    }
    co_return std::move(op->result);
}

namespace detail {

asio::awaitable<op_result<connect_result>> perform(impl_ptr self, ops::connect) {
    return self->do_connect();
}

asio::awaitable<op_result<command_result>> perform(impl_ptr self, ops::starttls op) {
    return self->do_starttls(std::move(op.ssl_context));
}

asio::awaitable<op_result<command_result>> perform(impl_ptr self, ops::login op) {
    return self->authenticate(operations::make_algorithm(std::move(op)));
}

asio::awaitable<op_result<command_result>> perform(impl_ptr self, ops::authenticate op) {
    return self->authenticate(operations::make_algorithm(std::move(op)));
}

}  // namespace detail

}  // namespace imapclient
