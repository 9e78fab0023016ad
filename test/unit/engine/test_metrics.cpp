// Per-command metrics, recorded by the engine over scripted transcripts
// with a scripted clock: how each command ended (OK / NO / BAD / aborted /
// refused), its latency from being handed to the writer to its tagged
// reply, the histogram bucket that latency lands in, and the bound on the
// number of names.
#include "engine_script.hpp"

#include <boost/asio/error.hpp>

using namespace engine_script;
using namespace std::chrono_literals;

namespace {

struct fake_clock {
    metrics_recorder::clock::time_point now{};
};

struct metered {
    std::shared_ptr<fake_clock> clock = std::make_shared<fake_clock>();
    std::shared_ptr<metrics_recorder> metrics =
        std::make_shared<metrics_recorder>([c = clock] { return c->now; });
    script s{config()};

    engine_config config() const {
        engine_config cfg;
        cfg.metrics = metrics;
        return cfg;
    }
    // Logged in, so that commands needing authentication are not refused.
    void login() {
        s.greet("IMAP4rev1");
        s.run(cmd::login("u", "p"), "A1 LOGIN u p\r\n");
    }
    command_stats stats(std::string_view name) const {
        auto m = metrics->snapshot();
        const command_stats* found = m.find(name);
        REQUIRE(found != nullptr);
        return *found;
    }
};

}  // namespace

TEST_CASE("metrics: OK, NO and BAD are counted by the tagged status, with their latency", "[metrics]") {
    metered m;
    m.login();
    auto a = m.s.submit(cmd::noop());
    auto b = m.s.submit(cmd::noop());
    auto c = m.s.submit(cmd::noop());
    CHECK(m.s.flush() == "A2 NOOP\r\nA3 NOOP\r\nA4 NOOP\r\n");
    m.clock->now += 3ms;
    m.s.server("A2 OK fine\r\n");
    m.clock->now += 30ms;
    m.s.server("A3 NO not now\r\nA4 BAD what\r\n");
    CHECK(m.s.result(a).ec == error_code{});
    CHECK(m.s.result(b).ec == make_error_code(errc::no));
    CHECK(m.s.result(c).ec == make_error_code(errc::bad));

    const auto noop = m.stats("NOOP");
    CHECK(noop.ok == 1);
    CHECK(noop.no == 1);
    CHECK(noop.bad == 1);
    CHECK(noop.aborted == 0);
    CHECK(noop.refused == 0);
    CHECK(noop.samples() == 3);
    CHECK(noop.total_latency == 3ms + 33ms + 33ms);
    CHECK(noop.max_latency == 33ms);
    // 3 ms is in the (2 ms, 5 ms] bucket, 33 ms twice in (20 ms, 50 ms].
    CHECK(noop.buckets[2] == 1);
    CHECK(noop.buckets[5] == 2);
    std::uint64_t in_buckets = 0;
    for (auto n : noop.buckets) in_buckets += n;
    CHECK(in_buckets == 3);
    CHECK(noop.quantile(0.3) == 5ms);
    CHECK(noop.quantile(0.99) == 33ms);  // the bucket's bound (50 ms) is more than the maximum

    const auto snapshot = m.metrics->snapshot();
    CHECK(snapshot.commands_sent == 4);  // LOGIN and the three NOOPs
    CHECK(m.stats("LOGIN").ok == 1);
}

TEST_CASE("metrics: latency runs from the write, not from the submit; a slow reply lands in the last bucket",
          "[metrics]") {
    metered m;
    m.login();
    // Queued behind a barrier: its time in the queue is not the server's.
    auto select = m.s.submit(cmd::select("INBOX", false));
    auto fetch = m.s.submit(cmd::fetch(imapclient::sequence_set("1"), {"FLAGS"}, {}, true));
    CHECK(m.s.flush() == "A2 SELECT INBOX\r\n");
    m.clock->now += 7s;
    m.s.server("A2 OK [READ-WRITE] selected\r\n");
    CHECK(m.s.result(select).ec == error_code{});
    CHECK(m.s.flush() == "A3 UID FETCH 1 (FLAGS)\r\n");
    m.clock->now += 12s;
    m.s.server("A3 OK done\r\n");
    CHECK(m.s.result(fetch).ec == error_code{});

    const auto sel = m.stats("SELECT");
    CHECK(sel.max_latency == 7s);
    CHECK(sel.buckets[latency_bucket_bounds.size() - 1] == 1);  // (5 s, 10 s]
    const auto uid_fetch = m.stats("UID FETCH");
    CHECK(uid_fetch.max_latency == 12s);
    CHECK(uid_fetch.buckets.back() == 1);  // above 10 s: +inf
    CHECK(uid_fetch.quantile(0.5) == 12s);

    // A latency equal to a bound is in that bound's bucket (Prometheus' le).
    auto noop = m.s.submit(cmd::noop());
    CHECK(m.s.flush() == "A4 NOOP\r\n");
    m.clock->now += 1s;
    m.s.server("A4 OK\r\n");
    CHECK(m.s.result(noop).ec == error_code{});
    CHECK(m.stats("NOOP").buckets[9] == 1);  // (500 ms, 1 s]
}

TEST_CASE("metrics: cancelled, lost and refused commands are no latency samples", "[metrics]") {
    metered m;
    m.login();
    // Refused by its preconditions (no mailbox selected): never written.
    auto needs_mailbox = cmd::fetch(imapclient::sequence_set("1"), {"FLAGS"}, {}, true);
    needs_mailbox.needs.level = session_level::selected;
    auto fetch = m.s.submit(std::move(needs_mailbox));
    CHECK(m.s.result(fetch).ec == make_error_code(errc::illegal_state));
    // Written, then cancelled: aborted once, even when its late reply comes.
    auto written = m.s.submit(cmd::noop());
    CHECK(m.s.flush() == "A2 NOOP\r\n");
    auto queued = m.s.submit(cmd::select("INBOX", false));  // a barrier: waits for the NOOP
    m.s.cancel(written);
    m.s.cancel(queued);
    m.clock->now += 1s;
    m.s.server("A2 OK late\r\n");
    // Lost with the connection: one written, one still queued.
    auto status = m.s.submit(cmd::status("INBOX", {"MESSAGES"}, true));
    auto lost = m.s.submit(cmd::select("INBOX", false));
    CHECK(m.s.flush() == "A4 STATUS INBOX (MESSAGES)\r\n");
    m.s.fail(make_error_code(errc::connection_lost), "gone");
    CHECK(is_abort(m.s.result(status).ec));
    CHECK(is_abort(m.s.result(lost).ec));
    // And after the loss: refused.
    m.s.submit(cmd::noop());

    const auto noop = m.stats("NOOP");
    CHECK(noop.aborted == 1);
    CHECK(noop.refused == 1);
    CHECK(noop.samples() == 0);
    CHECK(noop.max_latency == 0ns);
    CHECK(m.stats("UID FETCH").refused == 1);
    CHECK(m.stats("STATUS").aborted == 1);
    const auto select = m.stats("SELECT");
    CHECK(select.refused == 2);  // cancelled in the queue, lost in the queue
    CHECK(select.sent() == 0);
    CHECK(m.metrics->snapshot().commands_sent == 3);  // LOGIN, NOOP, STATUS
}

TEST_CASE("metrics: names are the command word as written, bounded in number", "[metrics]") {
    metered m;
    m.login();
    m.s.run(cmd::simple("xyzzy"), "A2 xyzzy\r\n");
    CHECK(m.stats("XYZZY").ok == 1);
    CHECK(metrics_recorder::name_of("A7 uid   fetch 1:* FLAGS\r\n", true) == "UID FETCH");
    CHECK(metrics_recorder::name_of("A7 UID\r\n", true) == "UID");
    CHECK(metrics_recorder::name_of("AUTHENTICATE PLAIN", false) == "AUTHENTICATE");
    CHECK(metrics_recorder::name_of(std::string(100, 'X'), false).size() == 32);

    // 64 names in all, then "other" takes everything new (and only that).
    for (int i = 0; i < 70; ++i) {
        const std::string name = "X" + std::to_string(i);
        auto id = m.s.submit(cmd::simple(name));
        const std::string line = m.s.flush();
        REQUIRE(line.size() > 2);
        m.s.server(line.substr(0, line.find(' ')) + " OK\r\n");
        CHECK(m.s.result(id).ec == error_code{});
    }
    m.s.run(cmd::simple("XYZZY"), "A73 XYZZY\r\n");
    const auto snapshot = m.metrics->snapshot();
    REQUIRE(snapshot.commands.size() == command_metrics::max_names + 1);
    CHECK(snapshot.commands.back().name == "other");
    // LOGIN, XYZZY and X0..X61 have entries; X62..X69 are "other".
    CHECK(snapshot.commands.back().ok == 8);
    CHECK(m.stats("XYZZY").ok == 2);
    CHECK(m.stats("X61").ok == 1);
    CHECK(snapshot.find("X62") == nullptr);
}

TEST_CASE("metrics: snapshots add up entry by entry, within the bound on names", "[metrics]") {
    auto stats = [](std::string name, std::uint64_t ok, std::chrono::milliseconds latency, std::size_t bucket) {
        command_stats s;
        s.name = std::move(name);
        s.ok = ok;
        s.total_latency = latency * ok;
        s.max_latency = latency;
        s.buckets[bucket] = ok;
        return s;
    };
    command_metrics a, b;
    a.commands_sent = 3;
    a.bytes_read = 100;
    a.commands.push_back(stats("FETCH", 2, std::chrono::milliseconds(4), 2));
    a.commands.push_back(stats("LOGIN", 1, std::chrono::milliseconds(30), 5));
    b.commands_sent = 2;
    b.bytes_read = 50;
    b.commands.push_back(stats("FETCH", 1, std::chrono::milliseconds(40), 5));
    b.commands.push_back(stats("NOOP", 1, std::chrono::milliseconds(1), 0));
    a += b;
    CHECK(a.commands_sent == 5);
    CHECK(a.bytes_read == 150);
    REQUIRE(a.commands.size() == 3);
    CHECK(a.commands[0].name == "FETCH");  // sorted by name
    const auto* fetch = a.find("FETCH");
    REQUIRE(fetch);
    CHECK(fetch->ok == 3);
    CHECK(fetch->max_latency == std::chrono::milliseconds(40));
    CHECK(fetch->total_latency == std::chrono::milliseconds(48));
    CHECK(fetch->buckets[2] == 2);
    CHECK(fetch->buckets[5] == 1);
    CHECK(a.find("NOOP")->ok == 1);

    // Two connections of 40 distinct names each: 64 entries, the rest "other".
    command_metrics c, d;
    for (int i = 0; i < 40; ++i) c.commands.push_back(stats("C" + std::to_string(i), 1, std::chrono::milliseconds(1), 0));
    for (int i = 0; i < 40; ++i) d.commands.push_back(stats("D" + std::to_string(i), 1, std::chrono::milliseconds(1), 0));
    c += d;
    REQUIRE(c.commands.size() == command_metrics::max_names + 1);
    CHECK(c.commands.back().name == "other");
    CHECK(c.commands.back().ok == 80 - command_metrics::max_names);
}
