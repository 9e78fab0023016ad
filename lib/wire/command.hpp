// Command encoder: builds one tagged command line, choosing for each
// argument an atom, a quoted string or a literal, so that no user string can
// ever inject a line into the protocol.
#pragma once

#include <imapclient/search.hpp>
#include <imapclient/sequence_set.hpp>
#include <imapclient/types.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace imapclient {
class body_source;
}

namespace imapclient::wire {

/// Which literal forms the server accepts (from its capabilities).
struct literal_support {
    bool literal_plus = false;   // RFC 7888 LITERAL+: any size non-synchronizing
    bool literal_minus = false;  // RFC 7888 LITERAL-: non-synchronizing up to 4096 bytes
    bool binary = false;         // RFC 3516 BINARY: ~{n} literals for APPEND
};

/// A literal whose contents are not in `bytes` but read from a source while
/// the command is written (a streamed APPEND): `size` bytes belong at
/// `offset`, just after the literal's header.
struct source_literal {
    std::size_t offset = 0;
    std::shared_ptr<body_source> source;
    std::uint64_t size = 0;
};

/// An encoded command. `bytes` holds the whole command with its final CRLF,
/// except the contents of `sources`, which go at their offsets.
/// `sync_points` are offsets into `bytes` just after each synchronizing
/// literal header "{n}\r\n": the writer sends up to such an offset, then
/// waits for the server's "+" before it sends on (and then a source due at
/// the same offset).
struct encoded_command {
    std::string bytes;
    std::vector<std::size_t> sync_points;
    /// bytes with literal contents and credentials replaced, for logs.
    std::string redacted;
    /// In order of offset.
    std::vector<source_literal> sources;
};

class command_builder {
public:
    command_builder(std::string_view tag, std::string_view name, literal_support lits = {});

    /// A protocol atom chosen by the library (command names, item names,
    /// "FLAGS.SILENT"). Throws std::invalid_argument if it is not a valid
    /// atom, so a bug cannot inject anything either.
    command_builder& atom(std::string_view a);
    /// Trusted protocol text with spaces/brackets/parentheses, e.g. a FETCH
    /// item list "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])"; checked to be
    /// 7-bit with no CR, LF or NUL.
    command_builder& raw(std::string_view text);
    /// A number.
    command_builder& number(std::uint64_t n);
    /// astring: atom if safe, else quoted, else literal.
    command_builder& astring(std::string_view s);
    /// string: quoted or literal, never an atom ("" stays "").
    command_builder& string(std::string_view s);
    /// A mailbox name given in UTF-8: modified UTF-7 encoded, then astring;
    /// with encode=false (client_options::folder_encode off) sent as given.
    command_builder& mailbox(std::string_view utf8_name, bool encode = true);
    /// A literal, always (APPEND message data). binary=true uses ~{n} when
    /// the server supports BINARY.
    command_builder& literal(std::string_view data, bool binary = false);
    /// A literal of `size` bytes (the source's size(), which the caller
    /// asks, so that this layer stays free of Asio) read from `source` as it
    /// is written. Synchronizing unless it is at most 4096 bytes and LITERAL+
    /// or LITERAL- is offered: RFC 7888 4 asks clients not to send bigger
    /// non-synchronizing literals, and the "+" lets the server refuse
    /// before a gigabyte goes out. binary=true uses ~{n} when the server
    /// supports BINARY (else a plain literal: a NUL in it is then the
    /// server's to refuse, since the bytes are not seen beforehand).
    /// Throws std::invalid_argument for a null source.
    command_builder& literal(std::shared_ptr<body_source> source, std::uint64_t size, bool binary = false);
    /// A sequence set.
    command_builder& set(const sequence_set& s);
    /// A parenthesised list of flags ("(\\Seen $Label)"); each flag is
    /// validated as an atom (a leading backslash allowed).
    command_builder& flag_list(const std::vector<std::string>& flags);
    /// An IMAP date-time in quotes, "17-Jul-1996 02:44:25 -0700".
    command_builder& date_time(const datetime& when);
    /// Search criteria with an optional charset ("CHARSET UTF-8" is added
    /// when a list item has 8-bit bytes and no charset was given).
    command_builder& search(const search_criteria& criteria, std::string_view charset = {});
    /// A credential: encoded like astring, but redacted in the log form.
    command_builder& secret(std::string_view s);
    /// Opens/closes a parenthesised group.
    command_builder& open_paren();
    command_builder& close_paren();

    /// Finishes the command (appends CRLF).
    encoded_command finish() &&;

private:
    void separate();
    void write_literal(std::string_view data, bool binary);
    void literal_header(std::uint64_t size, bool binary, bool non_sync);
    void append(std::string_view text);
    void search_items(const std::vector<search_item>& items);
    encoded_command out_;
    literal_support lits_;
    bool need_space_ = false;
    int depth_ = 0;  // open parentheses, checked by finish()
};

/// True when s may be sent as an atom (RFC 3501 ATOM-CHAR*), non-empty.
bool is_atom(std::string_view s) noexcept;
/// Any byte of 0x80 or above (then the text is not US-ASCII).
bool has_8bit(std::string_view s);
/// Any string among search criteria (nested lists included) with 8-bit
/// bytes: the search needs CHARSET UTF-8.
bool criteria_have_8bit(const std::vector<search_item>& items);
/// "1-Feb-1994" (search dates).
std::string format_search_date(std::chrono::year_month_day d);

}  // namespace imapclient::wire
