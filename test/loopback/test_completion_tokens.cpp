// Completion tokens and handlers besides awaitables: callbacks and
// futures, and a callback bound to another io_context, which must keep
// that context running until it is called.
#include "fake_server.hpp"
#include "harness.hpp"
#include "scripted_session.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/use_future.hpp>

#include <atomic>
#include <future>
#include <thread>

using namespace std::chrono_literals;
namespace asio = boost::asio;
using test::scripted::fake_options;
using test::scripted::greeting;

TEST_CASE("any completion token: callbacks and futures", "[loopback][completion_tokens]") {
    test::fake_server server([](test::fake_connection& c) {
        c.send(greeting);
        auto t = c.expect("NOOP");
        c.send(t + " OK callback\r\n");
        t = c.expect("NOOP");
        c.send(t + " OK future\r\n");
    });
    asio::io_context io;
    imapclient::client c(io.get_executor(), fake_options(server));
    std::string callback_text;
    c.connect([&](imapclient::error_code ec, imapclient::connect_result) {
        REQUIRE_FALSE(ec);
        c.noop([&](imapclient::error_code ec2, imapclient::command_result r) {
            CHECK_FALSE(ec2);
            callback_text = r.status.text;
        });
    });
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (callback_text.empty() && std::chrono::steady_clock::now() < deadline) io.run_one_for(100ms);
    CHECK(callback_text == "callback");
    io.restart();
    std::thread runner([&] { io.run_for(5s); });
    auto fut = c.noop(asio::use_future);
    REQUIRE(fut.wait_for(5s) == std::future_status::ready);
    CHECK(fut.get().status.text == "future");
    c.shutdown();
    runner.join();
    CHECK(server.finish() == "");
}

// Asio's rule for initiating functions: outstanding work is kept on the
// completion handler's associated executor until the handler has run. A
// handler bound to another io_context keeps that context's run() from
// returning while the operation is pending (run() once returned at once and
// the completion was lost).
TEST_CASE("a handler bound to another io_context keeps it running until it is called",
          "[loopback][completion_tokens]") {
    test::fake_server server([](test::fake_connection& c) {
        c.send(greeting);
        auto t = c.expect("NOOP");
        std::this_thread::sleep_for(300ms);  // the caller's io_context must not run dry meanwhile
        c.send(t + " OK slow noop\r\n");
        c.closed_within(3s);
    });
    asio::io_context io1, io2;
    auto guard = asio::make_work_guard(io1);
    std::thread runner([&] { io1.run(); });
    {
        imapclient::client c(io1.get_executor(), fake_options(server));
        auto connected = c.connect(asio::use_future);
        REQUIRE(connected.wait_for(5s) == std::future_status::ready);
        connected.get();
        std::atomic<bool> called{false};
        std::string text;
        c.noop(asio::bind_executor(io2, [&](imapclient::error_code, imapclient::command_result r) {
            text = r.status.text;
            called = true;
        }));
        io2.run_for(5s);  // returns as soon as io2 has no work left
        CHECK(called);    // io2.run() must not return while the noop is pending
        // Let a late completion land before the test's objects go away.
        for (int i = 0; i < 200 && !called; ++i) {
            std::this_thread::sleep_for(10ms);
            io2.restart();
            io2.poll();
        }
        CHECK(text == "slow noop");
        c.shutdown();
    }
    guard.reset();
    runner.join();
    CHECK(server.finish() == "");
}
