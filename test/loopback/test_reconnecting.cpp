// The reconnecting client (a pool of one) against scripted servers that
// drop the connection: a lease's next call selects its folder again on the
// new connection, ENABLE is sent again, a changed UIDVALIDITY ends the
// lease, and the events of every connection reach next_event() in order.
#include "fake_server.hpp"
#include "harness.hpp"
#include "scripted_session.hpp"

#include <imapclient/reconnecting_client.hpp>

#include <atomic>
#include <thread>

using namespace std::chrono_literals;
namespace asio = boost::asio;
using imapclient::client;
using imapclient::errc;
using imapclient::make_error_code;
namespace ops = imapclient::ops;

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

asio::awaitable<void> login(client& c) {
    co_await c.login("user", "pass");
}

imapclient::pool_options options_for(const test::fake_server& s) {
    imapclient::pool_options o;
    o.connection = test::scripted::short_timeout_options(s);
    o.login = login;
    o.initial_backoff = 50ms;
    o.max_backoff = 200ms;
    return o;
}

/// Greeting, LOGIN (and ENABLE CONDSTORE when `enable`), SELECT INBOX with
/// the given UIDVALIDITY.
void serve_select(test::fake_connection& c, int uid_validity, bool enable = false) {
    c.send(test::scripted::greeting);
    auto t = c.expect("LOGIN");
    c.send(t + " OK [CAPABILITY IMAP4rev1 ENABLE CONDSTORE] logged in\r\n");
    if (enable) {
        t = c.expect("ENABLE CONDSTORE");
        c.send("* ENABLED CONDSTORE\r\n" + t + " OK enabled\r\n");
    }
    t = c.expect("SELECT INBOX");
    c.send("* 10 EXISTS\r\n* OK [UIDVALIDITY " + std::to_string(uid_validity) + "] v\r\n" + t +
           " OK [READ-WRITE] selected\r\n");
}

/// A scripted server for `connections` connections whose script is told
/// which one it serves (1, 2, ...).
test::fake_server numbered(int connections, std::function<void(int, test::fake_connection&)> script) {
    auto n = std::make_shared<std::atomic<int>>(0);
    return test::fake_server([n, script](test::fake_connection& c) { script(++*n, c); }, connections);
}

/// Waits until the pool has found its connection dead (at most 2 s).
asio::awaitable<void> until_lost(imapclient::pool& p) {
    asio::steady_timer t(co_await asio::this_coro::executor);
    for (int i = 0; i < 200 && p.metrics().open > 0; ++i) {
        t.expires_after(10ms);
        co_await t.async_wait(asio::use_awaitable);
    }
}

}  // namespace

TEST_CASE("reconnecting_client: after a loss a lease's next call selects its folder again, ENABLE is sent again",
          "[loopback][pool][reconnect]") {
    auto server = numbered(2, [](int mine, test::fake_connection& c) {
        serve_select(c, 7, true);
        auto t = c.expect("UID SEARCH");
        c.send(mine == 1 ? "* SEARCH 1 2 3\r\n" : "* SEARCH 4\r\n");
        c.send(t + " OK done\r\n");
        if (mine == 1) c.reset();  // the connection dies
        else c.closed_within(5s);
    });
    test::run([&]() -> asio::awaitable<void> {
        auto o = options_for(server);
        o.enable = {"CONDSTORE"};
        imapclient::reconnecting_client rc(co_await asio::this_coro::executor, o);
        auto inbox = co_await rc.lease_folder("INBOX");
        CHECK(inbox.mailbox().uid_validity == 7u);
        ops::search all{.criteria = "ALL"};
        auto first = co_await inbox.run(all);
        CHECK(first.ids == std::vector<std::uint32_t>{1, 2, 3});
        co_await until_lost(rc);
        auto second = co_await inbox.run(all);
        CHECK(second.ids == std::vector<std::uint32_t>{4});
        CHECK(second.ran_in == inbox.mailbox());
        const auto m = rc.metrics();
        CHECK(m.connection_attempts == 2);
        CHECK(m.replaced == 1);
        CHECK(m.regained == 1);
        CHECK(m.open == 1);
        // The commands of both connections, the dead one's included.
        REQUIRE(m.commands.find("LOGIN"));
        CHECK(m.commands.find("LOGIN")->ok == 2);
        REQUIRE(m.commands.find("UID SEARCH"));
        CHECK(m.commands.find("UID SEARCH")->ok == 2);
        CHECK(m.commands.find("ENABLE")->ok == 2);
    });
    CHECK(server.finish().empty());
}

TEST_CASE("reconnecting_client: a read cut off by the loss is sent again (retry_reads), a write fails with its abort error",
          "[loopback][pool][reconnect]") {
    auto server = numbered(3, [](int mine, test::fake_connection& c) {
        serve_select(c, 7);
        if (mine == 1) {
            c.expect("NOOP");  // on the wire, never answered
            c.reset();
            return;
        }
        auto t = c.expect("NOOP");
        c.send(t + " OK noop " + std::to_string(mine) + "\r\n");
        if (mine == 2) {
            c.expect("UID STORE");  // likewise
            c.reset();
            return;
        }
        c.closed_within(5s);
    });
    test::run([&]() -> asio::awaitable<void> {
        auto o = options_for(server);
        o.retry_reads = true;
        imapclient::reconnecting_client rc(co_await asio::this_coro::executor, o);
        auto inbox = co_await rc.lease_folder("INBOX");
        ops::noop noop;
        auto r = co_await inbox.run(noop);
        CHECK(r.status.text == "noop 2");
        ops::store_flags seen{.messages = {"1"}, .flags = {"\\Seen"}};
        auto [ec, stored] = co_await inbox.run(seen, tuple_awaitable);
        CHECK(imapclient::is_abort(ec));
        auto r3 = co_await inbox.run(noop);
        CHECK(r3.status.text == "noop 3");
        const auto m = rc.metrics();
        CHECK(m.regained == 2);
        CHECK(m.retried == 1);
        CHECK(m.replaced == 2);
    });
    CHECK(server.finish().empty());
}

TEST_CASE("reconnecting_client: a new UIDVALIDITY after the reconnect ends the lease with mailbox_changed",
          "[loopback][pool][reconnect]") {
    auto server = numbered(2, [](int mine, test::fake_connection& c) {
        serve_select(c, mine == 1 ? 7 : 8);
        if (mine == 1) c.reset();
        else c.closed_within(5s);
    });
    test::run([&]() -> asio::awaitable<void> {
        imapclient::reconnecting_client rc(co_await asio::this_coro::executor, options_for(server));
        auto inbox = co_await rc.lease_folder("INBOX");
        co_await until_lost(rc);
        ops::fetch f{.messages = {"1:*"}, .items = {"FLAGS"}};
        auto [ec, r] = co_await inbox.run(f, tuple_awaitable);
        CHECK(ec == make_error_code(errc::mailbox_changed));
        CHECK(r.status.text.find("from 7 to 8") != std::string::npos);
        CHECK(r.messages.empty());
        // And every later call, without asking the server.
        auto [again, r2] = co_await inbox.run(f, tuple_awaitable);
        CHECK(again == make_error_code(errc::mailbox_changed));
        // The connection was given back: a new lease sees the new folder.
        inbox.release();
        auto fresh = co_await rc.lease_folder("INBOX");
        CHECK(fresh.mailbox().uid_validity == 8u);
    });
    CHECK(server.finish().empty());
}

TEST_CASE("reconnecting_client: next_event() delivers every connection's events, naming connection and folder",
          "[loopback][pool][reconnect]") {
    auto server = numbered(2, [](int mine, test::fake_connection& c) {
        serve_select(c, 7);
        if (mine == 1) {
            c.send("* 11 EXISTS\r\n");
            // Dies once the client has read the EXISTS.
            std::this_thread::sleep_for(100ms);
            c.reset();
            return;
        }
        auto t = c.expect("NOOP");
        c.send("* 12 EXISTS\r\n" + t + " OK noop\r\n");
        c.closed_within(5s);
    });
    test::run([&]() -> asio::awaitable<void> {
        auto o = options_for(server);
        o.deliver_events = true;
        imapclient::reconnecting_client rc(co_await asio::this_coro::executor, o);
        auto inbox = co_await rc.lease_folder("INBOX");
        auto e1 = co_await rc.next_event();
        auto* r1 = std::get_if<imapclient::response>(&e1.event);
        REQUIRE(r1);
        REQUIRE(std::get_if<imapclient::exists_data>(r1));
        CHECK(std::get<imapclient::exists_data>(*r1).count == 11u);
        CHECK(e1.connection == 0u);
        REQUIRE(e1.mailbox);
        CHECK(*e1.mailbox == inbox.mailbox());
        auto e2 = co_await rc.next_event();
        CHECK(std::holds_alternative<imapclient::connection_closed>(e2.event));
        CHECK(e2.session == e1.session);
        ops::noop noop;
        co_await inbox.run(noop);
        auto e3 = co_await rc.next_event();
        auto* r3 = std::get_if<imapclient::response>(&e3.event);
        REQUIRE(r3);
        REQUIRE(std::get_if<imapclient::exists_data>(r3));
        CHECK(std::get<imapclient::exists_data>(*r3).count == 12u);
        CHECK(e3.connection == 0u);
        CHECK(e3.session == e1.session + 1);
    });
    CHECK(server.finish().empty());
}

TEST_CASE("pool: next_event() needs deliver_events, and a waiting next_event() can be cancelled",
          "[loopback][pool]") {
    test::run([&]() -> asio::awaitable<void> {
        using namespace asio::experimental::awaitable_operators;
        imapclient::pool_options o;
        imapclient::pool p(co_await asio::this_coro::executor, o);
        auto [ec, e] = co_await p.next_event(tuple_awaitable);
        CHECK(ec == make_error_code(errc::illegal_state));

        o.deliver_events = true;
        imapclient::pool q(co_await asio::this_coro::executor, o);
        asio::steady_timer t(co_await asio::this_coro::executor, 50ms);
        auto waited = co_await (q.next_event(tuple_awaitable) || t.async_wait(asio::use_awaitable));
        CHECK(waited.index() == 1);  // the timer won; the wait was withdrawn
        CHECK(q.metrics().open == 0);
    });
}

TEST_CASE("reconnecting_client: pool_options::enable is skipped on a server without ENABLE",
          "[loopback][pool][reconnect]") {
    auto server = numbered(1, [](int, test::fake_connection& c) {
        c.send("* OK [CAPABILITY IMAP4rev1] no ENABLE here\r\n");
        auto t = c.expect("LOGIN");
        c.send(t + " OK [CAPABILITY IMAP4rev1] logged in\r\n");
        t = c.expect("NOOP");  // not ENABLE
        c.send(t + " OK noop\r\n");
        c.closed_within(5s);
    });
    test::run([&]() -> asio::awaitable<void> {
        auto o = options_for(server);
        o.enable = {"CONDSTORE"};
        imapclient::reconnecting_client rc(co_await asio::this_coro::executor, o);
        ops::noop noop;
        auto r = co_await rc.run(noop);
        CHECK(r.status.text == "noop");
        CHECK(rc.metrics().connection_failures == 0);
    });
    CHECK(server.finish().empty());
}
