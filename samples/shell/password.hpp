// Asking the person at the terminal (username, password without echo).
#pragma once

#include <optional>
#include <string>

namespace shell {

/// Prompts on /dev/tty, never on stdin (which may carry a script).
/// nullopt when there is no terminal or input ended.
std::optional<std::string> ask(const std::string& prompt, bool echo);

}  // namespace shell
