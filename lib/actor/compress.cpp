// COMPRESS=DEFLATE (RFC 4978): the command, and turning the streams on.
//
// The shape is STARTTLS's: the command is a barrier, the engine stops
// parsing at its tagged OK and holds every write back, and the reader, which
// owns the input, switches the connection over before it reads again. The
// difference: what arrived after the OK in the same read is the start of
// the compressed stream, so it is inflated and parsed, not dropped. From
// then on the reader inflates (feed_compressed) and the writer deflates
// (compress_write) in actor/actor.cpp.
#include "actor/run.hpp"

#include <boost/asio/use_awaitable.hpp>

namespace imapclient {

namespace asio = boost::asio;
using detail::refuse;
using detail::with_status;

asio::awaitable<op_result<command_result>> client::impl::do_compress() {
    if (auto ec = check_state()) co_return refuse<command_result>(ec, "not connected");
    // The server would answer NO [COMPRESSIONACTIVE]; a second DEFLATE layer
    // is never wanted.
    if (compress_requested_ || inflater_)
        co_return refuse<command_result>(errc::illegal_state, "compression is already on or requested");
    const auto state = engine_.state();
    if (state != engine::session_state::authenticated && state != engine::session_state::selected)
        co_return refuse<command_result>(errc::illegal_state, "COMPRESS is only allowed once logged in");
    if (!engine_.has_capability("COMPRESS=DEFLATE"))
        co_return refuse<command_result>(errc::capability_missing, "the server does not offer COMPRESS=DEFLATE");
    compress_requested_ = true;
    auto req = operations::commands::compress_deflate();
    auto c = co_await async_run(std::move(req), asio::use_awaitable);
    // NO/BAD: the connection goes on uncompressed (RFC 4978 3). A cancelled
    // COMPRESS that the server still accepts is turned on by the reader all
    // the same, so inflater_ is what tells.
    if (c.ec && !inflater_) compress_requested_ = false;
    co_return with_status(c, command_result{{}, std::move(c.responses)});
}

void client::impl::start_compression() {
    // Synchronous, between two reads: no byte is read or written meanwhile
    // (the engine's compression_pending() holds the writer back).
    auto rest = engine_.take_buffered();
    inflater_ = std::make_unique<net::inflater>();
    deflater_ = std::make_unique<net::deflater>();
    compress_requested_ = true;
    engine_.compression_established();
    log(1, "COMPRESS=DEFLATE is on");
    // COMPRESS runs alone (no streamed body is on the wire), and nothing is
    // written until now: what came with its OK holds no piece for a sink.
    std::string_view in = rest;
    if (!in.empty()) feed_compressed(in);
}

namespace detail {

asio::awaitable<op_result<command_result>> perform(impl_ptr self, ops::compress) { return self->do_compress(); }

}  // namespace detail

}  // namespace imapclient
