// Indented JSON for people (the interactive shell's output).
#pragma once

#include <boost/json/value.hpp>

#include <string>

namespace shell {

/// Short arrays and objects of scalars stay on one line; the rest is
/// indented by two spaces per level.
std::string pretty(const boost::json::value& v);

}  // namespace shell
