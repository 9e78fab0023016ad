// Whether a server refused a connection because of how many there are or
// how fast they come, and how long it asked the client to wait.
#pragma once

#include <imapclient/error.hpp>

#include <chrono>
#include <optional>

namespace imapclient::detail {

/// A throttling answer to a connection attempt or login: [THROTTLED]
/// (Yahoo, Gmail), [UNAVAILABLE] / [LIMIT] (RFC 5530), "Too many
/// simultaneous connections", "Maximum number of connections" (Dovecot's
/// mail_max_userip_connections), Office 365's "Suggested Backoff Time: N
/// milliseconds". nullopt when it is not one; else the wait the server
/// suggested (zero when it named none).
std::optional<std::chrono::milliseconds> throttling(const status_response& reply);

}  // namespace imapclient::detail
