// The selected mailbox as the client knows it, kept current from every
// untagged response (EXISTS, EXPUNGE, VANISHED, FLAGS, response codes).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace imapclient {

/// Which mailbox a command ran in: the name given to SELECT / EXAMINE and
/// the UIDVALIDITY the server reported for it (the same name with another
/// UIDVALIDITY is another mailbox: it was deleted and created again).
struct mailbox_identity {
    std::string name;
    std::optional<std::uint32_t> uid_validity;
    friend bool operator==(const mailbox_identity&, const mailbox_identity&) = default;
};

struct mailbox_state {
    bool selected = false;
    std::string name;  // as given to select_folder (UTF-8)
    bool readonly = false;
    std::uint32_t exists = 0;
    std::uint32_t recent = 0;
    std::optional<std::uint32_t> uid_validity;
    std::optional<std::uint32_t> uid_next;
    std::optional<std::uint32_t> unseen;  // first unseen sequence number
    std::optional<std::uint64_t> highest_modseq;
    bool nomodseq = false;
    std::vector<std::string> flags;
    std::vector<std::string> permanent_flags;
    friend bool operator==(const mailbox_state&, const mailbox_state&) = default;
};

}  // namespace imapclient
