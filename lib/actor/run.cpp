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

bool client::impl::names_in_utf7() const {
    return opts_.folder_encode && !engine_.is_enabled("UTF8=ACCEPT") && !engine_.is_enabled("IMAP4REV2");
}

operations::context client::impl::context() const {
    return operations::context{.engine = engine_,
                               .use_uid = use_uid_,
                               .folder_encode = names_in_utf7(),
                               .normalise_times = opts_.normalise_times,
                               .tls = transport_.is_tls(),
                               .allow_plaintext_login = opts_.allow_plaintext_login,
                               .max_command_length = opts_.max_command_length};
}

asio::awaitable<std::optional<mailbox_identity>> client::impl::drive(operations::algorithm& op,
                                                                       const ops::lease_selection* lease) {
    std::optional<engine::completion> last;
    std::optional<mailbox_identity> ran_in;
    std::uint64_t pinned = 0;
    for (;;) {
        auto next = op.resume(context(), last ? &*last : nullptr);
        if (!next) break;
        engine::command_request req = std::move(*next);
        if (req.needs.level == engine::session_level::selected) {
            // Every command of the operation runs in the selection the
            // first one ran in (the lease's, or the one known then): a
            // SELECT of another caller's between two of them ends it
            // instead of giving the second another mailbox.
            if (!ran_in) {
                pinned = lease ? lease->id : engine_.known_selection();
                ran_in = lease ? lease->mailbox : engine_.identity();
            }
            req.needs.selection = pinned;
        }
        auto done = co_await async_run(std::move(req), asio::use_awaitable);
        last = std::move(done);
    }
    if (op.close_connection) close(op.close_connection->ec, op.close_connection->text);
    co_return ran_in;
}

}  // namespace imapclient
