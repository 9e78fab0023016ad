// Several coroutines in several folders on one connection, against the
// real Dovecot and Cyrus: with folder leases every result comes from the
// caller's folder; the plain calls never return another folder's messages
// under the wrong name.
#include "harness.hpp"

#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>

#include <algorithm>
#include <cstdio>
#include <memory>

using namespace std::chrono_literals;
using imapclient::client;
using imapclient::errc;
using imapclient::folder_lease;
using imapclient::make_error_code;
namespace asio = boost::asio;
namespace ops = imapclient::ops;

namespace {

/// Deletes the test's folders; the selected one would end the session
/// (Dovecot: "BYE Selected mailbox was deleted"), so INBOX is selected first.
asio::awaitable<void> remove_folders(client& c, const std::vector<std::string>& names) {
    co_await c.select_folder("INBOX");
    for (const auto& n : names) co_await c.delete_folder(n);
}

asio::awaitable<void> login(client& c) {
    co_await c.connect();
    co_await c.login("alice", "alicepass");
}

/// Creates `folders` folders holding `per_folder` messages each, whose
/// subjects start with the folder's index ("F3-0", "F3-1", ...).
asio::awaitable<std::vector<std::string>> make_folders(client& c, int folders, int per_folder) {
    std::vector<std::string> names;
    for (int f = 0; f < folders; ++f) {
        names.push_back(test::unique_name("lease"));
        co_await c.create_folder(names.back());
        for (int m = 0; m < per_folder; ++m) {
            const std::string subject = "F" + std::to_string(f) + "-" + std::to_string(m);
            co_await c.append(names.back(), test::make_message(subject, "body"));
        }
    }
    co_return names;
}

/// The prefix of each fetched message's subject ("F3"), "?" when unreadable.
std::vector<std::string> prefixes(const imapclient::fetch_result& r) {
    std::vector<std::string> out;
    for (const auto& [uid, m] : r.messages) {
        const auto& s = m.envelope ? m.envelope->subject : std::optional<std::string>();
        out.push_back(s ? s->substr(0, s->find('-')) : "?");
    }
    return out;
}

/// FETCH of every message (named, not built inside a co_await: GCC 12).
ops::fetch fetch_all(std::string item) {
    ops::fetch f;
    f.messages = imapclient::sequence_set("1:*");
    f.items.push_back(std::move(item));
    return f;
}

std::vector<std::string> debug_log;
imapclient::client_options logging(imapclient::client_options o) {
    o.debug = 4;
    o.log = [](std::string_view line) { debug_log.emplace_back(line); };
    return o;
}

}  // namespace

TEST_CASE("leases: two coroutines in two folders each get only their own messages", "[live][lease]") {
    auto kind = GENERATE(test::server_kind::dovecot, test::server_kind::cyrus);
    auto srv = test::real_server(kind);
    INFO(test::name_of(kind));
    test::run([&]() -> asio::awaitable<void> {
        using namespace asio::experimental::awaitable_operators;
        client c(co_await asio::this_coro::executor, test::plain_options(srv));
        co_await login(c);
        auto names = co_await make_folders(c, 2, 3);
        int wrong = 0, fetched = 0;
        auto worker = [&](int f) -> asio::awaitable<void> {
            const std::string own = "F" + std::to_string(f);
            for (int i = 0; i < 30; ++i) {
                auto lease = co_await c.lease_folder(names[f]);
                auto op = fetch_all("ENVELOPE");
                auto r = co_await lease.run(std::move(op));
                CHECK(r.ran_in == lease.mailbox());
                CHECK(r.ran_in.name == names[f]);
                CHECK(r.ran_in.uid_validity.has_value());
                CHECK(r.messages.size() == 3);
                for (const auto& p : prefixes(r)) {
                    ++fetched;
                    if (p != own) ++wrong;
                }
            }
        };
        co_await (worker(0) && worker(1));
        CHECK(fetched == 180);
        CHECK(wrong == 0);
        co_await remove_folders(c, names);
    });
}

TEST_CASE("leases: the plain calls of two coroutines never return a folder's messages under another's name",
          "[live][lease]") {
    auto srv = test::dovecot();
    test::run([&]() -> asio::awaitable<void> {
        using namespace asio::experimental::awaitable_operators;
        client c(co_await asio::this_coro::executor, test::plain_options(srv));
        co_await login(c);
        auto names = co_await make_folders(c, 2, 3);
        int refused = 0, succeeded = 0, mislabelled = 0, elsewhere = 0;
        auto worker = [&](int f) -> asio::awaitable<void> {
            for (int i = 0; i < 30; ++i) {
                co_await c.select_folder(names[f]);
                        auto op = fetch_all("ENVELOPE");
                auto [ec, r] = co_await c.run(std::move(op), asio::as_tuple(asio::use_awaitable));
                if (ec == make_error_code(errc::mailbox_changed)) {
                    ++refused;
                    continue;
                }
                REQUIRE(!ec);
                ++succeeded;
                // Whichever folder it ran in, the result says which.
                const auto it = std::find(names.begin(), names.end(), r.ran_in.name);
                REQUIRE(it != names.end());
                const std::string in = "F" + std::to_string(it - names.begin());
                if (r.ran_in.name != names[f]) ++elsewhere;
                for (const auto& p : prefixes(r))
                    if (p != in) ++mislabelled;
            }
        };
        co_await (worker(0) && worker(1));
        INFO("refused " << refused << ", succeeded " << succeeded << " (in the other folder: " << elsewhere << ")");
        CHECK(refused + succeeded == 60);
        CHECK(mislabelled == 0);
        co_await remove_folders(c, names);
    });
}

TEST_CASE("leases: 16 coroutines over 8 folders on one connection", "[live][lease]") {
    auto kind = GENERATE(test::server_kind::dovecot, test::server_kind::cyrus);
    auto srv = test::real_server(kind);
    INFO(test::name_of(kind));
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, test::plain_options(srv));
        co_await login(c);
        auto names = co_await make_folders(c, 8, 2);
        int wrong = 0, fetched = 0, finished = 0;
        auto worker = [&](int w) -> asio::awaitable<void> {
            for (int i = 0; i < 6; ++i) {
                const int f = (w + i * 3) % 8;
                auto lease = co_await c.lease_folder(names[f], (w % 2) == 1);
                ops::search all;
                auto ids = co_await lease.run(std::move(all));
                auto op = fetch_all("ENVELOPE");
                op.messages = imapclient::sequence_set(ids.ids);
                auto r = co_await lease.run(std::move(op));
                CHECK(ids.ran_in == lease.mailbox());
                for (const auto& p : prefixes(r)) {
                    ++fetched;
                    if (p != "F" + std::to_string(f)) ++wrong;
                }
            }
            ++finished;
        };
        auto ex = co_await asio::this_coro::executor;
        for (int w = 0; w < 16; ++w) asio::co_spawn(ex, worker(w), asio::detached);
        while (finished < 16) co_await test::sleep_for(20ms);
        CHECK(fetched == 16 * 6 * 2);
        CHECK(wrong == 0);
        co_await remove_folders(c, names);
    }, std::chrono::seconds(120));
}

TEST_CASE("leases: leases of one folder pipeline their commands", "[live][lease]") {
    auto srv = test::dovecot();
    debug_log.clear();
    test::run([&]() -> asio::awaitable<void> {
        using namespace asio::experimental::awaitable_operators;
        client c(co_await asio::this_coro::executor, logging(test::plain_options(srv)));
        co_await login(c);
        auto names = co_await make_folders(c, 1, 3);
        auto a = co_await c.lease_folder(names[0]);
        auto b = co_await c.lease_folder(names[0]);
        CHECK(a.mailbox() == b.mailbox());
        debug_log.clear();
        // Disjoint UIDs: FETCH data is then told apart by UID.
        auto one = fetch_all("FLAGS");
        one.messages = imapclient::sequence_set("1");
        auto others = fetch_all("FLAGS");
        others.messages = imapclient::sequence_set("2:3");
        auto first = a.run(std::move(one));
        auto second = b.run(std::move(others));
        auto [ra, rb] = co_await (std::move(first) && std::move(second));
        CHECK(ra.messages.size() == 1);
        CHECK(rb.messages.size() == 2);
        // Both commands were on the wire before the first answer came.
        std::vector<std::size_t> sent, answered;
        for (std::size_t i = 0; i < debug_log.size(); ++i) {
            if (debug_log[i].find("> ") != std::string::npos && debug_log[i].find("FETCH") != std::string::npos)
                sent.push_back(i);
            if (debug_log[i].find("< ") != std::string::npos && debug_log[i].find(" OK ") != std::string::npos)
                answered.push_back(i);
        }
        std::string lines;
        for (const auto& l : debug_log) lines += l + "\n";
        INFO(lines);
        REQUIRE(sent.size() == 2);
        REQUIRE(!answered.empty());
        CHECK(sent[1] < answered[0]);
        a.release();
        b.release();
        co_await remove_folders(c, names);
    });
}

TEST_CASE("leases: a waiting lease can be cancelled or time out; the queue goes on", "[live][lease]") {
    auto srv = test::dovecot();
    debug_log.clear();
    test::run([&]() -> asio::awaitable<void> {
        using namespace asio::experimental::awaitable_operators;
        auto o = logging(test::plain_options(srv));
        o.lease_wait_timeout = 400ms;
        client c(co_await asio::this_coro::executor, o);
        co_await login(c);
        auto names = co_await make_folders(c, 3, 1);
        auto held = co_await c.lease_folder(names[0]);

        // Cancelled while waiting.
        asio::steady_timer t(co_await asio::this_coro::executor, 100ms);
        auto raced = co_await (c.lease_folder(names[1], false, asio::as_tuple(asio::use_awaitable)) ||
                               t.async_wait(asio::use_awaitable));
        REQUIRE(raced.index() == 1);

        // Timed out while waiting.
        auto [ec, none] = co_await c.lease_folder(names[2], false, asio::as_tuple(asio::use_awaitable));
        CHECK(ec == make_error_code(errc::lease_timeout));
        CHECK(!none.held());

        // The holder still works; once it lets go, the next lease is served.
        ops::search all;
        auto r = co_await held.run(std::move(all));
        CHECK(r.ids.size() == 1);
        held.release();
        auto next = co_await c.lease_folder(names[2]);
        CHECK(next.mailbox().name == names[2]);
        // The withdrawn requests never selected anything.
        for (const auto& line : debug_log) {
            CHECK(line.find("SELECT " + names[1]) == std::string::npos);
        }
        next.release();
        co_await remove_folders(c, names);
    });
}

TEST_CASE("leases: a plain select_folder() under a lease ends the lease's operations", "[live][lease]") {
    auto srv = test::dovecot();
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, test::plain_options(srv));
        co_await login(c);
        auto names = co_await make_folders(c, 2, 1);
        auto lease = co_await c.lease_folder(names[0]);
        co_await c.select_folder(names[1]);
        auto op = fetch_all("ENVELOPE");
        auto [ec, r] = co_await lease.run(std::move(op), asio::as_tuple(asio::use_awaitable));
        CHECK(ec == make_error_code(errc::mailbox_changed));
        CHECK(r.messages.empty());
        // A new lease of the first folder works again.
        lease = co_await c.lease_folder(names[0]);
        auto again = fetch_all("ENVELOPE");
        auto ok = co_await lease.run(std::move(again));
        CHECK(prefixes(ok) == std::vector<std::string>{"F0"});
        lease.release();
        ops::search after;
        auto [released_ec, nothing] = co_await lease.run(std::move(after), asio::as_tuple(asio::use_awaitable));
        CHECK(released_ec == make_error_code(errc::illegal_state));
        co_await remove_folders(c, names);
    });
}

TEST_CASE("leases: a folder deleted and created again under a lease", "[live][lease]") {
    auto kind = GENERATE(test::server_kind::dovecot, test::server_kind::cyrus);
    auto srv = test::real_server(kind);
    INFO(test::name_of(kind));
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, test::plain_options(srv));
        client other(co_await asio::this_coro::executor, test::plain_options(srv));
        co_await login(c);
        co_await login(other);
        auto names = co_await make_folders(c, 1, 2);
        auto lease = co_await c.lease_folder(names[0]);
        const auto before = lease.mailbox();
        co_await other.delete_folder(names[0]);
        co_await other.create_folder(names[0]);
        co_await other.append(names[0], test::make_message("NEW-0", "body"));
        // Whatever the server does about it (BYE, NO, a new UIDVALIDITY),
        // the lease never returns the new folder's message as the old one's.
        bool ended = false;
        for (int i = 0; i < 3 && !ended; ++i) {
            auto op = fetch_all("ENVELOPE");
            auto [ec, r] = co_await lease.run(std::move(op), asio::as_tuple(asio::use_awaitable));
            INFO(ec.message() << ": " << r.status.text);
            if (ec) {
                ended = true;
                for (const auto& p : prefixes(r)) CHECK(p != "NEW");
            } else {
                for (const auto& p : prefixes(r)) CHECK(p == "F0");
                CHECK(r.ran_in == before);
            }
            co_await test::sleep_for(100ms);
        }
        CHECK(ended);
        co_await other.delete_folder(names[0]);
    });
}

TEST_CASE("the folder_leases sample shows each folder's own messages", "[live][lease][sample]") {
    auto srv = test::dovecot();
    std::vector<std::string> names;
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, test::plain_options(srv));
        co_await login(c);
        names = co_await make_folders(c, 3, 4);
    });
    std::string cmd = std::string(BUILD_ROOT) + "/samples/folder_leases " + srv.host + " " + std::to_string(srv.port) +
                      " alice alicepass --plain";
    for (const auto& n : names) cmd += " " + n;
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen((cmd + " 2>&1").c_str(), "r"), ::pclose);
    REQUIRE(pipe);
    std::string out;
    char buf[4096];
    while (std::size_t n = std::fread(buf, 1, sizeof buf, pipe.get())) out.append(buf, n);
    INFO(out);
    for (std::size_t f = 0; f < names.size(); ++f) {
        // The folder's block: its line, then its newest three subjects.
        const auto at = out.find(names[f] + " (UIDVALIDITY ");
        REQUIRE(at != std::string::npos);
        const auto block = out.substr(at, out.find("messages\n", at) + 9 - at);
        CHECK(block.find(": 4 messages") != std::string::npos);
        const auto rest = out.substr(at + block.size());
        const std::string own = "F" + std::to_string(f) + "-";
        for (int m = 1; m < 4; ++m) CHECK(rest.find(own + std::to_string(m)) != std::string::npos);
        // The lines right after it are all its own.
        std::size_t line = 0, pos = 0;
        while (line < 3 && pos < rest.size()) {
            const auto end = rest.find('\n', pos);
            CHECK(rest.substr(pos, end - pos).find(own) != std::string::npos);
            pos = end + 1;
            ++line;
        }
    }
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, test::plain_options(srv));
        co_await login(c);
        co_await remove_folders(c, names);
    });
}
