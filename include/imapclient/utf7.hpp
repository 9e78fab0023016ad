// Modified UTF-7 mailbox names (RFC 3501 5.1.3).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace imapclient {

/// UTF-8 to modified UTF-7 ("Entwürfe" -> "Entw&APw-rfe", "&" -> "&-").
/// Invalid UTF-8 throws std::invalid_argument.
std::string encode_utf7(std::string_view utf8);

/// Modified UTF-7 to UTF-8, or nullopt when the input is not valid
/// modified UTF-7 (callers then usually keep the raw name).
std::optional<std::string> try_decode_utf7(std::string_view utf7);

/// Like try_decode_utf7, but returns the input unchanged when invalid.
std::string decode_utf7(std::string_view utf7);

}  // namespace imapclient
