// Extensions beyond the core protocol: CONDSTORE and QRESYNC (RFC 7162),
// ACL (RFC 4314), QUOTA (RFC 9208), METADATA (RFC 5464), NOTIFY (RFC 5465)
// and IDLE (RFC 2177).
//
// The QRESYNC resync cycle: ENABLE QRESYNC once per connection, select the folder
// and keep its uid_validity and highest_modseq; next time (a new
// connection) select_folder_qresync() with those two numbers returns the
// UIDs expunged since (vanished) and the messages whose flags changed
// (changed), in one round trip. When the folder's UIDVALIDITY is no longer
// the one given, the server reports nothing of the kind and every cached
// UID is void: the result says uid_validity_changed, resync fully.
#pragma once

#include <imapclient/mailbox.hpp>
#include <imapclient/event.hpp>
#include <imapclient/ops/flags.hpp>
#include <imapclient/ops/mailboxes.hpp>
#include <imapclient/options.hpp>
#include <imapclient/response.hpp>
#include <imapclient/sequence_set.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
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
    /// The mailbox the command ran in (name as selected, UIDVALIDITY).
    mailbox_identity ran_in;
};

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
    /// The mailbox the command ran in (name as selected, UIDVALIDITY).
    mailbox_identity ran_in;
};

/// GETACL (RFC 4314): (who, rights) pairs.
struct acl_result {
    std::vector<std::pair<std::string, std::string>> entries;
    status_response status;
};

/// One quota limit (Python IMAPClient's Quota(quota_root, resource, usage, limit)).
struct quota {
    std::string quota_root;
    std::string resource;  // STORAGE (KiB), MESSAGE, ...
    std::uint64_t usage = 0, limit = 0;
    friend bool operator==(const quota&, const quota&) = default;
};

struct quota_result {
    std::vector<quota> quotas;
    status_response status;
};

/// GETQUOTAROOT: the folder's quota roots and their limits.
struct quota_root_result {
    std::string mailbox;
    std::vector<std::string> quota_roots;
    std::vector<quota> quotas;
    status_response status;
};

/// GETMETADATA (RFC 5464): entry names ("/private/comment",
/// "/shared/vendor/x") and their values; an entry without a value (NIL) has
/// none.
struct metadata_result {
    std::vector<std::pair<std::string, std::optional<std::string>>> entries;
    /// With max_size: the size of the largest value left out because it was
    /// bigger ([METADATA LONGENTRIES n]).
    std::optional<std::uint64_t> longest_skipped;
    status_response status;
};

/// Which mailboxes a NOTIFY group watches (RFC 5465 6.1).
enum class notify_target {
    selected,          // the selected mailbox, whichever it is
    selected_delayed,  // the same, but expunges wait for the next command (MSNs stay put)
    inboxes,           // every INBOX-like mailbox
    personal,          // every mailbox of the user's personal namespace
    subscribed,        // every subscribed mailbox
    subtree,           // `mailboxes` and all below them
    mailboxes,         // exactly `mailboxes`
};

/// One group of a NOTIFY SET: which mailboxes, which events. Event names
/// (RFC 5465 5): MessageNew, MessageExpunge, FlagChange, AnnotationChange,
/// MailboxName, SubscriptionChange, MailboxMetadataChange,
/// ServerMetadataChange. No events: NONE (those mailboxes are not
/// reported, e.g. to leave the selected one out).
struct notify_group {
    notify_target target = notify_target::selected;
    /// For subtree and mailboxes: the names (UTF-8, as everywhere).
    std::vector<std::string> mailboxes;
    std::vector<std::string> events;
    /// With MessageNew for the selected mailbox: FETCH items the server
    /// sends with each new message ("UID", "FLAGS", "ENVELOPE", ...).
    std::vector<std::string> message_new_fetch;
};

/// NOTIFY SET with STATUS: each watched mailbox's STATUS (MESSAGES,
/// UIDNEXT, UIDVALIDITY, UNSEEN) at the time of the command, by name.
/// Afterwards the server's news reach next_event() (and listen()) as
/// STATUS, LIST, METADATA and, for the selected mailbox, EXISTS / EXPUNGE
/// / FETCH responses; client::event_mailbox() says which mailbox an event
/// is about. An untagged OK [NOTIFICATIONOVERFLOW] means the server gave
/// up and turned NOTIFY off: resynchronise and set it again.
struct notify_result {
    std::vector<std::pair<std::string, folder_status_result>> mailboxes;
    status_response status;
};

/// How deep below the named entries GETMETADATA goes.
enum class metadata_depth { zero, one, infinity };

/// idle_check() / idle_done(): what the server said while idling, in
/// order (Python IMAPClient's list of untagged responses, typed). idle_done()'s
/// `status` is IDLE's tagged reply.
struct idle_result {
    std::vector<event> events;
    status_response status;
};

namespace ops {

/// SELECT/EXAMINE with QRESYNC (client::select_folder_qresync()).
struct select_folder_qresync {
    using result_type = qresync_select_result;
    std::string folder;
    qresync_params params;
    bool readonly = false;
};

/// FETCH (CHANGEDSINCE ...) (client::fetch_changed_since()).
struct fetch_changed_since {
    using result_type = changes_result;
    sequence_set messages;
    std::uint64_t mod_seq = 0;
    std::vector<std::string> items;
    bool vanished = false;
};

/// STORE (UNCHANGEDSINCE ...) of FLAGS (client::store_unchanged_since()).
struct store_unchanged_since {
    using result_type = conditional_store_result;
    sequence_set messages;
    flag_change change = flag_change::add;
    std::vector<std::string> flags;
    std::uint64_t unchanged_since = 0;
    bool silent = false;
};

/// GETACL (client::getacl()).
struct getacl {
    using result_type = acl_result;
    std::string folder;
};

/// SETACL, or DELETEACL when `what` is empty (client::setacl()).
struct setacl {
    using result_type = command_result;
    std::string folder;
    std::string who;
    std::string what;
};

/// GETQUOTAROOT's limits (client::get_quota()).
struct get_quota {
    using result_type = quota_result;
    std::string folder = "INBOX";
};

/// GETQUOTAROOT (client::get_quota_root()).
struct get_quota_root {
    using result_type = quota_root_result;
    std::string folder;
};

/// NOTIFY SET (RFC 5465; client::notify()): events of several mailboxes on
/// this connection; `status` asks for each one's STATUS at once. No
/// groups: NOTIFY NONE, which turns notifications off. Needs NOTIFY.
struct notify {
    using result_type = notify_result;
    std::vector<notify_group> groups;
    bool status = false;
};

/// GETQUOTA of a quota root, as get_quota_root() names them
/// (client::get_quota_by_root()).
struct get_quota_by_root {
    using result_type = quota_result;
    std::string root;
};

/// GETMETADATA (client::get_metadata()). An empty folder asks for the
/// server's own entries (METADATA-SERVER), else the folder's (METADATA).
struct get_metadata {
    using result_type = metadata_result;
    std::string folder;
    std::vector<std::string> entries;
    /// MAXSIZE: values larger than this are left out (see
    /// metadata_result::longest_skipped).
    std::optional<std::uint64_t> max_size;
    metadata_depth depth = metadata_depth::zero;
};

/// SETMETADATA (client::set_metadata()): each entry set to its value, or
/// removed when it has none. A refusal's reason is in the reply's code:
/// [METADATA MAXSIZE n], [METADATA TOOMANY], [METADATA NOPRIVATE].
struct set_metadata {
    using result_type = command_result;
    std::string folder;
    std::vector<std::pair<std::string, std::optional<std::string>>> entries;
};

/// SETQUOTA, one command per quota root (client::set_quota()).
struct set_quota {
    using result_type = quota_result;
    std::vector<quota> quotas;
};

/// IDLE until the server accepted it (client::idle()).
struct idle {
    using result_type = command_result;
};

/// What the server said while idling (client::idle_check()).
struct idle_check {
    using result_type = idle_result;
    std::chrono::milliseconds timeout{0};
};

/// DONE and IDLE's reply (client::idle_done()).
struct idle_done {
    using result_type = idle_result;
};

/// The push listener (client::listen()).
struct listen {
    using result_type = command_result;
    listen_options options;
};

}  // namespace ops

}  // namespace imapclient
