// How the client's operations start and finish: each is a coroutine on
// the actor's strand whose result reaches the caller's handler on the
// caller's executor, with the caller's cancellation slot wired in.
#pragma once

#include "actor/actor.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>

#include <optional>
#include <string>
#include <string_view>

namespace imapclient::detail {

namespace asio = boost::asio;

template <typename T>
op_result<T> refuse(errc e, std::string text) {
    return operations::refused<T>(e, std::move(text));
}

// Keeps ec's category: a connection's close reason may be a transport
// error (connection refused, a TLS verification failure), which cast to
// errc read "unknown imapclient error".
template <typename T>
op_result<T> refuse(error_code ec, std::string text) {
    return operations::refused<T>(ec, std::move(text));
}

template <typename T>
void complete(result_handler<T>& h, op_result<T> r, bool inline_ok) {
    auto run = [h = std::move(h.handler), r = std::move(r)]() mutable { std::move(h)(r.first, std::move(r.second)); };
    if (inline_ok) asio::dispatch(h.executor, std::move(run));
    else asio::post(h.executor, std::move(run));
}

template <typename T>
void complete_now(result_handler<T> h, errc e, std::string text) {
    complete(h, refuse<T>(e, std::move(text)), false);
}

using operations::with_status;

// Why launch() does not hand the caller's cancellation slot to co_spawn:
// Boost 1.81's co_spawn installs in that slot a handler that dispatches
// `emit` to the strand with a raw pointer into the slot's own storage
// (boost/asio/impl/co_spawn.hpp, co_spawn_cancellation_handler). A caller
// outside the strand (another thread, another strand, `||` on a coroutine
// of its own) may release its slot as soon as the operation completed,
// while that emit is still queued: use after free (chriskohlhoff/asio#1332;
// the SIGSEGV of test_threads.cpp "cancellation from outside the strand").
// Asio's signals and slots are not thread-safe either, so the signal the
// coroutine listens to must only be emitted on the strand. Hence a bridge:
// the caller's slot gets a forwarder that owns a share of the signal and
// re-dispatches each request onto the strand; the coroutine's completion
// marks the bridge done (on the strand), after which forwarded requests are
// dropped.
struct cancel_bridge {
    asio::cancellation_signal signal;  // emitted on the strand only
    bool done = false;                 // strand only
    bool deadline_passed = false;      // strand only: the deadline emitted
};

struct forward_cancellation {
    std::shared_ptr<cancel_bridge> bridge;
    net::executor strand;
    void operator()(asio::cancellation_type_t type) const {
        asio::dispatch(strand, [b = bridge, type] {
            if (!b->done) b->signal.emit(type);
        });
    }
};

/// For operations that keep `h` in the actor's state and touch its slot on
/// the strand (next_event()): the same handler with its cancellation slot
/// re-targeted to a bridge signal that only the strand emits. Call it in
/// the initiating function. (It returns a new handler rather than
/// assigning to h.handler: Boost 1.81's any_completion_handler move
/// assignment recurses without end, any_completion_handler.hpp:583.)
template <typename T>
result_handler<T> bridge_cancellation(result_handler<T> h, const net::executor& strand) {
    auto slot = asio::get_associated_cancellation_slot(h.handler);
    if (!slot.is_connected()) return h;
    auto bridge = std::make_shared<cancel_bridge>();
    slot.template emplace<forward_cancellation>(forward_cancellation{bridge, strand});
    // The handler owns a share: its slot (the bridge's) is assigned and
    // cleared on the strand for as long as the handler waits there.
    auto bridged = asio::bind_cancellation_slot(
        bridge->signal.slot(), [bridge, inner = std::move(h.handler)](error_code ec, T v) mutable {
            std::move(inner)(ec, std::move(v));
        });
    return result_handler<T>{asio::any_completion_handler<void(error_code, T)>(std::move(bridged)),
                             std::move(h.executor)};
}

// client_options::deadline: a timer on the strand that cancels the call
// through its bridge, as the caller's own slot would.
inline std::shared_ptr<asio::steady_timer> start_deadline(const net::executor& strand,
                                                          const std::shared_ptr<cancel_bridge>& bridge,
                                                          std::chrono::milliseconds deadline) {
    auto timer = std::make_shared<asio::steady_timer>(strand, deadline);
    timer->async_wait([b = bridge](error_code ec) {
        if (ec || b->done) return;
        b->deadline_passed = true;
        b->signal.emit(asio::cancellation_type::terminal);
    });
    return timer;
}

// Runs an operation's coroutine on `strand` and completes `h` through its
// own executor, with its cancellation slot wired into the coroutine. The
// coroutine is created here but starts on the strand; `keep` (the object
// the coroutine works on) is kept alive until it has finished. A non-zero
// `deadline` cancels it once passed, and its result says errc::timeout.
template <typename T>
void launch_on(const net::executor& strand, std::shared_ptr<void> keep, result_handler<T> h,
               asio::awaitable<op_result<T>> body, std::chrono::milliseconds deadline = {}) {
    std::shared_ptr<cancel_bridge> bridge;
    // Installed by the initiating call, i.e. in the caller's context, where
    // the caller emits: the only place its slot may be touched.
    if (auto slot = asio::get_associated_cancellation_slot(h.handler); slot.is_connected()) {
        bridge = std::make_shared<cancel_bridge>();
        slot.template emplace<forward_cancellation>(forward_cancellation{bridge, strand});
    }
    std::shared_ptr<asio::steady_timer> timer;
    if (deadline.count() > 0) {
        if (!bridge) bridge = std::make_shared<cancel_bridge>();
        timer = start_deadline(strand, bridge, deadline);
    }
    auto finish = [h = std::move(h), bridge, timer, deadline, keep = std::move(keep)](std::exception_ptr ep,
                                                                                      op_result<T> r) mutable {
        if (timer) timer->cancel();
        if (bridge) bridge->done = true;
        if (bridge && bridge->deadline_passed && r.first == asio::error::operation_aborted)
            r = refuse<T>(errc::timeout, "the call took longer than client_options::deadline (" +
                                             std::to_string(deadline.count()) + " ms)");
        if (ep) {
            // Only argument validation throws inside the operations.
            try {
                std::rethrow_exception(ep);
            } catch (const boost::system::system_error& e) {
                r = {e.code(), T{}};
            } catch (const std::exception& e) {
                r = refuse<T>(errc::invalid_argument, e.what());
            }
        }
        complete(h, std::move(r), true);
    };
    if (bridge) {
        auto slot = bridge->signal.slot();
        asio::co_spawn(strand, std::move(body), asio::bind_cancellation_slot(slot, std::move(finish)));
    } else {
        asio::co_spawn(strand, std::move(body), std::move(finish));
    }
}

/// An operation of a client, on its actor's strand, within `deadline`
/// (none when zero).
template <typename T>
void launch(const std::shared_ptr<client::impl>& self, result_handler<T> h, asio::awaitable<op_result<T>> body,
            std::chrono::milliseconds deadline = {}) {
    if (!self) return complete_now(std::move(h), errc::not_connected, "the client was moved from");
    launch_on(self->strand_, self, std::move(h), std::move(body), deadline);
}

}  // namespace imapclient::detail
