// The reconnecting client against a Dovecot of the test's own that is killed
// and started again: the push listener on a lease keeps listening, and the
// new mail after the restart arrives as an event of the new connection.
#include "harness.hpp"
#include "private_dovecot.hpp"

#include <imapclient/reconnecting_client.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/detached.hpp>

#include <csignal>

using namespace std::chrono_literals;
using imapclient::client;
using imapclient::errc;
using imapclient::make_error_code;
namespace asio = boost::asio;
namespace ops = imapclient::ops;
using namespace asio::experimental::awaitable_operators;
using imapclient::error_code;

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

asio::awaitable<void> alice(client& c) {
    co_await c.login("alice", "alicepass");
}

asio::awaitable<void> append_one(const test::server_env& env, const std::string& folder, const std::string& subject) {
    client c(co_await asio::this_coro::executor, test::plain_options(env));
    co_await c.connect();
    co_await alice(c);
    co_await c.append(folder, test::make_message(subject, "body"));
    co_await c.logout();
}

}  // namespace

TEST_CASE("reconnecting_client: a push listener survives the server being killed and started again",
          "[live][pool][reconnect][connection_loss]") {
    test::private_dovecot server;
    test::run(
        [&]() -> asio::awaitable<void> {
            auto ex = co_await asio::this_coro::executor;
            imapclient::pool_options o;
            o.connection = test::plain_options(server.env);
            o.connection.timeout = 5s;
            o.login = alice;
            o.deliver_events = true;
            o.enable = {"CONDSTORE"};
            o.initial_backoff = 50ms;
            o.max_backoff = 200ms;
            imapclient::reconnecting_client rc(ex, o);
            const std::string folder = "reconnect-" + std::to_string(::getpid());
            ops::create_folder create{.folder = folder};
            co_await rc.run(create);
            auto box = co_await rc.lease_folder(folder, true);
            const auto uid_validity = box.mailbox().uid_validity;

            // The listener: listen() until the connection dies, then again
            // (the lease selects the folder on the new connection).
            asio::cancellation_signal stop;
            int listens = 0;
            bool listener_done = false;
            error_code listener_ec;
            auto listener = [&]() -> asio::awaitable<void> {
                for (;;) {
                    ++listens;
                    ops::listen forever;
                    auto [ec, r] = co_await box.run(forever, asio::bind_cancellation_slot(stop.slot(), tuple_awaitable));
                    if (ec == asio::error::operation_aborted || !imapclient::is_abort(ec)) {
                        listener_ec = ec;
                        break;
                    }
                }
                listener_done = true;
            };
            asio::co_spawn(ex, listener(), asio::detached);

            // New mail, then the EXISTS of the first connection.
            auto exists_after = [&](std::uint64_t min_session) -> asio::awaitable<std::optional<imapclient::pool_event>> {
                for (int i = 0; i < 50; ++i) {
                    asio::steady_timer limit(ex, 10s);
                    auto got = co_await (rc.next_event(tuple_awaitable) || limit.async_wait(asio::use_awaitable));
                    if (got.index() != 0) co_return std::nullopt;  // nothing for 10 s
                    auto [ec, e] = std::get<0>(std::move(got));
                    if (ec) co_return std::nullopt;
                    auto* r = std::get_if<imapclient::response>(&e.event);
                    if (r && std::holds_alternative<imapclient::exists_data>(*r) && e.session >= min_session) co_return e;
                }
                co_return std::nullopt;
            };
            co_await test::sleep_for(200ms);
            co_await append_one(server.env, folder, "before the restart");
            auto first = co_await exists_after(0);
            REQUIRE(first);
            CHECK(first->mailbox->name == folder);

            server.signal_all(SIGKILL);
            co_await test::sleep_for(150ms);
            server.restart();
            for (int i = 0; i < 1000 && rc.metrics().regained == 0; ++i) co_await test::sleep_for(10ms);
            CHECK(rc.metrics().regained == 1);
            co_await test::sleep_for(200ms);  // IDLE accepted on the new connection

            co_await append_one(server.env, folder, "after the restart");
            auto second = co_await exists_after(first->session + 1);
            REQUIRE(second);
            CHECK(second->connection == first->connection);
            CHECK(second->mailbox->uid_validity == uid_validity);
            CHECK(std::get<imapclient::exists_data>(std::get<imapclient::response>(second->event)).count == 2u);
            CHECK(listens >= 2);

            stop.emit(asio::cancellation_type::terminal);
            for (int i = 0; i < 500 && !listener_done; ++i) co_await test::sleep_for(10ms);
            CHECK(listener_done);
            CHECK(listener_ec == asio::error::operation_aborted);
            const auto m = rc.metrics();
            CHECK(m.replaced == 1);
            CHECK(m.open == 1);
        },
        std::chrono::seconds(90));
}
