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
    /// Largest literal kept in memory. Bigger announcements are an error
    /// (streaming of huge literals to a sink is the planned alternative).
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
    /// the number actually written.
    std::span<char> prepare(std::size_t n);
    void commit(std::size_t n);

    /// The next complete response, or nullopt when more bytes are needed.
    /// Throws parse_error when the framing is broken.
    std::optional<response> next();

    /// Drops everything received but not yet returned (after STARTTLS's
    /// tagged OK, nothing the server sent in clear text may be acted on).
    void discard_buffered();
    std::size_t buffered() const noexcept { return buf_.size() - start_; }
    const parser_limits& limits() const noexcept { return limits_; }

private:
    struct literal_span { std::size_t offset, length; };
    bool find_frame_end();

    parser_limits limits_;
    std::string buf_;
    std::size_t start_ = 0;       // first byte of the current frame
    std::size_t scan_ = 0;        // where the search for the line end resumes
    std::size_t line_start_ = 0;  // start of the current line segment
    std::uint64_t literal_left_ = 0;
    bool in_literal_ = false;
    std::size_t frame_end_ = 0;
};

}  // namespace imapclient::wire
