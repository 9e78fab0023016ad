// ISO 8601 for the shell's JSON: dates go out as "1994-02-07T21:52:25-08:00"
// (the wall-clock time in the zone the date carries, with that offset) and
// come in the same way.
#pragma once

#include <imapclient/types.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace shell {

std::string format_iso(const imapclient::datetime& when);

/// "YYYY-MM-DDTHH:MM:SS" (or a space instead of T), optional fraction
/// (dropped), then "Z", "+HH:MM", "+HHMM" or "+HH". No zone means UTC.
/// nullopt for anything else, including impossible dates (Feb 30).
std::optional<imapclient::datetime> parse_iso(std::string_view text);

}  // namespace shell
