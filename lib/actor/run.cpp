// The one loop that runs every operation's state machine on the actor's
// strand, and what those state machines may see of the session.
#include "actor/run.hpp"

#include <boost/asio/use_awaitable.hpp>

namespace imapclient {

namespace asio = boost::asio;

error_code client::impl::check_state() const {
    if (!running_ || engine_.closed()) return make_error_code(errc::not_connected);
    return {};
}

operations::context client::impl::context() const {
    return operations::context{.engine = engine_,
                               .use_uid = use_uid_,
                               .folder_encode = opts_.folder_encode,
                               .normalise_times = opts_.normalise_times,
                               .tls = transport_.is_tls(),
                               .allow_plaintext_login = opts_.allow_plaintext_login};
}

asio::awaitable<void> client::impl::drive(operations::algorithm& op) {
    std::optional<engine::completion> last;
    for (;;) {
        auto next = op.resume(context(), last ? &*last : nullptr);
        if (!next) break;
        engine::command_request req = std::move(*next);
        auto done = co_await async_run(std::move(req), asio::use_awaitable);
        last = std::move(done);
    }
    if (op.close_connection) close(op.close_connection->ec, op.close_connection->text);
}

}  // namespace imapclient
