// IDLE push events against two real servers with different notification
// machinery (Dovecot: inotify plus a fixed ~0.5 s delay; Cyrus: idled,
// immediate). (A scripted server that says BYE twice while idling:
// test/loopback/test_events.cpp.)
//
// A listener connection on a fresh folder must see, in order, what a second
// connection does: APPEND (EXISTS), a flag change (FETCH FLAGS) and an
// expunge (EXPUNGE), through listen()+next_event() and through
// idle()/idle_check().
#include "harness.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>

#include <algorithm>
#include <cctype>
#include <deque>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using imapclient::client;
namespace asio = boost::asio;

namespace {

enum class style { listen, idle_check };

// One view over both ways of listening: next() yields the listener's events
// one at a time, whichever API produced them.
class listener {
public:
    listener(client& c, style s) : c_(c), style_(s) {}

    asio::awaitable<void> start() {
        if (style_ == style::idle_check) {
            auto r = co_await c_.idle();
            CHECK(r.status.status == imapclient::status_kind::ok);
            co_return;
        }
        asio::co_spawn(co_await asio::this_coro::executor, c_.listen({}, asio::as_tuple(asio::use_awaitable)),
                       asio::bind_cancellation_slot(stop_.slot(), [this](std::exception_ptr, auto r) {
                           listen_ec_ = std::get<0>(r);
                       }));
        // Give IDLE time to be on the wire, so that what follows is pushed
        // rather than answered to the IDLE command itself.
        co_await test::sleep_for(200ms);
    }

    /// The next event within `d`, or nullopt.
    asio::awaitable<std::optional<imapclient::event>> next(std::chrono::milliseconds d) {
        if (style_ == style::listen) co_return co_await test::next_event_within(c_, d);
        if (pending_.empty()) {
            auto r = co_await c_.idle_check(d);
            for (auto& e : r.events) pending_.push_back(std::move(e));
        }
        if (pending_.empty()) co_return std::nullopt;
        auto e = std::move(pending_.front());
        pending_.pop_front();
        co_return e;
    }

    asio::awaitable<void> stop() {
        if (style_ == style::idle_check) {
            auto done = co_await c_.idle_done();
            CHECK(done.status.status == imapclient::status_kind::ok);
            co_return;
        }
        stop_.emit(asio::cancellation_type::terminal);
        for (int i = 0; i < 300 && !listen_ec_; ++i) co_await test::sleep_for(10ms);
        REQUIRE(listen_ec_.has_value());
        CHECK(*listen_ec_ == asio::error::operation_aborted);
    }

private:
    client& c_;
    style style_;
    asio::cancellation_signal stop_;
    std::optional<imapclient::error_code> listen_ec_;
    std::deque<imapclient::event> pending_;
};

bool has_flag(const std::vector<std::string>& flags, std::string_view f) {
    return std::any_of(flags.begin(), flags.end(), [&](const std::string& x) {
        return x.size() == f.size() && std::equal(x.begin(), x.end(), f.begin(), [](char a, char b) {
                   return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
               });
    });
}

// What an event means for this scenario. Keep-alives ("OK Still here"),
// RECENT and FETCHes without a flag list are noise; everything else gets a
// label so that the order, and anything unexpected, shows in the failure.
std::optional<std::string> label(const imapclient::event& ev) {
    if (auto* closed = std::get_if<imapclient::connection_closed>(&ev)) return "closed: " + closed->detail;
    if (std::holds_alternative<imapclient::resync_needed>(ev)) return "resync_needed";
    const auto& r = std::get<imapclient::response>(ev);
    if (auto* e = std::get_if<imapclient::exists_data>(&r)) return "EXISTS " + std::to_string(e->count);
    if (auto* x = std::get_if<imapclient::expunge_data>(&r)) return "EXPUNGE " + std::to_string(x->seq);
    if (std::holds_alternative<imapclient::vanished_data>(r)) return "VANISHED";
    if (auto* f = std::get_if<imapclient::fetch_data>(&r)) {
        if (!f->flags) return std::nullopt;
        std::string l = "FETCH " + std::to_string(f->seq);
        if (has_flag(*f->flags, "\\Flagged")) l += " \\Flagged";
        if (has_flag(*f->flags, "\\Deleted")) l += " \\Deleted";
        return l;
    }
    if (auto* s = std::get_if<imapclient::status_response>(&r)) {
        if (s->status == imapclient::status_kind::ok) return std::nullopt;
        return "status: " + s->text;
    }
    if (std::holds_alternative<imapclient::recent_data>(r)) return std::nullopt;
    return "other";
}

// Reads events into `labels` until one labelled `want` arrives; false when
// `limit` passes first. Dovecot needs ~0.5 s per notification; the limit is
// generous so that a loaded machine does not fail the test.
asio::awaitable<bool> wait_for(listener& l, std::vector<std::string>& labels, std::string want,
                               std::chrono::milliseconds limit = 8s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left <= 0ms) co_return false;
        auto ev = co_await l.next(left);
        if (!ev) continue;
        auto lab = label(*ev);
        if (!lab) continue;
        labels.push_back(*lab);
        if (*lab == want) co_return true;
        if (lab->rfind("closed", 0) == 0) co_return false;
    }
}

void run_scenario(const test::server_env& env, style s) {
    test::run([&]() -> asio::awaitable<void> {
        auto ex = co_await asio::this_coro::executor;
        client a(ex, test::plain_options(env));
        client b(ex, test::plain_options(env));
        co_await a.connect();
        co_await a.login("alice", "alicepass");
        co_await b.connect();
        co_await b.login("alice", "alicepass");
        REQUIRE(a.has_capability("IDLE"));
        const std::string folder = test::unique_name("idle");
        co_await b.raw_command("CREATE " + folder);
        auto sel = co_await a.select_folder(folder);
        REQUIRE(sel.exists == 0);

        listener l(a, s);
        co_await l.start();
        std::vector<std::string> labels;

        // (a) APPEND by the other connection: EXISTS.
        auto app = co_await b.append(folder, test::make_message("idle-events", "first"));
        REQUIRE(app.uid.has_value());
        const std::string uid = std::to_string(*app.uid);
        const bool saw_exists = co_await wait_for(l, labels, "EXISTS 1");
        CHECK(saw_exists);

        // (b) a flag set by the other connection: FETCH with FLAGS.
        co_await b.select_folder(folder);
        co_await b.raw_command("UID STORE " + uid + " +FLAGS (\\Flagged)");
        const bool saw_flag = co_await wait_for(l, labels, "FETCH 1 \\Flagged");
        CHECK(saw_flag);

        // (c) deleted and expunged by the other connection: EXPUNGE.
        co_await b.raw_command("UID STORE " + uid + " +FLAGS (\\Deleted)");
        co_await b.raw_command("EXPUNGE");
        const bool saw_expunge = co_await wait_for(l, labels, "EXPUNGE 1");
        CHECK(saw_expunge);

        // The \Deleted FETCH may or may not be sent before the EXPUNGE
        // (Dovecot folds both into one check); when it is, it sits between
        // the flag change and the expunge. Everything else is exact.
        std::vector<std::string> core;
        for (std::size_t i = 0; i < labels.size(); ++i) {
            if (labels[i] == "FETCH 1 \\Flagged \\Deleted") {
                CHECK(i > 0);
                CHECK(i + 1 < labels.size());
                if (i > 0) CHECK(labels[i - 1].rfind("FETCH 1 \\Flagged", 0) == 0);
                continue;
            }
            core.push_back(labels[i]);
        }
        const std::vector<std::string> expected{"EXISTS 1", "FETCH 1 \\Flagged", "EXPUNGE 1"};
        INFO("events seen: " << [&] {
            std::string all;
            for (auto& x : labels) all += "[" + x + "] ";
            return all;
        }());
        CHECK(core == expected);
        CHECK(a.mailbox().exists == 0);

        co_await l.stop();
        co_await a.noop();  // the listener ended cleanly: the connection is fine
        // Deleting a folder that a connection has selected gets that
        // connection a BYE from Dovecot: deselect everywhere first.
        co_await a.logout();
        co_await b.close_folder();
        co_await b.raw_command("DELETE " + folder);
        co_await b.logout();
    });
}

}  // namespace

TEST_CASE("listen(): APPEND, flag change and expunge by another connection arrive in order (Dovecot)",
          "[live][idle-order][dovecot]") {
    run_scenario(test::dovecot(), style::listen);
}

TEST_CASE("listen(): APPEND, flag change and expunge by another connection arrive in order (Cyrus)",
          "[live][idle-order][cyrus]") {
    run_scenario(test::cyrus(), style::listen);
}

TEST_CASE("idle()/idle_check(): APPEND, flag change and expunge by another connection arrive in order (Dovecot)",
          "[live][idle-order][dovecot]") {
    run_scenario(test::dovecot(), style::idle_check);
}

TEST_CASE("idle()/idle_check(): APPEND, flag change and expunge by another connection arrive in order (Cyrus)",
          "[live][idle-order][cyrus]") {
    run_scenario(test::cyrus(), style::idle_check);
}
