#include "engine/commands_messages.hpp"

#include <imapclient/utf7.hpp>

#include <charconv>
#include <ctime>
#include <stdexcept>

namespace imapclient::engine::commands {

namespace {

using wire::command_builder;
using wire::literal_support;

bool has_8bit(std::string_view s) {
    for (unsigned char c : s)
        if (c >= 0x80) return true;
    return false;
}

bool items_have_8bit(const std::vector<search_item>& items) {
    for (const search_item& item : items) {
        if (auto* s = std::get_if<std::string>(&item.value); s && has_8bit(*s)) return true;
        if (auto* l = std::get_if<search_item::list>(&item.value); l && items_have_8bit(*l)) return true;
    }
    return false;
}

// "2:*", "1,3:5", "$": sequence sets are search keys, not strings, but '*'
// keeps them from being atoms.
bool is_set_text(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
        if (!((c >= '0' && c <= '9') || c == ':' || c == ',' || c == '*' || c == '$')) return false;
    return true;
}

// Search keys without the "CHARSET x" prefix that command_builder::search
// adds: SORT and THREAD take the charset as a bare positional argument.
void search_keys(command_builder& b, const std::vector<search_item>& items) {
    if (items.empty()) throw std::invalid_argument("search: empty criteria list");
    for (const search_item& item : items) {
        if (auto* s = std::get_if<std::string>(&item.value)) {
            if (wire::is_atom(*s) || is_set_text(*s)) b.raw(*s);
            else b.string(*s);
        } else if (auto* n = std::get_if<std::int64_t>(&item.value)) {
            if (*n < 0) throw std::invalid_argument("search: negative number " + std::to_string(*n));
            b.number(static_cast<std::uint64_t>(*n));
        } else if (auto* d = std::get_if<std::chrono::year_month_day>(&item.value)) {
            b.atom(wire::format_search_date(*d));
        } else {
            b.open_paren();
            search_keys(b, std::get<search_item::list>(item.value));
            b.close_paren();
        }
    }
}

void criteria_with_charset(command_builder& b, const search_criteria& criteria, const std::string& charset) {
    if (!criteria.is_raw() && criteria.items().empty()) throw std::invalid_argument("search: empty criteria list");
    if (!charset.empty()) b.astring(charset);
    else b.atom(!criteria.is_raw() && items_have_8bit(criteria.items()) ? "UTF-8" : "US-ASCII");
    if (criteria.is_raw()) {
        if (criteria.raw().empty()) throw std::invalid_argument("search: empty criteria");
        b.raw(criteria.raw());
    } else {
        search_keys(b, criteria.items());
    }
}

// "UID" then the verb, or just the verb.
command_builder start(std::string_view tag, std::string_view verb, bool uid, const literal_support& l) {
    command_builder b(tag, uid ? "UID" : verb, l);
    if (uid) b.atom(verb);
    return b;
}

}  // namespace

command_request sort(std::vector<std::string> sort_criteria, search_criteria criteria, std::string charset,
                     bool uid) {
    // Python IMAPClient takes "REVERSE SIZE" as one string as well as a list.
    std::vector<std::string> keys;
    for (const auto& s : sort_criteria) {
        std::size_t i = 0;
        while (i < s.size()) {
            auto j = s.find(' ', i);
            if (j == std::string::npos) j = s.size();
            if (j > i) keys.push_back(s.substr(i, j - i));
            i = j + 1;
        }
    }
    command_request r;
    r.name = uid ? "UID SORT" : "SORT";
    r.build = [keys = std::move(keys), criteria = std::move(criteria), charset = std::move(charset),
               uid](std::string_view tag, const literal_support& l) {
        if (keys.empty()) throw std::invalid_argument("SORT needs at least one sort criterion");
        auto b = start(tag, "SORT", uid, l);
        b.open_paren();
        for (const auto& k : keys) b.atom(k);
        b.close_paren();
        criteria_with_charset(b, criteria, charset);
        return std::move(b).finish();
    };
    r.collects = kind_bit<search_data>() | kind_bit<esearch_data>();
    r.exclusive = !uid;  // sequence numbers
    return r;
}

command_request thread(std::string algorithm, search_criteria criteria, std::string charset, bool uid) {
    command_request r;
    r.name = uid ? "UID THREAD" : "THREAD";
    r.build = [algorithm = std::move(algorithm), criteria = std::move(criteria), charset = std::move(charset),
               uid](std::string_view tag, const literal_support& l) {
        auto b = start(tag, "THREAD", uid, l);
        b.atom(algorithm);
        criteria_with_charset(b, criteria, charset);
        return std::move(b).finish();
    };
    r.collects = kind_bit<thread_data>();
    r.exclusive = !uid;
    return r;
}

command_request gmail_search(std::string query, std::string charset, bool uid) {
    command_request r;
    r.name = uid ? "UID SEARCH" : "SEARCH";
    r.build = [query = std::move(query), charset = std::move(charset), uid](std::string_view tag,
                                                                          const literal_support& l) {
        auto b = start(tag, "SEARCH", uid, l);
        if (!charset.empty()) b.atom("CHARSET").astring(charset);
        // Always a string: a query such as "1:5" or "NIL" must not turn into
        // a sequence set or NIL.
        b.atom("X-GM-RAW").string(query);
        return std::move(b).finish();
    };
    r.collects = kind_bit<search_data>() | kind_bit<esearch_data>();
    r.exclusive = !uid;
    return r;
}

command_request multiappend(std::string mailbox, std::vector<append_item> messages, bool encode_name) {
    command_request r;
    r.name = "MULTIAPPEND";
    r.build = [mailbox = std::move(mailbox), messages = std::move(messages), encode_name](std::string_view tag,
                                                                                        const literal_support& l) {
        if (messages.empty()) throw std::invalid_argument("MULTIAPPEND needs at least one message");
        command_builder b(tag, "APPEND", l);
        b.mailbox(mailbox, encode_name);
        for (const auto& m : messages) {
            if (!m.flags.empty()) b.flag_list(m.flags);
            if (m.msg_time) b.date_time(*m.msg_time);
            b.literal(m.message);
        }
        return std::move(b).finish();
    };
    return r;
}

namespace {

// "[UID] COPY|MOVE set mailbox": the same arguments, different routing.
command_request set_to_mailbox(std::string verb, const sequence_set& set, std::string mailbox, bool uid,
                               bool encode_name) {
    command_request r;
    r.name = uid ? "UID " + verb : verb;
    r.build = [verb, set, mailbox = std::move(mailbox), uid, encode_name](std::string_view tag,
                                                                          const literal_support& l) {
        auto b = start(tag, verb, uid, l);
        b.set(set);
        b.mailbox(mailbox, encode_name);
        return std::move(b).finish();
    };
    return r;
}

}  // namespace

command_request copy(const sequence_set& set, std::string mailbox, bool uid, bool encode_name) {
    auto r = set_to_mailbox("COPY", set, std::move(mailbox), uid, encode_name);
    // COPYUID comes in the tagged OK: nothing untagged to collect.
    r.exclusive = !uid;
    return r;
}

command_request move(const sequence_set& set, std::string mailbox, bool uid, bool encode_name) {
    auto r = set_to_mailbox("MOVE", set, std::move(mailbox), uid, encode_name);
    // RFC 6851 4.3: COPYUID arrives in an untagged OK before the expunges.
    r.collects = kind_bit<status_response>() | kind_bit<expunge_data>() | kind_bit<vanished_data>();
    r.exclusive = true;
    return r;
}

command_request expunge(std::optional<sequence_set> uids) {
    command_request r;
    r.name = uids ? "UID EXPUNGE" : "EXPUNGE";
    r.build = [uids = std::move(uids)](std::string_view tag, const literal_support& l) {
        auto b = start(tag, "EXPUNGE", uids.has_value(), l);
        if (uids) b.set(*uids);
        return std::move(b).finish();
    };
    r.collects = kind_bit<expunge_data>() | kind_bit<vanished_data>();
    r.exclusive = true;
    return r;
}

command_request store(const sequence_set& set, flag_change mode, bool gmail_labels, std::vector<std::string> values,
                      bool silent, bool uid) {
    std::string item = mode == flag_change::add ? "+" : mode == flag_change::remove ? "-" : "";
    item += gmail_labels ? "X-GM-LABELS" : "FLAGS";
    if (silent) item += ".SILENT";
    command_request r;
    r.name = uid ? "UID STORE" : "STORE";
    r.build = [set, item = std::move(item), values = std::move(values), gmail_labels, uid](std::string_view tag,
                                                                                         const literal_support& l) {
        auto b = start(tag, "STORE", uid, l);
        b.set(set).atom(item);
        if (gmail_labels) {
            b.open_paren();
            for (const auto& label : values) b.string(encode_utf7(label));
            b.close_paren();
        } else {
            b.flag_list(values);
        }
        return std::move(b).finish();
    };
    if (!silent) r.collects = kind_bit<fetch_data>();
    if (uid) {
        if (!silent) r.uid_ranges = uid_ranges(set);
    } else {
        r.exclusive = true;
    }
    return r;
}

std::optional<std::vector<std::uint32_t>> expand_uid_set(std::string_view text, std::size_t limit) {
    std::vector<std::uint32_t> out;
    if (text.empty()) return std::nullopt;
    auto number = [](std::string_view s) -> std::optional<std::uint32_t> {
        std::uint32_t v = 0;
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (s.empty() || ec != std::errc{} || p != s.data() + s.size() || v == 0) return std::nullopt;
        return v;
    };
    while (true) {
        const auto comma = text.find(',');
        const std::string_view part = text.substr(0, comma);
        const auto colon = part.find(':');
        auto a = number(part.substr(0, colon));
        auto b = colon == std::string_view::npos ? a : number(part.substr(colon + 1));
        if (!a || !b) return std::nullopt;
        std::uint32_t lo = std::min(*a, *b), hi = std::max(*a, *b);
        if (static_cast<std::uint64_t>(hi - lo) + 1 > limit - std::min(limit, out.size())) return std::nullopt;
        for (std::uint64_t v = lo; v <= hi; ++v) out.push_back(static_cast<std::uint32_t>(v));
        if (comma == std::string_view::npos) break;
        text.remove_prefix(comma + 1);
    }
    return out;
}

std::chrono::minutes local_offset(std::chrono::sys_seconds when) {
    // libstdc++ 12 has no std::chrono::current_zone(); POSIX localtime_r
    // knows the zone rules (TZ, /etc/localtime) and DST at that instant.
    const std::time_t t = static_cast<std::time_t>(when.time_since_epoch().count());
    std::tm tm{};
    if (!::localtime_r(&t, &tm)) return std::chrono::minutes{0};
    return std::chrono::duration_cast<std::chrono::minutes>(std::chrono::seconds{tm.tm_gmtoff});
}

void normalise_times(fetch_data& message, std::chrono::minutes (*offset_at)(std::chrono::sys_seconds)) {
    if (message.internal_date) message.internal_date->offset = offset_at(message.internal_date->utc);
    if (message.envelope && message.envelope->date)
        message.envelope->date->offset = offset_at(message.envelope->date->utc);
}

}  // namespace imapclient::engine::commands
