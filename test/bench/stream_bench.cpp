// Streamed FETCH of one big message: throughput and the process's peak
// memory, one run per invocation (scripts/bench-stream.sh runs it several
// times and sets it beside `cat` of the same Maildir file and imapflow's
// download()).
//
// Usage:
//   stream_bench fetch PORT USER PASSWORD FOLDER OUT    OUT: /dev/null or a file path
//   stream_bench append PORT USER PASSWORD FOLDER FILE
//
// Logs in over plain IMAP on 127.0.0.1. fetch: EXAMINEs FOLDER, takes its
// first message (not timed), then times stream_fetch() of BODY[] into OUT.
// append: times stream_append() of FILE (file_source) into FOLDER. Prints
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

imapclient::client_options options_for(std::uint16_t port) {
    imapclient::client_options o;
    o.host = "127.0.0.1";
    o.port = port;
    o.security = imapclient::security::plain;
    o.allow_plaintext_login = true;
    return o;
}

void print(const char* work, const std::string& path, std::uint64_t bytes, double seconds) {
    std::printf("{\"work\":\"%s\",\"out\":\"%s\",\"bytes\":%llu,\"seconds\":%.3f,\"mb_per_s\":%.1f,\"peak_rss_kib\":%ld}\n",
                work, path.c_str(), static_cast<unsigned long long>(bytes), seconds, bytes / seconds / 1e6,
                peak_rss_kib());
}

asio::awaitable<void> append(std::uint16_t port, std::string user, std::string pass, std::string folder, std::string file) {
    imapclient::client c(co_await asio::this_coro::executor, options_for(port));
    co_await c.connect();
    co_await c.login(user, pass);
    auto source = imapclient::file_source(file);
    const auto size = source->size();
    const auto t0 = std::chrono::steady_clock::now();
    co_await c.stream_append(folder, source);
    print("append", file, size, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    co_await c.logout();
}

asio::awaitable<void> fetch(std::uint16_t port, std::string user, std::string pass, std::string folder, std::string out) {
    imapclient::client c(co_await asio::this_coro::executor, options_for(port));
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
    print("fetch", out, got.bytes, s);
    co_await c.logout();
}

}  // namespace

int main(int argc, char** argv) {
    const std::string work = argc == 7 ? argv[1] : "";
    if (work != "fetch" && work != "append") {
        std::fprintf(stderr, "usage: stream_bench fetch|append PORT USER PASSWORD FOLDER OUT|FILE\n");
        return 2;
    }
    const auto port = static_cast<std::uint16_t>(std::stoi(argv[2]));
    asio::io_context io;
    std::exception_ptr failure;
    auto done = [&](std::exception_ptr e) { failure = e; };
    if (work == "fetch") asio::co_spawn(io, fetch(port, argv[3], argv[4], argv[5], argv[6]), done);
    else asio::co_spawn(io, append(port, argv[3], argv[4], argv[5], argv[6]), done);
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
