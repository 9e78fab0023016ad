#include "sasl/saslprep.hpp"

#include <stringprep.h>

#include <cstdlib>
#include <memory>
#include <stdexcept>

namespace imapclient::detail {

std::string saslprep(std::string_view s, std::string_view what) {
    // Printable ASCII is its own SASLprep; most passwords never reach libidn.
    bool plain_ascii = true;
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c >= 0x7f) plain_ascii = false;
    }
    if (plain_ascii) return std::string(s);
    if (s.find('\0') != std::string_view::npos)
        throw std::invalid_argument(std::string(what) + " contains NUL");
    const std::string in(s);
    char* out = nullptr;
    // Flags 0: unassigned code points are allowed, as RFC 4013 2.5 permits for
    // "queries" (what a client sends); the server checks its stored strings.
    const int rc = stringprep_profile(in.c_str(), &out, "SASLprep", static_cast<Stringprep_profile_flags>(0));
    std::unique_ptr<char, decltype(&std::free)> owned(out, &std::free);
    if (rc != STRINGPREP_OK)
        throw std::invalid_argument(std::string(what) + " is refused by SASLprep (RFC 4013): " +
                                    stringprep_strerror(static_cast<Stringprep_rc>(rc)));
    return std::string(out);
}

}  // namespace imapclient::detail
