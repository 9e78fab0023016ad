// Several threads running one io_context, many clients used at once and
// across threads. scripts/tsan.sh builds this under ThreadSanitizer:
// what client.hpp promises ("runs on a strand of the executor it was
// given, and may be used from any thread of that executor's context";
// "~client: pending operations complete with an abort error") must hold
// without a data race.
//
// Catch2's assertion macros are not thread-safe, so the worker threads
// never use them: failures are collected (must()) and asserted on the
// test's own thread at the end.
#include "harness.hpp"
#include "numbered_folders.hpp"

#include <imapclient/pool.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_future.hpp>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

using namespace std::chrono_literals;
using imapclient::client;
namespace asio = boost::asio;

namespace {

constexpr int thread_count = 4;
constexpr int client_count = 16;
constexpr int rounds = 5;

const std::vector<std::string> flags_items{"FLAGS"};
const std::vector<std::string> uid_size_items{"UID", "RFC822.SIZE"};
const std::vector<std::string> body_items{"BODY.PEEK[]"};

// Failures seen on worker threads, reported on the test thread.
struct failures {
    std::mutex m;
    std::vector<std::string> list;
    void add(std::string what) {
        std::lock_guard lock(m);
        list.push_back(std::move(what));
    }
    void check() {
        std::lock_guard lock(m);
        for (auto& f : list) UNSCOPED_INFO(f);
        CHECK(list.empty());
    }
};

void must(bool ok, const std::string& what) {
    if (!ok) throw std::runtime_error(what);
}

// An io_context run by `thread_count` threads, and a count of coroutines
// still running; wait() is the hang guard.
struct pool {
    asio::io_context io{thread_count};
    asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(io);
    std::vector<std::thread> threads;
    std::mutex m;
    std::condition_variable cv;
    int running = 0;
    std::multiset<std::string> names;  // of the coroutines still running
    failures fail;

    pool() {
        for (int i = 0; i < thread_count; ++i) threads.emplace_back([this] { io.run(); });
    }
    ~pool() { halt(); }
    /// Stops the threads: after a hang, before the test's locals that the
    /// stuck coroutines use are destroyed.
    void halt() {
        work.reset();
        io.stop();
        for (auto& t : threads)
            if (t.joinable()) t.join();
    }

    template <typename Executor>
    void spawn(Executor ex, std::function<asio::awaitable<void>()> body, std::string name) {
        {
            std::lock_guard lock(m);
            ++running;
            names.insert(name);
        }
        asio::co_spawn(ex, std::move(body), [this, name = std::move(name)](std::exception_ptr e) {
            if (e) {
                try {
                    std::rethrow_exception(e);
                } catch (const std::exception& x) {
                    fail.add(name + ": " + x.what());
                }
            }
            std::lock_guard lock(m);
            names.erase(names.find(name));
            if (--running == 0) cv.notify_all();
        });
    }

    /// True when every spawned coroutine finished within `limit`; else the
    /// threads are halted (the stuck coroutines named in the failure) so
    /// that the test can fail without racing them.
    bool wait(std::chrono::seconds limit) {
        std::unique_lock lock(m);
        if (cv.wait_for(lock, limit, [this] { return running == 0; })) return true;
        std::string stuck;
        for (auto& n : names) stuck += (stuck.empty() ? "" : ", ") + n;
        lock.unlock();
        halt();
        fail.add("still running after " + std::to_string(limit.count()) + " s: " + stuck);
        fail.check();
        return false;
    }
};

asio::awaitable<void> login(client& c) {
    co_await c.connect();
    co_await c.login("alice", "alicepass");
}

// Creates a folder holding `n` messages (on a client of its own).
std::string make_folder(pool& p, const test::server_env& env, int n) {
    std::string name = test::unique_name("threads");
    p.spawn(p.io.get_executor(), [&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, test::plain_options(env));
        co_await login(c);
        co_await c.raw_command("CREATE " + name);
        for (int i = 0; i < n; ++i) co_await c.append(name, test::make_message("seed" + std::to_string(i), "x"));
        co_await c.logout();
    }, "setup");
    REQUIRE(p.wait(60s));
    p.fail.check();
    return name;
}

asio::awaitable<void> sleep_a_little(int salt) { co_await test::sleep_for(std::chrono::milliseconds(salt % 7)); }

}  // namespace

TEST_CASE("threads: 16 clients on a 4-thread io_context, commands from several coroutines each", "[live][threads]") {
    auto env = test::dovecot();
    pool p;
    const int initial = 3;
    const std::string folder = make_folder(p, env, initial);

    std::mutex uids_m;
    std::set<std::uint32_t> appended;
    std::atomic<int> fetches{0}, noops{0};

    for (int k = 0; k < client_count; ++k) {
        // Half the clients are driven from strands of their own, half
        // straight from the multi-threaded executor: there, the client's
        // three coroutines run on different threads at once and their
        // completions arrive on whichever thread is free.
        auto ex = k % 2 ? asio::any_io_executor(asio::make_strand(p.io)) : asio::any_io_executor(p.io.get_executor());
        auto c = std::make_shared<client>(ex, test::plain_options(env));
        p.spawn(ex, [&, c, ex, k]() -> asio::awaitable<void> {
            co_await login(*c);
            auto sel = co_await c->select_folder(folder);
            must(sel.exists >= initial, "SELECT saw fewer messages than the folder was created with");
            const std::string who = "client " + std::to_string(k);
            p.spawn(ex, [&, c, k, who]() -> asio::awaitable<void> {
                for (int i = 0; i < rounds; ++i) {
                    auto r = co_await c->append(folder, test::make_message("t" + std::to_string(k) + "-" + std::to_string(i), "b"));
                    must(r.uid.has_value(), who + ": APPEND without APPENDUID");
                    std::lock_guard lock(uids_m);
                    must(appended.insert(*r.uid).second, who + ": APPENDUID " + std::to_string(*r.uid) + " twice");
                }
            }, who + " append");
            p.spawn(ex, [&, c, k, who]() -> asio::awaitable<void> {
                for (int i = 0; i < rounds; ++i) {
                    co_await sleep_a_little(k + i);
                    auto f = co_await c->fetch("1:*", flags_items);
                    must(f.messages.size() >= initial, who + ": FETCH 1:* returned " + std::to_string(f.messages.size()));
                    for (auto& [uid, m] : f.messages) must(m.flags.has_value() && m.uid == uid, who + ": FETCH without FLAGS/UID");
                    auto s = co_await c->fetch("1:" + std::to_string(initial), uid_size_items);
                    must(s.messages.size() == initial, who + ": FETCH 1:3 returned " + std::to_string(s.messages.size()));
                    ++fetches;
                }
            }, who + " fetch");
            p.spawn(ex, [&, c, k, who]() -> asio::awaitable<void> {
                for (int i = 0; i < rounds; ++i) {
                    co_await sleep_a_little(k * 3 + i);
                    auto n = co_await c->noop();
                    must(n.status.status == imapclient::status_kind::ok, who + ": NOOP not OK");
                    ++noops;
                }
                // Events pushed by the others' appends, drained concurrently
                // with this client's commands (on a strand: `||` must not be
                // used from several threads at once).
                if (k % 2)
                    while (co_await test::next_event_within(*c, 1ms)) {}
            }, who + " noop");
        }, "client " + std::to_string(k));
    }
    REQUIRE(p.wait(120s));
    p.fail.check();
    CHECK(appended.size() == client_count * rounds);
    CHECK(fetches == client_count * rounds);
    CHECK(noops == client_count * rounds);

    // Every append landed exactly once.
    p.spawn(p.io.get_executor(), [&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, test::plain_options(env));
        co_await login(c);
        auto sel = co_await c.select_folder(folder, true);
        must(sel.exists == initial + client_count * rounds, "EXISTS " + std::to_string(sel.exists));
        auto all = co_await c.search();
        std::set<std::uint32_t> found(all.ids.begin(), all.ids.end());
        for (auto uid : appended) must(found.count(uid) == 1, "appended UID " + std::to_string(uid) + " missing");
    }, "verify");
    REQUIRE(p.wait(60s));
    p.fail.check();
}

TEST_CASE("threads: operations issued from a thread that does not run the io_context", "[live][threads]") {
    auto env = test::dovecot();
    pool p;
    const std::string folder = make_folder(p, env, 4);

    // This thread never runs the io_context: every call crosses threads.
    client c(p.io.get_executor(), test::plain_options(env));
    c.connect(asio::use_future).get();
    c.login("alice", "alicepass", asio::use_future).get();
    auto sel = c.select_folder(folder, false, asio::use_future).get();
    CHECK(sel.exists == 4);

    // Many operations in flight at once, from here and from other foreign
    // threads, answered on the io threads.
    std::vector<std::future<imapclient::command_result>> noops;
    std::vector<std::future<imapclient::fetch_result>> fetches;
    for (int i = 0; i < 20; ++i) {
        noops.push_back(c.noop(asio::use_future));
        fetches.push_back(c.fetch("1:*", body_items, {}, asio::use_future));
    }
    std::vector<std::thread> callers;
    std::atomic<int> appended{0};
    for (int t = 0; t < 3; ++t)
        callers.emplace_back([&, t] {
            for (int i = 0; i < 3; ++i) {
                auto r = c.append(folder, test::make_message("x" + std::to_string(t * 10 + i), "y"), {}, {}, asio::use_future).get();
                if (r.uid) ++appended;
            }
        });
    for (auto& t : callers) t.join();
    for (auto& f : noops) CHECK(f.get().status.status == imapclient::status_kind::ok);
    for (auto& f : fetches) {
        auto r = f.get();
        REQUIRE(r.messages.size() >= 4);
        for (auto& [uid, m] : r.messages) CHECK(!m.sections.empty());
    }
    CHECK(appended == 9);
    auto after = c.noop(asio::use_future);
    CHECK(after.get().status.status == imapclient::status_kind::ok);
    auto all = c.fetch("1:*", flags_items, {}, asio::use_future).get();
    CHECK(all.messages.size() == 4 + 9);
    c.logout(asio::use_future).get();
}

TEST_CASE("threads: destroying clients while operations are pending, from io threads and foreign threads",
          "[live][threads]") {
    auto env = test::dovecot();
    pool p;
    const std::string folder = make_folder(p, env, 5);

    // (1) From a foreign thread: operations in flight, then ~client. Every
    // handler must still run exactly once, with a result or an abort error.
    std::atomic<int> handlers{0}, ok{0}, aborted{0}, other{0};
    auto account = [&](imapclient::error_code ec) {
        ++handlers;
        if (!ec) ++ok;
        else if (imapclient::is_abort(ec) || ec == imapclient::errc::not_connected) ++aborted;
        else ++other;
    };
    constexpr int victims = 8, ops_each = 6;
    for (int k = 0; k < victims; ++k) {
        auto c = std::make_unique<client>(p.io.get_executor(), test::plain_options(env));
        c->connect(asio::use_future).get();
        c->login("alice", "alicepass", asio::use_future).get();
        c->select_folder(folder, false, asio::use_future).get();
        for (int i = 0; i < ops_each / 3; ++i) {
            c->fetch("1:*", body_items, {}, [&](imapclient::error_code ec, imapclient::fetch_result) { account(ec); });
            c->noop([&](imapclient::error_code ec, imapclient::command_result) { account(ec); });
            c->append(folder, test::make_message("doomed", "z"), {}, {},
                      [&](imapclient::error_code ec, imapclient::append_result) { account(ec); });
        }
        if (k % 2) std::this_thread::sleep_for(std::chrono::milliseconds(k));  // some already on the wire
        c.reset();
    }
    for (int i = 0; i < 1000 && handlers < victims * ops_each; ++i) std::this_thread::sleep_for(10ms);
    INFO("completed " << ok << ", aborted " << aborted);
    CHECK(handlers == victims * ops_each);
    CHECK(other == 0);
    CHECK(ok + aborted == victims * ops_each);

    // (2) From an io thread, while a coroutine on another thread awaits an
    // operation of the client being destroyed.
    for (int k = 0; k < victims; ++k) {
        auto* c = new client(p.io.get_executor(), test::plain_options(env));
        auto ready = std::make_shared<std::promise<void>>();
        auto ready_f = ready->get_future();
        p.spawn(asio::make_strand(p.io), [&, c, ready]() -> asio::awaitable<void> {
            co_await login(*c);
            co_await c->select_folder(folder);
            // The fetch is initiated before the other thread may delete
            // `c`; from then on only its result is looked at.
            // (No co_await inside the call's arguments: GCC 12 then mishandles
            // the lambda's captures.)
            auto ex = co_await asio::this_coro::executor;
            auto result = std::make_shared<std::optional<std::pair<imapclient::error_code, std::size_t>>>();
            c->fetch("1:*", body_items, {},
                     asio::bind_executor(ex,
                                         [result](imapclient::error_code ec, imapclient::fetch_result r) {
                                             *result = {ec, r.messages.size()};
                                         }));
            ready->set_value();
            for (int i = 0; i < 1000 && !*result; ++i) co_await test::sleep_for(10ms);
            must(result->has_value(), "a fetch pending at ~client never completed");
            auto [ec, n] = **result;
            must(!ec || imapclient::is_abort(ec) || ec == imapclient::errc::not_connected,
                 "fetch pending at ~client: unexpected " + ec.message());
            must(ec || n >= 5, "fetch succeeded with too few messages");
        }, "victim " + std::to_string(k));
        REQUIRE(ready_f.wait_for(30s) == std::future_status::ready);
        asio::post(p.io, [c] { delete c; });
    }
    REQUIRE(p.wait(60s));
    p.fail.check();
}

TEST_CASE("threads: listen() on one strand, appends from other threads, cancellation across strands",
          "[live][threads]") {
    auto env = test::dovecot();
    pool p;
    const std::string folder = make_folder(p, env, 0);
    constexpr int appenders = 4, each = 3;

    auto lex = asio::make_strand(p.io);
    auto listener = std::make_shared<client>(lex, test::plain_options(env));
    std::atomic<bool> listening{false};
    std::atomic<std::uint32_t> last_exists{0};
    p.spawn(lex, [&]() -> asio::awaitable<void> {
        co_await login(*listener);
        co_await listener->select_folder(folder);
        // Shared with listen()'s handler, which may outlive this frame when a
        // check below fails.
        auto stop = std::make_shared<asio::cancellation_signal>();
        auto listen_ec = std::make_shared<std::optional<imapclient::error_code>>();
        asio::co_spawn(lex, listener->listen({}, asio::as_tuple(asio::use_awaitable)),
                       asio::bind_cancellation_slot(stop->slot(), [stop, listen_ec](std::exception_ptr, std::tuple<imapclient::error_code, imapclient::command_result> r) {
                           *listen_ec = std::get<0>(r);
                       }));
        listening = true;
        for (int i = 0; i < 200 && last_exists < appenders * each; ++i) {
            auto ev = co_await test::next_event_within(*listener, 100ms);
            if (!ev) continue;
            if (auto* resp = std::get_if<imapclient::response>(&*ev))
                if (auto* e = std::get_if<imapclient::exists_data>(resp)) last_exists = e->count;
        }
        must(last_exists == appenders * each, "listener saw EXISTS " + std::to_string(last_exists));
        // Commands from this strand while listening: IDLE steps aside.
        auto f = co_await listener->fetch("1:*", flags_items);
        must(f.messages.size() == appenders * each, "fetch while listening: " + std::to_string(f.messages.size()));
        stop->emit(asio::cancellation_type::terminal);
        for (int i = 0; i < 300 && !*listen_ec; ++i) co_await test::sleep_for(10ms);
        must(listen_ec->has_value(), "listen() did not end after cancellation");
        must(**listen_ec == asio::error::operation_aborted, "listen() ended with " + (*listen_ec)->message());
        co_await listener->noop();
    }, "listener");

    for (int a = 0; a < appenders; ++a) {
        auto ex = asio::make_strand(p.io);
        p.spawn(ex, [&, a]() -> asio::awaitable<void> {
            // The client's strand is not this coroutine's: completions and
            // cancellations cross between the two.
            client c(p.io.get_executor(), test::plain_options(env));
            co_await login(c);
            while (!listening) co_await test::sleep_for(5ms);
            co_await test::sleep_for(100ms);
            for (int i = 0; i < each; ++i)
                co_await c.append(folder, test::make_message("pushed" + std::to_string(a * 10 + i), "p"));
            // A fetch raced with a short timer from this strand: the
            // cancellation crosses into the client's strand.
            using namespace asio::experimental::awaitable_operators;
            co_await c.select_folder(folder);
            asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::microseconds(200 * (a + 1)));
            co_await (c.fetch("1:*", body_items, {}, asio::as_tuple(asio::use_awaitable)) ||
                      t.async_wait(asio::as_tuple(asio::use_awaitable)));
            auto n = co_await c.noop();  // the connection survived the cancellation
            must(n.status.status == imapclient::status_kind::ok, "NOOP after a cancelled fetch");
            // Waits for events cut short from this strand.
            for (int i = 0; i < 20; ++i) co_await test::next_event_within(c, std::chrono::milliseconds(i % 3));
        }, "appender " + std::to_string(a));
    }
    REQUIRE(p.wait(90s));
    p.fail.check();
    CHECK(last_exists == appenders * each);
}

// Found by test/fuzz/fuzz_client.cpp (a FETCH raced with a 0 ms timer by
// `||` while the connection failed), and the SIGSEGV of CI. A cancellation
// requested outside the client's strand used to reach Asio's co_spawn
// cancellation handler, which posts the emit to the strand with a raw
// pointer to a signal that lives in the caller's slot (Boost 1.81
// boost/asio/impl/co_spawn.hpp:208-209, chriskohlhoff/asio#1332). When the
// operation completed before the posted emit ran, and its handler released
// the slot (as `||` does), the emit read freed memory. launch() now bridges
// the caller's slot to a signal it shares with the queued emits
// (lib/actor/launch.hpp). Made deterministic here: shutdown() queues the
// completion on the strand, the emit is queued behind it from the
// io_context; AddressSanitizer (scripts/test.sh) reported
// heap-use-after-free in cancellation_signal::emit before the fix.
TEST_CASE("threads: cancellation from outside the strand racing the operation's completion",
          "[loopback][threads][cancellation]") {
    asio::io_context io;
    asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
    asio::ip::tcp::socket peer(io);
    const std::string greeting = "* OK [CAPABILITY IMAP4rev1] hi\r\n";
    acceptor.async_accept(peer, [&](imapclient::error_code ec) {
        if (!ec) asio::async_write(peer, asio::buffer(greeting), [](imapclient::error_code, std::size_t) {});
    });
    imapclient::client_options o;
    o.host = "127.0.0.1";
    o.port = acceptor.local_endpoint().port();
    o.security = imapclient::security::plain;
    client c(io.get_executor(), o);
    bool connected = false;
    c.connect([&](imapclient::error_code ec, imapclient::connect_result) { connected = !ec; });
    io.run_for(2s);
    REQUIRE(connected);

    // The caller's signal dies with the operation, as `||`'s do.
    auto sig = std::make_shared<std::unique_ptr<asio::cancellation_signal>>(std::make_unique<asio::cancellation_signal>());
    std::optional<imapclient::error_code> result;
    c.noop(asio::bind_cancellation_slot((*sig)->slot(), [&result, sig](imapclient::error_code ec, imapclient::command_result) {
        result = ec;
        sig->reset();
    }));
    io.restart();
    io.run_for(200ms);  // NOOP written, never answered
    REQUIRE_FALSE(result);
    c.shutdown();  // the completion is queued on the strand...
    asio::post(io, [sig] {
        if (*sig) (*sig)->emit(asio::cancellation_type::terminal);  // ...and the emit behind it
    });
    io.restart();
    io.run_for(1s);
    REQUIRE(result);
    CHECK(*result == imapclient::errc::not_connected);
}

TEST_CASE("threads: folder leases and a pool used from the threads of a 4-thread io_context", "[live][threads]") {
    auto env = test::dovecot();
    pool p;
    std::vector<std::string> names;
    p.spawn(p.io.get_executor(), [&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, test::plain_options(env));
        co_await login(c);
        names = co_await test::make_numbered_folders(c, 2, 2);
        co_await c.logout();
    }, "setup");
    REQUIRE(p.wait(60s));
    p.fail.check();

    // One client and one pool on the multi-threaded executor itself: their
    // callers' coroutines run on any thread, and leases are released (by
    // their destructors) on whichever thread the caller is on.
    auto shared = std::make_shared<client>(p.io.get_executor(), test::plain_options(env));
    imapclient::pool_options po;
    po.connection = test::plain_options(env);
    po.login = [](client& c) -> asio::awaitable<void> { co_await c.login("alice", "alicepass"); };
    po.max_connections = 2;
    auto connections = std::make_shared<imapclient::pool>(p.io.get_executor(), po);
    std::atomic<int> fetched{0};
    p.spawn(p.io.get_executor(), [&, shared]() -> asio::awaitable<void> { co_await login(*shared); }, "login");
    REQUIRE(p.wait(30s));
    for (int k = 0; k < 16; ++k) {
        p.spawn(p.io.get_executor(), [&, shared, connections, k]() -> asio::awaitable<void> {
            const std::string who = "worker " + std::to_string(k);
            for (int i = 0; i < 5; ++i) {
                const int f = (k + i) % 2;
                auto op = test::fetch_every("ENVELOPE");
                imapclient::fetch_result r;
                if (k % 2) {
                    auto lease = co_await shared->lease_folder(names[f], true);
                    r = co_await lease.run(std::move(op));
                } else {
                    auto lease = co_await connections->lease_folder(names[f], true);
                    r = co_await lease.run(std::move(op));
                }
                must(r.messages.size() == 2, who + ": " + std::to_string(r.messages.size()) + " messages");
                must(test::foreign_messages(r, f) == 0, who + ": another folder's message");
                ++fetched;
            }
        }, "worker " + std::to_string(k));
    }
    REQUIRE(p.wait(120s));
    p.fail.check();
    CHECK(fetched == 16 * 5);
}
