// client::start<Op> is compiled here for every operation of imapclient::ops
// (client.hpp declares it only), and for the ones a folder lease runs; the
// lists are in <imapclient/ops/catalog.hpp>.
#include "actor/run.hpp"

#include <imapclient/ops/catalog.hpp>

namespace imapclient {

#define IMAPCLIENT_OPERATION(op) \
    template void client::start<ops::op>(const std::shared_ptr<impl>&, ops::op, result_handler<ops::op::result_type>);
#define IMAPCLIENT_LEASED_OPERATION(op)                                                                     \
    template void client::start<ops::leased<ops::op>>(const std::shared_ptr<impl>&, ops::leased<ops::op>, \
                                                      result_handler<ops::op::result_type>);
IMAPCLIENT_ALL_OPERATIONS(IMAPCLIENT_OPERATION)
IMAPCLIENT_LEASED_OPERATIONS(IMAPCLIENT_LEASED_OPERATION)
#undef IMAPCLIENT_LEASED_OPERATION
#undef IMAPCLIENT_OPERATION

}  // namespace imapclient
