// Message operations: SEARCH, SORT, THREAD, Gmail's X-GM-RAW search,
// FETCH, APPEND, MULTIAPPEND, COPY, MOVE, EXPUNGE and UID EXPUNGE. Message
// sets are UIDs when client::use_uid() is on (the default), sequence
// numbers otherwise.
#pragma once

#include <imapclient/error.hpp>
#include <imapclient/mailbox.hpp>
#include <imapclient/ops/session.hpp>
#include <imapclient/response.hpp>
#include <imapclient/search.hpp>
#include <imapclient/sequence_set.hpp>
#include <imapclient/types.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace imapclient {

class body_sink;  // <imapclient/body_stream.hpp>

/// SEARCH / UID SEARCH: message ids (UIDs when use_uid), and with
/// CONDSTORE criteria the highest MODSEQ of the matches (Python IMAPClient's
/// SearchIds.modseq).
struct search_result {
    std::vector<std::uint32_t> ids;
    std::optional<std::uint64_t> modseq;
    /// What the server sent where ids belong that names no message ("-1",
    /// "0", "4294967301", an ESEARCH ALL that is no set or names over a
    /// million messages), as sent; none of
    /// it is in `ids`. Empty from a well-behaved server.
    std::vector<std::string> invalid_ids;
    status_response status;
    /// The mailbox the command ran in (name as selected, UIDVALIDITY).
    mailbox_identity ran_in;
};

/// What an extended search returns instead of every id (RETURN options,
/// RFC 4731 / RFC 9051): any of them; none set means ALL.
struct search_return {
    bool min = false, max = false, count = false, all = false;
    /// SEARCHRES (RFC 5182): the server keeps the matches as the
    /// connection's saved result, which later commands of the same
    /// connection name with the message set "$" (sequence_set("$")), so
    /// the ids never cross the wire. It may be pipelined right behind the
    /// search. With only `save` the server sends no ids at all.
    bool save = false;
};

/// esearch() / esort(): only what was asked for is set.
struct esearch_result {
    std::optional<std::uint32_t> min, max;
    std::optional<std::uint64_t> count;
    /// ALL as the server sent it: a compact set ("1:5000,5002"), not a
    /// vector of a million ids; sequence_set::expand() when needed. Set
    /// (possibly empty) whenever ALL was asked for.
    std::optional<sequence_set> all;
    /// esort() with ALL: the ids in the server's sort order.
    std::vector<std::uint32_t> sorted;
    /// With CONDSTORE criteria: the highest MODSEQ of the matches.
    std::optional<std::uint64_t> modseq;
    /// Values the server sent that name no message or set, as sent; they
    /// are in no field above. Empty from a well-behaved server.
    std::vector<std::string> invalid_ids;
    status_response status;
    /// The mailbox the command ran in (name as selected, UIDVALIDITY).
    mailbox_identity ran_in;
};

/// THREAD (RFC 5256): Python IMAPClient's nested tuples, typed (see thread_node).
struct thread_result {
    std::vector<thread_node> threads;
    status_response status;
    /// The mailbox the command ran in (name as selected, UIDVALIDITY).
    mailbox_identity ran_in;
};

/// FETCH / UID FETCH: one entry per message, keyed by UID when use_uid is
/// on (the default) and by sequence number otherwise. Each entry has its
/// sequence number in `seq`. When the server answered NO but sent some data
/// ("Some of the requested messages no longer exist"), the data that came is
/// here and the error says why the rest is missing.
struct fetch_result {
    std::map<std::uint32_t, fetch_data> messages;
    status_response status;
    /// The mailbox the command ran in (name as selected, UIDVALIDITY).
    mailbox_identity ran_in;
};

/// A streamed FETCH or a download: what went to the sink.
struct stream_fetch_result {
    /// Bytes the sink took (for a download: in all, the resumed offset not
    /// counted).
    std::uint64_t bytes = 0;
    /// The message's UID (when the server sent it) and sequence number.
    std::optional<std::uint32_t> uid;
    std::uint32_t seq = 0;
    /// With errc::stream_failed: the sink's own error.
    error_code sink_error;
    status_response status;
    /// The mailbox the command ran in (name as selected, UIDVALIDITY).
    mailbox_identity ran_in;
};

/// APPEND: the server's reply; with UIDPLUS, the new message's UID
/// (MULTIAPPEND: `uids` has one UID per message, in order).
struct append_result {
    std::optional<std::uint32_t> uid_validity;
    std::optional<std::uint32_t> uid;
    std::vector<std::uint32_t> uids;
    status_response status;
};

/// COPY / MOVE: with UIDPLUS, which UIDs the copies got (COPYUID), in
/// matching order.
struct copy_result {
    std::optional<std::uint32_t> uid_validity;
    std::vector<std::uint32_t> source_uids, dest_uids;
    /// move() on a server without MOVE: done as COPY, then UID STORE
    /// +FLAGS.SILENT (\\Deleted) and UID EXPUNGE of exactly the UIDs COPYUID
    /// names (RFC 6851 3.3).
    bool moved_by_copy = false;
    /// ... and the messages are in the target folder but still in this one
    /// too: the server gave no COPYUID or lacks UIDPLUS (the copied messages
    /// cannot be named exactly, so none is marked), or the STORE or UID
    /// EXPUNGE was refused (`status` has its reply; a message may then be
    /// marked \\Deleted). The move itself succeeded: do not repeat it.
    bool left_in_source = false;
    status_response status;
    /// The mailbox the command ran in (name as selected, UIDVALIDITY).
    mailbox_identity ran_in;
};

/// EXPUNGE / UID EXPUNGE: the sequence numbers the server reported
/// expunged (in the order sent, so each is relative to the one before), or
/// with QRESYNC enabled the UIDs it reported VANISHED.
struct expunge_result {
    std::vector<std::uint32_t> expunged;
    std::vector<std::uint32_t> vanished;
    status_response status;
    /// The mailbox the command ran in (name as selected, UIDVALIDITY).
    mailbox_identity ran_in;
};

namespace ops {

/// SEARCH / UID SEARCH (client::search()).
struct search {
    using result_type = search_result;
    search_criteria criteria = "ALL";
    std::string charset;
};

/// SORT (RFC 5256; client::sort()).
struct sort {
    using result_type = search_result;
    std::vector<std::string> sort_criteria;
    search_criteria criteria = "ALL";
    std::string charset = "UTF-8";
};

/// SEARCH with RETURN options (ESEARCH, RFC 4731; client::esearch()):
/// the count, the lowest and highest match, and all matches as a compact
/// set, and/or the result saved on the server (SEARCHRES). Needs ESEARCH
/// (SEARCHRES with `save`).
struct esearch {
    using result_type = esearch_result;
    search_criteria criteria = "ALL";
    search_return returns;
    std::string charset;
};

/// SORT with RETURN options (ESORT, RFC 5267; client::esort()). Needs
/// ESORT (and SEARCHRES with `save`).
struct esort {
    using result_type = esearch_result;
    std::vector<std::string> sort_criteria;
    search_criteria criteria = "ALL";
    search_return returns;
    std::string charset = "UTF-8";
};

/// THREAD (RFC 5256; client::thread()).
struct thread {
    using result_type = thread_result;
    std::string algorithm = "REFERENCES";
    search_criteria criteria = "ALL";
    std::string charset = "UTF-8";
};

/// Gmail's X-GM-RAW search (client::gmail_search()).
struct gmail_search {
    using result_type = search_result;
    std::string query;
    std::string charset = "UTF-8";
};

/// FETCH / UID FETCH (client::fetch()).
struct fetch {
    using result_type = fetch_result;
    sequence_set messages;
    std::vector<std::string> items;
    std::vector<std::string> modifiers;
};

/// FETCH of one body section of one message straight into a body_sink,
/// read and written a piece at a time, never held whole: any size, in
/// bounded memory (client::stream_fetch()). Other callers' commands keep
/// being pipelined; their answers that come after the body wait for it.
/// Streams of one connection follow each other on the wire. Not sent again
/// by a pool after a connection loss (the sink has part of it): resume with
/// ops::download.
struct stream_fetch {
    using result_type = stream_fetch_result;
    /// A UID when use_uid is on (the default), else a sequence number.
    std::uint32_t message = 0;
    std::shared_ptr<body_sink> sink;
    /// "" for the whole message, or "HEADER", "TEXT", "1.2", "1.2.MIME", ...
    std::string section;
    /// BINARY[section] (RFC 3516): the part decoded from its transfer
    /// encoding by the server; needs the BINARY capability.
    bool binary = false;
    /// A partial fetch, <offset.length>: at most `length` bytes from `offset`.
    std::uint32_t offset = 0;
    std::optional<std::uint32_t> length;
    /// BODY[...] rather than BODY.PEEK[...]: the message gets \Seen.
    bool mark_seen = false;
};

/// A body section fetched in pieces of `chunk` bytes (partial fetches in
/// sequence), for servers that cap the size of one literal, starting at
/// `offset` to resume an interrupted download (with file_sink(path, true)).
/// Ends at the first piece shorter than asked for (client::download()).
struct download {
    using result_type = stream_fetch_result;
    std::uint32_t message = 0;
    std::shared_ptr<body_sink> sink;
    std::string section;
    bool binary = false;
    std::uint32_t offset = 0;
    std::uint32_t chunk = 16u << 20;
};

/// APPEND (client::append()).
struct append {
    using result_type = append_result;
    std::string folder;
    std::string message;
    std::vector<std::string> flags;
    std::optional<datetime> msg_time;
};

/// One message of a MULTIAPPEND.
struct append_message {
    std::string message;
    std::vector<std::string> flags;
    std::optional<datetime> msg_time;
};

/// MULTIAPPEND (RFC 3502; client::multiappend()).
struct multiappend {
    using result_type = append_result;
    std::string folder;
    std::vector<append_message> messages;
};

}  // namespace ops

class body_source;  // <imapclient/body_stream.hpp>

namespace ops {

/// APPEND of a message read from a source while it is written
/// (client::stream_append()): memory stays bounded (64 KiB) whatever the
/// message's size. The literal is synchronizing unless it is at most 4096
/// bytes (RFC 7888 4), so a server refuses a big message before it is sent.
/// `binary` sends a literal8 (~{n}, RFC 3516) when the server offers
/// BINARY, for a message with NUL bytes or raw 8-bit parts; without BINARY
/// a plain literal is sent.
struct stream_append {
    using result_type = append_result;
    std::string folder;
    std::shared_ptr<body_source> message;
    std::vector<std::string> flags;
    std::optional<datetime> msg_time;
    bool binary = false;
};

/// One message of a streamed MULTIAPPEND.
struct stream_append_message {
    std::shared_ptr<body_source> message;
    std::vector<std::string> flags;
    std::optional<datetime> msg_time;
    bool binary = false;
};

/// MULTIAPPEND (RFC 3502) of messages read from sources while they are
/// written, one after the other (client::stream_multiappend()).
struct stream_multiappend {
    using result_type = append_result;
    std::string folder;
    std::vector<stream_append_message> messages;
};

/// COPY / UID COPY (client::copy()).
struct copy {
    using result_type = copy_result;
    sequence_set messages;
    std::string folder;
};

/// MOVE / UID MOVE (RFC 6851; client::move()).
struct move {
    using result_type = copy_result;
    sequence_set messages;
    std::string folder;
};

/// EXPUNGE, or UID EXPUNGE of `messages` (client::expunge()).
struct expunge {
    using result_type = expunge_result;
    std::optional<sequence_set> messages;
};

/// UID EXPUNGE whatever use_uid says (client::uid_expunge()).
struct uid_expunge {
    using result_type = expunge_result;
    sequence_set messages;
};

}  // namespace ops

}  // namespace imapclient
