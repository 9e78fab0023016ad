// The extensions' state machines (see ops/extensions.hpp): CONDSTORE and
// QRESYNC, ACL and QUOTA. IDLE waits on the connection and runs in the
// actor (lib/actor/idle.cpp).
#pragma once

#include "operations/operation.hpp"

#include <imapclient/ops/extensions.hpp>

namespace imapclient::operations {

algorithm_ptr<ops::select_folder_qresync> make_algorithm(ops::select_folder_qresync);
algorithm_ptr<ops::fetch_changed_since> make_algorithm(ops::fetch_changed_since);
algorithm_ptr<ops::store_unchanged_since> make_algorithm(ops::store_unchanged_since);
algorithm_ptr<ops::getacl> make_algorithm(ops::getacl);
algorithm_ptr<ops::setacl> make_algorithm(ops::setacl);
algorithm_ptr<ops::get_quota> make_algorithm(ops::get_quota);
algorithm_ptr<ops::get_quota_root> make_algorithm(ops::get_quota_root);
algorithm_ptr<ops::set_quota> make_algorithm(ops::set_quota);

}  // namespace imapclient::operations
