#include <imapclient/push_session.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace imapclient {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;

namespace {

asio::awaitable<void> nothing(client&, const select_result&, unsigned) { co_return; }

bool cancelled(const error& e) { return e.code() == asio::error::operation_aborted; }

}  // namespace

asio::awaitable<void> run_push_session(push_options o) {
    auto ex = co_await asio::this_coro::executor;
    auto backoff = o.initial_backoff;
    if (!o.on_session) o.on_session = nothing;
    for (unsigned sessions = 0;; ++sessions) {
        {
            client c(ex, o.connection);
            try {
                co_await c.connect();
                if (o.authenticate) {
                    co_await o.authenticate(c);
                } else if (o.connection.credentials) {
                    co_await c.sign_in();
                }
                auto mailbox = co_await c.select_folder(o.folder, o.readonly);
                backoff = o.initial_backoff;
                co_await (c.listen(o.listen) && o.on_session(c, mailbox, sessions));
                co_return;  // listen() only ends without error when cancelled
            } catch (const error& e) {
                if (cancelled(e)) co_return;
                if (!is_abort(e.code())) throw;
            } catch (const boost::system::system_error& e) {
                // A cancelled wait inside the caller's on_session.
                if (e.code() == asio::error::operation_aborted) co_return;
                throw;
            }
        }
        asio::steady_timer wait(ex, backoff);
        auto [ec] = co_await wait.async_wait(asio::as_tuple(asio::use_awaitable));
        if (ec) co_return;  // cancelled while waiting
        backoff = std::min(backoff * 2, o.max_backoff);
    }
}

}  // namespace imapclient
