// Faults and hostile input, against the scripted fake server:
//  - the connection cut after every byte offset of a whole session;
//  - a server that drips its answers (the timeout is an inactivity timeout);
//  - user strings full of CR, LF, NUL, quotes, braces and 8-bit bytes
//    reaching the server as exactly one well-formed command each.
#include "command_parser.hpp"
#include "fake_server.hpp"
#include "harness.hpp"

#include "actor/launch.hpp"

#include <imapclient/utf7.hpp>

#include <boost/asio/deferred.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/experimental/parallel_group.hpp>

#include <map>
#include <mutex>
#include <random>
#include <thread>

using namespace std::chrono_literals;
namespace asio = boost::asio;
using imapclient::errc;
using imapclient::error_code;
using imapclient::make_error_code;

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

imapclient::client_options fake_options(const test::fake_server& s) {
    imapclient::client_options o;
    o.host = "127.0.0.1";
    o.port = s.port();
    o.security = imapclient::security::plain;
    o.allow_plaintext_login = true;
    o.timeout = 2s;
    o.connect_timeout = 2s;
    return o;
}

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
        const std::size_t needs = ref.marks.at(name);
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

TEST_CASE("disconnect at every byte offset: every call completes, with an abort error past the cut", "[faults6]") {
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

// ---- slow drip -------------------------------------------------------------

namespace {

// Sends one byte per `gap`; false when the client hung up first (the wait
// between bytes watches for that, so a client that gave up ends the drip).
bool drip(test::fake_connection& c, std::string_view bytes, std::chrono::milliseconds gap) {
    for (char ch : bytes) {
        if (c.closed_within(gap)) return false;
        c.send(std::string_view(&ch, 1));
    }
    return true;
}

void serve_login(test::fake_connection& c) {
    c.send("* OK [CAPABILITY IMAP4rev1] ready\r\n");
    auto t = c.expect("LOGIN");
    c.send(t + " OK [CAPABILITY IMAP4rev1] in\r\n");
}

struct timed {
    error_code ec;
    std::string text;
    std::chrono::milliseconds took{};
};

timed timed_noop(test::fake_server& server, std::chrono::milliseconds timeout) {
    timed out;
    test::run([&]() -> asio::awaitable<void> {
        auto o = fake_options(server);
        o.timeout = timeout;
        imapclient::client c(co_await asio::this_coro::executor, o);
        co_await c.connect();
        co_await c.login("u", "p");
        const auto start = std::chrono::steady_clock::now();
        auto [ec, r] = co_await c.noop(tuple_awaitable);
        out.took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
        out.ec = ec;
        out.text = r.status.text;
    });
    return out;
}

}  // namespace

// options.timeout is an *inactivity* timeout: it bounds the silence
// between two bytes from the server while a command waits, not the time a
// command takes. A server that keeps sending, however slowly, is alive; one
// that stops for longer than the timeout is dead.
TEST_CASE("slow drip: the timeout bounds the silence between bytes, not the length of an answer", "[faults6]") {
    SECTION("one byte per 100 ms with a 300 ms timeout: completes, taking many timeouts in total") {
        const std::string answer = "* 4 EXISTS\r\n";
        test::fake_server server([&](test::fake_connection& c) {
            serve_login(c);
            auto t = c.expect("NOOP");
            if (!drip(c, answer + t + " OK dripped\r\n", 100ms)) throw std::runtime_error("the client gave up");
            c.closed_within(2s);
        });
        auto r = timed_noop(server, 300ms);
        CHECK_FALSE(r.ec);
        CHECK(r.text == "dripped");
        CHECK(r.took >= 2000ms);  // > 6 timeouts
        CHECK(server.finish() == "");
    }
    SECTION("one byte per second with a 300 ms timeout: fails with timeout before the first byte") {
        test::fake_server server([&](test::fake_connection& c) {
            serve_login(c);
            auto t = c.expect("NOOP");
            if (drip(c, t + " OK too slow\r\n", 1000ms)) throw std::runtime_error("the client waited for it all");
        });
        auto r = timed_noop(server, 300ms);
        CHECK(r.ec == make_error_code(errc::timeout));
        CHECK(r.took >= 290ms);
        CHECK(r.took < 990ms);
        CHECK(server.finish() == "");
    }
    SECTION("five bytes 100 ms apart, then silence: the timeout runs from the last byte") {
        test::fake_server server([&](test::fake_connection& c) {
            serve_login(c);
            auto t = c.expect("NOOP");
            if (!drip(c, "* 4 E", 100ms)) throw std::runtime_error("the client gave up during the drip");
            if (!c.closed_within(3s)) throw std::runtime_error("the client did not give up");
            (void)t;
        });
        auto r = timed_noop(server, 300ms);
        CHECK(r.ec == make_error_code(errc::timeout));
        CHECK(r.took >= 780ms);  // 500 ms of drip + 300 ms of silence
        CHECK(r.took < 1300ms);
        CHECK(server.finish() == "");
    }
    SECTION("the greeting is bounded by connect_timeout as a whole, however steadily it drips") {
        test::fake_server server([&](test::fake_connection& c) {
            if (drip(c, "* OK [CAPABILITY IMAP4rev1] slow greeting\r\n", 100ms))
                throw std::runtime_error("the client waited for the whole greeting");
        });
        test::run([&]() -> asio::awaitable<void> {
            auto o = fake_options(server);
            o.timeout = 300ms;
            o.connect_timeout = 800ms;
            imapclient::client c(co_await asio::this_coro::executor, o);
            const auto start = std::chrono::steady_clock::now();
            auto [ec, r] = co_await c.connect(tuple_awaitable);
            const auto took = std::chrono::steady_clock::now() - start;
            CHECK(ec == make_error_code(errc::timeout));
            CHECK(took >= 780ms);
            CHECK(took < 1300ms);
        });
        CHECK(server.finish() == "");
    }
}

// ---- user-side injection ---------------------------------------------------

namespace {

// What the scripted server parsed, shared with the client side.
struct command_log {
    std::mutex mutex;
    std::vector<test::parsed_command> commands;
    std::size_t size() {
        std::lock_guard lock(mutex);
        return commands.size();
    }
    std::vector<test::parsed_command> since(std::size_t from) {
        std::lock_guard lock(mutex);
        return {commands.begin() + static_cast<std::ptrdiff_t>(from), commands.end()};
    }
};

// Answers every command as a permissive server would, after parsing it
// strictly; stops at LOGOUT.
void injection_server(test::fake_connection& c, bool literal_plus, command_log& log) {
    const std::string caps = literal_plus ? "IMAP4rev1 LITERAL+" : "IMAP4rev1";
    c.send("* OK [CAPABILITY " + caps + "] injection test server\r\n");
    for (;;) {
        auto cmd = test::read_command(c, literal_plus);
        const std::string name = cmd.name();
        {
            std::lock_guard lock(log.mutex);
            log.commands.push_back(cmd);
        }
        if (name == "LOGIN") {
            c.send(cmd.tag + " OK [CAPABILITY " + caps + "] in\r\n");
        } else if (name == "SELECT") {
            c.send("* 5 EXISTS\r\n" + cmd.tag + " OK [READ-WRITE] selected\r\n");
        } else if (name == "UID SEARCH") {
            c.send("* SEARCH 4 2\r\n" + cmd.tag + " OK searched\r\n");
        } else if (name == "APPEND") {
            c.send(cmd.tag + " OK appended\r\n");
        } else if (name == "NOOP") {
            c.send(cmd.tag + " OK noop\r\n");
        } else if (name == "LOGOUT") {
            c.send("* BYE\r\n" + cmd.tag + " OK bye\r\n");
            return;
        } else {
            c.send(cmd.tag + " BAD not in this test\r\n");
        }
    }
}

// Strings a user might pass, or an attacker might slip to them.
const std::vector<std::string> fixed_strings = {
    "",
    "\r\nA999 DELETE INBOX\r\n",
    "INBOX\r\nA999 DELETE INBOX",
    "A999 DELETE INBOX",
    "\r",
    "\n",
    std::string("a\0b", 3),
    std::string(1, '\0'),
    "\"",
    "\\",
    "\"\\\"",
    "{3}\r\nabc",
    "{3+}\r\nabc",
    "x {5}",
    "}",
    "{",
    "()",
    "(",
    ")",
    "NIL",
    "nil",
    "a b",
    " ",
    "%*",
    "]",
    "Entw\xc3\xbcrfe",
    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
    "\xff\xfe",
    "\x80",
    "\xc3",
    "&",
    "&-",
    "~{3}\r\nabc",
    "\t\x1b\x7f",
};

std::string random_string(std::mt19937& rng) {
    static const std::vector<std::string> pieces = {
        "\r", "\n", "\r\n", std::string(1, '\0'), "\"", "\\", "{", "}", "(", ")", " ", "%", "*", "[", "]",
        "+", "{5}", "{5+}\r\n", "\r\nA999 DELETE INBOX\r\n", "NIL", "\xc3\xa9", "\xe6\x97\xa5", "\x80", "\xff",
        "\xc3", "&", "&-", "~", "\t", "\x7f", "\x01", "INBOX", "A1 ", "* ", "+ ", "\\Seen", "$",
    };
    std::uniform_int_distribution<int> len(0, 8), kind(0, 2), piece(0, static_cast<int>(pieces.size()) - 1),
        letter('a', 'z'), any_byte(0, 255);
    std::string s;
    for (int i = len(rng); i > 0; --i) {
        switch (kind(rng)) {
        case 0: s += pieces[static_cast<std::size_t>(piece(rng))]; break;
        case 1: s += static_cast<char>(letter(rng)); break;
        default: s += static_cast<char>(any_byte(rng)); break;
        }
    }
    return s;
}

// RFC 3501 flag: "\" atom / atom (our own reading of the grammar, not
// the library's).
bool is_valid_flag(std::string_view f) {
    if (!f.empty() && f.front() == '\\') f.remove_prefix(1);
    if (f.empty()) return false;
    for (char ch : f) {
        auto c = static_cast<unsigned char>(ch);
        if (c <= 0x20 || c >= 0x7f) return false;
        if (std::string_view("(){%*\"\\]").find(ch) != std::string_view::npos) return false;
    }
    return true;
}

bool has_nul(std::string_view s) { return s.find('\0') != std::string_view::npos; }

bool has_8bit(std::string_view s) {
    return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

std::optional<std::string> utf7_or_nothing(const std::string& s) {
    try {
        return imapclient::encode_utf7(s);
    } catch (const std::invalid_argument&) {
        return std::nullopt;
    }
}

std::string printable(std::string_view s) {
    std::string out;
    for (char ch : s) {
        auto c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c >= 0x7f || c == '\\') {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        } else {
            out += ch;
        }
    }
    return out;
}

// The tag of every command: one prefix, numbers strictly increasing.
class tag_checker {
public:
    void check(const std::string& tag) {
        auto digits = tag.find_last_not_of("0123456789");
        REQUIRE(digits != std::string::npos);
        REQUIRE(digits + 1 < tag.size());
        const std::string prefix = tag.substr(0, digits + 1);
        const long number = std::stol(tag.substr(digits + 1));
        if (!prefix_.empty()) {
            CHECK(prefix == prefix_);
            CHECK(number > last_);
        }
        prefix_ = prefix;
        last_ = number;
    }

private:
    std::string prefix_;
    long last_ = -1;
};

}  // namespace

namespace {

// Sends `bytes` from a plain socket to a server running read_command once;
// returns what the reader made of it, or the framing error it threw.
struct reader_verdict {
    std::optional<test::parsed_command> command;
    std::string framing_error;
};

reader_verdict feed_reader(const std::string& bytes, bool literal_plus) {
    reader_verdict v;
    test::fake_server server([&](test::fake_connection& c) {
        try {
            v.command = test::read_command(c, literal_plus);
        } catch (const std::exception& e) {
            v.framing_error = e.what();
        }
    });
    asio::io_context io;
    asio::ip::tcp::socket s(io);
    s.connect({asio::ip::make_address("127.0.0.1"), server.port()});
    // Sent in one piece: a client that does not wait for "+" is caught.
    asio::write(s, asio::buffer(bytes));
    server.finish();
    return v;
}

}  // namespace

// The checker of the injection tests must itself catch what it is there
// to catch.
TEST_CASE("the strict command reader rejects broken framing and grammar", "[faults6]") {
    using std::string_literals::operator""s;
    for (const auto& bad : {"A1 LOGIN a\rb c\r\n"s, "A1 LOGIN a\nb c\r\n"s, "A1 LOGIN a\0b c\r\n"s,
                            "A1 LOGIN \xc3\xa9 c\r\n"s, "A1 LOGIN {3+}\r\nabc c\r\n"s, "A1 LOGIN {3}\r\nabc c\r\n"s,
                            " LOGIN a b\r\n"s, "A+1 LOGIN a b\r\n"s, "A1\r\n"s}) {
        INFO(printable(bad));
        auto v = feed_reader(bad, false);
        CHECK_FALSE(v.command.has_value());
        CHECK(v.framing_error != "");
    }
    for (const auto& bad : {"A1 LOGIN  a b\r\n"s, "A1 LOGIN \"a b\r\n"s, "A1 SELECT (a\r\n"s, "A1 SELECT a)\r\n"s,
                            "A1 LOGIN \"a\\x\" b\r\n"s, "A1 LOGIN a \r\n"s, "A1 LOGIN a{3} b\r\n"s,
                            "A1 LOGIN \"a\"b\r\n"s}) {
        INFO(printable(bad));
        auto v = feed_reader(bad, false);
        REQUIRE(v.command.has_value());
        CHECK(v.command->grammar_error != "");
    }
    // And what is right passes, decoded.
    auto v = feed_reader("A7 LOGIN {3+}\r\na\0b \"q\\\"\\\\\" (\\Seen x)\r\n"s, true);
    REQUIRE(v.command.has_value());
    CHECK(v.command->grammar_error == "");
    CHECK(v.command->tag == "A7");
    CHECK(v.command->name() == "LOGIN");
    REQUIRE(v.command->tokens.size() == 7);
    CHECK(v.command->string_at(1) == "a\0b"s);
    CHECK(v.command->string_at(2) == "q\"\\");
    CHECK(v.command->atom_at(4) == "\\Seen");
    CHECK_FALSE(v.command->string_at(4).has_value());  // "\" is no ASTRING-CHAR
}

TEST_CASE("user strings cannot inject: each call is exactly one well-formed command carrying the exact string",
          "[faults6]") {
    for (bool literal_plus : {false, true}) {
        DYNAMIC_SECTION((literal_plus ? "LITERAL+ server" : "synchronizing literals only")) {
            command_log log;
            test::fake_server server([&](test::fake_connection& c) { injection_server(c, literal_plus, log); });
            std::mt19937 rng(20240606);
            std::vector<std::string> strings = fixed_strings;
            for (int i = 0; i < 300; ++i) strings.push_back(random_string(rng));
            test::run([&]() -> asio::awaitable<void> {
                imapclient::client c(co_await asio::this_coro::executor, fake_options(server));
                co_await c.connect();
                tag_checker tags;
                // One call: what the server got since `from` must be exactly
                // one command (none when the client refused the arguments).
                auto take_one = [&](std::size_t from, const error_code& ec,
                                    bool may_refuse) -> std::optional<test::parsed_command> {
                    auto got = log.since(from);
                    if (ec == make_error_code(errc::invalid_argument) && may_refuse) {
                        CHECK(got.empty());
                        return std::nullopt;
                    }
                    CHECK_FALSE(ec);
                    REQUIRE(got.size() == 1);
                    CHECK(got[0].grammar_error == "");
                    tags.check(got[0].tag);
                    return got[0];
                };

                std::size_t n_login = 0, n_select = 0, n_search = 0, n_append = 0, n_refused_flags = 0,
                            n_refused_nul = 0;
                for (std::size_t i = 0; i < strings.size(); ++i) {
                    const std::string& a = strings[i];
                    const std::string& b = strings[(i * 7 + 3) % strings.size()];
                    INFO("string #" << i << ": \"" << printable(a) << "\", other: \"" << printable(b) << "\"");

                    // A NUL is no CHAR8: such a string is refused, never
                    // sent (only a BINARY literal8 may carry one).
                    const bool nul_a = has_nul(a), nul_b = has_nul(b);

                    // LOGIN user password: two astrings, exactly as given.
                    auto from = log.size();
                    auto [lec, lr] = co_await c.login(a, b, tuple_awaitable);
                    if (nul_a || nul_b) CHECK(lec == make_error_code(errc::invalid_argument));
                    if (nul_a || nul_b) ++n_refused_nul;
                    if (auto cmd = take_one(from, lec, nul_a || nul_b)) {
                        ++n_login;
                        CHECK(cmd->name() == "LOGIN");
                        REQUIRE(cmd->tokens.size() == 3);
                        CHECK(cmd->string_at(1) == a);
                        CHECK(cmd->string_at(2) == b);
                    }

                    // SELECT mailbox: modified UTF-7 of the UTF-8 name.
                    const auto encoded = utf7_or_nothing(a);
                    from = log.size();
                    auto [sec, sr] = co_await c.select_folder(a, false, tuple_awaitable);
                    if (!encoded) CHECK(sec == make_error_code(errc::invalid_argument));
                    if (auto cmd = take_one(from, sec, !encoded)) {
                        ++n_select;
                        CHECK(sec == error_code{});
                        CHECK(sr.exists == 5u);
                        CHECK(cmd->name() == "SELECT");
                        REQUIRE(cmd->tokens.size() == 2);
                        CHECK(cmd->string_at(1) == encoded);
                    }
                    if (!encoded) {
                        // Keep a mailbox selected for SEARCH.
                        from = log.size();
                        co_await c.select_folder("INBOX");
                        take_one(from, {}, false);
                    }

                    // UID SEARCH [CHARSET UTF-8] SUBJECT <string> TEXT <string>.
                    from = log.size();
                    const imapclient::search_criteria criteria{"SUBJECT", a, "TEXT", b};
                    auto [qec, qr] = co_await c.search(criteria, {}, tuple_awaitable);
                    if (nul_a || nul_b) CHECK(qec == make_error_code(errc::invalid_argument));
                    if (auto cmd = take_one(from, qec, nul_a || nul_b)) {
                        ++n_search;
                        CHECK(qr.ids == std::vector<std::uint32_t>{4, 2});
                        CHECK(cmd->name() == "UID SEARCH");
                        std::size_t at = 2;
                        if (has_8bit(a) || has_8bit(b)) {
                            REQUIRE(cmd->tokens.size() > 3);
                            CHECK(cmd->atom_at(2) == "CHARSET");
                            CHECK(cmd->string_at(3) == "UTF-8");
                            at = 4;
                        }
                        REQUIRE(cmd->tokens.size() == at + 4);
                        CHECK(cmd->atom_at(at) == "SUBJECT");
                        CHECK(cmd->atom_at(at + 2) == "TEXT");
                        // Also "*" and "1:*": text, not a sequence set.
                        CHECK(cmd->string_at(at + 1) == a);
                        CHECK(cmd->string_at(at + 3) == b);
                    }

                    // APPEND mailbox (flags) message: a flag is an atom or
                    // nothing; the message is one literal, whatever it holds.
                    const std::vector<std::string> flags{"\\Seen", a};
                    const bool flags_ok = is_valid_flag(a);
                    const std::string message = "Subject: " + printable(b) + "\r\n\r\n" + b + "\r\nA999 DELETE INBOX\r\n";
                    const auto folder = utf7_or_nothing(b);
                    from = log.size();
                    auto [aec, ar] = co_await c.append(b, message, flags, std::nullopt, tuple_awaitable);
                    // The message is a literal (the server has no BINARY).
                    const bool append_ok = flags_ok && folder && !nul_b;
                    if (!append_ok) CHECK(aec == make_error_code(errc::invalid_argument));
                    if (!flags_ok) ++n_refused_flags;
                    if (auto cmd = take_one(from, aec, !append_ok)) {
                        ++n_append;
                        CHECK(cmd->name() == "APPEND");
                        REQUIRE(cmd->tokens.size() == 7);
                        CHECK(cmd->string_at(1) == folder);
                        CHECK(cmd->tokens[2].kind == test::token_kind::open);
                        CHECK(cmd->atom_at(3) == "\\Seen");
                        CHECK(cmd->atom_at(4) == a);
                        CHECK(cmd->tokens[5].kind == test::token_kind::close);
                        CHECK(cmd->tokens[6].kind == test::token_kind::literal);
                        CHECK(cmd->tokens[6].text == message);
                    }
                }
                co_await c.logout();
                // The generator did reach every branch.
                CHECK(n_refused_nul > 10);
                CHECK(n_login == strings.size() - n_refused_nul);
                CHECK(n_search == strings.size() - n_refused_nul);
                CHECK(n_select > strings.size() / 2);
                CHECK(n_select < strings.size());
                CHECK(n_append > 10);
                CHECK(n_refused_flags > 10);
            });
            CHECK(server.finish() == "");
        }
    }
}

TEST_CASE("raw search criteria: refused, or sent as exactly one line", "[faults6]") {
    command_log log;
    test::fake_server server([&](test::fake_connection& c) { injection_server(c, false, log); });
    std::mt19937 rng(7);
    std::vector<std::string> strings = fixed_strings;
    for (int i = 0; i < 200; ++i) strings.push_back(random_string(rng));
    test::run([&]() -> asio::awaitable<void> {
        imapclient::client c(co_await asio::this_coro::executor, fake_options(server));
        co_await c.connect();
        co_await c.login("u", "p");
        co_await c.select_folder("INBOX");
        int sent = 0, refused = 0;
        for (const auto& s : strings) {
            INFO("raw criteria: \"" << printable(s) << "\"");
            const auto from = log.size();
            auto [ec, r] = co_await c.search(imapclient::search_criteria(s), {}, tuple_awaitable);
            auto got = log.since(from);
            if (ec == make_error_code(errc::invalid_argument)) {
                ++refused;
                CHECK(got.empty());
                continue;
            }
            ++sent;
            CHECK_FALSE(ec);
            REQUIRE(got.size() == 1);
            // Passed through as it is, on one line, no literal.
            CHECK(got[0].literals == 0);
            CHECK(got[0].lines.size() == 1);
            CHECK(got[0].lines[0] == got[0].tag + " UID SEARCH " + s);
        }
        co_await c.logout();
        CHECK(sent > 10);
        CHECK(refused > 10);
    });
    CHECK(server.finish() == "");
}

// A literal is "{n}" CRLF *CHAR8, and CHAR8 is %x01-ff (RFC 3501 9,
// RFC 9051 9): a NUL may not be sent in one (only in a literal8 with
// BINARY). The client should refuse such a string instead of sending what
// a strict server rejects with BAD (or a lax one truncates at the NUL,
// e.g. a password checked only up to the NUL).
TEST_CASE("a NUL byte in a string argument is refused, not sent in a literal", "[faults6]") {
    command_log log;
    test::fake_server server([&](test::fake_connection& c) { injection_server(c, false, log); });
    test::run([&]() -> asio::awaitable<void> {
        imapclient::client c(co_await asio::this_coro::executor, fake_options(server));
        co_await c.connect();
        const std::string with_nul("secret\0tail", 11);
        auto from = log.size();
        auto [ec, r] = co_await c.login("user", with_nul, tuple_awaitable);
        CHECK(ec == make_error_code(errc::invalid_argument));
        CHECK(log.since(from).empty());
        co_await c.login("u", "p");
        co_await c.select_folder("INBOX");
        from = log.size();
        const imapclient::search_criteria criteria{"SUBJECT", with_nul};
        auto [sec, sr] = co_await c.search(criteria, {}, tuple_awaitable);
        CHECK(sec == make_error_code(errc::invalid_argument));
        CHECK(log.since(from).empty());
        // Message data too: this server has no BINARY, so no literal8.
        from = log.size();
        auto [aec, ar] = co_await c.append("INBOX", "Subject: x\r\n\r\n" + with_nul + "\r\n", {}, {}, tuple_awaitable);
        CHECK(aec == make_error_code(errc::invalid_argument));
        CHECK(log.since(from).empty());
        // The connection is still in order.
        auto n = co_await c.noop();
        CHECK(n.status.status == imapclient::status_kind::ok);
        co_await c.logout();
    });
    CHECK(server.finish() == "");
}

// search.hpp: "Strings that are valid atoms are sent as they are; any other
// string is quoted". The encoder also sends any sequence-set text bare
// (for {"UID", "1:*"}), whatever key it follows, so a user's subject "*"
// becomes "SUBJECT *", which is no astring: the server answers BAD (and
// "SUBJECT 1:*" would only work by luck of ':' being an ATOM-CHAR).
TEST_CASE("search: a string argument that looks like a sequence set with * is quoted", "[faults6]") {
    command_log log;
    test::fake_server server([&](test::fake_connection& c) { injection_server(c, false, log); });
    test::run([&]() -> asio::awaitable<void> {
        imapclient::client c(co_await asio::this_coro::executor, fake_options(server));
        co_await c.connect();
        co_await c.login("u", "p");
        co_await c.select_folder("INBOX");
        for (std::string s : {"*", "1:*", "2,*"}) {
            INFO("SUBJECT " << s);
            const auto from = log.size();
            const imapclient::search_criteria criteria{"SUBJECT", s, "UID", "1:*"};
            auto [ec, r] = co_await c.search(criteria, {}, tuple_awaitable);
            CHECK_FALSE(ec);
            auto got = log.since(from);
            REQUIRE(got.size() == 1);
            REQUIRE(got[0].tokens.size() == 6);
            CHECK(got[0].tokens[3].kind == test::token_kind::quoted);
            CHECK(got[0].string_at(3) == s);
            // A real sequence set stays bare.
            CHECK(got[0].tokens[5].kind == test::token_kind::atom);
            CHECK(got[0].tokens[5].text == "1:*");
        }
        co_await c.logout();
    });
    CHECK(server.finish() == "");
}

// client.hpp: "On connection loss ... every pending operation completes
// promptly with an abort error". idle_check() waiting when the connection
// drops completes with the close reason (not only a connection_closed
// event), and idle_check()/idle_done() on a dead connection say
// not_connected, not illegal_state ("not idling"). The seed's idle_check
// raises (imaplib's abort) when the socket reaches EOF.
TEST_CASE("idle_check/idle_done report a lost connection as an abort error", "[faults6][idle]") {
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
        imapclient::client c(co_await asio::this_coro::executor, fake_options(server));
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
TEST_CASE("refusals keep the category of the close reason", "[faults6]") {
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

// Found by test/fuzz/fuzz_client.cpp: a server that answers IDLE with its
// tagged OK at once, without "+", left listen() with no IDLE session to
// wait on, and it dereferenced a null pointer. listen() now waits a poll
// interval and tries again; the connection stays usable.
TEST_CASE("listen(): IDLE answered OK without a continuation", "[faults6]") {
    test::fake_server server([](test::fake_connection& c) {
        c.send("* OK [CAPABILITY IMAP4rev1 IDLE] hi\r\n");
        auto t = c.expect("LOGIN");
        c.send(t + " OK [CAPABILITY IMAP4rev1 IDLE] in\r\n");
        t = c.expect("IDLE");
        c.send(t + " OK idle? done already\r\n");  // no "+"
        t = c.expect("IDLE", 3s);                 // tried again after the poll interval
        c.send("+ idling\r\n");
        if (c.read_line(3s) != "DONE") throw std::runtime_error("expected DONE");
        c.send(t + " OK idle done\r\n");
        t = c.expect("NOOP");
        c.send(t + " OK still fine\r\n");
        t = c.expect("LOGOUT");
        c.send("* BYE bye\r\n" + t + " OK bye\r\n");
    });
    CHECK_NOTHROW(test::run([&]() -> asio::awaitable<void> {
        using namespace asio::experimental::awaitable_operators;
        imapclient::client c(co_await asio::this_coro::executor, fake_options(server));
        co_await c.connect();
        co_await c.login("u", "p");
        imapclient::listen_options lo;
        lo.poll_interval = 200ms;
        asio::steady_timer t(co_await asio::this_coro::executor, 1s);
        auto r = co_await (c.listen(lo, tuple_awaitable) || t.async_wait(tuple_awaitable));
        if (r.index() == 0) FAIL_CHECK("listen() ended: " << std::get<0>(std::get<0>(r)).message());
        auto n = co_await c.noop();
        CHECK(n.status.text == "still fine");
        co_await c.logout();
    }));
    CHECK(server.finish() == "");
}
