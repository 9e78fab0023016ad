// Layer 4 (net): the server's name on a client TLS connection, for IMAP
// (transport.cpp) and for the OAuth2 endpoints (lib/oauth2/http_client.cpp).
#pragma once

#include <imapclient/error.hpp>

#include <boost/asio/ssl/context.hpp>

#include <openssl/ssl.h>

#include <string>

namespace imapclient::net {

/// Before the handshake: SNI for a host name (never for an address, RFC
/// 6066 3) and, when the context verifies peers, OpenSSL's own check of
/// the certificate against `host` (a name without partial wildcards, or an
/// address). OpenSSL's check rather than a verify callback: a mismatch is
/// then X509_V_ERR_HOSTNAME_MISMATCH in the verify result, and a verify
/// callback in the user's context stays in force. Returns OpenSSL's reason
/// when a step fails.
error_code set_server_name(SSL* ssl, boost::asio::ssl::context& ctx, const std::string& host);

}  // namespace imapclient::net
