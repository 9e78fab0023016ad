// Byte-string helpers for the shell's JSON: IMAP strings are bytes, JSON
// strings are Unicode, so bytes that are not valid UTF-8 travel as base64.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace shell {

/// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing past
/// U+10FFFF. A JSON string must hold text a JSON parser will accept.
bool is_valid_utf8(std::string_view bytes) noexcept;

std::string base64_encode(std::string_view bytes);
/// Standard alphabet with padding; whitespace is not allowed. nullopt on
/// anything malformed, so a typo never becomes silently different bytes.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace shell
