// Throughput of the wire-layer response parser, fed the way a socket reader
// feeds it: 64 KiB reads through prepare()/commit(), draining next() after
// each read.
//
//   (a) FETCH responses that each carry a 1 MiB literal (bulk download)
//   (b) 100,000 small FETCH responses with UID, FLAGS and ENVELOPE
//       (a mailbox listing)
//
// Each case runs 7 times; the median is printed. The program checks the
// number and content of what came out and exits non-zero when it differs,
// so that a broken parser cannot look fast.
//
// Usage: parser-bench [large-count [small-count]]
#include "wire/parser.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#ifndef IMAPCLIENT_BUILD_TYPE
#define IMAPCLIENT_BUILD_TYPE "unknown"
#endif

namespace wire = imapclient::wire;

namespace {

constexpr std::size_t read_size = 64 * 1024;
constexpr std::size_t literal_size = 1 << 20;
constexpr int runs = 7;

[[noreturn]] void fail(const std::string& why) {
    std::fprintf(stderr, "parser-bench: FAILED: %s\n", why.c_str());
    std::exit(1);
}

std::string cpu_model() {
    std::ifstream in("/proc/cpuinfo");
    for (std::string line; std::getline(in, line);)
        if (line.rfind("model name", 0) == 0) {
            auto colon = line.find(':');
            return colon == std::string::npos ? line : line.substr(colon + 2);
        }
    return "unknown";
}

// (a): "* n FETCH (UID n BODY[] {1048576}\r\n<1 MiB>)\r\n" ... "a1 OK ...".
// The literal is text with CRLF line breaks, like a real message, so that a
// parser that scans literal bytes for line ends pays for it here.
std::string make_large(std::size_t count) {
    std::string line = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod.\r\n";
    std::string literal;
    literal.reserve(literal_size);
    while (literal.size() < literal_size) literal += line;
    literal.resize(literal_size);
    std::string out;
    out.reserve(count * (literal_size + 64) + 64);
    for (std::size_t n = 1; n <= count; ++n) {
        out += "* " + std::to_string(n) + " FETCH (UID " + std::to_string(n) + " BODY[] {" +
               std::to_string(literal_size) + "}\r\n";
        out += literal;
        out += ")\r\n";
    }
    out += "a1 OK Fetch completed (0.001 + 0.000 secs).\r\n";
    return out;
}

// (b): what "UID FETCH 1:* (UID FLAGS ENVELOPE)" returns for a mailbox.
std::string make_small(std::size_t count) {
    static const char* const names[] = {"\"Alice Example\"", "\"Bob O'Brien\"", "NIL",
                                        "\"=?UTF-8?B?SsO8cmdlbiBNw7xsbGVy?=\"",
                                        "\"Support Team\""};
    static const char* const mailboxes[] = {"\"alice\" \"example.org\"",
                                            "\"bob.obrien\" \"mail.example.com\"",
                                            "\"carol\" \"example.net\"",
                                            "\"juergen\" \"example.de\"",
                                            "\"support+tickets\" \"help.example.com\""};
    static const char* const subjects[] = {
        "\"Quarterly report\"", "\"Re: build failure on main\"",
        "\"=?UTF-8?Q?Caf=C3=A9_meeting_on_Friday?=\"", "\"Fwd: holiday photos\"",
        "\"[dev-list] Weekly digest, vol 42, issue 7\"", "NIL"};
    static const char* const flags[] = {"\\Seen", "\\Seen \\Answered", "", "\\Seen $Forwarded",
                                        "\\Flagged \\Seen"};
    std::string out;
    out.reserve(count * 600);
    for (std::size_t n = 1; n <= count; ++n) {
        auto k = n % 5;
        std::string from = "((" + std::string(names[k]) + " NIL " + mailboxes[k] + "))";
        std::string to = "((\"Test User\" NIL \"user\" \"example.org\")(NIL NIL \"team\" \"lists.example.org\"))";
        out += "* " + std::to_string(n) + " FETCH (UID " + std::to_string(n + 1000) + " FLAGS (" +
               flags[n % 5] + ") ENVELOPE (\"Wed, " + std::to_string(1 + n % 28) +
               " Mar 2023 10:" + std::to_string(10 + n % 50) + ":00 +0100\" " + subjects[n % 6] +
               " " + from + " " + from + " " + from + " " + to + " " +
               (n % 3 == 0 ? "((NIL NIL \"carol\" \"example.net\"))" : "NIL") + " NIL " +
               (n % 4 == 0 ? "\"<parent-" + std::to_string(n - 1) + "@example.org>\"" : "NIL") +
               " \"<msg-" + std::to_string(n) + "@mail.example.org>\"))\r\n";
    }
    out += "a1 OK Fetch completed (0.120 + 0.000 + 0.119 secs).\r\n";
    return out;
}

struct run_result {
    double seconds = 0;
    std::size_t responses = 0;
};

// Feeds the stream in 64 KiB reads and checks every response on the way:
// that costs a little, but a reader has to look at what it gets anyway.
template <class Check>
run_result feed_stream(const std::string& stream, Check&& check) {
    wire::response_parser parser;
    run_result r;
    auto start = std::chrono::steady_clock::now();
    for (std::size_t pos = 0; pos < stream.size();) {
        std::size_t n = std::min(read_size, stream.size() - pos);
        auto room = parser.prepare(read_size);
        if (room.size() < n) fail("prepare() returned less room than asked");
        std::memcpy(room.data(), stream.data() + pos, n);
        parser.commit(n);
        pos += n;
        while (auto resp = parser.next()) {
            check(*resp, r.responses);
            ++r.responses;
        }
    }
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (parser.buffered() != 0) fail(std::to_string(parser.buffered()) + " bytes left unparsed");
    return r;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

template <class Check>
void bench(const char* name, const std::string& stream, std::size_t expected, double aim_mb_s,
           Check&& check) {
    std::vector<double> mb_s, resp_s;
    for (int i = 0; i < runs; ++i) {
        run_result r;
        try {
            r = feed_stream(stream, check);
        } catch (const wire::parse_error& e) {
            fail(std::string(name) + ": parse_error: " + e.what());
        }
        if (r.responses != expected)
            fail(std::string(name) + ": got " + std::to_string(r.responses) +
                 " responses, expected " + std::to_string(expected));
        mb_s.push_back(static_cast<double>(stream.size()) / 1e6 / r.seconds);
        resp_s.push_back(static_cast<double>(r.responses) / r.seconds);
    }
    double m = median(mb_s);
    std::printf("%-34s %9.1f MB/s %12.0f responses/s  (min %.1f, max %.1f MB/s; %zu responses, %.1f MB)  aim >= %.0f MB/s: %s\n",
                name, m, median(resp_s), *std::min_element(mb_s.begin(), mb_s.end()),
                *std::max_element(mb_s.begin(), mb_s.end()), expected,
                static_cast<double>(stream.size()) / 1e6, aim_mb_s, m >= aim_mb_s ? "met" : "NOT met");
}

const imapclient::fetch_data& as_fetch(const imapclient::response& r, std::size_t index) {
    auto* f = std::get_if<imapclient::fetch_data>(&r);
    if (!f) fail("response " + std::to_string(index) + " is not a FETCH (variant index " +
                 std::to_string(r.index()) + ")");
    return *f;
}

void check_tail(const imapclient::response& r) {
    auto* s = std::get_if<imapclient::status_response>(&r);
    if (!s || s->tag != "a1" || s->status != imapclient::status_kind::ok)
        fail("the last response is not the tagged OK");
}

}  // namespace

int main(int argc, char** argv) {
    std::size_t large_count = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 128;
    std::size_t small_count = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 100000;

    std::printf("parser-bench: build type %s, assertions %s, %u hardware threads (nproc), CPU: %s\n",
                IMAPCLIENT_BUILD_TYPE,
#ifdef NDEBUG
                "off",
#else
                "on",
#endif
                std::thread::hardware_concurrency(), cpu_model().c_str());
    std::printf("reads of %zu KiB through prepare()/commit(); median of %d runs; MB = 10^6 bytes\n",
                read_size / 1024, runs);

    // What copying the stream alone costs, for scale: the parser cannot
    // beat one memcpy per byte.
    {
        std::string src(256 << 20, 'x'), dst(read_size, '\0');
        std::vector<double> v;
        for (int i = 0; i < runs; ++i) {
            auto t0 = std::chrono::steady_clock::now();
            for (std::size_t p = 0; p < src.size(); p += read_size) {
                std::memcpy(dst.data(), src.data() + p, read_size);
                // keep every copy: the compiler may not drop the overwritten ones
                asm volatile("" : : "r"(dst.data()) : "memory");
            }
            double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            v.push_back(static_cast<double>(src.size()) / 1e6 / s);
        }
        if (dst[0] != 'x') fail("memcpy baseline");
        std::printf("%-34s %9.1f MB/s\n", "memcpy baseline (64 KiB blocks)", median(v));
    }

    {
        auto stream = make_large(large_count);
        bench("(a) FETCH with 1 MiB literals", stream, large_count + 1, 1000,
              [&](const imapclient::response& r, std::size_t i) {
                  if (i == large_count) return check_tail(r);
                  const auto& f = as_fetch(r, i);
                  if (f.seq != i + 1 || f.uid != i + 1) fail("(a): wrong sequence number or UID at " + std::to_string(i));
                  const auto* body = f.section("BODY[]");
                  if (!body || !body->data || body->data->size() != literal_size ||
                      body->data->compare(0, 11, "Lorem ipsum") != 0)
                      fail("(a): BODY[] missing or wrong at " + std::to_string(i));
              });
    }
    {
        auto stream = make_small(small_count);
        bench("(b) small FETCH (UID FLAGS ENVELOPE)", stream, small_count + 1, 150,
              [&](const imapclient::response& r, std::size_t i) {
                  if (i == small_count) return check_tail(r);
                  const auto& f = as_fetch(r, i);
                  if (f.seq != i + 1 || f.uid != i + 1001 || !f.flags || !f.envelope)
                      fail("(b): UID, FLAGS or ENVELOPE missing or wrong at " + std::to_string(i));
              });
    }
    return 0;
}
