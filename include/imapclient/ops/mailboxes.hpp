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

struct create_folder {
    using result_type = command_result;
    std::string folder;
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
