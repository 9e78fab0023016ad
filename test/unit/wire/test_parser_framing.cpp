// The framer: chunking independence, literals, limits, zero-copy feeding.
#include "parser_test_util.hpp"

#include <chrono>

using namespace parser_test;

TEST_CASE("framing: several responses in one feed, in order", "[parser]") {
    auto all = parse_all(
        "* OK [CAPABILITY IMAP4rev1 LITERAL+ SASL-IR] Dovecot ready.\r\n"
        "a1 OK Logged in\r\n"
        "* 3 EXISTS\r\n"
        "* 0 RECENT\r\n"
        "a2 OK [READ-WRITE] Select completed (0.001 + 0.000 secs).\r\n");
    REQUIRE(all.size() == 5);
    CHECK(std::get<status_response>(all[0]).code->name == "CAPABILITY");
    CHECK(std::get<status_response>(all[1]).tag == "a1");
    CHECK(std::get<exists_data>(all[2]).count == 3);
    CHECK(std::get<recent_data>(all[3]).count == 0);
    CHECK(std::get<status_response>(all[4]).code->name == "READ-WRITE");
}

TEST_CASE("framing: nothing is returned before the line end", "[parser]") {
    response_parser p;
    p.feed("* 1 EXISTS");
    CHECK_FALSE(p.next());
    CHECK(p.buffered() == 10);
    p.feed("\r");
    CHECK_FALSE(p.next());
    p.feed("\n* 2 EX");
    auto r = p.next();
    REQUIRE(r);
    CHECK(std::get<exists_data>(*r).count == 1);
    CHECK_FALSE(p.next());
    CHECK(p.buffered() == 6);
}

TEST_CASE("framing: a literal is read by length, CRLF inside included", "[parser]") {
    std::string body = "Subject: hi\r\n\r\n* 9 EXISTS\r\nA1 OK fake\r\n";
    std::string wire = "* 12 FETCH (BODY[] {" + std::to_string(body.size()) + "}\r\n" + body + " UID 7)\r\nA2 OK done\r\n";
    auto all = parse_all(wire);
    REQUIRE(all.size() == 2);
    auto& f = std::get<fetch_data>(all[0]);
    CHECK(f.seq == 12);
    CHECK(f.uid == 7u);
    REQUIRE(f.sections.size() == 1);
    CHECK(f.sections[0].name == "BODY[]");
    CHECK(f.sections[0].data == body);
    CHECK(std::get<status_response>(all[1]).tag == "A2");
}

TEST_CASE("framing: a literal is not complete until its last byte", "[parser]") {
    response_parser p;
    p.feed("* 1 FETCH (BODY[] {10}\r\n0123456");
    CHECK_FALSE(p.next());
    p.feed("789");
    CHECK_FALSE(p.next());
    p.feed(")\r");
    CHECK_FALSE(p.next());
    p.feed("\n");
    auto r = p.next();
    REQUIRE(r);
    CHECK(std::get<fetch_data>(*r).sections.at(0).data == "0123456789");
}

TEST_CASE("framing: several literals in one response, empty literal", "[parser]") {
    auto f = parse_one<fetch_data>(
        "* 5 FETCH (BODY[HEADER] {3}\r\nabc BODY[TEXT] {0}\r\n BODY[1] {4}\r\n\r\n\r\n)\r\n");
    REQUIRE(f.sections.size() == 3);
    CHECK(f.sections[0].data == "abc");
    CHECK(f.sections[1].data == "");
    CHECK(f.sections[2].data == "\r\n\r\n");
}

TEST_CASE("framing: non-synchronizing and binary literals", "[parser]") {
    auto f = parse_one<fetch_data>("* 5 FETCH (BODY[] {3+}\r\nabc BINARY[1] ~{4}\r\n\0\x01\xff\n)\r\n"sv);
    REQUIRE(f.sections.size() == 2);
    CHECK(f.sections[0].data == "abc");
    CHECK(f.sections[1].name == "BINARY[1]");
    CHECK(f.sections[1].data == std::string("\0\x01\xff\n", 4));
}

TEST_CASE("framing: a literal whose header ends in a bare LF", "[parser]") {
    auto f = parse_one<fetch_data>("* 1 FETCH (UID 4 BODY[] {5}\nhello)\n");
    CHECK(f.uid == 4u);
    CHECK(f.sections.at(0).data == "hello");
}

TEST_CASE("framing: literal in a LIST name and a METADATA value", "[parser]") {
    auto all = parse_all("* LIST () \"/\" {12}\r\nfoo\r\nbar baz\r\n"
                         "* METADATA \"INBOX\" (/private/comment {8}\r\nMy\r\nnote)\r\n");
    REQUIRE(all.size() == 2);
    CHECK(std::get<list_data>(all[0]).name == "foo\r\nbar baz");
    auto& m = std::get<metadata_data>(all[1]);
    REQUIRE(m.entries.size() == 1);
    CHECK(m.entries[0].second == "My\r\nnote");
}

TEST_CASE("framing: blank lines, bare LF and NULs between responses", "[parser]") {
    auto all = parse_all("\r\n\r\n* 1 EXISTS\n\n\r\n\0\0\0* 2 RECENT\r\n   \r\nA1 OK\r\n"sv);
    REQUIRE(all.size() == 3);
    CHECK(std::get<exists_data>(all[0]).count == 1);
    CHECK(std::get<recent_data>(all[1]).count == 2);
    CHECK(std::get<status_response>(all[2]).tag == "A1");
}

TEST_CASE("framing: a line longer than max_line is a parse_error", "[parser]") {
    parser_limits lim;
    lim.max_line = 64;
    std::string ok = "* SEARCH 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\r\n";
    CHECK(parse_one<search_data>(ok, lim).ids.size() == 17);
    std::string longer = "* SEARCH " + std::string(200, '1') + "\r\n";
    auto msg = framing_error(longer, lim);
    CHECK_THAT(msg, Catch::Contains("max_line"));
    CHECK_THAT(msg, Catch::Contains("* SEARCH 111"));
    // Also when the line end never comes: the error comes as soon as the
    // limit is passed, not when memory runs out.
    response_parser p{lim};
    p.feed("* SEARCH 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22");
    CHECK_THROWS_AS(p.next(), wire::parse_error);
}

TEST_CASE("framing: line limit counts every line of a response", "[parser]") {
    parser_limits lim;
    lim.max_line = 100;
    // Each line is short, but the literal headers add up past the limit.
    std::string wire = "* 1 FETCH (";
    for (int i = 0; i < 10; ++i) wire += "BODY[" + std::to_string(i) + "] {1}\r\nx ";
    wire += ")\r\n";
    CHECK_THAT(framing_error(wire, lim), Catch::Contains("max_line"));
}

TEST_CASE("framing: an oversized literal is refused before allocation", "[parser]") {
    auto msg = framing_error("* 1 FETCH (BODY[] {99999999999}\r\n");
    CHECK_THAT(msg, Catch::Contains("max_literal"));
    CHECK_THAT(msg, Catch::Contains("{99999999999}"));
    // Far beyond 64 bits: no overflow either.
    CHECK_THAT(framing_error("* 1 FETCH (BODY[] {184467440737095516160000}\r\n"), Catch::Contains("max_literal"));

    parser_limits lim;
    lim.max_literal = 10;
    CHECK(parse_one<fetch_data>("* 1 FETCH (BODY[] {10}\r\n0123456789)\r\n", lim).sections.at(0).data == "0123456789");
    CHECK_THAT(framing_error("* 1 FETCH (BODY[] {11}\r\n01234567890)\r\n", lim), Catch::Contains("max_literal"));
}

TEST_CASE("framing: a malformed literal header is a parse_error", "[parser]") {
    CHECK_THAT(framing_error("* 1 FETCH (BODY[] {12a}\r\n"), Catch::Contains("malformed literal"));
    CHECK_THAT(framing_error("* 1 FETCH (BODY[] {1 2}\r\n"), Catch::Contains("malformed literal"));
    CHECK_THAT(framing_error("* 1 FETCH (BODY[] {5}}\r\n"), Catch::Contains("malformed literal"));
    // Braces around something that is not a number are ordinary text.
    auto r = parse_one<status_response>("* OK Server {v2.3} ready {beta}\r\n");
    CHECK(r.text == "Server {v2.3} ready {beta}");
}

TEST_CASE("framing: the excerpt of a framing error is truncated", "[parser]") {
    parser_limits lim;
    lim.max_line = 1000;
    std::string line = "* SEARCH " + std::string(5000, '7');
    response_parser p{lim};
    p.feed(line);
    try {
        p.next();
        FAIL("no parse_error");
    } catch (const wire::parse_error& e) {
        CHECK(e.excerpt().size() <= 210);
        CHECK_THAT(e.excerpt(), Catch::StartsWith("* SEARCH 777"));
    }
}

TEST_CASE("framing: prepare/commit is zero-copy feeding", "[parser]") {
    response_parser p;
    std::string_view part1 = "* 4 EXISTS\r\n* 1 FET";
    auto s = p.prepare(100);
    REQUIRE(s.size() == 100);
    std::memcpy(s.data(), part1.data(), part1.size());
    p.commit(part1.size());
    CHECK(p.buffered() == part1.size());
    auto r = p.next();
    REQUIRE(r);
    CHECK(std::get<exists_data>(*r).count == 4);
    CHECK_FALSE(p.next());
    std::string_view part2 = "CH (UID 9)\r\n";
    s = p.prepare(4);
    std::memcpy(s.data(), part2.data(), 4);
    p.commit(4);
    s = p.prepare(64);
    std::memcpy(s.data(), part2.data() + 4, part2.size() - 4);
    p.commit(part2.size() - 4);
    r = p.next();
    REQUIRE(r);
    CHECK(std::get<fetch_data>(*r).uid == 9u);
    CHECK(p.buffered() == 0);
    // Committing more than was prepared is clamped, never reads garbage.
    s = p.prepare(3);
    std::memcpy(s.data(), "* 7", 3);
    p.commit(50);
    CHECK(p.buffered() == 3);
}

// An idle connection must not keep the buffer of the last big fetch.
TEST_CASE("framing: prepare() gives back a big buffer once it is empty", "[parser][parser_buffer]") {
    response_parser p;
    auto feed_prepared = [&p](std::string_view bytes, std::size_t chunk) {
        while (!bytes.empty()) {
            auto s = p.prepare(chunk);
            const std::size_t n = std::min(bytes.size(), s.size());
            std::memcpy(s.data(), bytes.data(), n);
            p.commit(n);
            bytes.remove_prefix(n);
        }
    };
    const std::size_t literal = GENERATE(std::size_t{300'000}, std::size_t{1} << 20);
    const std::string big = "* 1 FETCH (UID 5 BODY[] {" + std::to_string(literal) + "}\r\n" +
                            std::string(literal, 'x') + ")\r\n";
    feed_prepared(big, 64 * 1024);
    CHECK(p.capacity() >= literal);
    auto r = p.next();
    REQUIRE(r);
    CHECK(std::get<fetch_data>(*r).uid == 5u);
    REQUIRE(p.buffered() == 0);

    // The next (small) read releases it: the buffer is about what was asked.
    auto s = p.prepare(4096);
    CHECK(s.size() == 4096);
    CHECK(p.capacity() < 2 * 4096);
    p.commit(0);

    // Bytes still buffered are never dropped to shrink: a response split
    // across reads of different sizes parses whole.
    feed_prepared(big.substr(0, 70'000), 64 * 1024);
    const std::size_t held = p.capacity();
    s = p.prepare(16);
    CHECK(p.capacity() >= held);
    p.commit(0);
    feed_prepared(std::string_view(big).substr(70'000), 16);
    r = p.next();
    REQUIRE(r);
    const auto* body = std::get<fetch_data>(*r).section("BODY[]");
    REQUIRE(body);
    REQUIRE(body->data);
    CHECK(*body->data == std::string(literal, 'x'));

    // Reads of one steady size reuse the same memory.
    p.prepare(64 * 1024);
    p.commit(0);
    const auto* before = p.prepare(64 * 1024).data();
    p.commit(0);
    CHECK(p.prepare(64 * 1024).data() == before);
}

TEST_CASE("framing: discard_buffered drops what was not returned", "[parser]") {
    response_parser p;
    p.feed("A1 OK Begin TLS now\r\n* 1 EXISTS\r\n* 1 FETCH (BODY[] {100}\r\nabc");
    auto r = p.next();
    REQUIRE(r);
    CHECK(std::get<status_response>(*r).tag == "A1");
    p.discard_buffered();
    CHECK(p.buffered() == 0);
    CHECK_FALSE(p.next());
    p.feed("* CAPABILITY IMAP4rev1\r\n");
    r = p.next();
    REQUIRE(r);
    CHECK(std::holds_alternative<capability_data>(*r));
}

TEST_CASE("framing: many responses through a small buffer stay in order", "[parser]") {
    std::string wire;
    for (int i = 1; i <= 3000; ++i) {
        wire += "* " + std::to_string(i) + " FETCH (UID " + std::to_string(i * 3) + " FLAGS (\\Seen))\r\n";
        if (i % 100 == 0) wire += "* " + std::to_string(i) + " FETCH (BODY[] {5}\r\nx\r\nyz)\r\n";
    }
    response_parser p;
    std::vector<response> out;
    std::mt19937 rng{99};
    std::uniform_int_distribution<std::size_t> d{1, 300};
    for (std::size_t pos = 0; pos < wire.size();) {
        std::size_t n = std::min(d(rng), wire.size() - pos);
        p.feed(std::string_view(wire).substr(pos, n));
        pos += n;
        while (auto r = p.next()) out.push_back(std::move(*r));
    }
    REQUIRE(out.size() == 3030);
    std::size_t k = 0;
    for (int i = 1; i <= 3000; ++i) {
        auto& f = std::get<fetch_data>(out[k++]);
        CHECK(f.seq == static_cast<std::uint32_t>(i));
        CHECK(f.uid == static_cast<std::uint32_t>(i * 3));
        if (i % 100 == 0) CHECK(std::get<fetch_data>(out[k++]).sections.at(0).data == "x\r\nyz");
    }
    CHECK(p.buffered() == 0);
}

TEST_CASE("framing: a 4 MB literal fed one byte at a time is linear", "[parser]") {
    // A rescanning framer would take minutes here.
    std::string data(4 << 20, 'a');
    for (std::size_t i = 0; i < data.size(); i += 100) data[i] = '\n';
    std::string wire = "* 1 FETCH (BODY[] {" + std::to_string(data.size()) + "}\r\n" + data + ")\r\n";
    auto t0 = std::chrono::steady_clock::now();
    response_parser p;
    std::optional<response> r;
    for (char ch : wire) {
        p.feed({&ch, 1});
        if (auto x = p.next()) r = std::move(x);
    }
    auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    REQUIRE(r);
    CHECK(std::get<fetch_data>(*r).sections.at(0).data == data);
    CHECK(secs < 20.0);
}

TEST_CASE("framing: a long line fed one byte at a time is linear", "[parser]") {
    std::string wire = "* SEARCH";
    for (int i = 1; i <= 100000; ++i) wire += " " + std::to_string(i);
    wire += "\r\n";
    response_parser p;
    std::optional<response> r;
    auto t0 = std::chrono::steady_clock::now();
    for (char ch : wire) {
        p.feed({&ch, 1});
        if (auto x = p.next()) r = std::move(x);
    }
    auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    REQUIRE(r);
    CHECK(std::get<search_data>(*r).ids.size() == 100000);
    CHECK(secs < 20.0);
}

TEST_CASE("framing: parse_response takes a frame without its final CRLF", "[parser]") {
    CHECK(std::get<exists_data>(wire::parse_response("* 5 EXISTS")).count == 5);
    CHECK(std::get<exists_data>(wire::parse_response("* 5 EXISTS\r\n")).count == 5);
    auto f = std::get<fetch_data>(wire::parse_response("* 1 FETCH (BODY[] {2}\r\nab)"));
    CHECK(f.sections.at(0).data == "ab");
    // A literal that runs past the frame is a content error, not a crash.
    auto u = std::get<fetch_data>(wire::parse_response("* 1 FETCH (BODY[] {20}\r\nab)"));
    REQUIRE(!u.unreadable.empty());
    CHECK(u.unreadable.front().item == "BODY[]");
    CHECK_THAT(u.unreadable.front().reason, Catch::Contains("literal"));
}
