// Message methods against a scripted server, for what neither Dovecot nor
// Cyrus has: Gmail's labels and X-GM-RAW, a server without MULTIAPPEND,
// MOVE or UIDPLUS, APPENDUID and COPYUID ranges, a fixed INTERNALDATE
// under normalise_times. (Against Dovecot and Cyrus: test/live/test_messages.cpp.)
#include "fake_server.hpp"
#include "harness.hpp"

#include <ctime>

using namespace std::chrono_literals;
namespace asio = boost::asio;
using imapclient::client;
using imapclient::errc;
using imapclient::make_error_code;
using ids = std::vector<std::uint32_t>;
using strings = std::vector<std::string>;

namespace {

// GCC 12 cannot take braced lists of string literals inside co_await
// expressions: the lists are named here.
const strings seen{"\\Seen"};
const strings internaldate_item{"INTERNALDATE"};
const strings some_labels{"Work", "\xc3\x89t\xc3\xa9"};  // "Été"

std::chrono::minutes local_offset_at(std::chrono::sys_seconds t) {
    const std::time_t tt = static_cast<std::time_t>(t.time_since_epoch().count());
    std::tm m{};
    ::localtime_r(&tt, &m);
    return std::chrono::minutes(m.tm_gmtoff / 60);
}

}  // namespace

namespace {

imapclient::client_options fake_options(const test::fake_server& s, bool normalise = true) {
    auto o = test::scripted_options(s);
    o.normalise_times = normalise;
    return o;
}

void serve_login_select(test::fake_connection& c, const std::string& caps) {
    c.send("* OK [CAPABILITY IMAP4rev1] fake ready\r\n");
    auto t = c.expect("LOGIN");
    c.send(t + " OK [CAPABILITY " + caps + "] logged in\r\n");
    t = c.expect("SELECT");
    c.send("* 10 EXISTS\r\n* OK [UIDVALIDITY 7] v\r\n* OK [UIDNEXT 11] n\r\n" + t + " OK [READ-WRITE] selected\r\n");
}

// Reads one line and checks it, after the tag, word for word.
std::string expect_line(test::fake_connection& c, const std::string& rest) {
    auto line = c.read_line();
    auto sp = line.find(' ');
    if (line.substr(sp + 1) != rest) throw std::runtime_error("expected \"" + rest + "\", got \"" + line + "\"");
    return line.substr(0, sp);
}

// Runs the client side; the server script's own failures are reported
// first, since they explain a client that saw the connection drop.
void run_scripted(test::fake_server& server, std::function<asio::awaitable<void>()> body) {
    std::exception_ptr failure;
    try {
        test::run(std::move(body));
    } catch (...) {
        failure = std::current_exception();
    }
    CHECK(server.finish() == "");
    if (failure) std::rethrow_exception(failure);
}

asio::awaitable<void> login_select(client& c) {
    co_await c.connect();
    co_await c.login("user", "pass");
    co_await c.select_folder("INBOX");
}

}  // namespace

TEST_CASE("messages (scripted): Gmail labels are UTF-7 both ways; X-GM-RAW search", "[loopback][messages]") {
    test::fake_server server([](test::fake_connection& c) {
        serve_login_select(c, "IMAP4rev1 LITERAL+ UIDPLUS X-GM-EXT-1");
        auto t = expect_line(c, "UID FETCH 5:6 (X-GM-LABELS)");
        c.send("* 1 FETCH (X-GM-LABELS (\"\\\\Inbox\" Work \"&AMk-t&AOk-\") UID 5)\r\n* 2 FETCH (UID 6 X-GM-LABELS ())\r\n" +
               t + " OK\r\n");
        t = expect_line(c, "UID STORE 5 +X-GM-LABELS (\"Work\" \"&AMk-t&AOk-\")");
        c.send("* 1 FETCH (UID 5 X-GM-LABELS (Work \"&AMk-t&AOk-\"))\r\n" + t + " OK\r\n");
        t = expect_line(c, "UID STORE 5 -X-GM-LABELS.SILENT (\"Work\" \"&AMk-t&AOk-\")");
        c.send(t + " OK\r\n");
        t = expect_line(c, "UID SEARCH CHARSET UTF-8 X-GM-RAW \"has:attachment in:unread\"");
        c.send("* SEARCH 5 9\r\n" + t + " OK\r\n");
        t = c.expect("LOGOUT");
        c.send("* BYE bye\r\n" + t + " OK\r\n");
    });
    run_scripted(server, [&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, fake_options(server));
        co_await login_select(c);
        auto got = co_await c.get_gmail_labels("5:6");
        REQUIRE(got.messages.size() == 2);
        CHECK(got.messages[5] == strings{"\\Inbox", "Work", "\xc3\x89t\xc3\xa9"});
        CHECK(got.messages[6].empty());
        auto added = co_await c.add_gmail_labels(5, some_labels);
        CHECK(added.messages[5] == some_labels);
        auto removed = co_await c.remove_gmail_labels(5, some_labels, true);
        CHECK(removed.messages.empty());
        auto found = co_await c.gmail_search("has:attachment in:unread");
        CHECK(found.ids == ids{5, 9});
        co_await c.logout();
    });
}

TEST_CASE("messages (scripted): no MULTIAPPEND, no UIDPLUS: refused before sending; no MOVE: COPY, the original left",
          "[loopback][messages]") {
    test::fake_server server([](test::fake_connection& c) {
        serve_login_select(c, "IMAP4rev1 LITERAL+");
        // MOVE without MOVE and without UIDPLUS: copied, the original left
        // alone (nothing names the copy exactly).
        auto t = c.expect("UID COPY 1 Trash");
        c.send(t + " OK copied\r\n");
        // The refused commands never reach the wire: the next line is NOOP.
        t = c.expect("NOOP");
        c.send(t + " OK\r\n");
        t = c.expect("LOGOUT");
        c.send("* BYE bye\r\n" + t + " OK\r\n");
    });
    run_scripted(server, [&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, fake_options(server));
        co_await login_select(c);
        std::vector<client::append_message> msgs{{"m", {}, std::nullopt}};
        auto [e1, r1] = co_await c.multiappend("INBOX", msgs, asio::as_tuple(asio::use_awaitable));
        CHECK(e1 == make_error_code(errc::capability_missing));
        auto [e2, r2] = co_await c.move(1, "Trash", asio::as_tuple(asio::use_awaitable));
        CHECK(e2 == imapclient::error_code{});
        CHECK(r2.moved_by_copy);
        CHECK(r2.left_in_source);
        auto [e3, r3] = co_await c.uid_expunge(1, asio::as_tuple(asio::use_awaitable));
        CHECK(e3 == make_error_code(errc::capability_missing));
        const strings date{"DATE"};
        auto [e4, r4] = co_await c.sort(date, "ALL", "UTF-8", asio::as_tuple(asio::use_awaitable));
        CHECK(e4 == make_error_code(errc::capability_missing));
        auto [e5, r5] = co_await c.thread("REFERENCES", "ALL", "UTF-8", asio::as_tuple(asio::use_awaitable));
        CHECK(e5 == make_error_code(errc::capability_missing));
        co_await c.noop();
        co_await c.logout();
    });
}

TEST_CASE("messages (scripted): APPENDUID and COPYUID ranges, MOVE's untagged COPYUID", "[loopback][messages]") {
    test::fake_server server([](test::fake_connection& c) {
        serve_login_select(c, "IMAP4rev1 LITERAL+ UIDPLUS MOVE MULTIAPPEND");
        auto line = c.read_line();
        if (line.find(" APPEND Box (\\Seen) {1+}") == std::string::npos) throw std::runtime_error("got " + line);
        auto t = line.substr(0, line.find(' '));
        // "x" then the second message's literal header, and so on.
        if (c.read_line() != "x {1+}") throw std::runtime_error("second message");
        if (c.read_line() != "a {1+}") throw std::runtime_error("third message");
        if (c.read_line() != "b") throw std::runtime_error("end of MULTIAPPEND");
        c.send(t + " OK [APPENDUID 38505 3955:3956,3960] done\r\n");
        t = expect_line(c, "UID COPY 1:3,7 Box");
        c.send(t + " OK [COPYUID 38505 1:3,7 12,9:11] copied\r\n");
        t = expect_line(c, "UID MOVE 4:5 Box");
        c.send("* OK [COPYUID 38505 4:5 30:31] moving\r\n* 4 EXPUNGE\r\n* 4 EXPUNGE\r\n" + t + " OK moved\r\n");
        // Sets that do not pair up are not believed by halves.
        t = expect_line(c, "UID COPY 8 Box");
        c.send(t + " OK [COPYUID 38505 8 40:41] odd\r\n");
        t = expect_line(c, "UID EXPUNGE 9");
        c.send("* VANISHED 9\r\n" + t + " OK\r\n");
        t = c.expect("LOGOUT");
        c.send("* BYE bye\r\n" + t + " OK\r\n");
    });
    run_scripted(server, [&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, fake_options(server));
        co_await login_select(c);
        std::vector<client::append_message> msgs{{"x", seen, std::nullopt}, {"a", {}, std::nullopt}, {"b", {}, std::nullopt}};
        auto ap = co_await c.multiappend("Box", msgs);
        CHECK(ap.uid_validity == 38505u);
        CHECK(ap.uids == ids{3955, 3956, 3960});
        const ids set{1, 2, 3, 7};
        auto cp = co_await c.copy(set, "Box");
        CHECK(cp.uid_validity == 38505u);
        CHECK(cp.source_uids == ids{1, 2, 3, 7});
        CHECK(cp.dest_uids == ids{12, 9, 10, 11});
        const ids pair{4, 5};
        auto mv = co_await c.move(pair, "Box");
        CHECK(mv.source_uids == ids{4, 5});
        CHECK(mv.dest_uids == ids{30, 31});
        CHECK(c.mailbox().exists == 8);
        auto odd = co_await c.copy(8, "Box");
        CHECK(odd.uid_validity == 38505u);
        CHECK(odd.source_uids.empty());
        CHECK(odd.dest_uids.empty());
        auto ue = co_await c.uid_expunge(9);
        CHECK(ue.vanished == ids{9});
        CHECK(c.mailbox().exists == 7);
        co_await c.logout();
    });
}

TEST_CASE("messages (scripted): normalise_times on and off for INTERNALDATE", "[loopback][messages]") {
    auto normalise = GENERATE(true, false);
    test::fake_server server([](test::fake_connection& c) {
        serve_login_select(c, "IMAP4rev1 LITERAL+ UIDPLUS");
        auto t = expect_line(c, "UID FETCH 3 (INTERNALDATE)");
        c.send("* 1 FETCH (UID 3 INTERNALDATE \"17-Jul-1996 02:44:25 -0700\")\r\n" + t + " OK\r\n");
        t = c.expect("LOGOUT");
        c.send("* BYE bye\r\n" + t + " OK\r\n");
    });
    run_scripted(server, [&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, fake_options(server, normalise));
        co_await login_select(c);
        auto f = co_await c.fetch(3, internaldate_item);
        REQUIRE(f.messages.count(3) == 1);
        const auto& d = f.messages.at(3).internal_date;
        REQUIRE(d.has_value());
        const auto instant = std::chrono::sys_days{std::chrono::year{1996} / 7 / 17} + 9h + 44min + 25s;
        CHECK(d->utc == instant);
        CHECK(d->offset == (normalise ? local_offset_at(instant) : -420min));
        CHECK(f.messages.at(3).internal_date_raw == "17-Jul-1996 02:44:25 -0700");
        co_await c.logout();
    });
}
