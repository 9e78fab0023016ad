// A pool of connections to one account, for services: N clients opened on
// demand up to a limit, folder leases served by whichever connection can
// take them, dead connections replaced, throttling answered with back-off.
//
//   imapclient::pool p(executor, {.connection = options,
//                                 .login = [&](client& c) -> awaitable<void> { co_await c.login(user, password); }});
//   auto inbox = co_await p.lease_folder("INBOX");     // a pool_lease
//   ops::search unseen{.criteria = "UNSEEN"};
//   auto ids = co_await inbox.run(std::move(unseen));
//   ops::folder_status archive{.folder = "Archive"};
//   auto st = co_await p.run(std::move(archive));      // any connection
#pragma once

#include <imapclient/client.hpp>
#include <imapclient/event.hpp>
#include <imapclient/lease.hpp>

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <memory>
#include <string>
#include <vector>

namespace imapclient {

struct pool_options {
    /// How each connection connects (host, TLS, timeouts, lease_wait_timeout, ...).
    client_options connection;
    /// Logs in on each new connection, e.g.
    /// `[=](client& c) -> awaitable<void> { co_await c.login(user, password); }`;
    /// may also ENABLE what every connection needs. Its errors are the
    /// connection's (a NO fails the waiting calls; throttling backs off).
    /// Empty: client::sign_in() with connection.credentials (see
    /// credentials.hpp), which fetches a fresh token for every connection
    /// whose token expired; neither: connections are not logged in.
    std::function<boost::asio::awaitable<void>(client&)> login;
    /// Connections open at most. Servers limit them per account: Gmail to
    /// 15, Dovecot to 10 per user and IP by default.
    std::size_t max_connections = 4;
    /// A connection unused this long gets a NOOP before it is handed out;
    /// if that fails it is replaced.
    std::chrono::milliseconds health_check_after{60'000};
    /// Back-off between connection attempts after a failure or a
    /// throttling answer ([THROTTLED], "Too many simultaneous connections",
    /// "Maximum number of connections", Office 365's "Suggested Backoff
    /// Time", which is honoured): doubles from initial to max, resets after a
    /// successful login.
    std::chrono::milliseconds initial_backoff{250};
    std::chrono::milliseconds max_backoff{30'000};
    /// An operation that only reads (ops::only_reads: LIST, STATUS, FETCH,
    /// SEARCH, ...; by pool::run() or a pool_lease) is tried again on
    /// another connection when its connection died after it was sent. Off:
    /// it fails with the abort error. (An operation that was never sent is
    /// always tried again.)
    bool retry_reads = false;
    /// next_event() delivers the connections' unsolicited events (see
    /// pool_event). Off: they are read and discarded; the pool only learns
    /// from them that a connection ended. On: each connection hands the
    /// pool one event at a time, the next once next_event() took it, so
    /// events that the caller does not take wait in that connection's own
    /// queue, bounded by connection.max_events and max_event_bytes (where they
    /// collapse into resync_needed). A connection whose events wait is
    /// found dead only when a call on it fails or its events are taken.
    bool deliver_events = false;
    /// ENABLE sent on every connection right after its login (RFC 5161
    /// allows ENABLE only before a mailbox is selected), so that a
    /// replacement connection has what the others have (CONDSTORE, QRESYNC,
    /// UTF8=ACCEPT, ...). The server ignores what it does not offer; a
    /// server without ENABLE gets none; a NO or BAD fails the connection as
    /// a failed login does.
    std::vector<std::string> enable;
};

/// What a service exports about its pool (pool::metrics()).
struct pool_metrics {
    std::size_t open = 0;            // connections logged in
    std::size_t busy = 0;            // ... of which with leases or operations
    std::size_t waiting = 0;         // lease_folder() / run() calls waiting for a connection
    std::uint64_t leases = 0;        // leases granted
    std::uint64_t regained = 0;      // ... of which again, on a new connection after a loss
    std::uint64_t operations = 0;    // pool::run() and pool_lease::run() calls completed
    std::uint64_t connection_attempts = 0;
    std::uint64_t connection_failures = 0;
    std::uint64_t throttled = 0;     // attempts answered with a throttling reply
    std::uint64_t replaced = 0;      // connections that died and were replaced (reconnects)
    std::uint64_t retried = 0;       // calls tried again on another connection
    std::uint64_t health_checks = 0;
    std::chrono::nanoseconds lease_wait_total{0}, lease_wait_max{0};
    std::chrono::nanoseconds operation_time_total{0}, operation_time_max{0};
    /// Per-command counts and latency (client::metrics()) summed over every
    /// connection the pool has had, the replaced ones included.
    command_metrics commands;
};

/// An unsolicited event of one of a pool's connections (pool::next_event(),
/// with pool_options::deliver_events).
struct pool_event {
    /// Which connection: its slot in the pool, the same across reconnects.
    std::size_t connection = 0;
    /// Counts the connections that slot has had: one more after each
    /// reconnect, so events of a connection that died are told apart.
    std::uint64_t session = 0;
    /// The folder the pool's leases have selected on that connection when
    /// next_event() hands the event out (for connection_closed: when the
    /// connection ended); none before the first lease. A connection's
    /// events wait in its queue until taken, so when a lease of another
    /// folder took that connection meanwhile, events of the old folder may
    /// carry the new folder's name: a consumer that caches per folder should
    /// resync a folder when the `mailbox` of a connection changes. (With one
    /// folder per connection, e.g. a reconnecting_client listening on one
    /// lease, the name is always right.)
    std::optional<mailbox_identity> mailbox;
    /// What the server said (EXISTS, EXPUNGE, FETCH, ...), resync_needed when
    /// that connection's own event queue overflowed, connection_closed as
    /// the last event of each connection.
    imapclient::event event;
};

class pool;
namespace detail {
struct pool_held_lease;  // lib/pool: what a pool_lease holds
template <typename Op>
void start_pool_leased(const std::shared_ptr<pool_held_lease>& held, Op op, result_handler<typename Op::result_type> h);
}  // namespace detail

/// A folder lease served by one of a pool's connections (see folder_lease
/// for what a lease guarantees). It outlives its connection: the first call
/// after that connection died is served by another one, which selects the
/// folder again (pool_metrics::regained); if the folder's UIDVALIDITY is no
/// longer the one this lease began with, that call and every later one fail
/// with errc::mailbox_changed (its UIDs would name other messages). The
/// call that was running when the connection died fails with its abort
/// error, unless it was never sent or only reads and
/// pool_options::retry_reads allows it again. Released by release() or the
/// destructor, which give the connection back to the pool.
class pool_lease {
public:
    pool_lease() = default;
    pool_lease(std::shared_ptr<detail::pool_held_lease> held, boost::asio::any_io_executor executor,
               mailbox_identity mailbox, select_result selected)
        : status(selected.status),
          held_(std::move(held)),
          executor_(std::move(executor)),
          mailbox_(std::move(mailbox)),
          selected_(std::move(selected)) {}
    pool_lease(pool_lease&& other) noexcept = default;
    pool_lease& operator=(pool_lease&& other) noexcept {
        if (this != &other) {
            release();
            status = std::move(other.status);
            held_ = std::move(other.held_);
            executor_ = std::move(other.executor_);
            mailbox_ = std::move(other.mailbox_);
            selected_ = std::move(other.selected_);
        }
        return *this;
    }
    ~pool_lease() { release(); }

    /// Granted and not released (whether its connection is up or not).
    bool held() const noexcept { return held_ != nullptr; }
    explicit operator bool() const noexcept { return held(); }
    /// The folder (name, UIDVALIDITY) every operation of the lease runs in.
    const mailbox_identity& mailbox() const noexcept { return mailbox_; }
    /// The folder's counts and flags when the lease was first granted.
    const select_result& selected() const noexcept { return selected_; }

    /// As folder_lease::run(): an operation of ops::runs_in_mailbox in this
    /// lease's folder, on whichever connection serves the lease now.
    /// illegal_state once released.
    template <typename Op, typename Token = use_awaitable_t>
    auto run(Op op, Token&& token = {}) {
        static_assert(ops::runs_in_mailbox<Op>, "a lease runs the operations that work in the selected mailbox");
        using result = typename Op::result_type;
        return boost::asio::async_initiate<Token, void(error_code, result)>(
            [held = held_, executor = executor_](auto handler, Op op) {
                detail::start_pool_leased(held, std::move(op),
                                          detail::erase_handler<result>(std::move(handler), executor));
            },
            token, std::move(op));
    }

    /// Gives the folder back to the pool. Operations already started finish.
    void release() noexcept;

    /// The first SELECT's reply, or why no lease was granted.
    status_response status;

private:
    std::shared_ptr<detail::pool_held_lease> held_;
    boost::asio::any_io_executor executor_;
    mailbox_identity mailbox_;
    select_result selected_;
};

/// N connections to one account. Runs on a strand of the executor it was
/// given; metrics() must be called on get_executor(). Every call completes:
/// with its result, its error (a connection that cannot be opened fails
/// the calls waiting for one), or errc::lease_timeout after
/// connection.lease_wait_timeout. The connections' unsolicited events are
/// delivered by next_event() with pool_options::deliver_events.
class pool {
public:
    using executor_type = boost::asio::any_io_executor;

    pool(executor_type executor, pool_options options);
    /// Closes every connection (without LOGOUT); waiting calls complete
    /// with not_connected.
    ~pool();
    pool(const pool&) = delete;
    pool& operator=(const pool&) = delete;

    executor_type get_executor() const noexcept;

    /// A lease on `folder` from a connection that has it selected and is
    /// free, else a free one, else a new one (up to max_connections), else
    /// one whose leases are of the same folder; otherwise the call waits,
    /// in order of arrival. A connection found dead meanwhile is replaced
    /// and the lease asked of another. Cancellation withdraws a waiting call.
    template <typename Token = use_awaitable_t>
    auto lease_folder(std::string folder, bool readonly = false, Token&& token = {}) {
        return boost::asio::async_initiate<Token, void(error_code, pool_lease)>(
            [this](auto handler, std::string folder, bool readonly) {
                start_lease(std::move(folder), readonly, detail::erase_handler<pool_lease>(std::move(handler), get_executor()));
            },
            token, std::move(folder), readonly);
    }

    /// Runs an operation that needs no selected mailbox
    /// (ops::runs_on_any_connection: LIST, STATUS, APPEND, CREATE, ...) on
    /// the least busy connection, opening one if none is open.
    template <typename Op, typename Token = use_awaitable_t>
    auto run(Op op, Token&& token = {}) {
        static_assert(ops::runs_on_any_connection<Op>, "pool::run() takes the operations that need no mailbox");
        using result = typename Op::result_type;
        return boost::asio::async_initiate<Token, void(error_code, result)>(
            [this](auto handler, Op op) {
                start(std::move(op), detail::erase_handler<result>(std::move(handler), get_executor()));
            },
            token, std::move(op));
    }

    /// The next unsolicited event of any connection, in the order the pool
    /// took them (pool_options::deliver_events; illegal_state without it).
    /// Waits until there is one; errc::not_connected once the pool is
    /// closed. Cancellation ends the wait with operation_aborted; nothing
    /// is lost.
    template <typename Token = use_awaitable_t>
    auto next_event(Token&& token = {}) {
        return boost::asio::async_initiate<Token, void(error_code, pool_event)>(
            [this](auto handler) {
                start_next_event(detail::erase_handler<pool_event>(std::move(handler), get_executor()));
            },
            token);
    }

    pool_metrics metrics() const;

    struct state;

private:
    void start_next_event(result_handler<pool_event> h);
    void start_lease(std::string folder, bool readonly, result_handler<pool_lease> h);
    /// Defined in the library for each operation of ops::runs_on_any_connection.
    template <typename Op>
    void start(Op op, result_handler<typename Op::result_type> h);

    std::shared_ptr<state> state_;
};

}  // namespace imapclient
