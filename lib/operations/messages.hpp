// The message operations' state machines (see ops/messages.hpp), and the
// FETCH and SEARCH decoding that other topics share.
#pragma once

#include "operations/operation.hpp"

#include <imapclient/ops/messages.hpp>

#include <cstdint>
#include <map>

namespace imapclient::operations {

algorithm_ptr<ops::search> make_algorithm(ops::search);
algorithm_ptr<ops::sort> make_algorithm(ops::sort);
algorithm_ptr<ops::thread> make_algorithm(ops::thread);
algorithm_ptr<ops::gmail_search> make_algorithm(ops::gmail_search);
algorithm_ptr<ops::fetch> make_algorithm(ops::fetch);
algorithm_ptr<ops::append> make_algorithm(ops::append);
algorithm_ptr<ops::multiappend> make_algorithm(ops::multiappend);
algorithm_ptr<ops::copy> make_algorithm(ops::copy);
algorithm_ptr<ops::move> make_algorithm(ops::move);
algorithm_ptr<ops::expunge> make_algorithm(ops::expunge);
algorithm_ptr<ops::uid_expunge> make_algorithm(ops::uid_expunge);

/// Adds one FETCH response to a result keyed by UID (`by_uid`) or sequence
/// number. A server may split one message's items over several responses:
/// they are merged, later values winning. A response without a UID when
/// UIDs are the key is somebody else's flag update: false, nothing added.
bool add_fetch(std::map<std::uint32_t, fetch_data>& messages, fetch_data&& f, bool by_uid);

/// SEARCH and ESEARCH data in the order the server sent it (SORT's order is
/// the result), and the MODSEQ of a CONDSTORE search.
search_result to_search_result(const std::vector<response>& responses);

}  // namespace imapclient::operations
