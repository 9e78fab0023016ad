// One connection that comes back: for a program that holds one connection
// (a push listener, a sync tool) and wants it to survive a server restart,
// a dropped Wi-Fi or a NAT timeout without writing a reconnect loop.
//
//   imapclient::pool_options o{.connection = options, .login = login, .deliver_events = true};
//   imapclient::reconnecting_client rc(executor, std::move(o));
//   auto inbox = co_await rc.lease_folder("INBOX", true);
//   for (;;) {                               // in one coroutine: keep listening
//       ops::listen forever;
//       auto [ec, r] = co_await inbox.run(std::move(forever), as_tuple(use_awaitable));
//       if (ec == errc::mailbox_changed) break;  // the folder is another one now: resync
//   }
//   for (;;) {                               // in another: what the server says
//       auto e = co_await rc.next_event();
//       ...
//   }
//
// It is a pool of exactly one connection (pool.hpp), so it does what the
// pool does on a loss: the connection is opened again with back-off
// (initial_backoff doubling to max_backoff), logged in by
// pool_options::login, given pool_options::enable again, and a lease's next
// call selects its folder again, failing with errc::mailbox_changed instead
// if the folder's UIDVALIDITY changed meanwhile. A call that was on the
// wire when the connection died fails with its abort error (and is sent
// again only if it only reads and pool_options::retry_reads allows it);
// a call not yet sent is sent on the new connection. Leases of two folders
// take turns, as on a client: the second waits until the first is released.
#pragma once

#include <imapclient/pool.hpp>

#include <utility>

namespace imapclient {

class reconnecting_client : public pool {
public:
    /// options.max_connections is ignored: one connection.
    reconnecting_client(executor_type executor, pool_options options)
        : pool(std::move(executor), one_connection(std::move(options))) {}

private:
    static pool_options one_connection(pool_options o) {
        o.max_connections = 1;
        return o;
    }
};

}  // namespace imapclient
