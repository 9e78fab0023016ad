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

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace imapclient {

struct pool_options {
    /// How each connection connects (host, TLS, timeouts, lease_wait_timeout, ...).
    client_options connection;
    /// Logs in on each new connection, e.g.
    /// `[=](client& c) -> awaitable<void> { co_await c.login(user, password); }`;
    /// may also ENABLE what every connection needs. Its errors are the
    /// connection's (a NO fails the waiting calls; throttling backs off).
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
    /// pool::run() of an operation that only reads (LIST, STATUS, ...) is
    /// tried again on another connection when its connection died after it
    /// was sent. Off: it fails with the abort error. (An operation that was
    /// never sent is always tried again.)
    bool retry_reads = false;
};

/// What a service exports about its pool (pool::metrics()).
struct pool_metrics {
    std::size_t open = 0;            // connections logged in
    std::size_t busy = 0;            // ... of which with leases or operations
    std::size_t waiting = 0;         // lease_folder() / run() calls waiting for a connection
    std::uint64_t leases = 0;        // leases granted
    std::uint64_t operations = 0;    // pool::run() calls completed
    std::uint64_t connection_attempts = 0;
    std::uint64_t connection_failures = 0;
    std::uint64_t throttled = 0;     // attempts answered with a throttling reply
    std::uint64_t replaced = 0;      // connections that died and were replaced
    std::uint64_t retried = 0;       // calls tried again on another connection
    std::uint64_t health_checks = 0;
    std::chrono::nanoseconds lease_wait_total{0}, lease_wait_max{0};
    std::chrono::nanoseconds operation_time_total{0}, operation_time_max{0};
};

/// A folder lease on one of a pool's connections (see folder_lease): it
/// gives the connection back to the pool when released or destroyed.
class pool_lease {
public:
    pool_lease() = default;
    pool_lease(folder_lease lease, std::function<void()> give_back)
        : status(lease.status), lease_(std::move(lease)), give_back_(std::move(give_back)) {}
    pool_lease(pool_lease&& other) noexcept
        : status(std::move(other.status)),
          lease_(std::move(other.lease_)),
          give_back_(std::exchange(other.give_back_, nullptr)) {}
    pool_lease& operator=(pool_lease&& other) noexcept {
        if (this != &other) {
            release();
            status = std::move(other.status);
            lease_ = std::move(other.lease_);
            give_back_ = std::exchange(other.give_back_, nullptr);
        }
        return *this;
    }
    ~pool_lease() { release(); }

    bool held() const noexcept { return lease_.held(); }
    explicit operator bool() const noexcept { return held(); }
    const mailbox_identity& mailbox() const noexcept { return lease_.mailbox(); }
    const select_result& selected() const noexcept { return lease_.selected(); }

    /// As folder_lease::run(): an operation of ops::runs_in_mailbox in this
    /// lease's folder. After its connection died, the abort error (a new
    /// lease is served by a new connection).
    template <typename Op, typename Token = use_awaitable_t>
    auto run(Op op, Token&& token = {}) {
        return lease_.run(std::move(op), std::forward<Token>(token));
    }

    void release() noexcept {
        lease_.release();
        if (auto f = std::exchange(give_back_, nullptr)) f();
    }

    /// The SELECT's reply, or why no lease was granted.
    status_response status;

private:
    folder_lease lease_;
    std::function<void()> give_back_;
};

namespace ops {
/// The operations pool::run() takes: those that need no selected mailbox.
template <typename Op>
inline constexpr bool runs_on_any_connection = false;
template <> inline constexpr bool runs_on_any_connection<noop> = true;
template <> inline constexpr bool runs_on_any_connection<list_folders> = true;
template <> inline constexpr bool runs_on_any_connection<find_special_folder> = true;
template <> inline constexpr bool runs_on_any_connection<folder_exists> = true;
template <> inline constexpr bool runs_on_any_connection<folder_status> = true;
template <> inline constexpr bool runs_on_any_connection<create_folder> = true;
template <> inline constexpr bool runs_on_any_connection<delete_folder> = true;
template <> inline constexpr bool runs_on_any_connection<rename_folder> = true;
template <> inline constexpr bool runs_on_any_connection<subscribe_folder> = true;
template <> inline constexpr bool runs_on_any_connection<unsubscribe_folder> = true;
template <> inline constexpr bool runs_on_any_connection<namespace_> = true;
template <> inline constexpr bool runs_on_any_connection<append> = true;
template <> inline constexpr bool runs_on_any_connection<multiappend> = true;
template <> inline constexpr bool runs_on_any_connection<getacl> = true;
template <> inline constexpr bool runs_on_any_connection<get_quota> = true;
template <> inline constexpr bool runs_on_any_connection<get_quota_root> = true;
}  // namespace ops

/// N connections to one account. Runs on a strand of the executor it was
/// given; metrics() must be called on get_executor(). Every call completes:
/// with its result, its error (a connection that cannot be opened fails
/// the calls waiting for one), or errc::lease_timeout after
/// connection.lease_wait_timeout. The connections' unsolicited events are
/// not delivered (the pool watches them for connection loss only).
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

    pool_metrics metrics() const;

    struct state;

private:
    void start_lease(std::string folder, bool readonly, result_handler<pool_lease> h);
    /// Defined in the library for each operation of ops::runs_on_any_connection.
    template <typename Op>
    void start(Op op, result_handler<typename Op::result_type> h);

    std::shared_ptr<state> state_;
};

}  // namespace imapclient
