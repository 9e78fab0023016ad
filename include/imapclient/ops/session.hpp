// Session operations: connecting, authentication, STARTTLS, COMPRESS,
// ENABLE, ID, NOOP, CAPABILITY, LOGOUT and raw commands. Each operation is
// a parameters struct in imapclient::ops naming its result type; run it
// with client::run(ops::X{...}) or the client method of the same name.
#pragma once

#include <imapclient/response.hpp>
#include <imapclient/credentials.hpp>
#include <imapclient/sasl.hpp>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace boost::asio::ssl {
class context;
}

namespace imapclient {

/// ID (RFC 2971): the server's fields; empty when it answered ID NIL.
struct id_result {
    std::vector<std::pair<std::string, std::optional<std::string>>> fields;
    status_response status;
};

/// What the server said when the connection opened, and its capabilities.
struct connect_result {
    status_response greeting;
    std::vector<std::string> capabilities;
    bool preauthenticated = false;
    bool tls = false;
    /// The server's answer to client_options::id (absent when no ID was sent).
    std::optional<id_result> server_id;
    status_response status;
};

/// Any command that returns only the server's reply (LOGIN, NOOP, LOGOUT,
/// CLOSE, CREATE, ...). `responses` holds the untagged data that came
/// while it ran: what it asked for, and the unsolicited data (new mail,
/// expunges, flag changes, LOGOUT's BYE), which also goes to next_event()
/// and the mailbox state. NOOP's (1, EXISTS) is there, as in Python
/// IMAPClient's noop().
struct command_result {
    status_response status;
    std::vector<response> responses;
};

/// sign_in(): how it went.
struct sign_in_result {
    /// The mechanism used: "SCRAM-SHA-256", "XOAUTH2", ..., or
    /// "LOGIN-COMMAND" for the LOGIN command.
    std::string mechanism;
    /// How many times the provider was asked (2: the first token was
    /// refused and a refreshed one accepted).
    unsigned attempts = 0;
    status_response status;
    std::vector<response> responses;
};

/// ENABLE (RFC 5161): what the server actually enabled.
struct enable_result {
    std::vector<std::string> enabled;
    status_response status;
};

namespace ops {

/// Opens the connection (client::connect()).
struct connect {
    using result_type = connect_result;
};

/// LOGIN (client::login()).
struct login {
    using result_type = command_result;
    std::string username;
    std::string password;
};

/// Signs in with credentials from a provider (client::sign_in()), see
/// credentials.hpp.
struct sign_in {
    using result_type = sign_in_result;
    /// Empty: client_options::credentials.
    credential_provider provider;
    /// How often a refused access token is replaced by a fresh one before
    /// the refusal is the result.
    unsigned max_refreshes = 1;
};

/// AUTHENTICATE with a SASL mechanism (client::sasl_login()).
struct authenticate {
    using result_type = command_result;
    sasl_mechanism mechanism;
};

/// LOGOUT, then the connection closes (client::logout()).
struct logout {
    using result_type = command_result;
};

/// NOOP (client::noop()).
struct noop {
    using result_type = command_result;
};

/// CAPABILITY (client::refresh_capabilities()).
struct capability {
    using result_type = command_result;
};

/// STARTTLS on a plain connection (client::starttls()).
struct starttls {
    using result_type = command_result;
    std::shared_ptr<boost::asio::ssl::context> ssl_context;
};

/// COMPRESS=DEFLATE (client::compress()).
struct compress {
    using result_type = command_result;
};

/// ENABLE (client::enable()).
struct enable {
    using result_type = enable_result;
    std::vector<std::string> capabilities;
};

/// ID (client::id_()).
struct id {
    using result_type = id_result;
    std::vector<std::pair<std::string, std::string>> parameters;
};

/// A command line of the caller's (client::raw_command()).
struct raw_command {
    using result_type = command_result;
    std::string command_line;
};

}  // namespace ops

}  // namespace imapclient
