#include "fake_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace test {

fake_connection::~fake_connection() { close(); }

void fake_connection::close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

void fake_connection::shutdown_send() {
    if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);
}

void fake_connection::reset() {
    if (fd_ < 0) return;
    linger l{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    close();
}

void fake_connection::send(std::string_view bytes) {
    while (!bytes.empty()) {
        ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n <= 0) throw std::runtime_error("fake server: send failed");
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
}

bool fake_connection::fill(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
    char buf[65536];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) throw std::runtime_error("fake server: the client closed the connection");
    buffer_.append(buf, static_cast<std::size_t>(n));
    received_.append(buf, static_cast<std::size_t>(n));
    return true;
}

std::string fake_connection::read_line(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        auto lf = buffer_.find("\r\n");
        if (lf != std::string::npos) {
            std::string line = buffer_.substr(0, lf);
            buffer_.erase(0, lf + 2);
            return line;
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0 || !fill(left))
            throw std::runtime_error("fake server: no line from the client in time (have: " + buffer_ + ")");
    }
}

std::string fake_connection::read_bytes(std::size_t n, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (buffer_.size() < n) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0 || !fill(left)) throw std::runtime_error("fake server: literal did not come in time");
    }
    std::string out = buffer_.substr(0, n);
    buffer_.erase(0, n);
    return out;
}

std::string fake_connection::expect(std::string_view command, std::chrono::milliseconds timeout) {
    std::string line = read_line(timeout);
    auto space = line.find(' ');
    if (space == std::string::npos || line.compare(space + 1, command.size(), command) != 0)
        throw std::runtime_error("fake server: expected " + std::string(command) + ", got: " + line);
    return line.substr(0, space);
}

bool fake_connection::quiet_for(std::chrono::milliseconds d) {
    if (!buffer_.empty()) return false;
    try {
        return !fill(d);
    } catch (const std::exception&) {
        return false;
    }
}

bool fake_connection::closed_within(std::chrono::milliseconds d) {
    const auto deadline = std::chrono::steady_clock::now() + d;
    try {
        while (std::chrono::steady_clock::now() < deadline)
            fill(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
    } catch (const std::exception&) {
        return true;
    }
    return false;
}

fake_server::fake_server(script s, int connections) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 16) != 0)
        throw std::runtime_error("fake server: cannot listen");
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this, s = std::move(s), connections] {
        for (int i = 0; i < connections; ++i) {
            pollfd p{listen_fd_, POLLIN, 0};
            if (::poll(&p, 1, 20000) <= 0) {
                std::lock_guard lock(mutex_);
                errors_ += "no client connected; ";
                return;
            }
            int fd = ::accept(listen_fd_, nullptr, nullptr);
            int one = 1;
            ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            fake_connection c(fd);
            try {
                s(c);
            } catch (const std::exception& e) {
                std::lock_guard lock(mutex_);
                errors_ += std::string(e.what()) + "; ";
            }
        }
    });
}

std::string fake_server::finish() {
    if (thread_.joinable()) thread_.join();
    std::lock_guard lock(mutex_);
    return errors_;
}

fake_server::~fake_server() {
    finish();
    if (listen_fd_ >= 0) ::close(listen_fd_);
}

}  // namespace test
