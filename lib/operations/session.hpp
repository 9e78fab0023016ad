// The session operations' state machines (see ops/session.hpp for their
// parameters and results). connect, STARTTLS and COMPRESS change the
// transport and run in the actor (lib/actor/connection.cpp).
#pragma once

#include "operations/operation.hpp"

#include <imapclient/ops/session.hpp>

namespace imapclient::operations {

algorithm_ptr<ops::login> make_algorithm(ops::login);
algorithm_ptr<ops::authenticate> make_algorithm(ops::authenticate);
algorithm_ptr<ops::logout> make_algorithm(ops::logout);
algorithm_ptr<ops::noop> make_algorithm(ops::noop);
algorithm_ptr<ops::capability> make_algorithm(ops::capability);
algorithm_ptr<ops::enable> make_algorithm(ops::enable);
algorithm_ptr<ops::id> make_algorithm(ops::id);
algorithm_ptr<ops::raw_command> make_algorithm(ops::raw_command);

}  // namespace imapclient::operations
