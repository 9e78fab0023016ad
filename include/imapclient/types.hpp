// Value types that IMAP responses carry: dates, addresses, envelopes,
// body structures and the generic value used for anything not typed.
//
// Strings are byte strings (std::string): IMAP servers send 8-bit data that
// is not always valid UTF-8, so nothing is decoded behind the caller's back.
// Helpers such as decode_header() give the decoded form on request.
#pragma once

#include <imapclient/boxed.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imapclient {

/// A point in time as the server wrote it: the UTC instant plus the offset
/// from UTC that the server used (INTERNALDATE "17-Jul-1996 02:44:25 -0700"
/// has utc = 09:44:25Z and offset = -420 min).
struct datetime {
    std::chrono::sys_seconds utc{};
    std::chrono::minutes offset{0};

    /// The wall-clock time in the server's zone, without a zone ("naive").
    std::chrono::local_seconds local() const {
        return std::chrono::local_seconds{(utc + offset).time_since_epoch()};
    }
    friend bool operator==(const datetime&, const datetime&) = default;
};

/// One ENVELOPE address (RFC 3501 7.4.2). Fields are NIL-able. RFC 822 group
/// syntax is kept as the server sent it: a group starts with an address
/// whose host is NIL and whose mailbox is the group name, and ends with an
/// address whose mailbox and host are both NIL.
struct address {
    std::optional<std::string> name;
    std::optional<std::string> route;
    std::optional<std::string> mailbox;
    std::optional<std::string> host;

    bool is_group_start() const { return !host && mailbox; }
    bool is_group_end() const { return !host && !mailbox; }
    /// "mailbox@host", or just the mailbox for a group marker.
    std::string email() const;
    friend bool operator==(const address&, const address&) = default;
};

/// ENVELOPE (RFC 3501 7.4.2). `date` is absent when the server's Date
/// header could not be read; `date_raw` always keeps the original text.
/// Subject and names are kept raw (possibly RFC 2047 encoded): pass them to
/// decode_header() for display.
struct envelope {
    std::optional<datetime> date;
    std::optional<std::string> date_raw;
    std::optional<std::string> subject;
    std::vector<address> from;
    std::vector<address> sender;
    std::vector<address> reply_to;
    std::vector<address> to;
    std::vector<address> cc;
    std::vector<address> bcc;
    std::optional<std::string> in_reply_to;
    std::optional<std::string> message_id;
    friend bool operator==(const envelope&, const envelope&) = default;
};

/// A generic IMAP value, used for data the library does not type (unknown
/// FETCH items, unknown response codes, body extension data).
struct raw_value {
    enum class kind : std::uint8_t { nil, atom, number, string, list };
    kind type = kind::nil;
    std::string text;              // atom, number or string contents
    std::vector<raw_value> items;  // list elements

    bool is_nil() const { return type == kind::nil; }
    /// Re-serialised in IMAP syntax, for logs and display.
    std::string to_string() const;
    friend bool operator==(const raw_value&, const raw_value&) = default;
};

/// Parameter list of a body part: ("CHARSET" "UTF-8" "NAME" "x.txt").
using body_params = std::vector<std::pair<std::string, std::optional<std::string>>>;

struct body_disposition {
    std::string type;  // "inline", "attachment", ...
    body_params params;
    friend bool operator==(const body_disposition&, const body_disposition&) = default;
};

/// BODY / BODYSTRUCTURE (RFC 3501 7.4.2, RFC 9051 7.5.2), recursive.
///
/// A multipart body has its children in `parts` and its subtype in
/// `subtype` (type is "multipart"). A message/rfc822 part has `envelope`
/// and exactly one element in `parts`: the encapsulated message's body.
struct body_structure {
    bool multipart = false;
    std::string type;     // "text", "multipart", ... as sent (compare case-insensitively)
    std::string subtype;  // "plain", "mixed", ...
    body_params params;
    std::optional<std::string> id;
    std::optional<std::string> description;
    std::string encoding;      // "7BIT" when the server sent NIL
    std::uint64_t size = 0;    // octets; negative values from broken servers become 0
    std::optional<std::uint64_t> lines;   // text/* and message/rfc822
    boxed<envelope> message_envelope;  // message/rfc822
    std::vector<body_structure> parts;

    // Extension data (BODYSTRUCTURE only; absent when the server omitted it).
    std::optional<std::string> md5;
    std::optional<body_disposition> disposition;
    std::vector<std::string> language;
    std::optional<std::string> location;
    std::vector<raw_value> extensions;  // anything after location

    bool is_multipart() const { return multipart; }
    friend bool operator==(const body_structure&, const body_structure&) = default;
};

/// Decodes RFC 2047 encoded-words ("=?UTF-8?B?...?=") into UTF-8. Charsets
/// iconv knows are converted; undecodable words are left as they were.
std::string decode_header(std::string_view raw);

/// Parses an IMAP INTERNALDATE ("17-Jul-1996 02:44:25 -0700"), tolerating a
/// space-padded day and a zone without a sign.
std::optional<datetime> parse_internal_date(std::string_view text);

/// Parses an RFC 5322 Date header in the many shapes real mail carries
/// (missing weekday, "16.03.09" times, obsolete zone names, no zone).
std::optional<datetime> parse_header_date(std::string_view text);

/// "17-Jul-1996 02:44:25 -0700": the form APPEND and INTERNALDATE use.
std::string format_internal_date(const datetime& when);

}  // namespace imapclient
