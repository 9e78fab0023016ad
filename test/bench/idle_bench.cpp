// IDLE benchmarks against a real server (plain IMAP on 127.0.0.1).
//
// latency: connection A listens on a fresh folder (listen() + next_event(),
//   or idle() + idle_check()); connection B APPENDs N messages one after
//   another, each once A has seen the previous one's EXISTS. Per append:
//     server  = bytes of the EXISTS read by A's socket - APPEND issued on B
//               (the server's own notification delay: Dovecot ~0.5 s by
//               design, Cyrus immediate)
//     library = event handed to the caller - those bytes read from the
//               socket (what the library adds: parse, route, queue, resume)
//   "bytes read" is timestamped by a debug-level-4 log sink: the client logs
//   "< ..." right after read_some() completes, before it parses anything.
//   LANES > 1 runs that many A/B pairs side by side on the same thread (on
//   different folders), to collect Dovecot's slow samples in less time;
//   the lanes then compete for the one thread, as real listeners would.
//
// conns: N connections in one process on one thread, each logged in (users
//   round-robin), INBOX selected read-only, listen() running and a
//   coroutine waiting in next_event(), as a push application would have
//   them. Reports the RSS growth per connection (VmRSS), the heap in use
//   per connection (mallinfo2), the CPU used over IDLE_SECONDS of idling
//   (getrusage), and then checks that every listener is live: one APPEND to
//   each user's INBOX must reach all N (within 40 s: Dovecot polls the
//   mailboxes it cannot watch every 30 s).
//
// Usage:
//   idle_bench latency PORT USER PASSWORD [N=500] [MODE=listen|idle] [LANES=1] [LABEL=server]
//   idle_bench conns PORT N USER:PASSWORD[,USER:PASSWORD...] [IDLE_SECONDS=10]
#include "bench_util.hpp"

#include <imapclient/client.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <exception>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

namespace asio = boost::asio;
using clock_type = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

[[noreturn]] void fail(const std::string& why) {
    std::fprintf(stderr, "idle_bench: FAILED: %s\n", why.c_str());
    std::fflush(stdout);
    std::_Exit(1);
}

double us(clock_type::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    auto i = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size()))) ;
    return v[std::min(v.size() - 1, i == 0 ? 0 : i - 1)];
}

void print_row(const char* what, const std::vector<double>& v_us) {
    std::printf("  %-34s min %9.1f  p50 %9.1f  p90 %9.1f  p99 %9.1f  max %9.1f  (us, n=%zu)\n", what,
                percentile(v_us, 0), percentile(v_us, 50), percentile(v_us, 90), percentile(v_us, 99),
                percentile(v_us, 100), v_us.size());
}

imapclient::client_options plain(std::uint16_t port) {
    imapclient::client_options o;
    o.host = "127.0.0.1";
    o.port = port;
    o.security = imapclient::security::plain;
    o.allow_plaintext_login = true;
    o.timeout = 60s;
    return o;
}

std::string message(std::size_t i) {
    return "From: bench <bench@example.com>\r\nTo: alice@example.com\r\nSubject: idle " + std::to_string(i) +
           "\r\nDate: Mon, 7 Feb 1994 21:52:25 -0800\r\nMessage-ID: <idle-" + std::to_string(i) + "-" +
           std::to_string(::getpid()) + "@example.com>\r\n\r\nbody\r\n";
}

// ---- latency ------------------------------------------------------------

struct latency_config {
    std::uint16_t port = 0;
    std::string user, password;
    std::size_t n = 500;
    bool idle_mode = false;  // idle()/idle_check() instead of listen()
    std::size_t lanes = 1;
    std::string label = "server";
};

struct samples {
    std::vector<double> total, server, library;
};

// When A's socket last delivered bytes with an EXISTS in them. The sink runs
// on A's strand right after read_some(), before parsing.
struct arrival_probe {
    std::optional<clock_type::time_point> exists_bytes;
    void on_line(std::string_view line) {
        if (line.size() >= 2 && line[0] == '<' && line[1] == ' ' && line.find(" EXISTS") != std::string_view::npos)
            exists_bytes = clock_type::now();
    }
};

asio::awaitable<void> latency_lane(const latency_config& cfg, std::size_t lane, std::size_t count, samples& out,
                                   bench::latch& done) {
    auto ex = co_await asio::this_coro::executor;
    auto probe = std::make_shared<arrival_probe>();
    auto ao = plain(cfg.port);
    ao.debug = 4;
    ao.log = [probe](std::string_view line) { probe->on_line(line); };
    imapclient::client a(ex, ao);
    imapclient::client b(ex, plain(cfg.port));
    co_await a.connect();
    co_await a.login(cfg.user, cfg.password);
    co_await b.connect();
    co_await b.login(cfg.user, cfg.password);
    if (!a.has_capability("IDLE")) fail("the server has no IDLE");
    const std::string folder =
        "idlebench-" + std::to_string(::getpid()) + "-" + std::to_string(lane) + "-" + (cfg.idle_mode ? "i" : "l");
    co_await b.raw_command("CREATE " + folder);
    co_await a.select_folder(folder);

    asio::cancellation_signal stop;
    bool listen_done = false;
    if (cfg.idle_mode) {
        co_await a.idle();
    } else {
        asio::co_spawn(ex, a.listen({}, asio::as_tuple(asio::use_awaitable)),
                       asio::bind_cancellation_slot(stop.slot(), [&](std::exception_ptr, auto r) {
                           listen_done = true;
                           auto ec = std::get<0>(r);
                           if (ec && ec != asio::error::operation_aborted) fail("listen ended: " + ec.message());
                       }));
    }
    // Stagger the lanes, and let IDLE reach the server.
    asio::steady_timer t(ex, 300ms + lane * 97ms);
    co_await t.async_wait(asio::use_awaitable);

    std::deque<imapclient::event> pending;
    for (std::size_t i = 0; i < count; ++i) {
        probe->exists_bytes.reset();
        const auto sent = clock_type::now();
        co_await b.append(folder, message(i));
        // Wait for EXISTS i+1 (Dovecot may fold a RECENT or a keep-alive in).
        std::optional<clock_type::time_point> got;
        const auto deadline = sent + 10s;
        while (!got) {
            if (clock_type::now() > deadline) fail("no EXISTS " + std::to_string(i + 1) + " within 10 s");
            std::optional<imapclient::event> ev;
            if (cfg.idle_mode) {
                if (pending.empty()) {
                    auto r = co_await a.idle_check(5s);
                    for (auto& e : r.events) pending.push_back(std::move(e));
                }
                if (!pending.empty()) {
                    ev = std::move(pending.front());
                    pending.pop_front();
                }
            } else {
                ev = co_await a.next_event();
            }
            const auto now = clock_type::now();
            if (!ev) continue;
            if (std::holds_alternative<imapclient::connection_closed>(*ev)) fail("listener connection closed");
            if (auto* r = std::get_if<imapclient::response>(&*ev))
                if (auto* e = std::get_if<imapclient::exists_data>(r)) {
                    if (e->count == i + 1) got = now;
                    else if (e->count > i + 1) fail("EXISTS jumped to " + std::to_string(e->count));
                }
        }
        if (!probe->exists_bytes) fail("the debug sink saw no EXISTS bytes");
        out.total.push_back(us(*got - sent));
        out.server.push_back(us(*probe->exists_bytes - sent));
        out.library.push_back(us(*got - *probe->exists_bytes));
    }

    if (cfg.idle_mode) {
        co_await a.idle_done();
    } else {
        stop.emit(asio::cancellation_type::terminal);
        while (!listen_done) {
            t.expires_after(10ms);
            co_await t.async_wait(asio::use_awaitable);
        }
    }
    // A selected folder deleted by another connection gets a BYE.
    co_await a.logout();
    co_await b.raw_command("DELETE " + folder);
    co_await b.logout();
    done.done();
}

int run_latency(const latency_config& cfg) {
    asio::io_context io(1);
    samples s;
    std::exception_ptr error;
    const auto start = clock_type::now();
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            bench::latch done(co_await asio::this_coro::executor);
            std::vector<samples> per_lane(cfg.lanes);
            for (std::size_t l = 0; l < cfg.lanes; ++l) {
                const std::size_t count = cfg.n / cfg.lanes + (l < cfg.n % cfg.lanes ? 1 : 0);
                done.add();
                asio::co_spawn(co_await asio::this_coro::executor, latency_lane(cfg, l, count, per_lane[l], done),
                               [](std::exception_ptr e) {
                                   if (e) std::rethrow_exception(e);
                               });
            }
            co_await done.wait();
            for (auto& p : per_lane) {
                s.total.insert(s.total.end(), p.total.begin(), p.total.end());
                s.server.insert(s.server.end(), p.server.begin(), p.server.end());
                s.library.insert(s.library.end(), p.library.begin(), p.library.end());
            }
        },
        [&](std::exception_ptr e) { error = e; });
    try {
        io.run();
        if (error) std::rethrow_exception(error);
    } catch (const std::exception& e) {
        fail(e.what());
    }
    const double wall = std::chrono::duration<double>(clock_type::now() - start).count();
    std::printf("latency %s, %s, N=%zu appends, %zu lane(s), %.1f s:\n", cfg.label.c_str(),
                cfg.idle_mode ? "idle()+idle_check()" : "listen()+next_event()", s.total.size(), cfg.lanes, wall);
    print_row("APPEND issued -> event (total)", s.total);
    print_row("APPEND issued -> EXISTS bytes read", s.server);
    print_row("EXISTS bytes read -> event (library)", s.library);
    const double p99 = percentile(s.library, 99);
    std::printf("  library p99 %.3f ms (aim < 2 ms): %s\n", p99 / 1000, p99 < 2000 ? "met" : "NOT met");
    return 0;
}

// ---- many idle connections ---------------------------------------------

long status_kib(const char* field) {
    std::ifstream in("/proc/self/status");
    std::string line;
    const std::string prefix = std::string(field) + ":";
    while (std::getline(in, line))
        if (line.rfind(prefix, 0) == 0) return std::stol(line.substr(prefix.size()));
    return -1;
}

double cpu_seconds(const rusage& r) {
    return static_cast<double>(r.ru_utime.tv_sec + r.ru_stime.tv_sec) +
           static_cast<double>(r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
}

struct conns_config {
    std::uint16_t port = 0;
    std::size_t n = 1000;
    std::vector<std::pair<std::string, std::string>> users;
    int idle_seconds = 10;
};

struct listener {
    std::unique_ptr<imapclient::client> c;
    asio::cancellation_signal stop;
    bool ready = false;
    std::uint32_t exists_at_start = 0;
    bool saw_new = false;
    clock_type::time_point saw_at;
    bool closed = false;
};

asio::awaitable<void> open_listener(const conns_config& cfg, listener& l, std::size_t i) {
    auto ex = co_await asio::this_coro::executor;
    l.c = std::make_unique<imapclient::client>(ex, plain(cfg.port));
    const auto& [user, pass] = cfg.users[i % cfg.users.size()];
    co_await l.c->connect();
    co_await l.c->login(user, pass);
    auto sel = co_await l.c->select_folder("INBOX", true);
    l.exists_at_start = sel.exists;
    asio::co_spawn(ex, l.c->listen({}, asio::as_tuple(asio::use_awaitable)),
                   asio::bind_cancellation_slot(l.stop.slot(), asio::detached));
    // The application's side: a coroutine parked in next_event().
    asio::co_spawn(
        ex,
        [&l]() -> asio::awaitable<void> {
            for (;;) {
                auto [ec, ev] = co_await l.c->next_event(asio::as_tuple(asio::use_awaitable));
                if (ec) co_return;
                if (std::holds_alternative<imapclient::connection_closed>(ev)) {
                    l.closed = true;
                    co_return;
                }
                if (auto* r = std::get_if<imapclient::response>(&ev))
                    if (auto* e = std::get_if<imapclient::exists_data>(r))
                        if (e->count > l.exists_at_start && !l.saw_new) {
                            l.saw_new = true;
                            l.saw_at = clock_type::now();
                        }
            }
        },
        asio::detached);
    l.ready = true;
}

int run_conns(const conns_config& cfg) {
    // One socket per connection, plus the process's own.
    rlimit nofile{};
    ::getrlimit(RLIMIT_NOFILE, &nofile);
    nofile.rlim_cur = nofile.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &nofile);
    if (nofile.rlim_cur < cfg.n + 64) fail("RLIMIT_NOFILE too low: " + std::to_string(nofile.rlim_cur));

    asio::io_context io(1);
    std::exception_ptr error;
    // Outside the coroutine's frame: the detached listener coroutines refer
    // to them until the very end, whatever happens to the main coroutine.
    listener warm;
    std::vector<listener> ls(cfg.n);
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            auto ex = co_await asio::this_coro::executor;
            asio::steady_timer t(ex);
            // A warm-up listener first, so that one-time costs (TLS-less
            // here, but Asio's reactor, the allocator's arenas, lazily
            // loaded code) are in the baseline and not in the per-connection
            // figure.
            co_await open_listener(cfg, warm, 0);
            t.expires_after(500ms);
            co_await t.async_wait(asio::use_awaitable);
            const long rss0 = status_kib("VmRSS");
            const auto heap0 = mallinfo2().uordblks;

            const auto t_open = clock_type::now();
            // Batches keep Dovecot's single login process from a thundering herd.
            const std::size_t batch = 50;
            std::size_t failed = 0;
            std::string first_error;
            for (std::size_t from = 0; from < cfg.n; from += batch) {
                bench::latch done(ex);
                for (std::size_t i = from; i < std::min(cfg.n, from + batch); ++i) {
                    done.add();
                    asio::co_spawn(ex, open_listener(cfg, ls[i], i), [&, i](std::exception_ptr e) {
                        if (e) {
                            ++failed;
                            ls[i].c.reset();  // a failed connection is not part of the figures
                            try {
                                std::rethrow_exception(e);
                            } catch (const std::exception& x) {
                                if (first_error.empty()) first_error = "connection " + std::to_string(i) + ": " + x.what();
                            }
                        }
                        done.done();
                    });
                }
                co_await done.wait();
            }
            const double open_s = std::chrono::duration<double>(clock_type::now() - t_open).count();
            std::size_t ready = 0;
            for (auto& l : ls) ready += l.ready;
            std::printf("conns: %zu of %zu connections listening after %.1f s", ready, cfg.n, open_s);
            if (failed) std::printf(" (%zu failed; first: %s)", failed, first_error.c_str());
            std::printf("\n");
            // Let every IDLE be accepted and the connections settle.
            t.expires_after(2s);
            co_await t.async_wait(asio::use_awaitable);
            const long rss1 = status_kib("VmRSS");
            const auto heap1 = mallinfo2().uordblks;
            if (ready == 0) fail("no connection could be opened");
            std::printf("  memory: VmRSS %ld -> %ld KiB: %.1f KiB per connection; heap in use %.1f KiB per connection\n",
                        rss0, rss1, static_cast<double>(rss1 - rss0) / static_cast<double>(ready),
                        static_cast<double>(heap1 - heap0) / 1024.0 / static_cast<double>(ready));

            rusage r0{}, r1{};
            ::getrusage(RUSAGE_SELF, &r0);
            const auto w0 = clock_type::now();
            t.expires_after(std::chrono::seconds(cfg.idle_seconds));
            co_await t.async_wait(asio::use_awaitable);
            ::getrusage(RUSAGE_SELF, &r1);
            const double wall = std::chrono::duration<double>(clock_type::now() - w0).count();
            const double cpu = cpu_seconds(r1) - cpu_seconds(r0);
            std::printf("  idle %.1f s: CPU %.4f s (%.3f%% of one core), %ld voluntary context switches, %ld closed\n",
                        wall, cpu, 100 * cpu / wall, r1.ru_nvcsw - r0.ru_nvcsw,
                        static_cast<long>(std::count_if(ls.begin(), ls.end(), [](auto& l) { return l.closed; })));

            // Liveness: one APPEND per user must reach every listener.
            for (const auto& [user, pass] : cfg.users) {
                imapclient::client b(ex, plain(cfg.port));
                try {
                    co_await b.connect();
                    co_await b.login(user, pass);
                    co_await b.append("INBOX", message(0));
                    co_await b.logout();
                } catch (const std::exception& e) {
                    std::printf("  liveness: the APPEND as %s failed: %s\n", user.c_str(), e.what());
                }
            }
            // Dovecot wakes some IDLE clients through inotify and the rest
            // (those whose process could not get a watch) by polling every
            // mailbox_idle_check_interval, 30 s by default: wait that long.
            const auto t_live = clock_type::now();
            std::size_t saw = 0;
            while (clock_type::now() - t_live < 40s) {
                saw = static_cast<std::size_t>(std::count_if(ls.begin(), ls.end(), [](auto& l) { return l.saw_new; }));
                if (saw == ready) break;
                t.expires_after(100ms);
                co_await t.async_wait(asio::use_awaitable);
            }
            auto within = [&](auto d) {
                return std::count_if(ls.begin(), ls.end(), [&](auto& l) { return l.saw_new && l.saw_at - t_live <= d; });
            };
            std::printf("  liveness: %zu of %zu listeners saw the new message (%ld within 1 s, %ld within 10 s) after %.1f s\n",
                        saw, ready, static_cast<long>(within(1s)), static_cast<long>(within(10s)),
                        std::chrono::duration<double>(clock_type::now() - t_live).count());
            for (auto& l : ls)
                if (l.c) l.c->shutdown();
            warm.c->shutdown();
            std::fflush(stdout);
            // Nothing more to measure; the detached coroutines hold
            // references to `ls`, so the context is stopped, not drained.
            io.stop();
        },
        [&](std::exception_ptr e) {
            if (e) {
                error = e;
                io.stop();  // the detached listeners would keep run() going
            }
        });
    try {
        io.run();
        if (error) std::rethrow_exception(error);
    } catch (const std::exception& e) {
        fail(e.what());
    }
    std::fflush(stdout);
    std::_Exit(0);
}

std::uint16_t parse_port(const char* s) {
    const int p = std::atoi(s);
    if (p <= 0 || p > 65535) fail(std::string("bad port: ") + s);
    return static_cast<std::uint16_t>(p);
}

}  // namespace

int main(int argc, char** argv) {
    const std::string usage =
        "usage: idle_bench latency PORT USER PASSWORD [N=500] [MODE=listen|idle] [LANES=1] [LABEL]\n"
        "       idle_bench conns PORT N USER:PASSWORD[,USER:PASSWORD...] [IDLE_SECONDS=10]\n";
    if (argc < 2) {
        std::fputs(usage.c_str(), stderr);
        return 2;
    }
    bench::print_machine();
    const std::string what = argv[1];
    if (what == "latency" && argc >= 5) {
        latency_config cfg;
        cfg.port = parse_port(argv[2]);
        cfg.user = argv[3];
        cfg.password = argv[4];
        if (argc > 5) cfg.n = std::strtoul(argv[5], nullptr, 10);
        if (argc > 6) {
            const std::string mode = argv[6];
            if (mode != "listen" && mode != "idle") fail("MODE is listen or idle");
            cfg.idle_mode = mode == "idle";
        }
        if (argc > 7) cfg.lanes = std::max<std::size_t>(1, std::strtoul(argv[7], nullptr, 10));
        if (argc > 8) cfg.label = argv[8];
        if (cfg.n == 0) fail("N must be positive");
        return run_latency(cfg);
    }
    if (what == "conns" && argc >= 5) {
        conns_config cfg;
        cfg.port = parse_port(argv[2]);
        cfg.n = std::strtoul(argv[3], nullptr, 10);
        std::stringstream list(argv[4]);
        std::string item;
        while (std::getline(list, item, ',')) {
            auto colon = item.find(':');
            if (colon == std::string::npos) fail("users are USER:PASSWORD");
            cfg.users.emplace_back(item.substr(0, colon), item.substr(colon + 1));
        }
        if (argc > 5) cfg.idle_seconds = std::atoi(argv[5]);
        if (cfg.n == 0 || cfg.users.empty() || cfg.idle_seconds <= 0) fail("bad arguments");
        return run_conns(cfg);
    }
    std::fputs(usage.c_str(), stderr);
    return 2;
}
