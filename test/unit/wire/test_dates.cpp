#include <catch2/catch.hpp>

#include <imapclient/types.hpp>

#include <chrono>
#include <random>
#include <string>
#include <vector>

using namespace std::chrono;
using imapclient::datetime;
using imapclient::format_internal_date;
using imapclient::parse_header_date;
using imapclient::parse_internal_date;

namespace {

sys_seconds utc(int y, unsigned mo, unsigned d, int h, int mi, int s) {
    return sys_days{year{y} / month{mo} / day{d}} + hours{h} + minutes{mi} + seconds{s};
}

struct vec {
    const char* text;
    sys_seconds utc;
    int offset_minutes;
};

}  // namespace

TEST_CASE("utc helper agrees with independently computed epoch values", "[dates]") {
    // Values from another implementation (Python calendar.timegm).
    CHECK(utc(1996, 7, 17, 9, 44, 25).time_since_epoch().count() == 837596665);
    CHECK(utc(2010, 5, 8, 14, 3, 9).time_since_epoch().count() == 1273327389);
    CHECK(utc(2007, 2, 9, 0, 0, 0).time_since_epoch().count() == 1170979200);
}

TEST_CASE("parse_internal_date accepts the RFC form and real-world variants", "[dates]") {
    const vec good[] = {
        {"17-Jul-1996 02:44:25 -0700", utc(1996, 7, 17, 9, 44, 25), -420},
        {" 9-Feb-2007 17:08:08 -0800", utc(2007, 2, 10, 1, 8, 8), -480},  // space-padded day
        {"9-Feb-2007 17:08:08 -0800", utc(2007, 2, 10, 1, 8, 8), -480},
        {"09-Feb-2007 17:08:08 +0000", utc(2007, 2, 9, 17, 8, 8), 0},
        {"17-Jul-1996 02:44:25 0400", utc(1996, 7, 16, 22, 44, 25), 240},  // zone without sign
        {"17-Jul-1996 02:44:25 -0430", utc(1996, 7, 17, 7, 14, 25), -270},
        {"17-Jul-1996 02:44:25 +0545", utc(1996, 7, 16, 20, 59, 25), 345},
        {"17-jul-1996 02:44:25 -0700", utc(1996, 7, 17, 9, 44, 25), -420},
        {"17-JUL-1996 02:44:25 -0700", utc(1996, 7, 17, 9, 44, 25), -420},
        {"29-Feb-2000 00:00:00 +0000", utc(2000, 2, 29, 0, 0, 0), 0},
        {"01-Jan-1970 00:00:00 +0100", utc(1969, 12, 31, 23, 0, 0), 60},
        {"31-Dec-9999 23:59:59 +0000", utc(9999, 12, 31, 23, 59, 59), 0},
    };
    for (const auto& v : good) {
        INFO(v.text);
        auto d = parse_internal_date(v.text);
        REQUIRE(d);
        CHECK(d->utc == v.utc);
        CHECK(d->offset == minutes{v.offset_minutes});
    }
}

TEST_CASE("parse_internal_date rejects malformed dates without throwing", "[dates]") {
    const char* bad[] = {
        "",
        "garbage",
        "32-Jul-1996 02:44:25 -0700",
        "00-Jul-1996 02:44:25 -0700",
        "29-Feb-2001 02:44:25 -0700",
        "29-Feb-1900 02:44:25 -0700",
        "17-Jux-1996 02:44:25 -0700",
        "17-July-1996 02:44:25 -0700",
        "17-Jul-96 02:44:25 -0700",
        "17-Jul-1996 24:00:00 +0000",
        "17-Jul-1996 02:60:00 +0000",
        "17-Jul-1996 02:44 -0700",
        "17-Jul-1996 02:44:25",
        "17-Jul-1996 02:44:25 -07",
        "17-Jul-1996 02:44:25 -0760",
        "17-Jul-1996 02:44:25 -0700 x",
        "17-Jul-1996 2:44:25 -0700",
        "117-Jul-1996 02:44:25 -0700",
        "17 Jul 1996 02:44:25 -0700",
        "17-Jul-1996T02:44:25-0700",
        "17-Jul-\xff\xfe 02:44:25 -0700",
        "17-Jul-1996 02:44:25 -07000",
    };
    for (const char* s : bad) {
        INFO(s);
        CHECK_NOTHROW(parse_internal_date(s));
        CHECK_FALSE(parse_internal_date(s));
    }
}

TEST_CASE("parse_header_date reads the many shapes of real Date headers", "[dates]") {
    const auto base = utc(2010, 5, 8, 16, 3, 9);
    const vec good[] = {
        {"Sat, 8 May 2010 16:03:09 +0200", base - hours{2}, 120},
        {"Sat, 8 May 2010 16.03.09 +0200", base - hours{2}, 120},
        {"Wednesday,18 August 2010 16.03.09 -0200", utc(2010, 8, 18, 18, 3, 9), -120},
        {"8 May 2010 16:03:09 +0200", base - hours{2}, 120},
        {"Sat, 08 May 2010 16:03:09 +0200", base - hours{2}, 120},
        {"sat, 8 may 2010 16:03:09 +0200", base - hours{2}, 120},
        {"  Sat,  8  May  2010  16:03:09  +0200  ", base - hours{2}, 120},
        {"Sat, 8 May 2010\r\n 16:03:09 +0200", base - hours{2}, 120},
        {"Sat 8 May 2010 16:03:09 +0200", base - hours{2}, 120},
        {"Sat, 8-May-2010 16:03:09 +0200", base - hours{2}, 120},
        {"Sat, 8 May 2010 16:03:09 +02:00", base - hours{2}, 120},
        // Two- and three-digit years (RFC 5322 4.3).
        {"Sat, 8 May 10 16:03:09 +0200", base - hours{2}, 120},
        {"Sat, 8 May 110 16:03:09 +0200", base - hours{2}, 120},
        {"Sat, 8 May 99 16:03:09 +0000", utc(1999, 5, 8, 16, 3, 9), 0},
        {"Sat, 8 May 49 16:03:09 +0000", utc(2049, 5, 8, 16, 3, 9), 0},
        {"Sat, 8 May 50 16:03:09 +0000", utc(1950, 5, 8, 16, 3, 9), 0},
        // Missing seconds; a leap second rolls over.
        {"Sat, 8 May 2010 16:03 +0200", base - hours{2} - seconds{9}, 120},
        {"Sat, 8 May 2010 16.03 -0000", base - seconds{9}, 0},
        {"Sat, 8 May 2010 23:59:60 +0000", utc(2010, 5, 9, 0, 0, 0), 0},
        // Obsolete zones.
        {"Sat, 8 May 2010 16:03:09 GMT", base, 0},
        {"Sat, 8 May 2010 16:03:09 UT", base, 0},
        {"Sat, 8 May 2010 16:03:09 UTC", base, 0},
        {"Sat, 8 May 2010 16:03:09 Z", base, 0},
        {"Sat, 8 May 2010 16:03:09 EST", base + hours{5}, -300},
        {"Sat, 8 May 2010 16:03:09 EDT", base + hours{4}, -240},
        {"Sat, 8 May 2010 16:03:09 CST", base + hours{6}, -360},
        {"Sat, 8 May 2010 16:03:09 CDT", base + hours{5}, -300},
        {"Sat, 8 May 2010 16:03:09 MST", base + hours{7}, -420},
        {"Sat, 8 May 2010 16:03:09 MDT", base + hours{6}, -360},
        {"Sat, 8 May 2010 16:03:09 PST", base + hours{8}, -480},
        {"Sat, 8 May 2010 16:03:09 pdt", base + hours{7}, -420},
        {"Sat, 8 May 2010 16:03:09 A", base, 0},  // military: unknown, -0000
        {"Sat, 8 May 2010 16:03:09 y", base, 0},
        {"Sat, 8 May 2010 16:03:09 CEST", base, 0},  // unknown name: -0000
        {"Sat, 8 May 2010 16:03:09 GMT+0200", base - hours{2}, 120},
        // Comments and redundant names after the offset.
        {"Sat, 8 May 2010 16:03:09 +0000 (UTC)", base, 0},
        {"Sat, 8 May 2010 16:03:09 -0700 (PDT)", base + hours{7}, -420},
        {"Sat, 8 May 2010 16:03:09 +0200 (CEST (nested))", base - hours{2}, 120},
        {"Sat, 8 May 2010 16:03:09 +0200 CEST", base - hours{2}, 120},
        {"Sat, 8 May 2010 16:03:09 (no zone)", base, 0},
        {"Sat, 8 May 2010 16:03:09 -0430", base + hours{4} + minutes{30}, -270},
        {"Sat, 8 May 2010 16:03:09 0200", base - hours{2}, 120},
        // No zone at all.
        {"Sat, 8 May 2010 16:03:09", base, 0},
        // asctime() shape.
        {"Sat May  8 16:03:09 2010", base, 0},
        {"Sat May 8 16:03:09 2010 +0200", base - hours{2}, 120},
        {"Thu, 1 Jan 1970 00:00:00 +0000", sys_seconds{}, 0},
        {"Wed, 31 Dec 1969 23:59:59 +0000", sys_seconds{} - seconds{1}, 0},
    };
    for (const auto& v : good) {
        INFO(v.text);
        auto d = parse_header_date(v.text);
        REQUIRE(d);
        CHECK(d->utc == v.utc);
        CHECK(d->offset == minutes{v.offset_minutes});
    }
}

TEST_CASE("parse_header_date gives nullopt for garbage, never throws", "[dates]") {
    const std::vector<std::string> bad = {
        "",
        " ",
        "garbage",
        "Sat,",
        "Sat, 8 May",
        "Sat, 8 May 2010",
        "Sat, 32 May 2010 16:03:09 +0200",
        "Sat, 0 May 2010 16:03:09 +0200",
        "Sat, 29 Feb 2011 16:03:09 +0200",
        "Sat, 8 Foo 2010 16:03:09 +0200",
        "Sat, 8 May 2010 25:03:09 +0200",
        "Sat, 8 May 2010 16:60:09 +0200",
        "Sat, 8 May 2010 16:03:61 +0200",
        "Sat, 8 May 2010 16:03:09 +0260",
        "Sat, 8 May 2010 16:03:09 +02",
        "Sat, 8 May 2010 16:03:09 +0200 and some trailing words",
        "Sat, 8 May 2010 16:03:09 (unclosed",
        "Sat, 8 May 2010 16:3:09 +0200",
        "Sat, 8 May 2010 16:03:9 +0200",
        "Sat, 8 May 2010 16-03-09 +0200",
        "Sat, 8 May 2010 1603 +0200",
        "Sat, 8 May 2010x 16:03:09 +0200",
        "Sat, 8 May 20100 16:03:09 +0200",
        "Sat, 8 May 2 16:03:09 +0200",
        "Funday, 8 May 2010 16:03:09 +0200",
        "Sat, 123 May 2010 16:03:09 +0200",
        "\xff\xfe\xfd",
        std::string("Sat, 8 May 2010 16:03:09 +0200\0", 31),
        "2010-05-08T16:03:09Z",
        "Sat May 8 16:03:09 +0200",
    };
    for (const auto& s : bad) {
        INFO(s);
        CHECK_NOTHROW(parse_header_date(s));
        CHECK_FALSE(parse_header_date(s));
    }
}

TEST_CASE("format_internal_date writes the APPEND form", "[dates]") {
    CHECK(format_internal_date({utc(1996, 7, 17, 9, 44, 25), minutes{-420}}) == "17-Jul-1996 02:44:25 -0700");
    CHECK(format_internal_date({utc(2020, 1, 5, 8, 0, 0), minutes{0}}) == "05-Jan-2020 08:00:00 +0000");
    CHECK(format_internal_date({utc(2020, 1, 5, 8, 0, 0), minutes{-270}}) == "05-Jan-2020 03:30:00 -0430");
    CHECK(format_internal_date({utc(2020, 1, 5, 8, 0, 0), minutes{330}}) == "05-Jan-2020 13:30:00 +0530");
    CHECK(format_internal_date({utc(2010, 1, 1, 2, 0, 0), minutes{-300}}) == "31-Dec-2009 21:00:00 -0500");
    CHECK(format_internal_date({utc(2009, 12, 31, 23, 0, 0), minutes{120}}) == "01-Jan-2010 01:00:00 +0200");
    CHECK(format_internal_date({utc(1969, 12, 31, 23, 59, 59), minutes{0}}) == "31-Dec-1969 23:59:59 +0000");
    CHECK(format_internal_date({utc(2000, 2, 29, 12, 34, 56), minutes{-1}}) == "29-Feb-2000 12:33:56 -0001");
    CHECK(format_internal_date({utc(2024, 12, 9, 0, 0, 0), minutes{0}}) == "09-Dec-2024 00:00:00 +0000");
}

TEST_CASE("format_internal_date and parse_internal_date round-trip", "[dates]") {
    std::mt19937_64 rng(7);
    std::uniform_int_distribution<long long> when(-2'000'000'000LL, 7'000'000'000LL);
    std::uniform_int_distribution<int> off(-14 * 60, 14 * 60);
    for (int i = 0; i < 3000; ++i) {
        datetime d{sys_seconds{seconds{when(rng)}}, minutes{off(rng)}};
        std::string text = format_internal_date(d);
        INFO(text);
        auto back = parse_internal_date(text);
        REQUIRE(back);
        CHECK(*back == d);
        // The wall-clock time in the text is the local time.
        CHECK(back->local() == d.local());
    }
}
