// Commands about folders (LIST, STATUS, CREATE, ...), ACLs and quotas, and
// the pure conversions of their untagged data into the public results.
//
// `encode` everywhere is client_options::folder_encode: on, folder names are
// UTF-8 and go on the wire in modified UTF-7; off, they go exactly as given.
#pragma once

#include "engine/engine.hpp"

#include <imapclient/results.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace imapclient::engine::commands {

/// LIST, LSUB or XLIST `directory` `pattern`, with LIST-EXTENDED return
/// options when given ("SPECIAL-USE" gives `RETURN (SPECIAL-USE)`).
command_request list(std::string_view command, std::string directory, std::string pattern, bool encode,
                     std::vector<std::string> return_options = {});

/// STATUS mailbox (items); no items means Python IMAPClient's default MESSAGES
/// RECENT UIDNEXT UIDVALIDITY UNSEEN.
command_request status(std::string mailbox, std::vector<std::string> items, bool encode);

/// Python IMAPClient's default STATUS items.
const std::vector<std::string>& default_status_items();

/// CREATE / DELETE / SUBSCRIBE / UNSUBSCRIBE of one mailbox.
command_request create(std::string mailbox, bool encode);
command_request remove(std::string mailbox, bool encode);  // DELETE
command_request subscribe(std::string mailbox, bool encode);
command_request unsubscribe(std::string mailbox, bool encode);
command_request rename(std::string from, std::string to, bool encode);

/// UNSELECT (RFC 3691).
command_request unselect();
/// The fallback without UNSELECT: EXAMINE of a name no server has, whose
/// NO leaves nothing selected (RFC 3501 6.3.1).
command_request examine_nothing();
/// The name examine_nothing() uses.
std::string_view impossible_mailbox();

command_request namespace_();

command_request getacl(std::string mailbox, bool encode);
/// SETACL mailbox identifier rights; empty rights: DELETEACL mailbox identifier.
command_request setacl(std::string mailbox, std::string identifier, std::string rights, bool encode);

command_request getquotaroot(std::string mailbox, bool encode);
command_request getquota(std::string root);
/// SETQUOTA root (RESOURCE limit ...); an empty list removes every limit.
command_request setquota(std::string root, std::vector<std::pair<std::string, std::uint64_t>> limits);

// ---- conversions ------------------------------------------------------

/// A wire folder name as the caller sees it: decoded from modified UTF-7
/// when `decode` (an invalid encoding is kept as sent, as Python IMAPClient does).
std::string folder_name_out(std::string_view wire_name, bool decode);

folder_info to_folder_info(const list_data& l, bool decode);
/// Every list_data of a completion, in order.
std::vector<folder_info> to_folder_infos(const std::vector<response>& responses, bool decode);
folder_status_result to_folder_status(const std::vector<response>& responses);
namespace_result to_namespace(const std::vector<response>& responses, bool decode);
std::vector<quota> to_quotas(const std::vector<response>& responses);

/// The common names Python IMAPClient looks for when no folder carries a special-use
/// attribute ("\\Sent" -> "Sent", "Sent Items", ...). Empty for attributes
/// it knows no names for. The attribute is matched case-insensitively, with
/// or without its backslash.
const std::vector<std::string>& popular_special_folder_names(std::string_view attribute);

/// The first folder (in the server's order) that carries `attribute`
/// (case-insensitive) or its name in the other vocabulary: Gmail's XLIST
/// says \\AllMail, \\Spam and \\Starred where RFC 6154 says \\All, \\Junk
/// and \\Flagged; nullptr when none does.
const list_data* find_by_attribute(const std::vector<list_data>& folders, std::string_view attribute);
/// The first popular name for `attribute`, tried under each personal
/// namespace prefix in turn, that names a selectable folder of `folders`
/// (case-insensitively; names compared as sent, since prefixes come from
/// NAMESPACE on the wire too).
const list_data* find_by_popular_name(const std::vector<list_data>& folders, std::string_view attribute,
                                      const std::vector<std::string>& personal_prefixes);

}  // namespace imapclient::engine::commands
