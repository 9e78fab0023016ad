// CONDSTORE and QRESYNC (RFC 7162): their parameters and results live with
// the other extensions.
#pragma once

#include <imapclient/ops/extensions.hpp>
