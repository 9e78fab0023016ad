#include <imapclient/error.hpp>

#include <boost/asio/error.hpp>

namespace imapclient {

namespace {

class category_impl : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "imapclient"; }
    std::string message(int ev) const override {
        switch (static_cast<errc>(ev)) {
        case errc::no: return "the server refused the command (NO)";
        case errc::bad: return "the server rejected the command (BAD)";
        case errc::connection_lost: return "connection lost";
        case errc::bye: return "the server closed the session (BYE)";
        case errc::timeout: return "the server did not answer in time";
        case errc::framing_error: return "the server's response could not be framed";
        case errc::protocol_violation: return "the server violated the protocol";
        case errc::not_connected: return "not connected";
        case errc::capability_missing: return "the server lacks a required capability";
        case errc::tls_required: return "TLS was required but could not be established";
        case errc::plaintext_login_refused: return "refusing to send credentials without TLS";
        case errc::illegal_state: return "the command is not allowed in this state";
        case errc::read_only: return "the mailbox is selected read-only";
        case errc::invalid_argument: return "invalid argument";
        case errc::login_failed: return "login failed";
        case errc::literal_cancelled: return "cancelled during a literal; connection closed";
        case errc::sasl_cancelled: return "the client cancelled the authentication";
        case errc::mailbox_changed: return "the mailbox the operation was issued for is no longer selected";
        case errc::lease_timeout: return "the folder lease waited too long for the connection";
        case errc::limit_exceeded: return "the server sent more data for the command than max_collected allows";
        case errc::stream_failed: return "the body sink or source failed";
        case errc::message_missing: return "the server sent no such message or section";
        case errc::credentials_unavailable: return "the credential provider failed";
        case errc::oauth2_refused: return "the OAuth2 server refused the request";
        case errc::http_failed: return "the HTTP server's answer was not usable";
        case errc::proxy_failed: return "the proxy did not open the tunnel";
        }
        return "unknown imapclient error";
    }
};

}  // namespace

const boost::system::error_category& category() noexcept {
    static const category_impl instance;
    return instance;
}

bool is_abort(const error_code& ec) noexcept {
    if (ec.category() != category()) {
        // Transport errors (reset, EOF, TLS failures) end the connection;
        // cancellation of one operation does not.
        return ec && ec != boost::asio::error::operation_aborted;
    }
    switch (static_cast<errc>(ec.value())) {
    case errc::connection_lost:
    case errc::bye:
    case errc::timeout:
    case errc::framing_error:
    case errc::protocol_violation:
    case errc::not_connected:
    case errc::literal_cancelled:
    case errc::tls_required:
        return true;
    default:
        return false;
    }
}

void throw_error(error_code ec, const status_response& reply, std::string_view operation) {
    std::string what;
    if (!operation.empty()) what.append(operation).append(": ");
    what += ec.message();
    if (reply.code) what += " [" + reply.code->name + (reply.code->raw.empty() ? "" : " " + reply.code->raw) + "]";
    if (!reply.text.empty()) what += ": " + reply.text;
    if (ec.category() == category()) {
        switch (static_cast<errc>(ec.value())) {
        case errc::read_only: throw readonly_error(ec, what, reply);
        case errc::capability_missing: throw capability_error(ec, what, reply);
        case errc::login_failed:
        case errc::sasl_cancelled:
        case errc::credentials_unavailable:
        case errc::oauth2_refused:
        case errc::plaintext_login_refused: throw login_error(ec, what, reply);
        case errc::illegal_state: throw illegal_state_error(ec, what, reply);
        case errc::mailbox_changed: throw mailbox_changed_error(ec, what, reply);
        case errc::protocol_violation:
        case errc::framing_error: throw protocol_error(ec, what, reply);
        default: break;
        }
    }
    if (is_abort(ec)) throw abort_error(ec, what, reply);
    throw error(ec, what, reply);
}

}  // namespace imapclient
