// Mailbox operations: SELECT/EXAMINE, CLOSE, UNSELECT, LIST/LSUB/XLIST,
// the special-folder finder, STATUS, CREATE/DELETE/RENAME/(UN)SUBSCRIBE and
// NAMESPACE. Folder names are UTF-8 in and out unless
// client_options::folder_encode is off.
#pragma once

#include <imapclient/ops/session.hpp>
#include <imapclient/response.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace imapclient {

class folder_lease;  // lease.hpp

/// SELECT / EXAMINE: Python IMAPClient's dict, typed.
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

/// One folder of list_folders() / list_sub_folders() / xlist_folders():
/// Python IMAPClient's (flags, delimiter, name) tuple. `name` is decoded from
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
/// were not asked for or not sent. `items` keeps every numeric item as
/// sent and `other` every other one (names upper-cased, values raw),
/// including items the library does not type.
struct folder_status_result {
    std::optional<std::uint32_t> messages, recent, uid_next, uid_validity, unseen;
    std::optional<std::uint64_t> highest_modseq, size;
    /// APPENDLIMIT (RFC 7889); `APPENDLIMIT NIL` (no limit) is in `other`.
    std::optional<std::uint64_t> append_limit;
    /// MAILBOXID (RFC 8474 OBJECTID).
    std::optional<std::string> mailbox_id;
    std::vector<std::pair<std::string, std::uint64_t>> items;
    std::vector<std::pair<std::string, raw_value>> other;
    status_response status;
};

/// Which folders list_extended() returns and what it says of each
/// (LIST-EXTENDED, RFC 5258; LIST-STATUS, RFC 5819; SPECIAL-USE, RFC 6154).
struct list_options {
    /// Several patterns in one LIST ("INBOX", "Archive/*", ...).
    std::vector<std::string> patterns{"*"};
    /// Selection: only subscribed folders (and subscribed names that no
    /// longer exist, flagged \NonExistent).
    bool subscribed = false;
    /// Selection: remote folders too (mailbox referrals).
    bool remote = false;
    /// Selection with `subscribed`: also parents whose children match
    /// (their child_info says SUBSCRIBED).
    bool recursive_match = false;
    /// Selection: only folders with a special-use attribute.
    bool special_use = false;
    /// Return options: the \Subscribed flag, \HasChildren/\HasNoChildren,
    /// and the special-use attributes.
    bool return_subscribed = false, return_children = false, return_special_use = false;
    /// LIST-STATUS: these STATUS items of every folder, in the same round
    /// trip ("MESSAGES", "UNSEEN", "SIZE", ...).
    std::vector<std::string> status;
};

/// One folder of list_extended().
struct listed_folder : folder_info {
    /// CHILDINFO: why a folder that does not match was listed ("SUBSCRIBED").
    std::vector<std::string> child_info;
    /// OLDNAME (RFC 5465): the name it had before a RENAME.
    std::optional<std::string> old_name;
    /// LIST-STATUS: its STATUS items (its `status` member is unused); absent
    /// for folders that cannot be selected.
    std::optional<folder_status_result> status;
};

struct folder_tree_result {
    std::vector<listed_folder> folders;
    status_response status;
};

/// NAMESPACE (RFC 2342): each kind is empty when the server has none.
struct namespace_result {
    std::vector<namespace_entry> personal, other, shared;
    status_response status;
};

/// Which listing command list_folders-like operations send.
enum class list_command { list, lsub, xlist };

namespace ops {

/// SELECT, or EXAMINE when readonly (client::select_folder()).
struct select_folder {
    using result_type = select_result;
    std::string folder;
    bool readonly = false;
};

/// CLOSE (client::close_folder()).
struct close_folder {
    using result_type = command_result;
};

/// UNSELECT or its fallback (client::unselect_folder()).
struct unselect_folder {
    using result_type = command_result;
};

/// LIST, LSUB or XLIST (client::list_folders(), list_sub_folders(),
/// xlist_folders()).
struct list_folders {
    using result_type = folder_list_result;
    std::string directory;
    std::string pattern = "*";
    list_command command = list_command::list;
};

/// LIST with selection and return options, several patterns, and the
/// STATUS of every folder in one round trip (client::list_extended()).
/// Needs LIST-EXTENDED; LIST-STATUS for `status`, SPECIAL-USE for the
/// special-use options.
struct list_extended {
    using result_type = folder_tree_result;
    std::string directory;
    list_options options;
};

/// The folder with a SPECIAL-USE attribute (client::find_special_folder()).
struct find_special_folder {
    using result_type = std::optional<std::string>;
    std::string attribute;
};

/// Whether a folder exists (client::folder_exists()).
struct folder_exists {
    using result_type = bool;
    std::string folder;
};

/// STATUS (client::folder_status()).
struct folder_status {
    using result_type = folder_status_result;
    std::string folder;
    std::vector<std::string> what;
};

/// CREATE (client::create_folder()); with `special_use` (e.g. {"\\Sent"})
/// the folder gets those attributes (CREATE-SPECIAL-USE, RFC 6154;
/// client::create_special_folder()).
struct create_folder {
    using result_type = command_result;
    std::string folder;
    std::vector<std::string> special_use;
};
struct delete_folder {
    using result_type = command_result;
    std::string folder;
};
struct rename_folder {
    using result_type = command_result;
    std::string old_name;
    std::string new_name;
};
struct subscribe_folder {
    using result_type = command_result;
    std::string folder;
};
struct unsubscribe_folder {
    using result_type = command_result;
    std::string folder;
};

/// NAMESPACE (client::namespace_()).
struct namespace_ {
    using result_type = namespace_result;
};

/// A lease on a folder (client::lease_folder(), lease.hpp).
struct lease_folder {
    using result_type = folder_lease;
    std::string folder;
    bool readonly = false;
};

}  // namespace ops

}  // namespace imapclient
