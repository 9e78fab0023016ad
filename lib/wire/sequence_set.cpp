// Sequence sets (RFC 3501 sequence-set, RFC 5182 "$").
#include <imapclient/sequence_set.hpp>

#include <algorithm>
#include <charconv>
#include <limits>
#include <stdexcept>

namespace imapclient {
namespace {

// 0 stands for "*" inside this file: it is never a valid message id.
constexpr std::uint32_t star = 0;

struct element {
    std::uint32_t first;
    std::uint32_t last;  // == first for a single id
    bool single;
};

std::string number_text(std::uint32_t n) { return n == star ? std::string("*") : std::to_string(n); }

std::uint32_t parse_seq_number(std::string_view t, std::string_view whole) {
    auto fail = [&](const char* why) {
        return std::invalid_argument(std::string("invalid sequence set \"") + std::string(whole) + "\": " + why);
    };
    if (t == "*") return star;
    if (t.empty()) throw fail("empty element");
    if (t[0] == '0') throw fail("ids start at 1 and have no leading zeros");
    std::uint64_t v = 0;
    for (char c : t) {
        if (c < '0' || c > '9') throw fail("unexpected character");
        v = v * 10 + static_cast<unsigned>(c - '0');
        if (v > std::numeric_limits<std::uint32_t>::max()) throw fail("id past 4294967295");
    }
    return static_cast<std::uint32_t>(v);
}

// "*" is the largest id in use, so it sorts after every number.
bool less_than(std::uint32_t a, std::uint32_t b) {
    if (a == b) return false;
    if (a == star) return false;
    if (b == star) return true;
    return a < b;
}

std::vector<element> parse(std::string_view text) {
    std::vector<element> out;
    std::size_t pos = 0;
    while (true) {
        std::size_t comma = text.find(',', pos);
        std::string_view part = text.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
        std::size_t colon = part.find(':');
        if (colon == std::string_view::npos) {
            std::uint32_t n = parse_seq_number(part, text);
            out.push_back({n, n, true});
        } else {
            std::uint32_t a = parse_seq_number(part.substr(0, colon), text);
            std::uint32_t b = parse_seq_number(part.substr(colon + 1), text);
            if (less_than(b, a)) std::swap(a, b);
            out.push_back({a, b, false});
        }
        if (comma == std::string_view::npos) break;
        pos = comma + 1;
    }
    return out;
}

std::string render(const element& e) {
    if (e.single) return number_text(e.first);
    return number_text(e.first) + ':' + number_text(e.last);
}

}  // namespace

sequence_set::sequence_set(std::uint32_t id) {
    if (id == 0) throw std::invalid_argument("invalid message id 0");
    text_ = std::to_string(id);
}

sequence_set::sequence_set(std::span<const std::uint32_t> ids) {
    std::vector<std::uint32_t> sorted(ids.begin(), ids.end());
    std::sort(sorted.begin(), sorted.end());
    sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
    if (!sorted.empty() && sorted.front() == 0) throw std::invalid_argument("invalid message id 0");
    std::size_t i = 0;
    while (i < sorted.size()) {
        std::size_t j = i;
        while (j + 1 < sorted.size() && sorted[j + 1] == sorted[j] + 1) ++j;
        if (!text_.empty()) text_ += ',';
        text_ += std::to_string(sorted[i]);
        if (j > i) {
            text_ += ':';
            text_ += std::to_string(sorted[j]);
        }
        i = j + 1;
    }
}

sequence_set::sequence_set(std::string_view text) {
    if (text == "$") {
        text_ = "$";
        return;
    }
    if (text.empty()) throw std::invalid_argument("invalid sequence set: empty");
    for (const element& e : parse(text)) {
        if (!text_.empty()) text_ += ',';
        text_ += render(e);
    }
}

std::vector<sequence_set> sequence_set::split(std::size_t max_len) const {
    std::vector<sequence_set> out;
    if (text_.empty()) return out;
    if (text_.size() <= max_len) {
        out.push_back(*this);
        return out;
    }
    std::string current;
    std::size_t pos = 0;
    while (pos <= text_.size()) {
        std::size_t comma = text_.find(',', pos);
        if (comma == std::string::npos) comma = text_.size();
        std::string_view part(text_.data() + pos, comma - pos);
        if (part.size() > max_len)
            throw std::invalid_argument("sequence_set::split: max_len " + std::to_string(max_len) +
                                        " is shorter than the element \"" + std::string(part) + "\"");
        if (!current.empty() && current.size() + 1 + part.size() > max_len) {
            sequence_set s;
            s.text_ = std::move(current);
            out.push_back(std::move(s));
            current.clear();
        }
        if (!current.empty()) current += ',';
        current += part;
        pos = comma + 1;
    }
    if (!current.empty()) {
        sequence_set s;
        s.text_ = std::move(current);
        out.push_back(std::move(s));
    }
    return out;
}

std::vector<std::uint32_t> sequence_set::expand(std::size_t limit) const {
    std::vector<std::uint32_t> out;
    if (text_.empty() || text_ == "$") return out;
    std::vector<element> elements = parse(text_);
    // Count first so that a huge range fails before anything is allocated.
    std::uint64_t total = 0;
    for (const element& e : elements) {
        if (e.first == star && e.last == star) continue;
        if (e.last == star)
            throw std::invalid_argument("sequence_set::expand: the range \"" + render(e) +
                                        "\" is open-ended; its end is known only to the server");
        total += std::uint64_t{e.last} - e.first + 1;
        if (total > limit)
            throw std::length_error("sequence_set::expand: \"" + text_ + "\" names more than " +
                                    std::to_string(limit) + " ids");
    }
    out.reserve(static_cast<std::size_t>(total));
    for (const element& e : elements) {
        if (e.first == star) continue;
        for (std::uint64_t n = e.first; n <= e.last; ++n) out.push_back(static_cast<std::uint32_t>(n));
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

}  // namespace imapclient
