// The connection pool against the real Dovecot and Cyrus: many coroutines,
// several folders, a few connections; and a server killed mid-run and
// started again.
#include "harness.hpp"
#include "numbered_folders.hpp"
#include "private_dovecot.hpp"

#include <imapclient/pool.hpp>

#include <boost/asio/detached.hpp>

using namespace std::chrono_literals;
using imapclient::client;
using imapclient::errc;
using imapclient::make_error_code;
namespace asio = boost::asio;
namespace ops = imapclient::ops;

namespace {

asio::awaitable<void> alice(client& c) {
    co_await c.login("alice", "alicepass");
}

imapclient::pool_options pool_of(const test::server_env& e, std::size_t n) {
    imapclient::pool_options o;
    o.connection = test::plain_options(e);
    o.login = alice;
    o.max_connections = n;
    return o;
}

}  // namespace

TEST_CASE("pool: 64 coroutines over 8 folders share 4 connections", "[live][pool]") {
    auto kind = GENERATE(test::server_kind::dovecot, test::server_kind::cyrus);
    auto srv = test::real_server(kind);
    INFO(test::name_of(kind));
    test::run(
        [&]() -> asio::awaitable<void> {
            imapclient::pool p(co_await asio::this_coro::executor, pool_of(srv, 4));
            auto names = co_await test::make_numbered_folders(p, 8, 2);
            int done = 0, wrong = 0, fetched = 0;
            auto worker = [&](int w) -> asio::awaitable<void> {
                for (int i = 0; i < 3; ++i) {
                    const int f = (w * 5 + i * 3) % 8;
                    auto lease = co_await p.lease_folder(names[f], w % 3 == 0);
                    auto op = test::fetch_every("ENVELOPE");
                    auto r = co_await lease.run(std::move(op));
                    CHECK(r.ran_in.name == names[f]);
                    fetched += static_cast<int>(r.messages.size());
                    wrong += test::foreign_messages(r, f);
                }
                ++done;
            };
            auto ex = co_await asio::this_coro::executor;
            for (int w = 0; w < 64; ++w) asio::co_spawn(ex, worker(w), asio::detached);
            while (done < 64) co_await test::sleep_for(10ms);
            CHECK(fetched == 64 * 3 * 2);
            CHECK(wrong == 0);
            // A released lease is given back through the pool's strand, so
            // the last one may still be on its way when `done` reaches 64.
            for (int i = 0; i < 100 && p.metrics().busy > 0; ++i) co_await test::sleep_for(10ms);
            const auto m = p.metrics();
            CHECK(m.connection_attempts <= 4);
            CHECK(m.open <= 4);
            CHECK(m.leases == 64 * 3);
            CHECK(m.waiting == 0);
            CHECK(m.busy == 0);
            for (auto& n : names) {
                ops::delete_folder remove{n};
                co_await p.run(std::move(remove));
            }
        },
        std::chrono::seconds(120));
}

TEST_CASE("pool: a server killed mid-run and started again; every call ends, the pool recovers",
          "[live][pool][connection_loss]") {
    test::private_dovecot server;
    test::run(
        [&]() -> asio::awaitable<void> {
            auto o = pool_of(server.env, 4);
            o.connection.timeout = 5s;
            o.connection.lease_wait_timeout = 5s;
            o.initial_backoff = 50ms;
            o.max_backoff = 200ms;
            imapclient::pool p(co_await asio::this_coro::executor, o);
            auto names = co_await test::make_numbered_folders(p, 8, 2);
            int done = 0, ok = 0, failed = 0, wrong = 0;
            auto worker = [&](int w) -> asio::awaitable<void> {
                for (int i = 0; i < 12; ++i) {
                    const int f = (w + i) % 8;
                    auto [lec, lease] = co_await p.lease_folder(names[f], false, asio::as_tuple(asio::use_awaitable));
                    if (lec) {
                        ++failed;
                    } else {
                        auto op = test::fetch_every("ENVELOPE");
                        auto [ec, r] = co_await lease.run(std::move(op), asio::as_tuple(asio::use_awaitable));
                        wrong += test::foreign_messages(r, f);
                        if (ec) ++failed;
                        else ++ok;
                    }
                    co_await test::sleep_for(40ms);
                }
                ++done;
            };
            auto ex = co_await asio::this_coro::executor;
            for (int w = 0; w < 64; ++w) asio::co_spawn(ex, worker(w), asio::detached);
            co_await test::sleep_for(150ms);
            server.signal_all(SIGKILL);
            co_await test::sleep_for(150ms);
            server.restart();
            while (done < 64) co_await test::sleep_for(10ms);
            INFO("ok " << ok << ", failed " << failed);
            CHECK(ok + failed == 64 * 12);  // every call ended
            CHECK(failed > 0);              // the kill was felt...
            CHECK(ok > 64 * 6);             // ...and most calls worked
            CHECK(wrong == 0);
            // Recovered: a fresh lease works.
            auto lease = co_await p.lease_folder(names[0]);
            auto op = test::fetch_every("ENVELOPE");
            auto r = co_await lease.run(std::move(op));
            CHECK(r.messages.size() == 2);
            const auto m = p.metrics();
            CHECK(m.replaced >= 1);
            CHECK(m.open <= 4);
        },
        std::chrono::seconds(120));
}
