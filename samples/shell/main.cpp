// imap-shell: Python IMAPClient's imapclient.interact. Connects (and logs in) from
// the command line or an INI file, then lets a person, or a program through
// --script, call any method of the client. See `imap-shell --help` and the
// README.
#include "config.hpp"
#include "dispatch.hpp"
#include "json_encode.hpp"
#include "loops.hpp"
#include "password.hpp"
#include "signin.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/serialize.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <future>
#include <thread>

#include <unistd.h>

namespace asio = boost::asio;
namespace ic = imapclient;
namespace json = boost::json;

namespace {

// Startup failures: a JSON line on stdout in script mode (the program
// reading it expects JSON), a sentence on stderr otherwise.
void report(bool script, const json::object& error) {
    if (script) {
        const std::string text = json::serialize(json::object{{"ok", false}, {"error", error}}) + "\n";
        std::fwrite(text.data(), 1, text.size(), stdout);
        std::fflush(stdout);
    } else {
        std::cerr << "imap-shell: " << error.at("type").as_string().c_str() << ": "
                  << (error.at("message").is_string() ? error.at("message").as_string().c_str() : "(binary message)")
                  << "\n";
    }
}

json::object usage_failure(const std::string& message) {
    return {{"type", "invalid_argument"}, {"message", message}};
}

// Runs `body` on the io thread and waits; returns the failure, if any.
template <typename Body>
std::optional<json::object> on_io(asio::io_context& io, Body body) {
    auto fut = asio::co_spawn(io, std::move(body), asio::use_future);
    try {
        fut.get();
        return std::nullopt;
    } catch (...) {
        return shell::error_object(std::current_exception());
    }
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    bool script_mode = false;
    for (const auto& a : args) script_mode = script_mode || a == "--script" || a.rfind("--script=", 0) == 0;

    // Before the config: the OAuth2 credential provider in config.options
    // holds a strand of this context and must be destroyed first.
    asio::io_context io;
    shell::shell_config config;
    try {
        const auto cli = shell::parse_command_line(args);
        if (cli.help) {
            std::cout << shell::usage_text();
            return 0;
        }
        shell::settings file;
        if (cli.config_file) file = shell::read_ini_file(*cli.config_file);
        config = shell::resolve(shell::merge(cli, shell::merge(file, shell::from_environment())));
    } catch (const std::exception& e) {
        report(script_mode, usage_failure(e.what()));
        if (!script_mode) std::cerr << "try imap-shell --help\n";
        return 2;
    }

    std::ifstream script_file;
    std::istream* script_in = nullptr;
    if (config.script) {
        if (*config.script == "-") {
            script_in = &std::cin;
        } else {
            script_file.open(*config.script, std::ios::binary);
            if (!script_file) {
                report(true, usage_failure("cannot read script '" + *config.script + "'"));
                return 2;
            }
            script_in = &script_file;
        }
    }

    // Python IMAPClient prompts for what is missing. A script without a username
    // connects without logging in (the script may call login itself). A
    // client certificate signs in with EXTERNAL, without either.
    if (!script_in && !config.username && !config.signin.client_cert) {
        config.username = shell::ask("Username: ", true);
        if (!config.username) {
            report(false, usage_failure("no username and no terminal to ask for it"));
            return 2;
        }
    }
    if (config.username && shell::needs_password(config)) {
        config.password = shell::ask("Password: ", false);
        if (!config.password) {
            report(script_in != nullptr, usage_failure("no password (-p) and no terminal to ask for it"));
            return 2;
        }
    }

    // The credentials sign_in() asks for: fixed ones, or the OAuth2 flow's
    // client (which must outlive the IMAP client).
    std::unique_ptr<ic::oauth2_client> oauth;
    try {
        oauth = shell::install_credentials(io.get_executor(), config);
    } catch (const std::exception& e) {
        report(script_in != nullptr, usage_failure(e.what()));
        if (!script_in) std::cerr << "try imap-shell --help\n";
        return 2;
    }
    const bool sign_in = static_cast<bool>(config.options.credentials);

    auto guard = asio::make_work_guard(io);
    std::thread runner([&] { io.run(); });
    std::optional<ic::client> client;
    client.emplace(io.get_executor(), config.options);
    shell::session session{*client, config};

    int rc = 0;
    bool logged_out = false;
    std::optional<json::object> failure;
    // Before connecting: the user may take minutes to approve, longer than
    // a server waits for an unauthenticated connection.
    if (oauth && config.signin.device_login)
        failure = on_io(io, [&]() -> asio::awaitable<void> { co_await shell::device_login(*oauth, stderr); });
    if (!script_in && !failure) std::cout << "Connecting to " << config.options.host << "...\n" << std::flush;
    std::string welcome;
    if (!failure) {
        failure = on_io(io, [&]() -> asio::awaitable<void> {
            co_await client->connect();
            welcome = client->welcome();
        });
    }
    if (!failure && sign_in) {
        failure = on_io(io, [&]() -> asio::awaitable<void> { co_await client->sign_in(); });
    }
    if (failure) {
        report(script_in != nullptr, *failure);
        rc = 1;
    } else if (script_in) {
        rc = shell::run_script(*script_in, stdout, io, session, logged_out);
    } else {
        std::cout << "Connected. " << welcome << "\nType help for the methods, quit to leave.\n";
        rc = shell::run_interactive(std::cin, io, session, logged_out);
    }

    // Leave politely; a dead connection just fails fast (a failed device
    // login never connected).
    if (!failure && !logged_out)
        (void)on_io(io, [&]() -> asio::awaitable<void> { co_await client->logout(); });
    // The client lives on the io thread: destroy it there.
    std::promise<void> destroyed;
    asio::post(io, [&] {
        client.reset();
        oauth.reset();
        destroyed.set_value();
    });
    destroyed.get_future().wait();
    guard.reset();
    io.stop();
    runner.join();
    return rc;
}
