// Streamed FETCH and APPEND against Dovecot: a message bigger than
// max_literal goes in from a file and comes back byte-identical into a
// file, plain and BINARY, while the process's memory stays far below its
// size; three streams and small fetches share one connection,
// each getting exactly its own bytes; BINARY gives the decoded part.
// (Faults mid-stream: test/loopback/test_streaming.cpp.)
#include "harness.hpp"

#include <imapclient/body_stream.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include <sys/stat.h>
#include <unistd.h>

using namespace std::chrono_literals;
namespace asio = boost::asio;
using imapclient::client;

namespace {

const std::vector<std::string> flags_item{"FLAGS"};
const std::vector<std::string> subject_item{"BODY.PEEK[HEADER.FIELDS (SUBJECT)]"};

// FNV-1a over a file's bytes.
std::uint64_t checksum_of(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::vector<char> buf(1 << 20);
    std::uint64_t h = 1469598103934665603ull;
    while (in) {
        in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
        for (std::streamsize i = 0; i < in.gcount(); ++i) h = (h ^ static_cast<unsigned char>(buf[i])) * 1099511628211ull;
    }
    return h;
}

// The process's peak resident memory since the last reset, in bytes.
std::size_t peak_rss() {
    std::ifstream in("/proc/self/status");
    std::string key;
    std::size_t kb = 0;
    while (in >> key) {
        if (key == "VmHWM:") {
            in >> kb;
            break;
        }
        in.ignore(1 << 12, '\n');
    }
    return kb * 1024;
}
void reset_peak_rss() {
    std::ofstream("/proc/self/clear_refs") << "5";
}

// What deliver() wrote: Dovecot renames the file into cur/ when it takes it in.
struct delivered {
    std::uint64_t size = 0;
    std::uint64_t checksum = 0;
};

// Writes a message of about `size` bytes (CRLF lines, distinct content) to
// `path`.
delivered write_message(const std::filesystem::path& path, std::size_t size, const std::string& tag) {
    {
        std::ofstream out(path, std::ios::binary);
        out << "From: big@example.com\r\nTo: alice@example.com\r\nSubject: " << tag << "\r\n\r\n";
        // Lines formatted in place: no allocation per line (under ASan its
        // quarantine would keep hundreds of MB of them resident).
        char line[128];
        for (std::size_t i = 0, n = 0; n < size; ++i) {
            const int len = std::snprintf(line, sizeof line, "%s line %zu .........................................\r\n",
                                          tag.c_str(), i);
            out.write(line, len);
            n += static_cast<std::size_t>(len);
        }
    }
    return {std::filesystem::file_size(path), checksum_of(path)};
}

// write_message() into `copy`, and the same straight into a folder of the
// user's Maildir: Dovecot delivers it at the next SELECT, faster than an
// APPEND would.
delivered deliver(const test::server_env& env, const std::string& user, const std::string& folder, std::size_t size,
                  const std::string& tag, const std::filesystem::path& copy) {
    const std::filesystem::path dir = std::filesystem::path(env.dir) / "mail" / user / "Maildir" / ("." + folder) / "new";
    std::filesystem::create_directories(dir);
    const auto file = dir / (std::to_string(::time(nullptr)) + "." + tag + ".streamtest");
    const delivered written = write_message(copy, size, tag);
    std::filesystem::copy_file(copy, file);
    // The mail processes run as the mail owner, not as the test's user.
    std::ifstream owner(std::filesystem::path(env.dir) / "etc" / "mail-owner");
    std::string user_name, group;
    unsigned uid = 0, gid = 0;
    if (owner >> user_name >> group >> uid >> gid) {
        for (auto p = file; p != std::filesystem::path(env.dir) / "mail"; p = p.parent_path())
            if (::chown(p.c_str(), uid, gid) != 0 && ::geteuid() == 0) FAIL("chown " << p);
    }
    return written;
}

std::filesystem::path temp_file(const std::string& name) {
    return std::filesystem::temp_directory_path() / ("imapclient-" + name + "-" + std::to_string(::getpid()));
}

asio::awaitable<std::string> fresh_folder(client& c) {
    std::string name = test::unique_name("stream");
    co_await c.raw_command("CREATE " + name);
    co_return name;
}

imapclient::client_options options() {
    auto o = test::plain_options(test::dovecot());
    o.max_literal = 64u << 20;  // the default is 256 MiB: the message is bigger than either
    return o;
}

}  // namespace

TEST_CASE("stream_append + stream_fetch (Dovecot): a 300 MB file in and out again, plain and BINARY, byte-identical, "
          "in a few MB of memory",
          "[live][stream]") {
    const auto file = temp_file("big-in");
    const auto out = temp_file("big-out");
    const auto out_binary = temp_file("big-out-binary");
    const delivered sent = write_message(file, 300u << 20, "big");
    test::run(
        [&]() -> asio::awaitable<void> {
            client c(co_await asio::this_coro::executor, options());
            co_await c.connect();
            co_await c.login("carol", "carolpass");  // a quota of its own: 300 MB
            auto folder = co_await fresh_folder(c);
            reset_peak_rss();
            const std::size_t before = peak_rss();
            auto appended = co_await c.stream_append(folder, imapclient::file_source(file));
            co_await c.select_folder(folder);
            REQUIRE(appended.uid);
            auto got = co_await c.stream_fetch(*appended.uid, imapclient::file_sink(out));
            CHECK(got.bytes == sent.size);
            // BINARY[] of a message without a transfer encoding: the same bytes.
            imapclient::ops::stream_fetch binary;
            binary.message = *appended.uid;
            binary.sink = imapclient::file_sink(out_binary);
            binary.binary = true;
            auto got_binary = co_await c.run(std::move(binary));
            CHECK(got_binary.bytes == sent.size);
            const std::size_t grew = peak_rss() - before;
            // 300 MB went out and came back twice; each stream holds one
            // read's (or one write's) buffer.
            INFO("peak RSS " << before / 1024 << " KiB before, grew by " << grew / 1024 << " KiB");
            CHECK(grew < (32u << 20));
            WARN("peak RSS " << before / 1024 << " KiB before the append, grew by " << grew / 1024 << " KiB");
            co_await c.delete_folder(folder);
        },
        300s);
    CHECK(checksum_of(out) == sent.checksum);
    CHECK(checksum_of(out_binary) == sent.checksum);
    for (const auto& p : {file, out, out_binary}) std::filesystem::remove(p);
}

TEST_CASE("stream_fetch (Dovecot): three streams and small fetches on one connection, each its own bytes",
          "[live][stream]") {
    auto env = test::dovecot();
    test::run([&]() -> asio::awaitable<void> {
        using namespace asio::experimental::awaitable_operators;
        client c(co_await asio::this_coro::executor, options());
        co_await c.connect();
        co_await c.login("alice", "alicepass");
        auto folder = co_await fresh_folder(c);
        const std::vector<std::string> tags{"first", "second", "third"};
        std::map<std::string, std::filesystem::path> file_of;
        for (const auto& t : tags) file_of[t] = temp_file(t);
        deliver(env, "alice", folder, 3u << 20, "first", file_of["first"]);
        deliver(env, "alice", folder, 2u << 20, "second", file_of["second"]);
        deliver(env, "alice", folder, 4u << 20, "third", file_of["third"]);
        co_await c.select_folder(folder);
        auto uids = co_await c.search();
        REQUIRE(uids.ids.size() == 3);
        // Which UID holds which file: by the subject each was written with.
        std::vector<std::string> expected(3);
        auto heads = co_await c.fetch(uids.ids, subject_item);
        for (std::size_t i = 0; i < 3; ++i) {
            const auto* h = heads.messages.at(uids.ids[i]).section("BODY[HEADER.FIELDS (SUBJECT)]");
            REQUIRE(h);
            for (const auto& t : tags)
                if (h->data->find("Subject: " + t + "\r") != std::string::npos) expected[i] = file_of[t].string();
        }
        auto a = std::make_shared<std::string>();
        auto b = std::make_shared<std::string>();
        auto d = std::make_shared<std::string>();
        auto sa = imapclient::string_sink(a);
        auto sb = imapclient::string_sink(b);
        auto sd = imapclient::string_sink(d);
        auto all = co_await (c.stream_fetch(uids.ids[0], sa) && c.fetch(uids.ids[1], flags_item) &&
                             c.stream_fetch(uids.ids[1], sb) && c.fetch(uids.ids[2], flags_item) &&
                             c.stream_fetch(uids.ids[2], sd) && c.fetch(uids.ids[0], flags_item));
        CHECK(std::get<1>(all).messages.count(uids.ids[1]) == 1);
        CHECK(std::get<3>(all).messages.count(uids.ids[2]) == 1);
        CHECK(std::get<5>(all).messages.count(uids.ids[0]) == 1);
        std::vector<std::shared_ptr<std::string>> got{a, b, d};
        for (std::size_t i = 0; i < 3; ++i) {
            REQUIRE_FALSE(expected[i].empty());
            std::ifstream in(expected[i], std::ios::binary);
            std::string want((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
            CHECK(got[i]->size() == want.size());
            CHECK((*got[i] == want));  // (not printed: megabytes)
        }
        for (const auto& [t, path] : file_of) std::filesystem::remove(path);
        co_await c.delete_folder(folder);
    });
}

TEST_CASE("stream_fetch (Dovecot): BINARY gives a base64 part decoded; a partial range", "[live][stream]") {
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, options());
        co_await c.connect();
        co_await c.login("alice", "alicepass");
        auto folder = co_await fresh_folder(c);
        // "hello\0world\xff" in base64.
        const std::string message =
            "From: a@example.com\r\nSubject: binary\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\nContent-Type: text/plain\r\n\r\ntext part\r\n"
            "--XX\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            "aGVsbG8Ad29ybGT/\r\n--XX--\r\n";
        co_await c.append(folder, message);
        co_await c.select_folder(folder);
        auto uids = co_await c.search();
        REQUIRE(uids.ids.size() == 1);
        auto decoded = std::make_shared<std::string>();
        imapclient::ops::stream_fetch op;
        op.message = uids.ids[0];
        op.sink = imapclient::string_sink(decoded);
        op.section = "2";
        op.binary = true;
        auto got = co_await c.run(std::move(op));
        CHECK(*decoded == std::string("hello\0world\xff", 12));
        CHECK(got.bytes == 12);
        auto part = std::make_shared<std::string>();
        imapclient::ops::stream_fetch range;
        range.message = uids.ids[0];
        range.sink = imapclient::string_sink(part);
        range.offset = 6;
        range.length = 8;
        co_await c.run(std::move(range));
        CHECK(*part == message.substr(6, 8));
        co_await c.delete_folder(folder);
    });
}
