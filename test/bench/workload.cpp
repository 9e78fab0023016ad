// The workload other IMAP clients are measured against, with one command
// line for every client (see peers/ for the Python and Node versions):
//
//   workload PORT USER PASSWORD WORK N
//
// Plain IMAP to 127.0.0.1:PORT (PORT may be a latency_proxy in front of the
// server), LOGIN, EXAMINE INBOX, UID SEARCH ALL; this set-up is not timed.
// Then WORK on the first N UIDs, timed:
//   headers  one UID FETCH of UID FLAGS RFC822.SIZE ENVELOPE for all N
//   bodies   one UID FETCH of BODY.PEEK[] for all N
//   small    N UID FETCH BODY.PEEK[] of one message each, issued as separate
//            concurrent calls on the one connection
// and prints one JSON line:
//   {"client": "imapclient-cpp", "work": "...", "n": N, "bytes": B, "wall_s": S}
// B: for bodies and small, the total length of the BODY[] literals received;
// for headers, the sum of the RFC822.SIZE values received (the envelopes'
// byte count depends on how each client counts, sizes do not). Every client
// must report the same B for the same mailbox, which cross-checks that all
// of them fetched all of it. Exits 1 if any message is missing.
#include "bench_util.hpp"

#include <imapclient/client.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

namespace asio = boost::asio;
using clock_type = std::chrono::steady_clock;

namespace {

std::uint64_t body_bytes(const imapclient::fetch_data& d) {
    const auto* s = d.section("BODY[]");
    if (!s || !s->data) throw std::runtime_error("a message came without BODY[]");
    return s->data->size();
}

asio::awaitable<void> run(std::uint16_t port, std::string user, std::string password, std::string work,
                          std::size_t n) {
    auto ex = co_await asio::this_coro::executor;
    imapclient::client_options opt;
    opt.host = "127.0.0.1";
    opt.port = port;
    opt.security = imapclient::security::plain;
    opt.allow_plaintext_login = true;
    imapclient::client c(ex, opt);
    co_await c.connect();
    co_await c.login(user, password);
    co_await c.select_folder("INBOX", true);
    auto all = co_await c.search("ALL");
    if (all.ids.size() < n) throw std::runtime_error("INBOX has fewer than N messages");
    std::vector<std::uint32_t> uids(all.ids.begin(), all.ids.begin() + static_cast<std::ptrdiff_t>(n));

    std::uint64_t bytes = 0;
    std::size_t got = 0;
    auto t0 = clock_type::now();
    if (work == "headers") {
        std::vector<std::string> items{"UID", "FLAGS", "RFC822.SIZE", "ENVELOPE"};
        auto r = co_await c.fetch(uids, items);
        for (const auto& [uid, d] : r.messages) {
            if (!d.size || !d.envelope || !d.flags) throw std::runtime_error("a message lacks an item");
            bytes += *d.size;
        }
        got = r.messages.size();
    } else if (work == "bodies") {
        std::vector<std::string> items{"BODY.PEEK[]"};
        auto r = co_await c.fetch(uids, items);
        for (const auto& [uid, d] : r.messages) bytes += body_bytes(d);
        got = r.messages.size();
    } else if (work == "small") {
        const std::vector<std::string> items{"BODY.PEEK[]"};
        bench::latch done(ex);
        std::exception_ptr error;
        done.add(n);
        for (auto uid : uids) {
            asio::co_spawn(
                ex,
                [&c, &items, uid]() -> asio::awaitable<imapclient::fetch_result> {
                    co_return co_await c.fetch(uid, items);
                },
                [&, uid](std::exception_ptr e, imapclient::fetch_result r) {
                    if (e) {
                        if (!error) error = e;
                    } else if (r.messages.size() == 1 && r.messages.begin()->first == uid) {
                        bytes += body_bytes(r.messages.begin()->second);
                        ++got;
                    }
                    done.done();
                });
        }
        co_await done.wait();
        if (error) std::rethrow_exception(error);
    } else {
        throw std::invalid_argument("WORK must be headers, bodies or small");
    }
    double wall = std::chrono::duration<double>(clock_type::now() - t0).count();
    if (got != n) throw std::runtime_error("got " + std::to_string(got) + " of " + std::to_string(n) + " messages");
    std::printf("{\"client\": \"imapclient-cpp\", \"work\": \"%s\", \"n\": %zu, \"bytes\": %llu, \"wall_s\": %.6f}\n",
                work.c_str(), n, static_cast<unsigned long long>(bytes), wall);
    co_await c.logout();
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 6) {
        std::fprintf(stderr, "usage: %s PORT USER PASSWORD headers|bodies|small N\n", argv[0]);
        return 2;
    }
    std::uint16_t port;
    std::size_t n;
    try {
        port = static_cast<std::uint16_t>(std::stoul(argv[1]));
        n = std::stoul(argv[5]);
    } catch (const std::exception&) {
        std::fprintf(stderr, "workload: PORT and N must be numbers\n");
        return 2;
    }
    asio::io_context io(1);
    int rc = 0;
    asio::co_spawn(io, run(port, argv[2], argv[3], argv[4], n), [&](std::exception_ptr e) {
        if (!e) return;
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& x) {
            std::fprintf(stderr, "workload: error: %s\n", x.what());
            rc = 1;
        }
    });
    io.run();
    return rc;
}
