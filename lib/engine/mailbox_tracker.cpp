#include "engine/mailbox_tracker.hpp"

#include <algorithm>
#include <charconv>
#include <limits>
#include <system_error>
#include <string_view>

namespace imapclient::engine {

namespace {

std::uint32_t clamp32(std::uint64_t v) {
    return static_cast<std::uint32_t>(std::min<std::uint64_t>(v, std::numeric_limits<std::uint32_t>::max()));
}

void apply_code(mailbox_state& m, const response_code& code) {
    const auto& n = code.name;
    if (n == "UIDVALIDITY" && code.number) m.uid_validity = clamp32(*code.number);
    else if (n == "UIDNEXT" && code.number) m.uid_next = clamp32(*code.number);
    else if (n == "UNSEEN" && code.number) m.unseen = clamp32(*code.number);
    else if (n == "HIGHESTMODSEQ" && code.number) m.highest_modseq = *code.number;
    else if (n == "NOMODSEQ") m.nomodseq = true;
    else if (n == "PERMANENTFLAGS") m.permanent_flags = code.list;
    // RFC 7162 3.2.11: what came before [CLOSED] was the old mailbox's
    // (the name is the new one's: it is set when the SELECT is written).
    else if (n == "CLOSED") {
        std::string name = std::move(m.name);
        m = mailbox_state{};
        m.name = std::move(name);
    }
}

bool parse_number(std::string_view s, std::uint64_t& out) {
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return !s.empty() && ec == std::errc{} && ptr == s.data() + s.size();
}

// VANISHED carries UIDs; only their count matters for EXISTS. Counted from
// the ranges, not expanded: "1:1500000" is a normal answer after a purge.
// Anything that is not a UID set counts 0 (EXISTS is left alone).
std::uint64_t count_uids(std::string_view set) {
    std::uint64_t n = 0;
    while (!set.empty()) {
        const auto comma = set.find(',');
        const std::string_view part = set.substr(0, comma);
        set = comma == std::string_view::npos ? std::string_view{} : set.substr(comma + 1);
        const auto colon = part.find(':');
        std::uint64_t a = 0, b = 0;
        if (!parse_number(part.substr(0, colon), a)) return 0;
        b = a;
        if (colon != std::string_view::npos && !parse_number(part.substr(colon + 1), b)) return 0;
        n += (a > b ? a - b : b - a) + 1;
    }
    return n;
}

}  // namespace

void update_mailbox(mailbox_state& m, const response& r) {
    if (auto* e = std::get_if<exists_data>(&r)) {
        m.exists = e->count;
    } else if (auto* rc = std::get_if<recent_data>(&r)) {
        m.recent = rc->count;
    } else if (std::holds_alternative<expunge_data>(r)) {
        if (m.exists > 0) --m.exists;
    } else if (auto* v = std::get_if<vanished_data>(&r)) {
        // VANISHED (EARLIER) reports history, not a change of EXISTS.
        if (!v->earlier) {
            const auto n = count_uids(v->uids);
            m.exists = n >= m.exists ? 0 : m.exists - static_cast<std::uint32_t>(n);
        }
    } else if (auto* f = std::get_if<flags_data>(&r)) {
        m.flags = f->flags;
    } else if (auto* fd = std::get_if<fetch_data>(&r)) {
        if (fd->modseq && (!m.highest_modseq || *fd->modseq > *m.highest_modseq))
            m.highest_modseq = fd->modseq;
    } else if (auto* s = std::get_if<status_response>(&r)) {
        if (s->code) apply_code(m, *s->code);
    }
}

}  // namespace imapclient::engine
