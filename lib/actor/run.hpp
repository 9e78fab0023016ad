// How every operation of imapclient::ops reaches the connection:
// client::run() -> client::start<Op>() -> perform(op) on the strand, which
// for most operations runs their state machine (lib/operations/) in the
// one loop client::impl::drive(), and for the few that work on the
// transport (connect, STARTTLS, COMPRESS, IDLE) runs their coroutine.
#pragma once

#include "actor/launch.hpp"
#include "operations/extensions.hpp"
#include "operations/flags.hpp"
#include "operations/mailboxes.hpp"
#include "operations/messages.hpp"
#include "operations/session.hpp"
#include "operations/streaming.hpp"

#include <memory>
#include <type_traits>

namespace imapclient::detail {

using impl_ptr = std::shared_ptr<client::impl>;

/// Runs an operation's state machine in the generic loop (in a lease's
/// selection when `lease` has one); the result says which mailbox its
/// commands ran in.
template <typename R>
asio::awaitable<op_result<R>> run_algorithm(impl_ptr self, std::unique_ptr<operations::operation<R>> op,
                                            std::optional<ops::lease_selection> lease = std::nullopt) {
    if (self->check_state()) {
        op->not_run(make_error_code(errc::not_connected));
        co_return refuse<R>(errc::not_connected, "not connected");
    }
    if (lease && lease->id == 0) {
        op->not_run(make_error_code(errc::illegal_state));
        co_return refuse<R>(errc::illegal_state, "the folder lease was released");
    }
    const ops::lease_selection* in = lease ? &*lease : nullptr;
    auto ran_in = co_await self->drive(*op, in);
    if constexpr (requires { op->result.second.ran_in; })
        if (ran_in) op->result.second.ran_in = std::move(*ran_in);
    co_return std::move(op->result);
}

/// Most operations: their state machine in the generic loop.
template <typename Op>
asio::awaitable<op_result<typename Op::result_type>> perform(impl_ptr self, Op op) {
    return run_algorithm(std::move(self), operations::make_algorithm(std::move(op)));
}

/// An operation run through a folder lease.
template <typename Op>
asio::awaitable<op_result<typename Op::result_type>> perform(impl_ptr self, ops::leased<Op> op) {
    return run_algorithm(std::move(self), operations::make_algorithm(std::move(op.op)), std::move(op.in));
}

// The operations with coroutines of their own.
asio::awaitable<op_result<connect_result>> perform(impl_ptr self, ops::connect op);
asio::awaitable<op_result<command_result>> perform(impl_ptr self, ops::login op);
asio::awaitable<op_result<command_result>> perform(impl_ptr self, ops::authenticate op);
asio::awaitable<op_result<sign_in_result>> perform(impl_ptr self, ops::sign_in op);
asio::awaitable<op_result<command_result>> perform(impl_ptr self, ops::starttls op);
asio::awaitable<op_result<command_result>> perform(impl_ptr self, ops::compress op);
asio::awaitable<op_result<command_result>> perform(impl_ptr self, ops::idle op);
asio::awaitable<op_result<idle_result>> perform(impl_ptr self, ops::idle_check op);
asio::awaitable<op_result<idle_result>> perform(impl_ptr self, ops::idle_done op);
asio::awaitable<op_result<command_result>> perform(impl_ptr self, ops::listen op);
asio::awaitable<op_result<folder_lease>> perform(impl_ptr self, ops::lease_folder op);
asio::awaitable<op_result<command_result>> perform(impl_ptr self, ops::leased<ops::idle> op);
asio::awaitable<op_result<idle_result>> perform(impl_ptr self, ops::leased<ops::idle_check> op);
asio::awaitable<op_result<idle_result>> perform(impl_ptr self, ops::leased<ops::idle_done> op);
asio::awaitable<op_result<command_result>> perform(impl_ptr self, ops::leased<ops::listen> op);

}  // namespace imapclient::detail

namespace imapclient {

namespace detail {

/// What waits by design is not bounded by client_options::deadline: the
/// listener, idle_check() (its own timeout) and lease_folder()
/// (lease_wait_timeout).
template <typename Op>
inline constexpr bool waits_by_design = std::is_same_v<Op, ops::listen> || std::is_same_v<Op, ops::idle_check> ||
                                        std::is_same_v<Op, ops::lease_folder>;
template <typename Op>
inline constexpr bool waits_by_design<ops::leased<Op>> = waits_by_design<Op>;

}  // namespace detail

template <typename Op>
void client::start(const std::shared_ptr<impl>& impl, Op op, result_handler<typename Op::result_type> h) {
    std::chrono::milliseconds deadline{0};
    if (impl && !detail::waits_by_design<Op>) deadline = impl->opts_.deadline;
    detail::launch(impl, std::move(h), detail::perform(impl, std::move(op)), deadline);
}

}  // namespace imapclient
