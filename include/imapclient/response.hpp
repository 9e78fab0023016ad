// Typed server responses (RFC 3501, RFC 9051 and the extensions a client
// meets in practice). The wire parser produces these; the client routes
// them to commands and to the unsolicited-event channel.
#pragma once

#include <imapclient/types.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace imapclient {

/// Case-insensitive ASCII comparison; IMAP keywords are case-insensitive.
bool iequals(std::string_view a, std::string_view b) noexcept;

enum class status_kind : std::uint8_t { ok, no, bad, preauth, bye };
std::string_view to_string(status_kind) noexcept;

/// The bracketed response code of a status response ("[UIDNEXT 4392]").
/// `name` is upper-cased; `raw` keeps the text after the name as sent.
/// The typed fields are filled for the codes the library knows.
struct response_code {
    std::string name;
    std::string raw;

    /// UIDNEXT, UIDVALIDITY, UNSEEN, HIGHESTMODSEQ, APPENDUID/COPYUID's
    /// UIDVALIDITY, and the back-off of a throttling reply (milliseconds).
    std::optional<std::uint64_t> number;
    /// CAPABILITY, PERMANENTFLAGS, BADCHARSET: the listed atoms.
    std::vector<std::string> list;
    /// APPENDUID: the new UIDs. COPYUID: source UIDs. MODIFIED: the set.
    std::string uid_set;
    /// COPYUID: destination UIDs.
    std::string dest_uid_set;

    friend bool operator==(const response_code&, const response_code&) = default;
};

/// OK / NO / BAD / PREAUTH / BYE, tagged (tag non-empty) or untagged.
struct status_response {
    std::string tag;  // empty for untagged
    status_kind status = status_kind::ok;
    std::optional<response_code> code;
    std::string text;
    /// Set when the text announces server-side throttling with a back-off
    /// (Exchange: "Suggested Backoff Time: 92415 milliseconds").
    std::optional<std::chrono::milliseconds> backoff;
    friend bool operator==(const status_response&, const status_response&) = default;
};

/// "+ text": the server waits for a literal or the next SASL step.
struct continuation_request {
    std::string text;
    friend bool operator==(const continuation_request&, const continuation_request&) = default;
};

struct capability_data {
    std::vector<std::string> capabilities;  // upper-cased
    friend bool operator==(const capability_data&, const capability_data&) = default;
};

/// LIST, LSUB or XLIST. `name` is as sent (modified UTF-7); decode it with
/// decode_utf7() for display.
struct list_data {
    std::string command;  // "LIST", "LSUB" or "XLIST"
    std::vector<std::string> flags;
    std::optional<char> delimiter;
    std::string name;
    std::vector<raw_value> extended;  // LIST-EXTENDED items, raw
    friend bool operator==(const list_data&, const list_data&) = default;
};

struct status_data {
    std::string mailbox;
    std::vector<std::pair<std::string, std::uint64_t>> items;  // names upper-cased
    /// The items whose value is not a number (MAILBOXID (id), APPENDLIMIT
    /// NIL, items the library does not know), names upper-cased, values raw.
    std::vector<std::pair<std::string, raw_value>> other;
    std::optional<std::uint64_t> get(std::string_view item) const;
    friend bool operator==(const status_data&, const status_data&) = default;
};

/// SEARCH or SORT results (SORT keeps the server's order).
struct search_data {
    bool sort = false;
    std::vector<std::uint32_t> ids;
    std::optional<std::uint64_t> modseq;  // "(MODSEQ n)" after a CONDSTORE search
    /// Tokens where a message number belongs that are none ("-1", "0",
    /// "4294967301"), as sent. They are not in `ids`: no message has them.
    std::vector<std::string> invalid_ids;
    friend bool operator==(const search_data&, const search_data&) = default;
};

/// ESEARCH (RFC 4731 / RFC 9051).
struct esearch_data {
    std::optional<std::string> tag;  // the correlator "(TAG "A1")"
    bool uid = false;
    std::optional<std::uint32_t> min, max;
    std::optional<std::uint64_t> count, modseq;
    std::string all;  // a sequence set, empty when absent
    std::vector<std::pair<std::string, raw_value>> other;
    friend bool operator==(const esearch_data&, const esearch_data&) = default;
};

/// One thread of a THREAD response: `ids` is a chain where each message is
/// the parent of the next; `children` are the branches below the last one.
/// "(3 6 (4 23)(44 7 96))" is ids {3, 6}, children {{4, 23}, {44, 7, 96}}.
struct thread_node {
    std::vector<std::uint32_t> ids;
    std::vector<thread_node> children;
    friend bool operator==(const thread_node&, const thread_node&) = default;
};

struct thread_data {
    std::vector<thread_node> threads;
    friend bool operator==(const thread_data&, const thread_data&) = default;
};

struct flags_data {
    std::vector<std::string> flags;
    friend bool operator==(const flags_data&, const flags_data&) = default;
};

/// "* n EXISTS", "* n RECENT", "* n EXPUNGE".
struct exists_data { std::uint32_t count = 0; friend bool operator==(const exists_data&, const exists_data&) = default; };
struct recent_data { std::uint32_t count = 0; friend bool operator==(const recent_data&, const recent_data&) = default; };
struct expunge_data { std::uint32_t seq = 0; friend bool operator==(const expunge_data&, const expunge_data&) = default; };

/// "* VANISHED (EARLIER) 1:5,9" (RFC 7162).
struct vanished_data {
    bool earlier = false;
    std::string uids;
    friend bool operator==(const vanished_data&, const vanished_data&) = default;
};

/// A body section of a FETCH response: BODY[...]<origin>, BINARY[...],
/// BINARY.SIZE[...] (its number as decimal text), RFC822, RFC822.HEADER, RFC822.TEXT.
/// `name` is upper-cased and has the origin removed, e.g. "BODY[]",
/// "BODY[HEADER.FIELDS (SUBJECT)]", "BINARY[1]", "RFC822.HEADER".
struct body_section {
    std::string name;
    std::optional<std::uint32_t> origin;
    std::optional<std::string> data;  // NIL is absent
    friend bool operator==(const body_section&, const body_section&) = default;
};

/// A FETCH item whose value could not be read (fetch_data::unreadable).
struct fetch_item_error {
    std::string item;    // the item's name as sent ("BODY[2]", "ENVELOPE"); empty if no name could be read
    std::string reason;  // what the reader expected ("expected string or NIL")
    friend bool operator==(const fetch_item_error&, const fetch_item_error&) = default;
};

/// One message's FETCH data. Items the server did not send are absent.
struct fetch_data {
    std::uint32_t seq = 0;
    std::optional<std::uint32_t> uid;
    std::optional<std::vector<std::string>> flags;
    std::optional<datetime> internal_date;
    std::optional<std::string> internal_date_raw;
    std::optional<std::uint64_t> size;  // RFC822.SIZE
    boxed<imapclient::envelope> envelope;
    boxed<body_structure> body;           // BODY (non-extensible)
    boxed<body_structure> bodystructure;  // BODYSTRUCTURE
    std::optional<std::uint64_t> modseq;
    std::optional<std::uint64_t> gmail_msgid;
    std::optional<std::uint64_t> gmail_thrid;
    std::optional<std::vector<std::string>> gmail_labels;  // as sent (modified UTF-7)
    std::optional<std::string> email_id;   // RFC 8474 EMAILID
    std::optional<std::string> thread_id;  // RFC 8474 THREADID (NIL is absent)
    std::optional<datetime> save_date;     // RFC 8514 SAVEDATE
    std::optional<std::string> preview;    // RFC 8970 PREVIEW
    std::vector<body_section> sections;
    std::vector<std::pair<std::string, raw_value>> other;  // unknown items, names upper-cased
    /// Items the server sent whose value could not be read (missing, or
    /// not in any shape the library knows); everything else of the message
    /// is still here. When the rest of the response could not be read at
    /// all, the last entry says so with an empty `item`.
    std::vector<fetch_item_error> unreadable;

    /// Looks up a section by name, case-insensitively; "BODY.PEEK[...]"
    /// matches the "BODY[...]" the server answers with, and the origin
    /// ("<0.20>" or "<0>") is ignored.
    const body_section* section(std::string_view name) const;
    friend bool operator==(const fetch_data&, const fetch_data&) = default;
};

struct namespace_entry {
    std::string prefix;
    std::optional<char> delimiter;
    friend bool operator==(const namespace_entry&, const namespace_entry&) = default;
};

/// NAMESPACE (RFC 2342): personal, other users', shared.
struct namespace_data {
    std::vector<namespace_entry> personal, other, shared;
    friend bool operator==(const namespace_data&, const namespace_data&) = default;
};

/// ACL mailbox (identifier rights)* (RFC 4314).
struct acl_data {
    std::string mailbox;
    std::vector<std::pair<std::string, std::string>> entries;
    friend bool operator==(const acl_data&, const acl_data&) = default;
};

struct myrights_data {
    std::string mailbox, rights;
    friend bool operator==(const myrights_data&, const myrights_data&) = default;
};

struct listrights_data {
    std::string mailbox, identifier, required;
    std::vector<std::string> optional;
    friend bool operator==(const listrights_data&, const listrights_data&) = default;
};

struct quota_resource {
    std::string name;  // upper-cased: STORAGE, MESSAGE, ...
    std::uint64_t usage = 0, limit = 0;
    friend bool operator==(const quota_resource&, const quota_resource&) = default;
};

/// QUOTA root (resource usage limit)* (RFC 2087 / RFC 9208).
struct quota_data {
    std::string root;
    std::vector<quota_resource> resources;
    friend bool operator==(const quota_data&, const quota_data&) = default;
};

struct quotaroot_data {
    std::string mailbox;
    std::vector<std::string> roots;
    friend bool operator==(const quotaroot_data&, const quotaroot_data&) = default;
};

/// METADATA (RFC 5464): entry values, or (unsolicited) only entry names
/// with no values.
struct metadata_data {
    std::string mailbox;
    std::vector<std::pair<std::string, std::optional<std::string>>> entries;
    friend bool operator==(const metadata_data&, const metadata_data&) = default;
};

/// ID (RFC 2971); empty for "ID NIL".
struct id_data {
    std::vector<std::pair<std::string, std::optional<std::string>>> fields;
    friend bool operator==(const id_data&, const id_data&) = default;
};

struct enabled_data {
    std::vector<std::string> capabilities;  // upper-cased
    friend bool operator==(const enabled_data&, const enabled_data&) = default;
};

/// An untagged response the library does not know, kept raw.
struct unknown_data {
    std::string keyword;           // upper-cased, after any leading number
    std::optional<std::uint32_t> number;  // "* 5 XFOO ..." has 5
    std::vector<raw_value> values;
    friend bool operator==(const unknown_data&, const unknown_data&) = default;
};

/// A response whose framing was sound but whose content could not be read.
/// The connection stays usable; the line is kept (truncated) for diagnosis.
struct unparsed_data {
    std::string line;
    std::string error;
    /// Set when the line was a tagged reply whose status word is not OK, NO
    /// or BAD ("A3 MAYBE"): the command with that tag has no answer it can
    /// use, and the connection fails with errc::protocol_violation.
    std::string tag;
    friend bool operator==(const unparsed_data&, const unparsed_data&) = default;
};

using response = std::variant<
    status_response, continuation_request,
    capability_data, list_data, status_data, search_data, esearch_data,
    thread_data, flags_data, exists_data, recent_data, expunge_data,
    vanished_data, fetch_data, namespace_data, acl_data, myrights_data,
    listrights_data, quota_data, quotaroot_data, metadata_data, id_data,
    enabled_data, unknown_data, unparsed_data>;

}  // namespace imapclient
