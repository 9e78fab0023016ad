// Streamed FETCH against scripted servers, for what a real server will not
// do on demand: the connection lost mid-literal, a literal cut short, a sink
// that fails, a caller cancelled mid-stream. In each the call ends promptly
// with a clear error, the sink is told, and (unless the connection died) the
// connection serves the next command. (Against Dovecot:
// test/live/test_streaming.cpp.)
#include "fake_server.hpp"
#include "harness.hpp"
#include "scripted_session.hpp"

#include <imapclient/body_stream.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/steady_timer.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace std::chrono_literals;
namespace asio = boost::asio;
using imapclient::client;
using imapclient::errc;
using imapclient::make_error_code;
using namespace test::scripted;

namespace {

std::string body_of(std::size_t n) {
    std::string b;
    for (std::size_t i = 0; b.size() < n; ++i) b += "body line " + std::to_string(i) + "\r\n";
    b.resize(n);
    return b;
}

// Remembers how its stream ended.
struct recording_sink : imapclient::body_sink {
    std::string got;
    std::optional<imapclient::error_code> finished;
    std::size_t fail_after = SIZE_MAX;
    std::function<void()> on_first_write;
    void async_write(std::string_view chunk, write_handler handler) override {
        imapclient::error_code ec;
        if (on_first_write) std::exchange(on_first_write, nullptr)();
        if (got.size() + chunk.size() > fail_after) ec = make_error_code(boost::system::errc::no_space_on_device);
        else got.append(chunk);
        std::move(handler)(ec);  // inline: the client must cope
    }
    void finish(imapclient::error_code ec) override {
        CHECK_FALSE(finished.has_value());  // told once
        finished = ec;
    }
};

std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string literal_response(std::uint32_t seq, std::uint32_t uid, const std::string& body) {
    return "* " + std::to_string(seq) + " FETCH (UID " + std::to_string(uid) + " BODY[] {" + std::to_string(body.size()) +
           "}\r\n" + body + ")\r\n";
}

}  // namespace

TEST_CASE("stream_fetch (scripted): into a file while another caller's fetch is answered behind it",
          "[loopback][stream]") {
    const std::string body = body_of(3 << 20);
    test::fake_server server([&](test::fake_connection& c) {
        serve_login_select(c);
        auto a = c.expect("UID FETCH 5 (UID BODY.PEEK[])");
        auto b = c.expect("UID FETCH 9 (FLAGS)");
        c.send(literal_response(3, 5, body) + a + " OK done\r\n* 7 FETCH (UID 9 FLAGS (\\Seen))\r\n" + b + " OK done\r\n");
        auto t = c.expect("LOGOUT");
        c.send("* BYE bye\r\n" + t + " OK\r\n");
    });
    const auto path = std::filesystem::temp_directory_path() / ("imapclient-stream-" + std::to_string(::getpid()));
    test::run([&]() -> asio::awaitable<void> {
        using namespace asio::experimental::awaitable_operators;
        client c(co_await asio::this_coro::executor, fake_options(server));
        co_await login_select(c);
        auto sink = imapclient::file_sink(path);
        auto both = co_await (c.stream_fetch(5, sink) && c.fetch(9, flags_item));
        CHECK(std::get<0>(both).bytes == body.size());
        CHECK(std::get<0>(both).uid == 5u);
        CHECK(std::get<0>(both).ran_in.name == "INBOX");
        CHECK(std::get<1>(both).messages.at(9).flags == std::vector<std::string>{"\\Seen"});
        co_await c.logout();
    });
    CHECK(server.finish() == "");
    CHECK(slurp(path) == body);
    std::filesystem::remove(path);
}

TEST_CASE("stream_fetch (scripted): connection lost mid-literal, or the literal cut short", "[loopback][stream]") {
    const std::string body = body_of(200000);
    const bool reset = GENERATE(false, true);
    test::fake_server server([&](test::fake_connection& c) {
        serve_login_select(c);
        c.expect("UID FETCH 5 (UID BODY.PEEK[])");
        // Announces all of it, sends a third, then goes away.
        c.send("* 3 FETCH (UID 5 BODY[] {" + std::to_string(body.size()) + "}\r\n" + body.substr(0, body.size() / 3));
        if (reset) c.reset();
        else c.close();
    });
    const auto path = std::filesystem::temp_directory_path() / ("imapclient-cut-" + std::to_string(::getpid()));
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, short_timeout_options(server));
        co_await login_select(c);
        auto recorder = std::make_shared<recording_sink>();
        auto [ec, r] = co_await c.stream_fetch(5, recorder, "", asio::as_tuple(asio::use_awaitable));
        CHECK(imapclient::is_abort(ec));
        CHECK(recorder->finished == ec);
        CHECK(recorder->got == body.substr(0, recorder->got.size()));
        CHECK(r.bytes == recorder->got.size());
        // A file sink removes what it wrote: half a message is never left.
        auto [ec2, r2] = co_await c.stream_fetch(5, imapclient::file_sink(path), "", asio::as_tuple(asio::use_awaitable));
        CHECK(ec2 == make_error_code(errc::not_connected));
    });
    CHECK(server.finish() == "");
    CHECK_FALSE(std::filesystem::exists(path));
}

TEST_CASE("stream_fetch (scripted): a failing sink ends the call at once; the connection stays usable",
          "[loopback][stream]") {
    const std::string body = body_of(1 << 20);
    test::fake_server server([&](test::fake_connection& c) {
        serve_login_select(c);
        auto t = c.expect("UID FETCH 5 (UID BODY.PEEK[])");
        c.send(literal_response(3, 5, body) + t + " OK done\r\n");
        t = c.expect("NOOP");
        c.send(t + " OK still here\r\n");
    });
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, fake_options(server));
        co_await login_select(c);
        auto recorder = std::make_shared<recording_sink>();
        recorder->fail_after = 100000;
        auto [ec, r] = co_await c.stream_fetch(5, recorder, "", asio::as_tuple(asio::use_awaitable));
        CHECK(ec == make_error_code(errc::stream_failed));
        CHECK(r.sink_error == make_error_code(boost::system::errc::no_space_on_device));
        CHECK(r.status.text.find("sink") != std::string::npos);
        CHECK(recorder->finished == ec);
        CHECK(recorder->got.size() <= 100000);
        auto noop = co_await c.noop();
        CHECK(noop.status.text == "still here");
    });
    CHECK(server.finish() == "");
}

TEST_CASE("stream_fetch (scripted): a caller cancelled mid-stream; the rest is drained, the connection usable",
          "[loopback][stream]") {
    const std::string body = body_of(2 << 20);
    test::fake_server server([&](test::fake_connection& c) {
        serve_login_select(c);
        auto t = c.expect("UID FETCH 5 (UID BODY.PEEK[])");
        c.send(literal_response(3, 5, body) + t + " OK done\r\n");
        t = c.expect("UID FETCH 9 (FLAGS)");
        c.send("* 7 FETCH (UID 9 FLAGS ())\r\n" + t + " OK done\r\n");
    });
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, fake_options(server));
        co_await login_select(c);
        asio::cancellation_signal cancel;
        auto recorder = std::make_shared<recording_sink>();
        recorder->on_first_write = [&] { cancel.emit(asio::cancellation_type::terminal); };
        auto [ec, r] = co_await c.stream_fetch(
            5, recorder, "", asio::bind_cancellation_slot(cancel.slot(), asio::as_tuple(asio::use_awaitable)));
        CHECK(ec == asio::error::operation_aborted);
        CHECK(recorder->finished == ec);
        CHECK(recorder->got.size() < body.size());
        auto after = co_await c.fetch(9, flags_item);
        CHECK(after.messages.count(9) == 1);
    });
    CHECK(server.finish() == "");
}

TEST_CASE("stream_fetch (scripted): a message the server does not send; download() in pieces",
          "[loopback][stream]") {
    const std::string body = body_of(2500);
    test::fake_server server([&](test::fake_connection& c) {
        serve_login_select(c);
        auto t = c.expect("UID FETCH 77 (UID BODY.PEEK[])");
        c.send(t + " OK nothing\r\n");
        t = c.expect("UID FETCH 5 (UID BODY.PEEK[]<0.1000>)");
        c.send("* 3 FETCH (UID 5 BODY[]<0> {1000}\r\n" + body.substr(0, 1000) + ")\r\n" + t + " OK done\r\n");
        t = c.expect("UID FETCH 5 (UID BODY.PEEK[]<1000.1000>)");
        c.send("* 3 FETCH (UID 5 BODY[]<1000> {1000}\r\n" + body.substr(1000, 1000) + ")\r\n" + t + " OK done\r\n");
        t = c.expect("UID FETCH 5 (UID BODY.PEEK[]<2000.1000>)");
        c.send("* 3 FETCH (UID 5 BODY[]<2000> {500}\r\n" + body.substr(2000) + ")\r\n" + t + " OK done\r\n");
        // Resumed at 2000.
        t = c.expect("UID FETCH 5 (UID BODY.PEEK[]<2000.1000>)");
        c.send("* 3 FETCH (UID 5 BODY[]<2000> {500}\r\n" + body.substr(2000) + ")\r\n" + t + " OK done\r\n");
    });
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, fake_options(server));
        co_await login_select(c);
        auto missing = std::make_shared<recording_sink>();
        auto [ec, r] = co_await c.stream_fetch(77, missing, "", asio::as_tuple(asio::use_awaitable));
        CHECK(ec == make_error_code(errc::message_missing));
        CHECK(r.status.text.find("UID 77") != std::string::npos);
        CHECK(missing->finished == ec);
        auto whole = std::make_shared<recording_sink>();
        auto got = co_await c.download(5, whole, 0, 1000);
        CHECK(got.bytes == body.size());
        CHECK(whole->got == body);
        CHECK(whole->finished == imapclient::error_code{});
        auto tail = std::make_shared<recording_sink>();
        auto resumed = co_await c.download(5, tail, 2000, 1000);
        CHECK(resumed.bytes == 500);
        CHECK(tail->got == body.substr(2000));
    });
    CHECK(server.finish() == "");
}
