#include <imapclient/client.hpp>

#include "net/server_name.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <stdexcept>
#include <string>

namespace imapclient {

std::shared_ptr<boost::asio::ssl::context> create_default_context(
    std::string_view cafile, std::string_view capath, std::string_view cadata) {
    namespace ssl = boost::asio::ssl;
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
    // TLS 1.0 and 1.1 are broken; no server worth trusting needs them.
    if (!SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION))
        throw std::runtime_error("cannot set the minimum TLS version");
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_compression);
    if (cafile.empty() && capath.empty() && cadata.empty()) {
        ctx->set_default_verify_paths();
    } else {
        if (!cafile.empty()) ctx->load_verify_file(std::string(cafile));
        if (!capath.empty()) ctx->add_verify_path(std::string(capath));
        if (!cadata.empty()) ctx->add_certificate_authority(boost::asio::buffer(cadata.data(), cadata.size()));
    }
    ctx->set_verify_mode(ssl::verify_peer);
    return ctx;
}

}  // namespace imapclient

namespace imapclient {

void use_client_certificate(boost::asio::ssl::context& ctx, std::string_view certificate_file,
                            std::string_view private_key_file) {
    namespace ssl = boost::asio::ssl;
    // Asio's error names OpenSSL's reason only; the file names make it
    // actionable.
    try {
        ctx.use_certificate_chain_file(std::string(certificate_file));
        ctx.use_private_key_file(std::string(private_key_file), ssl::context::pem);
    } catch (const boost::system::system_error& e) {
        throw boost::system::system_error(e.code(), "client certificate " + std::string(certificate_file) + " / key " +
                                                        std::string(private_key_file));
    }
    if (SSL_CTX_check_private_key(ctx.native_handle()) != 1)
        throw boost::system::system_error(make_error_code(boost::system::errc::invalid_argument),
                                           "the private key " + std::string(private_key_file) +
                                               " does not match the certificate " + std::string(certificate_file));
}

}  // namespace imapclient

namespace imapclient::net {

error_code set_server_name(SSL* ssl, boost::asio::ssl::context& ctx, const std::string& host) {
    // The reason OpenSSL queued for the failed call (never a success code).
    auto failed = [] {
        const unsigned long e = ::ERR_get_error();
        if (e == 0) return make_error_code(errc::invalid_argument);
        return error_code(static_cast<int>(e), boost::asio::error::get_ssl_category());
    };
    error_code not_address;
    boost::asio::ip::make_address(host, not_address);
    if (not_address && !SSL_set_tlsext_host_name(ssl, host.c_str())) return failed();
    if (ctx.native_handle() && SSL_CTX_get_verify_mode(ctx.native_handle()) != SSL_VERIFY_NONE) {
        X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
        X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        const int set = not_address ? X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size())
                                    : X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
        if (set != 1) return failed();
    }
    return {};
}

}  // namespace imapclient::net
