// Soak test (not part of CI): 16 coroutines issue mixed commands, and one
// more keeps a listen() going, against a Dovecot that is killed and
// restarted at random meanwhile. Every call must either complete or fail
// with an error (a call that takes longer than the hang limit is counted
// as hung); after a failure the coroutine reconnects with a short backoff.
// Prints the counts and the resident memory at start, after warm-up and at
// the end, so a leak shows as growth.
//
//   soak DOVECOT_DIR [SECONDS=150] [WORKERS=16]
//
// DOVECOT_DIR is a running test/servers/dovecot.sh instance (start + seed).
// The restarts use `dovecot.sh stop/start DIR`, which picks new ports and
// rewrites DIR/env, so every reconnect reads DIR/env again.
#include <imapclient/client.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>

#include <unistd.h>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using imapclient::client;

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
constexpr auto hang_limit = 30s;  // the client's read timeout is 5 s

// GCC 12 destroys some temporaries twice when a co_await sits inside the
// arguments of a call in the same full-expression (here: a lambda holding
// shared_ptrs passed to co_spawn beside `co_await this_coro::executor`,
// seen as heap corruption after about a minute of soaking). Every co_await
// below is therefore a statement of its own or initialises a variable.

std::string dovecot_dir;
std::string dovecot_script = SOURCE_ROOT "/test/servers/dovecot.sh";

struct counters {
    std::atomic<long> ok{0}, failed{0}, reconnects{0}, connect_failed{0}, events{0}, hung{0}, listens{0};
    std::atomic<long> max_call_ms{0};
    std::map<std::string, long> errors;  // by message; io thread only
} stats;

long rss_kb() {
    std::ifstream in("/proc/self/status");
    std::string key;
    long value = 0;
    while (in >> key) {
        if (key == "VmRSS:") {
            in >> value;
            return value;
        }
        in.ignore(1 << 12, '\n');
    }
    return -1;
}

// DIR/env, read again for every connection: a restart changes the ports.
std::optional<imapclient::client_options> current_options() {
    std::ifstream in(dovecot_dir + "/env");
    std::string line, host;
    int port = 0;
    while (std::getline(in, line)) {
        auto eq = line.find('=');
        if (eq == std::string::npos) continue;
        auto key = line.substr(0, eq), value = line.substr(eq + 1);
        if (key == "IMAP_HOST") host = value;
        if (key == "IMAP_PORT") port = std::atoi(value.c_str());
    }
    if (host.empty() || port <= 0) return std::nullopt;  // being rewritten
    imapclient::client_options o;
    o.host = host;
    o.port = static_cast<std::uint16_t>(port);
    o.security = imapclient::security::plain;
    o.allow_plaintext_login = true;
    o.connect_timeout = 5s;
    o.timeout = 5s;
    return o;
}

asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
    auto ex = co_await asio::this_coro::executor;
    asio::steady_timer t(ex, d);
    co_await t.async_wait(tuple_awaitable);
}

// Counts one call: ok, or failed (with its error); a call that ran longer
// than the hang limit is also counted as hung. True when it succeeded.
bool account(imapclient::error_code ec, clock_type::time_point start) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - start).count();
    long prev = stats.max_call_ms;
    while (ms > prev && !stats.max_call_ms.compare_exchange_weak(prev, ms)) {}
    if (clock_type::now() - start > hang_limit) ++stats.hung;
    if (!ec) {
        ++stats.ok;
        return true;
    }
    ++stats.failed;
    ++stats.errors[ec.message()];
    return false;
}

const std::vector<std::string> flags_items{"FLAGS", "RFC822.SIZE"};
const std::vector<std::string> body_items{"BODY.PEEK[]", "ENVELOPE"};

// Connects, logs in and selects `folder` (created when missing); null
// after a failure (counted).
asio::awaitable<std::unique_ptr<client>> open(const std::string& folder) {
    auto o = current_options();
    if (!o) co_return nullptr;
    auto ex = co_await asio::this_coro::executor;
    auto c = std::make_unique<client>(ex, *o);
    auto start = clock_type::now();
    auto [ec, r] = co_await c->connect(tuple_awaitable);
    if (!account(ec, start)) co_return nullptr;
    start = clock_type::now();
    auto [lec, lr] = co_await c->login("alice", "alicepass", tuple_awaitable);
    if (!account(lec, start)) co_return nullptr;
    if (folder != "INBOX") {
        const std::string create = "CREATE " + folder;
        co_await c->raw_command(create, tuple_awaitable);  // exists: NO, fine
    }
    start = clock_type::now();
    auto [sec, sr] = co_await c->select_folder(folder, false, tuple_awaitable);
    if (!account(sec, start)) co_return nullptr;
    co_return c;
}

asio::awaitable<void> worker(int id, clock_type::time_point deadline) {
    std::mt19937 rng(id * 7919 + 1);
    const std::string folder = "soak-" + std::to_string(::getpid()) + "-" + std::to_string(id);
    std::unique_ptr<client> c;
    bool first = true;
    while (clock_type::now() < deadline) {
        if (!c) {
            if (!first) {
                ++stats.reconnects;
                co_await sleep_for(std::chrono::milliseconds(100 + rng() % 400));
            }
            first = false;
            c = co_await open(folder);
            if (!c) {
                ++stats.connect_failed;
                continue;
            }
        }
        const auto start = clock_type::now();
        imapclient::error_code ec;
        switch (rng() % 7) {
        case 0: {
            auto [e, r] = co_await c->noop(tuple_awaitable);
            ec = e;
            break;
        }
        case 1: {
            auto [e, r] = co_await c->fetch("1:*", flags_items, {}, tuple_awaitable);
            ec = e;
            break;
        }
        case 2: {
            auto [e, r] = co_await c->search("ALL", {}, tuple_awaitable);
            ec = e;
            break;
        }
        case 3: {
            const std::string message = "Subject: soak " + std::to_string(id) + "\r\n\r\nx\r\n";
            auto [e, r] = co_await c->append(folder, message, {}, std::nullopt, tuple_awaitable);
            ec = e;
            break;
        }
        case 4: {
            auto [e, r] = co_await c->fetch("1:5", body_items, {}, tuple_awaitable);
            ec = e;
            break;
        }
        case 5: {
            // Keep the folder small: delete everything now and then.
            auto [sec, r] = co_await c->raw_command("UID STORE 1:* +FLAGS.SILENT (\\Deleted)", tuple_awaitable);
            ec = sec;
            if (!ec) {
                auto [e, r2] = co_await c->raw_command("EXPUNGE", tuple_awaitable);
                ec = e;
            }
            break;
        }
        case 6: {
            auto [e, r] = co_await c->raw_command("STATUS INBOX (MESSAGES UIDNEXT)", tuple_awaitable);
            ec = e;
            break;
        }
        }
        const bool ok = account(ec, start);
        if (!ok && (imapclient::is_abort(ec) || ec == imapclient::errc::not_connected)) c.reset();
    }
    if (c) co_await c->logout(tuple_awaitable);
}

// listen() on INBOX, counting pushed events; reconnects when it fails.
asio::awaitable<void> listener(clock_type::time_point deadline) {
    bool first = true;
    while (clock_type::now() < deadline) {
        if (!first) {
            ++stats.reconnects;
            co_await sleep_for(300ms);
        }
        first = false;
        auto c = co_await open("INBOX");
        if (!c) {
            ++stats.connect_failed;
            continue;
        }
        auto stop = std::make_shared<asio::cancellation_signal>();
        auto listen_done = std::make_shared<bool>(false);
        const auto start = std::make_shared<clock_type::time_point>(clock_type::now());
        ++stats.listens;
        imapclient::listen_options lo;
        lo.renew_interval = 5s;  // renewals happen during the run
        lo.grace = 5s;
        auto ex = co_await asio::this_coro::executor;
        auto on_done = [stop, listen_done, start](std::exception_ptr, auto r) {
            auto ec = std::get<0>(r);
            // Ending by our own cancellation is a success.
            account(ec == asio::error::operation_aborted ? imapclient::error_code{} : ec, clock_type::now());
            *listen_done = true;
        };
        asio::co_spawn(ex, c->listen(lo, tuple_awaitable), asio::bind_cancellation_slot(stop->slot(), std::move(on_done)));
        bool closed = false;
        while (!closed && !*listen_done && clock_type::now() < deadline) {
            using namespace asio::experimental::awaitable_operators;
            asio::steady_timer t(ex, 1s);
            auto r = co_await (c->next_event(tuple_awaitable) || t.async_wait(tuple_awaitable));
            if (r.index() == 1) continue;
            auto& [ec, ev] = std::get<0>(r);
            if (ec) break;
            ++stats.events;
            closed = std::holds_alternative<imapclient::connection_closed>(ev);
        }
        if (!*listen_done) stop->emit(asio::cancellation_type::terminal);
        for (int i = 0; i < 100 && !*listen_done; ++i) co_await sleep_for(100ms);
        if (!*listen_done) ++stats.hung;
    }
}

// Another connection appends to INBOX now and then, so that the listener
// has something to hear.
asio::awaitable<void> pusher(clock_type::time_point deadline) {
    std::unique_ptr<client> c;
    while (clock_type::now() < deadline) {
        co_await sleep_for(500ms);
        if (!c) c = co_await open("INBOX");
        if (!c) continue;
        const auto start = clock_type::now();
        const std::string message = "Subject: push\r\n\r\np\r\n";
        auto [ec, r] = co_await c->append("INBOX", message, {}, std::nullopt, tuple_awaitable);
        if (!account(ec, start)) c.reset();
        else if (r.uid && *r.uid % 20 == 0) {
            co_await c->raw_command("UID STORE 1:* +FLAGS.SILENT (\\Deleted)", tuple_awaitable);
            co_await c->raw_command("EXPUNGE", tuple_awaitable);
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: soak DOVECOT_DIR [SECONDS=150] [WORKERS=16]\n");
        return 2;
    }
    dovecot_dir = argv[1];
    const int seconds = argc > 2 ? std::atoi(argv[2]) : 150;
    const int workers = argc > 3 ? std::atoi(argv[3]) : 16;
    if (!current_options()) {
        std::fprintf(stderr, "soak: no IMAP_PORT in %s/env\n", dovecot_dir.c_str());
        return 2;
    }
    const auto begin = clock_type::now();
    const auto deadline = begin + std::chrono::seconds(seconds);
    const long rss_start = rss_kb();

    // The chaos: kill the server at random, leave it down a while, restart.
    std::atomic<bool> stop_chaos{false};
    std::atomic<int> restarts{0};
    std::thread chaos([&] {
        std::mt19937 rng(12345);
        auto nap = [&](int ms) {
            for (int i = 0; i < ms / 50 && !stop_chaos; ++i) std::this_thread::sleep_for(50ms);
        };
        nap(3000);
        while (!stop_chaos && clock_type::now() + 10s < deadline) {
            nap(2000 + static_cast<int>(rng() % 8000));
            if (stop_chaos) break;
            std::system(("bash " + dovecot_script + " stop " + dovecot_dir + " >/dev/null 2>&1").c_str());
            nap(static_cast<int>(rng() % 3000));
            if (std::system(("bash " + dovecot_script + " start " + dovecot_dir + " >/dev/null 2>&1").c_str()) != 0)
                std::fprintf(stderr, "soak: restart failed\n");
            ++restarts;
        }
    });

    asio::io_context io;
    for (int i = 0; i < workers; ++i) asio::co_spawn(io, worker(i, deadline), asio::detached);
    asio::co_spawn(io, listener(deadline), asio::detached);
    asio::co_spawn(io, pusher(deadline), asio::detached);

    long rss_warm = -1;
    asio::steady_timer report(io);
    std::function<void()> tick = [&] {
        report.expires_after(10s);
        report.async_wait([&](imapclient::error_code ec) {
            if (ec) return;
            const auto t = std::chrono::duration_cast<std::chrono::seconds>(clock_type::now() - begin).count();
            if (rss_warm < 0 && t >= 20) rss_warm = rss_kb();
            std::printf("t=%3llds ok=%ld failed=%ld reconnects=%ld restarts=%d events=%ld rss=%ld kB\n",
                        static_cast<long long>(t), stats.ok.load(), stats.failed.load(), stats.reconnects.load(),
                        restarts.load(), stats.events.load(), rss_kb());
            std::fflush(stdout);
            if (clock_type::now() < deadline) tick();
        });
    };
    tick();
    // Everything ends by itself after the deadline; a coroutine stuck past
    // it (plus the hang limit) is a hang.
    io.run_for(std::chrono::seconds(seconds) + hang_limit + 10s);
    const bool drained = io.stopped();
    stop_chaos = true;
    chaos.join();
    // The server may be down when the chaos stops: leave it running.
    if (std::system(("bash " + dovecot_script + " status " + dovecot_dir + " >/dev/null 2>&1").c_str()) != 0)
        std::system(("bash " + dovecot_script + " start " + dovecot_dir + " >/dev/null 2>&1").c_str());

    const long rss_end = rss_kb();
    std::printf("\nsoak: %d s, %d workers + listener + pusher, %d server restarts\n", seconds, workers, restarts.load());
    std::printf("calls: ok %ld, failed %ld, hung (> %lld s) %ld; longest call %ld ms\n", stats.ok.load(),
                stats.failed.load(), static_cast<long long>(hang_limit.count()), stats.hung.load(),
                stats.max_call_ms.load());
    std::printf("reconnects %ld (connect/login/select failed %ld), listen() sessions %ld, events %ld\n",
                stats.reconnects.load(), stats.connect_failed.load(), stats.listens.load(), stats.events.load());
    std::printf("errors by message:\n");
    for (auto& [what, n] : stats.errors) std::printf("  %6ld  %s\n", n, what.c_str());
    std::printf("RSS: start %ld kB, after 20 s %ld kB, end %ld kB\n", rss_start, rss_warm, rss_end);
    std::printf("all coroutines finished: %s\n", drained ? "yes" : "NO (something hung)");
    return drained && stats.hung == 0 ? 0 : 1;
}
