// Message operations: SEARCH, SORT, THREAD, X-GM-RAW, FETCH, APPEND,
// MULTIAPPEND, COPY, MOVE, EXPUNGE and UID EXPUNGE. Each: what it needs,
// sends and returns.
#include "operations/messages.hpp"
#include "operations/split.hpp"
#include "operations/flags.hpp"

#include <imapclient/body_stream.hpp>
#include <imapclient/utf7.hpp>

#include <ctime>
#include <stdexcept>

#include <charconv>

namespace imapclient::operations::commands {

namespace {

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
            if (wire::is_atom(*s) || is_set_text(*s))
                b.raw(*s);
            else
                b.string(*s);
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
    if (!charset.empty())
        b.astring(charset);
    else
        b.atom(!criteria.is_raw() && wire::criteria_have_8bit(criteria.items()) ? "UTF-8" : "US-ASCII");
    if (criteria.is_raw()) {
        if (criteria.raw().empty()) throw std::invalid_argument("search: empty criteria");
        b.raw(criteria.raw());
    } else {
        search_keys(b, criteria.items());
    }
}

// "[UID] COPY|MOVE set mailbox": the same arguments, different routing.
command_request set_to_mailbox(std::string verb, const sequence_set& set, std::string mailbox, bool uid,
                               bool encode_name) {
    command_request r;
    r.name = uid ? "UID " + verb : verb;
    r.build = [verb, set, mailbox = std::move(mailbox), uid, encode_name](std::string_view tag,
                                                                          const literal_support& l) {
        auto b = start_command(tag, verb, uid, l);
        b.set(set);
        b.mailbox(mailbox, encode_name);
        return std::move(b).finish();
    };
    return r;
}

}  // namespace

command_request search(search_criteria criteria, std::string charset, bool uid) {
    command_request r;
    r.name = uid ? "UID SEARCH" : "SEARCH";
    r.build = [criteria = std::move(criteria), charset = std::move(charset), uid](std::string_view tag,
                                                                                  const literal_support& l) {
        command_builder b(tag, uid ? "UID" : "SEARCH", l);
        if (uid) b.atom("SEARCH");
        b.search(criteria, charset);
        return std::move(b).finish();
    };
    r.collects = kind_bit<search_data>() | kind_bit<esearch_data>();
    // Sequence numbers shift under EXPUNGE: SEARCH is a barrier (RFC 9051 5.5).
    r.exclusive = !uid;
    return r;
}

namespace {

// Python IMAPClient takes "REVERSE SIZE" as one string as well as a list.
std::vector<std::string> sort_keys(const std::vector<std::string>& sort_criteria) {
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
    return keys;
}

void sort_key_list(command_builder& b, const std::vector<std::string>& keys) {
    if (keys.empty()) throw std::invalid_argument("SORT needs at least one sort criterion");
    b.open_paren();
    for (const auto& k : keys) b.atom(k);
    b.close_paren();
}

}  // namespace

command_request esearch(const search_return& returns, std::vector<std::string> sort_criteria,
                        search_criteria criteria, std::string charset, bool uid) {
    const bool sorting = !sort_criteria.empty();
    std::vector<std::string> options;
    if (returns.min) options.emplace_back("MIN");
    if (returns.max) options.emplace_back("MAX");
    if (returns.count) options.emplace_back("COUNT");
    if (returns.all) options.emplace_back("ALL");
    if (returns.save) options.emplace_back("SAVE");
    command_request r;
    const char* verb = sorting ? "SORT" : "SEARCH";
    r.name = uid ? std::string("UID ") + verb : verb;
    r.build = [verb, options = std::move(options), keys = sort_keys(sort_criteria), criteria = std::move(criteria),
               charset = std::move(charset), uid](std::string_view tag, const literal_support& l) {
        auto b = start_command(tag, verb, uid, l);
        b.atom("RETURN").open_paren();
        for (const auto& o : options) b.atom(o);
        b.close_paren();
        if (keys.empty()) {
            b.search(criteria, charset);
        } else {
            sort_key_list(b, keys);
            criteria_with_charset(b, criteria, charset);
        }
        return std::move(b).finish();
    };
    r.collects = kind_bit<search_data>() | kind_bit<esearch_data>();
    // Sequence numbers shift under EXPUNGE, and a saved result ("$") must
    // be the one of this mailbox state: a barrier unless by UID.
    r.exclusive = !uid;
    return r;
}

command_request sort(std::vector<std::string> sort_criteria, search_criteria criteria, std::string charset, bool uid) {
    std::vector<std::string> keys = sort_keys(sort_criteria);
    command_request r;
    r.name = uid ? "UID SORT" : "SORT";
    r.build = [keys = std::move(keys), criteria = std::move(criteria), charset = std::move(charset), uid](
                  std::string_view tag, const literal_support& l) {
        auto b = start_command(tag, "SORT", uid, l);
        sort_key_list(b, keys);
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
    r.build = [algorithm = std::move(algorithm), criteria = std::move(criteria), charset = std::move(charset), uid](
                  std::string_view tag, const literal_support& l) {
        auto b = start_command(tag, "THREAD", uid, l);
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
        auto b = start_command(tag, "SEARCH", uid, l);
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

command_request fetch(const sequence_set& set, const std::vector<std::string>& items,
                      const std::vector<std::string>& modifiers, bool uid) {
    command_request r;
    r.name = uid ? "UID FETCH" : "FETCH";
    r.build = [set, items, modifiers, uid](std::string_view tag, const literal_support& l) {
        if (items.empty()) throw std::invalid_argument("FETCH needs at least one item");
        command_builder b(tag, uid ? "UID" : "FETCH", l);
        if (uid) b.atom("FETCH");
        b.set(set).open_paren();
        for (const auto& item : items) b.raw(item);
        b.close_paren();
        if (!modifiers.empty()) {
            b.open_paren();
            for (const auto& m : modifiers) b.raw(m);
            b.close_paren();
        }
        return std::move(b).finish();
    };
    r.collects = kind_bit<fetch_data>();
    if (uid) {
        r.uid_ranges = uid_ranges(set);
    } else {
        r.exclusive = true;
        r.seq_ranges = uid_ranges(set);  // the same set syntax
    }
    return r;
}

command_request append(std::string mailbox, std::string message, std::vector<std::string> flags,
                       std::optional<datetime> when, bool encode) {
    command_request r;
    r.name = "APPEND";
    r.build = [mailbox = std::move(mailbox), message = std::move(message), flags = std::move(flags), when, encode](
                  std::string_view tag, const literal_support& l) {
        command_builder b(tag, "APPEND", l);
        b.mailbox(mailbox, encode);
        if (!flags.empty()) b.flag_list(flags);
        if (when) b.date_time(*when);
        b.literal(message);
        return std::move(b).finish();
    };
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

// The size is asked here, once: the literal's header announces it, and
// the writer reads exactly that many bytes.
void source_literal(command_builder& b, const std::shared_ptr<body_source>& source, bool binary) {
    if (!source) throw std::invalid_argument("APPEND: no message source");
    b.literal(source, source->size(), binary);
}

}  // namespace

command_request stream_append(std::string mailbox, std::shared_ptr<body_source> source, std::vector<std::string> flags,
                              std::optional<datetime> when, bool binary, bool encode) {
    command_request r;
    r.name = "APPEND";
    r.build = [mailbox = std::move(mailbox), source = std::move(source), flags = std::move(flags), when, binary,
               encode](std::string_view tag, const literal_support& l) {
        command_builder b(tag, "APPEND", l);
        b.mailbox(mailbox, encode);
        if (!flags.empty()) b.flag_list(flags);
        if (when) b.date_time(*when);
        source_literal(b, source, binary);
        return std::move(b).finish();
    };
    return r;
}

command_request stream_multiappend(std::string mailbox, std::vector<ops::stream_append_message> messages,
                                   bool encode_name) {
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
            source_literal(b, m.message, m.binary);
        }
        return std::move(b).finish();
    };
    return r;
}

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
        auto b = start_command(tag, "EXPUNGE", uids.has_value(), l);
        if (uids) b.set(*uids);
        return std::move(b).finish();
    };
    r.collects = kind_bit<expunge_data>() | kind_bit<vanished_data>();
    r.exclusive = true;
    return r;
}

std::optional<std::vector<std::pair<std::uint32_t, std::uint32_t>>> uid_ranges(const sequence_set& set) {
    std::vector<std::pair<std::uint32_t, std::uint32_t>> out;
    std::string_view s = set.str();
    if (s.empty() || s.find_first_of("*$") != std::string_view::npos) return std::nullopt;
    while (!s.empty()) {
        auto comma = s.find(',');
        std::string_view part = s.substr(0, comma);
        s = comma == std::string_view::npos ? std::string_view{} : s.substr(comma + 1);
        auto colon = part.find(':');
        std::uint32_t a = 0, b = 0;
        auto first = part.substr(0, colon);
        if (std::from_chars(first.data(), first.data() + first.size(), a).ec != std::errc{}) return std::nullopt;
        b = a;
        if (colon != std::string_view::npos) {
            auto second = part.substr(colon + 1);
            if (std::from_chars(second.data(), second.data() + second.size(), b).ec != std::errc{}) return std::nullopt;
        }
        if (a > b) std::swap(a, b);
        out.emplace_back(a, b);
    }
    return out;
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

}  // namespace imapclient::operations::commands

namespace imapclient::operations {

using engine::command_request;
using engine::completion;
using engine::session_level;

namespace {

// Optional and boxed fields alike: a value that came replaces the one kept.
template <typename T>
void merge(T& into, T& from) {
    if (from) into = std::move(from);
}

}  // namespace

bool add_fetch(std::map<std::uint32_t, fetch_data>& messages, fetch_data&& f, bool by_uid) {
    const auto key = fetch_key(f, by_uid);
    if (!key) return false;
    auto [it, fresh] = messages.try_emplace(*key, std::move(f));
    if (fresh) return true;
    auto& dst = it->second;
    merge(dst.uid, f.uid);
    merge(dst.flags, f.flags);
    merge(dst.internal_date, f.internal_date);
    merge(dst.internal_date_raw, f.internal_date_raw);
    merge(dst.size, f.size);
    merge(dst.envelope, f.envelope);
    merge(dst.body, f.body);
    merge(dst.bodystructure, f.bodystructure);
    merge(dst.modseq, f.modseq);
    merge(dst.gmail_msgid, f.gmail_msgid);
    merge(dst.gmail_thrid, f.gmail_thrid);
    merge(dst.gmail_labels, f.gmail_labels);
    merge(dst.email_id, f.email_id);
    merge(dst.thread_id, f.thread_id);
    merge(dst.save_date, f.save_date);
    merge(dst.preview, f.preview);
    for (auto& s : f.sections) dst.sections.push_back(std::move(s));
    for (auto& o : f.other) dst.other.push_back(std::move(o));
    for (auto& u : f.unreadable) dst.unreadable.push_back(std::move(u));
    return true;
}

search_result to_search_result(const std::vector<response>& responses) {
    search_result r;
    auto add_set = [&r](const std::string& set) {
        if (auto ids = commands::expand_uid_set(set)) r.ids.insert(r.ids.end(), ids->begin(), ids->end());
        else if (!set.empty()) r.invalid_ids.push_back(set);
    };
    for (const auto& resp : responses) {
        if (auto* s = std::get_if<search_data>(&resp)) {
            r.ids.insert(r.ids.end(), s->ids.begin(), s->ids.end());
            r.invalid_ids.insert(r.invalid_ids.end(), s->invalid_ids.begin(), s->invalid_ids.end());
            if (s->modseq) r.modseq = s->modseq;
        } else if (auto* e = std::get_if<esearch_data>(&resp)) {
            // Only with RETURN options, which these commands do not send;
            // kept so that an eager server's answer is not lost.
            add_set(e->all);
            // RFC 9394: "PARTIAL (1:100 4:18,21)", the range asked for and
            // the ids in it (NIL: none).
            for (const auto& [name, value] : e->other)
                if (name == "PARTIAL" && value.items.size() == 2 && !value.items[1].is_nil())
                    add_set(value.items[1].text);
            if (e->modseq) r.modseq = e->modseq;
        }
    }
    return r;
}

esearch_result commands::to_esearch_result(const std::vector<response>& responses, const search_return& asked,
                                           bool sorted) {
    esearch_result r;
    // ALL asked for and nothing matched: the server sends no ALL at all.
    if (asked.all) r.all = sequence_set{};
    for (const auto& resp : responses) {
        if (auto* e = std::get_if<esearch_data>(&resp)) {
            if (e->min) r.min = e->min;
            if (e->max) r.max = e->max;
            if (e->count) r.count = e->count;
            if (e->modseq) r.modseq = e->modseq;
            if (e->all.empty()) continue;
            try {
                r.all = sequence_set(e->all);
            } catch (const std::exception&) {
                r.invalid_ids.push_back(e->all);
                continue;
            }
            if (!sorted) continue;
            if (auto ids = commands::expand_uid_set(e->all)) r.sorted = std::move(*ids);
            else r.invalid_ids.push_back(e->all);
        } else if (auto* s = std::get_if<search_data>(&resp)) {
            // A server that answers with a plain SEARCH (it should not: the
            // command had RETURN) still loses nothing: the ids become ALL.
            if (!s->ids.empty()) r.all = sequence_set(std::span<const std::uint32_t>(s->ids));
            if (sorted) r.sorted.insert(r.sorted.end(), s->ids.begin(), s->ids.end());
            r.invalid_ids.insert(r.invalid_ids.end(), s->invalid_ids.begin(), s->invalid_ids.end());
            if (s->modseq) r.modseq = s->modseq;
        }
    }
    return r;
}

// ---- SEARCH, SORT, THREAD, X-GM-RAW -----------------------------------------

template <>
struct one_command_rules<ops::search> {
    static engine::preconditions needs(const ops::search&, const context&) { return needs_selected(); }
    static std::optional<command_request> command(const ops::search& op, const context& ctx) {
        return commands::search(op.criteria, op.charset, ctx.use_uid);
    }
    static search_result decode(const ops::search&, completion& c, const context&) {
        return to_search_result(c.responses);
    }
};
algorithm_ptr<ops::search> make_algorithm(ops::search op) {
    return one(std::move(op));
}

template <>
struct one_command_rules<ops::sort> {
    static engine::preconditions needs(const ops::sort&, const context&) {
        return needs_capability("SORT", session_level::selected);
    }
    static std::optional<command_request> command(const ops::sort& op, const context& ctx) {
        return commands::sort(op.sort_criteria, op.criteria, op.charset, ctx.use_uid);
    }
    static search_result decode(const ops::sort&, completion& c, const context&) {
        return to_search_result(c.responses);
    }
};
algorithm_ptr<ops::sort> make_algorithm(ops::sort op) {
    return one(std::move(op));
}

template <>
struct one_command_rules<ops::esearch> {
    // RETURN options need ESEARCH (built into IMAP4rev2); SAVE needs
    // SEARCHRES, which implies ESEARCH (RFC 5182 2).
    static engine::preconditions needs(const ops::esearch& op, const context&) {
        if (op.returns.save) return needs_capability("SEARCHRES", session_level::selected);
        auto p = needs_capability("ESEARCH", session_level::selected);
        p.capability.emplace_back("IMAP4REV2");
        return p;
    }
    static std::optional<command_request> command(const ops::esearch& op, const context& ctx) {
        return commands::esearch(op.returns, {}, op.criteria, op.charset, ctx.use_uid);
    }
    static esearch_result decode(const ops::esearch& op, completion& c, const context&) {
        return commands::to_esearch_result(c.responses, op.returns, false);
    }
};
algorithm_ptr<ops::esearch> make_algorithm(ops::esearch op) {
    return one(std::move(op));
}

template <>
struct one_command_rules<ops::esort> {
    static engine::preconditions needs(const ops::esort& op, const context&) {
        auto p = needs_capability("ESORT", session_level::selected);
        // SAVE: SEARCHRES as well.
        if (op.returns.save) p.also_capability = "SEARCHRES";
        return p;
    }
    static std::optional<command_request> command(const ops::esort& op, const context& ctx) {
        if (op.sort_criteria.empty()) throw std::invalid_argument("esort: no sort criteria");
        return commands::esearch(op.returns, op.sort_criteria, op.criteria, op.charset, ctx.use_uid);
    }
    static esearch_result decode(const ops::esort& op, completion& c, const context&) {
        return commands::to_esearch_result(c.responses, op.returns, true);
    }
};
algorithm_ptr<ops::esort> make_algorithm(ops::esort op) {
    return one(std::move(op));
}

template <>
struct one_command_rules<ops::thread> {
    static engine::preconditions needs(const ops::thread& op, const context&) {
        return needs_capability("THREAD=" + op.algorithm, session_level::selected);
    }
    static std::optional<command_request> command(const ops::thread& op, const context& ctx) {
        return commands::thread(op.algorithm, op.criteria, op.charset, ctx.use_uid);
    }
    static thread_result decode(const ops::thread&, completion& c, const context&) {
        return {gather(c.responses, &thread_data::threads), {}};
    }
};
algorithm_ptr<ops::thread> make_algorithm(ops::thread op) {
    return one(std::move(op));
}

template <>
struct one_command_rules<ops::gmail_search> {
    static engine::preconditions needs(const ops::gmail_search&, const context&) {
        return needs_capability("X-GM-EXT-1", session_level::selected, "X-GM-RAW");
    }
    static std::optional<command_request> command(const ops::gmail_search& op, const context& ctx) {
        return commands::gmail_search(op.query, op.charset, ctx.use_uid);
    }
    static search_result decode(const ops::gmail_search&, completion& c, const context&) {
        return to_search_result(c.responses);
    }
};
algorithm_ptr<ops::gmail_search> make_algorithm(ops::gmail_search op) {
    return one(std::move(op));
}

// ---- FETCH ----------------------------------------------------------------

template <>
struct one_command_rules<ops::fetch> {
    static engine::preconditions needs(const ops::fetch&, const context&) { return needs_selected(); }
    static std::optional<command_request> command(const ops::fetch& op, const context& ctx) {
        return commands::fetch(op.messages, op.items, op.modifiers, ctx.use_uid);
    }
    static fetch_result decode(const ops::fetch&, completion& c, const context& ctx) {
        fetch_result r;
        for (auto& resp : c.responses)
            if (auto* f = std::get_if<fetch_data>(&resp)) add_fetch(r.messages, std::move(*f), ctx.use_uid);
        if (ctx.normalise_times)
            for (auto& [key, m] : r.messages) commands::normalise_times(m);
        return r;
    }
};
algorithm_ptr<ops::fetch> make_algorithm(ops::fetch op) {
    return in_pieces_of_set(std::move(op), [](ops::fetch piece) { return one(std::move(piece)); });
}

// ---- APPEND, MULTIAPPEND ----------------------------------------------------

namespace {

// APPENDUID (RFC 4315): one UID, or one per message of a MULTIAPPEND.
append_result appended(const completion& c) {
    append_result r;
    if (c.status.code && c.status.code->name == "APPENDUID") {
        if (c.status.code->number) r.uid_validity = static_cast<std::uint32_t>(*c.status.code->number);
        if (auto uids = commands::expand_uid_set(c.status.code->uid_set)) r.uids = std::move(*uids);
        if (r.uids.size() == 1) r.uid = r.uids.front();
    }
    return r;
}

// APPEND of one message: its UID in `uid`; `uids` is MULTIAPPEND's.
append_result appended_one(const completion& c) {
    append_result r = appended(c);
    r.uids.clear();
    return r;
}

}  // namespace

template <>
struct one_command_rules<ops::append> {
    static engine::preconditions needs(const ops::append&, const context&) { return needs_connection(); }
    static std::optional<command_request> command(const ops::append& op, const context& ctx) {
        return commands::append(op.folder, op.message, op.flags, op.msg_time, ctx.folder_encode);
    }
    static append_result decode(const ops::append&, completion& c, const context&) { return appended_one(c); }
};
algorithm_ptr<ops::append> make_algorithm(ops::append op) {
    return one(std::move(op));
}

template <>
struct one_command_rules<ops::multiappend> {
    static engine::preconditions needs(const ops::multiappend&, const context&) {
        return needs_capability("MULTIAPPEND", session_level::connected);
    }
    static std::optional<command_request> command(const ops::multiappend& op, const context& ctx) {
        return commands::multiappend(op.folder, op.messages, ctx.folder_encode);
    }
    static append_result decode(const ops::multiappend&, completion& c, const context&) { return appended(c); }
};
algorithm_ptr<ops::multiappend> make_algorithm(ops::multiappend op) {
    return one(std::move(op));
}

template <>
struct one_command_rules<ops::stream_append> {
    static engine::preconditions needs(const ops::stream_append&, const context&) { return needs_connection(); }
    static std::optional<command_request> command(const ops::stream_append& op, const context& ctx) {
        return commands::stream_append(op.folder, op.message, op.flags, op.msg_time, op.binary, ctx.folder_encode);
    }
    static append_result decode(const ops::stream_append&, completion& c, const context&) { return appended_one(c); }
};
algorithm_ptr<ops::stream_append> make_algorithm(ops::stream_append op) {
    return one(std::move(op));
}

template <>
struct one_command_rules<ops::stream_multiappend> {
    static engine::preconditions needs(const ops::stream_multiappend&, const context&) {
        return needs_capability("MULTIAPPEND", session_level::connected);
    }
    static std::optional<command_request> command(const ops::stream_multiappend& op, const context& ctx) {
        return commands::stream_multiappend(op.folder, op.messages, ctx.folder_encode);
    }
    static append_result decode(const ops::stream_multiappend&, completion& c, const context&) { return appended(c); }
};
algorithm_ptr<ops::stream_multiappend> make_algorithm(ops::stream_multiappend op) {
    return one(std::move(op));
}

// ---- COPY, MOVE -------------------------------------------------------------

namespace {

// The [COPYUID v src dst] code of a tagged reply or of an untagged OK that
// a MOVE collected; sets that do not pair up are not trusted by halves.
copy_result to_copy_result(const completion& c) {
    const response_code* code = nullptr;
    if (c.status.code && c.status.code->name == "COPYUID") code = &*c.status.code;
    for (const auto& resp : c.responses)
        if (auto* s = std::get_if<status_response>(&resp); !code && s && s->code && s->code->name == "COPYUID")
            code = &*s->code;
    copy_result r;
    if (!code) return r;
    if (code->number) r.uid_validity = static_cast<std::uint32_t>(*code->number);
    auto src = commands::expand_uid_set(code->uid_set);
    auto dst = commands::expand_uid_set(code->dest_uid_set);
    if (src && dst && src->size() == dst->size()) {
        r.source_uids = std::move(*src);
        r.dest_uids = std::move(*dst);
    }
    return r;
}

}  // namespace

template <>
struct one_command_rules<ops::copy> {
    static engine::preconditions needs(const ops::copy&, const context&) { return needs_selected(); }
    static std::optional<command_request> command(const ops::copy& op, const context& ctx) {
        return commands::copy(op.messages, op.folder, ctx.use_uid, ctx.folder_encode);
    }
    static copy_result decode(const ops::copy&, completion& c, const context&) { return to_copy_result(c); }
};
algorithm_ptr<ops::copy> make_algorithm(ops::copy op) {
    return in_pieces_of_set(std::move(op), [](ops::copy piece) { return one(std::move(piece)); });
}

namespace {

// MOVE where the server offers it; elsewhere RFC 6851 3.3's way: COPY,
// then UID STORE +FLAGS.SILENT (\\Deleted) and UID EXPUNGE of exactly the
// UIDs COPYUID says were copied (UIDPLUS). Never the caller's set again: a
// range or "*" may name messages that arrived after the COPY, and a
// sequence number may name another message once the mailbox renumbered.
// Without COPYUID the copies cannot be told apart, so the originals stay.
// Once the COPY succeeded the move succeeds (the messages are in the
// target): a STORE or EXPUNGE that fails leaves them in the source too,
// and the result says so rather than inviting a second, duplicating try.
class move_algorithm final : public operation<copy_result> {
public:
    explicit move_algorithm(ops::move op) : op_(std::move(op)) {}

    std::optional<command_request> resume(const context& ctx, completion* last) override {
        switch (step_++) {
            case 0: {
                by_copy_ = !ctx.engine.has_capability("MOVE");
                auto req = by_copy_ ? commands::copy(op_.messages, op_.folder, ctx.use_uid, ctx.folder_encode)
                                    : commands::move(op_.messages, op_.folder, ctx.use_uid, ctx.folder_encode);
                req.needs = writable();
                return req;
            }
            case 1: {
                result = with_status(*last, to_copy_result(*last));
                result.second.moved_by_copy = by_copy_;
                if (!by_copy_ || last->ec) return std::nullopt;
                result.second.left_in_source = true;
                copied_ = result.second.source_uids;
                if (copied_.empty() || !ctx.engine.has_capability("UIDPLUS")) return std::nullopt;
                std::vector<std::string> deleted{"\\Deleted"};
                auto req = commands::store(copied_, flag_change::add, false, std::move(deleted), true, true);
                req.needs = writable();
                return req;
            }
            case 2: {
                if (last->ec) return stop_at(*last);
                auto req = commands::expunge(copied_);
                req.needs = writable();
                return req;
            }
            default:
                if (last->ec) return stop_at(*last);
                result.second.left_in_source = false;
                return std::nullopt;
        }
    }

private:
    static engine::preconditions writable() {
        auto p = needs_selected();
        p.writable = true;
        return p;
    }
    /// After the COPY: a NO or BAD of the STORE or EXPUNGE is reported in
    /// the status, the move still succeeded; a lost connection is an abort
    /// (connection_lost even where the engine says not_connected, which a
    /// pool would take for "never sent" and send the COPY again).
    std::optional<command_request> stop_at(const completion& c) {
        result.second.status = c.status;
        if (is_abort(c.ec) || c.ec == boost::system::errc::operation_canceled)
            result.first = c.ec == make_error_code(errc::not_connected) ? make_error_code(errc::connection_lost) : c.ec;
        return std::nullopt;
    }

    ops::move op_;
    std::vector<std::uint32_t> copied_;
    int step_ = 0;
    bool by_copy_ = false;
};

}  // namespace

algorithm_ptr<ops::move> make_algorithm(ops::move op) {
    auto make = [](ops::move piece) -> algorithm_ptr<ops::move> {
        return std::make_unique<move_algorithm>(std::move(piece));
    };
    // By sequence numbers, a later piece would name other messages once the
    // first moved some away: split only by UID.
    return in_pieces_of_set(std::move(op), make, pieces::only_by_uid);
}

// ---- EXPUNGE, UID EXPUNGE ---------------------------------------------------

namespace {

expunge_result to_expunge_result(const completion& c) {
    expunge_result r;
    for (const auto& resp : c.responses) {
        if (auto* e = std::get_if<expunge_data>(&resp))
            r.expunged.push_back(e->seq);
        else if (auto* v = std::get_if<vanished_data>(&resp))
            if (auto uids = commands::expand_uid_set(v->uids))
                r.vanished.insert(r.vanished.end(), uids->begin(), uids->end());
    }
    return r;
}

engine::preconditions expunge_needs(bool by_uid) {
    engine::preconditions p = needs_selected();
    if (by_uid) p.capability.push_back("UIDPLUS");
    p.writable = true;
    p.what = "EXPUNGE";
    return p;
}

// Python IMAPClient's expunge(messages) treats an empty list as no list.
bool expunges_by_uid(const ops::expunge& op) {
    return op.messages && !op.messages->empty();
}

}  // namespace

template <>
struct one_command_rules<ops::expunge> {
    static engine::preconditions needs(const ops::expunge& op, const context&) {
        return expunge_needs(expunges_by_uid(op));
    }
    static std::optional<command_request> command(const ops::expunge& op, const context& ctx) {
        if (!expunges_by_uid(op)) return commands::expunge();
        // Python IMAPClient 3.x: "cannot EXPUNGE by ID when not using uids".
        if (!ctx.use_uid) throw std::invalid_argument("expunge(messages) needs use_uid: UID EXPUNGE takes UIDs");
        return commands::expunge(op.messages);
    }
    static expunge_result decode(const ops::expunge&, completion& c, const context&) { return to_expunge_result(c); }
};
algorithm_ptr<ops::expunge> make_algorithm(ops::expunge op) {
    // Only UID EXPUNGE has a set (and UIDs do not shift).
    return in_pieces_of_set(std::move(op), [](ops::expunge piece) { return one(std::move(piece)); });
}

template <>
struct one_command_rules<ops::uid_expunge> {
    static engine::preconditions needs(const ops::uid_expunge&, const context&) { return expunge_needs(true); }
    static std::optional<command_request> command(const ops::uid_expunge& op, const context&) {
        return commands::expunge(op.messages);
    }
    static expunge_result decode(const ops::uid_expunge&, completion& c, const context&) {
        return to_expunge_result(c);
    }
};
algorithm_ptr<ops::uid_expunge> make_algorithm(ops::uid_expunge op) {
    return in_pieces_of_set(std::move(op), [](ops::uid_expunge piece) { return one(std::move(piece)); });
}

}  // namespace imapclient::operations
