// imap-backup: copies an account's mail into Maildirs, incrementally.
//
//   IMAP_PASSWORD=... imap-backup HOST PORT USER DEST [--tls|--starttls|--plain]
//                     [--ca-file F] [--folder NAME]... [--batch N]
//                     [--batch-bytes N] [--stream-above N]
//                     [--timeout SECONDS] [--deadline SECONDS] [--config FILE]
//                     [--auth-mechanism NAME] [--proxy URL]
//                     [--client-cert FILE [--client-key FILE]]
//                     [--oauth2-token-endpoint URL --oauth2-client-id ID ...]
//                     [--oauth2-device-login]
//   imap-backup --config FILE [options] DEST
//
// Each folder becomes DEST/<folder>/{cur,new,tmp} (hierarchy levels as
// directories) with one file per message, named by UID and UIDVALIDITY,
// flags as Maildir letters, mtime = INTERNALDATE. A re-run fetches only
// what is new; a folder whose UIDVALIDITY changed starts over (the old
// copies are kept aside). The password comes from the environment, not the
// command line, where other users could read it; OAuth2 (tokens fetched
// and refreshed from a token endpoint, cached in
// ~/.cache/imap-backup/USER@HOST.json) and a TLS client certificate
// (EXTERNAL) need none. --config reads imap-shell's INI keys
// (backup_cli.hpp). Exit status: 0 all folders saved, 1 an error ended the
// run, 2 a usage error, 3 some folders could not be saved. Messages above
// --stream-above bytes (1 MB) are streamed to disk
// one at a time; smaller ones come --batch at a time, at most --batch-bytes
// (16 MB) per FETCH: memory does not depend on message sizes. On a
// terminal a status line shows the progress (messages, bytes, rate, ETA);
// otherwise a log line every 10 seconds. --timeout bounds the server's
// silence (120 s), --deadline each command from start to end (none by
// default: a streamed message of gigabytes takes as long as it takes).
#include "backup.hpp"
#include "backup_cli.hpp"
#include "progress.hpp"
#include "signin.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include <unistd.h>

namespace asio = boost::asio;
namespace ic = imapclient;

namespace {

int usage_failure(const std::string& message) {
    std::fprintf(stderr, "imap-backup: %s\n%s(imap-backup --help: every option)\n", message.c_str(),
                 backup::usage_synopsis().c_str());
    return 2;
}

// `oauth` (may be null) is the OAuth2 flow behind co.credentials; it
// outlives this coroutine (main owns it).
asio::awaitable<int> run(ic::client_options co, ic::oauth2_client* oauth, bool device_login, backup::options bo) {
    // Before connecting: the user may take minutes to approve.
    if (oauth && device_login) co_await shell::device_login(*oauth, stderr);
    auto executor = co_await asio::this_coro::executor;
    ic::client c(executor, std::move(co));
    co_await c.connect();
    co_await c.sign_in();
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
    const std::vector<std::string> args(argv + 1, argv + argc);
    // Before the setup: the OAuth2 credential provider in s.connection holds
    // a strand of this context and must be destroyed first.
    asio::io_context io;
    backup::setup s;
    try {
        const auto cli = backup::parse_command_line(args);
        if (cli.help) {
            const std::string text = backup::usage_text();
            std::fwrite(text.data(), 1, text.size(), stdout);
            return 0;
        }
        shell::settings file;
        if (cli.config_file) file = shell::read_ini_file(*cli.config_file);
        s = backup::resolve(cli, file, std::getenv("IMAP_PASSWORD"));
    } catch (const std::exception& e) {
        return usage_failure(e.what());
    }

    // The credentials sign_in() asks for: fixed ones, or the OAuth2 flow's
    // client, which outlives the run.
    std::unique_ptr<ic::oauth2_client> oauth;
    try {
        oauth = shell::install_credentials(io.get_executor(), s.connection);
    } catch (const std::exception& e) {
        return usage_failure(e.what());
    }
    const bool device_login = s.connection.signin.device_login;
    int rc = 1;
    asio::co_spawn(io, run(std::move(s.connection.options), oauth.get(), device_login, std::move(s.backup)),
                   [&](std::exception_ptr e, int result) {
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
