// One call, from its JSON form to its JSON outcome: {"ok": true, "result":
// ...} or {"ok": false, "error": {"type": ..., "message": ...}}.
#pragma once

#include "methods.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <exception>

namespace shell {

/// The error object for an exception: "type" from the exception class
/// (login_error, capability_error, illegal_state, readonly_folder,
/// protocol_error, abort_error, error; invalid_argument for bad calls),
/// "message", and for server replies "reply" (the tagged NO/BAD).
json::object error_object(std::exception_ptr e);

/// True when the exception means the connection is gone.
bool is_abort(std::exception_ptr e);

/// Runs ["method", args..., {kwargs}] on the client's executor.
boost::asio::awaitable<json::value> invoke(session& s, json::value call);

struct outcome {
    json::object line;  // {"ok": ..., "result"/"error": ...}
    bool aborted = false;
};

/// Runs a call on `io` (which another thread runs) and waits for it.
outcome run_call(boost::asio::io_context& io, session& s, json::value call);

}  // namespace shell
