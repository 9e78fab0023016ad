// Several folders at once over one connection: one coroutine per folder,
// each holding a lease on its folder, prints how many messages it has and
// the subjects of the newest three. Each coroutine's results come from its
// own folder (its lease keeps it selected for it); leases of different
// folders take turns on the connection.
//
//   folder_leases HOST PORT USER PASSWORD [--plain] FOLDER...
#include <imapclient/client.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

namespace asio = boost::asio;
namespace ops = imapclient::ops;

asio::awaitable<void> show(imapclient::client& server, std::string folder) {
    auto lease = co_await server.lease_folder(folder, /*readonly=*/true);
    ops::search all;
    auto ids = co_await lease.run(std::move(all));
    std::vector<std::uint32_t> newest(ids.ids.end() - std::min<std::ptrdiff_t>(3, ids.ids.size()), ids.ids.end());
    ops::fetch envelopes;
    envelopes.messages = newest;
    envelopes.items = {"ENVELOPE"};
    auto found = co_await lease.run(std::move(envelopes));
    std::string out = found.ran_in.name + " (UIDVALIDITY " + std::to_string(found.ran_in.uid_validity.value_or(0)) +
                      "): " + std::to_string(ids.ids.size()) + " messages\n";
    for (const auto& [uid, m] : found.messages) {
        const auto subject = m.envelope ? m.envelope->subject.value_or("") : std::string();
        out += "   " + std::to_string(uid) + ": " + subject + "\n";
    }
    std::fputs(out.c_str(), stdout);
}

asio::awaitable<void> run(imapclient::client_options options, std::string user, std::string password,
                          std::vector<std::string> folders) {
    imapclient::client server(co_await asio::this_coro::executor, options);
    co_await server.connect();
    co_await server.login(user, password);
    // All folders at once; each show() leases its own.
    auto ex = co_await asio::this_coro::executor;
    std::size_t done = 0;
    std::exception_ptr failure;
    for (auto& f : folders) {
        asio::co_spawn(ex, show(server, f), [&](std::exception_ptr e) {
            if (e && !failure) failure = e;
            ++done;
        });
    }
    asio::steady_timer tick(ex);
    while (done < folders.size()) {
        tick.expires_after(std::chrono::milliseconds(10));
        co_await tick.async_wait(asio::use_awaitable);
    }
    if (failure) std::rethrow_exception(failure);
    co_await server.logout();
}

int main(int argc, char** argv) {
    if (argc < 6) {
        std::fprintf(stderr, "usage: %s HOST PORT USER PASSWORD [--plain] FOLDER...\n", argv[0]);
        return 2;
    }
    imapclient::client_options options;
    options.host = argv[1];
    options.port = static_cast<std::uint16_t>(std::stoi(argv[2]));
    std::vector<std::string> folders;
    for (int i = 5; i < argc; ++i) {
        std::string_view a = argv[i];
        if (a == "--plain") {
            // --plain is the user's explicit consent to a clear-text login.
            options.security = imapclient::security::plain;
            options.allow_plaintext_login = true;
        } else {
            folders.emplace_back(a);
        }
    }
    asio::io_context io;
    int rc = 0;
    asio::co_spawn(io, run(options, argv[3], argv[4], folders), [&](std::exception_ptr e) {
        if (!e) return;
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& ex) {
            std::fprintf(stderr, "error: %s\n", ex.what());
            rc = 1;
        }
    });
    io.run();
    return rc;
}
