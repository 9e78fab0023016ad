// Session methods beyond connect/login: STARTTLS on a running connection,
// SASL authentication, ENABLE and ID.
#include "client_launch.hpp"
#include "engine/commands_session.hpp"

#include <boost/asio/use_awaitable.hpp>

namespace imapclient {

namespace asio = boost::asio;
using detail::refuse;
using detail::with_status;

namespace {

using impl = client::impl;

asio::awaitable<op_result<command_result>> do_starttls(std::shared_ptr<impl> self,
                                                       std::shared_ptr<asio::ssl::context> ctx) {
    if (self->check_state(false)) co_return refuse<command_result>(errc::not_connected, "not connected");
    if (self->transport_.is_tls()) co_return refuse<command_result>(errc::illegal_state, "TLS is already on");
    if (!self->opts_.stream_command.empty())
        co_return refuse<command_result>(errc::illegal_state, "STARTTLS is not available in stream mode");
    if (!self->engine_.has_capability("STARTTLS"))
        co_return refuse<command_result>(errc::capability_missing, "the server does not offer STARTTLS");
    if (self->engine_.state() != engine::session_state::not_authenticated)
        co_return refuse<command_result>(errc::illegal_state, "STARTTLS is only allowed before login");
    // The reader does the handshake once the OK has come (upgrade_to_tls).
    // No context given: the one of the client's options, else the default.
    self->tls_context_ = ctx ? std::move(ctx) : self->opts_.ssl_context;
    auto c = co_await self->async_run(engine::commands::starttls(), asio::use_awaitable);
    if (c.ec) {
        if (c.ec == make_error_code(errc::no) || c.ec == make_error_code(errc::bad))
            c.ec = make_error_code(errc::tls_required);
        co_return with_status<command_result>(c);
    }
    // Capabilities are asked again over TLS (RFC 9051 6.2.1); this also
    // waits for the handshake, which holds every write back until done.
    auto caps = co_await self->async_run(engine::commands::capability(), asio::use_awaitable);
    if (caps.ec) co_return with_status<command_result>(caps);
    if (!self->transport_.is_tls())
        co_return refuse<command_result>(errc::tls_required, "the connection is not encrypted after STARTTLS");
    co_return with_status(c, command_result{{}, std::move(caps.responses)});
}

asio::awaitable<op_result<command_result>> do_sasl_login(std::shared_ptr<impl> self, sasl_mechanism mech) {
    if (self->check_state(false)) co_return refuse<command_result>(errc::not_connected, "not connected");
    if (!self->transport_.is_tls() && !self->opts_.allow_plaintext_login)
        co_return refuse<command_result>(errc::plaintext_login_refused,
                                         "no TLS; set allow_plaintext_login to send credentials in clear text");
    if (!self->engine_.has_capability("AUTH=" + mech.name))
        co_return refuse<command_result>(errc::capability_missing,
                                         "the server does not offer AUTH=" + mech.name);
    const bool sasl_ir = self->engine_.has_capability("SASL-IR");
    const auto cancel_reason = mech.cancel_reason;
    auto request = engine::commands::authenticate(std::move(mech), sasl_ir);
    auto c = co_await self->async_run(std::move(request), asio::use_awaitable);
    if (cancel_reason && !cancel_reason->empty()) {
        // The mechanism cancelled ("*"): the login failed, for its reason,
        // whatever the server answered. A server that says OK to a cancelled
        // exchange (SCRAM: one that could not prove it knows the password)
        // keeps no connection.
        const auto ec = make_error_code(errc::sasl_cancelled);
        if (!c.ec) self->close(ec, *cancel_reason);
        c.ec = ec;
        c.status.text = *cancel_reason;
        co_return with_status<command_result>(c);
    }
    co_return co_await self->finish_authentication(std::move(c));
}

asio::awaitable<op_result<enable_result>> do_enable(std::shared_ptr<impl> self, std::vector<std::string> caps) {
    if (auto r = detail::refuse_unless_offered<enable_result>(*self, "ENABLE")) co_return std::move(*r);
    auto c = co_await self->async_run(engine::commands::enable(std::move(caps)), asio::use_awaitable);
    enable_result r;
    for (auto& resp : c.responses)
        if (auto* e = std::get_if<enabled_data>(&resp))
            r.enabled.insert(r.enabled.end(), e->capabilities.begin(), e->capabilities.end());
    co_return with_status(c, std::move(r));
}

asio::awaitable<op_result<id_result>> do_id(std::shared_ptr<impl> self,
                                            std::vector<std::pair<std::string, std::string>> params) {
    if (auto r = detail::refuse_unless_offered<id_result>(*self, "ID")) co_return std::move(*r);
    auto c = co_await self->async_run(engine::commands::id(std::move(params)), asio::use_awaitable);
    id_result r;
    for (auto& resp : c.responses)
        if (auto* d = std::get_if<id_data>(&resp)) r.fields = d->fields;
    co_return with_status(c, std::move(r));
}

}  // namespace

void client::start_starttls(std::shared_ptr<asio::ssl::context> ctx, result_handler<command_result> h) {
    detail::launch(impl_, std::move(h), [self = impl_, ctx = std::move(ctx)]() mutable {
        return do_starttls(self, std::move(ctx));
    });
}
void client::start_sasl_login(sasl_mechanism mechanism, result_handler<command_result> h) {
    detail::launch(impl_, std::move(h), [self = impl_, m = std::move(mechanism)]() mutable {
        return do_sasl_login(self, std::move(m));
    });
}
void client::start_enable(std::vector<std::string> capabilities, result_handler<enable_result> h) {
    detail::launch(impl_, std::move(h), [self = impl_, c = std::move(capabilities)]() mutable {
        return do_enable(self, std::move(c));
    });
}
void client::start_id(std::vector<std::pair<std::string, std::string>> parameters, result_handler<id_result> h) {
    detail::launch(impl_, std::move(h), [self = impl_, p = std::move(parameters)]() mutable {
        return do_id(self, std::move(p));
    });
}

}  // namespace imapclient
