// A push session that survives connection loss: connect, log in, select,
// listen; after the connection dies, wait (exponential back-off) and do it
// all again, telling the caller each time so it can resync.
#pragma once

#include <imapclient/client.hpp>

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <functional>
#include <string>

namespace imapclient {

struct push_options {
    client_options connection;
    std::string folder = "INBOX";
    /// EXAMINE rather than SELECT: notifications come all the same, and
    /// listening does not clear \Recent.
    bool readonly = true;
    listen_options listen;
    std::chrono::milliseconds initial_backoff{1000};
    std::chrono::milliseconds max_backoff{300'000};
    /// Logs in after each connect, e.g. `co_await c.login(user, password)`.
    /// Empty: client::sign_in() with connection.credentials when set (a
    /// fresh OAuth2 token whenever the last one was refused).
    std::function<boost::asio::awaitable<void>(client&)> authenticate;
    /// Runs beside listen() for each session, typically a loop over
    /// c.next_event() that ends at connection_closed. `mailbox` is the
    /// SELECT result: compare its UIDVALIDITY (and UIDNEXT, HIGHESTMODSEQ)
    /// with what you had to know what to resync. `reconnects` counts the
    /// sessions before this one (0 for the first).
    std::function<boost::asio::awaitable<void>(client&, const select_result& mailbox, unsigned reconnects)> on_session;
};

/// Runs push sessions until cancelled (then returns normally). Connection
/// failures (imapclient::is_abort) lead to a reconnect after a back-off that
/// doubles up to max_backoff and resets after a session that got as far as
/// listening; any other error (wrong password, missing folder) is thrown.
boost::asio::awaitable<void> run_push_session(push_options options);

}  // namespace imapclient
