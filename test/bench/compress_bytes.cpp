// Bytes on the wire for one FETCH of message headers, with and without
// COMPRESS=DEFLATE (RFC 4978). A counting TCP proxy inside this program
// sits between the client and the server; the figures are the bytes it
// forwarded each way during the FETCH alone (login, SELECT and SEARCH are
// left out), so TCP/IP overhead is not counted and neither is TLS.
//
//   compress_bytes HOST PORT USER PASSWORD [FOLDER [N [ITEMS]]]
//   compress_bytes 127.0.0.1 143 alice alicepass INBOX 20 "BODY.PEEK[HEADER]"
#include <imapclient/client.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <atomic>
#include <cstdio>
#include <exception>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

struct counters {
    std::atomic<std::uint64_t> up{0};    // client -> server
    std::atomic<std::uint64_t> down{0};  // server -> client
};

asio::awaitable<void> pump(tcp::socket& from, tcp::socket& to, std::atomic<std::uint64_t>& count) {
    std::vector<char> buf(64 * 1024);
    for (;;) {
        auto [ec, n] = co_await from.async_read_some(asio::buffer(buf), asio::as_tuple(asio::use_awaitable));
        if (ec) break;
        count += n;
        auto [wec, wn] = co_await asio::async_write(to, asio::buffer(buf.data(), n), asio::as_tuple(asio::use_awaitable));
        if (wec) break;
    }
    error_code ignored;
    to.shutdown(tcp::socket::shutdown_send, ignored);
}

// Forwards every connection to host:port, counting bytes into `c`.
asio::awaitable<void> proxy(tcp::acceptor& acceptor, std::string host, std::string port, counters& c) {
    auto ex = co_await asio::this_coro::executor;
    for (;;) {
        auto [ec, client] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
        if (ec) co_return;
        tcp::resolver resolver(ex);
        auto endpoints = co_await resolver.async_resolve(host, port, asio::use_awaitable);
        auto server = std::make_shared<tcp::socket>(ex);
        co_await asio::async_connect(*server, endpoints, asio::use_awaitable);
        auto down = std::make_shared<tcp::socket>(std::move(client));
        asio::co_spawn(ex, [down, server, &c]() { return pump(*down, *server, c.up); }, asio::detached);
        asio::co_spawn(ex, [down, server, &c]() { return pump(*server, *down, c.down); }, asio::detached);
    }
}

struct figures {
    std::uint64_t up = 0, down = 0, decoded = 0;
    std::size_t messages = 0;
};

asio::awaitable<figures> measure(imapclient::client_options o, std::string user, std::string password,
                                 std::string folder, std::size_t n, std::string item, bool compress,
                                 counters& c) {
    imapclient::client cl(co_await asio::this_coro::executor, o);
    co_await cl.connect();
    co_await cl.login(user, password);
    if (compress) co_await cl.compress();
    co_await cl.select_folder(folder, true);
    auto all = co_await cl.search();
    if (all.ids.size() > n) all.ids.resize(n);
    figures f;
    const auto up0 = c.up.load(), down0 = c.down.load();
    std::vector<std::string> items{item};
    auto got = co_await cl.fetch(all.ids, items);
    f.up = c.up.load() - up0;
    f.down = c.down.load() - down0;
    f.messages = got.messages.size();
    for (auto& [id, m] : got.messages)
        for (auto& s : m.sections)
            if (s.data) f.decoded += s.data->size();
    co_await cl.logout();
    co_return f;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 5) {
        std::fprintf(stderr, "usage: %s HOST PORT USER PASSWORD [FOLDER [N [ITEM]]]\n", argv[0]);
        return 2;
    }
    const std::string host = argv[1], port = argv[2], user = argv[3], password = argv[4];
    const std::string folder = argc > 5 ? argv[5] : "INBOX";
    const std::size_t n = argc > 6 ? std::stoul(argv[6]) : 20;
    const std::string item = argc > 7 ? argv[7] : "BODY.PEEK[HEADER]";

    asio::io_context proxy_io;
    tcp::acceptor acceptor(proxy_io, {asio::ip::make_address("127.0.0.1"), 0});
    counters c;
    asio::co_spawn(proxy_io, proxy(acceptor, host, port, c), asio::detached);
    std::thread proxy_thread([&] { proxy_io.run(); });

    imapclient::client_options o;
    o.host = "127.0.0.1";
    o.port = acceptor.local_endpoint().port();
    o.security = imapclient::security::plain;
    o.allow_plaintext_login = true;
    int rc = 0;
    std::printf("FETCH %s of %zu messages in %s at %s:%s\n", item.c_str(), n, folder.c_str(), host.c_str(),
                port.c_str());
    std::printf("%-12s %9s %12s %12s %14s\n", "", "messages", "bytes up", "bytes down", "decoded data");
    for (bool compress : {false, true}) {
        asio::io_context io;
        std::exception_ptr error;
        figures f;
        asio::co_spawn(io, measure(o, user, password, folder, n, item, compress, c),
                       [&](std::exception_ptr e, figures r) {
                           error = e;
                           f = r;
                       });
        io.run();
        if (error) {
            try {
                std::rethrow_exception(error);
            } catch (const std::exception& e) {
                std::fprintf(stderr, "%s: %s\n", compress ? "compressed" : "plain", e.what());
                rc = 1;
                continue;
            }
        }
        std::printf("%-12s %9zu %12llu %12llu %14llu\n", compress ? "COMPRESS" : "plain", f.messages,
                    static_cast<unsigned long long>(f.up), static_cast<unsigned long long>(f.down),
                    static_cast<unsigned long long>(f.decoded));
    }
    proxy_io.stop();
    proxy_thread.join();
    return rc;
}
