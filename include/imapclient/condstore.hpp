// CONDSTORE and QRESYNC (RFC 7162): the parameters and results of
// client::select_folder_qresync(), fetch_changed_since() and
// store_unchanged_since().
//
// The resync cycle: ENABLE QRESYNC once per connection, select the folder
// and keep its uid_validity and highest_modseq; next time (a new
// connection) select_folder_qresync() with those two numbers returns the
// UIDs expunged since (vanished) and the messages whose flags changed
// (changed), in one round trip. When the folder's UIDVALIDITY is no longer
// the one given, the server reports nothing of the kind and every cached
// UID is void: the result says uid_validity_changed, resync fully.
#pragma once

#include <imapclient/response.hpp>
#include <imapclient/results.hpp>
#include <imapclient/sequence_set.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

namespace imapclient {

/// What the client remembers of a folder, sent as SELECT's QRESYNC
/// parameter: "(QRESYNC (uidvalidity modseq [known-uids [(seqs uids)]]))".
struct qresync_params {
    /// The folder's UIDVALIDITY when the cache was filled (non-zero).
    std::uint32_t uid_validity = 0;
    /// Its HIGHESTMODSEQ then (1 .. 2^63-1).
    std::uint64_t mod_seq = 0;
    /// The UIDs the client knows; the server then reports only those of
    /// them that vanished. Absent: any UID that vanished may be reported.
    std::optional<sequence_set> known_uids;
    /// RFC 7162 seq-match-data: a sample of message sequence numbers and
    /// the UIDs the client believes they have, which lets a server that
    /// forgot old expunges narrow down what to report. Both sets name the
    /// same number of messages, in the same order.
    struct sequence_match {
        sequence_set sequence_numbers;
        sequence_set uids;
    };
    std::optional<sequence_match> known_sequence_match;
};

/// select_folder_qresync(): the SELECT result plus the changes since the
/// given modseq.
struct qresync_select_result : select_result {
    /// The folder's UIDVALIDITY is not the one given (or the server sent
    /// none): `vanished` and `changed` are empty and mean nothing; every
    /// UID the client cached is void.
    bool uid_validity_changed = false;
    /// UIDs expunged since mod_seq ("* VANISHED (EARLIER) ..."), ascending
    /// within each range the server sent. With known_uids only those.
    std::vector<std::uint32_t> vanished;
    /// Messages whose metadata changed since mod_seq, by UID: the FETCH
    /// data the server sent during the SELECT (UID, FLAGS, MODSEQ). When a
    /// mailbox was selected before, what came ahead of "OK [CLOSED]" was
    /// the old mailbox's (RFC 7162 3.2.11) and is left out of both lists
    /// (a plain VANISHED of it still reaches next_event()).
    std::map<std::uint32_t, fetch_data> changed;
};

/// fetch_changed_since(): the messages (keyed like fetch_result) whose
/// modseq is above the one given, and with `vanished` the UIDs expunged
/// since ("VANISHED (EARLIER)", needs QRESYNC enabled).
struct changes_result {
    std::map<std::uint32_t, fetch_data> messages;
    std::vector<std::uint32_t> vanished;
    status_response status;
};

/// How store_unchanged_since() changes the flags.
enum class flag_change { add, remove, set };

/// store_unchanged_since(): a conditional STORE. `modified` holds the
/// messages the server refused because they changed after the given
/// modseq (the tagged reply's [MODIFIED ...]: UIDs with use_uid, sequence
/// numbers otherwise); the others were stored. `flags` and `modseqs` hold
/// what the server reported during the STORE: each stored message's flags
/// (none when silent) and new modseq (sent even when silent), and often
/// also the current state of refused ones (Dovecot and Cyrus report the
/// change that made them fail), whose modseq is the one to retry with.
struct conditional_store_result {
    std::map<std::uint32_t, std::vector<std::string>> flags;
    std::map<std::uint32_t, std::uint64_t> modseqs;
    std::vector<std::uint32_t> modified;
    status_response status;
};

}  // namespace imapclient
