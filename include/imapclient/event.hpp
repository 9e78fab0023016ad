// What the server says that no command asked for: new messages, expunges,
// flag changes, alerts, BYE. Delivered in order through client::next_event().
#pragma once

#include <imapclient/error.hpp>
#include <imapclient/response.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

namespace imapclient {

/// The consumer fell behind and the bounded event queue overflowed: the
/// queued events were collapsed into this one marker rather than lost
/// silently. Re-read the mailbox; `exists` and `highest_modseq` are current
/// at the moment the marker is received.
struct resync_needed {
    std::uint32_t exists = 0;
    std::optional<std::uint64_t> highest_modseq;
    std::uint64_t dropped = 0;  // how many events it stands for
};

/// The connection ended; always the last event of a connection.
struct connection_closed {
    error_code ec;
    std::string detail;
};

using event = std::variant<response, resync_needed, connection_closed>;

}  // namespace imapclient
