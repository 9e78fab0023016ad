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

/// APPEND: the server's reply; with UIDPLUS, the new message's UID.
struct append_result {
    std::optional<std::uint32_t> uid_validity;
    std::optional<std::uint32_t> uid;
    status_response status;
};

/// idle_check() / idle_done(): what the server said while idling, in
/// order (the seed's list of untagged responses, typed). idle_done()'s
/// `status` is IDLE's tagged reply.
struct idle_result {
    std::vector<event> events;
    status_response status;
};

}  // namespace imapclient
