// COMPRESS=DEFLATE (RFC 4978): the two raw DEFLATE streams (RFC 1951, no
// zlib header or checksum) of one connection, without any I/O. The actor
// puts them between the transport and the engine once COMPRESS was
// answered OK: every byte read goes through the inflater, every write
// through the deflater.
//
// Memory is bounded whatever the server sends: inflate() fills at most the
// output span it is given, so a few bytes that expand to gigabytes (a "zip
// bomb") come out as bounded chunks, and the parser behind it rejects an
// endless line or an oversized literal exactly as if it had come in clear.
// The zlib state itself is fixed: about 7 KiB plus the 32 KiB window for
// inflating (the server may use the largest window), and about 32 KiB for
// deflating: a 4 KiB window and a small hash table suit commands, which are
// short and repeat what the previous few said.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace imapclient::net {

/// Decompresses the server's stream. Not copyable (it owns zlib's state).
class inflater {
public:
    inflater();
    ~inflater();
    inflater(const inflater&) = delete;
    inflater& operator=(const inflater&) = delete;

    struct result {
        std::size_t consumed = 0;  // input bytes used
        std::size_t produced = 0;  // output bytes written
        /// Empty unless the stream is broken (corrupt data, data after the
        /// stream's final block); the stream is then unusable.
        std::string error;
    };
    /// Inflates from `in` into `out`. Call again with the input not yet
    /// consumed while either input is left or the output was filled (zlib
    /// may hold decoded bytes back for want of room).
    result inflate(std::string_view in, std::span<char> out);

    /// The server ended its stream (a final block); nothing may follow.
    bool finished() const noexcept { return finished_; }
    /// Total bytes in and out, for the debug log and the tests.
    std::size_t total_in() const noexcept { return total_in_; }
    std::size_t total_out() const noexcept { return total_out_; }

private:
    struct state;
    std::unique_ptr<state> z_;
    std::string error_;
    bool finished_ = false;
    std::size_t total_in_ = 0;
    std::size_t total_out_ = 0;
};

/// Compresses the client's stream.
class deflater {
public:
    /// `level`: zlib's 0..9 (6 is its default).
    explicit deflater(int level = 6);
    ~deflater();
    deflater(const deflater&) = delete;
    deflater& operator=(const deflater&) = delete;

    /// Compresses `data` (one or several pieces of one write), appends the
    /// result to `out` and flushes with Z_SYNC_FLUSH, so the server can
    /// decode all of it at once: a command must never wait in our buffer
    /// for the next one. Returns false, with error(), only if zlib fails
    /// (which it does not for valid use; the connection is then unusable).
    bool deflate(std::span<const std::string_view> data, std::string& out);
    bool deflate(std::string_view data, std::string& out) { return deflate(std::span(&data, 1), out); }
    const std::string& error() const noexcept { return error_; }

    std::size_t total_in() const noexcept { return total_in_; }
    std::size_t total_out() const noexcept { return total_out_; }

private:
    struct state;
    std::unique_ptr<state> z_;
    std::string error_;
    std::size_t total_in_ = 0;
    std::size_t total_out_ = 0;
};

}  // namespace imapclient::net
