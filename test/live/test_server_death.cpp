// A Dovecot of its own that the test freezes and then kills: every pending
// call must fail promptly with an abort error, nothing may hang.
#include "harness.hpp"
#include "private_dovecot.hpp"

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace std::chrono_literals;
namespace asio = boost::asio;


TEST_CASE("a killed server fails every pending call promptly", "[live][dovecot][connection_loss]") {
    test::private_dovecot server;
    test::run([&]() -> asio::awaitable<void> {
        auto ex = co_await asio::this_coro::executor;
        auto o = test::plain_options(server.env);
        o.timeout = 60s;  // the failure must come from the dead socket, not a timeout
        imapclient::client c(ex, o);
        co_await c.connect();
        co_await c.login("alice", "alicepass");
        co_await c.select_folder("INBOX");

        server.signal_all(SIGSTOP);  // the server stops answering...
        constexpr int n = 20;
        int failed = 0, succeeded = 0;
        std::vector<imapclient::error_code> codes;
        std::vector<std::string> items{"FLAGS"};
        for (int i = 0; i < n; ++i) {
            auto on_done = [&](std::exception_ptr, std::tuple<imapclient::error_code, imapclient::command_result> r) {
                if (std::get<0>(r)) {
                    ++failed;
                    codes.push_back(std::get<0>(r));
                } else {
                    ++succeeded;
                }
            };
            asio::co_spawn(ex, c.noop(asio::as_tuple(asio::use_awaitable)), on_done);
        }
        co_await test::sleep_for(300ms);
        CHECK(failed + succeeded == 0);  // all pending

        const auto killed = std::chrono::steady_clock::now();
        server.signal_all(SIGKILL);  // ...and dies
        while (failed + succeeded < n && std::chrono::steady_clock::now() - killed < 10s)
            co_await test::sleep_for(5ms);
        const auto took = std::chrono::steady_clock::now() - killed;
        CHECK(failed == n);
        CHECK(took < 2s);
        for (auto& ec : codes) CHECK(imapclient::is_abort(ec));
        // And the connection says so from now on.
        auto [ec, r] = co_await c.noop(asio::as_tuple(asio::use_awaitable));
        CHECK(ec == imapclient::make_error_code(imapclient::errc::not_connected));
    });
}
