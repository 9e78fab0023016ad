// Streamed APPEND (client::stream_append) against scripted servers: the
// literal's bytes arrive whole and in order after the "+", commands
// issued meanwhile go after it; a source that fails or ends early, and a
// cancellation in the middle of the literal, close the connection with a
// clear error and nothing hangs. (Against Dovecot: test/live/test_stream_append.cpp.)
#include "fake_server.hpp"
#include "harness.hpp"
#include "scripted_session.hpp"

#include <imapclient/body_stream.hpp>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>

using namespace std::chrono_literals;
namespace asio = boost::asio;
using imapclient::errc;
using imapclient::error_code;
using imapclient::make_error_code;
using test::scripted::fake_options;

namespace {

const std::vector<std::string> no_flags;
const std::optional<imapclient::datetime> no_time;

// Bytes 1..255 in a reproducible order (no NUL: a plain literal).
std::string message_bytes(std::size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::string s(n, '\0');
    for (auto& ch : s) ch = static_cast<char>(1 + rng() % 255);
    return s;
}

std::filesystem::path write_temp(const std::string& bytes) {
    static int counter = 0;
    auto p = std::filesystem::temp_directory_path() /
             ("imapclient-stream-append-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
}

// Gives `good` bytes, then fails with `fail` (or, with no error, gives
// nothing more: an end before size()). Each read completes after `delay`,
// through the test's own executor.
class scripted_source : public imapclient::body_source {
public:
    scripted_source(asio::any_io_executor ex, std::uint64_t size, std::uint64_t good, error_code fail,
                    std::chrono::milliseconds delay = 0ms)
        : ex_(std::move(ex)), size_(size), good_(good), fail_(fail), delay_(delay) {}
    std::uint64_t size() const override { return size_; }
    void async_read_some(asio::mutable_buffer buffer, read_handler handler) override {
        ++reads;
        std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), good_ - given_));
        std::memset(buffer.data(), 'a', n);
        given_ += n;
        error_code ec;
        if (n == 0) ec = fail_;
        auto timer = std::make_shared<asio::steady_timer>(ex_, delay_);
        timer->async_wait([timer, h = std::move(handler), ec, n](error_code) mutable { std::move(h)(ec, n); });
    }
    int reads = 0;

private:
    asio::any_io_executor ex_;
    std::uint64_t size_, good_, given_ = 0;
    error_code fail_;
    std::chrono::milliseconds delay_;
};

void serve_login(test::fake_connection& c, const std::string& caps) {
    c.send("* OK [CAPABILITY " + caps + "] fake ready\r\n");
    auto t = c.expect("LOGIN");
    // With its capabilities: else the client asks again, off the script.
    c.send(t + " OK [CAPABILITY " + caps + "] logged in\r\n");
}

asio::awaitable<void> login(imapclient::client& c) {
    co_await c.connect();
    co_await c.login("user", "pass");
}

}  // namespace

TEST_CASE("stream_append (scripted): a file's bytes follow the '+' exactly; a NOOP issued meanwhile goes after",
          "[loopback][stream-append]") {
    const std::string body = message_bytes(1'000'000, 1);
    const auto path = write_temp(body);
    std::string got;
    test::fake_server server([&](test::fake_connection& c) {
        serve_login(c, "IMAP4rev1 LITERAL+ UIDPLUS");
        // Over 4096 bytes: synchronizing even with LITERAL+.
        auto line = c.read_line();
        const auto tag = line.substr(0, line.find(' '));
        if (line != tag + " APPEND Archive (\\Seen) {1000000}") throw std::runtime_error("line: " + line);
        if (!c.quiet_for(100ms)) throw std::runtime_error("the literal came before the '+'");
        c.send("+ go ahead\r\n");
        got = c.read_bytes(body.size());
        if (c.read_line() != "") throw std::runtime_error("no CRLF after the literal");
        auto noop = c.expect("NOOP");
        c.send(noop + " OK noop\r\n" + tag + " OK [APPENDUID 9 42] appended\r\n");
        c.closed_within(2s);
    });
    test::run([&]() -> asio::awaitable<void> {
        using namespace asio::experimental::awaitable_operators;
        auto ex = co_await asio::this_coro::executor;
        imapclient::client c(ex, fake_options(server));
        co_await login(c);
        const std::vector<std::string> seen{"\\Seen"};
        auto src = imapclient::file_source(path);
        // Issued once the APPEND's line is out and waits for its '+'.
        auto later_noop = [&c]() -> asio::awaitable<std::tuple<error_code, imapclient::ops::noop::result_type>> {
            co_await test::sleep_for(50ms);
            auto r = co_await c.noop(asio::as_tuple(asio::use_awaitable));
            co_return r;
        };
        auto both = co_await (c.stream_append("Archive", src, seen, no_time, false, asio::as_tuple(asio::use_awaitable)) &&
                              later_noop());
        // The first operand's (ec, result) come flattened; the second's as a tuple.
        auto& [aec, appended, nop] = both;
        auto& [nec, noop] = nop;
        CHECK_FALSE(aec);
        CHECK_FALSE(nec);
        CHECK(appended.uid == std::optional<std::uint32_t>(42));
        CHECK(appended.uid_validity == std::optional<std::uint32_t>(9));
        CHECK(noop.status.text == "noop");
        const auto m = c.metrics();
        CHECK(m.bytes_written >= body.size());
    });
    CHECK(server.finish() == "");
    CHECK(got.size() == body.size());
    CHECK(got == body);
    std::filesystem::remove(path);
}

TEST_CASE("stream_append (scripted): a source that fails or ends early closes the connection with its error",
          "[loopback][stream-append]") {
    const bool early_end = GENERATE(false, true);
    CAPTURE(early_end);
    test::fake_server server([](test::fake_connection& c) {
        serve_login(c, "IMAP4rev1");
        c.expect("APPEND INBOX {300000}");
        c.send("+ go ahead\r\n");
        if (!c.closed_within(3s)) throw std::runtime_error("the client did not close the connection");
        // What came is the 100000 good bytes at most, never a next command.
        if (c.received().find("NOOP") != std::string::npos) throw std::runtime_error("a NOOP was written");
    });
    test::run([&]() -> asio::awaitable<void> {
        auto ex = co_await asio::this_coro::executor;
        imapclient::client c(ex, fake_options(server));
        co_await login(c);
        error_code fail;
        if (!early_end) fail = make_error_code(boost::system::errc::io_error);
        auto src = std::make_shared<scripted_source>(ex, 300000, 100000, fail);
        auto [ec, r] = co_await c.stream_append("INBOX", src, no_flags, no_time, false,
                                                asio::as_tuple(asio::use_awaitable));
        CHECK(ec == make_error_code(errc::stream_failed));
        INFO(r.status.text);
        CHECK(r.status.text.find("100000 of 300000") != std::string::npos);
        if (early_end) CHECK(r.status.text.find("shorter") != std::string::npos);
        else CHECK(r.status.text.find(fail.message()) != std::string::npos);
        // The connection is gone, and says why.
        auto [nec, nr] = co_await c.noop(asio::as_tuple(asio::use_awaitable));
        CHECK(imapclient::is_abort(nec));
        (void)nr;
    });
    CHECK(server.finish() == "");
}

TEST_CASE("stream_append (scripted): cancelling in the middle of the literal closes with literal_cancelled",
          "[loopback][stream-append]") {
    test::fake_server server([](test::fake_connection& c) {
        serve_login(c, "IMAP4rev1 LITERAL+");
        c.expect("APPEND INBOX {10000000}");
        c.send("+ go ahead\r\n");
        if (!c.closed_within(5s)) throw std::runtime_error("the client did not close the connection");
    });
    std::shared_ptr<scripted_source> src;
    test::run([&]() -> asio::awaitable<void> {
        using namespace asio::experimental::awaitable_operators;
        auto ex = co_await asio::this_coro::executor;
        imapclient::client c(ex, fake_options(server));
        co_await login(c);
        // 10 MB at 64 KiB per 20 ms: seconds, far longer than the timer.
        src = std::make_shared<scripted_source>(ex, 10'000'000, 10'000'000, error_code{}, 20ms);
        asio::steady_timer t(ex, 300ms);
        auto r = co_await (c.stream_append("INBOX", src, no_flags, no_time, false, asio::as_tuple(asio::use_awaitable)) ||
                           t.async_wait(asio::use_awaitable));
        CHECK(r.index() == 1);
        // The connection is closed, and its closing event says why.
        std::optional<error_code> closed_with;
        for (int i = 0; i < 10 && !closed_with; ++i) {
            auto ev = co_await test::next_event_within(c, 1s);
            if (!ev) break;
            if (auto* cc = std::get_if<imapclient::connection_closed>(&*ev)) closed_with = cc->ec;
        }
        CHECK(closed_with == std::optional<error_code>(make_error_code(errc::literal_cancelled)));
        auto [ec, nr] = co_await c.noop(asio::as_tuple(asio::use_awaitable));
        CHECK(imapclient::is_abort(ec));
        (void)nr;
        // Let the writer see the close after its pending read.
        co_await test::sleep_for(100ms);
    });
    CHECK(server.finish() == "");
    // It stopped reading the source: far from all of it was asked for.
    REQUIRE(src);
    CHECK(src->reads > 1);
    CHECK(src->reads < 100);
}
