// Streamed FETCH of one big message: throughput and the process's peak
// memory, one run per invocation (scripts/bench-stream.sh runs it several
// times and sets it beside `cat` of the same Maildir file and imapflow's
// download()).
//
// Usage:
//   stream_bench fetch PORT USER PASSWORD FOLDER OUT   OUT: /dev/null or a file path
//
// Logs in over plain IMAP on 127.0.0.1, EXAMINEs FOLDER, takes its first
// message (not timed), then times stream_fetch() of BODY[] into OUT. Prints
// one JSON line: {"work":..., "bytes":..., "seconds":..., "mb_per_s":...,
// "peak_rss_kib":...} (peak_rss_kib: VmHWM of the whole process).
#include "bench_util.hpp"

#include <imapclient/body_stream.hpp>
#include <imapclient/client.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdio>
#include <fcntl.h>
#include <fstream>
#include <string>
#include <unistd.h>

namespace asio = boost::asio;

namespace {

long peak_rss_kib() {
    std::ifstream in("/proc/self/status");
    std::string key;
    long kb = 0;
    while (in >> key) {
        if (key == "VmHWM:") {
            in >> kb;
            break;
        }
        in.ignore(1 << 12, '\n');
    }
    return kb;
}

asio::awaitable<void> fetch(std::uint16_t port, std::string user, std::string pass, std::string folder, std::string out) {
    imapclient::client_options o;
    o.host = "127.0.0.1";
    o.port = port;
    o.security = imapclient::security::plain;
    o.allow_plaintext_login = true;
    imapclient::client c(co_await asio::this_coro::executor, o);
    co_await c.connect();
    co_await c.login(user, pass);
    co_await c.select_folder(folder, true);
    auto all = co_await c.search();
    if (all.ids.empty()) throw std::runtime_error("no message in " + folder);
    int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) throw std::runtime_error("cannot open " + out);
    auto sink = imapclient::fd_sink(fd);
    const auto t0 = std::chrono::steady_clock::now();
    auto got = co_await c.stream_fetch(all.ids.front(), sink);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ::close(fd);
    std::printf("{\"work\":\"fetch\",\"out\":\"%s\",\"bytes\":%llu,\"seconds\":%.3f,\"mb_per_s\":%.1f,\"peak_rss_kib\":%ld}\n",
                out.c_str(), static_cast<unsigned long long>(got.bytes), s, got.bytes / s / 1e6, peak_rss_kib());
    co_await c.logout();
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 7 || std::string(argv[1]) != "fetch") {
        std::fprintf(stderr, "usage: stream_bench fetch PORT USER PASSWORD FOLDER OUT\n");
        return 2;
    }
    asio::io_context io;
    std::exception_ptr failure;
    asio::co_spawn(io,
                   fetch(static_cast<std::uint16_t>(std::stoi(argv[2])), argv[3], argv[4], argv[5], argv[6]),
                   [&](std::exception_ptr e) { failure = e; });
    io.run();
    if (failure) {
        try {
            std::rethrow_exception(failure);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "stream_bench: %s\n", e.what());
            return 1;
        }
    }
    return 0;
}
