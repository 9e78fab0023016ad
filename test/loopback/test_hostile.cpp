// Hostile servers: untagged data sent where it means nothing (before
// STARTTLS, before login, with no mailbox selected) must not leak into
// state the application uses afterwards (capabilities, mailbox state, the
// event queue); referrals (RFC 2221 login referrals, RFC 2193 mailbox
// referrals) are reported, never followed; a tagged reply for a tag never
// sent fails the connection; an oversized literal announcement is a clear
// error, not an allocation.
#include "fake_server.hpp"
#include "harness.hpp"
#include "scripted_session.hpp"
#include "tls_server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <algorithm>
#include <set>

using namespace std::chrono_literals;
namespace asio = boost::asio;
using imapclient::errc;
using imapclient::make_error_code;
using test::scripted::login_select;
using test::scripted::serve_login_select;

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

// Every kind of untagged data the issue lists, none of which may outlive
// the phase it was sent in. Sequence numbers and counts are odd ones (7,
// 9, 42) so that a leak is recognisable.
const std::string forged_untagged =
    "* LIST (\\HasNoChildren) \"/\" Forged\r\n"
    "* STATUS INBOX (MESSAGES 42 UIDNEXT 4242)\r\n"
    "* SEARCH 7 9\r\n"
    "* FLAGS (\\Seen $Forged)\r\n"
    "* OK [PERMANENTFLAGS ($Forged)] forged\r\n"
    "* OK [UIDVALIDITY 4242] forged\r\n"
    "* 42 EXISTS\r\n"
    "* 9 RECENT\r\n"
    "* 7 EXPUNGE\r\n"
    "* 9 FETCH (UID 99 FLAGS ($Forged))\r\n";

imapclient::client_options fake_options(const test::fake_server& s) {
    imapclient::client_options o;
    o.host = "127.0.0.1";
    o.port = s.port();
    o.security = imapclient::security::plain;
    o.allow_plaintext_login = true;
    o.timeout = 5s;
    return o;
}

std::set<std::string> caps_of(const imapclient::client& c) {
    auto v = c.capabilities();
    return {v.begin(), v.end()};
}

// Every event that arrives within `quiet` of the last one.
asio::awaitable<std::vector<imapclient::event>> drain(imapclient::client& c, std::chrono::milliseconds quiet) {
    std::vector<imapclient::event> out;
    while (auto e = co_await test::next_event_within(c, quiet)) out.push_back(std::move(*e));
    co_return out;
}

// A readable name for an event, for failure messages and checks.
std::string describe(const imapclient::event& e) {
    if (std::holds_alternative<imapclient::resync_needed>(e)) return "resync_needed";
    if (std::holds_alternative<imapclient::connection_closed>(e)) return "connection_closed";
    const auto& r = std::get<imapclient::response>(e);
    if (auto* s = std::get_if<imapclient::status_response>(&r))
        return "status " + (s->code ? s->code->name : std::string("-")) + " " + s->text;
    return "response #" + std::to_string(r.index());
}

// True when the event carries anything the forged lines did.
bool is_forged(const imapclient::event& e) {
    const std::string d = describe(e);
    if (d.find("forged") != std::string::npos || d.find("Forged") != std::string::npos) return true;
    return std::holds_alternative<imapclient::response>(e) &&
           !std::holds_alternative<imapclient::status_response>(std::get<imapclient::response>(e));
}

// A CA and a localhost certificate for the STARTTLS server.
struct pki {
    test::temp_dir dir;
    test::key_cert ca = test::make_certificate({"imapclient hostile test CA", "", true, -1, 30}, nullptr);
    test::key_cert good = test::make_certificate({"localhost", "localhost"}, &ca);
    std::string ca_file = dir.write("ca.pem", ca.cert_pem);
    static const pki& get() {
        static const pki instance;
        return instance;
    }
};

// A listening socket nobody should ever connect to: the target of the
// referrals below.
struct referral_target {
    asio::io_context io;
    asio::ip::tcp::acceptor acceptor{io, {asio::ip::make_address("127.0.0.1"), 0}};
    std::string url(const std::string& path) const {
        return "imap://alice@127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()) + "/" + path;
    }
    bool contacted() {
        acceptor.non_blocking(true);
        asio::ip::tcp::socket s(io);
        imapclient::error_code ec;
        acceptor.accept(s, ec);
        return !ec;
    }
};

}  // namespace

TEST_CASE("hostile: untagged data sent in clear text before STARTTLS does not survive into TLS",
          "[loopback][hostile][starttls][injection]") {
    const auto& p = pki::get();
    // Forged capabilities (with STARTTLS, or the client would rightly
    // refuse) and an alert, with the greeting and again just before
    // STARTTLS's tagged OK, next to every kind of mailbox data.
    test::tls_server_options so{p.good};
    so.starttls = true;
    so.plain_injection = "* CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN X-FORGED\r\n" + forged_untagged +
                         "* OK [ALERT] forged alert in clear text\r\n";
    test::tls_server server(so);
    std::set<std::string> caps;
    std::vector<imapclient::event> events;
    imapclient::mailbox_state box;
    std::string noop_text;
    bool tls = false;
    test::run([&]() -> asio::awaitable<void> {
        imapclient::client_options o;
        o.host = "localhost";
        o.port = server.port();
        o.security = imapclient::security::starttls;
        o.ssl_context = imapclient::create_default_context(p.ca_file);
        o.timeout = 5s;
        imapclient::client c(co_await asio::this_coro::executor, o);
        auto r = co_await c.connect();
        tls = r.tls;
        caps = caps_of(c);
        events = co_await drain(c, 300ms);
        box = c.mailbox();
        noop_text = (co_await c.noop()).status.text;
        co_await c.logout();
    });
    auto outcome = server.finish();
    CHECK(outcome.script_error == "");
    CHECK(outcome.handshake_ok);
    CHECK(tls);
    // Exactly what the server said over TLS (tls_server's CAPABILITY).
    CHECK(caps == std::set<std::string>{"IMAP4REV1", "IDLE"});  // kept upper-cased
    for (auto& e : events) UNSCOPED_INFO("event: " << describe(e));
    CHECK(events.empty());
    CHECK(box == imapclient::mailbox_state{});
    CHECK(noop_text == "noop over TLS");
}

TEST_CASE("hostile: untagged data before login leaks neither into capabilities, mailbox state nor events",
          "[loopback][hostile]") {
    test::fake_server server([](test::fake_connection& c) {
        // Pre-login capabilities, and data while LOGIN runs; LOGIN's OK
        // carries no CAPABILITY and none came while it ran, so the client
        // must ask again.
        c.send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] hello\r\n" + forged_untagged +
               "* OK [ALERT] maintenance tonight\r\n* CAPABILITY IMAP4rev1 X-FORGED-BEFORE-LOGIN\r\n");
        auto t = c.expect("LOGIN");
        c.send(forged_untagged + t + " OK logged in\r\n");
        t = c.expect("CAPABILITY");
        c.send("* CAPABILITY IMAP4rev1 IDLE UIDPLUS\r\n" + t + " OK done\r\n");
        t = c.expect("NOOP");
        c.send(t + " OK noop\r\n");
        t = c.expect("SELECT");
        c.send("* 3 EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 5] v\r\n* OK [UIDNEXT 4] n\r\n"
               "* FLAGS (\\Seen \\Deleted)\r\n" + t + " OK [READ-WRITE] selected\r\n");
        t = c.expect("LOGOUT");
        c.send("* BYE bye\r\n" + t + " OK bye\r\n");
    });
    std::set<std::string> caps;
    std::vector<imapclient::event> before_select;
    imapclient::mailbox_state box_before, box_after;
    imapclient::select_result sel;
    test::run([&]() -> asio::awaitable<void> {
        imapclient::client c(co_await asio::this_coro::executor, fake_options(server));
        co_await c.connect();
        co_await c.login("user", "pass");
        caps = caps_of(c);
        // NOOP lets anything still in flight arrive before the events are read.
        co_await c.noop();
        before_select = co_await drain(c, 300ms);
        box_before = c.mailbox();
        sel = co_await c.select_folder("INBOX");
        box_after = c.mailbox();
        co_await c.logout();
    });
    CHECK(server.finish() == "");
    CHECK(caps == std::set<std::string>{"IMAP4REV1", "IDLE", "UIDPLUS"});  // kept upper-cased
    // The alert before login is no mailbox state: it must reach a human.
    int alerts = 0;
    for (auto& e : before_select) {
        INFO("event: " << describe(e));
        CHECK_FALSE(is_forged(e));
        if (describe(e).find("ALERT maintenance tonight") != std::string::npos) ++alerts;
    }
    CHECK(alerts == 1);
    CHECK(box_before == imapclient::mailbox_state{});
    // SELECT's own data only.
    CHECK(sel.exists == 3);
    CHECK(sel.recent == 0);
    CHECK(sel.uid_validity == 5u);
    CHECK(sel.uid_next == 4u);
    CHECK(sel.flags == std::vector<std::string>{"\\Seen", "\\Deleted"});
    CHECK(sel.permanent_flags.empty());
    CHECK(box_after.exists == 3);
    CHECK(box_after.uid_validity == 5u);
    CHECK(box_after.flags == std::vector<std::string>{"\\Seen", "\\Deleted"});
}

TEST_CASE("hostile: mailbox data with no mailbox selected is dropped; the same data once selected is delivered",
          "[loopback][hostile]") {
    test::fake_server server([](test::fake_connection& c) {
        c.send("* OK [CAPABILITY IMAP4rev1] hello\r\n");
        auto t = c.expect("LOGIN");
        c.send(t + " OK [CAPABILITY IMAP4rev1 IDLE] in\r\n");
        // Authenticated, nothing selected: EXISTS, EXPUNGE, FETCH, FLAGS
        // refer to no mailbox. LIST/STATUS/SEARCH may be unsolicited (they
        // name their mailbox or are harmless) and still reach the queue.
        t = c.expect("NOOP");
        c.send("* 42 EXISTS\r\n* 9 RECENT\r\n* 7 EXPUNGE\r\n* 9 FETCH (UID 99 FLAGS ($Forged))\r\n"
               "* FLAGS (\\Seen $Forged)\r\n* STATUS INBOX (MESSAGES 42)\r\n" + t + " OK noop\r\n");
        t = c.expect("SELECT");
        c.send("* 3 EXISTS\r\n* 0 RECENT\r\n* FLAGS (\\Seen)\r\n" + t + " OK [READ-WRITE] selected\r\n");
        t = c.expect("NOOP");
        c.send("* 4 EXISTS\r\n* 2 EXPUNGE\r\n" + t + " OK noop\r\n");
        t = c.expect("LOGOUT");
        c.send("* BYE bye\r\n" + t + " OK bye\r\n");
    });
    std::vector<imapclient::event> unselected, selected;
    imapclient::select_result sel;
    std::uint32_t exists_after = 0;
    test::run([&]() -> asio::awaitable<void> {
        imapclient::client c(co_await asio::this_coro::executor, fake_options(server));
        co_await c.connect();
        co_await c.login("user", "pass");
        co_await c.noop();
        unselected = co_await drain(c, 200ms);
        sel = co_await c.select_folder("INBOX");
        co_await c.noop();
        selected = co_await drain(c, 200ms);
        exists_after = c.mailbox().exists;
        co_await c.logout();
    });
    CHECK(server.finish() == "");
    // Only the STATUS, which names its mailbox.
    REQUIRE(unselected.size() == 1);
    INFO("event: " << describe(unselected[0]));
    REQUIRE(std::holds_alternative<imapclient::response>(unselected[0]));
    CHECK(std::holds_alternative<imapclient::status_data>(std::get<imapclient::response>(unselected[0])));
    CHECK(sel.exists == 3);
    CHECK(sel.flags == std::vector<std::string>{"\\Seen"});
    // Once selected the same kinds are news, delivered in order.
    REQUIRE(selected.size() == 2);
    auto& r0 = std::get<imapclient::response>(selected[0]);
    auto& r1 = std::get<imapclient::response>(selected[1]);
    REQUIRE(std::holds_alternative<imapclient::exists_data>(r0));
    CHECK(std::get<imapclient::exists_data>(r0).count == 4);
    CHECK(std::holds_alternative<imapclient::expunge_data>(r1));
    CHECK(exists_after == 3);
}

TEST_CASE("hostile: referrals are reported with the NO, never followed", "[loopback][hostile]") {
    referral_target target;
    const std::string login_url = target.url(";AUTH=*");
    const std::string box_url = target.url("Shared");
    test::fake_server server([&](test::fake_connection& c) {
        c.send("* OK [CAPABILITY IMAP4rev1 LOGIN-REFERRALS MAILBOX-REFERRALS] hello\r\n");
        // RFC 2221: a login referral in a NO, then another in an untagged
        // OK before a successful login.
        auto t = c.expect("LOGIN");
        c.send(t + " NO [REFERRAL " + login_url + "] try the other server\r\n");
        t = c.expect("LOGIN");
        c.send("* OK [REFERRAL " + login_url + "] you might prefer the other server\r\n" + t +
               " OK [CAPABILITY IMAP4rev1] logged in\r\n");
        // RFC 2193: a mailbox referral in SELECT's NO.
        t = c.expect("SELECT");
        c.send(t + " NO [REFERRAL " + box_url + "] Shared lives elsewhere\r\n");
        t = c.expect("NOOP");
        c.send(t + " OK still here\r\n");
        t = c.expect("LOGOUT");
        c.send("* BYE bye\r\n" + t + " OK bye\r\n");
    });
    imapclient::error_code login_ec, select_ec;
    imapclient::command_result login_r;
    imapclient::select_result select_r;
    std::string thrown, thrown_code;
    std::string noop_text;
    std::vector<imapclient::event> events;
    test::run([&]() -> asio::awaitable<void> {
        imapclient::client c(co_await asio::this_coro::executor, fake_options(server));
        co_await c.connect();
        std::tie(login_ec, login_r) = co_await c.login("user", "pass", tuple_awaitable);
        co_await c.login("user", "pass");
        try {
            co_await c.select_folder("Shared");
        } catch (const imapclient::error& e) {
            thrown = e.what();
            select_ec = e.code();
            if (e.reply().code) thrown_code = e.reply().code->name + " " + e.reply().code->raw;
        }
        noop_text = (co_await c.noop()).status.text;
        events = co_await drain(c, 200ms);
        co_await c.logout();
    });
    CHECK(server.finish() == "");
    CHECK(login_ec == make_error_code(errc::login_failed));
    REQUIRE(login_r.status.code.has_value());
    CHECK(login_r.status.code->name == "REFERRAL");
    CHECK(login_r.status.code->raw == login_url);
    CHECK(login_r.status.text == "try the other server");
    CHECK(select_ec == make_error_code(errc::no));
    CHECK(thrown_code == "REFERRAL " + box_url);
    CHECK(thrown.find(box_url) != std::string::npos);
    CHECK(noop_text == "still here");
    // The untagged referral is handed to the application, as any OK.
    int referrals = 0;
    for (auto& e : events)
        if (describe(e).find("status REFERRAL") != std::string::npos) ++referrals;
    CHECK(referrals == 1);
    // Nobody connected to the referred server.
    CHECK_FALSE(target.contacted());
}

TEST_CASE("a tagged reply for a tag never sent fails the connection, not a command", "[loopback][hostile][security]") {
    test::fake_server server([](test::fake_connection& c) {
        serve_login_select(c);
        auto t = c.expect("NOOP");
        c.send("ZZZ9 OK forged\r\n" + t + " OK real\r\n");
        c.closed_within(2s);
    });
    test::run([&]() -> asio::awaitable<void> {
        imapclient::client c(co_await asio::this_coro::executor, fake_options(server));
        co_await login_select(c);
        auto [ec, r] = co_await c.noop(asio::as_tuple(asio::use_awaitable));
        CHECK(ec == make_error_code(errc::protocol_violation));
    });
    CHECK(server.finish() == "");
}

TEST_CASE("an oversized literal announcement is a clear error, not an allocation", "[loopback][hostile][limits]") {
    test::fake_server server([](test::fake_connection& c) {
        serve_login_select(c);
        c.read_line();
        c.send("* 1 FETCH (UID 1 BODY[] {99999999999}\r\n");
        c.closed_within(2s);
    });
    test::run([&]() -> asio::awaitable<void> {
        imapclient::client c(co_await asio::this_coro::executor, fake_options(server));
        co_await login_select(c);
        const std::vector<std::string> body{"BODY[]"};
        auto [ec, r] = co_await c.fetch(1, body, {}, asio::as_tuple(asio::use_awaitable));
        CHECK(ec == make_error_code(errc::framing_error));
        CHECK(r.status.text.find("99999999999") != std::string::npos);
    });
    CHECK(server.finish() == "");
}
