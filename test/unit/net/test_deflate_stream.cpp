// COMPRESS=DEFLATE codec (lib/net/deflate_stream): round trips under any
// chunking, each write decodable on its own (Z_SYNC_FLUSH), streams made by
// zlib as a server would make them, corrupt input, and bounded output for
// a "zip bomb" (the parser's limits then apply as to clear text).
#include "net/deflate_stream.hpp"
#include "wire/parser.hpp"

#include <catch2/catch.hpp>
#include <zlib.h>

#include <random>
#include <string>
#include <vector>

using imapclient::net::deflater;
using imapclient::net::inflater;

namespace {

// Inflates `in` fed in random slices of 1..max_in bytes into random output
// spans of 1..max_out bytes. Fails the test on an error.
std::string inflate_chunked(inflater& inf, std::string_view in, std::mt19937& rng, std::size_t max_in,
                            std::size_t max_out) {
    std::string out;
    std::vector<char> buf(max_out);
    while (!in.empty()) {
        const std::size_t n = std::uniform_int_distribution<std::size_t>(1, std::min(max_in, in.size()))(rng);
        std::string_view slice = in.substr(0, n);
        in.remove_prefix(n);
        for (;;) {
            const std::size_t room = std::uniform_int_distribution<std::size_t>(1, max_out)(rng);
            auto r = inf.inflate(slice, std::span(buf.data(), room));
            REQUIRE(r.error.empty());
            REQUIRE(r.produced <= room);
            out.append(buf.data(), r.produced);
            slice.remove_prefix(r.consumed);
            if (slice.empty() && r.produced < room) break;
        }
    }
    return out;
}

// Everything that is decodable from `in` now, with a generous buffer.
std::string inflate_all(inflater& inf, std::string_view in, std::string* error = nullptr) {
    std::string out;
    std::vector<char> buf(64 * 1024);
    for (;;) {
        auto r = inf.inflate(in, buf);
        out.append(buf.data(), r.produced);
        in.remove_prefix(r.consumed);
        if (!r.error.empty()) {
            if (error) *error = r.error;
            else FAIL(r.error);
            return out;
        }
        if (in.empty() && r.produced < buf.size()) return out;
    }
}

// A server's deflate stream, made with zlib directly as Dovecot and Cyrus
// do (raw, window 15), one flush per response.
std::string server_stream(const std::vector<std::string>& responses, int flush, int level = 6) {
    z_stream z{};
    REQUIRE(deflateInit2(&z, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) == Z_OK);
    std::string out;
    for (const auto& resp : responses) {
        z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(resp.data()));
        z.avail_in = static_cast<uInt>(resp.size());
        do {
            char buf[1024];
            z.next_out = reinterpret_cast<Bytef*>(buf);
            z.avail_out = sizeof buf;
            const int rc = deflate(&z, flush);
            REQUIRE((rc == Z_OK || rc == Z_BUF_ERROR || rc == Z_STREAM_END));
            out.append(buf, sizeof buf - z.avail_out);
        } while (z.avail_out == 0);
    }
    deflateEnd(&z);
    return out;
}

std::vector<std::string> sample_responses(std::mt19937& rng, int n) {
    std::vector<std::string> v;
    for (int i = 1; i <= n; ++i) {
        std::string r = "* " + std::to_string(i) + " FETCH (UID " + std::to_string(1000 + i) +
                        " FLAGS (\\Seen) BODY[HEADER] {";
        std::string body;
        const int lines = std::uniform_int_distribution<int>(0, 30)(rng);
        for (int l = 0; l < lines; ++l) {
            body += "Received: from mx" + std::to_string(rng() % 1000) + ".example.net by imap.example.org\r\n";
            // Some incompressible bytes too, 8-bit included.
            for (int k = 0; k < 8; ++k) body += static_cast<char>(rng() & 0xff);
            body += "\r\n";
        }
        r += std::to_string(body.size()) + "}\r\n" + body + ")\r\n";
        v.push_back(std::move(r));
    }
    v.push_back("A12 OK Fetch completed.\r\n");
    return v;
}

std::string concat(const std::vector<std::string>& v) {
    std::string s;
    for (auto& x : v) s += x;
    return s;
}

}  // namespace

TEST_CASE("deflate: round trip of commands under random chunkings", "[compress]") {
    const unsigned seed = GENERATE(1u, 2u, 3u, 42u, 1234u, 99991u);
    std::mt19937 rng(seed);
    deflater def;
    inflater inf;
    auto commands = sample_responses(rng, 25);  // any bytes will do
    std::string wire, expected;
    for (auto& c : commands) {
        // Some writes gather several pieces, as the writer does.
        const std::size_t cut = c.size() / 3;
        std::string_view pieces[] = {std::string_view(c).substr(0, cut), std::string_view(c).substr(cut)};
        REQUIRE(def.deflate(std::span<const std::string_view>(pieces), wire));
        expected += c;
    }
    CHECK(def.total_in() == expected.size());
    CHECK(def.total_out() == wire.size());
    const std::size_t max_in = GENERATE(1u, 7u, 100u, 5000u);
    const std::size_t max_out = GENERATE(1u, 13u, 4096u);
    CHECK(inflate_chunked(inf, wire, rng, max_in, max_out) == expected);
    CHECK(inf.total_in() == wire.size());
    CHECK(inf.total_out() == expected.size());
    CHECK_FALSE(inf.finished());
}

TEST_CASE("deflate: each write is decodable on its own (Z_SYNC_FLUSH)", "[compress]") {
    deflater def;
    inflater inf;
    const std::vector<std::string> commands = {
        "A1 NOOP\r\n",
        "A2 SELECT INBOX\r\n",
        "A3 UID FETCH 1:20 (FLAGS BODY.PEEK[HEADER])\r\n",
        "A4 APPEND INBOX {11+}\r\nhello world\r\n",
        "",  // an empty write: at most an empty block, nothing to decode
        "DONE\r\n",
    };
    for (const auto& c : commands) {
        std::string wire;
        REQUIRE(def.deflate(c, wire));
        INFO(c);
        if (!c.empty()) {
            // The sync flush marker: an empty stored block, 00 00 ff ff.
            REQUIRE(wire.size() >= 4);
            CHECK(wire.substr(wire.size() - 4) == std::string("\0\0\xff\xff", 4));
        }
        // Nothing held back: all of the command comes out of this write's bytes.
        CHECK(inflate_all(inf, wire) == c);
    }
}

TEST_CASE("deflate: small commands compress well once the window knows them", "[compress]") {
    deflater def;
    std::string first, second;
    REQUIRE(def.deflate("A7 UID FETCH 1:20 (FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER])\r\n", first));
    REQUIRE(def.deflate("A8 UID FETCH 21:40 (FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER])\r\n", second));
    // The second command repeats the first: a few back-references.
    CHECK(second.size() < first.size() / 2);
}

TEST_CASE("deflate: server streams made by zlib decode under any chunking", "[compress]") {
    const unsigned seed = GENERATE(5u, 6u, 7u);
    const int flush = GENERATE(Z_SYNC_FLUSH, Z_PARTIAL_FLUSH, Z_FULL_FLUSH);
    const int level = GENERATE(1, 6, 9);
    std::mt19937 rng(seed);
    auto responses = sample_responses(rng, 20);
    auto wire = server_stream(responses, flush, level);
    inflater inf;
    CHECK(inflate_chunked(inf, wire, rng, 1 + rng() % 300, 1 + rng() % 2000) == concat(responses));
}

TEST_CASE("deflate: a partial flush boundary is decoded once the rest arrives", "[compress]") {
    // Split the stream in the middle of a response: the first half yields
    // only what it can, the rest completes it exactly.
    std::mt19937 rng(11);
    auto responses = sample_responses(rng, 3);
    auto wire = server_stream(responses, Z_SYNC_FLUSH);
    const auto expected = concat(responses);
    for (std::size_t cut : {std::size_t{1}, wire.size() / 3, wire.size() / 2, wire.size() - 1}) {
        inflater inf;
        auto a = inflate_all(inf, std::string_view(wire).substr(0, cut));
        CHECK(a.size() <= expected.size());
        CHECK(expected.compare(0, a.size(), a) == 0);
        auto b = inflate_all(inf, std::string_view(wire).substr(cut));
        CHECK(a + b == expected);
    }
}

TEST_CASE("deflate: corrupt input is a clear error, and stays one", "[compress]") {
    struct vector_case {
        const char* name;
        std::string bytes;
    };
    std::mt19937 rng(3);
    auto good = server_stream(sample_responses(rng, 2), Z_SYNC_FLUSH);
    std::vector<vector_case> cases = {
        // BFINAL=1, BTYPE=11: the reserved block type.
        {"reserved block type", std::string("\x07", 1)},
        {"reserved block type (not final)", std::string("\x06\x00\x00", 3)},
        // A stored block whose NLEN is not the complement of LEN.
        {"stored block LEN/NLEN mismatch", std::string("\x00\x05\x00\x00\x00hello", 10)},
        // Clear text where compressed data belongs (a server that did not
        // turn compression on after its OK).
        {"clear text", "* OK still in clear text\r\n"},
        // A dynamic-Huffman header with impossible code lengths.
        {"bad dynamic header", std::string("\xfd\xff\xff\xff\xff\xff", 6)},
        // Valid data followed by a reserved block.
        {"valid, then garbage", good + std::string("\x07\xff\xff", 3)},
    };
    for (auto& c : cases) {
        INFO(c.name);
        inflater inf;
        std::string error;
        inflate_all(inf, c.bytes, &error);
        CHECK_THAT(error, Catch::Contains("corrupt compressed data"));
        // Sticky: the stream cannot resynchronise.
        char buf[16];
        auto again = inf.inflate(good, buf);
        CHECK_FALSE(again.error.empty());
        CHECK(again.produced == 0);
    }
}

TEST_CASE("deflate: data after the end of the server's stream is an error", "[compress]") {
    auto ended = server_stream({"* BYE closing\r\n"}, Z_FINISH);
    {
        inflater inf;
        CHECK(inflate_all(inf, ended) == "* BYE closing\r\n");
        CHECK(inf.finished());
        std::string error;
        inflate_all(inf, "A1 OK forged in clear text\r\n", &error);
        CHECK_THAT(error, Catch::Contains("after the end"));
    }
    {
        inflater inf;
        std::string error;
        auto out = inflate_all(inf, ended + "* 1 EXISTS\r\n", &error);
        CHECK(out == "* BYE closing\r\n");
        CHECK_THAT(error, Catch::Contains("after the end"));
    }
}

TEST_CASE("deflate: a zip bomb comes out in bounded chunks and meets the parser's limits", "[compress]") {
    // 64 MiB of one byte compresses to about 64 KiB.
    const std::size_t bomb_size = 64u << 20;
    std::string prefix = GENERATE(std::string("* OK "), std::string("* 1 FETCH (BODY[] {99999999999}\r\n"));
    std::string wire;
    {
        z_stream z{};
        REQUIRE(deflateInit2(&z, 9, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) == Z_OK);
        std::string block(1 << 20, 'A');
        std::vector<char> buf(1 << 16);
        auto put = [&](std::string_view s, int flush) {
            z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(s.data()));
            z.avail_in = static_cast<uInt>(s.size());
            do {
                z.next_out = reinterpret_cast<Bytef*>(buf.data());
                z.avail_out = static_cast<uInt>(buf.size());
                deflate(&z, flush);
                wire.append(buf.data(), buf.size() - z.avail_out);
            } while (z.avail_out == 0);
        };
        put(prefix, Z_NO_FLUSH);
        for (std::size_t i = 0; i < bomb_size / block.size(); ++i) put(block, Z_NO_FLUSH);
        put("", Z_SYNC_FLUSH);
        deflateEnd(&z);
    }
    CHECK(wire.size() < bomb_size / 500);

    imapclient::wire::parser_limits limits;
    limits.max_line = 1 << 20;
    limits.max_literal = 16 << 20;
    imapclient::wire::response_parser parser(limits);
    inflater inf;
    const std::size_t out_chunk = 16 * 1024;
    std::string_view in = wire;
    std::size_t fed = 0, largest = 0;
    std::string error;
    try {
        for (;;) {
            auto out = parser.prepare(out_chunk);
            auto r = inf.inflate(in, out);
            REQUIRE(r.error.empty());
            largest = std::max(largest, r.produced);
            parser.commit(r.produced);
            fed += r.produced;
            in.remove_prefix(r.consumed);
            while (parser.next()) {}
            if (in.empty() && r.produced < out_chunk) break;
        }
    } catch (const imapclient::wire::parse_error& e) {
        error = e.what();
    }
    // The parser stopped it soon after its limit, never holding the bomb.
    CHECK_FALSE(error.empty());
    CHECK(largest <= out_chunk);
    CHECK(fed <= limits.max_line + 2 * out_chunk);
    CHECK(parser.capacity() <= 2 * (limits.max_line + 2 * out_chunk));
}
