// The interactive shell's input: either a JSON array, as in script mode,
// or words: `select_folder INBOX readonly=true`, `fetch 1:* ["FLAGS","ENVELOPE"]`.
// A word is a JSON value when it parses as one (3, true, null, "a b",
// [..], {..}), otherwise the bare text; `name=value` is a keyword argument.
#pragma once

#include <boost/json/value.hpp>

#include <string_view>

namespace shell {

/// The call as ["method", arg..., {kwargs}]. Throws shell::invalid_argument.
boost::json::value parse_line(std::string_view line);

}  // namespace shell
