// Mailbox methods against a scripted server, for what Dovecot and Cyrus do
// the same way (both have UNSELECT and SPECIAL-USE, neither lets a plain
// user set quotas): the UNSELECT fallback, find_special_folder's steps, the
// capabilities the methods need, set_quota over several roots. (The same
// methods against Dovecot and Cyrus: test/live/test_mailboxes.cpp.)
#include "fake_server.hpp"
#include "harness.hpp"

using namespace std::chrono_literals;
using imapclient::client;
using imapclient::errc;
using imapclient::make_error_code;
namespace asio = boost::asio;

namespace {

asio::awaitable<void> login(client& c, const char* user = "alice", const char* password = "alicepass") {
    co_await c.connect();
    co_await c.login(user, password);
}

imapclient::client_options fake_options(const test::fake_server& s, bool encode = true) {
    auto o = test::scripted_options(s);
    o.folder_encode = encode;
    return o;
}

void serve_login(test::fake_connection& c, std::string caps) {
    c.send("* OK [CAPABILITY IMAP4rev1] fake ready\r\n");
    auto t = c.expect("LOGIN");
    c.send(t + " OK [CAPABILITY " + caps + "] logged in\r\n");
}

}  // namespace

TEST_CASE("mailboxes (scripted): unselect without UNSELECT examines an impossible name", "[loopback][mailboxes]") {
    const bool server_says_ok = GENERATE(false, true);
    test::fake_server server([server_says_ok](test::fake_connection& c) {
        serve_login(c, "IMAP4rev1 LITERAL+");
        auto t = c.expect("SELECT INBOX");
        c.send("* 2 EXISTS\r\n" + t + " OK [READ-WRITE] selected\r\n");
        t = c.expect("EXAMINE imapclient-unselect-");
        if (server_says_ok) {
            // The name exists after all: CLOSE (read-only: no expunge) follows.
            c.send("* 0 EXISTS\r\n" + t + " OK [READ-ONLY] examined\r\n");
            t = c.expect("CLOSE");
            c.send(t + " OK closed\r\n");
        } else {
            c.send(t + " NO Mailbox doesn't exist\r\n");
        }
        t = c.expect("NOOP");
        c.send(t + " OK\r\n");
    });
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, fake_options(server));
        co_await login(c, "u", "p");
        co_await c.select_folder("INBOX");
        REQUIRE(c.mailbox().selected);
        auto r = co_await c.unselect_folder();
        CHECK(r.status.text == (server_says_ok ? "closed" : "Mailbox doesn't exist"));
        CHECK_FALSE(c.mailbox().selected);
        // Nothing is selected: selected-state commands are refused locally.
        auto [ec, s] = co_await c.search("ALL", {}, asio::as_tuple(asio::use_awaitable));
        CHECK(ec == make_error_code(errc::illegal_state));
        co_await c.noop();
    });
    CHECK(server.finish() == "");
}

TEST_CASE("mailboxes (scripted): find_special_folder by RETURN (SPECIAL-USE), XLIST, then common names",
          "[loopback][mailboxes]") {
    SECTION("SPECIAL-USE and LIST-EXTENDED: asked for explicitly") {
        test::fake_server server([](test::fake_connection& c) {
            serve_login(c, "IMAP4rev1 SPECIAL-USE LIST-EXTENDED");
            auto t = c.expect("LIST \"\" \"*\" RETURN (SPECIAL-USE)");
            c.send("* LIST () \"/\" INBOX\r\n* LIST (\\Sent) \"/\" \"Gesendete Objekte\"\r\n" + t + " OK\r\n");
        });
        test::run([&]() -> asio::awaitable<void> {
            client c(co_await asio::this_coro::executor, fake_options(server));
            co_await login(c, "u", "p");
            {
                auto sent_by_special_use = co_await c.find_special_folder("\\Sent");
                CHECK(sent_by_special_use == std::optional<std::string>("Gesendete Objekte"));
            }
        });
        CHECK(server.finish() == "");
    }
    SECTION("XLIST when LIST has no attributes") {
        test::fake_server server([](test::fake_connection& c) {
            serve_login(c, "IMAP4rev1 XLIST");
            auto t = c.expect("LIST \"\" \"*\"");
            c.send("* LIST () \"/\" INBOX\r\n* LIST () \"/\" \"[Gmail]/Sent Mail\"\r\n" + t + " OK\r\n");
            t = c.expect("XLIST \"\" \"*\"");
            c.send("* XLIST (\\Inbox) \"/\" Inbox\r\n* XLIST (\\HasNoChildren \\Sent) \"/\" \"[Gmail]/Sent Mail\"\r\n" +
                   t + " OK\r\n");
        });
        test::run([&]() -> asio::awaitable<void> {
            client c(co_await asio::this_coro::executor, fake_options(server));
            co_await login(c, "u", "p");
            {
                auto sent_by_xlist = co_await c.find_special_folder("\\Sent");
                CHECK(sent_by_xlist == std::optional<std::string>("[Gmail]/Sent Mail"));
            }
        });
        CHECK(server.finish() == "");
    }
    SECTION("common names under the personal namespace") {
        test::fake_server server([](test::fake_connection& c) {
            serve_login(c, "IMAP4rev1 NAMESPACE");
            for (int i = 0; i < 2; ++i) {
                auto t = c.expect("LIST \"\" \"*\"");
                c.send("* LIST () \".\" INBOX\r\n* LIST (\\Noselect) \".\" Trash\r\n"
                       "* LIST () \".\" \"INBOX.Sent Items\"\r\n* LIST () \".\" \"INBOX.Deleted Messages\"\r\n"
                       "* LIST () \".\" INBOX.Trash&AOk-\r\n" +
                       t + " OK\r\n");
                t = c.expect("NAMESPACE");
                c.send("* NAMESPACE ((\"INBOX.\" \".\")) NIL NIL\r\n" + t + " OK\r\n");
            }
        });
        test::run([&]() -> asio::awaitable<void> {
            client c(co_await asio::this_coro::executor, fake_options(server));
            co_await login(c, "u", "p");
            {
                auto sent_by_common_name = co_await c.find_special_folder("\\Sent");
                CHECK(sent_by_common_name == std::optional<std::string>("INBOX.Sent Items"));
            }
            // "Trash" itself is \Noselect and outside the namespace.
            auto trash = co_await c.find_special_folder("\\Trash");
            CHECK(trash == std::optional<std::string>("INBOX.Deleted Messages"));
        });
        CHECK(server.finish() == "");
    }
    SECTION("no NAMESPACE: Python IMAPClient's popular prefixes; nothing found is nullopt") {
        test::fake_server server([](test::fake_connection& c) {
            serve_login(c, "IMAP4rev1");
            for (int i = 0; i < 2; ++i) {
                auto t = c.expect("LIST \"\" \"*\"");
                c.send("* LIST () \"/\" INBOX\r\n* LIST () \"/\" spam\r\n" + t + " OK\r\n");
            }
        });
        test::run([&]() -> asio::awaitable<void> {
            client c(co_await asio::this_coro::executor, fake_options(server));
            co_await login(c, "u", "p");
            {
                auto junk_by_prefix = co_await c.find_special_folder("\\Junk");
                CHECK(junk_by_prefix == std::optional<std::string>("spam"));
            }
            {
                auto drafts_folder = co_await c.find_special_folder("\\Drafts");
                CHECK_FALSE(drafts_folder);
            }
        });
        CHECK(server.finish() == "");
    }
}

TEST_CASE("mailboxes (scripted): capabilities the methods need", "[loopback][mailboxes]") {
    test::fake_server server([](test::fake_connection& c) {
        serve_login(c, "IMAP4rev1");
        auto t = c.expect("NOOP");  // nothing else reached the server
        c.send(t + " OK\r\n");
    });
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, fake_options(server));
        co_await login(c, "u", "p");
        auto missing = make_error_code(errc::capability_missing);
        {
            auto getacl_result = co_await c.getacl("INBOX", asio::as_tuple(asio::use_awaitable));
            CHECK(std::get<0>(getacl_result) == missing);
        }
        {
            auto setacl_result = co_await c.setacl("INBOX", "bob", "lr", asio::as_tuple(asio::use_awaitable));
            CHECK(std::get<0>(setacl_result) == missing);
        }
        {
            auto get_quota_result = co_await c.get_quota("INBOX", asio::as_tuple(asio::use_awaitable));
            CHECK(std::get<0>(get_quota_result) == missing);
        }
        {
            auto get_quota_root_result = co_await c.get_quota_root("INBOX", asio::as_tuple(asio::use_awaitable));
            CHECK(std::get<0>(get_quota_root_result) == missing);
        }
        {
            auto set_quota_result = co_await c.set_quota({}, asio::as_tuple(asio::use_awaitable));
            CHECK(std::get<0>(set_quota_result) == missing);
        }
        auto [ec, ns] = co_await c.namespace_(asio::as_tuple(asio::use_awaitable));
        CHECK(ec == missing);
        CHECK(ns.status.text == "the server does not offer NAMESPACE");
        // The default completion token throws the matching error.
        bool threw = false;
        try {
            co_await c.getacl("INBOX");
        } catch (const imapclient::error& e) {
            threw = e.code() == missing;
        }
        CHECK(threw);
        co_await c.noop();
    });
    CHECK(server.finish() == "");
}

TEST_CASE("mailboxes (scripted): set_quota sends one SETQUOTA per root", "[loopback][mailboxes]") {
    test::fake_server server([](test::fake_connection& c) {
        serve_login(c, "IMAP4rev1 QUOTA");
        auto t = c.expect("SETQUOTA r1 (STORAGE 100 MESSAGE 5)");
        c.send("* QUOTA r1 (STORAGE 1 100 MESSAGE 1 5)\r\n" + t + " OK\r\n");
        t = c.expect("SETQUOTA \"root two\" (STORAGE 7)");
        c.send(t + " OK\r\n");  // no QUOTA data: the client asks
        t = c.expect("GETQUOTA \"root two\"");
        c.send("* QUOTA \"root two\" (STORAGE 3 7)\r\n" + t + " OK\r\n");
        t = c.expect("SETQUOTA r3 (STORAGE 1)");
        c.send(t + " NO [OVERQUOTA] too small\r\n");
    });
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, fake_options(server));
        co_await login(c, "u", "p");
        std::vector<imapclient::quota> q = {
            {"r1", "STORAGE", 0, 100}, {"root two", "STORAGE", 0, 7}, {"r1", "MESSAGE", 0, 5}};
        auto r = co_await c.set_quota(q);
        REQUIRE(r.quotas.size() == 3);
        CHECK(r.quotas[0] == imapclient::quota{"r1", "STORAGE", 1, 100});
        CHECK(r.quotas[1] == imapclient::quota{"r1", "MESSAGE", 1, 5});
        CHECK(r.quotas[2] == imapclient::quota{"root two", "STORAGE", 3, 7});
        std::vector<imapclient::quota> bad = {{"r3", "STORAGE", 0, 1}};
        auto [ec, r3] = co_await c.set_quota(bad, asio::as_tuple(asio::use_awaitable));
        CHECK(ec == make_error_code(errc::no));
        CHECK(r3.status.text == "too small");
        REQUIRE(r3.status.code);
        CHECK(r3.status.code->name == "OVERQUOTA");
    });
    CHECK(server.finish() == "");
}

// No server here offers UTF8=ACCEPT (Dovecot 2.3, Cyrus 3.6): scripted.
TEST_CASE("mailboxes (scripted): after ENABLE UTF8=ACCEPT folder names travel as UTF-8 both ways",
          "[loopback][mailboxes]") {
    test::fake_server server([](test::fake_connection& c) {
        serve_login(c, "IMAP4rev1 LITERAL+ ENABLE UTF8=ACCEPT");
        // Before ENABLE: modified UTF-7 both ways.
        auto t = c.expect("LIST \"\" R&AOk-sum&AOk-");
        c.send("* LIST () \"/\" R&AOk-sum&AOk-\r\n" + t + " OK listed\r\n");
        t = c.expect("ENABLE UTF8=ACCEPT");
        c.send("* ENABLED UTF8=ACCEPT\r\n" + t + " OK enabled\r\n");
        // After: UTF-8 (an 8-bit name goes as a literal), and a name that
        // looks like modified UTF-7 comes back as sent.
        const std::string line = c.read_line();
        if (line.find(" CREATE {8+}") == std::string::npos) throw std::runtime_error("not a UTF-8 CREATE: " + line);
        if (c.read_bytes(8) != "R\xc3\xa9sum\xc3\xa9") throw std::runtime_error("the name is not UTF-8");
        c.read_line();  // the CRLF after the literal
        t = line.substr(0, line.find(' '));
        c.send(t + " OK created\r\n");
        t = c.expect("LIST \"\" \"*\"");  // a quoted pattern: the name is not encoded
        c.send("* LIST () \"/\" \"a&AOk-\"\r\n" + t + " OK listed\r\n");
    });
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, fake_options(server));
        co_await login(c, "u", "p");
        auto before = co_await c.list_folders("", "R\u00e9sum\u00e9");
        REQUIRE(before.folders.size() == 1);
        CHECK(before.folders[0].name == "R\u00e9sum\u00e9");
        const std::vector<std::string> utf8{"UTF8=ACCEPT"};
        auto enabled = co_await c.enable(utf8);
        CHECK(enabled.enabled == utf8);
        co_await c.create_folder("R\u00e9sum\u00e9");
        auto after = co_await c.list_folders("", "*");
        REQUIRE(after.folders.size() == 1);
        CHECK(after.folders[0].name == "a&AOk-");
    });
    CHECK(server.finish() == "");
}

TEST_CASE("mailboxes (scripted): under IMAP4rev2 the subscribed folders come from LIST (SUBSCRIBED)",
          "[loopback][mailboxes]") {
    test::fake_server server([](test::fake_connection& c) {
        serve_login(c, "IMAP4rev1 IMAP4rev2 LITERAL+ ENABLE");
        auto t = c.expect("ENABLE IMAP4rev2");
        c.send("* ENABLED IMAP4rev2\r\n" + t + " OK enabled\r\n");
        t = c.expect("LIST (SUBSCRIBED) \"\" \"*\"");
        c.send("* LIST (\\Subscribed) \"/\" INBOX\r\n* LIST (\\Subscribed \\NonExistent) \"/\" Gone\r\n" + t +
               " OK listed\r\n");
        t = c.expect("SELECT INBOX");
        c.send("* 3 EXISTS\r\n* OK [UIDVALIDITY 5] v\r\n" + t + " OK [READ-WRITE] selected\r\n");
        // rev2 answers SEARCH with ESEARCH, and sends no RECENT.
        t = c.expect("UID SEARCH UNSEEN");
        c.send("* ESEARCH (TAG \"" + t + "\") UID ALL 4:5,9\r\n" + t + " OK searched\r\n");
    });
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, fake_options(server));
        co_await login(c, "u", "p");
        const std::vector<std::string> rev2{"IMAP4rev2"};
        co_await c.enable(rev2);
        auto subscribed = co_await c.list_sub_folders();
        REQUIRE(subscribed.folders.size() == 2);
        CHECK(subscribed.folders[1].has_flag("\\NonExistent"));
        auto selected = co_await c.select_folder("INBOX");
        CHECK(selected.recent == 0u);
        auto found = co_await c.search("UNSEEN");
        CHECK(found.ids == std::vector<std::uint32_t>{4, 5, 9});
    });
    CHECK(server.finish() == "");
}
