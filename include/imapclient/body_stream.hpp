// Streaming message bodies of any size with bounded memory: where a
// streamed FETCH puts a body section as it is read (body_sink), and where a
// streamed APPEND takes a message from as it is written (body_source).
//
//   auto sink = imapclient::file_sink("/tmp/big.eml");
//   auto got  = co_await c.stream_fetch(uid, sink);       // got.bytes written
//   auto src  = imapclient::file_source("/tmp/big.eml");
//   co_await c.stream_append("Archive", src);
#pragma once

#include <imapclient/error.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace imapclient {

/// Receives one streamed body section, chunk by chunk and in order, while
/// the literal is read from the connection.
///
/// Backpressure: the connection reads its next bytes only once
/// async_write()'s handler has run, so a slow sink slows the connection
/// (what other callers pipelined behind the literal wait for) and nothing is
/// buffered beyond one read (64 KiB).
class body_sink {
public:
    using write_handler = boost::asio::any_completion_handler<void(error_code)>;

    virtual ~body_sink() = default;
    /// Takes `chunk`, which stays valid until the handler has been called.
    /// Runs on the client's strand; the handler may be called from any
    /// thread, or at once inside this call.
    /// An error ends the stream: the fetch completes with it, the rest of
    /// the literal is read and dropped, and the connection stays usable.
    virtual void async_write(std::string_view chunk, write_handler handler) = 0;
    /// Called once, when the stream is over: `ec` is empty when every byte
    /// was written and the server said OK, else why not (connection lost,
    /// cancelled, the server's NO, the sink's own error, message not found).
    virtual void finish(error_code ec) { (void)ec; }
};

/// Gives the message of a streamed APPEND. Its size must be known before
/// the command is sent: the literal announces it.
class body_source {
public:
    using read_handler = boost::asio::any_completion_handler<void(error_code, std::size_t)>;

    virtual ~body_source() = default;
    /// The exact number of bytes async_read_some() will give in all.
    virtual std::uint64_t size() const = 0;
    /// Reads at least one byte into `buffer` (or fails); the handler may be
    /// called from any thread, or at once inside this call. Called only while
    /// the connection writes the literal: an error or an early end then
    /// closes the connection (an announced literal cannot be taken back).
    virtual void async_read_some(boost::asio::mutable_buffer buffer, read_handler handler) = 0;
};

/// Writes the section to a file, created with mode 0600 (truncated unless
/// `append`). On failure a file this sink created is removed, so a partial
/// message is never left behind; with `append` (resuming a download) what
/// was written stays. Writes are plain write(2) calls on the client's strand.
/// Throws boost::system::system_error when the file cannot be opened.
std::shared_ptr<body_sink> file_sink(std::filesystem::path path, bool append = false);

/// Writes to an open file descriptor (a file, a pipe, /dev/null), which it
/// neither closes nor owns.
std::shared_ptr<body_sink> fd_sink(int fd);

/// Hands each chunk to a coroutine, run on `executor`; the next chunk waits
/// until it returns. An exception it throws is the stream's error.
std::shared_ptr<body_sink> coroutine_sink(boost::asio::any_io_executor executor,
                                          std::function<boost::asio::awaitable<void>(std::string_view)> write);

/// Appends to a string in memory, failing with errc::limit_exceeded past
/// `max_bytes` (tests, small sections).
std::shared_ptr<body_sink> string_sink(std::shared_ptr<std::string> out, std::size_t max_bytes = 64u << 20);

/// Reads a whole regular file, from `offset` on (its size is taken when
/// this is called: a file that shrinks meanwhile fails the append). Throws
/// boost::system::system_error when it cannot be opened or is shorter than
/// `offset`.
std::shared_ptr<body_source> file_source(std::filesystem::path path, std::uint64_t offset = 0);

/// A message already in memory.
std::shared_ptr<body_source> string_source(std::string message);

}  // namespace imapclient
