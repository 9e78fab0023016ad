// The client against a real Dovecot started by scripts/test.sh.
#include "harness.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <set>

#include <unistd.h>

using namespace std::chrono_literals;
using imapclient::client;
namespace asio = boost::asio;

namespace {

// GCC 12 cannot take braced lists of string literals inside co_await
// expressions, so item lists are named here.
const std::vector<std::string> flags_and_size{"FLAGS", "RFC822.SIZE"};
const std::vector<std::string> body_item{"BODY.PEEK[]"};
const std::vector<std::string> envelope_items{"ENVELOPE", "BODYSTRUCTURE", "INTERNALDATE", "FLAGS"};

asio::awaitable<void> login_plain(client& c) {
    co_await c.connect();
    co_await c.login("alice", "alicepass");
}

asio::awaitable<std::string> create_folder(client& c) {
    std::string name = test::unique_name("it");
    co_await c.raw_command("CREATE " + name);
    co_return name;
}

}  // namespace

TEST_CASE("plain connection: login, select, search, fetch, logout", "[live][dovecot]") {
    auto env = test::dovecot();
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, test::plain_options(env));
        auto info = co_await c.connect();
        CHECK_FALSE(info.tls);
        CHECK_FALSE(info.capabilities.empty());
        CHECK(c.has_capability("IMAP4rev1"));
        auto login = co_await c.login("alice", "alicepass");
        CHECK(login.status.status == imapclient::status_kind::ok);
        CHECK(c.has_capability("IDLE"));  // post-login capabilities

        std::string folder = co_await create_folder(c);
        for (int i = 1; i <= 3; ++i)
            co_await c.append(folder, test::make_message("hello " + std::to_string(i), "body " + std::to_string(i)));
        auto sel = co_await c.select_folder(folder);
        CHECK(sel.exists == 3);
        CHECK(sel.uid_validity.has_value());
        CHECK(sel.uid_next.value_or(0) == 4);
        CHECK_FALSE(sel.readonly);
        CHECK(std::find(sel.flags.begin(), sel.flags.end(), "\\Seen") != sel.flags.end());

        imapclient::search_criteria subject{"SUBJECT", "hello 2"};
        auto found = co_await c.search(subject);
        REQUIRE(found.ids == std::vector<std::uint32_t>{2});
        auto all = co_await c.search();
        CHECK(all.ids == std::vector<std::uint32_t>{1, 2, 3});

        auto msgs = co_await c.fetch(all.ids, flags_and_size);
        REQUIRE(msgs.messages.size() == 3);
        for (auto& [uid, m] : msgs.messages) {
            CHECK(m.uid == uid);
            CHECK(m.seq == uid);
            CHECK(m.size.value_or(0) > 100);
            CHECK(m.flags.has_value());
        }
        co_await c.logout();
        // After LOGOUT the connection is gone: a new command fails cleanly.
        auto [ec, r] = co_await c.noop(asio::as_tuple(asio::use_awaitable));
        CHECK(ec == imapclient::make_error_code(imapclient::errc::not_connected));
    });
}

TEST_CASE("operations as values: client::run(ops::X{...}) is the method of the same name", "[live][dovecot][operations]") {
    auto env = test::dovecot();
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, test::plain_options(env));
        imapclient::ops::connect connect;
        co_await c.run(connect);
        imapclient::ops::login login{.username = "alice", .password = "alicepass"};
        co_await c.run(login);
        std::string folder = co_await create_folder(c);
        imapclient::ops::append append{.folder = folder, .message = test::make_message("as a value", "body")};
        auto appended = co_await c.run(append);
        imapclient::ops::select_folder select{.folder = folder};
        auto sel = co_await c.run(select);
        CHECK(sel.exists == 1);
        imapclient::ops::fetch fetch{.messages = imapclient::sequence_set("1:*"), .items = flags_and_size};
        auto by_value = co_await c.run(fetch);
        auto by_method = co_await c.fetch(imapclient::sequence_set("1:*"), flags_and_size);
        REQUIRE(by_value.messages.size() == 1);
        CHECK(by_value.messages.begin()->second.size == by_method.messages.begin()->second.size);
        if (appended.uid) CHECK(by_value.messages.begin()->first == *appended.uid);
        // A refusal comes from the operation's preconditions, as for the method.
        imapclient::ops::move move{.messages = imapclient::sequence_set("1"), .folder = "INBOX"};
        imapclient::ops::close_folder close;
        co_await c.run(close);
        auto [ec, r] = co_await c.run(move, asio::as_tuple(asio::use_awaitable));
        CHECK(ec == make_error_code(imapclient::errc::illegal_state));
        CHECK(r.status.text == "no mailbox selected");
        co_await c.delete_folder(folder);
        imapclient::ops::logout logout;
        co_await c.run(logout);
    });
}

TEST_CASE("fetch: ENVELOPE, BODYSTRUCTURE, INTERNALDATE and sequence numbers without use_uid", "[live][dovecot]") {
    auto env = test::dovecot();
    test::run([&]() -> asio::awaitable<void> {
        auto o = test::plain_options(env);
        o.normalise_times = false;  // the offsets as the server sent them
        auto ex = co_await asio::this_coro::executor;
        client c(ex, o);
        co_await login_plain(c);
        std::string folder = co_await create_folder(c);
        imapclient::datetime when{std::chrono::sys_days{std::chrono::year{2020} / 3 / 4} + 5h + 6min + 7s, -300min};
        std::vector<std::string> flags{"\\Flagged", "$Custom"};
        auto app = co_await c.append(folder, test::make_message("envelope test", "x"), flags, when);
        CHECK(app.uid == 1u);  // UIDPLUS: APPENDUID
        CHECK(app.uid_validity.has_value());
        co_await c.select_folder(folder, true);
        CHECK(c.mailbox().readonly);
        c.set_use_uid(false);
        auto r = co_await c.fetch("1", envelope_items);
        REQUIRE(r.messages.count(1) == 1);
        const auto& m = r.messages.at(1);
        REQUIRE(m.envelope.has_value());
        CHECK(m.envelope->subject == "envelope test");
        REQUIRE(m.envelope->from.size() == 1);
        CHECK(m.envelope->from[0].email() == "tester@example.com");
        CHECK(m.envelope->from[0].name == "Tester");
        REQUIRE(m.envelope->date.has_value());
        CHECK(m.envelope->date->offset == -480min);
        REQUIRE(m.internal_date.has_value());
        // Dovecot keeps the instant, not the zone it was given in.
        CHECK(m.internal_date->utc == when.utc);
        REQUIRE(m.bodystructure.has_value());
        CHECK_FALSE(m.bodystructure->is_multipart());
        CHECK(imapclient::iequals(m.bodystructure->type, "text"));
        REQUIRE(m.flags.has_value());
        CHECK(std::count(m.flags->begin(), m.flags->end(), "$Custom") == 1);
        CHECK(std::count(m.flags->begin(), m.flags->end(), "\\Flagged") == 1);
    });
}

TEST_CASE("TLS and STARTTLS verify against the run's CA and refuse without it", "[live][dovecot][tls]") {
    auto env = test::dovecot();
    test::run([&]() -> asio::awaitable<void> {
        auto ex = co_await asio::this_coro::executor;
        auto ctx = imapclient::create_default_context(env.ca);

        imapclient::client_options tls;
        tls.host = "localhost";
        tls.port = env.tls_port;
        tls.ssl_context = ctx;
        client a(ex, tls);
        auto info = co_await a.connect();
        CHECK(info.tls);
        co_await a.login("alice", "alicepass");  // no consent needed over TLS
        co_await a.logout();

        imapclient::client_options st = tls;
        st.port = env.port;
        st.security = imapclient::security::starttls;
        client b(ex, st);
        auto binfo = co_await b.connect();
        CHECK(binfo.tls);
        CHECK_FALSE(b.has_capability("STARTTLS"));  // re-read over TLS
        co_await b.login("alice", "alicepass");
        co_await b.logout();

        // The system trust store does not know the throwaway CA.
        imapclient::client_options untrusted = tls;
        untrusted.ssl_context = nullptr;
        client d(ex, untrusted);
        auto [ec, r] = co_await d.connect(asio::as_tuple(asio::use_awaitable));
        CHECK(ec);
        CHECK(ec.message().find("certificate verify failed") != std::string::npos);

        // The certificate names localhost, not this name.
        imapclient::client_options wrong_name = tls;
        wrong_name.host = "127.0.0.2";
        client w(ex, wrong_name);
        auto [ec2, r2] = co_await w.connect(asio::as_tuple(asio::use_awaitable));
        CHECK(ec2);
    });
}

TEST_CASE("clear-text LOGIN needs explicit consent", "[live][dovecot][security]") {
    auto env = test::dovecot();
    test::run([&]() -> asio::awaitable<void> {
        auto o = test::plain_options(env);
        o.allow_plaintext_login = false;
        client c(co_await asio::this_coro::executor, o);
        co_await c.connect();
        CHECK_THROWS_AS(co_await c.login("alice", "alicepass"), imapclient::login_error);
        auto [ec, r] = co_await c.login("alice", "alicepass", asio::as_tuple(asio::use_awaitable));
        CHECK(ec == imapclient::make_error_code(imapclient::errc::plaintext_login_refused));
    });
}

TEST_CASE("wrong password is a login_error with the server's text", "[live][dovecot]") {
    auto env = test::dovecot();
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, test::plain_options(env));
        co_await c.connect();
        try {
            co_await c.login("alice", "wrong");
            FAIL("login succeeded");
        } catch (const imapclient::login_error& e) {
            CHECK(e.code() == imapclient::make_error_code(imapclient::errc::login_failed));
            CHECK(e.reply().status == imapclient::status_kind::no);
            CHECK_FALSE(e.reply().text.empty());
        }
        // The connection is still usable after a NO.
        co_await c.login("alice", "alicepass");
    });
}

TEST_CASE("select of a missing folder throws error with NO, the connection stays usable", "[live][dovecot]") {
    auto env = test::dovecot();
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, test::plain_options(env));
        co_await login_plain(c);
        CHECK_THROWS_AS(co_await c.select_folder("does-not-exist-" + test::unique_name("x")), imapclient::error);
        CHECK_FALSE(c.mailbox().selected);
        auto [ec, r] = co_await c.search(imapclient::search_criteria("ALL"), {}, asio::as_tuple(asio::use_awaitable));
        CHECK(ec == imapclient::make_error_code(imapclient::errc::illegal_state));
        co_await c.select_folder("INBOX");
        co_await c.noop();
    });
}

TEST_CASE("200 concurrent coroutines each get exactly their own message over one connection",
          "[live][dovecot][pipelining]") {
    auto env = test::dovecot();
    test::run([&]() -> asio::awaitable<void> {
        auto ex = co_await asio::this_coro::executor;
        client c(ex, test::plain_options(env));
        co_await login_plain(c);
        std::string folder = co_await create_folder(c);
        constexpr int n = 200;
        // The appends themselves run concurrently (LITERAL+ pipelines them).
        std::vector<std::optional<std::uint32_t>> uid_of(n);
        int appended = 0;
        for (int i = 0; i < n; ++i)
            asio::co_spawn(ex, c.append(folder, test::make_message("m" + std::to_string(i), "payload-" + std::to_string(i))),
                           [&, i](std::exception_ptr e, imapclient::append_result r) {
                               if (!e) uid_of[i] = r.uid;
                               ++appended;
                           });
        while (appended < n) co_await test::sleep_for(10ms);
        std::set<std::uint32_t> uids;
        for (auto& u : uid_of) {
            REQUIRE(u.has_value());
            uids.insert(*u);
        }
        REQUIRE(uids.size() == n);

        co_await c.select_folder(folder, true);
        int done = 0, correct = 0;
        for (int i = 0; i < n; ++i) {
            const std::uint32_t uid = *uid_of[i];
            asio::co_spawn(ex, c.fetch(uid, body_item), [&, i, uid](std::exception_ptr e, imapclient::fetch_result r) {
                ++done;
                if (e || r.messages.size() != 1 || !r.messages.count(uid)) return;
                auto* body = r.messages.at(uid).section("BODY[]");
                if (body && body->data && body->data->find("payload-" + std::to_string(i) + "\r\n") != std::string::npos)
                    ++correct;
            });
        }
        while (done < n) co_await test::sleep_for(10ms);
        CHECK(correct == n);
    });
}

TEST_CASE("the event channel sees an APPEND made by a second connection", "[live][dovecot][events]") {
    auto env = test::dovecot();
    test::run([&]() -> asio::awaitable<void> {
        auto ex = co_await asio::this_coro::executor;
        client a(ex, test::plain_options(env));
        client b(ex, test::plain_options(env));
        co_await login_plain(a);
        co_await login_plain(b);
        std::string folder = co_await create_folder(a);
        auto sel = co_await a.select_folder(folder);
        CHECK(sel.exists == 0);
        co_await b.append(folder, test::make_message("from b", "hello"));
        // Dovecot reports the new message on the next command.
        co_await a.noop();
        bool saw_exists = false;
        for (int i = 0; i < 5 && !saw_exists; ++i) {
            auto ev = co_await test::next_event_within(a, 2s);
            if (!ev) break;
            if (auto* resp = std::get_if<imapclient::response>(&*ev))
                if (auto* e = std::get_if<imapclient::exists_data>(resp)) saw_exists = e->count == 1;
        }
        CHECK(saw_exists);
        CHECK(a.mailbox().exists == 1);
    });
}

TEST_CASE("stream mode talks IMAP over a child process's stdin/stdout", "[live][dovecot][stream]") {
    auto env = test::dovecot();
    test::run([&]() -> asio::awaitable<void> {
        imapclient::client_options o;
        // nc is not guaranteed; python3 is (the test servers need it).
        o.stream_command = {"python3", "-c",
                            "import socket,sys,threading\n"
                            "s=socket.create_connection(('" + env.host + "'," + std::to_string(env.port) + "))\n"
                            "def up():\n"
                            "  while True:\n"
                            "    d=sys.stdin.buffer.read1(65536)\n"
                            "    if not d: break\n"
                            "    s.sendall(d)\n"
                            "threading.Thread(target=up,daemon=True).start()\n"
                            "while True:\n"
                            "  d=s.recv(65536)\n"
                            "  if not d: break\n"
                            "  sys.stdout.buffer.write(d); sys.stdout.buffer.flush()\n"};
        o.allow_plaintext_login = true;
        client c(co_await asio::this_coro::executor, o);
        auto info = co_await c.connect();
        CHECK_FALSE(info.tls);
        co_await c.login("alice", "alicepass");
        auto sel = co_await c.select_folder("INBOX", true);
        CHECK(sel.uid_validity.has_value());
        co_await c.logout();
    });
}

TEST_CASE("idle / idle_check / idle_done see another connection's APPEND", "[live][dovecot][idle]") {
    auto env = test::dovecot();
    test::run([&]() -> asio::awaitable<void> {
        auto ex = co_await asio::this_coro::executor;
        client a(ex, test::plain_options(env));
        client b(ex, test::plain_options(env));
        co_await login_plain(a);
        co_await login_plain(b);
        std::string folder = co_await create_folder(a);
        co_await a.select_folder(folder);
        co_await a.idle();
        auto quiet = co_await a.idle_check(200ms);
        CHECK(quiet.events.empty());
        co_await b.append(folder, test::make_message("while idling", "x"));
        bool saw_exists = false;
        for (int i = 0; i < 10 && !saw_exists; ++i) {
            auto r = co_await a.idle_check(1s);
            for (auto& e : r.events)
                if (auto* resp = std::get_if<imapclient::response>(&e))
                    if (auto* x = std::get_if<imapclient::exists_data>(resp)) saw_exists = x->count == 1;
        }
        CHECK(saw_exists);
        auto done = co_await a.idle_done();
        CHECK(done.status.status == imapclient::status_kind::ok);
        // The connection goes on normally after IDLE.
        const std::vector<std::string> flags{"FLAGS"};
        auto f = co_await a.fetch("1:*", flags);
        CHECK(f.messages.size() == 1);
    });
}

TEST_CASE("a command issued during IDLE ends it, runs, and idle_done just reports", "[live][dovecot][idle]") {
    auto env = test::dovecot();
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, test::plain_options(env));
        co_await login_plain(c);
        co_await c.select_folder("INBOX");
        co_await c.idle();
        auto noop = co_await c.noop();  // DONE is sent first, then NOOP
        CHECK(noop.status.status == imapclient::status_kind::ok);
        auto done = co_await c.idle_done();
        CHECK(done.status.status == imapclient::status_kind::ok);
        CHECK_THROWS_AS(co_await c.idle_done(), imapclient::illegal_state_error);
    });
}

TEST_CASE("listen: pushes another connection's APPEND, serves commands meanwhile, ends cleanly when cancelled",
          "[live][dovecot][listen]") {
    auto env = test::dovecot();
    test::run([&]() -> asio::awaitable<void> {
        using namespace asio::experimental::awaitable_operators;
        auto ex = co_await asio::this_coro::executor;
        client a(ex, test::plain_options(env));
        client b(ex, test::plain_options(env));
        co_await login_plain(a);
        co_await login_plain(b);
        std::string folder = co_await create_folder(a);
        co_await a.select_folder(folder);

        asio::cancellation_signal stop;
        std::optional<imapclient::error_code> listen_ec;
        asio::co_spawn(ex, a.listen({}, asio::as_tuple(asio::use_awaitable)),
                       asio::bind_cancellation_slot(stop.slot(), [&](std::exception_ptr, std::tuple<imapclient::error_code, imapclient::command_result> r) {
                           listen_ec = std::get<0>(r);
                       }));
        co_await test::sleep_for(200ms);
        co_await b.append(folder, test::make_message("pushed", "x"));
        bool saw_exists = false;
        for (int i = 0; i < 10 && !saw_exists; ++i) {
            auto ev = co_await test::next_event_within(a, 1s);
            if (!ev) continue;
            if (auto* resp = std::get_if<imapclient::response>(&*ev))
                if (auto* e = std::get_if<imapclient::exists_data>(resp)) saw_exists = e->count == 1;
        }
        CHECK(saw_exists);
        // A command from another coroutine while listening: IDLE steps aside.
        const std::vector<std::string> env_items{"ENVELOPE"};
        auto f = co_await a.fetch("1:*", env_items);
        REQUIRE(f.messages.size() == 1);
        CHECK(f.messages.begin()->second.envelope->subject == "pushed");
        // Still listening afterwards: a second append is pushed too.
        co_await b.append(folder, test::make_message("pushed again", "y"));
        saw_exists = false;
        for (int i = 0; i < 10 && !saw_exists; ++i) {
            auto ev = co_await test::next_event_within(a, 1s);
            if (!ev) continue;
            if (auto* resp = std::get_if<imapclient::response>(&*ev))
                if (auto* e = std::get_if<imapclient::exists_data>(resp)) saw_exists = e->count == 2;
        }
        CHECK(saw_exists);
        stop.emit(asio::cancellation_type::terminal);
        for (int i = 0; i < 300 && !listen_ec; ++i) co_await test::sleep_for(10ms);
        REQUIRE(listen_ec.has_value());
        CHECK(*listen_ec == asio::error::operation_aborted);
        co_await a.noop();  // IDLE ended cleanly: the connection is fine
    });
}

TEST_CASE("the new_mail_listener sample prints a message appended while it listens", "[live][dovecot][sample]") {
    auto env = test::dovecot();
    const std::string out_file = "/tmp/imapclient-listener-" + std::to_string(::getpid()) + ".out";
    const std::string cmd = std::string(BUILD_ROOT) + "/samples/new_mail_listener " + env.host + " " +
                            std::to_string(env.port) + " dave davepass --plain --seconds 4 > " + out_file + " 2>&1 &";
    REQUIRE(std::system(cmd.c_str()) == 0);
    test::run([&]() -> asio::awaitable<void> {
        co_await test::sleep_for(1500ms);  // the sample connects and starts IDLE
        client b(co_await asio::this_coro::executor, test::plain_options(env));
        co_await b.connect();
        co_await b.login("dave", "davepass");
        co_await b.append("INBOX", test::make_message("sample-check-subject", "x"));
        co_await test::sleep_for(3500ms);  // the sample exits after 4 s
    });
    std::ifstream in(out_file);
    std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::remove(out_file.c_str());
    CHECK(all.find("listening on INBOX") != std::string::npos);
    CHECK(all.find("from Tester <tester@example.com>: sample-check-subject") != std::string::npos);
}
