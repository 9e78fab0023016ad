// COMPRESS=DEFLATE (RFC 4978) against Dovecot and Cyrus: compress() and
// client_options::compress, over plain TCP and implicit TLS. (Scripted
// servers that compress as a server does: test/loopback/test_compress.cpp.)
#include "harness.hpp"

#include <set>

namespace asio = boost::asio;
using imapclient::client;
using namespace std::chrono_literals;

namespace {

asio::awaitable<void> connect_and_login(client& c) {
    co_await c.connect();
    co_await c.login("alice", "alicepass");
}

// Text that compresses like mail headers do, but is not all one byte.
std::string header_like_text(std::size_t n) {
    std::string s;
    for (int i = 0; s.size() < n; ++i)
        s += "Received: from relay" + std::to_string(i % 97) + ".example.net (HELO mx) by imap.example.org; id " +
             std::to_string(i * 7919) + "\r\n";
    s.resize(n);
    return s;
}

}  // namespace

TEST_CASE("compress: Dovecot and Cyrus, select, fetch 20, append, IDLE after compress()", "[live][compress]") {
    auto kind = GENERATE(test::server_kind::dovecot, test::server_kind::cyrus);
    INFO(test::name_of(kind));
    auto srv = test::real_server(kind);
    test::run([&]() -> asio::awaitable<void> {
        client a(co_await asio::this_coro::executor, test::plain_options(srv));
        client b(co_await asio::this_coro::executor, test::plain_options(srv));
        co_await connect_and_login(a);
        co_await connect_and_login(b);
        // Both servers offer COMPRESS=DEFLATE once logged in (checked by
        // hand with CAPABILITY); a server that stopped would fail here.
        REQUIRE(a.has_capability("COMPRESS=DEFLATE"));
        auto z = co_await a.compress();
        CHECK(z.status.status == imapclient::status_kind::ok);
        REQUIRE(a.is_compressed());

        const std::string name = test::unique_name("zip");
        co_await a.create_folder(name);
        for (int i = 1; i <= 20; ++i)
            co_await a.append(name, test::make_message("zip" + std::to_string(i), header_like_text(300 + 97 * i)));
        auto sel = co_await a.select_folder(name);
        CHECK(sel.exists == 20);
        auto ids = co_await a.search("ALL");
        REQUIRE(ids.ids.size() == 20);
        std::vector<std::string> items{"BODY.PEEK[HEADER.FIELDS (SUBJECT)]", "BODY.PEEK[TEXT]", "RFC822.SIZE"};
        auto got = co_await a.fetch(ids.ids, items);
        REQUIRE(got.messages.size() == 20);
        std::set<std::string> subjects;
        for (auto& [id, m] : got.messages) {
            auto* h = m.section("BODY[HEADER.FIELDS (SUBJECT)]");
            REQUIRE(h);
            REQUIRE(h->data);
            subjects.insert(*h->data);
            auto* t = m.section("BODY[TEXT]");
            REQUIRE(t);
            REQUIRE(t->data);
            CHECK(t->data->size() > 300);
        }
        CHECK(subjects.size() == 20);
        CHECK(subjects.count("Subject: zip7\r\n\r\n") == 1);

        // IDLE on the compressed connection sees b's APPEND.
        co_await a.idle();
        co_await b.append(name, test::make_message("from b", "hello"));
        bool seen = false;
        for (int i = 0; i < 10 && !seen; ++i) {
            auto ev = co_await a.idle_check(1s);
            for (auto& e : ev.events)
                if (auto* r = std::get_if<imapclient::response>(&e))
                    if (auto* x = std::get_if<imapclient::exists_data>(r); x && x->count == 21) seen = true;
        }
        CHECK(seen);
        auto done = co_await a.idle_done();
        CHECK(done.status.status == imapclient::status_kind::ok);
        CHECK(a.mailbox().exists == 21);
        co_await a.close_folder();
        co_await a.delete_folder(name);
        co_await a.logout();
        co_await b.logout();
    });
}

TEST_CASE("compress: over implicit TLS, turned on by client_options::compress at login", "[live][compress]") {
    auto kind = GENERATE(test::server_kind::dovecot, test::server_kind::cyrus);
    INFO(test::name_of(kind));
    auto srv = test::real_server(kind);
    test::run([&]() -> asio::awaitable<void> {
        auto o = test::plain_options(srv);
        o.host = "localhost";  // the name in the test certificate
        o.port = srv.tls_port;
        o.security = imapclient::security::tls;
        o.allow_plaintext_login = false;
        o.ssl_context = imapclient::create_default_context(srv.ca);
        o.compress = true;
        client c(co_await asio::this_coro::executor, o);
        auto conn = co_await c.connect();
        CHECK(conn.tls);
        co_await c.login("alice", "alicepass");
        REQUIRE(c.is_compressed());
        const std::string name = test::unique_name("ziptls");
        co_await c.create_folder(name);
        const std::string text = header_like_text(50'000);
        co_await c.append(name, test::make_message("tls", text));
        co_await c.select_folder(name);
        imapclient::sequence_set all("1:*");
        std::vector<std::string> items{"BODY.PEEK[TEXT]"};
        auto got = co_await c.fetch(all, items);
        REQUIRE(got.messages.size() == 1);
        auto* t = got.messages.begin()->second.section("BODY[TEXT]");
        REQUIRE(t);
        CHECK(t->data == text + "\r\n");
        co_await c.close_folder();
        co_await c.delete_folder(name);
        co_await c.logout();
    });
}
