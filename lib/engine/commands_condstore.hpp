// Command builders for CONDSTORE and QRESYNC (RFC 7162): SELECT with the
// QRESYNC parameter, FETCH with CHANGEDSINCE [VANISHED], STORE with
// UNCHANGEDSINCE, and their routing rules.
#pragma once

#include "engine/commands.hpp"

#include <imapclient/condstore.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace imapclient::engine::commands {

/// The largest mod-sequence RFC 7162 allows (63 bits).
inline constexpr std::uint64_t max_mod_seq = 0x7fff'ffff'ffff'ffffULL;

/// SELECT / EXAMINE mailbox (QRESYNC (uidvalidity modseq [known-uids
/// [(seqs uids)]])). A barrier like SELECT; besides SELECT's data it
/// collects the FETCH responses and the VANISHED (EARLIER) the server
/// sends for the changes (a plain VANISHED stays an event). Invalid params
/// (uid_validity 0, modseq outside 1..2^63-1, empty or '*'/'$' sets, a
/// sequence match whose sets name different numbers of messages) throw
/// std::invalid_argument when built.
command_request select_qresync(std::string mailbox, const qresync_params& params, bool readonly,
                               bool encode = true);

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

}  // namespace imapclient::engine::commands
