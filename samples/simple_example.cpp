// Python IMAPClient's "simple example", with co_await: shows the id, size and flags
// of every non-deleted message in INBOX.
//
//   simple_example HOST PORT USER PASSWORD [--tls|--starttls|--plain] [--ca-file F]
#include <imapclient/client.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <cstdio>
#include <exception>
#include <string>
#include <string_view>

namespace asio = boost::asio;

asio::awaitable<void> run(imapclient::client_options options, std::string user, std::string password) {
    imapclient::client server(co_await asio::this_coro::executor, options);
    co_await server.connect();
    co_await server.login(user, password);

    auto select_info = co_await server.select_folder("INBOX");
    std::printf("%u messages in INBOX\n", select_info.exists);

    imapclient::search_criteria not_deleted{"NOT", "DELETED"};
    auto messages = co_await server.search(not_deleted);
    std::printf("%zu messages that aren't deleted\n", messages.ids.size());

    std::printf("\nMessages:\n");
    std::vector<std::string> items{"FLAGS", "RFC822.SIZE"};
    auto response = co_await server.fetch(messages.ids, items);
    for (const auto& [msgid, data] : response.messages) {
        std::string flags;
        for (const auto& f : data.flags.value_or(std::vector<std::string>{}))
            flags += (flags.empty() ? "" : " ") + f;
        std::printf("   ID %u: %llu bytes, flags=(%s)\n", msgid,
                    static_cast<unsigned long long>(data.size.value_or(0)), flags.c_str());
    }
    co_await server.logout();
}

int main(int argc, char** argv) {
    if (argc < 5) {
        std::fprintf(stderr, "usage: %s HOST PORT USER PASSWORD [--tls|--starttls|--plain] [--ca-file F]\n", argv[0]);
        return 2;
    }
    imapclient::client_options options;
    options.host = argv[1];
    options.port = static_cast<std::uint16_t>(std::stoi(argv[2]));
    for (int i = 5; i < argc; ++i) {
        std::string_view a = argv[i];
        if (a == "--tls") options.security = imapclient::security::tls;
        else if (a == "--starttls") options.security = imapclient::security::starttls;
        else if (a == "--plain") {
            // --plain is the user's explicit consent to a clear-text login.
            options.security = imapclient::security::plain;
            options.allow_plaintext_login = true;
        } else if (a == "--ca-file" && i + 1 < argc) options.ssl_context = imapclient::create_default_context(argv[++i]);
    }
    asio::io_context io;
    int rc = 0;
    asio::co_spawn(io, run(options, argv[3], argv[4]), [&](std::exception_ptr e) {
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
