// proxy_settings::parse: "scheme://[user[:password]@]host[:port][/]" as
// curl takes it: http (CONNECT), socks5 (the target's name resolved here),
// socks5h (resolved by the proxy).
#include <imapclient/options.hpp>

#include "net/url_authority.hpp"

#include <cctype>
#include <stdexcept>
#include <string>

namespace imapclient {

namespace {

// The URL as an error message may show it: without the user and password
// (everything before the last "@"), with or without a scheme.
std::string redacted(std::string_view url) {
    const auto at = url.rfind('@');
    if (at == std::string_view::npos) return std::string(url);
    auto sep = url.find("://");
    const std::size_t keep = sep == std::string_view::npos || sep > at ? 0 : sep + 3;
    return std::string(url.substr(0, keep)) + "***@" + std::string(url.substr(at + 1));
}

[[noreturn]] void bad_url(std::string_view url, const std::string& why) {
    throw std::invalid_argument("bad proxy URL \"" + redacted(url) + "\": " + why);
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string percent_decode(std::string_view url, std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') {
            out += s[i];
            continue;
        }
        const int hi = i + 1 < s.size() ? hex_value(s[i + 1]) : -1;
        const int lo = i + 2 < s.size() ? hex_value(s[i + 2]) : -1;
        if (hi < 0 || lo < 0) bad_url(url, "a % not followed by two hex digits in the user name or password");
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
    }
    return out;
}

bool host_name_char(unsigned char c) { return std::isalnum(c) || c == '-' || c == '.' || c == '_'; }

// A port is 1 to 5 digits, an IPv6 address is in brackets.
constexpr net::authority_rules authority_rules{
    .host_char_ok = host_name_char, .colons_need_brackets = true, .empty_port_ok = false, .max_port_digits = 5};

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

}  // namespace

proxy_settings proxy_settings::parse(std::string_view url) {
    proxy_settings p;
    const auto sep = url.find("://");
    if (sep == std::string_view::npos) bad_url(url, "no scheme (http://, socks5:// or socks5h://)");
    const std::string scheme = lower(url.substr(0, sep));
    if (scheme == "http") {
        p.type = kind::http_connect;
        p.remote_dns = true;  // an HTTP proxy always resolves the name itself
    } else if (scheme == "socks5") {
        p.type = kind::socks5;
        p.remote_dns = false;
    } else if (scheme == "socks5h") {
        p.type = kind::socks5;
        p.remote_dns = true;
    } else {
        bad_url(url, "unsupported scheme \"" + scheme + "\" (http, socks5 and socks5h are)");
    }

    std::string_view rest = url.substr(sep + 3);
    // At most a "/" after the authority: a proxy URL has no path.
    if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
    if (rest.find_first_of("/?#") != std::string_view::npos) bad_url(url, "a path, query or fragment");

    // user[:password]@ — the last "@": the host has none.
    if (const auto at = rest.rfind('@'); at != std::string_view::npos) {
        const std::string_view userinfo = rest.substr(0, at);
        rest.remove_prefix(at + 1);
        const auto colon = userinfo.find(':');
        p.username = percent_decode(url, userinfo.substr(0, colon));
        if (colon != std::string_view::npos) p.password = percent_decode(url, userinfo.substr(colon + 1));
        if (p.username.empty()) bad_url(url, "an empty user name");
    }

    net::authority_error problem;
    const auto authority = net::parse_authority(rest, authority_rules, problem);
    if (!authority) {
        switch (problem.problem) {
        case net::authority_problem::unclosed_bracket: bad_url(url, "a \"[\" without \"]\"");
        case net::authority_problem::bad_ipv6:
            bad_url(url, "\"" + std::string(problem.part) + "\" is not an IPv6 address");
        case net::authority_problem::after_bracket: bad_url(url, "something after the \"]\"");
        case net::authority_problem::unbracketed_ipv6: bad_url(url, "an IPv6 address must be in brackets");
        case net::authority_problem::bad_host_char:
            bad_url(url, "the host name has a character that no host name has");
        case net::authority_problem::no_host: bad_url(url, "no host");
        case net::authority_problem::bad_port: bad_url(url, "a port must be a number from 1 to 65535");
        }
        bad_url(url, "a bad host or port");
    }
    p.host = authority->host;
    if (authority->port) p.port = *authority->port;
    return p;
}

}  // namespace imapclient
