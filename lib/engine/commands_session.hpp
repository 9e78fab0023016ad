// Command requests of the session methods: AUTHENTICATE, ENABLE, ID.
#pragma once

#include "engine/engine.hpp"

#include <imapclient/sasl.hpp>

#include <string>
#include <utility>
#include <vector>

namespace imapclient::engine::commands {

/// AUTHENTICATE <mechanism>: challenges are base64-decoded and handed to
/// the mechanism, its answers base64-encoded; a malformed challenge or a
/// mechanism returning nullopt cancels the exchange ("*"). With
/// `initial_response` (SASL-IR) a client-first mechanism's first message
/// goes on the command line ("=" when empty).
command_request authenticate(sasl_mechanism mechanism, bool initial_response);

/// ENABLE cap...: collects the ENABLED reply.
command_request enable(std::vector<std::string> capabilities);

/// ID ("key" "value" ...) or ID NIL: collects the server's ID.
command_request id(std::vector<std::pair<std::string, std::string>> parameters);

/// COMPRESS DEFLATE (RFC 4978): a barrier; after its OK the engine parses
/// and writes nothing until the caller has turned compression on.
command_request compress_deflate();

}  // namespace imapclient::engine::commands
