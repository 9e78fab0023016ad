// The mailbox operations' state machines (see ops/mailboxes.hpp).
#pragma once

#include "operations/operation.hpp"

#include <imapclient/ops/mailboxes.hpp>

namespace imapclient::operations {

algorithm_ptr<ops::select_folder> make_algorithm(ops::select_folder);
algorithm_ptr<ops::close_folder> make_algorithm(ops::close_folder);
algorithm_ptr<ops::unselect_folder> make_algorithm(ops::unselect_folder);
algorithm_ptr<ops::list_folders> make_algorithm(ops::list_folders);
algorithm_ptr<ops::find_special_folder> make_algorithm(ops::find_special_folder);
algorithm_ptr<ops::folder_exists> make_algorithm(ops::folder_exists);
algorithm_ptr<ops::folder_status> make_algorithm(ops::folder_status);
algorithm_ptr<ops::create_folder> make_algorithm(ops::create_folder);
algorithm_ptr<ops::delete_folder> make_algorithm(ops::delete_folder);
algorithm_ptr<ops::rename_folder> make_algorithm(ops::rename_folder);
algorithm_ptr<ops::subscribe_folder> make_algorithm(ops::subscribe_folder);
algorithm_ptr<ops::unsubscribe_folder> make_algorithm(ops::unsubscribe_folder);
algorithm_ptr<ops::namespace_> make_algorithm(ops::namespace_);

/// The selected mailbox's state as a SELECT result (a SELECT is a barrier,
/// so right after one the state is exactly its result).
select_result selected_result(const mailbox_state& m);

}  // namespace imapclient::operations
