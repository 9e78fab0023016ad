// The library's default completion token: like boost::asio::use_awaitable,
// but a failure throws the matching imapclient::error subclass (with the
// server's reply) instead of a bare boost::system::system_error.
#pragma once

#include <imapclient/error.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <tuple>
#include <utility>

namespace imapclient {

struct use_awaitable_t {
    constexpr use_awaitable_t() = default;
};
inline constexpr use_awaitable_t use_awaitable{};

namespace detail {
template <typename T>
const status_response& reply_of(const T& value) {
    if constexpr (requires { value.status; }) {
        return value.status;
    } else {
        static const status_response none{};
        return none;
    }
}
}  // namespace detail

}  // namespace imapclient

template <typename T>
struct boost::asio::async_result<imapclient::use_awaitable_t, void(imapclient::error_code, T)> {
    template <typename Initiation, typename... InitArgs>
    static boost::asio::awaitable<T> initiate(Initiation initiation, imapclient::use_awaitable_t, InitArgs... args) {
        auto [ec, value] = co_await boost::asio::async_initiate<
            const boost::asio::as_tuple_t<boost::asio::use_awaitable_t<>>&, void(imapclient::error_code, T)>(
            std::move(initiation), boost::asio::as_tuple(boost::asio::use_awaitable), std::move(args)...);
        if (ec) imapclient::throw_error(ec, imapclient::detail::reply_of(value), {});
        co_return std::move(value);
    }
};
