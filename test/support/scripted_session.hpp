// The scripted server's usual opening, shared by the loopback tests: a
// greeting, LOGIN and the SELECT of a mailbox with 10 messages, and the
// client's side of it. In test::scripted (not test) so that argument-
// dependent lookup never prefers these over a test file's own helpers of
// the same name.
#pragma once

#include "fake_server.hpp"

#include <imapclient/client.hpp>

#include <boost/asio/awaitable.hpp>

#include <string>
#include <vector>

namespace test::scripted {

inline const char* const greeting = "* OK [CAPABILITY IMAP4rev1 LITERAL+ IDLE] fake server ready\r\n";

/// Client options for the scripted server (test::scripted_options).
inline imapclient::client_options fake_options(const fake_server& s) { return scripted_options(s); }

/// fake_options with 2 s read and connect timeouts.
inline imapclient::client_options short_timeout_options(const fake_server& s) {
    imapclient::client_options o = scripted_options(s);
    o.timeout = std::chrono::seconds(2);
    o.connect_timeout = std::chrono::seconds(2);
    return o;
}

/// Greeting, LOGIN and SELECT of a mailbox with 10 messages.
inline void serve_login_select(fake_connection& c, const char* caps = greeting,
                               std::string login_caps = "IMAP4rev1 LITERAL+ IDLE UIDPLUS") {
    c.send(caps);
    auto t = c.expect("LOGIN");
    c.send(t + " OK [CAPABILITY " + login_caps + "] logged in\r\n");
    t = c.expect("SELECT");
    c.send("* 10 EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 7] v\r\n* OK [UIDNEXT 11] n\r\n"
           "* FLAGS (\\Seen \\Deleted)\r\n" + t + " OK [READ-WRITE] selected\r\n");
}

/// The client's side: connect, LOGIN user/pass, SELECT INBOX.
inline boost::asio::awaitable<void> login_select(imapclient::client& c) {
    co_await c.connect();
    co_await c.login("user", "pass");
    co_await c.select_folder("INBOX");
}

inline const std::vector<std::string> flags_item{"FLAGS"};

}  // namespace test::scripted
