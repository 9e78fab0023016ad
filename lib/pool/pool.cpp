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
using detail::complete_now;
using steady = std::chrono::steady_clock;
using engine::text_status;

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

// How many times a call is asked of another connection after the one it
// was given turned out dead.
constexpr int max_attempts = 4;

void add_time(std::chrono::nanoseconds d, std::chrono::nanoseconds& total, std::chrono::nanoseconds& max) {
    total += d;
    max = std::max(max, d);
}

/// Waits until `signal` is cancelled (someone decided) or the caller
/// cancels; true for the latter.
asio::awaitable<bool> caller_cancelled_during(asio::steady_timer& signal) {
    co_await signal.async_wait(tuple_awaitable);
    co_return (co_await asio::this_coro::cancellation_state).cancelled() != asio::cancellation_type::none;
}

}  // namespace

namespace detail {

/// One connection of the pool (a slot: replaced in place after a loss).
struct pool_connection {
    std::unique_ptr<client> c;
    bool up = false;
    bool connecting = false;
    std::size_t leases = 0;   // pool leases held on it
    std::size_t running = 0;  // pool::run() calls on it
    std::optional<lease_request> folder;       // what its leases selected last
    std::optional<mailbox_identity> selected;  // ... and what the server said it was
    steady::time_point last_used{};
    std::uint64_t generation = 0;  // one per connection made in this slot

    /// Still connection number `gen` of this slot, and open.
    bool is(std::uint64_t gen) const { return generation == gen && c; }
};

/// A folder lease on a connection of the pool, or why none was had by
/// `deadline`.
struct pool_acquired {
    error_code ec;
    status_response why;
    std::shared_ptr<pool_connection> conn;
    std::uint64_t generation = 0;
    folder_lease lease;

    static pool_acquired failed(error_code ec, status_response why) {
        pool_acquired a;
        a.ec = ec;
        a.why = std::move(why);
        return a;
    }
};

/// What a pool_lease holds: its folder, and the lease on the connection
/// that serves it now.
struct pool_held_lease {
    std::shared_ptr<pool::state> owner;
    std::string folder;
    bool readonly = false;
    mailbox_identity identity;  // as first granted
    folder_lease lease;         // on `conn`
    std::shared_ptr<pool_connection> conn;
    std::uint64_t generation = 0;
    bool released = false;
    std::optional<status_response> changed;  // why every call now fails
    std::shared_ptr<asio::steady_timer> regaining;  // cancelled once a regain() ends

    /// On the connection it was granted, which is still up.
    bool up() const { return conn && conn->is(generation); }
    void on(pool_acquired&& a) {
        lease = std::move(a.lease);
        conn = std::move(a.conn);
        generation = a.generation;
    }
};

}  // namespace detail

struct pool::state : std::enable_shared_from_this<pool::state> {
    using connection = detail::pool_connection;
    using acquired = detail::pool_acquired;

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
    pool_metrics m;  // m.commands: those of the connections that are gone

    /// Events taken from the connections (deliver_events): at most one per
    /// connection, whose watcher waits on `taken` until next_event() took it.
    struct delivery {
        pool_event event;
        std::shared_ptr<connection> from;
        std::shared_ptr<asio::steady_timer> taken;
    };
    std::deque<delivery> events;
    std::deque<std::shared_ptr<asio::steady_timer>> event_waiters;  // next_event() calls waiting

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
        } else if (!ec && opts.connection.credentials) {
            // No login of the caller's: the connection's credential
            // provider, asked again for a fresh token when one is refused.
            credential_provider from_options;
            auto [sign_in_ec, signed_in] = co_await c->sign_in(from_options, tuple_awaitable);
            ec = sign_in_ec;
            why = signed_in.status;
        }
        if (!ec && !opts.enable.empty()) {
            ops::enable wanted{opts.enable};
            auto [enable_ec, enabled] = co_await c->run(std::move(wanted), tuple_awaitable);
            // A server without ENABLE has none of it to turn on: refused
            // before sending, and the connection is used as it is.
            if (enable_ec != make_error_code(errc::capability_missing)) {
                ec = enable_ec;
                why = enabled.status;
            }
        }
        slot->connecting = false;
        if (closed) co_return;
        if (ec) {
            ++m.connection_failures;
            m.commands += c->metrics();
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
        slot->selected.reset();
        slot->last_used = steady::now();
        asio::co_spawn(strand, watch(self, slot, slot->generation), asio::detached);
        dispatch();
    }

    /// Learns of a connection's loss from its events (the last one is
    /// connection_closed), and hands them to next_event() with
    /// deliver_events. `self` keeps the pool's state alive meanwhile.
    asio::awaitable<void> watch([[maybe_unused]] std::shared_ptr<state> self, std::shared_ptr<connection> conn,
                                std::uint64_t gen) {
        const auto slot = static_cast<std::size_t>(std::find(conns.begin(), conns.end(), conn) - conns.begin());
        bool ended = false;  // its connection_closed was delivered
        while (conn->generation == gen && conn->c) {
            auto [ec, e] = co_await conn->c->next_event(tuple_awaitable);
            if (ec) break;
            ended = std::holds_alternative<connection_closed>(e);
            if (opts.deliver_events) {
                pool_event pe{slot, gen, conn->selected, std::move(e)};
                co_await deliver(std::move(pe), conn);
            }
            if (ended || closed) break;
        }
        if (opts.deliver_events && !ended && !closed) {
            // The pool closed it (a call found it dead) before its own
            // connection_closed was read: every connection's events still
            // end with one, and what it had queued is gone with it.
            pool_event pe{slot, gen, conn->selected,
                          connection_closed{make_error_code(errc::connection_lost),
                                            "the connection was found dead and closed; its queued events are gone"}};
            co_await deliver(std::move(pe), conn);
        }
        lost(*conn, gen);
    }

    /// Queues `e` for next_event() and waits until it was taken (or the
    /// pool closed): the connection's own bounded queue holds the rest.
    asio::awaitable<void> deliver(pool_event e, std::shared_ptr<connection> from) {
        if (closed) co_return;
        auto taken = std::make_shared<asio::steady_timer>(strand, steady::time_point::max());
        events.push_back(delivery{std::move(e), std::move(from), taken});
        wake_event_waiter();
        co_await taken->async_wait(tuple_awaitable);
    }

    /// The longest-waiting next_event() call, if any, looks at the queue.
    void wake_event_waiter() {
        if (event_waiters.empty()) return;
        event_waiters.front()->cancel();
        event_waiters.pop_front();
    }

    asio::awaitable<op_result<pool_event>> next_event() {
        if (!opts.deliver_events)
            co_return refuse<pool_event>(errc::illegal_state, "the pool delivers events with pool_options::deliver_events");
        while (events.empty()) {
            if (closed) co_return refuse<pool_event>(errc::not_connected, "the pool was closed");
            auto signal = std::make_shared<asio::steady_timer>(strand, steady::time_point::max());
            event_waiters.push_back(signal);
            const bool cancelled = co_await caller_cancelled_during(*signal);
            if (cancelled) {
                std::erase(event_waiters, signal);
                // An event meant to wake this call goes to the next one.
                if (!events.empty()) wake_event_waiter();
                co_return refuse<pool_event>(error_code(asio::error::operation_aborted), "next_event() cancelled");
            }
        }
        auto d = std::move(events.front());
        events.pop_front();
        d.taken->cancel();
        // A lease's SELECT may complete after its folder's first events were
        // read: the folder is the one selected when the event is handed out.
        if (d.from->generation == d.event.session && d.from->selected) d.event.mailbox = d.from->selected;
        co_return op_result<pool_event>{error_code{}, std::move(d.event)};
    }

    void lost(connection& conn, std::uint64_t gen) {
        if (conn.generation != gen || !conn.up) return;
        conn.up = false;
        conn.leases = conn.running = 0;
        conn.folder.reset();
        conn.selected.reset();
        retire(conn);
        dispatch();
    }

    /// Closes the connection, keeping its command counts.
    void retire(connection& conn) {
        if (!conn.c) return;
        m.commands += conn.c->metrics();
        conn.c.reset();
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
    bool still_assigned(const assignment& a) const { return a.conn->is(a.generation); }

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

    asio::awaitable<acquired> acquire(const std::string& folder, bool readonly, steady::time_point deadline) {
        for (int attempt = 1;; ++attempt) {
            std::optional<detail::lease_request> wanted = detail::lease_request{folder, readonly};
            auto a = co_await wait_for(std::move(wanted), deadline);
            if (a.ec) co_return acquired::failed(a.ec, a.why);
            auto unusable = co_await check(a);
            // Whatever made it unusable, the lease dispatch() counted on it
            // is not taken (give_back ignores a connection replaced since).
            if (unusable) give_back(a.conn, a.generation, true);
            if (unusable && *unusable == asio::error::operation_aborted)
                co_return acquired::failed(*unusable, text_status("lease_folder() cancelled"));
            if (unusable && attempt < max_attempts) {
                ++m.retried;
                continue;
            }
            if (unusable) co_return acquired::failed(*unusable, text_status("no connection of the pool stayed up"));
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
                co_return acquired::failed(ec, granted.status);
            }
            if (a.conn->generation == a.generation) a.conn->selected = granted.mailbox();
            acquired got;
            got.conn = a.conn;
            got.generation = a.generation;
            got.lease = std::move(granted);
            co_return got;
        }
    }

    asio::awaitable<op_result<pool_lease>> lease(std::string folder, bool readonly) {
        const auto started = steady::now();
        auto got = co_await acquire(folder, readonly, deadline_from(started));
        if (got.ec) {
            op_result<pool_lease> failed{got.ec, pool_lease{}};
            failed.second.status = std::move(got.why);
            if (failed.second.status.text.empty()) failed.second.status.text = got.ec.message();
            co_return failed;
        }
        ++m.leases;
        add_time(steady::now() - started, m.lease_wait_total, m.lease_wait_max);
        auto held = std::make_shared<detail::pool_held_lease>();
        held->owner = shared_from_this();
        held->folder = std::move(folder);
        held->readonly = readonly;
        held->identity = got.lease.mailbox();
        auto selected = got.lease.selected();
        held->on(std::move(got));
        pool_lease granted(held, strand, held->identity, std::move(selected));
        co_return op_result<pool_lease>{error_code{}, std::move(granted)};
    }

    /// The lease's connection died: a new lease of its folder on another
    /// connection, unless the folder's UIDVALIDITY is no longer the one the
    /// lease began with (its UIDs would name other messages).
    asio::awaitable<std::optional<acquired>> regain(detail::pool_held_lease& held, steady::time_point deadline) {
        auto got = co_await acquire(held.folder, held.readonly, deadline);
        if (got.ec) co_return got;
        if (held.released) {
            // Released while this call waited: the new connection goes back.
            got.lease.release();
            give_back(got.conn, got.generation, true);
            co_return acquired::failed(make_error_code(errc::illegal_state), text_status("the lease was released"));
        }
        const auto now = got.lease.mailbox().uid_validity;
        if (now != held.identity.uid_validity) {
            got.lease.release();
            give_back(got.conn, got.generation, true);
            held.changed = text_status("the UIDVALIDITY of " + held.folder + " changed from " +
                                       std::to_string(held.identity.uid_validity.value_or(0)) + " to " +
                                       std::to_string(now.value_or(0)) + " while its connection was replaced");
            co_return acquired::failed(make_error_code(errc::mailbox_changed), *held.changed);
        }
        ++m.leases;
        ++m.regained;
        held.on(std::move(got));
        co_return std::nullopt;
    }

    /// The lease on a connection that is up: its own, or a new one
    /// (regain()). Calls of one lease that find its connection dead at the
    /// same time wait for the first one's regain().
    asio::awaitable<std::optional<acquired>> ensure_up(std::shared_ptr<detail::pool_held_lease> held,
                                                      steady::time_point deadline) {
        while (!held->up() || held->released || held->changed) {
            if (held->released)
                co_return acquired::failed(make_error_code(errc::illegal_state), text_status("the lease was released"));
            if (held->changed) co_return acquired::failed(make_error_code(errc::mailbox_changed), *held->changed);
            if (auto other = held->regaining) {
                const bool cancelled = co_await caller_cancelled_during(*other);
                if (cancelled)
                    co_return acquired::failed(error_code(asio::error::operation_aborted),
                                               text_status("cancelled while the lease's connection was replaced"));
                continue;
            }
            held->regaining = std::make_shared<asio::steady_timer>(strand, steady::time_point::max());
            auto failed = co_await regain(*held, deadline);
            std::exchange(held->regaining, nullptr)->cancel();
            if (failed) co_return failed;
        }
        co_return std::nullopt;
    }

    template <typename Op>
    asio::awaitable<op_result<typename Op::result_type>> run_leased(std::shared_ptr<detail::pool_held_lease> held,
                                                                    Op op) {
        using R = typename Op::result_type;
        const auto started = steady::now();
        const auto deadline = deadline_from(started);
        for (int attempt = 1;; ++attempt) {
            auto unusable = co_await ensure_up(held, deadline);
            if (unusable) co_return refuse<R>(unusable->ec, unusable->why.text);
            // The connection it runs on: a concurrent call of the lease may
            // have moved the lease to another one by the time it ends.
            const auto on = held->conn;
            const auto gen = held->generation;
            Op this_try = op;
            auto [ec, r] = co_await held->lease.run(std::move(this_try), tuple_awaitable);
            if (ec && is_abort(ec)) lost(*on, gen);
            if (again<Op>(ec) && attempt < max_attempts) {
                ++m.retried;
                continue;
            }
            ++m.operations;
            add_time(steady::now() - started, m.operation_time_total, m.operation_time_max);
            co_return op_result<R>{ec, std::move(r)};
        }
    }

    /// Sent again on another connection after `ec`: never sent (the
    /// connection had closed), or sent, then the connection died, when it
    /// only reads and the options allow it.
    template <typename Op>
    bool again(const error_code& ec) const {
        return ec == make_error_code(errc::not_connected) || (is_abort(ec) && opts.retry_reads && ops::only_reads<Op>);
    }

    void give_back(detail::pool_held_lease& held) {
        held.released = true;
        held.lease.release();
        if (held.conn) give_back(held.conn, held.generation, true);
        held.conn.reset();
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
            if (again<Op>(ec) && attempt < max_attempts) {
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
        for (auto& w : std::exchange(event_waiters, {})) w->cancel();
        for (auto& d : std::exchange(events, {})) d.taken->cancel();
        fail_waiting(make_error_code(errc::not_connected), text_status("the pool was closed"));
        for (auto& c : conns) {
            c->up = false;
            retire(*c);
        }
    }
};

namespace detail {

template <typename Op>
void start_pool_leased(const std::shared_ptr<pool_held_lease>& held, Op op,
                       result_handler<typename Op::result_type> h) {
    if (!held) return complete_now(std::move(h), errc::illegal_state, "the lease was released");
    auto& s = held->owner;
    launch_on(s->strand, s, std::move(h), s->run_leased(held, std::move(op)));
}

#define IMAPCLIENT_POOL_LEASED_OPERATION(op)                                                  \
    template void start_pool_leased<ops::op>(const std::shared_ptr<pool_held_lease>&, ops::op, \
                                             result_handler<ops::op::result_type>);
IMAPCLIENT_LEASED_OPERATIONS(IMAPCLIENT_POOL_LEASED_OPERATION)
#undef IMAPCLIENT_POOL_LEASED_OPERATION

}  // namespace detail

void pool_lease::release() noexcept {
    auto held = std::exchange(held_, nullptr);
    if (!held) return;
    try {
        auto strand = held->owner->strand;
        asio::post(strand, [held = std::move(held)] { held->owner->give_back(*held); });
    } catch (...) {
        // Posting allocates; without memory the connection stays counted as
        // leased until it is replaced.
    }
}

pool::pool(executor_type executor, pool_options options)
    : state_(std::make_shared<state>(executor, std::move(options))) {}

pool::~pool() {
    asio::post(state_->strand, [s = state_] { s->close(); });
}

pool::executor_type pool::get_executor() const noexcept { return state_->strand; }

pool_metrics pool::metrics() const {
    pool_metrics out = state_->m;
    for (const auto& c : state_->conns) {
        if (c->c) out.commands += c->c->metrics();
        if (!c->up) continue;
        ++out.open;
        if (c->leases || c->running) ++out.busy;
    }
    out.waiting = state_->waiting.size();
    return out;
}

void pool::start_next_event(result_handler<pool_event> h) {
    detail::launch_on(state_->strand, state_, std::move(h), state_->next_event());
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
IMAPCLIENT_POOL_OPERATIONS(IMAPCLIENT_POOL_OPERATION)
#undef IMAPCLIENT_POOL_OPERATION

}  // namespace imapclient
