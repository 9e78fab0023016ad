// The extensions' state machines (see ops/extensions.hpp): CONDSTORE and
// QRESYNC, ACL, QUOTA and METADATA. IDLE waits on the connection and runs in the
// actor (lib/actor/idle.cpp).
#pragma once

#include "operations/encoding.hpp"
#include "operations/operation.hpp"

#include <imapclient/ops/extensions.hpp>

namespace imapclient::operations {

/// The commands of this topic: their encoding and routing rules (what
/// they collect, whether they are barriers). Unit-tested on their own.
namespace commands {

/// The largest mod-sequence RFC 7162 allows (63 bits).
inline constexpr std::uint64_t max_mod_seq = 0x7fff'ffff'ffff'ffffULL;

/// SELECT / EXAMINE mailbox (QRESYNC (uidvalidity modseq [known-uids
/// [(seqs uids)]])). A barrier like SELECT; besides SELECT's data it
/// collects the FETCH responses and the VANISHED (EARLIER) the server
/// sends for the changes (a plain VANISHED stays an event). Invalid params
/// (uid_validity 0, modseq outside 1..2^63-1, empty or '*'/'$' sets, a
/// sequence match whose sets name different numbers of messages) throw
/// std::invalid_argument when built.
command_request select_qresync(std::string mailbox, const qresync_params& params, bool readonly, bool encode = true);

/// FETCH / UID FETCH set (items) (CHANGEDSINCE modseq [VANISHED]). With
/// `vanished` (UID FETCH only: std::invalid_argument otherwise) it also
/// collects VANISHED (EARLIER); then it is a barrier, since that data does
/// not name the command it answers.
command_request fetch_changed_since(const sequence_set& set, std::vector<std::string> items, std::uint64_t mod_seq,
                                    bool vanished, bool uid);

/// STORE / UID STORE set (UNCHANGEDSINCE modseq) [+|-]FLAGS[.SILENT]
/// (flags). Collects FETCH data even when silent: the server reports each
/// stored message's new MODSEQ. The refused ones are in the tagged reply's
/// [MODIFIED set].
command_request store_unchanged_since(const sequence_set& set, flag_change change, std::vector<std::string> flags,
                                      std::uint64_t unchanged_since, bool silent, bool uid);

command_request getacl(std::string mailbox, bool encode);

/// SETACL mailbox identifier rights; empty rights: DELETEACL mailbox identifier.
command_request setacl(std::string mailbox, std::string identifier, std::string rights, bool encode);

command_request getquotaroot(std::string mailbox, bool encode);

command_request getquota(std::string root);

/// SETQUOTA root (RESOURCE limit ...); an empty list removes every limit.
command_request setquota(std::string root, std::vector<std::pair<std::string, std::uint64_t>> limits);

std::vector<quota> to_quotas(const std::vector<response>& responses);

/// GETMETADATA [(MAXSIZE n DEPTH d)] mailbox (entries) (RFC 5464 4.2).
command_request getmetadata(std::string mailbox, std::vector<std::string> entries,
                            std::optional<std::uint64_t> max_size, metadata_depth depth, bool encode);

/// SETMETADATA mailbox (entry value|NIL ...) (RFC 5464 4.3).
command_request setmetadata(std::string mailbox,
                            std::vector<std::pair<std::string, std::optional<std::string>>> entries, bool encode);

/// NOTIFY SET [STATUS] (filter (events)) ... (RFC 5465 6.1), or NOTIFY NONE
/// for no groups. Collects the STATUS data that SET STATUS brings.
/// Invalid groups (no mailboxes for subtree/mailboxes, message_new_fetch
/// without MessageNew or outside the selected mailbox) throw
/// std::invalid_argument.
command_request notify(const std::vector<notify_group>& groups, bool status, bool encode);

/// The entries of the METADATA responses (the engine gave the command only
/// those of its mailbox: command_request::for_mailbox), and the tagged
/// reply's [METADATA LONGENTRIES n].
metadata_result to_metadata(const engine::completion& c);

command_request idle();

}  // namespace commands

algorithm_ptr<ops::select_folder_qresync> make_algorithm(ops::select_folder_qresync);
algorithm_ptr<ops::fetch_changed_since> make_algorithm(ops::fetch_changed_since);
algorithm_ptr<ops::store_unchanged_since> make_algorithm(ops::store_unchanged_since);
algorithm_ptr<ops::getacl> make_algorithm(ops::getacl);
algorithm_ptr<ops::setacl> make_algorithm(ops::setacl);
algorithm_ptr<ops::get_quota> make_algorithm(ops::get_quota);
algorithm_ptr<ops::get_quota_root> make_algorithm(ops::get_quota_root);
algorithm_ptr<ops::set_quota> make_algorithm(ops::set_quota);
algorithm_ptr<ops::get_quota_by_root> make_algorithm(ops::get_quota_by_root);
algorithm_ptr<ops::get_metadata> make_algorithm(ops::get_metadata);
algorithm_ptr<ops::set_metadata> make_algorithm(ops::set_metadata);
algorithm_ptr<ops::notify> make_algorithm(ops::notify);

}  // namespace imapclient::operations
