// The framer: finds where one response ends in the byte stream, reading
// literals by length, and hands the complete frame to parse_response().
//
// It never rescans: the search for the line end resumes where it stopped,
// a literal is skipped by its length, and the buffer is compacted only when
// the consumed part is at least as large as what is left (amortised O(1)
// per byte whatever the chunking).
#include "wire/parser.hpp"

#include "wire/cursor.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

namespace imapclient::wire {

namespace {

constexpr std::size_t max_excerpt = 200;

bool blank(std::string_view frame) noexcept {
    for (char ch : frame)
        if (ch != '\r' && ch != '\n' && ch != ' ' && ch != '\t' && ch != '\0') return false;
    return true;
}

struct literal_header {
    std::uint64_t length = 0;   // exact unless `overflow`
    std::size_t start = 0;      // where "{" (or the "~" of "~{") is in the line
    bool binary = false;
    bool overflow = false;      // more than 2^64-1: no stream can take it either
    bool too_large = false;     // more than max_literal (or overflow)
};

// A literal header "{n}", "{n+}" or "~{n}" ending the line segment. A "}"
// ending a line with something other than a number inside ("{v2.3}" in a
// greeting's text) is text; one that starts with a digit and then goes wrong
// ("{12a}") is broken framing.
std::optional<literal_header> literal_at_end(std::string_view line, std::uint64_t max_literal, bool& malformed) {
    malformed = false;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.back() != '}') return std::nullopt;
    std::size_t open = line.rfind('{');
    if (open == std::string_view::npos) return std::nullopt;
    std::string_view inside = line.substr(open + 1, line.size() - open - 2);
    if (inside.empty() || !detail::is_digit(inside[0])) return std::nullopt;
    literal_header h;
    h.binary = open > 0 && line[open - 1] == '~';
    h.start = h.binary ? open - 1 : open;
    std::size_t i = 0;
    for (; i < inside.size() && detail::is_digit(inside[i]); ++i) {
        // Stop growing at the overflow, so "{99999999999999999999999}" cannot wrap.
        if (h.overflow) continue;
        if (h.length > (std::numeric_limits<std::uint64_t>::max() - 9) / 10) { h.overflow = true; continue; }
        h.length = h.length * 10 + static_cast<unsigned>(inside[i] - '0');
    }
    h.too_large = h.overflow || h.length > max_literal;
    if (i < inside.size() && (inside[i] == '+' || inside[i] == '-')) ++i;
    if (i != inside.size()) { malformed = true; return std::nullopt; }
    return h;
}

}  // namespace

response_parser::response_parser(parser_limits limits) : limits_(limits) {}

void response_parser::fail(const char* what, std::size_t from, std::size_t to) const {
    std::size_t n = to > from ? to - from : 0;
    std::string excerpt(buf_.data() + from, n < max_excerpt ? n : max_excerpt);
    while (!excerpt.empty() && (excerpt.back() == '\n' || excerpt.back() == '\r')) excerpt.pop_back();
    if (n > max_excerpt) excerpt += "...";
    throw parse_error(what, std::move(excerpt));
}

void response_parser::line_too_long() const {
    // The excerpt stops where the limit was passed, so it is the same
    // whichever chunk revealed the overlong line.
    std::size_t allowed = limits_.max_line - std::min(limits_.max_line, line_bytes_);
    std::size_t n = std::min({allowed + 1, max_excerpt, buf_.size() - prepared_ - line_start_});
    std::string excerpt(buf_.data() + line_start_, n);
    excerpt += "...";
    throw parse_error("response line longer than max_line", std::move(excerpt));
}

void response_parser::compact() {
    if (start_ == 0) return;
    std::size_t left = buf_.size() - start_;
    if (left == 0) {
        buf_.clear();
    } else if (start_ >= left) {
        buf_.erase(0, start_);
    } else {
        return;  // not worth moving yet
    }
    scan_ -= start_;
    line_start_ -= start_;
    if (in_literal_ || deciding_ || streaming_) literal_start_ -= start_;
    if (deciding_) {
        header_start_ -= start_;
        header_end_ -= start_;
    }
    start_ = 0;
}

void response_parser::feed(std::string_view bytes) {
    if (bytes.empty()) return;
    compact();
    buf_.append(bytes);
}

std::span<char> response_parser::prepare(std::size_t n) {
    buf_.resize(buf_.size() - prepared_);
    compact();
    // Nothing is kept between reads: give back a buffer far larger than this
    // read needs (after a big literal, or once the reader shrank its reads),
    // so an idle connection holds only what its next read asks for.
    if (buf_.empty() && buf_.capacity() > 2 * n) std::string().swap(buf_);
    std::size_t base = buf_.size();
    buf_.resize(base + n);
    prepared_ = n;
    return {buf_.data() + base, n};
}

void response_parser::commit(std::size_t n) {
    if (n > prepared_) n = prepared_;
    buf_.resize(buf_.size() - prepared_ + n);
    prepared_ = 0;
}

void response_parser::discard_buffered() {
    buf_.clear();
    start_ = scan_ = line_start_ = line_bytes_ = frame_end_ = prepared_ = 0;
    in_literal_ = deciding_ = streaming_ = false;
}

std::string_view response_parser::literal_head() const noexcept {
    if (!deciding_) return {};
    return {buf_.data() + start_, header_start_ - start_};
}

void response_parser::decide_literal(bool stream) {
    if (!deciding_) return;
    deciding_ = false;
    if (!stream) {
        if (literal_too_large_)
            fail("literal larger than max_literal (stream it to a body_sink instead)", line_start_, header_end_);
        in_literal_ = true;
        line_start_ = literal_start_;
        return;
    }
    // In the frame the literal becomes "{0}" (or "~{0}"): the response
    // reads as if the section were empty, and the bytes go out instead.
    const std::size_t brace = buf_[header_start_] == '~' ? header_start_ + 1 : header_start_;
    std::size_t close = buf_.find('}', brace);
    buf_.replace(brace, close + 1 - brace, "{0}");
    const std::size_t shift = (close + 1 - brace) - 3;
    header_end_ -= shift;
    streaming_ = true;
    stream_left_ = literal_len_;
    literal_start_ = header_end_ + 1;
    scan_ = line_start_ = literal_start_;
    if (stream_left_ == 0) streaming_ = false;
}

std::string_view response_parser::stream_bytes() const noexcept {
    if (!streaming_) return {};
    const std::size_t size = buf_.size() - prepared_;
    std::size_t n = size - literal_start_;
    if (n > stream_left_) n = static_cast<std::size_t>(stream_left_);
    return {buf_.data() + literal_start_, n};
}

void response_parser::consume_stream(std::size_t n) {
    if (!streaming_) return;
    n = std::min(n, stream_bytes().size());
    // What follows the bytes (the rest of this read) moves up: at most one
    // read's worth, so streaming stays linear in the literal's size.
    buf_.erase(literal_start_, n);
    stream_left_ -= n;
    if (stream_left_ == 0) streaming_ = false;
}

bool response_parser::find_frame_end() {
    const std::size_t size = buf_.size() - prepared_;
    for (;;) {
        if (deciding_ || streaming_) return false;
        if (in_literal_) {
            std::string_view data{buf_.data() + literal_start_, size - literal_start_};
            // The n bytes and the byte after them (which decides the
            // character-count rule) must be here.
            if (data.size() <= literal_len_) return false;
            std::size_t len = static_cast<std::size_t>(literal_len_);
            if (!literal_binary_) {
                detail::utf8_walk w{walk_pos_, walk_chars_, walk_invalid_};
                len = detail::literal_extent(data, literal_len_, false, w);
                walk_pos_ = w.pos;
                walk_chars_ = w.chars;
                walk_invalid_ = w.invalid;
                if (len == detail::need_more) return false;
            }
            in_literal_ = false;
            scan_ = line_start_ = literal_start_ + len;
            continue;
        }
        const void* hit = scan_ < size ? std::memchr(buf_.data() + scan_, '\n', size - scan_) : nullptr;
        if (!hit) {
            scan_ = size;
            if (line_bytes_ + (size - line_start_) > limits_.max_line) line_too_long();
            return false;
        }
        const std::size_t lf = static_cast<std::size_t>(static_cast<const char*>(hit) - buf_.data());
        const std::size_t seg = lf - line_start_;
        if (line_bytes_ + seg > limits_.max_line) line_too_long();
        line_bytes_ += seg + 1;
        bool malformed = false;
        auto lit = literal_at_end({buf_.data() + line_start_, seg}, limits_.max_literal, malformed);
        if (malformed) fail("malformed literal header", line_start_, lf);
        if (lit) {
            if (lit->overflow || (lit->too_large && !ask_))
                fail("literal larger than max_literal (stream it to a body_sink instead)", line_start_, lf);
            literal_binary_ = lit->binary;
            literal_len_ = lit->length;
            literal_start_ = lf + 1;
            walk_pos_ = 0;
            walk_chars_ = 0;
            walk_invalid_ = false;
            scan_ = lf + 1;
            if (ask_) {
                // line_start_ stays at the header's line for the excerpt of
                // a refusal; decide_literal() moves it on.
                deciding_ = true;
                literal_too_large_ = lit->too_large;
                header_start_ = line_start_ + lit->start;
                header_end_ = lf;
                return false;
            }
            in_literal_ = true;
            line_start_ = lf + 1;
            continue;
        }
        frame_end_ = lf + 1;
        return true;
    }
}

std::optional<response> response_parser::next() {
    for (;;) {
        if (!find_frame_end()) return std::nullopt;
        std::string_view frame{buf_.data() + start_, frame_end_ - start_};
        start_ = scan_ = line_start_ = frame_end_;
        line_bytes_ = 0;
        if (blank(frame)) continue;  // blank lines between responses
        last_size_ = frame.size();
        return parse_response(frame);
    }
}

}  // namespace imapclient::wire
