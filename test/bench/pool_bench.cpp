// Many coroutines, several folders: one connection with folder leases,
// the pool, and one connection per coroutine, against a real server
// (Dovecot) through the latency proxy (embedded on its own thread) at
// RTT_MS. Each of C coroutines fetches K single messages (UID FETCH
// BODY.PEEK[HEADER.FIELDS (SUBJECT)]), each from a folder picked at random
// (fixed seed) among 8 folders of M messages:
//
//   leases   one client; each fetch in a lease of its folder
//   pool     imapclient::pool with POOL connections; each fetch in a pool lease
//   baseline C clients, one per coroutine; each fetch after select_folder()
//
// Wall time includes opening the connections. Each mode runs RUNS (3)
// times, interleaved; the median is printed, with the connections each
// used and the most Dovecot imap processes seen at once. Every fetch is
// checked: the subject must be the folder's and UID's ("F3-17"); a
// mismatch exits 1.
//
// Usage: pool-bench IMAP_PORT USER PASSWORD [RTT_MS=25] [C=64] [K=8] [POOL=4] [M=250]
//        (plain IMAP on 127.0.0.1; the folders poolbench-0..7 are made
//        when missing)
#include "bench_util.hpp"
#include "latency_proxy.hpp"

#include <imapclient/pool.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace ops = imapclient::ops;
using clock_type = std::chrono::steady_clock;

namespace {

constexpr int folders = 8;

struct config {
    std::uint16_t port = 0;
    std::string user, password;
    double rtt_ms = 25;
    int coroutines = 64, per_coroutine = 8;
    std::size_t pool_size = 4;
    int messages = 250;
    int runs = 3;
};

[[noreturn]] void fail(const std::string& why) {
    std::fprintf(stderr, "pool-bench: FAILED: %s\n", why.c_str());
    std::exit(1);
}

std::string folder_name(int f) { return "poolbench-" + std::to_string(f); }
std::string subject_of(int f, std::uint32_t uid) { return "F" + std::to_string(f) + "-" + std::to_string(uid); }

/// The folders, made once: M messages each, subject "F<f>-<uid>".
asio::awaitable<void> prepare(const config& cfg) {
    imapclient::client_options o;
    o.host = "127.0.0.1";
    o.port = cfg.port;
    o.security = imapclient::security::plain;
    o.allow_plaintext_login = true;
    imapclient::client c(co_await asio::this_coro::executor, o);
    co_await c.connect();
    co_await c.login(cfg.user, cfg.password);
    for (int f = 0; f < folders; ++f) {
        std::vector<std::string> what{"MESSAGES", "UIDVALIDITY"};
        auto [ec, st] = co_await c.folder_status(folder_name(f), what, asio::as_tuple(asio::use_awaitable));
        if (!ec && st.messages == static_cast<std::uint32_t>(cfg.messages)) continue;
        if (!ec) co_await c.delete_folder(folder_name(f));
        co_await c.create_folder(folder_name(f));
        std::vector<ops::append_message> batch;
        for (int m = 1; m <= cfg.messages; ++m) {
            ops::append_message msg;
            msg.message = "From: bench@example.com\r\nSubject: " + subject_of(f, static_cast<std::uint32_t>(m)) +
                          "\r\n\r\nbody " + std::to_string(m) + "\r\n";
            batch.push_back(std::move(msg));
        }
        co_await c.multiappend(folder_name(f), std::move(batch));
    }
    co_await c.logout();
}

/// Dovecot's imap processes now (one per logged-in connection).
std::size_t imap_processes() {
    std::size_t n = 0;
    for (const auto& e : std::filesystem::directory_iterator("/proc")) {
        std::ifstream comm(e.path() / "comm");
        std::string name;
        if (comm >> name && name == "imap") ++n;
    }
    return n;
}

struct outcome {
    double ms = 0;
    std::size_t connections = 0;
    std::size_t processes = 0;
};

ops::fetch subject_fetch(std::uint32_t uid) {
    ops::fetch f;
    f.messages = imapclient::sequence_set(uid);
    f.items.push_back("BODY.PEEK[HEADER.FIELDS (SUBJECT)]");
    return f;
}

void check(const imapclient::fetch_result& r, int f, std::uint32_t uid) {
    auto it = r.messages.find(uid);
    if (r.messages.size() != 1 || it == r.messages.end()) fail("UID " + std::to_string(uid) + ": not exactly one message");
    const auto* s = it->second.section("BODY[HEADER.FIELDS (SUBJECT)]");
    if (!s || !s->data || s->data->find("Subject: " + subject_of(f, uid) + "\r\n") == std::string::npos)
        fail("folder " + std::to_string(f) + " UID " + std::to_string(uid) + ": another message came (" +
             (s && s->data ? *s->data : std::string("nothing")) + ")");
}

using fetch_plan = std::vector<std::pair<int, std::uint32_t>>;  // (folder, UID) per fetch

/// One coroutine's fetches, each in a lease of its folder from `source`
/// (a client or a pool).
template <typename Source>
asio::awaitable<void> fetch_in_leases(Source& source, const fetch_plan& steps, bench::latch& all) {
    for (auto [f, uid] : steps) {
        auto lease = co_await source.lease_folder(folder_name(f), true);
        auto op = subject_fetch(uid);
        auto r = co_await lease.run(std::move(op));
        check(r, f, uid);
    }
    all.done();
}

enum class mode { leases, pool, baseline };
const char* name_of(mode m) { return m == mode::leases ? "leases" : m == mode::pool ? "pool" : "baseline"; }

/// Which folder and UID each coroutine fetches, the same for every mode.
std::vector<fetch_plan> plan(const config& cfg) {
    std::mt19937 rng(12345);
    std::uniform_int_distribution<int> folder(0, folders - 1), uid(1, cfg.messages);
    std::vector<fetch_plan> out(cfg.coroutines);
    for (auto& steps : out)
        for (int k = 0; k < cfg.per_coroutine; ++k) steps.emplace_back(folder(rng), static_cast<std::uint32_t>(uid(rng)));
    return out;
}

asio::awaitable<outcome> run_mode(mode m, const config& cfg, imapclient::client_options o,
                                  const std::vector<fetch_plan>& steps) {
    auto ex = co_await asio::this_coro::executor;
    auto login = [&cfg](imapclient::client& c) -> asio::awaitable<void> { co_await c.login(cfg.user, cfg.password); };
    std::atomic<bool> sampling{true};
    std::atomic<std::size_t> most{0};
    std::thread sampler([&] {
        while (sampling) {
            most = std::max(most.load(), imap_processes());
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    });
    const auto t0 = clock_type::now();
    outcome out;
    bench::latch all(ex);
    if (m == mode::leases) {
        imapclient::client c(ex, o);
        co_await c.connect();
        co_await login(c);
        all.add(steps.size());
        for (const auto& mine : steps) asio::co_spawn(ex, fetch_in_leases(c, mine, all), asio::detached);
        co_await all.wait();
        out.connections = 1;
    } else if (m == mode::pool) {
        imapclient::pool_options po;
        po.connection = o;
        po.login = login;
        po.max_connections = cfg.pool_size;
        imapclient::pool p(ex, po);
        all.add(steps.size());
        for (const auto& mine : steps) asio::co_spawn(ex, fetch_in_leases(p, mine, all), asio::detached);
        co_await all.wait();
        out.connections = p.metrics().connection_attempts;
    } else {
        all.add(steps.size());
        // One closure for all: the coroutines refer to it until they end.
        auto worker = [&](const fetch_plan& s) -> asio::awaitable<void> {
            imapclient::client c(ex, o);
            co_await c.connect();
            co_await login(c);
            for (auto [f, uid] : s) {
                co_await c.select_folder(folder_name(f), true);
                auto op = subject_fetch(uid);
                auto r = co_await c.run(std::move(op));
                check(r, f, uid);
            }
            co_await c.logout();
            all.done();
        };
        for (const auto& mine : steps) asio::co_spawn(ex, worker(mine), asio::detached);
        co_await all.wait();
        out.connections = steps.size();
    }
    out.ms = std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
    sampling = false;
    sampler.join();
    out.processes = most;
    co_return out;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 4) {
        std::fprintf(stderr, "usage: %s IMAP_PORT USER PASSWORD [RTT_MS=25] [C=64] [K=8] [POOL=4] [M=250]\n", argv[0]);
        return 2;
    }
    config cfg;
    cfg.port = static_cast<std::uint16_t>(std::stoi(argv[1]));
    cfg.user = argv[2];
    cfg.password = argv[3];
    if (argc > 4) cfg.rtt_ms = std::stod(argv[4]);
    if (argc > 5) cfg.coroutines = std::stoi(argv[5]);
    if (argc > 6) cfg.per_coroutine = std::stoi(argv[6]);
    if (argc > 7) cfg.pool_size = static_cast<std::size_t>(std::stoul(argv[7]));
    if (argc > 8) cfg.messages = std::stoi(argv[8]);

    asio::io_context io;
    std::exception_ptr error;
    asio::co_spawn(io, prepare(cfg), [&](std::exception_ptr e) { error = e; });
    io.run();
    if (error) std::rethrow_exception(error);

    bench::latency_proxy proxy(0, "127.0.0.1", cfg.port,
                               std::chrono::microseconds(static_cast<long long>(cfg.rtt_ms * 1000)));
    proxy.start();
    imapclient::client_options o;
    o.host = "127.0.0.1";
    o.port = proxy.port();
    o.security = imapclient::security::plain;
    o.allow_plaintext_login = true;
    o.lease_wait_timeout = std::chrono::minutes(5);
    const auto steps = plan(cfg);

    std::vector<double> times[3];
    outcome last[3];
    for (int run = 0; run < cfg.runs; ++run) {
        for (mode m : {mode::leases, mode::pool, mode::baseline}) {
            io.restart();
            asio::co_spawn(io, run_mode(m, cfg, o, steps), [&](std::exception_ptr e, outcome r) {
                if (e) error = e;
                last[static_cast<int>(m)] = r;
                times[static_cast<int>(m)].push_back(r.ms);
            });
            io.run();
            if (error) std::rethrow_exception(error);
        }
    }
    proxy.stop();

    bench::print_machine();
    std::printf("pool-bench: %d coroutines x %d single-message fetches over %d folders of %d, RTT=%.1f ms (proxy), "
                "median of %d runs\n",
                cfg.coroutines, cfg.per_coroutine, folders, cfg.messages, cfg.rtt_ms, cfg.runs);
    for (mode m : {mode::leases, mode::pool, mode::baseline}) {
        const auto& r = last[static_cast<int>(m)];
        std::printf("  %-9s %8.1f ms   connections %3zu   server imap processes (most at once) %3zu\n", name_of(m),
                    bench::median(times[static_cast<int>(m)]), r.connections, r.processes);
    }
    const double pool_ms = bench::median(times[1]), base_ms = bench::median(times[2]);
    std::printf("  pool / baseline wall time: %.2fx with %.0fx fewer connections\n", pool_ms / base_ms,
                static_cast<double>(cfg.coroutines) / static_cast<double>(last[1].connections));
    return 0;
}
