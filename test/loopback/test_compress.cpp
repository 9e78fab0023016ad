// COMPRESS=DEFLATE (RFC 4978) against scripted servers that compress with
// zlib exactly as a server does: refusals, data in the OK's packet, garbage
// and bombs after the OK. (Dovecot and Cyrus: test/live/test_compress.cpp.)
#include "fake_server.hpp"
#include "harness.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <zlib.h>

#include <set>
#include <stdexcept>

namespace asio = boost::asio;
using imapclient::client;
using imapclient::errc;
using namespace std::chrono_literals;

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

// The server's end of a compressed connection, over a scripted connection:
// what it sends is deflated (one sync flush per send, as Dovecot does), what
// it reads is inflated.
class zpeer {
public:
    explicit zpeer(test::fake_connection& c) : c_(c) {
        if (deflateInit2(&out_, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK ||
            inflateInit2(&in_, -15) != Z_OK)
            throw std::runtime_error("zlib init failed");
    }
    ~zpeer() {
        deflateEnd(&out_);
        inflateEnd(&in_);
    }
    std::string deflate(std::string_view s) {
        std::string out;
        out_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(s.data()));
        out_.avail_in = static_cast<uInt>(s.size());
        do {
            char buf[4096];
            out_.next_out = reinterpret_cast<Bytef*>(buf);
            out_.avail_out = sizeof buf;
            ::deflate(&out_, Z_SYNC_FLUSH);
            out.append(buf, sizeof buf - out_.avail_out);
        } while (out_.avail_out == 0);
        return out;
    }
    void send(std::string_view s) { c_.send(deflate(s)); }
    // Decoded bytes from the client, a compressed byte at a time: each of
    // the client's writes is flushed, so a command never waits for the next.
    std::string read_exact(std::size_t n) {
        while (plain_.size() < n) pull();
        std::string out = plain_.substr(0, n);
        plain_.erase(0, n);
        return out;
    }
    std::string read_line() {
        for (;;) {
            if (auto e = plain_.find("\r\n"); e != std::string::npos) {
                std::string line = plain_.substr(0, e);
                plain_.erase(0, e + 2);
                return line;
            }
            pull();
        }
    }
    std::string expect(std::string_view command) {
        const std::string line = read_line();
        const auto sp = line.find(' ');
        if (sp == std::string::npos || line.compare(sp + 1, command.size(), command) != 0)
            throw std::runtime_error("expected compressed " + std::string(command) + ", got: " + line);
        return line.substr(0, sp);
    }
    std::size_t compressed_in() const { return in_.total_in; }

private:
    void pull() {
        std::string b = c_.read_bytes(1);
        in_.next_in = reinterpret_cast<Bytef*>(b.data());
        in_.avail_in = 1;
        while (in_.avail_in > 0) {
            char buf[4096];
            in_.next_out = reinterpret_cast<Bytef*>(buf);
            in_.avail_out = sizeof buf;
            const int rc = ::inflate(&in_, Z_SYNC_FLUSH);
            if (rc != Z_OK && rc != Z_BUF_ERROR) throw std::runtime_error("client sent corrupt DEFLATE data");
            plain_.append(buf, sizeof buf - in_.avail_out);
        }
    }
    test::fake_connection& c_;
    z_stream out_{};
    z_stream in_{};
    std::string plain_;
};

void greet_and_login(test::fake_connection& c, const std::string& caps = "IMAP4rev1 COMPRESS=DEFLATE") {
    c.send("* OK [CAPABILITY " + caps + "] ready\r\n");
    const auto t = c.expect("LOGIN");
    c.send(t + " OK [CAPABILITY " + caps + "] logged in\r\n");
}

asio::awaitable<void> connect_and_login(client& c) {
    co_await c.connect();
    co_await c.login("alice", "alicepass");
}

bool is_alert(const imapclient::event& e, std::string_view text) {
    auto* r = std::get_if<imapclient::response>(&e);
    auto* s = r ? std::get_if<imapclient::status_response>(r) : nullptr;
    return s && s->code && s->code->name == "ALERT" && s->text == text;
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

TEST_CASE("compress: data in the OK's packet is decoded; then everything is compressed both ways",
          "[loopback][compress]") {
    const std::string body = header_like_text(200 * 1024);  // several inflate chunks
    std::size_t client_compressed = 0;
    test::fake_server server([&](test::fake_connection& c) {
        greet_and_login(c);
        const auto t = c.expect("COMPRESS DEFLATE");
        zpeer z(c);
        // The OK and the first compressed response in one packet.
        c.send(t + " OK DEFLATE active\r\n" + z.deflate("* OK [ALERT] compressed hello\r\n"));
        auto n = z.expect("NOOP");
        z.send("* OK [ALERT] second\r\n" + n + " OK noop done\r\n");
        auto s = z.expect("SELECT");
        z.send("* 1 EXISTS\r\n* OK [UIDVALIDITY 7] v\r\n* OK [UIDNEXT 6] n\r\n" + s + " OK [READ-WRITE] selected\r\n");
        auto f = z.expect("UID FETCH 5 (BODY.PEEK[])");
        z.send("* 1 FETCH (UID 5 BODY[] {" + std::to_string(body.size()) + "}\r\n" + body + ")\r\n" + f +
               " OK fetched\r\n");
        // APPEND: the literal comes compressed too (LITERAL+ not offered: the
        // client waits for "+").
        auto line = z.read_line();
        const auto a = line.substr(0, line.find(' '));
        if (line.find("APPEND") == std::string::npos) throw std::runtime_error("expected APPEND, got " + line);
        const auto size = std::stoul(line.substr(line.rfind('{') + 1));
        z.send("+ go\r\n");
        if (z.read_exact(size) != test::make_message("zipped", body.substr(0, 5000)))
            throw std::runtime_error("APPEND literal differs");
        if (!z.read_line().empty()) throw std::runtime_error("APPEND line not ended");
        z.send(a + " OK appended\r\n");
        auto l = z.expect("LOGOUT");
        z.send("* BYE bye\r\n" + l + " OK done\r\n");
        client_compressed = z.compressed_in();
    });
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, test::scripted_options(server));
        co_await connect_and_login(c);
        CHECK_FALSE(c.is_compressed());
        auto r = co_await c.compress();
        CHECK(r.status.status == imapclient::status_kind::ok);
        CHECK(c.is_compressed());
        auto ev = co_await test::next_event_within(c, 2s);
        REQUIRE(ev);
        CHECK(is_alert(*ev, "compressed hello"));
        // A second COMPRESS is refused before anything is sent.
        auto [ec2, r2] = co_await c.compress(tuple_awaitable);
        CHECK(ec2 == errc::illegal_state);
        co_await c.noop();
        auto ev2 = co_await test::next_event_within(c, 2s);
        REQUIRE(ev2);
        CHECK(is_alert(*ev2, "second"));
        auto sel = co_await c.select_folder("INBOX");
        CHECK(sel.exists == 1);
        imapclient::sequence_set five(5u);
        std::vector<std::string> items{"BODY.PEEK[]"};
        auto got = co_await c.fetch(five, items);
        REQUIRE(got.messages.count(5) == 1);
        auto* sec = got.messages[5].section("BODY[]");
        REQUIRE(sec);
        CHECK(sec->data == body);
        co_await c.append("INBOX", test::make_message("zipped", body.substr(0, 5000)));
        co_await c.logout();
    });
    CHECK(server.finish().empty());
    // The client's commands and the 5 KB message went compressed.
    CHECK(client_compressed > 0);
    CHECK(client_compressed < 5000);
}

TEST_CASE("compress: NO or BAD leaves the connection uncompressed and usable", "[loopback][compress]") {
    const std::string answer = GENERATE(std::string("NO [COMPRESSIONACTIVE] TLS compression is on"),
                                        std::string("BAD unknown mechanism"));
    test::fake_server server([&](test::fake_connection& c) {
        greet_and_login(c);
        const auto t = c.expect("COMPRESS DEFLATE");
        c.send(t + " " + answer + "\r\n");
        const auto n = c.expect("NOOP");  // in clear text
        c.send("* OK [ALERT] clear\r\n" + n + " OK noop\r\n");
        const auto l = c.expect("LOGOUT");
        c.send("* BYE bye\r\n" + l + " OK done\r\n");
    });
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, test::scripted_options(server));
        co_await connect_and_login(c);
        auto [ec, r] = co_await c.compress(tuple_awaitable);
        CHECK((ec == errc::no || ec == errc::bad));
        CHECK_FALSE(imapclient::is_abort(ec));
        CHECK_FALSE(c.is_compressed());
        co_await c.noop();
        auto ev = co_await test::next_event_within(c, 2s);
        REQUIRE(ev);
        CHECK(is_alert(*ev, "clear"));
        co_await c.logout();
    });
    CHECK(server.finish().empty());
}

TEST_CASE("compress: refused without COMPRESS=DEFLATE or before login, nothing sent", "[loopback][compress]") {
    test::fake_server server([&](test::fake_connection& c) {
        c.send("* OK [CAPABILITY IMAP4rev1 COMPRESS=DEFLATE] ready\r\n");
        // The compress() before login sends nothing: LOGIN comes first.
        const auto t = c.expect("LOGIN");
        c.send(t + " OK [CAPABILITY IMAP4rev1] logged in, no COMPRESS now\r\n");
        const auto l = c.expect("LOGOUT");
        c.send("* BYE bye\r\n" + l + " OK done\r\n");
    });
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, test::scripted_options(server));
        auto [ec0, r0] = co_await c.compress(tuple_awaitable);
        CHECK(ec0 == errc::not_connected);
        co_await c.connect();
        auto [ec1, r1] = co_await c.compress(tuple_awaitable);
        CHECK(ec1 == errc::illegal_state);
        co_await c.login("alice", "alicepass");
        auto [ec2, r2] = co_await c.compress(tuple_awaitable);
        CHECK(ec2 == errc::capability_missing);
        CHECK_FALSE(c.is_compressed());
        co_await c.logout();
    });
    CHECK(server.finish().empty());
}

TEST_CASE("compress: garbage after the OK closes the connection; every pending call completes",
          "[loopback][compress]") {
    struct garbage_case {
        const char* name;
        std::string bytes;
    };
    auto g = GENERATE(garbage_case{"reserved block type", std::string("\x07\xff\xfe junk", 8)},
                      garbage_case{"bad dynamic header", std::string("\xfd\xff\xff\xff\xff\xff", 6)},
                      garbage_case{"stored block length mismatch", std::string("\x00\x05\x00\x00\x00hello", 10)},
                      garbage_case{"clear text (a server that did not compress)", "* OK not compressed\r\n"});
    INFO(g.name);
    test::fake_server server([&](test::fake_connection& c) {
        greet_and_login(c);
        const auto t = c.expect("COMPRESS DEFLATE");
        c.send(t + " OK DEFLATE active\r\n" + g.bytes);
        if (!c.closed_within(5s)) throw std::runtime_error("the client did not close the connection");
    });
    test::run([&]() -> asio::awaitable<void> {
        using namespace asio::experimental::awaitable_operators;
        client c(co_await asio::this_coro::executor, test::scripted_options(server));
        co_await connect_and_login(c);
        // The NOOP is issued while COMPRESS is on the wire: it waits for it,
        // then meets the broken stream.
        auto both = co_await (c.compress(tuple_awaitable) && c.noop(tuple_awaitable));
        // Boost 1.81's && gives (ec, result, (ec, result)).
        auto& [zec, zr, noop_result] = both;
        auto& [nec, nr] = noop_result;
        CHECK_FALSE(zec);  // the OK itself was fine
        CHECK(nec == errc::framing_error);
        bool closed = false;
        for (int i = 0; i < 5 && !closed; ++i) {
            auto ev = co_await test::next_event_within(c, 2s);
            if (!ev) break;
            if (auto* cc = std::get_if<imapclient::connection_closed>(&*ev)) {
                closed = true;
                CHECK(cc->ec == errc::framing_error);
                CHECK_THAT(cc->detail, Catch::Contains("corrupt compressed data"));
            }
        }
        CHECK(closed);
        auto [ec3, r3] = co_await c.noop(tuple_awaitable);
        CHECK(ec3 == errc::not_connected);
    });
    CHECK(server.finish().empty());
}

TEST_CASE("compress: a zip bomb meets max_line, not memory", "[loopback][compress]") {
    test::fake_server server([&](test::fake_connection& c) {
        greet_and_login(c);
        const auto t = c.expect("COMPRESS DEFLATE");
        zpeer z(c);
        c.send(t + " OK DEFLATE active\r\n");
        // 32 MiB of one line, about 32 KiB compressed.
        std::string bomb = z.deflate("* OK ");
        const std::string block(1 << 20, 'A');
        for (int i = 0; i < 32; ++i) bomb += z.deflate(block);
        try {
            c.send(bomb);
        } catch (const std::exception&) {
            // The client may hang up before it has all of it: that is the point.
        }
        c.closed_within(5s);
    });
    test::run([&]() -> asio::awaitable<void> {
        auto o = test::scripted_options(server);
        o.max_line = 64 * 1024;
        client c(co_await asio::this_coro::executor, o);
        co_await connect_and_login(c);
        // The NOOP waits behind COMPRESS, so it is pending when the bomb comes.
        using namespace asio::experimental::awaitable_operators;
        auto both = co_await (c.compress(tuple_awaitable) && c.noop(tuple_awaitable));
        auto& [zec, zr, noop_result] = both;
        auto& [ec, r] = noop_result;
        CHECK_FALSE(zec);
        CHECK(ec == errc::framing_error);
        CHECK_THAT(r.status.text, Catch::Contains("max_line"));
    });
    CHECK(server.finish().empty());
}

TEST_CASE("compress: client_options::compress turns it on after login when offered", "[loopback][compress]") {
    const bool offered = GENERATE(true, false);
    test::fake_server server([&](test::fake_connection& c) {
        greet_and_login(c, offered ? "IMAP4rev1 COMPRESS=DEFLATE" : "IMAP4rev1");
        if (offered) {
            const auto t = c.expect("COMPRESS DEFLATE");
            c.send(t + " OK DEFLATE active\r\n");
            zpeer z(c);
            const auto n = z.expect("NOOP");
            z.send(n + " OK noop\r\n");
        } else {
            const auto n = c.expect("NOOP");
            c.send(n + " OK noop\r\n");
        }
    });
    test::run([&]() -> asio::awaitable<void> {
        auto o = test::scripted_options(server);
        o.compress = true;
        client c(co_await asio::this_coro::executor, o);
        co_await connect_and_login(c);
        CHECK(c.is_compressed() == offered);
        co_await c.noop();
        c.shutdown();
    });
    CHECK(server.finish().empty());
}
