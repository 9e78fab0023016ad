// A scripted IMAP server for what a real server cannot be made to do:
// exact transcripts, pipelining observed on the wire, faults. It listens
// on a free loopback port and runs `script` in its own thread for each of
// the first `connections` clients; the script reads what the client sent
// and answers byte for byte.
#pragma once

#include <imapclient/client.hpp>

#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace test {

class fake_connection {
public:
    explicit fake_connection(int fd) : fd_(fd) {}
    ~fake_connection();
    void send(std::string_view bytes);
    /// The next line from the client (CRLF stripped); throws on timeout or EOF.
    std::string read_line(std::chrono::milliseconds timeout = std::chrono::seconds(5));
    /// Exactly n bytes (a literal's contents).
    std::string read_bytes(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(5));
    /// Reads a command line, checks that after its tag it starts with
    /// `command` (case-sensitive), and returns the tag.
    std::string expect(std::string_view command, std::chrono::milliseconds timeout = std::chrono::seconds(5));
    /// True when nothing arrives within `d` (and the peer did not close).
    bool quiet_for(std::chrono::milliseconds d);
    /// True when the client closed its end within `d`.
    bool closed_within(std::chrono::milliseconds d);
    void close();
    /// Half-close: the client reads everything sent so far, then EOF
    /// (a FIN; reading from the client still works).
    void shutdown_send();
    /// Abortive close: SO_LINGER 0, so the client gets a reset (RST).
    void reset();
    /// Everything the client sent so far.
    const std::string& received() const { return received_; }

private:
    bool fill(std::chrono::milliseconds timeout);
    int fd_;
    std::string buffer_;
    std::string received_;
};

class fake_server {
public:
    using script = std::function<void(fake_connection&)>;
    explicit fake_server(script s, int connections = 1);
    ~fake_server();
    std::uint16_t port() const { return port_; }
    /// Waits for the script(s) to finish and returns what failed in them
    /// (empty when all went as scripted).
    std::string finish();

private:
    int listen_fd_ = -1;
    std::uint16_t port_ = 0;
    std::thread thread_;
    std::mutex mutex_;
    std::string errors_;
    bool finished_ = false;
};

/// Client options for a scripted server: plain TCP on loopback, consent to
/// a clear-text login, a short read timeout (the scripts answer at once).
inline imapclient::client_options scripted_options(const fake_server& s,
                                               std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    imapclient::client_options o;
    o.host = "127.0.0.1";
    o.port = s.port();
    o.security = imapclient::security::plain;
    o.allow_plaintext_login = true;
    o.timeout = timeout;
    return o;
}

}  // namespace test
