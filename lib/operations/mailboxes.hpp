// The mailbox operations' state machines (see ops/mailboxes.hpp).
#pragma once

#include "operations/encoding.hpp"
#include "operations/operation.hpp"

#include <imapclient/ops/mailboxes.hpp>

namespace imapclient::operations {

/// The commands of this topic: their encoding and routing rules (what
/// they collect, whether they are barriers). Unit-tested on their own.
namespace commands {

command_request select(std::string mailbox, bool readonly, bool encode = true);

command_request close();

/// UNSELECT (RFC 3691).
command_request unselect();

/// The fallback without UNSELECT: EXAMINE of a name no server has, whose
/// NO leaves nothing selected (RFC 3501 6.3.1).
command_request examine_nothing();

/// The name examine_nothing() uses.
std::string_view impossible_mailbox();

/// LIST, LSUB or XLIST `directory` `pattern`, with LIST-EXTENDED return
/// options when given ("SPECIAL-USE" gives `RETURN (SPECIAL-USE)`).
command_request list(std::string_view command, std::string directory, std::string pattern, bool encode,
                     std::vector<std::string> return_options = {});

/// LIST (selection options) directory (patterns) RETURN (return options)
/// (RFC 5258, RFC 5819, RFC 6154). Collects LIST and, with LIST-STATUS,
/// STATUS data.
command_request list_extended(std::string directory, const list_options& options, bool encode);

/// list_extended()'s folders: each LIST with its CHILDINFO/OLDNAME items
/// and its STATUS data (matched by the name on the wire).
std::vector<listed_folder> to_listed_folders(const std::vector<response>& responses, bool decode);

/// CREATE mailbox (USE (attributes)) (RFC 6154 CREATE-SPECIAL-USE) when
/// `special_use` is not empty.
command_request create_special(std::string mailbox, std::vector<std::string> special_use, bool encode);

/// STATUS mailbox (items); no items means Python IMAPClient's default MESSAGES
/// RECENT UIDNEXT UIDVALIDITY UNSEEN.
command_request status(std::string mailbox, std::vector<std::string> items, bool encode);

/// Python IMAPClient's default STATUS items.
const std::vector<std::string>& default_status_items();

/// CREATE / DELETE / SUBSCRIBE / UNSUBSCRIBE of one mailbox.
command_request create(std::string mailbox, bool encode);

command_request remove(std::string mailbox, bool encode);  // DELETE
command_request subscribe(std::string mailbox, bool encode);

command_request subscribe(std::string mailbox, bool encode);

command_request unsubscribe(std::string mailbox, bool encode);

command_request rename(std::string from, std::string to, bool encode);

command_request namespace_();

/// A wire folder name as the caller sees it: decoded from modified UTF-7
/// when `decode` (an invalid encoding is kept as sent, as Python IMAPClient does).
std::string folder_name_out(std::string_view wire_name, bool decode);

/// The other way: a caller's folder name as it goes on the wire (what
/// command_builder::mailbox() sends, and what the server's data names).
std::string wire_name(std::string_view name, bool encode);

folder_info to_folder_info(const list_data& l, bool decode);

/// Every list_data of a completion, in order.
std::vector<folder_info> to_folder_infos(const std::vector<response>& responses, bool decode);

folder_status_result to_folder_status(const std::vector<response>& responses);

/// One STATUS response's items, typed.
folder_status_result status_of(const status_data& s);

namespace_result to_namespace(const std::vector<response>& responses, bool decode);

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

}  // namespace commands

algorithm_ptr<ops::select_folder> make_algorithm(ops::select_folder);
algorithm_ptr<ops::close_folder> make_algorithm(ops::close_folder);
algorithm_ptr<ops::unselect_folder> make_algorithm(ops::unselect_folder);
algorithm_ptr<ops::list_folders> make_algorithm(ops::list_folders);
algorithm_ptr<ops::list_extended> make_algorithm(ops::list_extended);
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
