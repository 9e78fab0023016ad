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

void client::impl::decide_lease(detail::lease_queue::ticket t, error_code ec, const select_result& selected) {
    auto it = lease_waits_.find(t);
    if (it == lease_waits_.end()) return;
    auto w = it->second;
    lease_waits_.erase(it);
    w->decided = true;
    w->ec = ec;
    w->status = selected.status;
    if (!ec) {
        w->in = {engine_.known_selection(), engine_.identity()};
        w->selected = selected;
    }
    w->signal.cancel();
}

void client::impl::schedule_leases() {
    auto d = leases_.next(current_selection());
    if (!d.grant.empty()) {
        const auto selected = operations::selected_result(engine_.mailbox());
        for (auto t : d.grant) decide_lease(t, {}, selected);
    }
    if (!d.select) return;
    // The SELECT runs as an operation of its own; its waiters are decided
    // when it completes, and the queue moves on.
    auto self = shared_from_this();
    auto r = std::move(*d.select);
    asio::co_spawn(strand_, select_for_leases(self, std::move(r)), asio::detached);
}

asio::awaitable<void> client::impl::select_for_leases(std::shared_ptr<impl> self, detail::lease_request r) {
    ops::select_folder op{r.folder, r.readonly};
    auto result = co_await detail::perform(self, std::move(op));
    auto served = leases_.selected(!result.first, current_selection());
    for (auto t : served) decide_lease(t, result.first, result.second);
    schedule_leases();
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
