// Incremental, sans-io IMAP response parser.
//
// Feed it bytes in any chunking; it hands out complete, typed responses.
// The result never depends on how the input was split. Memory is bounded by
// parser_limits: a literal announced larger than max_literal is refused
// before anything is allocated for it.
#pragma once

#include <imapclient/response.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace imapclient::wire {

struct parser_limits {
    /// Longest line (literal contents excluded) of one response.
    std::size_t max_line = 1 << 20;
    /// Largest literal kept in memory. Bigger announcements are an error,
    /// unless the literal is streamed (response_parser::decide_literal()).
    std::uint64_t max_literal = 256ull << 20;
};

/// Framing is broken beyond repair (the connection must be closed):
/// an endless line, an oversized literal, a malformed literal header.
class parse_error : public std::runtime_error {
public:
    parse_error(const std::string& what, std::string excerpt)
        : std::runtime_error(what + ": " + excerpt), excerpt_(std::move(excerpt)) {}
    /// The offending line, truncated to a readable length.
    const std::string& excerpt() const noexcept { return excerpt_; }
private:
    std::string excerpt_;
};

/// Parses one complete response (the line with its literals inline, the
/// final CRLF optional). Content errors become unparsed_data; this never
/// throws for a well-framed response.
response parse_response(std::string_view frame);

class response_parser {
public:
    explicit response_parser(parser_limits limits = {});

    /// Appends bytes received from the server.
    void feed(std::string_view bytes);
    /// Zero-copy feeding: write up to n bytes into prepare(n), then commit
    /// the number actually written. When nothing is buffered, prepare()
    /// releases a buffer more than twice the size asked for.
    std::span<char> prepare(std::size_t n);
    void commit(std::size_t n);

    /// The next complete response, or nullopt when more bytes are needed,
    /// a literal waits for decide_literal(), or streamed literal bytes wait
    /// to be taken. Throws parse_error when the framing is broken.
    std::optional<response> next();

    // ---- streamed literals -------------------------------------------
    // With ask_about_literals(true), next() stops at each literal header
    // until the caller decides: kept in the frame as usual, or streamed:
    // its bytes are then handed out as they arrive (stream_bytes(), then
    // consume_stream()) and never held whole, whatever max_literal says;
    // in the frame it reads as an empty literal ("{0}").
    void ask_about_literals(bool ask) noexcept { ask_ = ask; }
    /// A literal header waits for decide_literal().
    bool deciding() const noexcept { return deciding_; }
    /// What precedes the waiting literal in its frame (up to the "{" or
    /// "~{"), and its announced length.
    std::string_view literal_head() const noexcept;
    std::uint64_t literal_length() const noexcept { return literal_len_; }
    void decide_literal(bool stream);
    /// A streamed literal is being read: stream_bytes() are the next of its
    /// bytes that have arrived (empty: more must be read), stream_left()
    /// how many are still to come, counting those.
    bool streaming() const noexcept { return streaming_; }
    std::string_view stream_bytes() const noexcept;
    std::uint64_t stream_left() const noexcept { return stream_left_; }
    /// Drops the first n of stream_bytes() (they have been delivered).
    void consume_stream(std::size_t n);
    /// The size on the wire of the response next() returned last.
    std::size_t last_size() const noexcept { return last_size_; }

    /// Drops everything received but not yet returned (after STARTTLS's
    /// tagged OK, nothing the server sent in clear text may be acted on).
    void discard_buffered();
    /// Returns and drops the same bytes (after COMPRESS's OK they are the
    /// start of the compressed stream, to be inflated and fed again).
    std::string take_buffered() {
        std::string rest = buf_.substr(start_, buffered());
        discard_buffered();
        return rest;
    }
    std::size_t buffered() const noexcept { return buf_.size() - prepared_ - start_; }
    /// Bytes of memory held for the buffer (what an idle connection costs).
    std::size_t capacity() const noexcept { return buf_.capacity(); }
    const parser_limits& limits() const noexcept { return limits_; }

private:
    bool find_frame_end();
    void compact();
    [[noreturn]] void fail(const char* what, std::size_t from, std::size_t to) const;
    [[noreturn]] void line_too_long() const;

    parser_limits limits_;
    std::string buf_;
    std::size_t start_ = 0;       // first byte of the current frame
    std::size_t scan_ = 0;        // where the search for the line end resumes
    std::size_t line_start_ = 0;  // start of the current line segment
    std::size_t line_bytes_ = 0;  // bytes of this frame's finished line segments
    std::size_t frame_end_ = 0;
    std::size_t prepared_ = 0;    // bytes handed out by prepare(), not yet committed
    std::size_t last_size_ = 0;
    // The literal being waited for: its first byte, its declared length, and
    // the resumable UTF-8 walk of the character-count rule (cursor.hpp).
    bool in_literal_ = false;
    bool literal_binary_ = false;
    std::size_t literal_start_ = 0;
    std::uint64_t literal_len_ = 0;
    std::size_t walk_pos_ = 0;
    std::uint64_t walk_chars_ = 0;
    bool walk_invalid_ = false;
    // Streamed literals: asking, waiting for a decision, streaming.
    bool ask_ = false;
    bool deciding_ = false;
    bool streaming_ = false;
    bool literal_too_large_ = false;
    std::size_t header_start_ = 0;  // the literal header's "{" (or "~")
    std::size_t header_end_ = 0;    // its line feed
    std::uint64_t stream_left_ = 0;
};

}  // namespace imapclient::wire
