// The connection pool: which connection serves a call (dispatch()), the
// connections' life (connect, watch, replace) and the calls themselves,
// all on the pool's strand.
#include "actor/launch.hpp"
#include "pool/throttle.hpp"

#include <imapclient/pool.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <deque>

namespace imapclient {

namespace asio = boost::asio;
using detail::refuse;
using steady = std::chrono::steady_clock;
using engine::text_status;

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

// How many times a call is asked of another connection after the one it
// was given turned out dead.
constexpr int max_attempts = 4;

/// What may be sent again after its connection died once it was written.
template <typename Op>
constexpr bool only_reads = std::is_same_v<Op, ops::noop> || std::is_same_v<Op, ops::list_folders> ||
                            std::is_same_v<Op, ops::find_special_folder> || std::is_same_v<Op, ops::folder_exists> ||
                            std::is_same_v<Op, ops::folder_status> || std::is_same_v<Op, ops::namespace_> ||
                            std::is_same_v<Op, ops::getacl> || std::is_same_v<Op, ops::get_quota> ||
                            std::is_same_v<Op, ops::get_quota_root>;

void add_time(std::chrono::nanoseconds d, std::chrono::nanoseconds& total, std::chrono::nanoseconds& max) {
    total += d;
    max = std::max(max, d);
}

}  // namespace

struct pool::state : std::enable_shared_from_this<pool::state> {
    struct connection {
        std::unique_ptr<client> c;
        bool up = false;
        bool connecting = false;
        std::size_t leases = 0;   // pool leases held on it
        std::size_t running = 0;  // pool::run() calls on it
        std::optional<detail::lease_request> folder;  // what its leases selected last
        steady::time_point last_used{};
        std::uint64_t generation = 0;  // one per connection made in this slot
    };

    /// A call waiting for a connection: for a lease of `folder`, or for any
    /// connection (pool::run()).
    struct waiter {
        explicit waiter(const net::executor& ex) : signal(ex) {}
        std::optional<detail::lease_request> folder;
        asio::steady_timer signal;  // cancelled once decided
        bool decided = false;
        std::shared_ptr<connection> conn;
        std::uint64_t generation = 0;
        bool check_first = false;  // a NOOP before use: the connection sat unused
        error_code ec;
        status_response why;
    };

    state(const executor_type& ex, pool_options o)
        : strand(asio::make_strand(ex)), opts(std::move(o)), backoff_timer(strand) {}

    net::executor strand;
    pool_options opts;
    std::vector<std::shared_ptr<connection>> conns;
    std::deque<std::shared_ptr<waiter>> waiting;
    std::chrono::milliseconds backoff{0};
    steady::time_point next_attempt{};
    asio::steady_timer backoff_timer;
    bool backoff_armed = false;
    std::shared_ptr<connection> draining;  // see dispatch()
    bool closed = false;
    pool_metrics m;

    // ---- which connection serves whom ----------------------------------
    std::size_t open_or_opening() const {
        return static_cast<std::size_t>(
            std::count_if(conns.begin(), conns.end(), [](const auto& c) { return c->up || c->connecting; }));
    }

    /// For a lease: a free connection that has the folder selected, else
    /// any free one, else one whose leases are of the same folder (except
    /// `draining`). For pool::run(): the least busy open connection.
    std::shared_ptr<connection> pick(const waiter& w, const std::shared_ptr<connection>& draining) const {
        std::shared_ptr<connection> best;
        auto consider = [&](auto&& good) {
            if (best) return;
            for (const auto& c : conns)
                if (c->up && good(*c)) return void(best = c);
        };
        if (!w.folder) {
            for (const auto& c : conns)
                if (c->up && (!best || c->leases + c->running < best->leases + best->running)) best = c;
            return best;
        }
        consider([&](const connection& c) { return c.leases == 0 && c.folder == w.folder; });
        consider([&](const connection& c) { return c.leases == 0; });
        consider([&](const connection& c) { return c.leases > 0 && c.folder == w.folder && draining.get() != &c; });
        return best;
    }

    /// The connection a blocked lease will get: the busy one with the
    /// fewest leases, which later calls may not join (so it drains).
    std::shared_ptr<connection> to_drain() const {
        std::shared_ptr<connection> best;
        for (const auto& c : conns)
            if (c->up && c->leases > 0 && (!best || c->leases < best->leases)) best = c;
        return best;
    }

    void decide(waiter& w) {
        w.decided = true;
        w.signal.cancel();
    }

    void fail_waiting(error_code ec, const status_response& why) {
        for (auto& w : std::exchange(waiting, {})) {
            w->ec = ec;
            w->why = why;
            decide(*w);
        }
    }

    /// Serves the waiting calls that can be served, in order of arrival;
    /// called whenever a connection came, went or was given back.
    void dispatch() {
        if (closed) return fail_waiting(make_error_code(errc::not_connected), text_status("the pool was closed"));
        // Once a lease has to wait, one connection is left to drain for
        // it: later calls join the others, never that one, so the first in
        // line is served next and nobody starves.
        if (draining && (!draining->up || draining->leases == 0)) draining.reset();
        bool want_connection = false;
        for (auto it = waiting.begin(); it != waiting.end();) {
            waiter& w = **it;
            auto c = pick(w, draining);
            if (!c) {
                want_connection = true;
                if (w.folder && !draining) draining = to_drain();
                ++it;
                continue;
            }
            if (w.folder) {
                w.check_first = c->leases == 0 && steady::now() - c->last_used > opts.health_check_after;
                ++c->leases;
                c->folder = w.folder;
            } else {
                ++c->running;
            }
            w.conn = c;
            w.generation = c->generation;
            decide(w);
            it = waiting.erase(it);
        }
        if (want_connection && open_or_opening() < opts.max_connections) open_connection();
    }

    // ---- connections ----------------------------------------------------
    void open_connection() {
        if (steady::now() < next_attempt) {
            // Backing off: dispatch() again when the wait is over.
            if (backoff_armed) return;
            backoff_armed = true;
            backoff_timer.expires_at(next_attempt);
            backoff_timer.async_wait([self = shared_from_this()](error_code) {
                self->backoff_armed = false;
                self->dispatch();
            });
            return;
        }
        std::shared_ptr<connection> slot;
        for (auto& c : conns)
            if (!c->up && !c->connecting) slot = c;
        if (!slot) slot = conns.emplace_back(std::make_shared<connection>());
        slot->connecting = true;
        asio::co_spawn(strand, connect(shared_from_this(), slot), asio::detached);
    }

    asio::awaitable<void> connect(std::shared_ptr<state> self, std::shared_ptr<connection> slot) {
        ++m.connection_attempts;
        auto c = std::make_unique<client>(strand.get_inner_executor(), opts.connection);
        auto [ec, greeting] = co_await c->connect(tuple_awaitable);
        status_response why = greeting.status;
        if (!ec && opts.login) {
            try {
                co_await opts.login(*c);
            } catch (const error& e) {
                ec = e.code();
                why = e.reply();
                if (why.text.empty()) why.text = e.what();
            } catch (const boost::system::system_error& e) {
                ec = e.code();
                why.text = e.what();
            } catch (const std::exception& e) {
                // The caller's login failed in its own way: the attempt
                // failed, the slot is free again.
                ec = make_error_code(errc::login_failed);
                why.text = e.what();
            }
        }
        slot->connecting = false;
        if (closed) co_return;
        if (ec) {
            ++m.connection_failures;
            const auto asked = detail::throttling(why);
            if (asked) ++m.throttled;
            backoff = backoff.count() == 0 ? opts.initial_backoff : std::min(backoff * 2, opts.max_backoff);
            if (asked && asked->count() > 0) backoff = std::min(*asked, opts.max_backoff);
            next_attempt = steady::now() + backoff;
            // Nothing can serve the waiting calls, and waiting will not
            // help (a refused connection, a wrong password): they fail.
            // Throttling passes: they wait (within lease_wait_timeout).
            const bool any_up = std::any_of(conns.begin(), conns.end(), [](const auto& x) { return x->up; });
            if (!asked && !any_up) {
                if (why.text.empty()) why.text = ec.message();
                fail_waiting(ec, why);
            }
            dispatch();
            co_return;
        }
        backoff = std::chrono::milliseconds(0);
        if (slot->generation > 0) ++m.replaced;
        ++slot->generation;
        slot->c = std::move(c);
        slot->up = true;
        slot->leases = slot->running = 0;
        slot->folder.reset();
        slot->last_used = steady::now();
        asio::co_spawn(strand, watch(self, slot, slot->generation), asio::detached);
        dispatch();
    }

    /// Learns of a connection's loss from its events (the last one is
    /// connection_closed), the pool's only use of them.
    asio::awaitable<void> watch(std::shared_ptr<state> self, std::shared_ptr<connection> conn, std::uint64_t gen) {
        while (conn->generation == gen && conn->c) {
            auto [ec, e] = co_await conn->c->next_event(tuple_awaitable);
            if (ec || std::holds_alternative<connection_closed>(e)) break;
        }
        lost(*conn, gen);
    }

    void lost(connection& conn, std::uint64_t gen) {
        if (conn.generation != gen || !conn.up) return;
        conn.up = false;
        conn.leases = conn.running = 0;
        conn.folder.reset();
        conn.c.reset();
        dispatch();
    }

    void give_back(const std::shared_ptr<connection>& conn, std::uint64_t gen, bool lease) {
        if (conn->generation == gen) {
            std::size_t& n = lease ? conn->leases : conn->running;
            if (n > 0) --n;
            conn->last_used = steady::now();
        }
        dispatch();
    }

    // ---- the calls --------------------------------------------------------
    struct assignment {
        std::shared_ptr<connection> conn;
        std::uint64_t generation = 0;
        bool check_first = false;
        error_code ec;
        status_response why;
    };

    /// Waits until dispatch() gave the call a connection, at most until
    /// `deadline` (the call's, across its attempts).
    asio::awaitable<assignment> wait_for(std::optional<detail::lease_request> folder, steady::time_point deadline) {
        auto w = std::make_shared<waiter>(strand);
        w->folder = std::move(folder);
        waiting.push_back(w);
        dispatch();
        const auto limit = opts.connection.lease_wait_timeout;
        w->signal.expires_at(deadline);
        assignment a;
        while (!w->decided) {
            auto [ec] = co_await w->signal.async_wait(tuple_awaitable);
            if (w->decided) break;
            const bool cancelled =
                (co_await asio::this_coro::cancellation_state).cancelled() != asio::cancellation_type::none;
            if (!cancelled && ec) continue;
            std::erase(waiting, w);
            dispatch();
            a.ec = cancelled ? error_code(asio::error::operation_aborted) : make_error_code(errc::lease_timeout);
            a.why.text = cancelled ? "cancelled while waiting for a connection"
                                   : "waited " + std::to_string(limit.count()) + " ms for a connection of the pool";
            co_return a;
        }
        a.conn = w->conn;
        a.generation = w->generation;
        a.check_first = w->check_first;
        a.ec = w->ec;
        a.why = w->why;
        co_return a;
    }

    /// The connection is still the one assigned, and answers a NOOP if it
    /// sat unused; false: it died (and is replaced).
    bool still_assigned(const assignment& a) const { return a.conn->generation == a.generation && a.conn->c; }

    /// The connection is still the one assigned, and answers a NOOP if it
    /// sat unused: nullopt. Else why not: an abort error (it died and is
    /// replaced: ask another), or operation_aborted (the caller cancelled).
    asio::awaitable<std::optional<error_code>> check(const assignment& a) {
        if (!still_assigned(a)) co_return make_error_code(errc::not_connected);
        if (!a.check_first) co_return std::nullopt;
        ++m.health_checks;
        auto [ec, r] = co_await a.conn->c->noop(tuple_awaitable);
        if (ec && is_abort(ec)) lost(*a.conn, a.generation);
        // It may have died after answering, while this coroutine waited.
        if (!ec && !still_assigned(a)) ec = make_error_code(errc::not_connected);
        if (ec) co_return ec;
        co_return std::nullopt;
    }

    /// When a call that starts now must have had its connection.
    steady::time_point deadline_from(steady::time_point started) const {
        const auto limit = opts.connection.lease_wait_timeout;
        return limit.count() > 0 ? started + limit : steady::time_point::max();
    }

    asio::awaitable<op_result<pool_lease>> lease(std::string folder, bool readonly) {
        const auto started = steady::now();
        const auto deadline = deadline_from(started);
        for (int attempt = 1;; ++attempt) {
            std::optional<detail::lease_request> wanted = detail::lease_request{folder, readonly};
            auto a = co_await wait_for(std::move(wanted), deadline);
            if (a.ec) co_return refuse<pool_lease>(a.ec, a.why.text);
            auto unusable = co_await check(a);
            if (unusable && *unusable == asio::error::operation_aborted) {
                give_back(a.conn, a.generation, true);
                co_return refuse<pool_lease>(*unusable, "lease_folder() cancelled");
            }
            if (unusable && attempt < max_attempts) {
                ++m.retried;
                continue;
            }
            if (unusable) co_return refuse<pool_lease>(*unusable, "no connection of the pool stayed up");
            auto [ec, granted] = co_await a.conn->c->lease_folder(folder, readonly, tuple_awaitable);
            if (ec && is_abort(ec) && attempt < max_attempts) {
                // Dead under the SELECT: nothing was granted; another
                // connection may do it.
                lost(*a.conn, a.generation);
                ++m.retried;
                continue;
            }
            if (ec) {
                if (a.conn->generation == a.generation) a.conn->folder.reset();  // its SELECT failed
                give_back(a.conn, a.generation, true);
                op_result<pool_lease> failed{ec, pool_lease{}};
                failed.second.status = granted.status;
                co_return failed;
            }
            ++m.leases;
            add_time(steady::now() - started, m.lease_wait_total, m.lease_wait_max);
            std::function<void()> back = [weak = weak_from_this(), conn = a.conn, gen = a.generation] {
                auto self = weak.lock();
                if (!self) return;
                asio::post(self->strand, [self, conn, gen] { self->give_back(conn, gen, true); });
            };
            co_return op_result<pool_lease>{error_code{}, pool_lease(std::move(granted), std::move(back))};
        }
    }

    template <typename Op>
    asio::awaitable<op_result<typename Op::result_type>> run(Op op) {
        using R = typename Op::result_type;
        const auto started = steady::now();
        const auto deadline = deadline_from(started);
        for (int attempt = 1;; ++attempt) {
            std::optional<detail::lease_request> any_connection;
            auto a = co_await wait_for(std::move(any_connection), deadline);
            if (a.ec) co_return refuse<R>(a.ec, a.why.text);
            if (!still_assigned(a)) {
                if (attempt >= max_attempts) co_return refuse<R>(errc::not_connected, "no connection of the pool stayed up");
                ++m.retried;
                continue;
            }
            Op this_try = op;
            auto [ec, r] = co_await a.conn->c->run(std::move(this_try), tuple_awaitable);
            // Never sent (the connection had closed): another may do it.
            // Sent, then the connection died: again only if it only reads
            // and the options allow it.
            const bool again = ec == make_error_code(errc::not_connected) ||
                               (is_abort(ec) && opts.retry_reads && only_reads<Op>);
            if (again && attempt < max_attempts) {
                lost(*a.conn, a.generation);
                ++m.retried;
                continue;
            }
            give_back(a.conn, a.generation, false);
            ++m.operations;
            add_time(steady::now() - started, m.operation_time_total, m.operation_time_max);
            co_return op_result<R>{ec, std::move(r)};
        }
    }

    void close() {
        closed = true;
        backoff_timer.cancel();
        fail_waiting(make_error_code(errc::not_connected), text_status("the pool was closed"));
        for (auto& c : conns) {
            c->up = false;
            c->c.reset();
        }
    }
};

pool::pool(executor_type executor, pool_options options)
    : state_(std::make_shared<state>(executor, std::move(options))) {}

pool::~pool() {
    asio::post(state_->strand, [s = state_] { s->close(); });
}

pool::executor_type pool::get_executor() const noexcept { return state_->strand; }

pool_metrics pool::metrics() const {
    pool_metrics out = state_->m;
    for (const auto& c : state_->conns) {
        if (!c->up) continue;
        ++out.open;
        if (c->leases || c->running) ++out.busy;
    }
    out.waiting = state_->waiting.size();
    return out;
}

void pool::start_lease(std::string folder, bool readonly, result_handler<pool_lease> h) {
    detail::launch_on(state_->strand, state_, std::move(h), state_->lease(std::move(folder), readonly));
}

template <typename Op>
void pool::start(Op op, result_handler<typename Op::result_type> h) {
    detail::launch_on(state_->strand, state_, std::move(h), state_->run(std::move(op)));
}

#define IMAPCLIENT_POOL_OPERATION(op) \
    template void pool::start<ops::op>(ops::op, result_handler<ops::op::result_type>);
IMAPCLIENT_POOL_OPERATION(noop)
IMAPCLIENT_POOL_OPERATION(list_folders)
IMAPCLIENT_POOL_OPERATION(find_special_folder)
IMAPCLIENT_POOL_OPERATION(folder_exists)
IMAPCLIENT_POOL_OPERATION(folder_status)
IMAPCLIENT_POOL_OPERATION(create_folder)
IMAPCLIENT_POOL_OPERATION(delete_folder)
IMAPCLIENT_POOL_OPERATION(rename_folder)
IMAPCLIENT_POOL_OPERATION(subscribe_folder)
IMAPCLIENT_POOL_OPERATION(unsubscribe_folder)
IMAPCLIENT_POOL_OPERATION(namespace_)
IMAPCLIENT_POOL_OPERATION(append)
IMAPCLIENT_POOL_OPERATION(multiappend)
IMAPCLIENT_POOL_OPERATION(getacl)
IMAPCLIENT_POOL_OPERATION(get_quota)
IMAPCLIENT_POOL_OPERATION(get_quota_root)
#undef IMAPCLIENT_POOL_OPERATION

}  // namespace imapclient
