// The flag and Gmail label operations' state machines (see ops/flags.hpp).
#pragma once

#include "operations/operation.hpp"

#include <imapclient/ops/flags.hpp>

namespace imapclient::operations {

algorithm_ptr<ops::get_flags> make_algorithm(ops::get_flags);
algorithm_ptr<ops::store_flags> make_algorithm(ops::store_flags);
algorithm_ptr<ops::get_gmail_labels> make_algorithm(ops::get_gmail_labels);
algorithm_ptr<ops::store_gmail_labels> make_algorithm(ops::store_gmail_labels);

}  // namespace imapclient::operations
