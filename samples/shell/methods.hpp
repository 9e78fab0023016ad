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
#include <imapclient/lease.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace shell {

/// What the handlers work on. Lives as long as the shell; used only on the
/// client's executor.
struct session {
    imapclient::client& client;
    const shell_config& config;
    /// Folder leases held by the script (lease_folder / release_lease), by id.
    std::map<std::uint64_t, imapclient::folder_lease> leases;
    std::uint64_t next_lease = 1;
    /// The lease of the call being run (its lease=N keyword), if any.
    imapclient::folder_lease* lease = nullptr;

    /// Runs a mailbox operation through the call's lease, or on the client.
    template <typename Op>
    boost::asio::awaitable<typename Op::result_type> run(Op op) {
        if (lease) {
            auto r = co_await lease->run(std::move(op));
            co_return r;
        }
        auto r = co_await client.run(std::move(op));
        co_return r;
    }
};

using method_fn = std::function<boost::asio::awaitable<json::value>(session&, call_args&)>;

struct method_info {
    std::string name;
    std::string signature;  // "(folder, readonly=false)"
    std::string help;
    method_fn call;
    /// Works in the selected mailbox: may run through a lease (lease=N).
    bool in_mailbox = false;
};

/// A method that works in the selected mailbox (its handler calls
/// session::run()).
inline method_info mailbox_method(std::string name, std::string signature, std::string help, method_fn call) {
    return {std::move(name), std::move(signature), std::move(help), std::move(call), true};
}

void add_session_methods(std::vector<method_info>& table);
void add_folder_methods(std::vector<method_info>& table);
void add_message_methods(std::vector<method_info>& table);
void add_flag_methods(std::vector<method_info>& table);
void add_admin_methods(std::vector<method_info>& table);
void add_idle_methods(std::vector<method_info>& table);
void add_lease_methods(std::vector<method_info>& table);
void add_condstore_methods(std::vector<method_info>& table);

/// All methods, sorted by name.
const std::vector<method_info>& method_table();
const method_info* find_method(std::string_view name);

}  // namespace shell
