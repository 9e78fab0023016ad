// imap-backup: copies an account's mail into Maildirs, incrementally.
//
//   IMAP_PASSWORD=... imap-backup HOST PORT USER DEST [--tls|--starttls|--plain]
//                     [--ca-file F] [--folder NAME]... [--batch N]
//                     [--batch-bytes N] [--stream-above N]
//                     [--timeout SECONDS] [--deadline SECONDS]
//
// Each folder becomes DEST/<folder>/{cur,new,tmp} (hierarchy levels as
// directories) with one file per message, named by UID and UIDVALIDITY,
// flags as Maildir letters, mtime = INTERNALDATE. A re-run fetches only
// what is new; a folder whose UIDVALIDITY changed starts over (the old
// copies are kept aside). The password comes from the environment, not the
// command line, where other users could read it. Exit status: 0 all
// folders saved, 1 an error ended the run, 3 some folders could not be
// saved. Messages above --stream-above bytes (1 MB) are streamed to disk
// one at a time; smaller ones come --batch at a time, at most --batch-bytes
// (16 MB) per FETCH: memory does not depend on message sizes. On a
// terminal a status line shows the progress (messages, bytes, rate, ETA);
// otherwise a log line every 10 seconds. --timeout bounds the server's
// silence (120 s), --deadline each command from start to end (none by
// default: a streamed message of gigabytes takes as long as it takes).
#include "backup.hpp"
#include "progress.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <chrono>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

#include <unistd.h>

namespace asio = boost::asio;

namespace {

int usage(const char* argv0) {
    std::fprintf(stderr,
                 "usage: IMAP_PASSWORD=... %s HOST PORT USER DEST [--tls|--starttls|--plain] [--ca-file F]\n"
                 "       [--folder NAME]... [--batch N] [--batch-bytes N] [--stream-above N]\n"
                 "       [--timeout SECONDS] [--deadline SECONDS]\n",
                 argv0);
    return 2;
}

// Whole or fractional seconds, more than zero.
bool parse_seconds(const char* text, std::chrono::milliseconds& out) {
    char* end = nullptr;
    const double s = std::strtod(text, &end);
    if (end == text || *end != '\0' || !(s > 0) || s > 86400) return false;
    out = std::chrono::milliseconds(static_cast<long long>(s * 1000));
    return true;
}

asio::awaitable<int> run(imapclient::client_options co, std::string user, std::string password, backup::options bo) {
    imapclient::client c(co_await asio::this_coro::executor, std::move(co));
    co_await c.connect();
    co_await c.login(user, password);
    backup::progress_printer printer(stdout, ::isatty(STDOUT_FILENO) != 0);
    co_await backup::run(
        c, bo, [&](const backup::folder_report& r) { printer.folder_done(r); },
        [&](const backup::progress& p) { printer.update(p); });
    co_await c.logout();
    printer.summary();
    co_return printer.failed_folders() ? 3 : 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 5) return usage(argv[0]);
    const char* password = std::getenv("IMAP_PASSWORD");
    if (!password) {
        std::fprintf(stderr, "%s: set IMAP_PASSWORD\n", argv[0]);
        return 2;
    }
    imapclient::client_options co;
    co.host = argv[1];
    co.port = static_cast<std::uint16_t>(std::stoi(argv[2]));
    backup::options bo;
    bo.root = argv[4];
    for (int i = 5; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a == "--tls") co.security = imapclient::security::tls;
        else if (a == "--starttls") co.security = imapclient::security::starttls;
        else if (a == "--plain") {
            // --plain is the user's explicit consent to a clear-text login.
            co.security = imapclient::security::plain;
            co.allow_plaintext_login = true;
        } else if (a == "--ca-file" && i + 1 < argc) co.ssl_context = imapclient::create_default_context(argv[++i]);
        else if (a == "--folder" && i + 1 < argc) bo.folders.emplace_back(argv[++i]);
        else if (a == "--batch" && i + 1 < argc) bo.batch = std::max(1, std::atoi(argv[++i]));
        else if (a == "--batch-bytes" && i + 1 < argc) bo.batch_bytes = std::strtoull(argv[++i], nullptr, 10);
        else if (a == "--stream-above" && i + 1 < argc) bo.stream_above = std::strtoull(argv[++i], nullptr, 10);
        else if (a == "--timeout" && i + 1 < argc) {
            if (!parse_seconds(argv[++i], co.timeout)) return usage(argv[0]);
        } else if (a == "--deadline" && i + 1 < argc) {
            if (!parse_seconds(argv[++i], co.deadline)) return usage(argv[0]);
        }
        else return usage(argv[0]);
    }
    asio::io_context io;
    int rc = 1;
    asio::co_spawn(io, run(std::move(co), argv[3], password, std::move(bo)), [&](std::exception_ptr e, int result) {
        if (!e) {
            rc = result;
            return;
        }
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& ex) {
            std::fprintf(stderr, "error: %s (what was saved is kept; a re-run resumes)\n", ex.what());
        }
    });
    io.run();
    return rc;
}
