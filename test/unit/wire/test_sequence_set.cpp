#include <catch2/catch.hpp>

#include <imapclient/sequence_set.hpp>

#include <cstdint>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

using imapclient::sequence_set;

TEST_CASE("sequence_set from one id", "[seqset]") {
    CHECK(sequence_set(1u).str() == "1");
    CHECK(sequence_set(4294967295u).str() == "4294967295");
    CHECK_THROWS_AS(sequence_set(0u), std::invalid_argument);
    CHECK(sequence_set().empty());
    CHECK(sequence_set().str().empty());
}

TEST_CASE("sequence_set from a list sorts, de-duplicates and compresses", "[seqset]") {
    CHECK(sequence_set({1u, 2u, 3u}).str() == "1:3");
    CHECK(sequence_set({3u, 1u, 2u}).str() == "1:3");
    CHECK(sequence_set({5u}).str() == "5");
    CHECK(sequence_set({7u, 7u, 7u}).str() == "7");
    CHECK(sequence_set({1u, 3u, 5u}).str() == "1,3,5");
    CHECK(sequence_set({9u, 1u, 2u, 4u, 5u, 6u, 12u}).str() == "1:2,4:6,9,12");
    CHECK(sequence_set({10u, 9u, 8u, 2u}).str() == "2,8:10");
    CHECK(sequence_set({4294967295u, 4294967294u}).str() == "4294967294:4294967295");
    CHECK(sequence_set(std::vector<std::uint32_t>{}).empty());
    CHECK_THROWS_AS(sequence_set({0u, 1u}), std::invalid_argument);
    CHECK_THROWS_AS(sequence_set({3u, 0u}), std::invalid_argument);
}

TEST_CASE("sequence_set from a string is validated", "[seqset]") {
    struct vec {
        const char* in;
        const char* out;
    };
    const vec good[] = {
        {"1", "1"},
        {"*", "*"},
        {"$", "$"},
        {"2:*", "2:*"},
        {"2,4:7,9,12:*", "2,4:7,9,12:*"},
        {"5:3", "3:5"},             // descending rewritten ascending
        {"*:4", "4:*"},             // '*' is the largest id
        {"1,10:2,7", "1,2:10,7"},
        {"3:3", "3:3"},
        {"*:*", "*:*"},
        {"4294967295", "4294967295"},
        {"1:4294967295", "1:4294967295"},
    };
    for (const auto& v : good) {
        INFO(v.in);
        CHECK(sequence_set(v.in).str() == v.out);
        CHECK(sequence_set(std::string(v.in)).str() == v.out);
    }
    const char* bad[] = {
        "",  "0", "0:5", "5:0", "01", "1,", ",1", "1,,2", "1:", ":1", "1:2:3", "a",
        "1 ,2", "1, 2", " 1", "1 ", "-1", "+1", "1.5", "4294967296", "99999999999999999999",
        "$,1", "1,$", "$:1", "**", "1:**", "1\r\n", "1\t",
    };
    for (const char* s : bad) {
        INFO(s);
        CHECK_THROWS_AS(sequence_set(std::string_view(s)), std::invalid_argument);
    }
    CHECK_THROWS_AS(sequence_set(std::string_view("1\0" "2", 3)), std::invalid_argument);
}

TEST_CASE("sequence_set equality compares the wire form", "[seqset]") {
    CHECK(sequence_set({1u, 2u, 3u}) == sequence_set("1:3"));
    CHECK(sequence_set("3:1") == sequence_set("1:3"));
    CHECK_FALSE(sequence_set("1:3") == sequence_set("1:4"));
}

TEST_CASE("sequence_set expand", "[seqset]") {
    using ids = std::vector<std::uint32_t>;
    CHECK(sequence_set("1:3,7").expand() == ids{1, 2, 3, 7});
    CHECK(sequence_set("5:3").expand() == ids{3, 4, 5});
    CHECK(sequence_set("9,1:2,2:3").expand() == ids{1, 2, 3, 9});
    CHECK(sequence_set("*").expand().empty());
    CHECK(sequence_set("4,*").expand() == ids{4});
    CHECK(sequence_set("$").expand().empty());
    CHECK(sequence_set().expand().empty());
    CHECK(sequence_set("4294967294:4294967295").expand() == ids{4294967294u, 4294967295u});
    // An open-ended range cannot be expanded without the server.
    CHECK_THROWS_AS(sequence_set("2:*").expand(), std::invalid_argument);
    // Limits stop memory exhaustion before any allocation.
    CHECK_THROWS_AS(sequence_set("1:4294967295").expand(), std::length_error);
    CHECK_THROWS_AS(sequence_set("1:11").expand(10), std::length_error);
    CHECK(sequence_set("1:10").expand(10).size() == 10);
    CHECK_THROWS_AS(sequence_set("1:6,10:15").expand(11), std::length_error);
}

TEST_CASE("sequence_set list round trip through expand", "[seqset]") {
    std::mt19937 rng(42);
    std::uniform_int_distribution<std::uint32_t> id(1, 300);
    std::uniform_int_distribution<int> count(1, 120);
    for (int round = 0; round < 500; ++round) {
        std::vector<std::uint32_t> in;
        int n = count(rng);
        for (int i = 0; i < n; ++i) in.push_back(id(rng));
        std::set<std::uint32_t> unique(in.begin(), in.end());
        sequence_set s(in);
        std::vector<std::uint32_t> expected(unique.begin(), unique.end());
        INFO(s.str());
        CHECK(s.expand() == expected);
        // Reparsing the wire form gives the same set.
        CHECK(sequence_set(s.str()) == s);
        // Never a descending range.
        CHECK(s.str().find_first_not_of("0123456789:,") == std::string::npos);
    }
}

TEST_CASE("sequence_set split respects the length limit", "[seqset]") {
    std::vector<std::uint32_t> ids;
    for (std::uint32_t i = 1; i <= 3000; i += 2) ids.push_back(i * 7);
    sequence_set s(ids);
    REQUIRE(s.str().size() > 8000);
    for (std::size_t max : {std::size_t{10}, std::size_t{64}, std::size_t{1000}, std::size_t{8000}}) {
        INFO(max);
        auto parts = s.split(max);
        REQUIRE(parts.size() > 1);
        std::vector<std::uint32_t> joined;
        for (const auto& p : parts) {
            CHECK(p.str().size() <= max);
            CHECK_FALSE(p.empty());
            auto e = p.expand();
            joined.insert(joined.end(), e.begin(), e.end());
        }
        CHECK(joined == s.expand());
    }
    // Short enough: one part, identical.
    auto one = sequence_set("1:5,9").split(100);
    REQUIRE(one.size() == 1);
    CHECK(one[0] == sequence_set("1:5,9"));
    CHECK(sequence_set().split(10).empty());
    // Exactly at the limit stays whole; one less splits.
    CHECK(sequence_set("1,2,3").split(5).size() == 1);
    auto two = sequence_set("11,22,33").split(5);
    REQUIRE(two.size() == 2);
    CHECK(two[0].str() == "11,22");
    CHECK(two[1].str() == "33");
    // An element longer than the limit cannot be split.
    CHECK_THROWS_AS(sequence_set("1:100000").split(5), std::invalid_argument);
    auto stars = sequence_set("1,5:*").split(3);
    REQUIRE(stars.size() == 2);
    CHECK(stars[1].str() == "5:*");
}
