// Throwaway HTTP CONNECT and SOCKS5 proxies of a test's own
// (test/servers/proxy.sh), all on 127.0.0.1:
//   http_port        CONNECT, no authentication
//   http_auth_port   CONNECT with Proxy-Authorization: Basic proxyuser:proxypass
//                    (else 407 + Proxy-Authenticate, connection closed)
//   socks_port       SOCKS5, no authentication
//   socks_auth_port  SOCKS5, user/password (RFC 1929) proxyuser/proxypass
//   silent_port      accepts, never answers (handshake timeouts)
// stat(): http_tunnels, socks_tunnels, refused, http_auth_failures,
// socks_auth_failures, connect_failures, bad_requests, active, bytes_up,
// bytes_down, last_socks_atyp; stat_text("last_target") is the target as
// the client named it ("imap.example:993", a name when SOCKS5 got ATYP 3).
#pragma once

#include "oauth_server.hpp"  // http_request, read_env_file, json_value

namespace test {

struct proxy_server {
    std::string dir = test::unique_name("/tmp/imapclient-proxy");
    std::string script = std::string(SOURCE_ROOT) + "/test/servers/proxy.sh";
    std::uint16_t http_port = 0, http_auth_port = 0, socks_port = 0, socks_auth_port = 0, silent_port = 0;
    std::map<std::string, std::string> vars;  // all of DIR/env
    static constexpr const char* user = "proxyuser";
    static constexpr const char* password = "proxypass";

    explicit proxy_server() {
        REQUIRE(std::system(("bash " + script + " start " + dir + " >/dev/null").c_str()) == 0);
        vars = read_env_file(dir + "/env");
        auto port = [&](const char* key) { return static_cast<std::uint16_t>(std::stoi(vars.at(key))); };
        http_port = port("PROXY_HTTP_PORT");
        http_auth_port = port("PROXY_HTTP_AUTH_PORT");
        socks_port = port("PROXY_SOCKS_PORT");
        socks_auth_port = port("PROXY_SOCKS_AUTH_PORT");
        silent_port = port("PROXY_SILENT_PORT");
    }
    ~proxy_server() {
        std::system(("bash " + script + " stop " + dir + " >/dev/null 2>&1").c_str());
        std::filesystem::remove_all(dir);
    }
    proxy_server(const proxy_server&) = delete;
    proxy_server& operator=(const proxy_server&) = delete;

    /// The counters as JSON (GET /stats on the CONNECT port).
    std::string stats() {
        const auto r = http_request(http_port, "GET", "/stats");
        REQUIRE(r.status == 200);
        return r.body;
    }
    /// One counter.
    long stat(const std::string& key) { return json_number(stats(), key); }
    /// One value as text (a string without quotes; "null" when unset).
    std::string stat_text(const std::string& key) {
        const auto body = stats();
        const auto v = json_value(body, key);
        INFO("\"" << key << "\" in " << body);
        REQUIRE(v.has_value());
        return *v;
    }
};

}  // namespace test
