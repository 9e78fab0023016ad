#include "json_args.hpp"

#include "codec.hpp"
#include "iso_time.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

namespace shell {

namespace ic = imapclient;

namespace {

[[noreturn]] void bad(std::string_view what, std::string_view expected, const json::value& got) {
    std::string shown = json::serialize(got);
    if (shown.size() > 80) shown = shown.substr(0, 77) + "...";
    throw invalid_argument("argument '" + std::string(what) + "': expected " + std::string(expected) + ", got " +
                           shown);
}

std::optional<std::uint64_t> as_unsigned(const json::value& v) {
    if (v.is_uint64()) return v.get_uint64();
    if (v.is_int64() && v.get_int64() >= 0) return static_cast<std::uint64_t>(v.get_int64());
    if (v.is_double()) {
        const double d = v.get_double();
        if (d >= 0 && d <= 9007199254740992.0 && std::floor(d) == d) return static_cast<std::uint64_t>(d);
    }
    return std::nullopt;
}

ic::search_item search_item_of(const json::value& v, std::string_view what) {
    if (v.is_string() || v.is_object()) {
        if (v.is_object()) {
            const auto& o = v.get_object();
            if (o.size() == 1 && o.contains("date")) {
                const auto* d = o.at("date").if_string();
                if (!d) bad(what, "{\"date\": \"YYYY-MM-DD\"}", v);
                const auto t = parse_iso(std::string(d->c_str()) + "T00:00:00Z");
                if (!t) bad(what, "{\"date\": \"YYYY-MM-DD\"}", v);
                return ic::search_item(std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(t->utc)});
            }
        }
        return ic::search_item(convert<std::string>(v, what));
    }
    if (v.is_int64()) return ic::search_item(v.get_int64());
    if (auto n = as_unsigned(v); n && *n <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        return ic::search_item(static_cast<std::int64_t>(*n));
    if (v.is_array()) {
        ic::search_item::list l;
        for (const auto& e : v.get_array()) l.push_back(search_item_of(e, what));
        return ic::search_item(std::move(l));
    }
    bad(what, "a search item (string, integer, list or {\"date\": ...})", v);
}

}  // namespace

template <>
std::string convert<std::string>(const json::value& v, std::string_view what) {
    if (const auto* s = v.if_string()) return std::string(s->data(), s->size());
    if (const auto* o = v.if_object(); o && o->size() == 1 && o->contains("base64")) {
        if (const auto* b = o->at("base64").if_string()) {
            if (auto bytes = base64_decode(std::string_view(b->data(), b->size()))) return std::move(*bytes);
        }
        bad(what, "valid base64 text", v);
    }
    if (v.is_int64() || v.is_uint64()) return json::serialize(v);
    bad(what, "a string or {\"base64\": ...}", v);
}

template <>
bool convert<bool>(const json::value& v, std::string_view what) {
    if (v.is_bool()) return v.get_bool();
    bad(what, "true or false", v);
}

template <>
std::uint64_t convert<std::uint64_t>(const json::value& v, std::string_view what) {
    if (auto n = as_unsigned(v)) return *n;
    bad(what, "a non-negative integer", v);
}

template <>
std::uint32_t convert<std::uint32_t>(const json::value& v, std::string_view what) {
    auto n = as_unsigned(v);
    if (!n || *n > std::numeric_limits<std::uint32_t>::max()) bad(what, "an integer from 0 to 4294967295", v);
    return static_cast<std::uint32_t>(*n);
}

template <>
seconds convert<seconds>(const json::value& v, std::string_view what) {
    double d = -1;
    if (v.is_double()) d = v.get_double();
    else if (v.is_int64()) d = static_cast<double>(v.get_int64());
    else if (v.is_uint64()) d = static_cast<double>(v.get_uint64());
    // A day is far beyond any sensible wait and keeps the conversion to
    // milliseconds exact.
    if (!(d >= 0 && d <= 86400)) bad(what, "a number of seconds from 0 to 86400", v);
    return seconds(d);
}

template <>
ic::sequence_set convert<ic::sequence_set>(const json::value& v, std::string_view what) {
    try {
        if (auto n = as_unsigned(v)) {
            if (*n == 0 || *n > std::numeric_limits<std::uint32_t>::max()) bad(what, "a message id from 1", v);
            return ic::sequence_set(static_cast<std::uint32_t>(*n));
        }
        if (const auto* s = v.if_string()) {
            if (s->empty()) bad(what, "a non-empty message set", v);
            return ic::sequence_set(std::string_view(s->data(), s->size()));
        }
        if (const auto* a = v.if_array()) {
            if (a->empty()) bad(what, "a non-empty list of message ids", v);
            std::vector<std::uint32_t> ids;
            for (const auto& e : *a) {
                auto n = as_unsigned(e);
                if (!n || *n == 0 || *n > std::numeric_limits<std::uint32_t>::max())
                    bad(what, "a list of message ids (integers from 1)", v);
                ids.push_back(static_cast<std::uint32_t>(*n));
            }
            return ic::sequence_set(ids);
        }
    } catch (const std::invalid_argument& e) {
        throw invalid_argument("argument '" + std::string(what) + "': " + e.what());
    }
    bad(what, "message ids: 3, \"1:*\" or [1, 2, 3]", v);
}

template <>
std::vector<std::string> convert<std::vector<std::string>>(const json::value& v, std::string_view what) {
    std::vector<std::string> out;
    if (const auto* a = v.if_array()) {
        for (const auto& e : *a) out.push_back(convert<std::string>(e, what));
        return out;
    }
    out.push_back(convert<std::string>(v, what));
    return out;
}

template <>
ic::search_criteria convert<ic::search_criteria>(const json::value& v, std::string_view what) {
    if (const auto* s = v.if_string()) return ic::search_criteria(std::string(s->data(), s->size()));
    if (const auto* a = v.if_array()) {
        std::vector<ic::search_item> items;
        for (const auto& e : *a) items.push_back(search_item_of(e, what));
        return ic::search_criteria(std::move(items));
    }
    bad(what, "search criteria: \"ALL\" or [\"NOT\", \"DELETED\"]", v);
}

template <>
ic::datetime convert<ic::datetime>(const json::value& v, std::string_view what) {
    if (const auto* s = v.if_string())
        if (auto t = parse_iso(std::string_view(s->data(), s->size()))) return *t;
    bad(what, "an ISO 8601 date-time such as \"2024-02-01T10:00:00+01:00\"", v);
}

template <>
std::vector<ic::quota> convert<std::vector<ic::quota>>(const json::value& v, std::string_view what) {
    // [{"quota_root": "", "resource": "STORAGE", "limit": 1024}, ...] or
    // [["", "STORAGE", 1024], ...]; a single quota may stand alone.
    const auto one = [&](const json::value& q) {
        ic::quota out;
        if (const auto* o = q.if_object()) {
            for (const auto& [k, val] : *o) {
                if (k == "quota_root") out.quota_root = convert<std::string>(val, what);
                else if (k == "resource") out.resource = convert<std::string>(val, what);
                else if (k == "limit") out.limit = convert<std::uint64_t>(val, what);
                else if (k == "usage") out.usage = convert<std::uint64_t>(val, what);
                else bad(what, "quota keys quota_root, resource, limit", q);
            }
            if (!o->contains("resource") || !o->contains("limit")) bad(what, "a quota with resource and limit", q);
        } else if (const auto* a = q.if_array(); a && a->size() == 3) {
            out.quota_root = convert<std::string>((*a)[0], what);
            out.resource = convert<std::string>((*a)[1], what);
            out.limit = convert<std::uint64_t>((*a)[2], what);
        } else {
            bad(what, "a quota {quota_root, resource, limit} or [root, resource, limit]", q);
        }
        return out;
    };
    std::vector<ic::quota> out;
    if (v.is_object()) {
        out.push_back(one(v));
    } else if (const auto* a = v.if_array()) {
        if (!a->empty() && !(*a)[0].is_object() && !(*a)[0].is_array()) out.push_back(one(v));
        else
            for (const auto& q : *a) out.push_back(one(q));
    } else {
        bad(what, "a list of quotas", v);
    }
    return out;
}

template <>
std::vector<ic::client::append_message> convert<std::vector<ic::client::append_message>>(const json::value& v,
                                                                                         std::string_view what) {
    const auto* a = v.if_array();
    if (!a || a->empty()) bad(what, "a non-empty list of messages", v);
    std::vector<ic::client::append_message> out;
    for (const auto& m : *a) {
        ic::client::append_message msg;
        if (const auto* o = m.if_object(); o && !o->contains("base64")) {
            for (const auto& [k, val] : *o) {
                if (k == "msg") msg.message = convert<std::string>(val, what);
                else if (k == "message") msg.message = convert<std::string>(val, what);
                else if (k == "flags") msg.flags = convert<std::vector<std::string>>(val, what);
                else if (k == "msg_time") {
                    if (!val.is_null()) msg.msg_time = convert<ic::datetime>(val, what);
                } else bad(what, "message keys msg (or message), flags, msg_time", m);
            }
            if (!o->contains("msg") && !o->contains("message")) bad(what, "a message with \"msg\"", m);
        } else {
            msg.message = convert<std::string>(m, what);
        }
        out.push_back(std::move(msg));
    }
    return out;
}

template <>
id_parameters convert<id_parameters>(const json::value& v, std::string_view what) {
    id_parameters out;
    if (const auto* o = v.if_object()) {
        for (const auto& [k, val] : *o) out.emplace_back(std::string(k), convert<std::string>(val, what));
        return out;
    }
    if (const auto* a = v.if_array()) {
        for (const auto& p : *a) {
            const auto* pa = p.if_array();
            if (!pa || pa->size() != 2) bad(what, "{\"name\": \"value\", ...} or [[name, value], ...]", v);
            out.emplace_back(convert<std::string>((*pa)[0], what), convert<std::string>((*pa)[1], what));
        }
        return out;
    }
    bad(what, "{\"name\": \"value\", ...}", v);
}

template <>
ic::search_return convert<ic::search_return>(const json::value& v, std::string_view what) {
    ic::search_return r;
    for (const auto& word : convert<std::vector<std::string>>(v, what)) {
        if (ic::iequals(word, "MIN")) r.min = true;
        else if (ic::iequals(word, "MAX")) r.max = true;
        else if (ic::iequals(word, "COUNT")) r.count = true;
        else if (ic::iequals(word, "ALL")) r.all = true;
        else if (ic::iequals(word, "SAVE")) r.save = true;
        else bad(what, "a list of MIN, MAX, COUNT, ALL, SAVE", v);
    }
    return r;
}

template <>
ic::list_options convert<ic::list_options>(const json::value& v, std::string_view what) {
    const auto* o = v.if_object();
    if (!o) bad(what, "{\"patterns\": [...], \"subscribed\": true, \"status\": [...], ...}", v);
    ic::list_options r;
    const std::pair<const char*, bool ic::list_options::*> flags[] = {
        {"subscribed", &ic::list_options::subscribed},
        {"remote", &ic::list_options::remote},
        {"recursive_match", &ic::list_options::recursive_match},
        {"special_use", &ic::list_options::special_use},
        {"return_subscribed", &ic::list_options::return_subscribed},
        {"return_children", &ic::list_options::return_children},
        {"return_special_use", &ic::list_options::return_special_use}};
    for (const auto& [key, value] : *o) {
        if (key == "patterns") {
            r.patterns = convert<std::vector<std::string>>(value, what);
            continue;
        }
        if (key == "status") {
            r.status = convert<std::vector<std::string>>(value, what);
            continue;
        }
        auto f = std::find_if(std::begin(flags), std::end(flags), [&](const auto& e) { return key == e.first; });
        if (f == std::end(flags)) bad(what, "list_options fields (patterns, subscribed, remote, recursive_match, "
                                            "special_use, return_subscribed, return_children, return_special_use, status)",
                                      v);
        r.*(f->second) = convert<bool>(value, what);
    }
    return r;
}

template <>
metadata_entries convert<metadata_entries>(const json::value& v, std::string_view what) {
    const auto* o = v.if_object();
    if (!o) bad(what, "{\"/private/comment\": \"value\" or null, ...}", v);
    metadata_entries out;
    for (const auto& [k, val] : *o) {
        if (val.is_null()) out.emplace_back(std::string(k), std::nullopt);
        else out.emplace_back(std::string(k), convert<std::string>(val, what));
    }
    return out;
}

template <>
std::vector<ic::notify_group> convert<std::vector<ic::notify_group>>(const json::value& v, std::string_view what) {
    static constexpr std::pair<std::string_view, ic::notify_target> targets[] = {
        {"selected", ic::notify_target::selected},     {"selected-delayed", ic::notify_target::selected_delayed},
        {"inboxes", ic::notify_target::inboxes},       {"personal", ic::notify_target::personal},
        {"subscribed", ic::notify_target::subscribed}, {"subtree", ic::notify_target::subtree},
        {"mailboxes", ic::notify_target::mailboxes}};
    const auto* a = v.if_array();
    if (!a) bad(what, "[{\"target\": \"personal\", \"events\": [\"MessageNew\"]}, ...]", v);
    std::vector<ic::notify_group> out;
    for (const auto& item : *a) {
        const auto* o = item.if_object();
        if (!o) bad(what, "a group {\"target\", \"mailboxes\", \"events\", \"fetch\"}", item);
        ic::notify_group g;
        for (const auto& [key, value] : *o) {
            if (key == "target") {
                const auto name = convert<std::string>(value, what);
                auto t = std::find_if(std::begin(targets), std::end(targets),
                                      [&](const auto& e) { return ic::iequals(e.first, name); });
                if (t == std::end(targets))
                    bad(what, "a target: selected, selected-delayed, inboxes, personal, subscribed, subtree, mailboxes",
                        value);
                g.target = t->second;
            } else if (key == "mailboxes") {
                g.mailboxes = convert<std::vector<std::string>>(value, what);
            } else if (key == "events") {
                g.events = convert<std::vector<std::string>>(value, what);
            } else if (key == "fetch") {
                g.message_new_fetch = convert<std::vector<std::string>>(value, what);
            } else {
                bad(what, "a group {\"target\", \"mailboxes\", \"events\", \"fetch\"}", item);
            }
        }
        out.push_back(std::move(g));
    }
    return out;
}

template <>
ic::metadata_depth convert<ic::metadata_depth>(const json::value& v, std::string_view what) {
    if (v.is_number() || v.is_string()) {
        const std::string text = v.is_string() ? std::string(v.get_string()) : json::serialize(v);
        if (text == "0") return ic::metadata_depth::zero;
        if (text == "1") return ic::metadata_depth::one;
        if (text == "infinity") return ic::metadata_depth::infinity;
    }
    bad(what, "0, 1 or \"infinity\"", v);
}

template <>
ic::flag_change convert<ic::flag_change>(const json::value& v, std::string_view what) {
    if (const auto* s = v.if_string()) {
        if (*s == "add") return ic::flag_change::add;
        if (*s == "remove") return ic::flag_change::remove;
        if (*s == "set") return ic::flag_change::set;
    }
    bad(what, "\"add\", \"remove\" or \"set\"", v);
}

template <>
ic::qresync_params::sequence_match convert<ic::qresync_params::sequence_match>(const json::value& v,
                                                                               std::string_view what) {
    const json::value* seqs = nullptr;
    const json::value* uids = nullptr;
    if (const auto* a = v.if_array(); a && a->size() == 2) {
        seqs = &(*a)[0];
        uids = &(*a)[1];
    } else if (const auto* o = v.if_object(); o && o->size() == 2) {
        seqs = o->if_contains("sequence_numbers");
        uids = o->if_contains("uids");
    }
    if (!seqs || !uids) bad(what, "[sequence_numbers, uids] (two message sets)", v);
    return {convert<ic::sequence_set>(*seqs, what), convert<ic::sequence_set>(*uids, what)};
}

call_args::call_args(std::string method, json::array positional, json::object keywords)
    : method_(std::move(method)), positional_(std::move(positional)), keywords_(std::move(keywords)) {}

const json::value* call_args::take(std::size_t index, std::string_view name) {
    max_index_ = std::max(max_index_, index + 1);
    const json::value* by_pos = index < positional_.size() ? &positional_[index] : nullptr;
    const json::value* by_name = keywords_.if_contains(name);
    if (by_name) used_keywords_.emplace_back(name);
    if (by_pos && by_name)
        throw invalid_argument(method_ + ": argument '" + std::string(name) + "' given twice (by position and by name)");
    return by_pos ? by_pos : by_name;
}

std::vector<std::string> call_args::rest_strings(std::size_t index, std::string_view name) {
    if (positional_.size() > index + 1) {
        if (keywords_.contains(name))
            throw invalid_argument(method_ + ": argument '" + std::string(name) + "' given twice (by position and by name)");
        std::vector<std::string> out;
        for (std::size_t i = index; i < positional_.size(); ++i) out.push_back(convert<std::string>(positional_[i], name));
        max_index_ = std::max(max_index_, positional_.size());
        return out;
    }
    return need<std::vector<std::string>>(index, name);
}

void call_args::done() const {
    if (positional_.size() > max_index_)
        throw invalid_argument(method_ + ": takes at most " + std::to_string(max_index_) + " positional argument" +
                               (max_index_ == 1 ? "" : "s") + ", got " + std::to_string(positional_.size()));
    for (const auto& [k, v] : keywords_)
        if (std::find(used_keywords_.begin(), used_keywords_.end(), std::string_view(k)) == used_keywords_.end())
            throw invalid_argument(method_ + ": unknown keyword argument '" + std::string(k) + "'");
}

call_args parse_call(const json::value& call) {
    const auto* a = call.if_array();
    if (!a || a->empty() || !(*a)[0].is_string())
        throw invalid_argument("a call is a JSON array [\"method\", arg, ..., {keyword: value}]");
    json::array positional(a->begin() + 1, a->end());
    json::object keywords;
    if (!positional.empty() && positional.back().is_object()) {
        const auto& last = positional.back().get_object();
        // {"base64": ...} is a value, never keywords.
        if (!(last.size() == 1 && (last.contains("base64") || last.contains("date")))) {
            keywords = last;
            positional.pop_back();
        }
    }
    const auto& name = (*a)[0].get_string();
    return call_args(std::string(name.data(), name.size()), std::move(positional), std::move(keywords));
}

}  // namespace shell
