// libFuzzer target for the wire-layer response parser.
//
// Two properties are checked on every input:
//  - response_parser never crashes, hangs or trips a sanitizer, whatever
//    the bytes and however they are split into reads; broken framing must
//    surface as wire::parse_error and nothing else;
//  - the result does not depend on the chunking: the responses obtained
//    from input-derived chunk sizes equal those obtained from one feed.
// parse_response() gets the whole input as one frame and may throw nothing
// but parse_error.
//
// Inputs that start with a control byte use tiny limits, so that the "line
// too long" and "literal too large" paths are reached by short inputs.
#include "wire/parser.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <cstring>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

namespace wire = imapclient::wire;

namespace {

// A property violation is a finding like a crash: report and abort so that
// libFuzzer saves the input.
[[noreturn]] void fail(const char* what, const char* detail) {
    std::fprintf(stderr, "fuzz_parser: %s %s\n", what, detail);
    std::abort();
}

struct outcome {
    std::vector<imapclient::response> responses;
    bool failed = false;  // a parse_error ended the stream
};

// Feeds `data` in chunks whose sizes come from `sizes` (cycled), draining
// next() after each chunk as a socket reader would. Alternates between
// feed() and prepare()/commit() so that both entry points are covered.
// With no sizes, the whole input goes in one read (or, with bytewise, one
// byte per read).
outcome run_chunked(std::string_view data, std::string_view sizes, wire::parser_limits limits,
                    bool bytewise) {
    outcome out;
    wire::response_parser parser(limits);
    std::size_t pos = 0, k = 0;
    try {
        while (pos < data.size()) {
            std::size_t n = bytewise ? 1 : data.size();
            if (!sizes.empty()) {
                auto s = static_cast<unsigned char>(sizes[k % sizes.size()]);
                // mostly small reads, now and then a large one
                n = (s & 0x80) ? std::size_t{1} << (s & 0x0f) : std::size_t{1} + (s & 0x1f);
            }
            n = std::min(n, data.size() - pos);
            if (k % 2 == 0) {
                parser.feed(data.substr(pos, n));
            } else {
                // ask for more room than will be used, as a reader does
                auto room = parser.prepare(n + 7);
                if (room.size() < n) fail("prepare() gave less room than asked", "");
                std::memcpy(room.data(), data.data() + pos, n);
                parser.commit(n);
            }
            pos += n;
            ++k;
            while (auto r = parser.next()) out.responses.push_back(std::move(*r));
        }
        while (auto r = parser.next()) out.responses.push_back(std::move(*r));
    } catch (const wire::parse_error&) {
        out.failed = true;
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(bytes), size);

    // A first byte below 0x20 is a control byte: it picks one of four
    // limit settings and how many bytes of read sizes follow (0..7); the
    // rest is the server's byte stream. Any other input is a plain server
    // transcript (the seed corpus is kept that way): moderate limits, and
    // the read sizes are taken from the transcript's own bytes.
    wire::parser_limits limits{4096, 64 * 1024};
    std::string_view sizes, stream = input;
    if (!input.empty() && static_cast<unsigned char>(input[0]) < 0x20) {
        auto control = static_cast<unsigned char>(input[0]);
        std::size_t nsizes = std::min<std::size_t>(control & 0x07, input.size() - 1);
        sizes = input.substr(1, nsizes);
        stream = input.substr(1 + nsizes);
        static constexpr wire::parser_limits settings[] = {
            {64, 0}, {256, 16}, {1024, 4096}, {8192, 64}};
        limits = settings[(control >> 3) & 0x03];
    } else {
        sizes = stream.substr(0, 16);
    }

    // Reference: everything in one feed. Then the reads the input asks
    // for, and (for short inputs) one byte at a time, the worst case for
    // resumption. Only the responses before a framing error are compared:
    // exactly where a limit trips may legitimately depend on the reads,
    // but every response that did come out must be the same.
    outcome whole = run_chunked(stream, {}, limits, false);
    auto same_prefix = [&](const outcome& other) {
        std::size_t common = std::min(whole.responses.size(), other.responses.size());
        for (std::size_t i = 0; i < common; ++i)
            if (whole.responses[i] != other.responses[i])
                fail("a response differs with the read sizes", std::to_string(i).c_str());
        // without any error on either side, nothing may be missing either
        if (!whole.failed && !other.failed && whole.responses.size() != other.responses.size())
            fail("responses went missing with the read sizes", "");
    };
    if (!sizes.empty()) same_prefix(run_chunked(stream, sizes, limits, false));
    if (stream.size() <= 512) same_prefix(run_chunked(stream, {}, limits, true));

    // parse_response works on a frame the caller already cut; it must never
    // throw, whatever that frame holds.
    // A frame with broken framing (say, a literal longer than the frame)
    // may be refused with parse_error; anything else escaping is a bug.
    try {
        (void)wire::parse_response(stream);
    } catch (const wire::parse_error&) {
    } catch (const std::exception& e) {
        fail("parse_response threw something other than parse_error", e.what());
    }
    return 0;
}
