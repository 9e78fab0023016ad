// A throwaway PKI and a server-side TLS endpoint for the TLS refusal
// tests. Certificates are made in-process with the OpenSSL API (an expired
// one needs a notAfter in the past, which the openssl 3.0 CLI cannot set
// without a CA database), and the server is plain blocking OpenSSL in its
// own thread, so that any protocol version or security level can be
// offered regardless of how the client side is configured.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace test {

/// A key and its certificate, PEM-encoded.
struct key_cert {
    std::string key_pem;
    std::string cert_pem;
};

/// `days_from`/`days_to`: validity relative to now (negative = past).
struct cert_spec {
    std::string common_name;
    std::string dns_name = {};  // subjectAltName; empty for a CA
    bool is_ca = false;
    long days_from = -1;
    long days_to = 30;
};

/// Signed by `issuer`, or self-signed when issuer is null.
key_cert make_certificate(const cert_spec& spec, const key_cert* issuer);

/// A directory under /tmp removed with everything in it on destruction.
class temp_dir {
public:
    temp_dir();
    ~temp_dir();
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    const std::string& path() const { return path_; }
    /// Writes `contents` to path()/name and returns the full path.
    std::string write(const std::string& name, const std::string& contents) const;

private:
    std::string path_;
};

struct tls_server_options {
    key_cert identity = {};
    /// OpenSSL protocol versions (TLS1_VERSION ...); 0 = library default.
    int min_version = 0;
    int max_version = 0;
    std::string cipher_list = {};  // empty = default
    int security_level = -1;  // -1 = default
    /// Plain greeting with STARTTLS first, TLS after the client's STARTTLS.
    bool starttls = false;
    /// starttls: clear-text bytes an attacker slips in, sent with the
    /// greeting and just before STARTTLS's tagged OK (loopback/test_hostile.cpp).
    std::string plain_injection = {};
};

/// Serves one client: (STARTTLS,) TLS handshake, then a fixed greeting and
/// minimal answers to CAPABILITY, NOOP and LOGOUT until the client leaves.
class tls_server {
public:
    explicit tls_server(tls_server_options options);
    ~tls_server();
    std::uint16_t port() const { return port_; }

    struct outcome {
        bool client_connected = false;
        bool handshake_ok = false;
        std::string version;   // negotiated protocol, e.g. "TLSv1.3"
        std::string error;     // the server's view of a failed handshake
        std::string plain_received;  // what came before the handshake
        std::string script_error;    // anything that went off-script
    };
    /// Waits for the session to end.
    outcome finish();

private:
    void serve(int fd);
    tls_server_options options_;
    int listen_fd_ = -1;
    std::uint16_t port_ = 0;
    void* ctx_ = nullptr;  // SSL_CTX*, kept out of the header
    std::thread thread_;
    std::mutex mutex_;
    outcome outcome_;
};

}  // namespace test
