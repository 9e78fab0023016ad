// Keeps the selected-mailbox state current from untagged responses.
#pragma once

#include <imapclient/mailbox.hpp>
#include <imapclient/response.hpp>

namespace imapclient::engine {

/// Applies one untagged response (EXISTS, RECENT, EXPUNGE, VANISHED, FLAGS,
/// FETCH MODSEQ, OK with UIDVALIDITY/UIDNEXT/UNSEEN/HIGHESTMODSEQ/
/// PERMANENTFLAGS/NOMODSEQ) to the state.
void update_mailbox(mailbox_state& state, const response& r);

}  // namespace imapclient::engine
