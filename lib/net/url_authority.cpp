#include "net/url_authority.hpp"

#include <boost/asio/ip/address_v6.hpp>

namespace imapclient::net {

namespace {

std::optional<url_authority> fail(authority_error& error, authority_problem problem, std::string_view part = {}) {
    error.problem = problem;
    error.part = part;
    return std::nullopt;
}

}  // namespace

std::optional<url_authority> parse_authority(std::string_view authority, const authority_rules& rules,
                                             authority_error& error) {
    url_authority a;
    std::string_view port;
    bool has_port = false;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) return fail(error, authority_problem::unclosed_bracket);
        const std::string_view inside = authority.substr(1, close - 1);
        a.host = std::string(inside);
        boost::system::error_code ec;
        boost::asio::ip::make_address_v6(a.host, ec);
        if (ec) return fail(error, authority_problem::bad_ipv6, inside);
        a.ipv6_literal = true;
        const std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return fail(error, authority_problem::after_bracket);
            port = after.substr(1);
            has_port = true;
        }
    } else {
        const auto colon = authority.find(':');
        a.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) {
            port = authority.substr(colon + 1);
            has_port = true;
            if (rules.colons_need_brackets && port.find(':') != std::string_view::npos)
                return fail(error, authority_problem::unbracketed_ipv6);
        }
        if (rules.host_char_ok)
            for (const unsigned char c : a.host)
                if (!rules.host_char_ok(c)) return fail(error, authority_problem::bad_host_char);
    }
    if (a.host.empty()) return fail(error, authority_problem::no_host);

    if (has_port && !(port.empty() && rules.empty_port_ok)) {
        if (port.empty() || port.size() > rules.max_port_digits) return fail(error, authority_problem::bad_port);
        unsigned long value = 0;
        for (const char c : port) {
            if (c < '0' || c > '9' || value > 65535) return fail(error, authority_problem::bad_port);
            value = value * 10 + static_cast<unsigned long>(c - '0');
        }
        if (value == 0 || value > 65535) return fail(error, authority_problem::bad_port);
        a.port = static_cast<std::uint16_t>(value);
    }
    return a;
}

}  // namespace imapclient::net
