// The actor's flows without sockets, over an in-memory stream: connect with
// STARTTLS, LOGIN, SELECT, a FETCH with a literal, APPEND with a
// synchronizing literal, IDLE and LOGOUT (and a session that turns COMPRESS
// on after LOGIN); then each session once for every I/O step, with the
// network failing at that step. Each run must end
// with every operation completed (the first failure an error, the rest
// errors too), nothing hanging.
#include "memory_stream.hpp"

#include <imapclient/client.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <catch2/catch.hpp>

#include <chrono>

namespace asio = boost::asio;
using imapclient::client;
using imapclient::error_code;
using namespace std::chrono_literals;

namespace {

constexpr auto as_tuple = asio::as_tuple(asio::use_awaitable);

std::shared_ptr<memory_peer::server> session_script() {
    auto srv = std::make_shared<memory_peer::server>();
    srv->steps = {
        {"STARTTLS", "$T OK begin TLS\r\n"},
        {"CAPABILITY", "* CAPABILITY IMAP4rev1 IDLE AUTH=PLAIN\r\n$T OK\r\n"},
        {"LOGIN", "$T OK [CAPABILITY IMAP4rev1 IDLE] logged in\r\n"},
        {"SELECT INBOX", "* 3 EXISTS\r\n* OK [UIDVALIDITY 9] v\r\n$T OK [READ-WRITE] selected\r\n"},
        {"UID FETCH 2 (BODY[])", "* 2 FETCH (UID 2 BODY[] {5}\r\nhello)\r\n$T OK fetched\r\n"},
        {"APPEND INBOX {2}", "+ go on\r\n"},
        {"hi", "$T OK [APPENDUID 9 4] appended\r\n"},
        {"IDLE", "+ idling\r\n* 4 EXISTS\r\n"},
        {"DONE", "$T OK idle done\r\n"},
        {"LOGOUT", "* BYE bye\r\n$T OK logged out\r\n"},
    };
    return srv;
}

// LOGIN with client_options::compress: COMPRESS follows, and the rest of
// the session is DEFLATE-compressed both ways.
std::shared_ptr<memory_peer::server> compressed_script() {
    auto srv = std::make_shared<memory_peer::server>();
    srv->greeting = "* OK [CAPABILITY IMAP4rev1 IDLE] ready\r\n";
    srv->steps = {
        {"LOGIN", "$T OK [CAPABILITY IMAP4rev1 IDLE COMPRESS=DEFLATE] logged in\r\n"},
        {"COMPRESS DEFLATE", "$T OK compressing\r\n", true},
        {"SELECT INBOX", "* 3 EXISTS\r\n* OK [UIDVALIDITY 9] v\r\n$T OK [READ-WRITE] selected\r\n"},
        {"UID FETCH 2 (BODY[])", "* 2 FETCH (UID 2 BODY[] {5}\r\nhello)\r\n$T OK fetched\r\n"},
        {"APPEND INBOX {2}", "+ go on\r\n"},
        {"hi", "$T OK [APPENDUID 9 4] appended\r\n"},
        {"IDLE", "+ idling\r\n* 4 EXISTS\r\n"},
        {"DONE", "$T OK idle done\r\n"},
        {"LOGOUT", "* BYE bye\r\n$T OK logged out\r\n"},
    };
    return srv;
}

struct outcome {
    bool finished = false;
    error_code first_error;  // of the first operation that failed
    int completed = 0;       // operations that succeeded
    std::string body;
    std::size_t events_while_idle = 0;
    error_code after;  // a NOOP issued after the session ended
};

// The whole session; stops at the first failing operation, then checks that
// one more operation completes (with an error) instead of hanging.
asio::awaitable<void> session(client& c, outcome& out) {
    auto failed = [&](error_code ec) {
        if (ec && !out.first_error) out.first_error = ec;
        if (!ec) ++out.completed;
        return static_cast<bool>(ec);
    };
    const std::vector<std::string> body_item{"BODY[]"};
    do {
        auto [e1, r1] = co_await c.connect(as_tuple);
        if (failed(e1)) break;
        auto [e2, r2] = co_await c.login("u", "p", as_tuple);
        if (failed(e2)) break;
        auto [e3, r3] = co_await c.select_folder("INBOX", false, as_tuple);
        if (failed(e3)) break;
        auto [e4, r4] = co_await c.fetch(imapclient::sequence_set("2"), body_item, {}, as_tuple);
        if (failed(e4)) break;
        if (auto it = r4.messages.find(2); it != r4.messages.end() && !it->second.sections.empty())
            out.body = it->second.sections.front().data.value_or("");
        auto [e5, r5] = co_await c.append("INBOX", "hi", {}, std::nullopt, as_tuple);
        if (failed(e5)) break;
        auto [e6, r6] = co_await c.idle(as_tuple);
        if (failed(e6)) break;
        auto [e7, r7] = co_await c.idle_check(2s, as_tuple);
        if (failed(e7)) break;
        out.events_while_idle = r7.events.size();
        auto [e8, r8] = co_await c.idle_done(as_tuple);
        if (failed(e8)) break;
        auto [e9, r9] = co_await c.logout(as_tuple);
        if (failed(e9)) break;
    } while (false);
    auto [ea, ra] = co_await c.noop(as_tuple);
    out.after = ea;
    out.finished = true;
}

outcome run_session(std::shared_ptr<memory_peer::server> srv, bool compressed = false) {
    asio::io_context io;
    imapclient::client_options o;
    o.host = "imap.example";
    o.security = compressed ? imapclient::security::plain : imapclient::security::starttls;
    o.allow_plaintext_login = compressed;
    o.compress = compressed;
    o.ssl_context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
    o.timeout = 5s;
    o.stream = [ex = io.get_executor(), srv]() -> std::unique_ptr<imapclient::byte_stream> {
        return std::make_unique<memory_peer::stream>(ex, srv);
    };
    outcome out;
    {
        client c(io.get_executor(), o);
        asio::co_spawn(io, session(c, out), asio::detached);
        io.run_for(20s);
    }
    io.restart();
    io.run_for(1s);
    return out;
}

}  // namespace

TEST_CASE("flows: a whole session over an in-memory stream, STARTTLS to LOGOUT", "[flows]") {
    auto srv = session_script();
    const outcome out = run_session(srv);
    REQUIRE(out.finished);
    CHECK(!out.first_error);
    CHECK(out.completed == 9);
    CHECK(out.body == "hello");
    CHECK(out.events_while_idle == 1);
    CHECK(out.after == make_error_code(imapclient::errc::not_connected));  // after LOGOUT
    CHECK(srv->tls);
    CHECK(srv->unexpected.empty());
    CHECK(srv->next_step == srv->steps.size());
    // Nothing but STARTTLS went out before TLS; the password only after it.
    CHECK(srv->written.find("STARTTLS") < srv->written.find("LOGIN"));
}

TEST_CASE("flows: COMPRESS after LOGIN, then the session compressed both ways", "[flows][compress]") {
    auto srv = compressed_script();
    const outcome out = run_session(srv, true);
    REQUIRE(out.finished);
    CHECK(!out.first_error);
    CHECK(out.completed == 9);
    CHECK(out.body == "hello");
    CHECK(out.events_while_idle == 1);
    CHECK(srv->unexpected.empty());
    CHECK(srv->next_step == srv->steps.size());
}

TEST_CASE("flows: the network failing at each I/O step ends the session with an error, nothing hangs",
          "[flows][connection_loss]") {
    const bool compressed = GENERATE(false, true);
    CAPTURE(compressed);
    auto script = [compressed] { return compressed ? compressed_script() : session_script(); };
    const int operations = 9;
    const int steps = [&] {
        auto srv = script();
        run_session(srv, compressed);
        return srv->io_steps;
    }();
    REQUIRE(steps > 10);
    int failed_sessions = 0;
    for (int k = 0; k < steps; ++k) {
        CAPTURE(k);
        auto srv = script();
        srv->fail_at = k;
        const outcome out = run_session(srv, compressed);
        REQUIRE(out.finished);
        // Either an operation failed (and none after it succeeded), or the
        // failure came after the session's last exchange (the read that
        // LOGOUT's close ends).
        if (out.first_error) ++failed_sessions;
        else CHECK(out.completed == operations);
        CHECK(out.after);  // the next operation fails at once too
        // What the server received is always a prefix of the clean session's
        // commands: no command is written twice or out of order.
        CHECK(srv->unexpected.empty());
    }
    CHECK(failed_sessions >= steps - 1);
}

namespace {

// One client over `srv` running `body`, with a 5 s read timeout.
template <typename Body>
void run_client(std::shared_ptr<memory_peer::server> srv, imapclient::security sec, Body body) {
    asio::io_context io;
    imapclient::client_options o;
    o.host = "imap.example";
    o.security = sec;
    o.allow_plaintext_login = true;
    o.ssl_context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
    o.timeout = 5s;
    o.connect_timeout = 5s;
    o.stream = [ex = io.get_executor(), srv]() -> std::unique_ptr<imapclient::byte_stream> {
        return std::make_unique<memory_peer::stream>(ex, srv);
    };
    {
        client c(io.get_executor(), o);
        asio::co_spawn(io, body(c), asio::detached);
        io.run_for(20s);
    }
    io.restart();
    io.run_for(1s);
}

}  // namespace

TEST_CASE("flows: NOOP returns the new mail, LOGOUT answered by BYE alone ends at once", "[flows]") {
    auto srv = std::make_shared<memory_peer::server>();
    srv->greeting = "* PREAUTH [CAPABILITY IMAP4rev1] ready\r\n";
    srv->steps = {
        {"SELECT INBOX", "* 3 EXISTS\r\n$T OK [READ-WRITE] selected\r\n"},
        {"NOOP", "* 4 EXISTS\r\n$T OK NOOP completed\r\n"},
        {"LOGOUT", "* BYE logging out\r\n"},  // and then nothing, the connection left open
    };
    std::vector<imapclient::response> noop_data;
    error_code logout_ec = make_error_code(imapclient::errc::timeout);
    imapclient::status_response logout_status;
    std::string name;
    std::chrono::steady_clock::duration logout_took{};
    run_client(srv, imapclient::security::plain, [&](client& c) -> asio::awaitable<void> {
        auto [e1, r1] = co_await c.connect(as_tuple);
        auto [e2, r2] = co_await c.select_folder("INBOX", false, as_tuple);
        name = c.mailbox().name;
        auto [e3, r3] = co_await c.noop(as_tuple);
        noop_data = r3.responses;
        const auto t0 = std::chrono::steady_clock::now();
        auto [e4, r4] = co_await c.logout(as_tuple);
        logout_took = std::chrono::steady_clock::now() - t0;
        logout_ec = e4;
        logout_status = r4.status;
    });
    CHECK(name == "INBOX");
    REQUIRE(noop_data.size() == 1);
    CHECK(std::get<imapclient::exists_data>(noop_data[0]).count == 4);
    CHECK(!logout_ec);
    CHECK(logout_status.status == imapclient::status_kind::bye);
    CHECK(logout_took < 2s);  // not the 5 s timeout
    CHECK(srv->unexpected.empty());
}

TEST_CASE("flows: a STARTTLS reply that is neither OK, NO nor BAD fails connect at once", "[flows][starttls]") {
    auto srv = std::make_shared<memory_peer::server>();
    srv->steps = {{"STARTTLS", "$T MAYBE later\r\n"}};
    error_code ec;
    std::string text;
    std::chrono::steady_clock::duration took{};
    run_client(srv, imapclient::security::starttls, [&](client& c) -> asio::awaitable<void> {
        const auto t0 = std::chrono::steady_clock::now();
        auto [e, r] = co_await c.connect(as_tuple);
        took = std::chrono::steady_clock::now() - t0;
        ec = e;
        text = r.status.text;
    });
    CHECK(ec == make_error_code(imapclient::errc::tls_required));
    CHECK_THAT(text, Catch::Contains("neither OK, NO nor BAD"));
    CHECK(took < 2s);  // not the 5 s connect timeout
    CHECK_FALSE(srv->tls);
}

TEST_CASE("flows: metrics count each command by its end, and the bytes both ways", "[flows][metrics]") {
    auto srv = std::make_shared<memory_peer::server>();
    srv->greeting = "* PREAUTH [CAPABILITY IMAP4rev1] ready\r\n";
    srv->steps = {
        {"SELECT INBOX", "* 3 EXISTS\r\n$T OK [READ-WRITE] selected\r\n"},
        {"NOOP", "$T NO not now\r\n"},
        {"xyzzy 1", "$T BAD what\r\n"},
    };
    imapclient::command_metrics m;
    error_code refused;
    run_client(srv, imapclient::security::plain, [&](client& c) -> asio::awaitable<void> {
        auto [e1, r1] = co_await c.connect(as_tuple);
        // Needs a selected mailbox: refused before anything is built.
        imapclient::search_criteria all("ALL");
        std::string charset;
        auto [e2, r2] = co_await c.search(all, charset, as_tuple);
        refused = e2;
        auto [e3, r3] = co_await c.select_folder("INBOX", false, as_tuple);
        auto [e4, r4] = co_await c.noop(as_tuple);
        auto [e5, r5] = co_await c.raw_command("xyzzy 1", as_tuple);
        m = c.metrics();
    });
    INFO("unexpected: " << srv->unexpected);
    CHECK(srv->unexpected.empty());
    CHECK(refused == make_error_code(imapclient::errc::illegal_state));
    CHECK(m.commands_sent == 3);
    CHECK(m.bytes_written == srv->written.size());
    const std::string replies = srv->greeting + "* 3 EXISTS\r\nA1 OK [READ-WRITE] selected\r\nA2 NO not now\r\nA3 BAD what\r\n";
    CHECK(m.bytes_read == replies.size());
    // The search was refused by its operation before a command existed:
    // not counted (the engine's own refusals are: test_metrics.cpp).
    REQUIRE(m.commands.size() == 3);
    CHECK(m.find("UID SEARCH") == nullptr);
    const auto* select = m.find("SELECT");
    const auto* noop = m.find("NOOP");
    const auto* raw = m.find("XYZZY");
    REQUIRE((select && noop && raw));
    CHECK(select->ok == 1);
    CHECK(noop->no == 1);
    CHECK(raw->bad == 1);
    for (const auto* s : {select, noop, raw}) {
        CHECK(s->samples() == 1);
        CHECK(s->max_latency > std::chrono::nanoseconds(0));
        CHECK(s->max_latency < 2s);
    }
}
