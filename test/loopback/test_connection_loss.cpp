// The connection lost, against scripted servers: cut after every byte
// offset of a whole session (by FIN and by RST), hung up in the middle of
// an answer, ended by BYE or by a BYE for a greeting, dropped while idling,
// and a stream-mode child that closed its stdin. Every pending call
// completes promptly with an abort error, the event stream ends with
// connection_closed, and the connection stays gone.
#include "child_process.hpp"
#include "fake_server.hpp"
#include "harness.hpp"
#include "scripted_session.hpp"

#include "actor/launch.hpp"

#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>

#include <sys/wait.h>

#include <csignal>
#include <map>
#include <mutex>

using namespace std::chrono_literals;
namespace asio = boost::asio;
using imapclient::errc;
using imapclient::error_code;
using imapclient::make_error_code;
using test::in_child;
using test::scripted::fake_options;
using test::scripted::flags_item;
using test::scripted::login_select;
using test::scripted::serve_login_select;

using test::scripted::short_timeout_options;

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

bool is_exists(const imapclient::event& e, std::uint32_t n) {
    auto* r = std::get_if<imapclient::response>(&e);
    if (!r) return false;
    auto* x = std::get_if<imapclient::exists_data>(r);
    return x && x->count == n;
}

const imapclient::connection_closed* closed_event(const std::vector<imapclient::event>& events) {
    for (auto& e : events)
        if (auto* c = std::get_if<imapclient::connection_closed>(&e)) return c;
    return nullptr;
}

// ---- disconnect at every byte offset -------------------------------------

enum class hangup { fin, rst };

// Thrown by the budgeted sender once the budget is spent and the
// connection is gone; the script then ends quietly.
struct cut_here {};

// The server's side of the connection with a budget of K bytes: past it,
// the connection is closed in the middle of whatever was being sent.
class budgeted_sender {
public:
    budgeted_sender(test::fake_connection& c, std::size_t budget, hangup how)
        : c_(c), left_(budget), how_(how) {}

    void send(std::string_view bytes) {
        if (bytes.size() <= left_) {
            c_.send(bytes);
            left_ -= bytes.size();
            sent_ += bytes;
            return;
        }
        c_.send(bytes.substr(0, left_));
        sent_ += bytes.substr(0, left_);
        left_ = 0;
        if (how_ == hangup::rst) {
            c_.reset();
        } else {
            // A FIN after exactly K bytes; the client must see all of them,
            // then EOF, and close its end.
            c_.shutdown_send();
            if (!c_.closed_within(3s)) throw std::runtime_error("the client did not close after EOF");
        }
        throw cut_here{};
    }
    void mark(const std::string& name) { marks_[name] = sent_.size(); }
    const std::string& sent() const { return sent_; }
    const std::map<std::string, std::size_t>& marks() const { return marks_; }

private:
    test::fake_connection& c_;
    std::size_t left_;
    hangup how_;
    std::string sent_;
    std::map<std::string, std::size_t> marks_;
};

const std::string body1 = "Subject: one\r\n\r\nfirst body\r\n";
const std::string body2 = "Subject: two\r\n\r\nsecond, with ) and {3}\r\n";
const std::string appended = "Subject: new\r\n\r\nappended\r\n";

// The session, from the server's side. Marks name the offset in the
// server's output at which each client call has everything it needs.
void session_script(test::fake_connection& c, budgeted_sender& out) {
    // No LITERAL+: APPEND must wait for "+".
    out.send("* OK [CAPABILITY IMAP4rev1 IDLE UIDPLUS] fake server ready\r\n");
    out.mark("connect");
    auto t = c.expect("LOGIN");
    out.send(t + " OK [CAPABILITY IMAP4rev1 IDLE UIDPLUS] logged in\r\n");
    out.mark("login");
    t = c.expect("SELECT INBOX");
    out.send("* 2 EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 7] v\r\n* OK [UIDNEXT 3] n\r\n* FLAGS (\\Seen)\r\n");
    out.send(t + " OK [READ-WRITE] selected\r\n");
    out.mark("select");
    // Pipelined: both requests are on the wire before either is answered.
    auto f1 = c.expect("UID FETCH 1 (BODY.PEEK[])");
    auto f2 = c.expect("UID FETCH 2 (BODY.PEEK[])");
    out.send("* 1 FETCH (UID 1 BODY[] {" + std::to_string(body1.size()) + "}\r\n" + body1 + ")\r\n");
    out.send("* 2 FETCH (UID 2 BODY[] {" + std::to_string(body2.size()) + "}\r\n" + body2 + ")\r\n");
    out.send(f1 + " OK fetched\r\n");
    out.mark("fetch1");
    out.send(f2 + " OK fetched\r\n");
    out.mark("fetch2");
    auto line = c.read_line();
    t = line.substr(0, line.find(' '));
    if (line != t + " APPEND INBOX (\\Seen) {" + std::to_string(appended.size()) + "}")
        throw std::runtime_error("unexpected APPEND: " + line);
    out.send("+ send the message\r\n");
    if (c.read_bytes(appended.size()) != appended || c.read_line() != "")
        throw std::runtime_error("APPEND literal mismatch");
    out.send(t + " OK [APPENDUID 7 3] appended\r\n");
    out.mark("append");
    t = c.expect("IDLE");
    out.send("+ idling\r\n");
    out.mark("idle");
    out.send("* 3 EXISTS\r\n");
    out.mark("idle_check");
    if (c.read_line() != "DONE") throw std::runtime_error("expected DONE");
    out.send(t + " OK IDLE terminated\r\n");
    out.mark("idle_done");
    t = c.expect("LOGOUT");
    out.send("* BYE logging out\r\n");
    out.mark("bye");
    out.send(t + " OK logged out\r\n");
    out.mark("logout");
}

struct call_outcome {
    error_code ec;
    bool ok_result = false;  // the result carried what the server sent
    std::vector<imapclient::event> events = {};  // idle_check only
};

using session_outcome = std::map<std::string, call_outcome>;

const std::vector<std::string> body_item{"BODY.PEEK[]"};
const std::vector<std::string> seen_flag{"\\Seen"};

bool has_body(const imapclient::fetch_result& r, std::uint32_t uid, const std::string& body) {
    auto it = r.messages.find(uid);
    if (it == r.messages.end()) return false;
    auto* s = it->second.section("BODY[]");
    return s && s->data == body;
}

// The client's side: every call is made whatever happened before, each
// outcome recorded.
asio::awaitable<void> session_calls(std::uint16_t port, session_outcome& out) {
    imapclient::client_options o;
    o.host = "127.0.0.1";
    o.port = port;
    o.security = imapclient::security::plain;
    o.allow_plaintext_login = true;
    o.timeout = 2s;
    o.connect_timeout = 2s;
    imapclient::client c(co_await asio::this_coro::executor, o);
    {
        auto [ec, r] = co_await c.connect(tuple_awaitable);
        out["connect"] = {ec, !ec && r.capabilities.size() == 3};
    }
    {
        auto [ec, r] = co_await c.login("user", "pass", tuple_awaitable);
        out["login"] = {ec, !ec && r.status.text == "logged in"};
    }
    {
        auto [ec, r] = co_await c.select_folder("INBOX", false, tuple_awaitable);
        out["select"] = {ec, !ec && r.exists == 2 && r.uid_validity == 7u};
    }
    {
        auto [order, ec1, r1, ec2, r2] =
            co_await asio::experimental::make_parallel_group(c.fetch(1, body_item, {}, asio::deferred),
                                                             c.fetch(2, body_item, {}, asio::deferred))
                .async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
        out["fetch1"] = {ec1, !ec1 && has_body(r1, 1, body1)};
        out["fetch2"] = {ec2, !ec2 && has_body(r2, 2, body2)};
    }
    {
        auto [ec, r] = co_await c.append("INBOX", appended, seen_flag, std::nullopt, tuple_awaitable);
        out["append"] = {ec, !ec && r.uid == 3u};
    }
    {
        auto [ec, r] = co_await c.idle(tuple_awaitable);
        out["idle"] = {ec, !ec};
    }
    {
        // Until the pushed EXISTS, the end of the connection or an error.
        call_outcome& check = out["idle_check"];
        for (int i = 0; i < 5; ++i) {
            auto [ec, r] = co_await c.idle_check(1s, tuple_awaitable);
            check.ec = ec;
            for (auto& e : r.events) check.events.push_back(std::move(e));
            if (ec || closed_event(check.events)) break;
            if (std::any_of(check.events.begin(), check.events.end(), [](auto& e) { return is_exists(e, 3); })) break;
        }
        check.ok_result = !check.ec && std::any_of(check.events.begin(), check.events.end(),
                                                   [](auto& e) { return is_exists(e, 3); });
    }
    {
        auto [ec, r] = co_await c.idle_done(tuple_awaitable);
        out["idle_done"] = {ec, !ec && r.status.text == "IDLE terminated"};
    }
    {
        auto [ec, r] = co_await c.logout(tuple_awaitable);
        out["logout"] = {ec, !ec};
    }
    {
        // After everything, the connection is unusable either way.
        auto [ec, r] = co_await c.noop(tuple_awaitable);
        out["noop_after"] = {ec, !ec};
    }
}

const std::vector<std::string> call_order{"connect", "login",      "select",    "fetch1", "fetch2",
                                          "append",  "idle",       "idle_check", "idle_done", "logout"};

struct replay {
    session_outcome client;
    std::string server_sent;
    std::map<std::string, std::size_t> marks;
    std::string server_errors;
    std::chrono::milliseconds took{};
};

replay run_session(std::size_t budget, hangup how) {
    replay r;
    std::mutex m;
    test::fake_server server([&](test::fake_connection& c) {
        budgeted_sender out(c, budget, how);
        try {
            session_script(c, out);
        } catch (const cut_here&) {
        }
        std::lock_guard lock(m);
        r.server_sent = out.sent();
        r.marks = out.marks();
    });
    const auto start = std::chrono::steady_clock::now();
    test::run([&]() -> asio::awaitable<void> { co_await session_calls(server.port(), r.client); }, 10s);
    r.took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    r.server_errors = server.finish();
    return r;
}

bool is_lost(const error_code& ec) {
    return ec == make_error_code(errc::connection_lost) || ec == make_error_code(errc::not_connected);
}

// How the calls ended, over all offsets: "call: outcome" -> count.
using tally = std::map<std::string, int>;

std::string describe(const call_outcome& o) {
    if (o.ok_result) return "ok";
    if (o.ec) return o.ec.message();
    if (auto* closed = closed_event(o.events)) return "no error, connection_closed event (" + closed->ec.message() + ")";
    return "no error, incomplete result";
}

void check_cut_session(const replay& ref, std::size_t k, hangup how, tally& seen) {
    auto r = run_session(k, how);
    for (const auto& [name, o] : r.client) ++seen[name + ": " + describe(o)];
    INFO("cut after " << k << " of " << ref.server_sent.size() << " bytes ("
                      << (how == hangup::fin ? "FIN" : "RST") << "), at: \""
                      << ref.server_sent.substr(k >= 20 ? k - 20 : 0, k >= 20 ? 20 : k) << "|\"");
    CHECK(r.server_errors == "");
    // The premise: the server's output is the same transcript every time.
    REQUIRE(r.server_sent == ref.server_sent.substr(0, k));
    // Nothing waited for a timeout: a hang-up is seen at once.
    CHECK(r.took < 1500ms);
    bool failed_before = false;
    for (const auto& name : call_order) {
        INFO("call: " << name);
        REQUIRE(r.client.count(name) == 1);
        const call_outcome& o = r.client.at(name);
        // LOGOUT needs no more than its BYE: the tagged OK after it may never come.
        const std::size_t needs = ref.marks.at(name == "logout" ? "bye" : name);
        const bool complete = k >= needs;
        if (complete && how == hangup::fin && !failed_before) {
            // Everything it needed arrived before the FIN.
            CHECK_FALSE(o.ec);
            CHECK(o.ok_result);
        } else if (!complete) {
            CHECK_FALSE(o.ok_result);
            if (name == "idle_check" && !o.ec) {
                // idle_check reports the end of the connection as an event.
                auto* closed = closed_event(o.events);
                REQUIRE(closed != nullptr);
                CHECK(imapclient::is_abort(closed->ec));
            } else if ((name == "idle_check" || name == "idle_done") && !r.client.at("idle").ok_result) {
                // IDLE never started on this connection.
                CHECK((is_lost(o.ec) || o.ec == make_error_code(errc::illegal_state)));
            } else if (how == hangup::fin) {
                CHECK(is_lost(o.ec));
            } else {
                CHECK(o.ec);
                CHECK(imapclient::is_abort(o.ec));
            }
        }
        if (o.ec || !o.ok_result) failed_before = true;
    }
    // Once the connection is gone, it stays gone.
    const auto& after = r.client.at("noop_after");
    CHECK(after.ec);
    CHECK(imapclient::is_abort(after.ec));
}

}  // namespace

TEST_CASE("disconnect at every byte offset: every call completes, with an abort error past the cut",
          "[loopback][connection_loss]") {
    // The uncut session first: the transcript and where each call completes.
    auto ref = run_session(std::size_t(-1), hangup::fin);
    REQUIRE(ref.server_errors == "");
    for (const auto& name : call_order) {
        INFO(name);
        CHECK_FALSE(ref.client.at(name).ec);
        CHECK(ref.client.at(name).ok_result);
    }
    REQUIRE(ref.marks.at("logout") == ref.server_sent.size());
    const std::size_t n = ref.server_sent.size();
    REQUIRE(n > 400);
    const auto start = std::chrono::steady_clock::now();
    tally seen;
    for (hangup how : {hangup::fin, hangup::rst})
        for (std::size_t k = 0; k <= n; ++k) check_cut_session(ref, k, how, seen);
    const auto took = std::chrono::steady_clock::now() - start;
    std::string summary;
    for (const auto& [what, count] : seen) summary += "\n  " + what + ": " + std::to_string(count);
    WARN("cut at " << 2 * (n + 1) << " offsets in "
                   << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms" << summary);
}

TEST_CASE("a server that hangs up fails queued and in-flight calls with connection_lost",
          "[loopback][connection_loss]") {
    test::fake_server server([](test::fake_connection& c) {
        serve_login_select(c);
        c.read_line();
        c.send("* 1 FETCH (UID 1 FLAGS (\\Seen))\r\n");  // partial data, then gone
        c.close();
    });
    test::run([&]() -> asio::awaitable<void> {
        auto ex = co_await asio::this_coro::executor;
        imapclient::client c(ex, fake_options(server));
        co_await login_select(c);
        std::vector<imapclient::error_code> codes;
        for (int i = 1; i <= 5; ++i)
            asio::co_spawn(ex, c.fetch(static_cast<std::uint32_t>(i), flags_item, {}, asio::as_tuple(asio::use_awaitable)),
                           [&](std::exception_ptr, std::tuple<imapclient::error_code, imapclient::fetch_result> r) {
                               codes.push_back(std::get<0>(r));
                           });
        for (int i = 0; i < 200 && codes.size() < 5; ++i) co_await test::sleep_for(10ms);
        REQUIRE(codes.size() == 5);
        for (auto& ec : codes) CHECK(ec == make_error_code(errc::connection_lost));
        auto ev = co_await test::next_event_within(c, 1s);
        bool closed_seen = false;
        while (ev) {
            if (std::holds_alternative<imapclient::connection_closed>(*ev)) closed_seen = true;
            ev = co_await test::next_event_within(c, 100ms);
        }
        CHECK(closed_seen);
    });
    CHECK(server.finish() == "");
}

TEST_CASE("BYE mid-session fails pending calls with bye and is published", "[loopback][connection_loss]") {
    test::fake_server server([](test::fake_connection& c) {
        serve_login_select(c);
        c.read_line();
        c.send("* BYE Autologout; idle for too long\r\n* BYE Autologout; idle for too long\r\n");
        c.closed_within(2s);
    });
    test::run([&]() -> asio::awaitable<void> {
        imapclient::client c(co_await asio::this_coro::executor, fake_options(server));
        co_await login_select(c);
        auto [ec, r] = co_await c.noop(asio::as_tuple(asio::use_awaitable));
        CHECK(ec == make_error_code(errc::bye));
        CHECK(r.status.text == "Autologout; idle for too long");
        auto ev = co_await test::next_event_within(c, 1s);
        REQUIRE(ev.has_value());
        auto* resp = std::get_if<imapclient::response>(&*ev);
        REQUIRE(resp);
        auto* bye = std::get_if<imapclient::status_response>(resp);
        REQUIRE(bye);
        CHECK(bye->status == imapclient::status_kind::bye);
        ev = co_await test::next_event_within(c, 1s);
        REQUIRE(ev.has_value());
        CHECK(std::holds_alternative<imapclient::connection_closed>(*ev));
        // After the closing event: not_connected, at once.
        auto [ec3, e3] = co_await c.next_event(asio::as_tuple(asio::use_awaitable));
        CHECK(ec3 == make_error_code(errc::not_connected));
    });
    CHECK(server.finish() == "");
}

// A next_event() that is already waiting when connect() fails (here: a BYE
// for a greeting) is completed with connection_closed, not left waiting
// until the client is destroyed (the failed connect once queued the event
// without handing it to the waiter).
TEST_CASE("a next_event() waiting before a failed connect() gets connection_closed",
          "[loopback][connection_loss][events]") {
    test::fake_server server([](test::fake_connection& c) {
        c.send("* BYE too busy, go away\r\n");
        c.closed_within(2s);
    });
    test::run([&]() -> asio::awaitable<void> {
        auto ex = co_await asio::this_coro::executor;
        imapclient::client c(ex, fake_options(server));
        bool got = false;
        imapclient::event ev;
        asio::co_spawn(ex, c.next_event(asio::as_tuple(asio::use_awaitable)),
                       [&](std::exception_ptr, std::tuple<imapclient::error_code, imapclient::event> r) {
                           ev = std::get<1>(r);
                           got = true;
                       });
        co_await test::sleep_for(20ms);
        auto [ec, r] = co_await c.connect(asio::as_tuple(asio::use_awaitable));
        CHECK(ec == make_error_code(errc::bye));
        for (int i = 0; i < 100 && !got; ++i) co_await test::sleep_for(10ms);
        CHECK(got);
        if (got) CHECK(std::holds_alternative<imapclient::connection_closed>(ev));
        c.shutdown();  // lets the waiter go so that the test itself ends
        for (int i = 0; i < 100 && !got; ++i) co_await test::sleep_for(10ms);
    });
    CHECK(server.finish() == "");
}

// client.hpp: "On connection loss ... every pending operation completes
// promptly with an abort error". idle_check() waiting when the connection
// drops completes with the close reason (not only a connection_closed
// event), and idle_check()/idle_done() on a dead connection say
// not_connected, not illegal_state ("not idling"). Python IMAPClient's idle_check
// raises (imaplib's abort) when the socket reaches EOF.
TEST_CASE("idle_check/idle_done report a lost connection as an abort error", "[loopback][connection_loss][idle]") {
    test::fake_server server([](test::fake_connection& c) {
        c.send("* OK [CAPABILITY IMAP4rev1 IDLE] ready\r\n");
        auto t = c.expect("LOGIN");
        c.send(t + " OK [CAPABILITY IMAP4rev1 IDLE] in\r\n");
        c.expect("IDLE");
        c.send("+ idling\r\n");
        std::this_thread::sleep_for(100ms);
        c.shutdown_send();
        c.closed_within(2s);
    });
    test::run([&]() -> asio::awaitable<void> {
        imapclient::client c(co_await asio::this_coro::executor, short_timeout_options(server));
        co_await c.connect();
        co_await c.login("u", "p");
        co_await c.idle();
        auto [ec, r] = co_await c.idle_check(2s, tuple_awaitable);
        CHECK(ec == make_error_code(errc::connection_lost));
        auto [dec, dr] = co_await c.idle_done(tuple_awaitable);
        CHECK(imapclient::is_abort(dec));
        // The connection is gone: not "not idling".
        auto [ec2, r2] = co_await c.idle_check(100ms, tuple_awaitable);
        CHECK(ec2 == make_error_code(errc::not_connected));
        auto [ec3, r3] = co_await c.idle_done(tuple_awaitable);
        CHECK(ec3 == make_error_code(errc::not_connected));
    });
    CHECK(server.finish() == "");
}

// An operation refused because the connection is closed reports the close
// reason as it is: a transport error (connection refused, a TLS
// verification failure, ...) once came out cast to errc, which reads
// "unknown imapclient error".
TEST_CASE("refusals keep the category of the close reason", "[loopback][connection_loss]") {
    namespace detail = imapclient::detail;
    const error_code reasons[] = {make_error_code(asio::error::connection_refused),
                                  make_error_code(asio::error::connection_reset), make_error_code(asio::error::eof),
                                  make_error_code(errc::connection_lost), make_error_code(errc::timeout)};
    for (const auto& why : reasons) {
        INFO(why.category().name() << ":" << why.value() << " " << why.message());
        auto r = detail::refuse<imapclient::command_result>(why, "closed");
        CHECK(r.first == why);
        CHECK(r.first.message() == why.message());
        CHECK(r.first.message() != "unknown imapclient error");
        CHECK(r.second.status.text == "closed");
        auto b = detail::refuse<bool>(why, "closed");  // T without a status
        CHECK(b.first == why);
    }
}

// Stream mode (client_options::stream_command) with a child that closed
// its stdin: writing to it fails the operation instead of killing the
// process with SIGPIPE. Run in a forked child, so that a signal fails only
// this test.
TEST_CASE("stream mode survives a child that closed its stdin", "[loopback][connection_loss][stream]") {
    const int status = in_child([] {
        asio::io_context io;
        imapclient::client_options o;
        o.security = imapclient::security::plain;
        o.allow_plaintext_login = true;
        o.timeout = 3s;
        // stdin closed before the greeting, so the write surely finds no reader.
        o.stream_command = {"/bin/sh", "-c", "exec 0<&-; printf '* OK [CAPABILITY IMAP4rev1] hi\\r\\n'; sleep 5"};
        imapclient::client c(io.get_executor(), o);
        int rc = 10;
        c.connect([&](imapclient::error_code ec, imapclient::connect_result) {
            if (ec) {
                rc = 11;
                return;
            }
            c.noop([&](imapclient::error_code ec2, imapclient::command_result) {
                // With a socketpair the child's stdout still holds the
                // socket open, so the write succeeds and the silence ends in
                // a timeout; with pipes it used to end in SIGPIPE.
                rc = imapclient::is_abort(ec2) ? 0 : 12;
            });
        });
        io.run_for(4s);
        return rc;
    });
    CHECK_FALSE(WIFSIGNALED(status));  // not killed by SIGPIPE
    if (WIFSIGNALED(status)) CHECK(WTERMSIG(status) != SIGPIPE);
    CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
}
