// The command_request of each IMAP command the client sends: its encoding
// and its routing rules (what it collects, whether it is a barrier).
#pragma once

#include "engine/engine.hpp"

#include <imapclient/search.hpp>
#include <imapclient/sequence_set.hpp>
#include <imapclient/types.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imapclient::engine::commands {

command_request capability();
command_request noop();
command_request logout();
command_request starttls();
command_request login(std::string user, std::string password);
command_request select(std::string mailbox, bool readonly, bool encode = true);
command_request close();
command_request search(search_criteria criteria, std::string charset, bool uid);
command_request fetch(const sequence_set& set, const std::vector<std::string>& items,
                      const std::vector<std::string>& modifiers, bool uid);
command_request append(std::string mailbox, std::string message, std::vector<std::string> flags,
                       std::optional<datetime> when, bool encode = true);
command_request raw(std::string line);
command_request idle();

/// The UID ranges a set names, or nullopt when it has "*" or "$" (then
/// its FETCH data cannot be told apart from another FETCH's by UID).
std::optional<std::vector<std::pair<std::uint32_t, std::uint32_t>>> uid_ranges(const sequence_set& set);

}  // namespace imapclient::engine::commands
