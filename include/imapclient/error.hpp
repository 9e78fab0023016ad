// Errors: error codes of the library's own category, and the exception
// types (mirroring Python IMAPClient's) that a failing co_await throws with the
// default completion token.
#pragma once

#include <imapclient/response.hpp>

#include <boost/system/error_code.hpp>

#include <stdexcept>
#include <string>
#include <type_traits>

namespace imapclient {

using boost::system::error_code;

enum class errc {
    // The server answered the command.
    no = 1,               // tagged NO (status text and code in the result)
    bad,                  // tagged BAD
    // The connection is unusable (abort errors).
    connection_lost,      // the server closed the connection or a read/write failed
    bye,                  // the server said BYE
    timeout,              // no answer within the configured timeout
    framing_error,        // the server's bytes could not be framed (line/literal limits, garbage)
    protocol_violation,   // an unexpected continuation, a tag we never sent, a missing greeting
    not_connected,        // the command was issued before connect() or after the connection ended
    // Refusals by the client, before anything is sent.
    capability_missing,   // the server does not offer what the operation needs
    tls_required,         // STARTTLS missing/refused, or PREAUTH when TLS was required
    plaintext_login_refused, // LOGIN over clear text without explicit consent, or LOGINDISABLED
    illegal_state,        // e.g. FETCH with no mailbox selected
    read_only,            // modifying a mailbox selected read-only
    invalid_argument,     // an argument that cannot be encoded
    login_failed,         // LOGIN / AUTHENTICATE answered NO
    literal_cancelled,    // cancelled while the server was reading a literal: connection closed
    sasl_cancelled,       // the SASL mechanism cancelled (e.g. SCRAM: the server's signature did not match)
    // Mailbox selections (see folder_lease).
    mailbox_changed,      // the mailbox the operation was issued for is not selected any more (another
                          // caller's SELECT, a lease that ended): not sent. Or the mailbox got a new
                          // UIDVALIDITY while it ran: it may have run in the re-created mailbox, its
                          // answer is discarded
    lease_timeout,        // a folder lease waited longer than client_options::lease_wait_timeout
    // The server sent more for one command than client_options allows.
    limit_exceeded,       // past max_collected: the rest of the command's data was dropped, the connection is usable
    // Streamed bodies (body_stream.hpp).
    stream_failed,        // a body_sink or body_source failed (its own error code is used when it has one)
    message_missing,      // a streamed FETCH: the server answered OK but sent no such message or section
    // Signing in (credentials.hpp, oauth2.hpp) and reaching the server.
    credentials_unavailable, // the credential provider failed (its exception's text in the result)
    oauth2_refused,       // the OAuth2 endpoint answered an error (invalid_grant: sign in again)
    http_failed,          // an HTTP answer that is not what was asked (status, body)
    proxy_failed,         // the proxy refused or botched the tunnel (its answer in the text)
};

const boost::system::error_category& category() noexcept;

inline error_code make_error_code(errc e) noexcept {
    return {static_cast<int>(e), category()};
}

/// True for the codes after which the connection cannot be used any more.
bool is_abort(const error_code& ec) noexcept;

/// imapclient.exceptions.IMAPClientError: the base of everything thrown.
/// Carries the error code and, for server replies, the status response.
class error : public std::runtime_error {
public:
    error(error_code ec, const std::string& what, status_response reply = {})
        : std::runtime_error(what), code_(ec), reply_(std::move(reply)) {}
    const error_code& code() const noexcept { return code_; }
    /// The server's tagged reply (text and response code), when there was one.
    const status_response& reply() const noexcept { return reply_; }
private:
    error_code code_;
    status_response reply_;
};

/// The connection is unusable: lost, BYE, timeout, broken framing.
class abort_error : public error { using error::error; };
/// Modifying a mailbox selected read-only.
class readonly_error : public error { using error::error; };
/// The server lacks a capability the operation needs.
class capability_error : public error { using error::error; };
/// Login or authentication failed (also: clear-text login refused, and a
/// SASL exchange the client cancelled).
class login_error : public error { using error::error; };
/// The operation is not allowed in the connection's current state.
class illegal_state_error : public error { using error::error; };
/// The operation was refused (or its answer discarded) because the mailbox
/// it was issued for is no longer the selected one (errc::mailbox_changed).
class mailbox_changed_error : public illegal_state_error { using illegal_state_error::illegal_state_error; };
/// The server sent something the protocol does not allow (the connection
/// is then unusable, so this is also an abort_error).
class protocol_error : public abort_error { using abort_error::abort_error; };

/// Throws the exception type that matches ec, with the server's reply.
/// `operation` names the command for the message ("SELECT").
[[noreturn]] void throw_error(error_code ec, const status_response& reply, std::string_view operation);

}  // namespace imapclient

template <>
struct boost::system::is_error_code_enum<imapclient::errc> : std::true_type {};
