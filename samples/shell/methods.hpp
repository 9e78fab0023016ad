// The shell's method table: a name, how to call it (Python IMAPClient's parameter
// names, usable as keywords), and a coroutine that converts the JSON
// arguments, calls the client and converts the result back to JSON.
//
// Each area registers its own methods (methods_*.cpp). Every handler takes
// all its arguments and calls args.done() before it sends anything, so a
// bad call never reaches the server.
#pragma once

#include "config.hpp"
#include "json_args.hpp"

#include <imapclient/client.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace shell {

/// What the handlers work on. Lives as long as the shell; used only on the
/// client's executor.
struct session {
    imapclient::client& client;
    const shell_config& config;
};

using method_fn = std::function<boost::asio::awaitable<json::value>(session&, call_args&)>;

struct method_info {
    std::string name;
    std::string signature;  // "(folder, readonly=false)"
    std::string help;
    method_fn call;
};

void add_session_methods(std::vector<method_info>& table);
void add_folder_methods(std::vector<method_info>& table);
void add_message_methods(std::vector<method_info>& table);
void add_flag_methods(std::vector<method_info>& table);
void add_admin_methods(std::vector<method_info>& table);
void add_idle_methods(std::vector<method_info>& table);

/// All methods, sorted by name.
const std::vector<method_info>& method_table();
const method_info* find_method(std::string_view name);

}  // namespace shell
