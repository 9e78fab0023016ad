// An in-memory byte_stream (client_options::stream) with a scripted IMAP
// server behind it and a fault injected at any chosen I/O step, so that the
// actor's flows (connect, STARTTLS, literals, IDLE, LOGOUT) run in unit
// tests without sockets, one run per step at which the network breaks.
#pragma once

#include "net/deflate_stream.hpp"

#include <imapclient/stream.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>

#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace memory_peer {

using imapclient::error_code;

/// One exchange of the scripted server: when a client line starts with
/// "<tag> <expect>" (or is exactly `expect` for untagged lines such as DONE
/// or a literal's data), it sends `reply`, with "$T" replaced by the tag.
struct step {
    std::string expect;
    std::string reply;
    /// COMPRESS DEFLATE's OK: everything after the reply is compressed,
    /// both ways (RFC 4978).
    bool compress_after = false;
};

/// What the server side of a run saw and how it went; shared by the stream
/// and the test.
struct server {
    std::string greeting = "* OK [CAPABILITY IMAP4rev1 STARTTLS LITERAL+ IDLE] ready\r\n";
    std::vector<step> steps;
    /// The I/O step (0 = the first read, write or TLS handshake) that fails
    /// with connection_reset, and every one after it; nullopt: none.
    std::optional<int> fail_at;
    int io_steps = 0;        // counted as the client does them
    std::string written;     // every byte the client wrote (inflated once compressed)
    std::size_t next_step = 0;
    bool tls = false;
    std::string unexpected;  // the first client line no step expected
};

class stream final : public imapclient::byte_stream {
public:
    stream(boost::asio::any_io_executor ex, std::shared_ptr<server> srv) : ex_(std::move(ex)), srv_(std::move(srv)) {
        pending_ = srv_->greeting;
    }

    void async_read_some(boost::asio::mutable_buffer buffer, io_handler handler) override {
        if (broken()) return finish(std::move(handler), boost::asio::error::connection_reset);
        if (closed_) return finish(std::move(handler), boost::asio::error::operation_aborted);
        reader_.emplace(std::move(handler));
        read_buffer_ = buffer;
        deliver();
    }

    void async_write(std::vector<boost::asio::const_buffer> buffers, io_handler handler) override {
        if (broken()) return finish(std::move(handler), boost::asio::error::connection_reset);
        if (closed_) return finish(std::move(handler), boost::asio::error::operation_aborted);
        std::size_t n = 0;
        for (auto b : buffers) {
            const std::string_view bytes(static_cast<const char*>(b.data()), b.size());
            if (inflate_) inflate(bytes);
            else line_ += bytes;
            n += b.size();
        }
        answer_lines();
        finish(std::move(handler), {}, n);
        deliver();
    }

    void async_start_tls(boost::asio::ssl::context&, std::string, tls_handler handler) override {
        error_code ec;
        if (broken()) ec = boost::asio::error::connection_reset;
        else srv_->tls = true;
        boost::asio::post(ex_, [h = std::move(handler), ec]() mutable { std::move(h)(ec); });
    }
    bool is_tls() const noexcept override { return srv_->tls; }

    void close() noexcept override {
        closed_ = true;
        if (reader_) finish(take_reader(), boost::asio::error::operation_aborted);
    }

private:
    // Counts this I/O step; true when it is the one that fails, or later.
    bool broken() {
        const int step = srv_->io_steps++;
        return srv_->fail_at && step >= *srv_->fail_at;
    }

    void finish(io_handler h, error_code ec, std::size_t n = 0) {
        boost::asio::post(ex_, [h = std::move(h), ec, n]() mutable { std::move(h)(ec, n); });
    }

    // Moved out, never assigned: Boost 1.81's any_completion_handler
    // assignment and copy from an lvalue recurse without end.
    io_handler take_reader() {
        io_handler h(std::move(*reader_));
        reader_.reset();
        return h;
    }

    // Hands what the server has sent to a waiting read.
    void deliver() {
        if (!reader_ || pending_.empty()) return;
        const std::size_t n = std::min(pending_.size(), read_buffer_.size());
        std::memcpy(read_buffer_.data(), pending_.data(), n);
        pending_.erase(0, n);
        finish(take_reader(), {}, n);
    }

    void answer_lines() {
        srv_->written += line_.substr(seen_);
        seen_ = line_.size();
        for (auto end = line_.find("\r\n"); end != std::string::npos; end = line_.find("\r\n")) {
            const std::string line = line_.substr(0, end);
            line_.erase(0, end + 2);
            seen_ = line_.size();
            answer(line);
        }
    }

    void answer(const std::string& line) {
        if (srv_->next_step >= srv_->steps.size()) {
            if (srv_->unexpected.empty()) srv_->unexpected = line;
            return;
        }
        const step& s = srv_->steps[srv_->next_step];
        const auto space = line.find(' ');
        const bool tagged = space != std::string::npos && line.compare(space + 1, s.expect.size(), s.expect) == 0;
        // DONE and a literal's data answer the command that was sent last.
        if (tagged) last_tag_ = line.substr(0, space);
        const std::string tag = last_tag_;
        if (!tagged && line != s.expect) {
            if (srv_->unexpected.empty()) srv_->unexpected = line;
            return;
        }
        ++srv_->next_step;
        std::string reply = s.reply;
        for (auto at = reply.find("$T"); at != std::string::npos; at = reply.find("$T")) reply.replace(at, 2, tag);
        if (deflate_) {
            std::string packed;
            deflate_->deflate(reply, packed);
            pending_ += packed;
        } else {
            pending_ += reply;
        }
        if (s.compress_after) {
            inflate_ = std::make_unique<imapclient::net::inflater>();
            deflate_ = std::make_unique<imapclient::net::deflater>();
        }
    }

    // The client's compressed bytes, as the text it wrote.
    void inflate(std::string_view in) {
        char out[4096];
        while (!in.empty()) {
            auto r = inflate_->inflate(in, out);
            line_.append(out, r.produced);
            in.remove_prefix(r.consumed);
            if (!r.error.empty() || (r.consumed == 0 && r.produced == 0)) break;
        }
        for (;;) {  // what zlib held back for want of room
            auto r = inflate_->inflate({}, out);
            if (r.produced == 0) break;
            line_.append(out, r.produced);
        }
    }

    boost::asio::any_io_executor ex_;
    std::shared_ptr<server> srv_;
    std::string pending_;  // sent by the server, not read yet
    std::string line_;     // written by the client (inflated), not a whole line yet
    std::size_t seen_ = 0;  // how much of line_ is in server::written already
    std::optional<io_handler> reader_;
    boost::asio::mutable_buffer read_buffer_;
    std::string last_tag_;
    std::unique_ptr<imapclient::net::inflater> inflate_;  // once COMPRESS is on
    std::unique_ptr<imapclient::net::deflater> deflate_;
    bool closed_ = false;
};

}  // namespace memory_peer
