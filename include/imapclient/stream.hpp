// A byte stream of the caller's, for client_options::stream: the connection
// runs over it instead of a TCP socket (an in-memory peer in tests, a
// tunnel, a proxy the caller has already connected through). TLS over it is
// the stream's own business (async_start_tls()).
#pragma once

#include <imapclient/error.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/buffer.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace boost::asio::ssl { class context; }

namespace imapclient {

class byte_stream {
public:
    using io_handler = boost::asio::any_completion_handler<void(error_code, std::size_t)>;
    using tls_handler = boost::asio::any_completion_handler<void(error_code)>;

    virtual ~byte_stream() = default;

    /// Reads at least one byte into `buffer` (or fails; the end of the
    /// stream is an error such as boost::asio::error::eof).
    virtual void async_read_some(boost::asio::mutable_buffer buffer, io_handler handler) = 0;
    /// Writes all of `buffers` (or fails).
    virtual void async_write(std::vector<boost::asio::const_buffer> buffers, io_handler handler) = 0;
    /// Puts TLS on the stream, verifying `host` (security::tls right after
    /// connecting, STARTTLS after its OK). A stream that cannot completes
    /// with errc::tls_required (and is used with security::plain).
    virtual void async_start_tls(boost::asio::ssl::context& context, std::string host, tls_handler handler) = 0;
    /// Whether TLS is on (after async_start_tls()).
    virtual bool is_tls() const noexcept { return false; }
    /// Ends pending reads and writes with an error, at once; idempotent.
    virtual void close() noexcept = 0;
};

}  // namespace imapclient
