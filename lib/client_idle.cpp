// IDLE with the seed's interface: idle(), idle_check(timeout), idle_done().
// What the server says while idling is what nobody asked for, so it flows
// through the engine's event queue; these operations wait on it.
#include "client_launch.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace imapclient {

namespace asio = boost::asio;
using detail::launch;
using detail::refuse;

namespace {
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
}

std::vector<event> client::impl::drain_events() {
    std::vector<event> out;
    while (auto e = engine_.pop_event()) {
        if (std::holds_alternative<connection_closed>(*e)) closed_event_delivered_ = true;
        out.push_back(std::move(*e));
    }
    return out;
}

asio::awaitable<op_result<command_result>> client::impl::do_idle() {
    if (auto ec = check_state(false)) co_return refuse<command_result>(ec, "not connected");
    if (idle_) co_return refuse<command_result>(errc::illegal_state, "already idling");
    if (!engine_.has_capability("IDLE")) co_return refuse<command_result>(errc::capability_missing, "no IDLE capability");
    auto session = std::make_shared<idle_session>(strand_);
    idle_ = session;
    auto req = engine::commands::idle();
    req.on_continuation = [session](std::string_view) -> std::optional<std::string> {
        session->started = true;
        session->signal.cancel();
        return std::nullopt;
    };
    session->id = submit(std::move(req), [session](engine::completion c) {
        session->done = std::move(c);
        session->signal.cancel();
    });
    while (!session->started && !session->done) {
        session->signal.expires_at(asio::steady_timer::time_point::max());
        auto [ec] = co_await session->signal.async_wait(tuple_awaitable);
        if (ec && ec != asio::error::operation_aborted) break;
        // A cancellation of this operation: IDLE is withdrawn or ended.
        if ((co_await asio::this_coro::cancellation_state).cancelled() != asio::cancellation_type::none) {
            engine_.end_idle(session->id);
            engine_.cancel(session->id);
            pump();
            if (idle_ == session) idle_.reset();
            co_return refuse<command_result>(errc::illegal_state, "idle() cancelled");
        }
    }
    if (!session->started) {
        if (idle_ == session) idle_.reset();
        co_return detail::with_status<command_result>(*session->done);
    }
    command_result r;
    r.status.text = "idling";
    co_return op_result<command_result>{{}, std::move(r)};
}

asio::awaitable<op_result<idle_result>> client::impl::do_idle_check(std::chrono::milliseconds timeout) {
    if (!idle_) co_return refuse<idle_result>(errc::illegal_state, "not idling");
    const auto deadline = asio::steady_timer::clock_type::now() + timeout;
    error_code ec;
    while (!engine_.has_events() && !engine_.closed() && asio::steady_timer::clock_type::now() < deadline) {
        event_signal_.expires_at(deadline);
        co_await event_signal_.async_wait(tuple_awaitable);
        if ((co_await asio::this_coro::cancellation_state).cancelled() != asio::cancellation_type::none) {
            ec = asio::error::operation_aborted;
            break;
        }
    }
    idle_result r;
    if (!ec) r.events = drain_events();
    co_return op_result<idle_result>{ec, std::move(r)};
}

asio::awaitable<op_result<idle_result>> client::impl::do_idle_done() {
    auto session = idle_;
    if (!session) co_return refuse<idle_result>(errc::illegal_state, "not idling");
    engine_.end_idle(session->id);
    pump();
    // Bounded by the read timeout: DONE makes the engine wait for the server.
    while (!session->done) {
        session->signal.expires_at(asio::steady_timer::time_point::max());
        co_await session->signal.async_wait(tuple_awaitable);
        if (session->done) break;
        if ((co_await asio::this_coro::cancellation_state).cancelled() != asio::cancellation_type::none)
            co_return refuse<idle_result>(errc::illegal_state, "idle_done() cancelled; IDLE is still ending");
    }
    if (idle_ == session) idle_.reset();
    idle_result r;
    r.events = drain_events();
    r.status = session->done->status;
    co_return op_result<idle_result>{session->done->ec, std::move(r)};
}

void client::start_idle(result_handler<command_result> h) {
    launch(impl_, std::move(h), [self = impl_] { return self->do_idle(); });
}
void client::start_idle_check(std::chrono::milliseconds timeout, result_handler<idle_result> h) {
    launch(impl_, std::move(h), [self = impl_, timeout] { return self->do_idle_check(timeout); });
}
void client::start_idle_done(result_handler<idle_result> h) {
    launch(impl_, std::move(h), [self = impl_] { return self->do_idle_done(); });
}

}  // namespace imapclient
