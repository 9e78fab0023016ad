// The message operations' state machines (see ops/messages.hpp), and the
// FETCH and SEARCH decoding that other topics share.
#pragma once

#include "operations/encoding.hpp"
#include "operations/operation.hpp"

#include <imapclient/ops/messages.hpp>

#include <cstdint>
#include <map>
#include <optional>

namespace imapclient::operations {

/// The commands of this topic: their encoding and routing rules (what
/// they collect, whether they are barriers). Unit-tested on their own.
namespace commands {

/// One message of a MULTIAPPEND.
using append_item = ops::append_message;

command_request search(search_criteria criteria, std::string charset, bool uid);

/// SORT / UID SORT (RFC 5256): "SORT (REVERSE DATE) UTF-8 criteria". The
/// charset is mandatory in SORT; empty means US-ASCII, or UTF-8 when a
/// criteria item has 8-bit bytes. Each sort key must be an atom.
command_request sort(std::vector<std::string> sort_criteria, search_criteria criteria, std::string charset, bool uid);

/// SEARCH RETURN (...) [CHARSET cs] criteria (RFC 4731, RFC 5182) and
/// SORT RETURN (...) (keys) charset criteria (RFC 5267) when
/// `sort_criteria` is given: the RETURN options of `returns`.
command_request esearch(const search_return& returns, std::vector<std::string> sort_criteria,
                        search_criteria criteria, std::string charset, bool uid);

/// THREAD / UID THREAD (RFC 5256): "THREAD REFERENCES UTF-8 criteria".
command_request thread(std::string algorithm, search_criteria criteria, std::string charset, bool uid);

/// SEARCH [CHARSET cs] X-GM-RAW "query" (Gmail).
command_request gmail_search(std::string query, std::string charset, bool uid);

/// The ESEARCH data of an esearch()/esort() command that asked for
/// `asked` (`sorted`: ALL is in sort order and also goes to
/// esearch_result::sorted).
esearch_result to_esearch_result(const std::vector<response>& responses, const search_return& asked, bool sorted);

command_request fetch(const sequence_set& set, const std::vector<std::string>& items,
                      const std::vector<std::string>& modifiers, bool uid);

command_request append(std::string mailbox, std::string message, std::vector<std::string> flags,
                       std::optional<datetime> when, bool encode = true);

/// MULTIAPPEND (RFC 3502): one APPEND naming the mailbox once, then
/// "(flags) date literal" for each message. `encode_name` off sends the
/// mailbox name as given (client_options::folder_encode).
command_request multiappend(std::string mailbox, std::vector<append_item> messages, bool encode_name = true);

/// APPEND of a message read from `source` as it is written (see
/// command_builder::literal(source, ...)).
command_request stream_append(std::string mailbox, std::shared_ptr<body_source> source, std::vector<std::string> flags,
                              std::optional<datetime> when, bool binary, bool encode = true);

/// MULTIAPPEND of messages read from sources as they are written.
command_request stream_multiappend(std::string mailbox, std::vector<ops::stream_append_message> messages,
                                   bool encode_name = true);

/// COPY / UID COPY. A UID COPY collects nothing and pipelines; COPY with
/// sequence numbers is a barrier.
command_request copy(const sequence_set& set, std::string mailbox, bool uid, bool encode_name = true);

/// MOVE / UID MOVE (RFC 6851). Always a barrier: it expunges. Collects the
/// untagged OK [COPYUID], EXPUNGE and VANISHED responses it causes.
command_request move(const sequence_set& set, std::string mailbox, bool uid, bool encode_name = true);

/// EXPUNGE, and UID EXPUNGE set (RFC 4315) when `uids` is given. Barriers;
/// they collect EXPUNGE and VANISHED.
command_request expunge(std::optional<sequence_set> uids = std::nullopt);

/// The UID ranges a set names, or nullopt when it has "*" or "$" (then
/// its FETCH data cannot be told apart from another FETCH's by UID).
std::optional<std::vector<std::pair<std::uint32_t, std::uint32_t>>> uid_ranges(const sequence_set& set);

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

}  // namespace commands

algorithm_ptr<ops::search> make_algorithm(ops::search);
algorithm_ptr<ops::esearch> make_algorithm(ops::esearch);
algorithm_ptr<ops::esort> make_algorithm(ops::esort);
algorithm_ptr<ops::sort> make_algorithm(ops::sort);
algorithm_ptr<ops::thread> make_algorithm(ops::thread);
algorithm_ptr<ops::gmail_search> make_algorithm(ops::gmail_search);
algorithm_ptr<ops::fetch> make_algorithm(ops::fetch);
algorithm_ptr<ops::append> make_algorithm(ops::append);
algorithm_ptr<ops::multiappend> make_algorithm(ops::multiappend);
algorithm_ptr<ops::stream_append> make_algorithm(ops::stream_append);
algorithm_ptr<ops::stream_multiappend> make_algorithm(ops::stream_multiappend);
algorithm_ptr<ops::copy> make_algorithm(ops::copy);
algorithm_ptr<ops::move> make_algorithm(ops::move);
algorithm_ptr<ops::expunge> make_algorithm(ops::expunge);
algorithm_ptr<ops::uid_expunge> make_algorithm(ops::uid_expunge);

/// The key a FETCH response has in results keyed by UID (`by_uid`) or
/// sequence number; nullopt for a response without a UID when UIDs are
/// the key (somebody else's flag update).
inline std::optional<std::uint32_t> fetch_key(const fetch_data& f, bool by_uid) {
    if (by_uid) return f.uid;
    return f.seq;
}

/// Adds one FETCH response to a result keyed by UID (`by_uid`) or sequence
/// number. A server may split one message's items over several responses:
/// they are merged, later values winning. A response without a UID when
/// UIDs are the key is somebody else's flag update: false, nothing added.
bool add_fetch(std::map<std::uint32_t, fetch_data>& messages, fetch_data&& f, bool by_uid);

/// SEARCH and ESEARCH data in the order the server sent it (SORT's order is
/// the result), and the MODSEQ of a CONDSTORE search.
search_result to_search_result(const std::vector<response>& responses);

}  // namespace imapclient::operations
