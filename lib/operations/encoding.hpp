// What the command builders of every topic share: the command_request
// shapes that recur (no arguments, one mailbox, "UID " prefixes).
#pragma once

#include "engine/engine.hpp"
#include "wire/command.hpp"

#include <string>
#include <string_view>

namespace imapclient::operations::commands {

using engine::command_kind;
using engine::command_request;
using engine::kind_bit;
using wire::command_builder;
using wire::encoded_command;
using wire::literal_support;

/// A command with no arguments.
command_request simple(std::string name);

/// A command whose one argument is a mailbox name (`encode`:
/// client_options::folder_encode).
command_request one_mailbox(std::string name, std::string mailbox, bool encode);

/// "UID" then the verb, or just the verb.
command_builder start_command(std::string_view tag, std::string_view verb, bool uid, const literal_support& l);

}  // namespace imapclient::operations::commands
