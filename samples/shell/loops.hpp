// The two ways of driving the shell: scripted (one JSON array per line in,
// one JSON line per call out) and interactive (words or JSON, pretty
// output). Both run each call on `io`, which another thread runs.
#pragma once

#include "methods.hpp"

#include <boost/asio/io_context.hpp>

#include <cstdio>
#include <istream>

namespace shell {

/// Returns the exit status: 0 when the script ran to its end, 3 when the
/// connection was lost without a logout (every later call then reports an
/// abort_error too). Blank lines and lines starting with '#' are skipped.
int run_script(std::istream& in, std::FILE* out, boost::asio::io_context& io, session& s, bool& logged_out);

int run_interactive(std::istream& in, boost::asio::io_context& io, session& s, bool& logged_out);

}  // namespace shell
