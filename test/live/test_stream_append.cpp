// Streamed APPEND against Dovecot: a 20 MB file appended with
// stream_append() and fetched back byte for byte with an ordinary FETCH
// while another command runs on the connection; MULTIAPPEND of three
// files; a NUL-carrying message as a literal8 (BINARY); the same over
// COMPRESS=DEFLATE. (Scripted faults: test/loopback/test_stream_append.cpp.)
#include "harness.hpp"

#include <imapclient/body_stream.hpp>

#include <filesystem>
#include <fstream>
#include <random>

using namespace std::chrono_literals;
namespace asio = boost::asio;
using imapclient::client;

namespace {

const std::vector<std::string> no_flags;
const std::vector<std::string> flagged{"\\Flagged"};
const std::optional<imapclient::datetime> no_time;
const std::vector<std::string> body_item{"BODY.PEEK[]"};
const std::vector<std::string> binary_item{"BINARY.PEEK[]"};

// A message of about `n` bytes: headers, then CRLF lines of seeded random
// printable text (what Dovecot stores unchanged).
std::string big_message(const std::string& subject, std::size_t n, unsigned seed) {
    std::string s = "From: streamer@example.com\r\nTo: alice@example.com\r\nSubject: " + subject +
                    "\r\nMessage-ID: <" + subject + "@example.com>\r\n\r\n";
    std::mt19937 rng(seed);
    while (s.size() < n) {
        for (int i = 0; i < 76; ++i) s += static_cast<char>('!' + rng() % 94);
        s += "\r\n";
    }
    return s;
}

std::filesystem::path write_temp(const std::string& bytes, const std::string& name) {
    auto p = std::filesystem::temp_directory_path() /
             ("imapclient-live-" + std::to_string(::getpid()) + "-" + name + ".eml");
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
}

asio::awaitable<void> login(client& c) {
    co_await c.connect();
    co_await c.login("alice", "alicepass");
}

// BODY[] of one UID of the selected folder ("" when absent).
asio::awaitable<std::string> body_of(client& c, std::uint32_t uid) {
    imapclient::sequence_set one(uid);
    auto r = co_await c.fetch(one, body_item);
    auto it = r.messages.find(uid);
    if (it == r.messages.end()) co_return std::string();
    auto* sec = it->second.section("BODY[]");
    if (!sec || !sec->data) co_return std::string();
    co_return *sec->data;
}

}  // namespace

TEST_CASE("stream_append (Dovecot): a 20 MB file, fetched back identical; a NOOP meanwhile completes",
          "[live][dovecot][stream-append]") {
    const std::string msg = big_message("stream20", 20u << 20, 7);
    const auto path = write_temp(msg, "20mb");
    test::run([&]() -> asio::awaitable<void> {
        using namespace asio::experimental::awaitable_operators;
        client c(co_await asio::this_coro::executor, test::plain_options(test::dovecot()));
        co_await login(c);
        const std::string folder = test::unique_name("stream");
        co_await c.create_folder(folder);
        auto src = imapclient::file_source(path);
        REQUIRE(src->size() == msg.size());
        const auto before = c.metrics().bytes_written;
        auto later_noop = [&c]() -> asio::awaitable<std::tuple<imapclient::error_code, imapclient::command_result>> {
            co_await test::sleep_for(20ms);
            auto r = co_await c.noop(asio::as_tuple(asio::use_awaitable));
            co_return r;
        };
        auto both = co_await (c.stream_append(folder, src, flagged, no_time, false, asio::as_tuple(asio::use_awaitable)) &&
                              later_noop());
        // The first operand's (ec, result) come flattened; the second's as a tuple.
        auto& [aec, appended, nop] = both;
        CHECK_FALSE(aec);
        CHECK_FALSE(std::get<0>(nop));
        CHECK(c.metrics().bytes_written - before >= msg.size());
        REQUIRE(appended.uid);
        co_await c.select_folder(folder);
        const std::string back = co_await body_of(c, *appended.uid);
        CHECK(back.size() == msg.size());
        CHECK((back == msg));  // not printed: 20 MB
        co_await c.delete_folder(folder);
    }, std::chrono::seconds(120));
    std::filesystem::remove(path);
}

TEST_CASE("stream_multiappend (Dovecot): three files in one command, each fetched back identical",
          "[live][dovecot][stream-append]") {
    const std::vector<std::string> msgs{big_message("multi-a", 300, 1), big_message("multi-b", 700'000, 2),
                                        big_message("multi-c", 5000, 3)};
    std::vector<std::filesystem::path> paths;
    for (std::size_t i = 0; i < msgs.size(); ++i) paths.push_back(write_temp(msgs[i], "multi" + std::to_string(i)));
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, test::plain_options(test::dovecot()));
        co_await login(c);
        REQUIRE(c.has_capability("MULTIAPPEND"));
        const std::string folder = test::unique_name("smulti");
        co_await c.create_folder(folder);
        std::vector<client::stream_append_message> items(msgs.size());
        for (std::size_t i = 0; i < msgs.size(); ++i) items[i].message = imapclient::file_source(paths[i]);
        items[1].flags = flagged;
        auto r = co_await c.stream_multiappend(folder, items);
        REQUIRE(r.uids.size() == 3);
        auto sel = co_await c.select_folder(folder);
        CHECK(sel.exists == 3);
        for (std::size_t i = 0; i < msgs.size(); ++i) {
            const std::string back = co_await body_of(c, r.uids[i]);
            CHECK(back.size() == msgs[i].size());
            CHECK((back == msgs[i]));
        }
        co_await c.delete_folder(folder);
    });
    for (auto& p : paths) std::filesystem::remove(p);
}

TEST_CASE("stream_append (Dovecot): a message with NUL bytes as a literal8 when BINARY is offered",
          "[live][dovecot][stream-append]") {
    std::string msg = "From: a@example.com\r\nSubject: binary\r\nMIME-Version: 1.0\r\n"
                      "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n";
    for (int i = 0; i < 3000; ++i) msg += static_cast<char>(i % 256);
    msg += "\r\n";
    REQUIRE(msg.find('\0') != std::string::npos);
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, test::plain_options(test::dovecot()));
        co_await login(c);
        if (!c.has_capability("BINARY")) {
            WARN("Dovecot does not offer BINARY here: literal8 not tried");
            co_return;
        }
        const std::string folder = test::unique_name("sbin");
        co_await c.create_folder(folder);
        auto src = imapclient::string_source(msg);
        auto r = co_await c.stream_append(folder, src, no_flags, no_time, true);
        REQUIRE(r.uid);
        co_await c.select_folder(folder);
        // Dovecot stores it base64-encoded (RFC822.SIZE grows); BINARY[]
        // (a literal8 again) gives back the bytes sent.
        imapclient::sequence_set one(*r.uid);
        auto got = co_await c.fetch(one, binary_item);
        REQUIRE(got.messages.count(*r.uid) == 1);
        auto* sec = got.messages[*r.uid].section("BINARY[]");
        REQUIRE(sec);
        REQUIRE(sec->data);
        CHECK(sec->data->size() == msg.size());
        CHECK((*sec->data == msg));
        co_await c.delete_folder(folder);
    });
}

TEST_CASE("stream_append (Dovecot): over COMPRESS=DEFLATE, a 3 MB file fetched back identical",
          "[live][dovecot][compress][stream-append]") {
    const std::string msg = big_message("streamz", 3u << 20, 11);
    const auto path = write_temp(msg, "3mb");
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, test::plain_options(test::dovecot()));
        co_await login(c);
        REQUIRE(c.has_capability("COMPRESS=DEFLATE"));
        co_await c.compress();
        REQUIRE(c.is_compressed());
        const std::string folder = test::unique_name("sz");
        co_await c.create_folder(folder);
        auto src = imapclient::file_source(path);
        auto r = co_await c.stream_append(folder, src);
        REQUIRE(r.uid);
        co_await c.select_folder(folder);
        const std::string back = co_await body_of(c, *r.uid);
        CHECK(back.size() == msg.size());
        CHECK((back == msg));
        co_await c.delete_folder(folder);
    });
    std::filesystem::remove(path);
}
