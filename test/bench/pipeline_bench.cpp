// Pipelining benchmark against a real server (Dovecot) through the latency
// proxy (latency_proxy.hpp, embedded on its own thread) at RTT_MS:
//
//   (a) one UID FETCH of N messages, BODY.PEEK[] (the whole message, so
//       that what came back can be checked byte for byte)
//   (b) N single-message UID FETCH BODY.PEEK[] issued at once from N
//       coroutines on the one connection (the library pipelines them)
//   (c) single-message fetches one after another (SEQ_N of them, default
//       100, SEQ_RUNS runs, default 3; the time for N is extrapolated
//       linearly, which is exact up to noise since each costs one RTT)
//
// (a) and (b) run RUNS (5) times, interleaved so that background load hits
// both alike; the median wall time is printed. Aims (the connection issue):
// (b) within 3 round trips of (a), and (b) at least 50x faster than (c).
//
// Every result is checked: each call must return exactly the message it
// asked for (the right UID as key and in the data, the same bytes as the
// batched fetch returned for that UID), the batched fetch must return all N
// with distinct Message-IDs. Any difference exits 1 with the reason.
//
// Usage: pipeline-bench IMAP_PORT USER PASSWORD [N=500] [RTT_MS=25] [SEQ_N=100]
//        (the server is on 127.0.0.1, plain IMAP; INBOX needs >= N messages)
#include "bench_util.hpp"
#include "latency_proxy.hpp"

#include <imapclient/client.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace asio = boost::asio;
using clock_type = std::chrono::steady_clock;

namespace {

struct config {
    std::uint16_t port = 0;
    std::string user, password;
    std::size_t n = 500;
    double rtt_ms = 25;
    std::size_t seq_n = 100;
    int runs = 5;
    int seq_runs = 3;
};

[[noreturn]] void fail(const std::string& why) {
    std::fprintf(stderr, "pipeline-bench: FAILED: %s\n", why.c_str());
    std::fflush(stdout);
    std::exit(1);
}

double ms_since(clock_type::time_point t0) {
    return std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
}

const std::string& body_of(const imapclient::fetch_data& d, std::uint32_t uid) {
    const auto* s = d.section("BODY[]");
    if (!s || !s->data) fail("UID " + std::to_string(uid) + ": no BODY[] in the FETCH data");
    return *s->data;
}

std::string message_id(const std::string& body) {
    auto p = body.find("Message-ID:");
    if (p == std::string::npos) return {};
    auto e = body.find("\r\n", p);
    return body.substr(p, e - p);
}

// The one place where a result is judged: exactly one entry, keyed by the
// UID asked for, carrying that UID, with the reference bytes.
void check_single(const imapclient::fetch_result& r, std::uint32_t uid,
                  const std::map<std::uint32_t, std::string>& reference) {
    if (r.messages.size() != 1)
        fail("fetch of UID " + std::to_string(uid) + " returned " + std::to_string(r.messages.size()) + " messages");
    const auto& [key, data] = *r.messages.begin();
    if (key != uid) fail("fetch of UID " + std::to_string(uid) + " returned UID " + std::to_string(key));
    if (data.uid != uid) fail("fetch of UID " + std::to_string(uid) + ": data carries another UID");
    if (body_of(data, uid) != reference.at(uid))
        fail("fetch of UID " + std::to_string(uid) + " returned other bytes than the batched fetch (" +
             message_id(body_of(data, uid)) + " vs " + message_id(reference.at(uid)) + ")");
}

asio::awaitable<void> run(config cfg) {
    auto ex = co_await asio::this_coro::executor;
    bench::latency_proxy proxy(0, "127.0.0.1", cfg.port,
                               std::chrono::microseconds(static_cast<long long>(cfg.rtt_ms * 1000)));
    proxy.start();

    imapclient::client_options opt;
    opt.host = "127.0.0.1";
    opt.port = proxy.port();
    opt.security = imapclient::security::plain;
    opt.allow_plaintext_login = true;
    imapclient::client c(ex, opt);
    co_await c.connect();
    co_await c.login(cfg.user, cfg.password);
    co_await c.select_folder("INBOX", true);
    auto all = co_await c.search("ALL");
    if (all.ids.size() < cfg.n)
        fail("INBOX has " + std::to_string(all.ids.size()) + " messages, fewer than N=" + std::to_string(cfg.n));
    std::vector<std::uint32_t> uids(all.ids.begin(), all.ids.begin() + static_cast<std::ptrdiff_t>(cfg.n));
    const std::vector<std::string> items{"BODY.PEEK[]"};

    // The round trip as the client sees it (proxy + server + client), to
    // read the results against.
    std::vector<double> noop_ms;
    for (int i = 0; i < 5; ++i) {
        auto t0 = clock_type::now();
        co_await c.noop();
        noop_ms.push_back(ms_since(t0));
    }
    const double noop_rtt = bench::median(noop_ms);

    std::map<std::uint32_t, std::string> reference;
    std::vector<double> a_ms, b_ms, b_first_ms, b_issued_ms;
    std::vector<double> b_up_first_ms, b_up_last_ms, b_up_chunks, b_down_first_ms;
    std::size_t bytes = 0;
    for (int run = 0; run < cfg.runs; ++run) {
        // (a) one batched fetch.
        auto t0 = clock_type::now();
        auto batch = co_await c.fetch(uids, items);
        a_ms.push_back(ms_since(t0));
        if (batch.messages.size() != uids.size())
            fail("batched fetch returned " + std::to_string(batch.messages.size()) + " of " +
                 std::to_string(uids.size()) + " messages");
        std::set<std::string> ids;
        std::size_t run_bytes = 0;
        for (auto uid : uids) {
            auto it = batch.messages.find(uid);
            if (it == batch.messages.end()) fail("batched fetch lacks UID " + std::to_string(uid));
            if (it->second.uid != uid) fail("batched fetch: entry " + std::to_string(uid) + " carries another UID");
            const auto& body = body_of(it->second, uid);
            run_bytes += body.size();
            auto mid = message_id(body);
            if (mid.empty() || !ids.insert(mid).second)
                fail("batched fetch: UID " + std::to_string(uid) + " has a missing or repeated Message-ID");
            if (run == 0) reference[uid] = body;
            else if (reference[uid] != body) fail("batched fetch of UID " + std::to_string(uid) + " changed between runs");
        }
        bytes = run_bytes;

        // (b) N concurrent single fetches from N coroutines.
        proxy.take_stats();
        bench::latch done(ex);
        std::string error;
        double first = -1, issued = 0;
        std::size_t ok = 0;
        t0 = clock_type::now();
        done.add(uids.size());
        for (auto uid : uids) {
            asio::co_spawn(
                ex,
                [&c, &items, &issued, t0, uid]() -> asio::awaitable<imapclient::fetch_result> {
                    // When the last caller gets to issue its command: how
                    // long the callers' side of pipelining takes.
                    issued = ms_since(t0);
                    co_return co_await c.fetch(uid, items);
                },
                [&, uid](std::exception_ptr e, imapclient::fetch_result r) {
                    if (first < 0) first = ms_since(t0);
                    if (e) {
                        try {
                            std::rethrow_exception(e);
                        } catch (const std::exception& x) {
                            if (error.empty()) error = "UID " + std::to_string(uid) + ": " + x.what();
                        }
                    } else {
                        check_single(r, uid, reference);
                        ++ok;
                    }
                    done.done();
                });
        }
        co_await done.wait();
        b_ms.push_back(ms_since(t0));
        b_first_ms.push_back(first);
        b_issued_ms.push_back(issued);
        {
            // The proxy saw the commands arrive: their spread is the
            // library's writing time, their chunk count its write batching.
            auto st = proxy.take_stats();
            if (st.up.first && st.down.first) {
                auto ms = [&](clock_type::time_point t) { return std::chrono::duration<double, std::milli>(t - t0).count(); };
                b_up_first_ms.push_back(ms(*st.up.first));
                b_up_last_ms.push_back(ms(*st.up.last));
                b_up_chunks.push_back(static_cast<double>(st.up.chunks));
                b_down_first_ms.push_back(ms(*st.down.first));
            }
        }
        if (!error.empty()) fail("concurrent fetch failed: " + error);
        if (ok != uids.size()) fail("concurrent fetches: only " + std::to_string(ok) + " succeeded");
    }

    // (c) one after another.
    const std::size_t seq_n = std::min(cfg.seq_n, uids.size());
    std::vector<double> c_ms;
    for (int run = 0; run < cfg.seq_runs; ++run) {
        auto t0 = clock_type::now();
        for (std::size_t i = 0; i < seq_n; ++i) {
            auto r = co_await c.fetch(uids[i], items);
            check_single(r, uids[i], reference);
        }
        c_ms.push_back(ms_since(t0));
    }
    co_await c.logout();
    proxy.stop();

    const double a = bench::median(a_ms), b = bench::median(b_ms), cs = bench::median(c_ms);
    const double c_for_n = cs / static_cast<double>(seq_n) * static_cast<double>(cfg.n);
    const double extra_rtts = (b - a) / cfg.rtt_ms;
    const double speedup = c_for_n / b;

    bench::print_machine();
    std::printf("pipeline-bench: N=%zu, RTT=%.1f ms (proxy), item BODY.PEEK[] (%zu bytes of message data per pass), "
                "plain IMAP to 127.0.0.1\n",
                cfg.n, cfg.rtt_ms, bytes);
    std::printf("  NOOP round trip seen by the client: median %.2f ms\n", noop_rtt);
    std::printf("  (a) 1 batched UID FETCH of %zu:      median %8.1f ms  (runs:", cfg.n, a);
    for (double v : a_ms) std::printf(" %.1f", v);
    std::printf(")\n");
    std::printf("  (b) %zu concurrent single FETCHes: median %8.1f ms  (runs:", cfg.n, b);
    for (double v : b_ms) std::printf(" %.1f", v);
    std::printf(")\n      last call issued after median %.1f ms, first reply after median %.1f ms\n",
                bench::median(b_issued_ms), bench::median(b_first_ms));
    std::printf("      at the proxy: commands arrived from %.1f to %.1f ms in %.0f reads; server's first bytes at %.1f ms "
                "(medians)\n",
                bench::median(b_up_first_ms), bench::median(b_up_last_ms), bench::median(b_up_chunks),
                bench::median(b_down_first_ms));
    std::printf("  (c) %zu sequential single FETCHes: median %8.1f ms  (%d runs:", seq_n, cs, cfg.seq_runs);
    for (double v : c_ms) std::printf(" %.1f", v);
    std::printf("), %.2f ms each; for N=%zu: %.1f ms (%s)\n", cs / static_cast<double>(seq_n), cfg.n, c_for_n,
                seq_n == cfg.n ? "measured" : "extrapolated");
    std::printf("  (b) - (a) = %.1f ms = %.2f round trips   [aim: <= 3]  %s\n", b - a, extra_rtts,
                extra_rtts <= 3 ? "met" : "MISSED");
    std::printf("  (c) / (b) = %.1fx                        [aim: >= 50x] %s\n", speedup,
                speedup >= 50 ? "met" : "MISSED");
    std::printf("  all %zu + %d x %zu + %d x %zu results checked: each call got exactly its own message\n", cfg.n,
                cfg.runs, cfg.n, cfg.seq_runs, seq_n);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 4) {
        std::fprintf(stderr, "usage: %s IMAP_PORT USER PASSWORD [N=500] [RTT_MS=25] [SEQ_N=100]\n", argv[0]);
        return 2;
    }
    config cfg;
    try {
        cfg.port = static_cast<std::uint16_t>(std::stoul(argv[1]));
        cfg.user = argv[2];
        cfg.password = argv[3];
        if (argc > 4) cfg.n = std::stoul(argv[4]);
        if (argc > 5) cfg.rtt_ms = std::stod(argv[5]);
        if (argc > 6) cfg.seq_n = std::stoul(argv[6]);
        if (cfg.n == 0 || cfg.seq_n == 0 || cfg.rtt_ms <= 0) throw std::invalid_argument("N, SEQ_N and RTT_MS must be positive");
    } catch (const std::exception& e) {
        std::fprintf(stderr, "pipeline-bench: bad argument: %s\n", e.what());
        return 2;
    }
    asio::io_context io(1);
    int rc = 0;
    asio::co_spawn(io, run(cfg), [&](std::exception_ptr e) {
        if (!e) return;
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& x) {
            std::fprintf(stderr, "pipeline-bench: error: %s\n", x.what());
            rc = 1;
        }
    });
    io.run();
    return rc;
}
