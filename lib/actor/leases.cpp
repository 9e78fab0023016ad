// Folder leases on one connection (client::lease_folder()): the waiting
// callers, the SELECT that serves the next folder in line, the grants.
// Who goes next is lease_queue's decision; this file carries it out.
#include "actor/run.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace imapclient {

namespace asio = boost::asio;
using detail::refuse;

namespace {
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
}

struct client::impl::lease_wait {
    explicit lease_wait(const net::executor& ex) : signal(ex) {}
    boost::asio::steady_timer signal;  // cancelled when the request is decided
    bool decided = false;
    error_code ec;
    status_response status;
    ops::lease_selection in;
    select_result selected;
};

detail::current_selection client::impl::current_selection() const {
    detail::current_selection now;
    now.id = engine_.known_selection();
    now.folder = engine_.mailbox().name;
    now.readonly = engine_.mailbox().readonly;
    now.usable = engine_.state() == engine::session_state::selected && now.id == engine_.selection();
    return now;
}

void client::impl::decide_lease(detail::lease_queue::ticket t, error_code ec, const select_result& selected,
                                const ops::lease_selection& in) {
    auto it = lease_waits_.find(t);
    if (it == lease_waits_.end()) return;
    auto w = it->second;
    lease_waits_.erase(it);
    w->decided = true;
    w->ec = ec;
    w->status = selected.status;
    if (!ec) {
        w->in = in;
        w->selected = selected;
    }
    w->signal.cancel();
}

void client::impl::schedule_leases() {
    auto d = leases_.next(current_selection());
    if (!d.grant.empty()) {
        // The folder is selected and no other SELECT is on its way: the
        // mailbox state is this selection's.
        const auto selected = operations::selected_result(engine_.mailbox());
        const ops::lease_selection in{d.selection, engine_.identity()};
        for (auto t : d.grant) decide_lease(t, {}, selected, in);
    }
    if (!d.select) return;
    // The SELECT runs as an operation of its own; its waiters are decided
    // when it completes, and the queue moves on.
    auto self = shared_from_this();
    auto r = std::move(*d.select);
    asio::co_spawn(strand_, select_for_leases(self, std::move(r)), asio::detached);
}

asio::awaitable<void> client::impl::select_for_leases(std::shared_ptr<impl> self, detail::lease_request r) {
    try {
        co_await select_and_grant(r);
    } catch (const std::exception& e) {
        // Nothing may leave the queue stuck "selecting": the waiters fail.
        select_result failed;
        failed.status.text = e.what();
        for (auto t : leases_.selected(false, current_selection()))
            decide_lease(t, make_error_code(errc::invalid_argument), failed, {});
    }
    schedule_leases();
}

asio::awaitable<void> client::impl::select_and_grant(const detail::lease_request& r) {
    auto req = operations::commands::select(r.folder, r.readonly, names_in_utf7());
    req.needs = operations::needs_level(engine::session_level::authenticated);
    req.needs.what = req.name;
    auto done = co_await async_run(std::move(req), asio::use_awaitable);
    // The leases get the selection this SELECT began, whatever came after
    // it meanwhile (a plain select_folder() of someone else's would end it,
    // and their operations would fail rather than run there).
    ops::lease_selection in{done.selection, {r.folder, std::nullopt}};
    select_result selected;
    if (!done.ec && engine_.known_selection() == done.selection && engine_.selection() == done.selection) {
        selected = operations::selected_result(engine_.mailbox());
        in.mailbox.uid_validity = engine_.mailbox().uid_validity;
    }
    selected.status = done.status;
    detail::current_selection now = current_selection();
    now.id = done.selection;
    auto served = leases_.selected(!done.ec, now);
    for (auto t : served) decide_lease(t, done.ec, selected, in);
}

void client::impl::release_lease(std::uint64_t selection) {
    leases_.release(selection);
    schedule_leases();
}

asio::awaitable<op_result<folder_lease>> client::impl::do_lease(ops::lease_folder op) {
    if (auto ec = check_state()) co_return refuse<folder_lease>(ec, "not connected");
    auto self = shared_from_this();
    auto w = std::make_shared<lease_wait>(strand_);
    const auto ticket = leases_.wait({op.folder, op.readonly});
    lease_waits_.emplace(ticket, w);
    schedule_leases();
    if (opts_.lease_wait_timeout.count() > 0) w->signal.expires_after(opts_.lease_wait_timeout);
    else w->signal.expires_at(asio::steady_timer::time_point::max());
    while (!w->decided) {
        auto [ec] = co_await w->signal.async_wait(tuple_awaitable);
        if (w->decided) break;
        const bool cancelled =
            (co_await asio::this_coro::cancellation_state).cancelled() != asio::cancellation_type::none;
        if (!cancelled && ec) continue;  // a spurious wake-up
        // Gave up: out of the queue, and whoever is next may go.
        leases_.withdraw(ticket);
        lease_waits_.erase(ticket);
        schedule_leases();
        if (cancelled) co_return refuse<folder_lease>(asio::error::operation_aborted, "lease_folder() cancelled");
        co_return refuse<folder_lease>(errc::lease_timeout,
                                       "waited " + std::to_string(opts_.lease_wait_timeout.count()) +
                                           " ms for the leases of another folder to be released (" + op.folder + ")");
    }
    if (w->ec) {
        op_result<folder_lease> failed{w->ec, folder_lease{}};
        failed.second.status = w->status;
        co_return failed;
    }
    folder_lease::grant g{self, strand_, w->in, std::move(w->selected)};
    co_return op_result<folder_lease>{error_code{}, folder_lease(std::move(g))};
}

namespace detail {
asio::awaitable<op_result<folder_lease>> perform(impl_ptr self, ops::lease_folder op) {
    return self->do_lease(std::move(op));
}
}  // namespace detail

void folder_lease::release() noexcept {
    if (!held() || !g_.impl) return;
    const std::uint64_t selection = g_.in.id;
    g_.in.id = 0;
    try {
        asio::post(g_.impl->strand_, [impl = g_.impl, selection] { impl->release_lease(selection); });
    } catch (...) {
        // Posting allocates; without memory the lease stays counted until
        // the connection's selection changes.
    }
}

}  // namespace imapclient
