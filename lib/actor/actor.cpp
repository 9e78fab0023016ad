// The actor: reader, writer and watchdog coroutines around the engine.
#include "actor/actor.hpp"

#include <imapclient/body_stream.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <bit>
#include <iostream>

namespace imapclient {

namespace asio = boost::asio;
using clock_type = std::chrono::steady_clock;

namespace {

// Reads start small and double while they fill the buffer, so a big fetch
// soon reads 64 KiB at a time while an idle connection, whose next read is
// a short notification, holds 4 KiB (the parser gives back the rest).
constexpr std::size_t min_read_chunk = 4 * 1024;
constexpr std::size_t max_read_chunk = 64 * 1024;
// COMPRESS: decoded bytes reach the parser this much at a time, whatever a
// few compressed bytes expand to (the parser's limits then stop a bomb).
constexpr std::size_t inflate_chunk = 16 * 1024;
// A streamed literal (APPEND from a file) goes out this much at a time:
// the whole of what it holds in memory, whatever the message's size.
constexpr std::size_t source_piece = 64 * 1024;

// One async_read_some() of a body source, awaitable. The source outlives
// the wait: the write_chunk that names it is alive until the write ends.
auto read_piece(body_source& source, asio::mutable_buffer buffer) {
    auto token = asio::as_tuple(asio::use_awaitable);
    return asio::async_initiate<decltype(token), void(error_code, std::size_t)>(
        [&source](auto handler, asio::mutable_buffer b) { source.async_read_some(b, std::move(handler)); }, token,
        buffer);
}

std::size_t next_read_chunk(std::size_t chunk, std::size_t got) {
    if (got == chunk) return std::min(chunk * 2, max_read_chunk);
    // A clearly short read means the reader has caught up with the server
    // (or the connection went quiet): a smaller buffer costs nothing then,
    // and an idle connection should not keep the big one. Reads that vary
    // around one size keep it, so the buffer does not bounce.
    if (got < chunk / 8) return std::max(std::bit_ceil(2 * got), min_read_chunk);
    return chunk;
}

engine::engine_config make_engine_config(const client_options& o, const client::impl* self) {
    engine::engine_config c;
    if (o.debug >= 3) c.trace = [self](std::string_view line) { self->log(3, "> " + std::string(line)); };
    c.limits.max_line = o.max_line;
    c.limits.max_literal = o.max_literal;
    c.max_events = o.max_events;
    c.max_event_bytes = o.max_event_bytes;
    c.max_collected = o.max_collected;
    c.metrics = self->metrics_;
    return c;
}

// Printable form of raw protocol bytes for the debug log.
std::string printable(std::string_view bytes, std::size_t max = 2000) {
    std::string out;
    for (char ch : bytes.substr(0, max)) {
        auto c = static_cast<unsigned char>(ch);
        if (c == '\r') out += "\\r";
        else if (c == '\n') out += "\\n";
        else if (c < 0x20 || c == 0x7f) out += "\\x" + std::string(1, "0123456789abcdef"[c >> 4]) + "0123456789abcdef"[c & 15];
        else out += ch;
    }
    if (bytes.size() > max) out += "...";
    return out;
}

}  // namespace

client::impl::impl(asio::any_io_executor ex, client_options options)
    : strand_(asio::make_strand(ex)),
      opts_(std::move(options)),
      transport_(strand_),
      engine_(make_engine_config(opts_, this)),
      writer_wake_(strand_),
      watchdog_(strand_),
      connect_timer_(strand_),
      event_signal_(strand_),
      quiet_signal_(strand_),
      use_uid_(opts_.use_uid) {}

void client::impl::log(int level, std::string_view line) const {
    if (opts_.debug < level) return;
    if (opts_.log) opts_.log(line);
    else std::clog << "imapclient: " << line << '\n';
}

engine::command_id client::impl::submit(engine::command_request req,
                                        asio::any_completion_handler<void(engine::completion)> h) {
    // Bound to the mailbox its caller saw selected: a SELECT of another
    // caller's that reaches the server first makes it fail, not run there.
    if (req.needs.level == engine::session_level::selected && !req.needs.selection)
        req.needs.selection = engine_.known_selection();
    const auto id = engine_.submit(std::move(req));
    auto slot = asio::get_associated_cancellation_slot(h);
    if (slot.is_connected()) {
        slot.assign([w = weak_from_this(), id](asio::cancellation_type) {
            if (auto self = w.lock())
                asio::post(self->strand_, [self, id] {
                    self->engine_.cancel(id);
                    self->pump();
                });
        });
    }
    waiting_.emplace(id, std::move(h));
    pump();
    return id;
}

void client::impl::pump() {
    for (auto& c : engine_.take_completions()) {
        auto it = waiting_.find(c.id);
        if (it == waiting_.end()) continue;
        auto h = std::move(it->second);
        waiting_.erase(it);
        asio::get_associated_cancellation_slot(h).clear();
        // Posted, never run inline: the caller may be deep in the reader.
        asio::post(strand_, [h = std::move(h), c = std::move(c)]() mutable { std::move(h)(std::move(c)); });
    }
    deliver_events();
    if (engine_.has_events() || engine_.closed()) event_signal_.cancel();
    if (engine_.pending() == 0 || engine_.closed()) quiet_signal_.cancel();
    if (engine_.closed()) {
        transport_.close();
        watchdog_.cancel();
        connect_timer_.cancel();
    }
    writer_wake_.cancel();
    // A lease group ends when its mailbox stops being selected (a plain
    // select_folder(), a new UIDVALIDITY, connection loss): who waits may go.
    if (leases_.waiting() && !leases_.selecting()) schedule_leases();
}

void client::impl::deliver_events() {
    while (!event_waiters_.empty()) {
        error_code ec;
        event e;
        if (auto next = engine_.pop_event()) {
            e = std::move(*next);
            if (std::holds_alternative<connection_closed>(e)) closed_event_delivered_ = true;
        } else if (closed_event_delivered_) {
            ec = make_error_code(errc::not_connected);
        } else {
            return;
        }
        auto h = std::move(event_waiters_.front().second);
        event_waiters_.pop_front();
        asio::get_associated_cancellation_slot(h.handler).clear();
        asio::post(h.executor, [h = std::move(h.handler), ec, e = std::move(e)]() mutable { std::move(h)(ec, std::move(e)); });
    }
}

void client::impl::wait_event(result_handler<event> h) {
    const auto id = next_waiter_++;
    auto slot = asio::get_associated_cancellation_slot(h.handler);
    if (slot.is_connected()) {
        slot.assign([w = weak_from_this(), id](asio::cancellation_type) {
            auto self = w.lock();
            if (!self) return;
            asio::post(self->strand_, [self, id] {
                auto& q = self->event_waiters_;
                auto it = std::find_if(q.begin(), q.end(), [id](auto& p) { return p.first == id; });
                if (it == q.end()) return;
                auto h = std::move(it->second);
                q.erase(it);
                asio::post(h.executor, [h = std::move(h.handler)]() mutable {
                    std::move(h)(asio::error::operation_aborted, event{});
                });
            });
        });
    }
    event_waiters_.emplace_back(id, std::move(h));
    deliver_events();
}

void client::impl::close(error_code ec, std::string_view why) {
    engine_.fail(ec, why);
    pump();
}

void client::impl::transport_failed(error_code ec) {
    if (connect_timed_out_) return close(make_error_code(errc::timeout), "connect timed out");
    if (engine_.state() == engine::session_state::logout) return close(make_error_code(errc::not_connected), "logged out");
    close(make_error_code(errc::connection_lost), ec.message());
}

void client::impl::start_loops() {
    running_ = true;
    last_activity_ = clock_type::now();
    auto self = shared_from_this();
    asio::co_spawn(strand_, [self]() { return self->reader_loop(); }, asio::detached);
    asio::co_spawn(strand_, [self]() { return self->writer_loop(); }, asio::detached);
    if (opts_.timeout.count() > 0)
        asio::co_spawn(strand_, [self]() { return self->watchdog_loop(); }, asio::detached);
}

asio::awaitable<void> client::impl::reader_loop() {
    std::size_t chunk = min_read_chunk;
    std::vector<char> compressed;  // COMPRESS on: bytes as read, before inflating
    while (!engine_.closed()) {
        // Plain reads go straight into the parser's buffer; compressed ones
        // are read aside and inflated into it.
        const bool inflating = inflater_ != nullptr;
        std::span<char> buf;
        if (inflating) {
            // As the parser does: an idle connection keeps only a small buffer.
            if (compressed.capacity() > 2 * chunk) std::vector<char>().swap(compressed);
            compressed.resize(chunk);
            buf = std::span<char>(compressed);
        } else {
            buf = engine_.prepare_read(chunk);
        }
        auto [ec, n] = co_await transport_.read_some(asio::buffer(buf.data(), buf.size()));
        if (ec) {
            if (!inflating) engine_.commit_read(0);
            transport_failed(ec);
            break;
        }
        last_activity_ = clock_type::now();
        metrics_->bytes_read(n);
        chunk = next_read_chunk(chunk, n);
        if (inflating) {
            // Decoded a bounded chunk at a time, each written to its sink (if
            // it is a streamed body) before the next is decoded.
            std::string_view in{buf.data(), n};
            while (feed_compressed(in)) {
                pump();
                co_await write_pieces();
            }
        } else {
            if (opts_.debug >= 4) log(4, "< " + printable({buf.data(), n}));
            engine_.commit_read(n);
        }
        if (engine_.compression_pending() && !engine_.closed()) start_compression();
        pump();
        co_await write_pieces();
        if (engine_.tls_upgrade_pending() && !co_await upgrade_to_tls()) break;
    }
}

asio::awaitable<void> client::impl::write_pieces() {
    // The reader reads nothing more while a sink writes: a slow sink slows
    // the connection instead of filling memory.
    while (auto piece = engine_.next_piece()) {
        std::shared_ptr<body_sink> sink = piece->sink;
        std::string_view bytes = piece->bytes;
        error_code ec = co_await write_to_sink(sink, bytes);
        last_activity_ = clock_type::now();  // time in the sink is no server silence
        engine_.piece_written(ec);
        pump();
    }
}

asio::awaitable<error_code> client::impl::write_to_sink(std::shared_ptr<body_sink> sink, std::string_view bytes) {
    auto init = [this, sink, bytes](auto handler) {
        // Always resumed through the strand, even by a sink that calls its
        // handler inside async_write().
        auto resume = [h = std::move(handler), strand = strand_](error_code ec) mutable {
            asio::post(strand, [h = std::move(h), ec]() mutable { std::move(h)(ec); });
        };
        sink->async_write(bytes, body_sink::write_handler(asio::bind_executor(strand_, std::move(resume))));
    };
    try {  // a sink that throws has failed like one that reports an error
        auto [ec] = co_await asio::async_initiate<const asio::as_tuple_t<asio::use_awaitable_t<>>&, void(error_code)>(
            init, asio::as_tuple(asio::use_awaitable));
        co_return ec;
    } catch (const std::exception&) {
        co_return make_error_code(errc::stream_failed);
    }
}

asio::awaitable<bool> client::impl::upgrade_to_tls() {
    // starttls() after connect: the reader owns the socket, so it does the
    // handshake; the engine holds every write back until it is done.
    engine_.discard_buffered();
    if (!tls_context_) tls_context_ = create_default_context();
    if (auto ec = co_await transport_.handshake_tls(*tls_context_, opts_.host)) {
        log(1, "TLS handshake failed: " + ec.message());
        close(ec, "TLS handshake after STARTTLS failed: " + ec.message());
        co_return false;
    }
    engine_.tls_established();
    last_activity_ = clock_type::now();
    pump();
    co_return true;
}

bool client::impl::feed_compressed(std::string_view& in) {
    while (!engine_.closed()) {
        auto out = engine_.prepare_read(inflate_chunk);
        auto r = inflater_->inflate(in, out);
        in.remove_prefix(r.consumed);
        if (opts_.debug >= 4 && r.produced > 0) log(4, "< " + printable({out.data(), r.produced}));
        // What decoded before a corruption is still the server's: parsed first.
        engine_.commit_read(r.produced);
        if (!r.error.empty()) {
            log(1, "COMPRESS: " + r.error);
            close(make_error_code(errc::framing_error), r.error);
            return false;
        }
        if (in.empty() && r.produced < out.size()) return false;
        if (r.consumed == 0 && r.produced == 0) return false;  // no progress possible
        if (engine_.next_piece()) return true;
    }
    return false;
}

bool client::impl::compress_write(const std::vector<engine::write_chunk>& chunks, std::string& out) {
    std::vector<std::string_view> views;
    views.reserve(chunks.size());
    for (const auto& c : chunks) views.push_back(c.view());
    out.clear();
    if (deflater_->deflate(views, out)) return true;
    close(make_error_code(errc::connection_lost), deflater_->error());
    return false;
}

asio::awaitable<void> client::impl::writer_loop() {
    std::vector<asio::const_buffer> bufs;
    std::string deflated;  // COMPRESS on: this write, compressed
    while (!engine_.closed()) {
        auto chunks = engine_.next_writes();
        if (chunks.empty()) {
            writer_wake_.expires_at(clock_type::time_point::max());
            co_await writer_wake_.async_wait(asio::as_tuple(asio::use_awaitable));
            continue;
        }
        // A literal streamed from a source is the last chunk: what comes
        // before it (its command's start) is written first.
        std::optional<engine::write_chunk> source;
        if (chunks.back().source) {
            source = std::move(chunks.back());
            chunks.pop_back();
        }
        if (source && chunks.empty()) {
            const bool open = co_await write_source(*source);
            if (!open) break;
            continue;
        }
        bufs.clear();
        if (deflater_) {
            if (!compress_write(chunks, deflated)) break;
            bufs.push_back(asio::buffer(deflated));
        } else {
            for (auto& c : chunks) bufs.push_back(asio::buffer(c.view()));
        }
        last_activity_ = clock_type::now();
        auto [ec, n] = co_await transport_.write(bufs);
        metrics_->bytes_written(n);
        // A big write (APPEND) does not leave its compressed copy behind.
        if (deflated.capacity() > max_read_chunk) std::string().swap(deflated);
        if (ec) {
            transport_failed(ec);
            break;
        }
        if (source) {
            const bool open = co_await write_source(*source);
            if (!open) break;
        }
    }
}

asio::awaitable<bool> client::impl::write_source(const engine::write_chunk& chunk) {
    const std::uint64_t total = chunk.source_bytes;
    body_source& source = *chunk.source;
    std::vector<char> buf(static_cast<std::size_t>(std::min<std::uint64_t>(total, source_piece)));
    std::vector<asio::const_buffer> bufs;
    std::string deflated;
    std::uint64_t done = 0;
    while (done < total) {
        const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(total - done, buf.size()));
        const asio::mutable_buffer piece = asio::buffer(buf.data(), want);
        auto [rec, n] = co_await read_piece(source, piece);
        // Cancelled (literal_cancelled) or lost while the source was read:
        // the rest of the literal has nowhere to go.
        if (engine_.closed()) co_return false;
        if (!rec && n == 0) rec = asio::error::eof;
        if (rec) {
            std::string why = "the message source failed after " + std::to_string(done) + " of " +
                              std::to_string(total) + " bytes: " + rec.message();
            if (rec == asio::error::eof) why += " (it is shorter than its size())";
            why += "; the connection was closed, as an announced literal cannot be taken back";
            log(1, why);
            engine_.source_failed(why);
            pump();
            co_return false;
        }
        n = std::min(n, want);
        bufs.clear();
        if (deflater_) {
            deflated.clear();
            const std::string_view view(buf.data(), n);
            if (!deflater_->deflate(view, deflated)) {
                close(make_error_code(errc::connection_lost), deflater_->error());
                co_return false;
            }
            bufs.push_back(asio::buffer(deflated));
        } else {
            bufs.push_back(asio::buffer(buf.data(), n));
        }
        // A long upload is activity: the watchdog waits for the server's
        // reply only from its last byte on.
        last_activity_ = clock_type::now();
        auto [ec, written] = co_await transport_.write(bufs);
        metrics_->bytes_written(written);
        if (ec) {
            transport_failed(ec);
            co_return false;
        }
        last_activity_ = clock_type::now();
        done += n;
    }
    engine_.source_written();
    co_return !engine_.closed();
}

asio::awaitable<void> client::impl::watchdog_loop() {
    // While a sink writes a streamed body's piece the reader is not reading:
    // that is no silence of the server's.
    auto waiting = [this] { return engine_.awaiting_server() && !engine_.next_piece(); };
    while (!engine_.closed()) {
        const auto deadline = waiting() ? last_activity_ + opts_.timeout : clock_type::now() + opts_.timeout;
        watchdog_.expires_at(deadline);
        co_await watchdog_.async_wait(asio::as_tuple(asio::use_awaitable));
        if (engine_.closed()) break;
        if (waiting() && clock_type::now() - last_activity_ >= opts_.timeout) {
            log(1, "timeout: no data from the server");
            close(make_error_code(errc::timeout), "no data from the server within the timeout");
        }
    }
}

asio::awaitable<engine::completion> client::impl::drive(std::optional<engine::command_request> req) {
    std::optional<engine::command_id> id;
    if (req) id = engine_.submit(std::move(*req));
    std::vector<asio::const_buffer> bufs;
    for (;;) {
        for (auto& c : engine_.take_completions())
            if (id && c.id == *id) co_return std::move(c);
        if (engine_.closed()) {
            engine::completion closed;
            closed.ec = engine_.close_reason();
            closed.status = engine::text_status(engine_.close_detail());
            co_return closed;
        }
        if (!id && engine_.state() != engine::session_state::greeting) co_return engine::completion{};
        auto chunks = engine_.next_writes();
        if (!chunks.empty() && chunks.back().source) {
            // Streamed APPENDs need the loops, which run only once connected.
            engine_.source_failed("a literal streamed from a source cannot be written before the connection is up");
            continue;
        }
        if (!chunks.empty()) {
            bufs.clear();
            for (auto& c : chunks) bufs.push_back(asio::buffer(c.view()));
            auto [ec, n] = co_await transport_.write(bufs);
            metrics_->bytes_written(n);
            if (ec) transport_failed(ec);
            continue;
        }
        // Greeting, CAPABILITY, STARTTLS, authentication: short replies.
        auto buf = engine_.prepare_read(min_read_chunk);
        auto [ec, n] = co_await transport_.read_some(asio::buffer(buf.data(), buf.size()));
        if (ec) {
            engine_.commit_read(0);
            transport_failed(ec);
            continue;
        }
        metrics_->bytes_read(n);
        if (opts_.debug >= 4) log(4, "< " + printable({buf.data(), n}));
        engine_.commit_read(n);
    }
}

}  // namespace imapclient
