// libFuzzer target for the whole client (actor, engine, parser, IDLE,
// listen) against a loopback server that replays the fuzzer's bytes.
//
// Input layout:
//   byte 0      flags (see enum below: tiny limits, debug log, STARTTLS,
//               caller on the client's strand or not, ...)
//   bytes 1..7  operations run after connect (+ login), one byte each
//   the rest    the server's script: chunks separated by 0x01 bytes. The
//               first chunk (the greeting) is sent at once; each later one
//               after the client sent one more line (or 1 ms passed), so
//               that replies follow commands as with a real server. 0x02
//               in a chunk stands for the tag of the command whose line
//               it answers (IDLE's for DONE; literals are skipped).
//   After the last chunk the server waits one line (or 1 ms) and closes.
//
// Properties checked on every input (a violation aborts, so libFuzzer
// keeps the input):
//  - no crash, no sanitizer report;
//  - every operation completes: 3 s after the server closed, the driver
//    must be done (the client notices EOF at once; nothing waits for a
//    timeout then), and a whole input never takes more than 8 s;
//  - once the driver is done and the client destroyed, nothing of the
//    client is left running in the io_context (no stray timer/coroutine);
//  - results agree with the request: a UID FETCH result is keyed by UID.
#include <imapclient/client.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
using namespace asio::experimental::awaitable_operators;
using clock_type = std::chrono::steady_clock;

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t header_size = 8;
constexpr std::size_t max_chunks = 48;

enum flag : unsigned {
    tiny_limits = 1u << 0,  // max_line 200, max_literal 512, max_events 2
    debug_log = 1u << 1,    // debug level 5 into a discarding sink
    starttls = 1u << 2,     // security::starttls (handshake on replayed bytes)
    skip_login = 1u << 3,   // straight to the operations (PREAUTH scripts)
    sequence_ids = 1u << 4, // use_uid = false
    no_timeout = 1u << 5,   // options.timeout = 0: only EOF ends waits
    on_strand = 1u << 6,    // the operations run on the client's strand
};

// FUZZ_CLIENT_ON_STRAND=1 runs every input on the client's strand: then a
// cancellation never crosses executors, which keeps the known co_spawn
// use-after-free (test/live/test_threads.cpp, "[cancellation]") out of the
// way while looking for other bugs.
const bool force_on_strand = [] {
    const char* v = std::getenv("FUZZ_CLIENT_ON_STRAND");
    return v && *v == '1';
}();

const char* current_op = "connect";

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "fuzz_client: %s (operation: %s)\n", what, current_op);
    std::abort();
}

// What the loopback server knows about the client's side of the exchange.
// A "line" ends at each CRLF the client sends outside a literal; the bytes
// of a literal announced at a line's end are skipped, so that a command
// with a literal is two lines (the announcement, then the rest).
struct server_state {
    explicit server_state(asio::io_context& io) : wake(io) {}
    std::string line;
    std::uint64_t literal_left = 0;
    bool continuation = false;    // the current line follows a literal
    std::string command_tag;      // the tag of the command being sent
    std::vector<std::string> tags;  // per line: the tag of its command
    asio::steady_timer wake;      // cancelled when a client line arrives
    bool done = false;
    std::optional<clock_type::time_point> closed_at;

    void on_line() {
        std::string_view l(line);
        while (!l.empty() && (l.back() == '\n' || l.back() == '\r')) l.remove_suffix(1);
        if (!continuation) {
            std::string word(l.substr(0, l.find(' ')));
            // DONE ends IDLE: what answers it carries IDLE's tag.
            if (word != "DONE") command_tag = word;
        }
        tags.push_back(command_tag);
        continuation = false;
        if (!l.empty() && l.back() == '}') {
            auto open = l.rfind('{');
            std::uint64_t n = 0;
            for (auto i = open == std::string_view::npos ? l.size() : open + 1; i < l.size(); ++i)
                if (l[i] >= '0' && l[i] <= '9') n = std::min<std::uint64_t>(n * 10 + (l[i] - '0'), 1u << 24);
            literal_left = n;
            continuation = true;
        }
        line.clear();
        wake.cancel();
    }
};

asio::awaitable<void> read_client(std::shared_ptr<tcp::socket> sock, std::shared_ptr<server_state> st) {
    char buf[4096];
    for (;;) {
        auto [ec, n] = co_await sock->async_read_some(asio::buffer(buf), tuple_awaitable);
        if (ec) break;
        for (std::size_t i = 0; i < n; ++i) {
            if (st->literal_left) {
                --st->literal_left;
                continue;
            }
            if (st->line.size() < 8192) st->line += buf[i];
            if (buf[i] == '\n') st->on_line();
        }
    }
    st->wake.cancel();
}

// Waits until the client sent a line beyond `consumed`, or 1 ms.
asio::awaitable<void> await_line(server_state& st, std::size_t& consumed) {
    if (st.tags.size() <= consumed) {
        st.wake.expires_after(1ms);
        co_await st.wake.async_wait(tuple_awaitable);
    }
    if (st.tags.size() > consumed) ++consumed;
}

asio::awaitable<void> serve(tcp::acceptor& acceptor, std::vector<std::string> chunks,
                            std::shared_ptr<server_state> st) {
    auto sock = std::make_shared<tcp::socket>(acceptor.get_executor());
    auto [aec] = co_await acceptor.async_accept(*sock, tuple_awaitable);
    if (!aec) {
        sock->set_option(tcp::no_delay(true));
        asio::co_spawn(acceptor.get_executor(), read_client(sock, st), asio::detached);
        std::size_t consumed = 0;
        for (std::size_t i = 0; i < chunks.size(); ++i) {
            if (i > 0) co_await await_line(*st, consumed);
            // 0x02: the tag of the line this chunk answers.
            const std::string tag = consumed ? st->tags[consumed - 1] : std::string("*");
            std::string out;
            for (char ch : chunks[i]) {
                if (ch == '\x02') out += tag;
                else out += ch;
            }
            if (out.empty()) continue;
            auto [wec, n] = co_await asio::async_write(*sock, asio::buffer(out), tuple_awaitable);
            if (wec) break;
        }
        co_await await_line(*st, consumed);
        boost::system::error_code ignored;
        sock->shutdown(tcp::socket::shutdown_both, ignored);
        sock->close(ignored);
    }
    st->closed_at = clock_type::now();
    st->done = true;
}

const std::vector<std::string> items_small{"UID", "FLAGS", "RFC822.SIZE", "INTERNALDATE"};
const std::vector<std::string> items_big{"ENVELOPE", "BODYSTRUCTURE", "BODY.PEEK[]", "BODY.PEEK[HEADER.FIELDS (SUBJECT)]"};
const std::vector<std::string> items_modseq{"FLAGS", "MODSEQ"};
const std::vector<std::string> changedsince{"CHANGEDSINCE 1"};
const std::vector<std::string> seen_flag{"\\Seen"};

void check_fetch(const imapclient::client& c, const imapclient::fetch_result& r) {
    if (!c.use_uid()) return;
    for (auto& [key, m] : r.messages)
        if (!m.uid || *m.uid != key) fail("UID FETCH result keyed by something other than the UID");
}

asio::awaitable<void> drain_events(imapclient::client& c, int max) {
    auto ex = co_await asio::this_coro::executor;
    for (int i = 0; i < max; ++i) {
        asio::steady_timer t(ex, 1ms);
        auto r = co_await (c.next_event(tuple_awaitable) || t.async_wait(tuple_awaitable));
        if (r.index() == 1) co_return;
        auto& [ec, ev] = std::get<0>(r);
        if (ec) co_return;
    }
}

asio::awaitable<void> run_op(imapclient::client& c, std::uint8_t code) {
    auto ex = co_await asio::this_coro::executor;
    switch (code % 18) {
    case 0: current_op = "noop"; co_await c.noop(tuple_awaitable); break;
    case 1: current_op = "select"; co_await c.select_folder("INBOX", false, tuple_awaitable); break;
    case 2: current_op = "examine"; co_await c.select_folder("Gr\xc3\xbc\xc3\x9f" "e/&", true, tuple_awaitable); break;
    case 3: {
        current_op = "fetch 1:*";
        auto [ec, r] = co_await c.fetch("1:*", items_small, {}, tuple_awaitable);
        if (!ec) check_fetch(c, r);
        break;
    }
    case 4: {
        current_op = "fetch 1:3 body";
        auto [ec, r] = co_await c.fetch("1:3", items_big, {}, tuple_awaitable);
        if (!ec) check_fetch(c, r);
        break;
    }
    case 5: {
        current_op = "fetch changedsince";
        auto [ec, r] = co_await c.fetch("1:*", items_modseq, changedsince, tuple_awaitable);
        if (!ec) check_fetch(c, r);
        break;
    }
    case 6: current_op = "search"; co_await c.search("ALL", {}, tuple_awaitable); break;
    case 7: {
        current_op = "search utf8";
        imapclient::search_criteria crit{"SUBJECT", "caf\xc3\xa9", "NOT", "DELETED"};
        co_await c.search(std::move(crit), {}, tuple_awaitable);
        break;
    }
    case 8:
        current_op = "append";
        co_await c.append("INBOX", "Subject: x\r\n\r\nhello\r\n", seen_flag, std::nullopt, tuple_awaitable);
        break;
    case 9:
        current_op = "append 8bit";
        co_await c.append("Sent", std::string("Subject: \xe2\x82\xac\r\n\r\n") + std::string(600, 'b') + "\r\n", {},
                          imapclient::datetime{}, tuple_awaitable);
        break;
    case 10: {
        current_op = "idle";
        auto [ec, r] = co_await c.idle(tuple_awaitable);
        if (ec) break;
        current_op = "idle_check";
        co_await c.idle_check(2ms, tuple_awaitable);
        current_op = "idle_done";
        co_await c.idle_done(tuple_awaitable);
        break;
    }
    case 11: {
        current_op = "listen";
        imapclient::listen_options lo;
        lo.renew_interval = 3ms;
        lo.grace = 20ms;
        lo.poll_interval = 2ms;
        asio::steady_timer t(ex, 8ms);
        co_await (c.listen(lo, tuple_awaitable) || t.async_wait(tuple_awaitable));
        current_op = "events after listen";
        co_await drain_events(c, 4);
        break;
    }
    case 12: {
        // Pipelined: three commands in flight at once.
        current_op = "pipelined fetch+noop+search";
        auto r = co_await (c.fetch("1:2", items_small, {}, tuple_awaitable) && c.noop(tuple_awaitable) &&
                           c.search("UNSEEN", {}, tuple_awaitable));
        // (`&&` flattens the first operand's tuple into the result.)
        if (!std::get<0>(r)) check_fetch(c, std::get<1>(r));
        break;
    }
    case 13: current_op = "raw CAPABILITY"; co_await c.raw_command("CAPABILITY", tuple_awaitable); break;
    case 14: current_op = "close"; co_await c.close_folder(tuple_awaitable); break;
    case 15: current_op = "logout"; co_await c.logout(tuple_awaitable); break;
    case 16: current_op = "events"; co_await drain_events(c, 8); break;
    case 17: {
        // Abandoned at once: the late reply must be discarded cleanly.
        current_op = "cancelled fetch";
        asio::steady_timer t(ex, 0ms);
        co_await (c.fetch("1:*", items_big, {}, tuple_awaitable) || t.async_wait(tuple_awaitable));
        break;
    }
    }
}

struct driver_state {
    bool done = false;
};

asio::awaitable<void> drive(imapclient::client& c, std::vector<std::uint8_t> ops, unsigned flags,
                            std::shared_ptr<driver_state> st) {
    current_op = "connect";
    auto [ec, info] = co_await c.connect(tuple_awaitable);
    if (!ec && !(flags & skip_login)) {
        current_op = "login";
        co_await c.login("alice", "alicepass", tuple_awaitable);
    }
    // After a failed connect the operations must still complete (refused).
    for (auto op : ops) co_await run_op(c, op);
    current_op = "final noop";
    co_await c.noop(tuple_awaitable);
    st->done = true;
}

struct fixture {
    asio::io_context io;
    tcp::acceptor acceptor{io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
    std::uint16_t port = acceptor.local_endpoint().port();
    std::shared_ptr<asio::ssl::context> tls = [] {
        auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
        ctx->set_verify_mode(asio::ssl::verify_none);
        return ctx;
    }();
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static fixture fx;
    if (size < header_size) return -1;
    const unsigned flags = data[0];
    std::vector<std::uint8_t> ops(data + 1, data + header_size);
    std::vector<std::string> chunks(1);
    for (std::size_t i = header_size; i < size; ++i) {
        if (data[i] == 0x01 && chunks.size() < max_chunks) chunks.emplace_back();
        else chunks.back() += static_cast<char>(data[i]);
    }

    imapclient::client_options o;
    o.host = "127.0.0.1";
    o.port = fx.port;
    o.security = (flags & starttls) ? imapclient::security::starttls : imapclient::security::plain;
    o.ssl_context = fx.tls;
    o.allow_plaintext_login = true;
    o.connect_timeout = 500ms;
    o.timeout = (flags & no_timeout) ? 0ms : 200ms;
    o.use_uid = !(flags & sequence_ids);
    if (flags & tiny_limits) {
        o.max_line = 200;
        o.max_literal = 512;
        o.max_events = 2;
    }
    if (flags & debug_log) {
        o.debug = 5;
        o.log = [](std::string_view) {};
    }

    auto server = std::make_shared<server_state>(fx.io);
    auto driver = std::make_shared<driver_state>();
    {
        auto c = std::make_unique<imapclient::client>(fx.io.get_executor(), o);
        fx.io.restart();
        asio::co_spawn(fx.io, serve(fx.acceptor, std::move(chunks), server), asio::detached);
        // Off the strand (the default), completions and cancellations
        // cross from the caller's executor to the client's.
        if ((flags & on_strand) || force_on_strand)
            asio::co_spawn(c->get_executor(), drive(*c, std::move(ops), flags, driver), asio::detached);
        else
            asio::co_spawn(fx.io, drive(*c, std::move(ops), flags, driver), asio::detached);
        const auto start = clock_type::now();
        while (!driver->done) {
            fx.io.run_for(5ms);
            const auto now = clock_type::now();
            // Generous bounds: on a loaded machine a sanitized process may
            // not run for a second, and that is no hang.
            if (server->closed_at && now - *server->closed_at > 3s)
                fail("an operation is still pending 3 s after the server closed the connection");
            if (now - start > 8s) fail("the input ran for more than 8 s");
        }
        if (!server->done) {
            // The client never connected (refused) or ended first: stop
            // waiting for it.
            boost::system::error_code ignored;
            fx.acceptor.cancel(ignored);
        }
    }
    // The client is gone: whatever it started must wind down on its own.
    const auto end = clock_type::now();
    while (!fx.io.stopped()) {
        fx.io.run_for(5ms);
        if (clock_type::now() - end > 2s) fail("work left in the io_context 2 s after ~client");
    }
    return 0;
}
