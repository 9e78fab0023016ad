// The client's lifetime against Asio's: an operation on a moved-from
// client, and the client destroyed with its io_context while a command is
// pending.
#include "child_process.hpp"
#include "fake_server.hpp"
#include "harness.hpp"
#include "scripted_session.hpp"

#include <sys/wait.h>

using namespace std::chrono_literals;
namespace asio = boost::asio;
using imapclient::errc;
using imapclient::make_error_code;
using test::in_child;
using test::scripted::fake_options;
using test::scripted::greeting;

// Any operation on a moved-from client completes with not_connected (it
// once dereferenced the moved-out implementation). Run in a forked child:
// a crash must fail this test, not end the test program.
TEST_CASE("an operation on a moved-from client fails with not_connected instead of crashing", "[loopback][lifetime]") {
    const int status = in_child([] {
        asio::io_context io;
        imapclient::client_options o;
        o.security = imapclient::security::plain;
        imapclient::client a(io.get_executor(), o);
        imapclient::client b(std::move(a));
        imapclient::error_code got;
        bool called = false;
        a.noop([&](imapclient::error_code ec, imapclient::command_result) {  // NOLINT(bugprone-use-after-move)
            got = ec;
            called = true;
        });
        io.run_for(2s);
        return called && got == make_error_code(errc::not_connected) ? 0 : 1;
    });
    CHECK_FALSE(WIFSIGNALED(status));  // no SIGSEGV
    CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
}

// Destroying the client, then its io_context, while a command is pending
// frees the connection: the server sees the socket close. (The pending
// handler once kept the implementation alive through a reference cycle
// that only the close ~client posts, never run here, would have broken.)
TEST_CASE("destroying the client and its io_context with a command pending frees the connection",
          "[loopback][lifetime]") {
    test::fake_server server([](test::fake_connection& c) {
        c.send(greeting);
        c.expect("NOOP");  // never answered
        if (!c.closed_within(3s)) throw std::runtime_error("the client's socket was never closed: the impl leaked");
    });
    {
        asio::io_context io;
        {
            imapclient::client c(io.get_executor(), fake_options(server));
            bool connected = false;
            c.connect([&](imapclient::error_code ec, imapclient::connect_result) {
                connected = !ec;
                c.noop([](imapclient::error_code, imapclient::command_result) {});
            });
            io.run_for(500ms);
            REQUIRE(connected);
        }  // ~client posts a close that never runs
    }      // ~io_context
    CHECK(server.finish() == "");  // not "the client's socket was never closed"
}
