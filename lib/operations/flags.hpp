// The flag and Gmail label operations' state machines (see ops/flags.hpp).
#pragma once

#include "operations/encoding.hpp"
#include "operations/operation.hpp"

#include <imapclient/ops/flags.hpp>

namespace imapclient::operations {

/// The commands of this topic: their encoding and routing rules (what
/// they collect, whether they are barriers). Unit-tested on their own.
namespace commands {

/// STORE / UID STORE of FLAGS or X-GM-LABELS ("+FLAGS.SILENT (...)").
/// Flags must be (backslash-)atoms; labels are UTF-8, sent modified UTF-7
/// as quoted strings (or literals), as Gmail expects. A UID STORE names its
/// UIDs so that stores and UID FETCHes of disjoint sets pipeline; a silent
/// one collects nothing (whatever FETCH data comes is somebody else's
/// change and goes to the events). STORE with sequence numbers is a barrier.
command_request store(const sequence_set& set, flag_change mode, bool gmail_labels, std::vector<std::string> values,
                      bool silent, bool uid);

}  // namespace commands

algorithm_ptr<ops::get_flags> make_algorithm(ops::get_flags);
algorithm_ptr<ops::store_flags> make_algorithm(ops::store_flags);
algorithm_ptr<ops::get_gmail_labels> make_algorithm(ops::get_gmail_labels);
algorithm_ptr<ops::store_gmail_labels> make_algorithm(ops::store_gmail_labels);

}  // namespace imapclient::operations
