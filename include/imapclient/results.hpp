// Typed results of the client's operations. Each carries `status`, the
// server's tagged reply (text and response code): on success for the
// details (APPENDUID, the LOGIN text), on failure for the reason.
#pragma once

#include <imapclient/event.hpp>
#include <imapclient/mailbox.hpp>
#include <imapclient/response.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace imapclient {

/// What the server said when the connection opened, and its capabilities.
struct connect_result {
    status_response greeting;
    std::vector<std::string> capabilities;
    bool preauthenticated = false;
    bool tls = false;
    status_response status;
};

/// Any command that returns only the server's reply (LOGIN, NOOP, LOGOUT,
/// CLOSE). For NOOP, the untagged data that came with it is in
/// `responses` (it also went to the event channel's mailbox state).
struct command_result {
    status_response status;
    std::vector<response> responses;
};

/// SELECT / EXAMINE: the seed's dict, typed.
struct select_result {
    std::uint32_t exists = 0;
    std::uint32_t recent = 0;
    std::optional<std::uint32_t> uid_validity;
    std::optional<std::uint32_t> uid_next;
    std::optional<std::uint32_t> unseen;
    std::optional<std::uint64_t> highest_modseq;
    std::vector<std::string> flags;
    std::vector<std::string> permanent_flags;
    bool readonly = false;
    status_response status;
};

/// SEARCH / UID SEARCH: message ids (UIDs when use_uid), and with
/// CONDSTORE criteria the highest MODSEQ of the matches (the seed's
/// SearchIds.modseq).
struct search_result {
    std::vector<std::uint32_t> ids;
    std::optional<std::uint64_t> modseq;
    status_response status;
};

/// FETCH / UID FETCH: one entry per message, keyed by UID when use_uid is
/// on (the default) and by sequence number otherwise. Each entry has its
/// sequence number in `seq`. When the server answered NO but sent some data
/// ("Some of the requested messages no longer exist"), the data that came is
/// here and the error says why the rest is missing.
struct fetch_result {
    std::map<std::uint32_t, fetch_data> messages;
    status_response status;
};

/// APPEND: the server's reply; with UIDPLUS, the new message's UID
/// (MULTIAPPEND: `uids` has one UID per message, in order).
struct append_result {
    std::optional<std::uint32_t> uid_validity;
    std::optional<std::uint32_t> uid;
    std::vector<std::uint32_t> uids;
    status_response status;
};

/// idle_check() / idle_done(): what the server said while idling, in
/// order (the seed's list of untagged responses, typed). idle_done()'s
/// `status` is IDLE's tagged reply.
struct idle_result {
    std::vector<event> events;
    status_response status;
};

/// One folder of list_folders() / list_sub_folders() / xlist_folders():
/// the seed's (flags, delimiter, name) tuple. `name` is decoded from
/// modified UTF-7 (unless client_options::folder_encode is off).
struct folder_info {
    std::vector<std::string> flags;  // "\\HasNoChildren", "\\Sent", ...
    std::optional<char> delimiter;   // NIL: a flat namespace
    std::string name;
    bool has_flag(std::string_view flag) const;  // case-insensitive
    friend bool operator==(const folder_info&, const folder_info&) = default;
};

struct folder_list_result {
    std::vector<folder_info> folders;
    status_response status;
};

/// STATUS (folder_status()): the items the server returned; absent items
/// were not asked for or not sent. `items` keeps everything as sent
/// (names upper-cased), including items the library does not type.
struct folder_status_result {
    std::optional<std::uint32_t> messages, recent, uid_next, uid_validity, unseen;
    std::optional<std::uint64_t> highest_modseq, size;
    std::vector<std::pair<std::string, std::uint64_t>> items;
    status_response status;
};

/// NAMESPACE (RFC 2342): each kind is empty when the server has none.
struct namespace_result {
    std::vector<namespace_entry> personal, other, shared;
    status_response status;
};

/// Flags or Gmail labels per message (get_flags(), add_flags(), ...,
/// get_gmail_labels(), ...): keyed like fetch results (UID when use_uid).
/// Labels are decoded from modified UTF-7. A `silent` store returns no
/// messages.
struct flags_result {
    std::map<std::uint32_t, std::vector<std::string>> messages;
    status_response status;
};

/// THREAD (RFC 5256): the seed's nested tuples, typed (see thread_node).
struct thread_result {
    std::vector<thread_node> threads;
    status_response status;
};

/// COPY / MOVE: with UIDPLUS, which UIDs the copies got (COPYUID), in
/// matching order.
struct copy_result {
    std::optional<std::uint32_t> uid_validity;
    std::vector<std::uint32_t> source_uids, dest_uids;
    status_response status;
};

/// EXPUNGE / UID EXPUNGE: the sequence numbers the server reported
/// expunged (in the order sent, so each is relative to the one before), or
/// with QRESYNC enabled the UIDs it reported VANISHED.
struct expunge_result {
    std::vector<std::uint32_t> expunged;
    std::vector<std::uint32_t> vanished;
    status_response status;
};

/// GETACL (RFC 4314): (who, rights) pairs.
struct acl_result {
    std::vector<std::pair<std::string, std::string>> entries;
    status_response status;
};

/// One quota limit (the seed's Quota(quota_root, resource, usage, limit)).
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

/// ENABLE (RFC 5161): what the server actually enabled.
struct enable_result {
    std::vector<std::string> enabled;
    status_response status;
};

/// ID (RFC 2971): the server's fields; empty when it answered ID NIL.
struct id_result {
    std::vector<std::pair<std::string, std::optional<std::string>>> fields;
    status_response status;
};

}  // namespace imapclient
