// client::metrics() against Dovecot: each command is counted once under the
// name it was sent with, by how the server answered, with a latency.
#include "harness.hpp"

#include <thread>

using namespace std::chrono_literals;
using imapclient::client;
namespace asio = boost::asio;

TEST_CASE("metrics: a session's commands, answers and latencies as Dovecot gave them", "[live][metrics]") {
    auto env = test::dovecot();
    test::run([&]() -> asio::awaitable<void> {
        const auto as_tuple = asio::as_tuple(asio::use_awaitable);
        auto ex = co_await asio::this_coro::executor;
        client c(ex, test::plain_options(env));
        co_await c.connect();
        co_await c.login("alice", "alicepass");
        co_await c.select_folder("INBOX");
        const std::vector<std::string> items{"FLAGS"};
        const imapclient::sequence_set all("1:*");
        const std::vector<std::string> no_modifiers;
        auto fetched = co_await c.fetch(all, items);
        CHECK_FALSE(fetched.messages.empty());
        const std::string missing = test::unique_name("no-such-folder");
        auto [e1, r1] = co_await c.select_folder(missing, false, as_tuple);
        CHECK(e1 == make_error_code(imapclient::errc::no));
        auto [e2, r2] = co_await c.raw_command("XYZZY", as_tuple);
        CHECK(e2 == make_error_code(imapclient::errc::bad));
        // Refused: the failed SELECT left no mailbox selected.
        auto [e3, r3] = co_await c.fetch(all, items, no_modifiers, as_tuple);
        CHECK(e3 == make_error_code(imapclient::errc::illegal_state));

        // From another thread: metrics() has its own lock.
        imapclient::command_metrics m;
        std::thread reader([&] { m = c.metrics(); });
        reader.join();

        const auto* login = m.find("LOGIN");
        const auto* select = m.find("SELECT");
        const auto* fetch = m.find("UID FETCH");
        const auto* bad = m.find("XYZZY");
        REQUIRE((login && select && fetch && bad));
        CHECK(login->ok == 1);
        CHECK(select->ok == 1);
        CHECK(select->no == 1);
        CHECK(fetch->ok == 1);
        CHECK(fetch->refused == 0);  // refused by the operation, before a command existed
        CHECK(bad->bad == 1);
        std::uint64_t sent = 0;
        for (const auto& s : m.commands) {
            INFO(s.name);
            sent += s.sent();
            CHECK(s.aborted == 0);
            std::uint64_t in_buckets = 0;
            for (auto n : s.buckets) in_buckets += n;
            CHECK(in_buckets == s.samples());
            if (s.samples() == 0) continue;
            CHECK(s.max_latency > 0ns);
            CHECK(s.max_latency <= s.total_latency);
            CHECK(s.max_latency < 10s);
            CHECK(s.quantile(1.0) == s.max_latency);
        }
        CHECK(sent == m.commands_sent);
        CHECK(m.bytes_written > 0);
        CHECK(m.bytes_read > m.bytes_written);  // 20 messages' flags, the greeting, ...
        co_await c.logout();
        CHECK(c.metrics().find("LOGOUT")->ok == 1);
    });
}
