// Command builders and result helpers for the message operations beyond
// SEARCH/FETCH/APPEND: SORT, THREAD, Gmail's X-GM-RAW search, MULTIAPPEND,
// COPY, MOVE, EXPUNGE, UID EXPUNGE and STORE, with their routing rules.
#pragma once

#include "engine/commands.hpp"

#include <imapclient/ops/flags.hpp>
#include <imapclient/ops/messages.hpp>
#include <imapclient/response.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imapclient::engine::commands {

/// SORT / UID SORT (RFC 5256): "SORT (REVERSE DATE) UTF-8 criteria". The
/// charset is mandatory in SORT; empty means US-ASCII, or UTF-8 when a
/// criteria item has 8-bit bytes. Each sort key must be an atom.
command_request sort(std::vector<std::string> sort_criteria, search_criteria criteria, std::string charset,
                     bool uid);

/// THREAD / UID THREAD (RFC 5256): "THREAD REFERENCES UTF-8 criteria".
command_request thread(std::string algorithm, search_criteria criteria, std::string charset, bool uid);

/// SEARCH [CHARSET cs] X-GM-RAW "query" (Gmail).
command_request gmail_search(std::string query, std::string charset, bool uid);

/// One message of a MULTIAPPEND.
using append_item = ops::append_message;

/// MULTIAPPEND (RFC 3502): one APPEND naming the mailbox once, then
/// "(flags) date literal" for each message. `encode_name` off sends the
/// mailbox name as given (client_options::folder_encode).
command_request multiappend(std::string mailbox, std::vector<append_item> messages, bool encode_name = true);

/// COPY / UID COPY. A UID COPY collects nothing and pipelines; COPY with
/// sequence numbers is a barrier.
command_request copy(const sequence_set& set, std::string mailbox, bool uid, bool encode_name = true);

/// MOVE / UID MOVE (RFC 6851). Always a barrier: it expunges. Collects the
/// untagged OK [COPYUID], EXPUNGE and VANISHED responses it causes.
command_request move(const sequence_set& set, std::string mailbox, bool uid, bool encode_name = true);

/// EXPUNGE, and UID EXPUNGE set (RFC 4315) when `uids` is given. Barriers;
/// they collect EXPUNGE and VANISHED.
command_request expunge(std::optional<sequence_set> uids = std::nullopt);

/// STORE / UID STORE of FLAGS or X-GM-LABELS ("+FLAGS.SILENT (...)").
/// Flags must be (backslash-)atoms; labels are UTF-8, sent modified UTF-7
/// as quoted strings (or literals), as Gmail expects. A UID STORE names its
/// UIDs so that stores and UID FETCHes of disjoint sets pipeline; a silent
/// one collects nothing (whatever FETCH data comes is somebody else's
/// change and goes to the events). STORE with sequence numbers is a barrier.
command_request store(const sequence_set& set, flag_change mode, bool gmail_labels, std::vector<std::string> values,
                      bool silent, bool uid);

/// The UIDs of an APPENDUID / COPYUID / VANISHED set ("3:5,9" is 3 4 5 9),
/// in the order sent (COPYUID pairs its two sets element by element), each
/// range ascending. nullopt when the text is malformed, has "*", or names
/// more than `limit` UIDs (a hostile "1:4294967295" must not allocate 16 GB).
std::optional<std::vector<std::uint32_t>> expand_uid_set(std::string_view text, std::size_t limit = 1'000'000);

/// The local time zone's offset from UTC at `when` (DST included).
std::chrono::minutes local_offset(std::chrono::sys_seconds when);

/// client_options::normalise_times: the same instant, expressed in the
/// local zone (INTERNALDATE and the ENVELOPE date of one message).
/// `offset_at` is the zone rule, local_offset by default (tests pass their own).
void normalise_times(fetch_data& message, std::chrono::minutes (*offset_at)(std::chrono::sys_seconds) = local_offset);

}  // namespace imapclient::engine::commands
