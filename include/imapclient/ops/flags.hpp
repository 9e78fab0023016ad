// Flags and Gmail labels: reading them (a FETCH) and changing them (STORE
// +FLAGS / -FLAGS / FLAGS, and X-GM-LABELS). The conditional STORE of
// CONDSTORE is in extensions.hpp.
#pragma once

#include <imapclient/mailbox.hpp>
#include <imapclient/response.hpp>
#include <imapclient/sequence_set.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace imapclient {

/// Flags or Gmail labels per message (get_flags(), add_flags(), ...,
/// get_gmail_labels(), ...): keyed like fetch results (UID when use_uid).
/// Labels are decoded from modified UTF-7. A `silent` store returns no
/// messages.
struct flags_result {
    std::map<std::uint32_t, std::vector<std::string>> messages;
    status_response status;
    /// The mailbox the command ran in (name as selected, UIDVALIDITY).
    mailbox_identity ran_in;
};

/// How a STORE changes flags or labels: +FLAGS, -FLAGS or FLAGS.
enum class flag_change { add, remove, set };

namespace ops {

/// FETCH FLAGS (client::get_flags()).
struct get_flags {
    using result_type = flags_result;
    sequence_set messages;
};

/// STORE of FLAGS (client::add_flags(), remove_flags(), set_flags()).
struct store_flags {
    using result_type = flags_result;
    sequence_set messages;
    flag_change change = flag_change::add;
    std::vector<std::string> flags;
    bool silent = false;
};

/// FETCH X-GM-LABELS (client::get_gmail_labels()).
struct get_gmail_labels {
    using result_type = flags_result;
    sequence_set messages;
};

/// STORE of X-GM-LABELS (client::add_gmail_labels(), ...).
struct store_gmail_labels {
    using result_type = flags_result;
    sequence_set messages;
    flag_change change = flag_change::add;
    std::vector<std::string> labels;
    bool silent = false;
};

}  // namespace ops

}  // namespace imapclient
