#include "tls_server.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace test {

namespace {

template <typename T, void (*Free)(T*)>
struct deleter {
    void operator()(T* p) const { Free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, deleter<EVP_PKEY, EVP_PKEY_free>>;
using x509_ptr = std::unique_ptr<X509, deleter<X509, X509_free>>;
using bio_ptr = std::unique_ptr<BIO, deleter<BIO, BIO_free_all>>;

[[noreturn]] void openssl_fail(const std::string& what) {
    char buf[256];
    ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
    throw std::runtime_error(what + ": " + buf);
}

std::string bio_string(BIO* b) {
    char* data = nullptr;
    long n = BIO_get_mem_data(b, &data);
    return std::string(data, static_cast<std::size_t>(n));
}

pkey_ptr read_key(const std::string& pem) {
    bio_ptr b(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    pkey_ptr k(PEM_read_bio_PrivateKey(b.get(), nullptr, nullptr, nullptr));
    if (!k) openssl_fail("read key");
    return k;
}

x509_ptr read_cert(const std::string& pem) {
    bio_ptr b(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    x509_ptr x(PEM_read_bio_X509(b.get(), nullptr, nullptr, nullptr));
    if (!x) openssl_fail("read certificate");
    return x;
}

void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    if (!ext) openssl_fail("extension " + value);
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
}

std::atomic<long> next_serial{1000};

}  // namespace

key_cert make_certificate(const cert_spec& spec, const key_cert* issuer) {
    // P-256: fast to generate, and ECDHE-ECDSA suites exist in every TLS
    // version down to 1.0.
    pkey_ptr key(EVP_EC_gen("P-256"));
    if (!key) openssl_fail("EC key");
    x509_ptr cert(X509_new());
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), next_serial++);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), spec.days_from * 86400L);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), spec.days_to * 86400L);
    X509_set_pubkey(cert.get(), key.get());
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(spec.common_name.c_str()), -1, -1, 0);

    x509_ptr issuer_cert;
    pkey_ptr issuer_key;
    if (issuer) {
        issuer_cert = read_cert(issuer->cert_pem);
        issuer_key = read_key(issuer->key_pem);
    }
    X509* signer_cert = issuer ? issuer_cert.get() : cert.get();
    EVP_PKEY* signer_key = issuer ? issuer_key.get() : key.get();
    X509_set_issuer_name(cert.get(), X509_get_subject_name(signer_cert));
    add_ext(cert.get(), signer_cert, NID_basic_constraints, spec.is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
    add_ext(cert.get(), signer_cert, NID_key_usage,
            spec.is_ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
    if (!spec.dns_name.empty()) add_ext(cert.get(), signer_cert, NID_subject_alt_name, "DNS:" + spec.dns_name);
    if (!X509_sign(cert.get(), signer_key, EVP_sha256())) openssl_fail("sign");

    bio_ptr kb(BIO_new(BIO_s_mem())), cb(BIO_new(BIO_s_mem()));
    PEM_write_bio_PrivateKey(kb.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    PEM_write_bio_X509(cb.get(), cert.get());
    return {bio_string(kb.get()), bio_string(cb.get())};
}

temp_dir::temp_dir() {
    std::string templ = (std::filesystem::temp_directory_path() / "imapclient-tls-XXXXXX").string();
    if (!::mkdtemp(templ.data())) throw std::runtime_error("mkdtemp failed");
    path_ = templ;
}

temp_dir::~temp_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

std::string temp_dir::write(const std::string& name, const std::string& contents) const {
    std::string file = path_ + "/" + name;
    std::ofstream(file, std::ios::binary) << contents;
    return file;
}

tls_server::tls_server(tls_server_options options) : options_(std::move(options)) {
    // OpenSSL writes to the socket with write(2): a client that hung up
    // must give EPIPE, not kill the test program.
    ::signal(SIGPIPE, SIG_IGN);
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) openssl_fail("SSL_CTX_new");
    ctx_ = ctx;
    auto cert = read_cert(options_.identity.cert_pem);
    auto key = read_key(options_.identity.key_pem);
    if (SSL_CTX_use_certificate(ctx, cert.get()) != 1 || SSL_CTX_use_PrivateKey(ctx, key.get()) != 1)
        openssl_fail("server identity");
    // Security level first: it decides which versions and suites the
    // settings below may enable at all.
    if (options_.security_level >= 0) SSL_CTX_set_security_level(ctx, options_.security_level);
    if (!options_.cipher_list.empty() && SSL_CTX_set_cipher_list(ctx, options_.cipher_list.c_str()) != 1)
        openssl_fail("cipher list");
    if (options_.min_version) SSL_CTX_set_min_proto_version(ctx, options_.min_version);
    if (options_.max_version) SSL_CTX_set_max_proto_version(ctx, options_.max_version);

    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 4) != 0)
        throw std::runtime_error("tls server: cannot listen");
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
        pollfd p{listen_fd_, POLLIN, 0};
        if (::poll(&p, 1, 10000) <= 0) return;
        int fd = ::accept(listen_fd_, nullptr, nullptr);
        if (fd < 0) return;
        {
            std::lock_guard lock(mutex_);
            outcome_.client_connected = true;
        }
        try {
            serve(fd);
        } catch (const std::exception& e) {
            std::lock_guard lock(mutex_);
            outcome_.script_error += e.what();
        }
        ::close(fd);
    });
}

namespace {

// Line-oriented I/O over either the plain socket or the TLS session.
class line_io {
public:
    explicit line_io(int fd) : fd_(fd) {}
    void use_tls(SSL* ssl) { ssl_ = ssl, buffer_.clear(); }
    void send(const std::string& s) {
        if (ssl_) {
            if (SSL_write(ssl_, s.data(), static_cast<int>(s.size())) <= 0) throw std::runtime_error("SSL_write");
        } else if (::send(fd_, s.data(), s.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(s.size())) {
            throw std::runtime_error("send");
        }
    }
    /// The next line without CRLF; false at EOF or on a read timeout.
    bool read_line(std::string& line, std::string* log = nullptr) {
        for (;;) {
            auto crlf = buffer_.find("\r\n");
            if (crlf != std::string::npos) {
                line = buffer_.substr(0, crlf);
                buffer_.erase(0, crlf + 2);
                return true;
            }
            char buf[4096];
            int n = ssl_ ? SSL_read(ssl_, buf, sizeof buf) : static_cast<int>(::recv(fd_, buf, sizeof buf, 0));
            if (n <= 0) return false;
            buffer_.append(buf, static_cast<std::size_t>(n));
            if (log) log->append(buf, static_cast<std::size_t>(n));
        }
    }

private:
    int fd_;
    SSL* ssl_ = nullptr;
    std::string buffer_;
};

std::string tag_of(const std::string& line) { return line.substr(0, line.find(' ')); }

}  // namespace

void tls_server::serve(int fd) {
    // Nothing here may block forever, whatever the client does.
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    line_io io(fd);
    std::string line;
    if (options_.starttls) {
        io.send("* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] plain greeting\r\n" + options_.plain_injection);
        std::string plain;
        if (!io.read_line(line, &plain)) throw std::runtime_error("no STARTTLS from the client");
        {
            std::lock_guard lock(mutex_);
            outcome_.plain_received = plain;
        }
        if (line.find(" STARTTLS") == std::string::npos) throw std::runtime_error("expected STARTTLS, got " + line);
        io.send(options_.plain_injection + tag_of(line) + " OK begin TLS now\r\n");
    }
    std::unique_ptr<SSL, deleter<SSL, SSL_free>> ssl(SSL_new(static_cast<SSL_CTX*>(ctx_)));
    SSL_set_fd(ssl.get(), fd);
    ERR_clear_error();
    if (SSL_accept(ssl.get()) != 1) {
        char buf[256];
        unsigned long e = ERR_get_error();
        ERR_error_string_n(e, buf, sizeof buf);
        std::lock_guard lock(mutex_);
        outcome_.error = e ? buf : "handshake failed (no OpenSSL error queued)";
        return;
    }
    {
        std::lock_guard lock(mutex_);
        outcome_.handshake_ok = true;
        outcome_.version = SSL_get_version(ssl.get());
    }
    io.use_tls(ssl.get());
    if (!options_.starttls) io.send("* OK [CAPABILITY IMAP4rev1 IDLE] ready\r\n");
    while (io.read_line(line)) {
        const std::string tag = tag_of(line);
        const std::string rest = line.size() > tag.size() ? line.substr(tag.size() + 1) : "";
        if (rest == "CAPABILITY") {
            io.send("* CAPABILITY IMAP4rev1 IDLE\r\n" + tag + " OK done\r\n");
        } else if (rest == "NOOP") {
            io.send(tag + " OK noop over TLS\r\n");
        } else if (rest == "LOGOUT") {
            io.send("* BYE bye\r\n" + tag + " OK logged out\r\n");
            SSL_shutdown(ssl.get());
            return;
        } else {
            io.send(tag + " BAD unexpected in this test\r\n");
        }
    }
}

tls_server::outcome tls_server::finish() {
    if (thread_.joinable()) thread_.join();
    std::lock_guard lock(mutex_);
    return outcome_;
}

tls_server::~tls_server() {
    finish();
    if (listen_fd_ >= 0) ::close(listen_fd_);
    SSL_CTX_free(static_cast<SSL_CTX*>(ctx_));
}

}  // namespace test
