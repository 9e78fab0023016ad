// The session operations' state machines (see ops/session.hpp for their
// parameters and results). connect, STARTTLS and COMPRESS change the
// transport and run in the actor (lib/actor/connection.cpp).
#pragma once

#include "operations/encoding.hpp"
#include "operations/operation.hpp"

#include <imapclient/ops/session.hpp>

namespace imapclient::operations {

/// The commands of this topic: their encoding and routing rules (what
/// they collect, whether they are barriers). Unit-tested on their own.
namespace commands {

command_request capability();

command_request noop();

command_request logout();

command_request starttls();

command_request login(std::string user, std::string password);

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

/// ID's answer: the server's fields and the reply.
id_result to_id_result(engine::completion& c);

/// COMPRESS DEFLATE (RFC 4978): a barrier; after its OK the engine parses
/// and writes nothing until the caller has turned compression on.
command_request compress_deflate();

command_request raw(std::string line);

}  // namespace commands

algorithm_ptr<ops::login> make_algorithm(ops::login);
algorithm_ptr<ops::authenticate> make_algorithm(ops::authenticate);
algorithm_ptr<ops::logout> make_algorithm(ops::logout);
algorithm_ptr<ops::noop> make_algorithm(ops::noop);
algorithm_ptr<ops::capability> make_algorithm(ops::capability);
algorithm_ptr<ops::enable> make_algorithm(ops::enable);
algorithm_ptr<ops::id> make_algorithm(ops::id);
algorithm_ptr<ops::raw_command> make_algorithm(ops::raw_command);

}  // namespace imapclient::operations
