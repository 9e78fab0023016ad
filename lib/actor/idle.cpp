// IDLE with Python IMAPClient's interface: idle(), idle_check(timeout), idle_done().
// What the server says while idling is what nobody asked for, so it flows
// through the engine's event queue; these operations wait on it.
#include "actor/run.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace imapclient {

namespace asio = boost::asio;
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

namespace {
// Through a lease, IDLE and the NOOPs of polling are bound to its
// selection: once it ended they fail (mailbox_changed), unwritten.
engine::command_request in_lease(engine::command_request req, const std::optional<ops::lease_selection>& in) {
    if (!in) return req;
    req.needs.level = engine::session_level::selected;
    req.needs.selection = in->id;
    req.needs.what = req.name;
    return req;
}
}  // namespace

asio::awaitable<op_result<command_result>> client::impl::do_idle(std::optional<ops::lease_selection> in) {
    if (in && in->id == 0) co_return refuse<command_result>(errc::illegal_state, "the folder lease was released");
    if (auto ec = check_state()) co_return refuse<command_result>(ec, "not connected");
    if (idle_) co_return refuse<command_result>(errc::illegal_state, "already idling");
    if (!engine_.has_capability("IDLE")) co_return refuse<command_result>(errc::capability_missing, "no IDLE capability");
    auto session = std::make_shared<idle_session>(strand_);
    idle_ = session;
    auto req = in_lease(operations::commands::idle(), in);
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
    // On a dead connection "not idling" would send the caller looking for a
    // bug in its own code: say that the connection is gone.
    if (!idle_) {
        if (auto ec = check_state()) co_return refuse<idle_result>(ec, "not connected");
        co_return refuse<idle_result>(errc::illegal_state, "not idling");
    }
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
    // Like Python IMAPClient (imaplib raises abort at EOF), a lost connection is an
    // error, not just one more event: the events that came before it,
    // connection_closed included, are still in the result.
    if (!ec && engine_.closed()) {
        ec = engine_.close_reason();
        r.status = engine::text_status(engine_.close_detail());
    }
    co_return op_result<idle_result>{ec, std::move(r)};
}

asio::awaitable<op_result<idle_result>> client::impl::do_idle_done() {
    auto session = idle_;
    if (!session) {
        if (auto ec = check_state()) co_return refuse<idle_result>(ec, "not connected");
        co_return refuse<idle_result>(errc::illegal_state, "not idling");
    }
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

asio::awaitable<void> client::impl::wait_quiet() {
    while (engine_.pending() > 0 && !engine_.closed()) {
        quiet_signal_.expires_at(asio::steady_timer::time_point::max());
        co_await quiet_signal_.async_wait(tuple_awaitable);
    }
}

asio::awaitable<op_result<command_result>> client::impl::do_listen(listen_options lo,
                                                                    std::optional<ops::lease_selection> in) {
    if (in && in->id == 0) co_return refuse<command_result>(errc::illegal_state, "the folder lease was released");
    if (auto ec = check_state()) co_return refuse<command_result>(ec, "not connected");
    if (listening_ || idle_) co_return refuse<command_result>(errc::illegal_state, "already listening or idling");
    // Clean-up after a cancellation still has to wait for the server.
    co_await asio::this_coro::throw_if_cancelled(false);
    listening_ = true;
    struct reset_flag {
        bool& flag;
        ~reset_flag() { flag = false; }
    } guard{listening_};
    auto cancelled = [&]() -> asio::awaitable<bool> {
        co_return (co_await asio::this_coro::cancellation_state).cancelled() != asio::cancellation_type::none;
    };
    auto aborted = [] {
        return op_result<command_result>{asio::error::operation_aborted, command_result{}};
    };
    asio::steady_timer poll(strand_);
    for (;;) {
        if (engine_.closed()) co_return refuse<command_result>(engine_.close_reason(), engine_.close_detail());
        if (!engine_.has_capability("IDLE")) {
            poll.expires_after(lo.poll_interval);
            co_await poll.async_wait(tuple_awaitable);
            if (co_await cancelled()) co_return aborted();
            auto noop = in_lease(operations::commands::noop(), in);
            auto c = co_await async_run(std::move(noop), tuple_awaitable);
            auto& done = std::get<0>(c);
            // Through a lease, any failure ends listening (mailbox_changed:
            // the lease's folder is not selected any more).
            if (done.ec && (is_abort(done.ec) || in)) co_return detail::with_status<command_result>(done);
            continue;
        }
        // Commands of other coroutines go first; IDLE would only delay them.
        co_await wait_quiet();
        if (co_await cancelled()) co_return aborted();
        auto [ec, started] = co_await do_idle(in);
        if (ec) {
            if (co_await cancelled()) co_return aborted();
            co_return op_result<command_result>{ec, std::move(started)};
        }
        auto session = idle_;
        if (!session) {
            // IDLE ended with its tagged OK before any "+" (a broken or
            // hostile server; found by fuzz_client): no session to wait
            // on. Wait as NOOP polling does before trying again.
            poll.expires_after(lo.poll_interval);
            co_await poll.async_wait(tuple_awaitable);
            if (co_await cancelled()) co_return aborted();
            continue;
        }
        // Wakes on: the renewal deadline, IDLE ended by another command or
        // by the connection's end (signal cancelled), or our cancellation.
        session->signal.expires_after(lo.renew_interval);
        co_await session->signal.async_wait(tuple_awaitable);
        const bool stop = co_await cancelled();
        if (stop) co_await asio::this_coro::reset_cancellation_state();
        if (!session->done) {
            engine_.end_idle(session->id);
            pump();
            const auto deadline = asio::steady_timer::clock_type::now() + lo.grace;
            while (!session->done && asio::steady_timer::clock_type::now() < deadline) {
                session->signal.expires_at(deadline);
                co_await session->signal.async_wait(tuple_awaitable);
            }
            if (!session->done) {
                if (idle_ == session) idle_.reset();
                close(make_error_code(errc::timeout), "the server did not answer DONE in time");
                co_return refuse<command_result>(errc::timeout, "the server did not answer DONE in time");
            }
        }
        if (idle_ == session) idle_.reset();
        if (session->done->ec) co_return detail::with_status<command_result>(*session->done);
        if (stop) co_return aborted();
    }
}

namespace detail {

asio::awaitable<op_result<command_result>> perform(impl_ptr self, ops::idle) { return self->do_idle(); }
asio::awaitable<op_result<idle_result>> perform(impl_ptr self, ops::idle_check op) {
    return self->do_idle_check(op.timeout);
}
asio::awaitable<op_result<idle_result>> perform(impl_ptr self, ops::idle_done) { return self->do_idle_done(); }
asio::awaitable<op_result<command_result>> perform(impl_ptr self, ops::listen op) {
    return self->do_listen(op.options);
}

// Through a lease: IDLE in the lease's folder. idle_check() and
// idle_done() send nothing of the mailbox's, so they are the client's.
asio::awaitable<op_result<command_result>> perform(impl_ptr self, ops::leased<ops::idle> op) {
    return self->do_idle(std::move(op.in));
}
asio::awaitable<op_result<idle_result>> perform(impl_ptr self, ops::leased<ops::idle_check> op) {
    return perform(std::move(self), std::move(op.op));
}
asio::awaitable<op_result<idle_result>> perform(impl_ptr self, ops::leased<ops::idle_done> op) {
    return perform(std::move(self), std::move(op.op));
}
asio::awaitable<op_result<command_result>> perform(impl_ptr self, ops::leased<ops::listen> op) {
    return self->do_listen(op.op.options, std::move(op.in));
}

}  // namespace detail

}  // namespace imapclient
