// How the client's operations start and finish: each is a coroutine on
// the actor's strand whose result reaches the caller's handler on the
// caller's executor, with the caller's cancellation slot wired in.
#pragma once

#include "client_impl.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

namespace imapclient::detail {

namespace asio = boost::asio;

template <typename T>
op_result<T> refuse(errc e, std::string text) {
    op_result<T> r;
    r.first = make_error_code(e);
    if constexpr (requires { r.second.status; }) r.second.status.text = std::move(text);
    return r;
}

template <typename T>
op_result<T> refuse(error_code ec, std::string text) {
    return refuse<T>(static_cast<errc>(ec.value()), std::move(text));
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

template <typename T>
op_result<T> with_status(const engine::completion& c, T value = {}) {
    if constexpr (requires { value.status; }) value.status = c.status;
    return {c.ec, std::move(value)};
}

// Runs a coroutine on the strand and completes `h` through its own
// executor, with its cancellation slot wired into the coroutine.
template <typename T, typename Body>
void launch(const std::shared_ptr<client::impl>& self, result_handler<T> h, Body body) {
    if (!self) return complete_now(std::move(h), errc::not_connected, "the client was moved from");
    auto slot = asio::get_associated_cancellation_slot(h.handler);
    asio::co_spawn(self->strand_, std::move(body),
                   asio::bind_cancellation_slot(slot, [h = std::move(h)](std::exception_ptr ep, op_result<T> r) mutable {
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
                   }));
}

}  // namespace imapclient::detail
