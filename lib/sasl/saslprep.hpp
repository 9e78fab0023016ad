// SASLprep (RFC 4013), the string preparation SCRAM applies to user names
// and passwords (RFC 5802 5.1), so that "I\u00ADX" and "IX", or a password
// typed with a no-break space, give the same key on client and server.
#pragma once

#include <string>
#include <string_view>

namespace imapclient::detail {

/// The prepared form of UTF-8 `s`: non-ASCII spaces mapped to space,
/// "mapped to nothing" characters removed, NFKC. Throws
/// std::invalid_argument for what RFC 4013 prohibits (control and private
/// use characters, bidi misuse) and for invalid UTF-8; `what` names the
/// string in the message ("password"). Pure ASCII without controls is
/// returned unchanged without calling into libidn.
std::string saslprep(std::string_view s, std::string_view what);

}  // namespace imapclient::detail
