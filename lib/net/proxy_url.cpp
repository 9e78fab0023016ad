// proxy_settings::parse: "scheme://[user[:password]@]host[:port][/]" as
// curl takes it: http (CONNECT), socks5 (the target's name resolved here),
// socks5h (resolved by the proxy).
#include <imapclient/options.hpp>

#include <boost/asio/ip/address_v6.hpp>

#include <cctype>
#include <stdexcept>
#include <string>

namespace imapclient {

namespace {

// The URL as an error message may show it: without the password.
std::string redacted(std::string_view url) {
    const auto sep = url.find("://");
    const auto at = url.rfind('@');
    if (sep == std::string_view::npos || at == std::string_view::npos || at < sep) return std::string(url);
    return std::string(url.substr(0, sep + 3)) + "***@" + std::string(url.substr(at + 1));
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

    std::string_view port;
    bool has_port = false;
    if (!rest.empty() && rest.front() == '[') {
        const auto close = rest.find(']');
        if (close == std::string_view::npos) bad_url(url, "a \"[\" without \"]\"");
        p.host = std::string(rest.substr(1, close - 1));
        boost::system::error_code ec;
        boost::asio::ip::make_address_v6(p.host, ec);
        if (ec) bad_url(url, "\"" + p.host + "\" is not an IPv6 address");
        rest.remove_prefix(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') bad_url(url, "something after the \"]\"");
            port = rest.substr(1);
            has_port = true;
        }
    } else {
        const auto colon = rest.find(':');
        p.host = std::string(rest.substr(0, colon));
        if (colon != std::string_view::npos) {
            port = rest.substr(colon + 1);
            has_port = true;
            if (port.find(':') != std::string_view::npos) bad_url(url, "an IPv6 address must be in brackets");
        }
        for (unsigned char c : p.host)
            if (!std::isalnum(c) && c != '-' && c != '.' && c != '_')
                bad_url(url, "the host name has a character that no host name has");
    }
    if (p.host.empty()) bad_url(url, "no host");

    if (has_port) {
        if (port.empty() || port.size() > 5) bad_url(url, "a port must be a number from 1 to 65535");
        unsigned value = 0;
        for (char c : port) {
            if (c < '0' || c > '9') bad_url(url, "a port must be a number from 1 to 65535");
            value = value * 10 + static_cast<unsigned>(c - '0');
        }
        if (value == 0 || value > 65535) bad_url(url, "a port must be a number from 1 to 65535");
        p.port = static_cast<std::uint16_t>(value);
    }
    return p;
}

}  // namespace imapclient
