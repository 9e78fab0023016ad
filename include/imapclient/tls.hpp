// TLS settings for client_options::ssl_context and client::starttls().
#pragma once

#include <memory>
#include <string_view>

namespace boost::asio::ssl { class context; }

namespace imapclient {

/// Python IMAPClient's create_default_context(): verifies the chain against the
/// system store (or cafile/capath/cadata when given: a PEM file, a
/// directory of hashed PEMs, PEM text), checks the host name, sends SNI,
/// refuses TLS below 1.2.
std::shared_ptr<boost::asio::ssl::context> create_default_context(
    std::string_view cafile = {}, std::string_view capath = {}, std::string_view cadata = {});

/// Presents a client certificate in the TLS handshake (the server may then
/// sign the user in with AUTHENTICATE EXTERNAL, RFC 4422 appendix A):
/// PEM files, the key unencrypted. Throws boost::system::system_error
/// naming the files when either cannot be read or they do not match.
void use_client_certificate(boost::asio::ssl::context& ctx, std::string_view certificate_file,
                            std::string_view private_key_file);

}  // namespace imapclient
