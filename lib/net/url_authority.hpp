// Layer 4 (net): a URL's authority, "host[:port]" or "[IPv6]:port", split
// and checked without any I/O; shared by proxy_settings::parse() and the
// OAuth2 client's parse_url(). Each caller handles what comes before it
// (scheme, user info) and words the problems in its own message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace imapclient::net {

struct url_authority {
    /// As written (no case change); an IPv6 address without its brackets.
    std::string host;
    /// Unset when there is none (or an empty one, with empty_port_ok).
    std::optional<std::uint16_t> port;
    /// The host was in brackets (and is an IPv6 address).
    bool ipv6_literal = false;
};

/// What is wrong, in the order parse_authority() checks.
enum class authority_problem {
    unclosed_bracket,  // "[::1"
    bad_ipv6,          // "[nonsense]": authority_error::part is "nonsense"
    after_bracket,     // "[::1]x": not ":port" after the "]"
    unbracketed_ipv6,  // "::1:80" (only with colons_need_brackets)
    bad_host_char,     // a character host_char_ok refuses
    no_host,           // "", ":80"
    bad_port,          // not a number from 1 to 65535, "" or too many digits
};

struct authority_error {
    authority_problem problem = authority_problem::no_host;
    /// For bad_ipv6: the text in the brackets (a view into the authority).
    std::string_view part;
};

/// A caller's own rules.
struct authority_rules {
    /// The characters a host name (not a bracketed address) may have;
    /// nullptr: any.
    bool (*host_char_ok)(unsigned char) = nullptr;
    /// More than one ":" outside brackets is unbracketed_ipv6, checked before
    /// the host; else it makes the port bad (checked last).
    bool colons_need_brackets = false;
    /// "host:" means no port rather than bad_port.
    bool empty_port_ok = false;
    /// Longer is bad_port, even "000080".
    std::size_t max_port_digits = 5;
};

/// The authority split into host and port, or nullopt with `error` set.
std::optional<url_authority> parse_authority(std::string_view authority, const authority_rules& rules,
                                             authority_error& error);

}  // namespace imapclient::net
