#include <imapclient/client.hpp>

#include <boost/asio/ssl/context.hpp>

#include <openssl/ssl.h>

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
