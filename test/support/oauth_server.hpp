// A throwaway OAuth 2.0 authorization server of a test's own
// (test/servers/oauth.sh): token endpoint with the refresh-token and
// device-code grants, device authorization, token introspection for a
// Dovecot started with DOVECOT_OAUTH2_INTROSPECTION_URL, and an admin port
// through which the test steers it. Also the tiny blocking HTTP client the
// test-side wrappers of the helper servers share (no Boost.Beast here, to
// keep test compile times small).
//
//   test::oauth_server oauth;
//   options.token_url = oauth.token_url;  ... CA: oauth.ca
//   oauth.admin("ttl", R"({"seconds": 2})");
//   CHECK(oauth.stat("refresh_grants") == 1);
//
// Client: client_id "imapclient-test", client_secret optional
// ("test-secret"). Refresh tokens "alice-refresh" and "bob-refresh". Admin
// commands (POST, JSON body; see the table `admin` in
// test/servers/oauth/server.js): ttl {"seconds"}, device {"expires_in",
// "interval", "slow_down_increment"}, rotate {"enabled"}, approve
// {"user_code", "username"}, deny {"user_code"}, slow_down {"user_code",
// "count"}, revoke {"refresh_token"} | {"access_token"}, expire {},
// stall {"count", "path"}, fail {"count", "status", "body", "path"},
// issue {"username", "scope"}. stats(): tokens_issued, refresh_grants,
// refresh_failures, device_authorizations, device_polls, device_grants,
// slow_downs, token_requests, stalled, injected_failures, introspections,
// active_introspections.
#pragma once

#include "harness.hpp"

#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

namespace test {

struct http_response {
    int status = 0;  // 0: no answer (connection refused, timeout, garbage)
    std::string body;
};

/// One blocking HTTP/1.0 request to 127.0.0.1:port; the answer is read to
/// the end of the connection. A missing answer gives status 0, never a hang
/// beyond `timeout_seconds` per read.
inline http_response http_request(std::uint16_t port, const std::string& method, const std::string& path,
                                  const std::string& body = {},
                                  const std::string& content_type = "application/json", int timeout_seconds = 10) {
    http_response out;
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return out;
    timeval tv{};
    tv.tv_sec = timeout_seconds;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return out;
    }
    std::string request = method + " " + path + " HTTP/1.0\r\nHost: 127.0.0.1:" + std::to_string(port) + "\r\n";
    if (method != "GET" || !body.empty())
        request += "Content-Type: " + content_type + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    request += "\r\n" + body;
    for (std::size_t sent = 0; sent < request.size();) {
        const auto n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            ::close(fd);
            return out;
        }
        sent += static_cast<std::size_t>(n);
    }
    std::string answer;
    char buf[4096];
    for (;;) {
        const auto n = ::recv(fd, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;  // end, error or timeout
        answer.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    // "HTTP/1.1 200 OK\r\n...\r\n\r\nbody"
    const auto space = answer.find(' ');
    const auto end = answer.find("\r\n\r\n");
    if (answer.rfind("HTTP/1.", 0) != 0 || space == std::string::npos || end == std::string::npos) return out;
    out.status = std::atoi(answer.c_str() + space + 1);
    out.body = answer.substr(end + 4);
    return out;
}

/// KEY=VALUE lines of a server script's DIR/env.
inline std::map<std::string, std::string> read_env_file(const std::string& file) {
    std::map<std::string, std::string> vars;
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
        const auto eq = line.find('=');
        if (eq == std::string::npos || eq == 0) continue;
        vars[line.substr(0, eq)] = line.substr(eq + 1);
    }
    return vars;
}

/// 'text' for sh, quotes included.
inline std::string shell_quote(const std::string& text) {
    std::string out = "'";
    for (char c : text) {
        if (c == '\'')
            out += "'\\''";
        else
            out += c;
    }
    return out + "'";
}

/// The value of "key" in a flat JSON object as written (a string without
/// its quotes and unescaped only for \" and \\), or nullopt.
inline std::optional<std::string> json_value(const std::string& json, const std::string& key) {
    const std::string needle = "\"" + key + "\"";
    for (auto at = json.find(needle); at != std::string::npos; at = json.find(needle, at + 1)) {
        auto p = json.find_first_not_of(" \t\r\n", at + needle.size());
        if (p == std::string::npos || json[p] != ':') continue;
        p = json.find_first_not_of(" \t\r\n", p + 1);
        if (p == std::string::npos) return std::nullopt;
        if (json[p] == '"') {
            std::string out;
            for (++p; p < json.size() && json[p] != '"'; ++p) {
                if (json[p] == '\\' && p + 1 < json.size()) ++p;
                out += json[p];
            }
            return out;
        }
        const auto end = json.find_first_of(",}", p);
        auto value = json.substr(p, end == std::string::npos ? std::string::npos : end - p);
        while (!value.empty() && (value.back() == ' ' || value.back() == '\n' || value.back() == '\r'))
            value.pop_back();
        return value;
    }
    return std::nullopt;
}

/// One number of a JSON object (REQUIREs that it is there).
inline long json_number(const std::string& json, const std::string& key) {
    const auto v = json_value(json, key);
    INFO("\"" << key << "\" in " << json);
    REQUIRE(v.has_value());
    REQUIRE(!v->empty());
    REQUIRE(v->find_first_not_of("-0123456789") == std::string::npos);
    return std::stol(*v);
}

struct oauth_server {
    std::string dir = test::unique_name("/tmp/imapclient-oauth");
    std::string script = std::string(SOURCE_ROOT) + "/test/servers/oauth.sh";
    std::string token_url;       // https://127.0.0.1:P/token
    std::string device_url;      // https://127.0.0.1:P/device
    std::string introspect_url;  // http://127.0.0.1:Q/introspect (DOVECOT_OAUTH2_INTROSPECTION_URL)
    std::string ca;              // the CA of the HTTPS certificate (127.0.0.1, localhost)
    std::uint16_t admin_port = 0;
    std::map<std::string, std::string> vars;  // all of DIR/env

    explicit oauth_server() {
        REQUIRE(std::system(("bash " + script + " start " + dir + " >/dev/null").c_str()) == 0);
        vars = read_env_file(dir + "/env");
        token_url = vars["OAUTH_TOKEN_URL"];
        device_url = vars["OAUTH_DEVICE_URL"];
        introspect_url = vars["OAUTH_INTROSPECT_URL"];
        ca = vars["OAUTH_CA"];
        admin_port = static_cast<std::uint16_t>(std::stoi(vars.at("OAUTH_ADMIN_PORT")));
        REQUIRE(!token_url.empty());
    }
    ~oauth_server() {
        std::system(("bash " + script + " stop " + dir + " >/dev/null 2>&1").c_str());
        std::filesystem::remove_all(dir);
    }
    oauth_server(const oauth_server&) = delete;
    oauth_server& operator=(const oauth_server&) = delete;

    /// POSTs an admin command ("ttl" or "/admin/ttl") and returns the JSON
    /// answer; REQUIREs a 200.
    std::string admin(const std::string& path, const std::string& json_body = "{}") {
        const std::string full = path.rfind('/', 0) == 0 ? path : "/admin/" + path;
        const auto r = http_request(admin_port, "POST", full, json_body);
        INFO("POST " << full << " " << json_body << " answered " << r.status << " " << r.body);
        REQUIRE(r.status == 200);
        return r.body;
    }
    /// GET /admin/stats: the counters as JSON.
    std::string stats() {
        const auto r = http_request(admin_port, "GET", "/admin/stats");
        REQUIRE(r.status == 200);
        return r.body;
    }
    /// One counter of stats().
    long stat(const std::string& key) { return json_number(stats(), key); }
    /// What the introspection endpoint says of a token (as Dovecot asks).
    std::string introspect(const std::string& token) {
        std::string form = "token=";
        for (unsigned char c : token) {
            if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
                form += static_cast<char>(c);
            } else {
                static const char* hex = "0123456789ABCDEF";
                form += '%';
                form += hex[c >> 4];
                form += hex[c & 15];
            }
        }
        const auto r = http_request(admin_port, "POST", "/introspect", form, "application/x-www-form-urlencoded");
        REQUIRE(r.status == 200);
        return r.body;
    }
};

}  // namespace test
