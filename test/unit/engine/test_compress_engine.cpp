// The engine's side of COMPRESS=DEFLATE: a barrier; nothing after its OK is
// parsed (it is compressed) and nothing is written until the caller has
// turned the streams on; a NO changes nothing.
#include "operations/session.hpp"
#include "engine_script.hpp"
#include "net/deflate_stream.hpp"

#include <zlib.h>

using namespace engine_script;

namespace {

// The server's side: one raw DEFLATE stream, a sync flush per call.
struct server_deflater {
    z_stream z{};
    server_deflater() { REQUIRE(deflateInit2(&z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) == Z_OK); }
    ~server_deflater() { deflateEnd(&z); }
    std::string operator()(std::string_view s) {
        std::string out;
        z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(s.data()));
        z.avail_in = static_cast<uInt>(s.size());
        do {
            char buf[512];
            z.next_out = reinterpret_cast<Bytef*>(buf);
            z.avail_out = sizeof buf;
            deflate(&z, Z_SYNC_FLUSH);
            out.append(buf, sizeof buf - z.avail_out);
        } while (z.avail_out == 0);
        return out;
    }
};

std::string inflate_all(imapclient::net::inflater& inf, std::string_view in) {
    std::string out;
    char buf[256];
    for (;;) {
        auto r = inf.inflate(in, buf);
        REQUIRE(r.error.empty());
        out.append(buf, r.produced);
        in.remove_prefix(r.consumed);
        if (in.empty() && r.produced < sizeof buf) return out;
    }
}

}  // namespace

TEST_CASE("engine: COMPRESS's OK stops parsing; the rest is handed over, compressed", "[compress]") {
    script s;
    s.feed_mode = GENERATE(feeding::whole, feeding::bytewise, feeding::zero_copy);
    s.greet("IMAP4rev1 COMPRESS=DEFLATE");
    auto z = s.submit(cmd::compress_deflate());
    CHECK(s.flush() == "A1 COMPRESS DEFLATE\r\n");
    // A command issued meanwhile waits: COMPRESS is a barrier (RFC 4978 3).
    auto noop = s.submit(cmd::noop());
    CHECK(s.flush().empty());

    server_deflater server;
    const std::string compressed = server("* OK [ALERT] compressed hello\r\n");
    // The OK and the first compressed bytes in one packet.
    s.server("A1 OK DEFLATE active\r\n" + compressed);
    CHECK(s.result(z).ec == error_code{});
    CHECK(s.eng.compression_pending());
    CHECK_FALSE(s.eng.closed());
    CHECK(s.events().empty());  // the compressed bytes were not parsed as text
    // Nothing is written, the queued NOOP neither, until compression is on.
    CHECK(s.flush().empty());
    // Bytes that keep arriving while it is pending stay buffered too.
    const std::string more = server("* OK [ALERT] second\r\n");
    s.server(more);
    CHECK(s.events().empty());

    auto rest = s.eng.take_buffered();
    CHECK(rest == compressed + more);
    s.eng.compression_established();
    imapclient::net::inflater inf;
    s.server(inflate_all(inf, rest));
    auto ev = s.events();
    REQUIRE(ev.size() == 2);
    CHECK(s.flush() == "A2 NOOP\r\n");
    s.server(inflate_all(inf, server("A2 OK NOOP done\r\n")));
    CHECK(s.result(noop).ec == error_code{});
}

TEST_CASE("engine: COMPRESS waits for the commands on the wire", "[compress]") {
    script s;
    s.greet("IMAP4rev1 COMPRESS=DEFLATE");
    auto caps = s.submit(cmd::capability());
    CHECK(s.flush() == "A1 CAPABILITY\r\n");
    auto z = s.submit(cmd::compress_deflate());
    CHECK(s.flush().empty());
    s.server("* CAPABILITY IMAP4rev1 COMPRESS=DEFLATE\r\nA1 OK\r\n");
    CHECK(s.result(caps).ec == error_code{});
    CHECK(s.flush() == "A2 COMPRESS DEFLATE\r\n");
    CHECK_FALSE(s.completed(z));
}

TEST_CASE("engine: COMPRESS answered NO or BAD leaves the connection in clear text", "[compress]") {
    const std::string answer = GENERATE(std::string("NO [COMPRESSIONACTIVE] already"), std::string("BAD what"));
    script s;
    s.greet("IMAP4rev1 COMPRESS=DEFLATE");
    auto z = s.submit(cmd::compress_deflate());
    CHECK(s.flush() == "A1 COMPRESS DEFLATE\r\n");
    auto noop = s.submit(cmd::noop());
    s.server("A1 " + answer + "\r\n* OK [ALERT] clear text\r\n");
    CHECK(s.result(z).ec != error_code{});
    CHECK_FALSE(s.eng.compression_pending());
    CHECK(s.events().size() == 1);  // parsed as usual
    CHECK(s.flush() == "A2 NOOP\r\n");
    s.server("A2 OK\r\n");
    CHECK(s.result(noop).ec == error_code{});
}
