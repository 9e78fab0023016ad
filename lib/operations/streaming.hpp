// The streamed FETCH operations' state machines (see ops/messages.hpp):
// one body section into a body_sink, whole or in partial pieces.
#pragma once

#include "operations/encoding.hpp"
#include "operations/operation.hpp"

#include <imapclient/ops/messages.hpp>

namespace imapclient::operations {

namespace commands {

/// The FETCH item of a streamed section: "BODY.PEEK[1.2]<0.4096>",
/// "BINARY[]", ... Throws std::invalid_argument for a section with
/// brackets, quotes or line breaks.
std::string stream_item(std::string_view section, bool binary, bool mark_seen, std::uint32_t offset,
                        std::optional<std::uint32_t> length);

}  // namespace commands

algorithm_ptr<ops::stream_fetch> make_algorithm(ops::stream_fetch);
algorithm_ptr<ops::download> make_algorithm(ops::download);

}  // namespace imapclient::operations
