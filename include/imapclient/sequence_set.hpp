// Message-id sets: "1", "2:*", "2,4:7,9,12:*" (RFC 3501 sequence-set).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace imapclient {

/// A validated, canonical sequence set. Built from one id, a list of ids
/// (sorted, de-duplicated and compressed into ascending ranges), or a
/// string that is checked ("2:*", "2,4:7,9,12:*", "*", "$" for SEARCHRES).
/// Descending ranges such as "5:3" are rewritten ascending ("3:5"), since
/// some servers reject them. Invalid input throws std::invalid_argument.
class sequence_set {
public:
    sequence_set() = default;
    sequence_set(std::uint32_t id);
    sequence_set(std::span<const std::uint32_t> ids);
    sequence_set(const std::vector<std::uint32_t>& ids)
        : sequence_set(std::span<const std::uint32_t>(ids)) {}
    sequence_set(std::initializer_list<std::uint32_t> ids)
        : sequence_set(std::span<const std::uint32_t>(ids.begin(), ids.size())) {}
    sequence_set(std::string_view text);
    sequence_set(const char* text) : sequence_set(std::string_view(text)) {}
    sequence_set(const std::string& text) : sequence_set(std::string_view(text)) {}

    /// The wire form, e.g. "1:3,7,9:*".
    const std::string& str() const noexcept { return text_; }
    bool empty() const noexcept { return text_.empty(); }

    /// Splits into several sets whose wire form is at most max_len bytes
    /// each (servers limit command lines; ~8 KB is safe everywhere).
    std::vector<sequence_set> split(std::size_t max_len) const;

    /// The ids the set names, '*' excluded; throws std::length_error past
    /// `limit` ids so that "1:4294967295" cannot exhaust memory.
    std::vector<std::uint32_t> expand(std::size_t limit = 1'000'000) const;

    friend bool operator==(const sequence_set&, const sequence_set&) = default;

private:
    std::string text_;
};

}  // namespace imapclient
