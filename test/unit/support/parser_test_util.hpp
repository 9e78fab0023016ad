// Shared by the parser tests: every vector is parsed fed whole, one byte at
// a time, in random chunkings and through prepare()/commit(), and all the
// results must be identical. So no test can pass by accident of chunking.
#pragma once

#include "wire/parser.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace parser_test {

using namespace imapclient;
using namespace std::string_view_literals;
using wire::parser_limits;
using wire::response_parser;

/// Feeds `bytes` in pieces of the sizes `next_size()` returns, collecting
/// every response. `zero_copy` uses prepare()/commit() instead of feed().
template <class NextSize>
std::vector<response> feed_in_chunks(std::string_view bytes, NextSize next_size, bool zero_copy,
                                     parser_limits limits, std::size_t* left = nullptr) {
    response_parser p{limits};
    std::vector<response> out;
    std::size_t pos = 0;
    while (pos < bytes.size()) {
        std::size_t n = std::min<std::size_t>(std::max<std::size_t>(next_size(), 1), bytes.size() - pos);
        if (zero_copy) {
            // Ask for more than is written, as a socket read does.
            auto span = p.prepare(n + 7);
            std::memcpy(span.data(), bytes.data() + pos, n);
            p.commit(n);
        } else {
            p.feed(bytes.substr(pos, n));
        }
        pos += n;
        while (auto r = p.next()) out.push_back(std::move(*r));
    }
    if (left) *left = p.buffered();
    return out;
}

/// Parses a complete transcript in every chunking and REQUIREs identical
/// results and nothing left over.
inline std::vector<response> parse_all(std::string_view bytes, parser_limits limits = {}) {
    std::size_t left = 0;
    auto whole = feed_in_chunks(bytes, [&] { return bytes.size(); }, false, limits, &left);
    REQUIRE(left == 0);
    {
        auto one = feed_in_chunks(bytes, [] { return std::size_t{1}; }, false, limits, &left);
        REQUIRE(left == 0);
        REQUIRE(one == whole);
    }
    {
        auto one_zc = feed_in_chunks(bytes, [] { return std::size_t{1}; }, true, limits, &left);
        REQUIRE(left == 0);
        REQUIRE(one_zc == whole);
    }
    for (unsigned seed : {1u, 2u, 3u, 42u}) {
        std::mt19937 rng{seed};
        std::size_t max = seed == 42u ? 4096 : 17;
        std::uniform_int_distribution<std::size_t> dist{1, max};
        auto chunked = feed_in_chunks(bytes, [&] { return dist(rng); }, seed % 2 == 0, limits, &left);
        REQUIRE(left == 0);
        REQUIRE(chunked == whole);
    }
    return whole;
}

/// Exactly one response of type T.
template <class T>
T parse_one(std::string_view bytes, parser_limits limits = {}) {
    auto all = parse_all(bytes, limits);
    REQUIRE(all.size() == 1);
    INFO("variant index " << all[0].index());
    if (auto* u = std::get_if<unparsed_data>(&all[0])) UNSCOPED_INFO("unparsed: " << u->line << " -- " << u->error);
    REQUIRE(std::holds_alternative<T>(all[0]));
    return std::get<T>(all[0]);
}

/// The message of the parse_error that every chunking must throw.
inline std::string framing_error(std::string_view bytes, parser_limits limits = {}) {
    std::string first;
    auto run = [&](auto next_size, bool zero_copy) -> std::string {
        try {
            feed_in_chunks(bytes, next_size, zero_copy, limits);
        } catch (const wire::parse_error& e) {
            return e.what();
        }
        return "no error";
    };
    first = run([&] { return bytes.size(); }, false);
    REQUIRE(first != "no error");
    REQUIRE(run([] { return std::size_t{1}; }, false) == first);
    std::mt19937 rng{7};
    std::uniform_int_distribution<std::size_t> dist{1, 13};
    REQUIRE(run([&] { return dist(rng); }, true) == first);
    return first;
}

inline bool has_flag(const std::vector<std::string>& v, std::string_view f) {
    return std::find(v.begin(), v.end(), f) != v.end();
}

}  // namespace parser_test
