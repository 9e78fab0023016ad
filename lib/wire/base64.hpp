// Base64 (RFC 4648, standard alphabet, padded) for SASL exchanges.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace imapclient::wire {

std::string base64_encode(std::string_view bytes);
/// nullopt unless `text` is well-formed padded base64 (whitespace is not
/// allowed: SASL challenges have none).
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace imapclient::wire
