#include "json_encode.hpp"

#include "codec.hpp"
#include "iso_time.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>

#include <cerrno>
#include <cstdlib>
#include <map>
#include <string>
#include <variant>

namespace shell {

namespace ic = imapclient;

namespace {

template <typename T>
json::value opt(const std::optional<T>& v) {
    if (!v) return nullptr;
    if constexpr (std::is_same_v<T, std::string>) return bytes_to_json(*v);
    else if constexpr (std::is_same_v<T, char>) return bytes_to_json(std::string_view(&*v, 1));
    else if constexpr (std::is_integral_v<T>) return *v;
    else return to_json(*v);
}

template <typename T>
json::value opt(const ic::boxed<T>& v) {
    if (!v) return nullptr;
    return to_json(*v);
}

template <typename T>
json::array list(const std::vector<T>& items) {
    json::array a;
    a.reserve(items.size());
    for (const auto& i : items) {
        if constexpr (std::is_same_v<T, std::string>) a.push_back(bytes_to_json(i));
        else if constexpr (std::is_integral_v<T>) a.push_back(i);
        else a.push_back(to_json(i));
    }
    return a;
}

// (name, value) pairs where order and duplicates matter (body parameters,
// ACL entries): an array of two-element arrays.
template <typename V>
json::array pairs(const std::vector<std::pair<std::string, V>>& items) {
    json::array a;
    for (const auto& [k, v] : items) {
        json::array p;
        p.push_back(bytes_to_json(k));
        if constexpr (std::is_same_v<V, std::string>) p.push_back(bytes_to_json(v));
        else p.push_back(opt(v));
        a.push_back(std::move(p));
    }
    return a;
}

json::string key_of(std::string_view bytes) {
    // Object keys must be strings: invalid UTF-8 is not representable, so
    // such a key becomes its base64 form with a marker.
    if (is_valid_utf8(bytes)) return json::string(bytes);
    return json::string("base64:" + base64_encode(bytes));
}

json::object with_status(json::object o, const ic::status_response& s) {
    o["status"] = to_json(s);
    return o;
}

struct response_visitor {
    json::value operator()(const ic::status_response& s) const {
        auto v = to_json(s);
        v.as_object()["type"] = "status_response";
        return v;
    }
    json::value operator()(const ic::continuation_request& c) const {
        return json::object{{"type", "continuation_request"}, {"text", bytes_to_json(c.text)}};
    }
    json::value operator()(const ic::capability_data& c) const {
        return json::object{{"type", "capability"}, {"capabilities", list(c.capabilities)}};
    }
    json::value operator()(const ic::list_data& l) const {
        return json::object{{"type", "list"},          {"command", l.command},
                            {"flags", list(l.flags)},  {"delimiter", opt(l.delimiter)},
                            {"name", bytes_to_json(l.name)}, {"extended", list(l.extended)}};
    }
    json::value operator()(const ic::status_data& s) const {
        json::object items;
        for (const auto& [k, v] : s.items) items[key_of(k)] = v;
        for (const auto& [k, v] : s.other) items[key_of(k)] = to_json(v);
        return json::object{{"type", "status"}, {"mailbox", bytes_to_json(s.mailbox)}, {"items", std::move(items)}};
    }
    json::value operator()(const ic::search_data& s) const {
        return json::object{{"type", s.sort ? "sort" : "search"},
                            {"ids", list(s.ids)},
                            {"modseq", opt(s.modseq)},
                            {"invalid_ids", list(s.invalid_ids)}};
    }
    json::value operator()(const ic::esearch_data& e) const {
        json::object other;
        for (const auto& [k, v] : e.other) other[key_of(k)] = to_json(v);
        return json::object{{"type", "esearch"},     {"tag", opt(e.tag)},     {"uid", e.uid},
                            {"min", opt(e.min)},     {"max", opt(e.max)},     {"count", opt(e.count)},
                            {"modseq", opt(e.modseq)}, {"all", bytes_to_json(e.all)}, {"other", std::move(other)}};
    }
    json::value operator()(const ic::thread_data& t) const {
        return json::object{{"type", "thread"}, {"threads", list(t.threads)}};
    }
    json::value operator()(const ic::flags_data& f) const {
        return json::object{{"type", "flags"}, {"flags", list(f.flags)}};
    }
    json::value operator()(const ic::exists_data& e) const { return json::object{{"type", "exists"}, {"count", e.count}}; }
    json::value operator()(const ic::recent_data& e) const { return json::object{{"type", "recent"}, {"count", e.count}}; }
    json::value operator()(const ic::expunge_data& e) const { return json::object{{"type", "expunge"}, {"seq", e.seq}}; }
    json::value operator()(const ic::vanished_data& v) const {
        return json::object{{"type", "vanished"}, {"earlier", v.earlier}, {"uids", bytes_to_json(v.uids)}};
    }
    json::value operator()(const ic::fetch_data& f) const {
        auto v = to_json(f);
        v.as_object()["type"] = "fetch";
        return v;
    }
    json::value operator()(const ic::namespace_data& n) const {
        return json::object{{"type", "namespace"}, {"personal", list(n.personal)}, {"other", list(n.other)},
                            {"shared", list(n.shared)}};
    }
    json::value operator()(const ic::acl_data& a) const {
        return json::object{{"type", "acl"}, {"mailbox", bytes_to_json(a.mailbox)}, {"entries", pairs(a.entries)}};
    }
    json::value operator()(const ic::myrights_data& m) const {
        return json::object{{"type", "myrights"}, {"mailbox", bytes_to_json(m.mailbox)}, {"rights", bytes_to_json(m.rights)}};
    }
    json::value operator()(const ic::listrights_data& l) const {
        return json::object{{"type", "listrights"},
                            {"mailbox", bytes_to_json(l.mailbox)},
                            {"identifier", bytes_to_json(l.identifier)},
                            {"required", bytes_to_json(l.required)},
                            {"optional", list(l.optional)}};
    }
    json::value operator()(const ic::quota_data& q) const {
        json::array res;
        for (const auto& r : q.resources)
            res.push_back(json::object{{"name", r.name}, {"usage", r.usage}, {"limit", r.limit}});
        return json::object{{"type", "quota"}, {"root", bytes_to_json(q.root)}, {"resources", std::move(res)}};
    }
    json::value operator()(const ic::quotaroot_data& q) const {
        return json::object{{"type", "quotaroot"}, {"mailbox", bytes_to_json(q.mailbox)}, {"roots", list(q.roots)}};
    }
    json::value operator()(const ic::metadata_data& m) const {
        return json::object{{"type", "metadata"}, {"mailbox", bytes_to_json(m.mailbox)}, {"entries", pairs(m.entries)}};
    }
    json::value operator()(const ic::id_data& i) const {
        return json::object{{"type", "id"}, {"fields", pairs(i.fields)}};
    }
    json::value operator()(const ic::enabled_data& e) const {
        return json::object{{"type", "enabled"}, {"capabilities", list(e.capabilities)}};
    }
    json::value operator()(const ic::unknown_data& u) const {
        return json::object{{"type", "unknown"}, {"keyword", bytes_to_json(u.keyword)}, {"number", opt(u.number)},
                            {"values", list(u.values)}};
    }
    json::value operator()(const ic::unparsed_data& u) const {
        return json::object{{"type", "unparsed"}, {"line", bytes_to_json(u.line)}, {"error", bytes_to_json(u.error)}};
    }
};

}  // namespace

json::value bytes_to_json(std::string_view bytes) {
    if (is_valid_utf8(bytes)) return json::string(bytes);
    return json::object{{"base64", base64_encode(bytes)}};
}

json::value to_json(const std::optional<std::string>& s) { return opt(s); }
json::value to_json(const std::vector<std::string>& strings) { return list(strings); }

json::value to_json(const ic::datetime& when) { return json::string(format_iso(when)); }

json::value to_json(const ic::address& a) {
    return json::object{{"name", opt(a.name)}, {"route", opt(a.route)}, {"mailbox", opt(a.mailbox)},
                        {"host", opt(a.host)}};
}

json::value to_json(const ic::envelope& e) {
    return json::object{{"date", opt(e.date)},           {"subject", opt(e.subject)},
                        {"from_", list(e.from)},         {"sender", list(e.sender)},
                        {"reply_to", list(e.reply_to)},  {"to", list(e.to)},
                        {"cc", list(e.cc)},              {"bcc", list(e.bcc)},
                        {"in_reply_to", opt(e.in_reply_to)}, {"message_id", opt(e.message_id)}};
}

json::value to_json(const ic::raw_value& v) {
    switch (v.type) {
    case ic::raw_value::kind::nil: return nullptr;
    case ic::raw_value::kind::number: {
        // Numbers too large for 64 bits stay text rather than wrap.
        char* end = nullptr;
        errno = 0;
        const unsigned long long n = std::strtoull(v.text.c_str(), &end, 10);
        if (errno == 0 && end && *end == '\0' && !v.text.empty()) return static_cast<std::uint64_t>(n);
        return bytes_to_json(v.text);
    }
    case ic::raw_value::kind::atom:
    case ic::raw_value::kind::string: return bytes_to_json(v.text);
    case ic::raw_value::kind::list: return list(v.items);
    }
    return nullptr;
}

json::value to_json(const ic::body_structure& b) {
    json::object o{{"is_multipart", b.is_multipart()},
                   {"type", bytes_to_json(b.type)},
                   {"subtype", bytes_to_json(b.subtype)},
                   {"params", pairs(b.params)},
                   {"id", opt(b.id)},
                   {"description", opt(b.description)},
                   {"encoding", bytes_to_json(b.encoding)},
                   {"size", b.size},
                   {"lines", opt(b.lines)},
                   {"envelope", opt(b.message_envelope)},
                   {"parts", list(b.parts)},
                   {"md5", opt(b.md5)},
                   {"language", list(b.language)},
                   {"location", opt(b.location)},
                   {"extensions", list(b.extensions)}};
    if (b.disposition)
        o["disposition"] = json::object{{"type", bytes_to_json(b.disposition->type)},
                                        {"params", pairs(b.disposition->params)}};
    else
        o["disposition"] = nullptr;
    return o;
}

json::value to_json(const ic::response_code& c) {
    json::object o{{"name", bytes_to_json(c.name)}, {"raw", bytes_to_json(c.raw)}};
    if (c.number) o["number"] = *c.number;
    if (!c.list.empty()) o["list"] = list(c.list);
    if (!c.uid_set.empty()) o["uid_set"] = bytes_to_json(c.uid_set);
    if (!c.dest_uid_set.empty()) o["dest_uid_set"] = bytes_to_json(c.dest_uid_set);
    return o;
}

json::value to_json(const ic::status_response& s) {
    json::object o{{"tag", bytes_to_json(s.tag)},
                   {"status", json::string(ic::to_string(s.status))},
                   {"code", opt(s.code)},
                   {"text", bytes_to_json(s.text)}};
    if (s.backoff) o["backoff_ms"] = s.backoff->count();
    return o;
}

json::value to_json(const ic::fetch_data& f) {
    // Only what the server sent: an item that was not fetched is absent,
    // as in Python IMAPClient's per-message dict.
    json::object o;
    o["seq"] = f.seq;
    if (f.uid) o["uid"] = *f.uid;
    if (f.flags) o["flags"] = list(*f.flags);
    if (f.internal_date) o["internal_date"] = to_json(*f.internal_date);
    if (f.internal_date_raw) o["internal_date_raw"] = bytes_to_json(*f.internal_date_raw);
    if (f.size) o["size"] = *f.size;
    if (f.envelope) o["envelope"] = to_json(*f.envelope);
    if (f.body) o["body"] = to_json(*f.body);
    if (f.bodystructure) o["bodystructure"] = to_json(*f.bodystructure);
    if (f.modseq) o["modseq"] = *f.modseq;
    if (f.gmail_msgid) o["gmail_msgid"] = *f.gmail_msgid;
    if (f.gmail_thrid) o["gmail_thrid"] = *f.gmail_thrid;
    if (f.gmail_labels) o["gmail_labels"] = list(*f.gmail_labels);
    if (f.email_id) o["email_id"] = bytes_to_json(*f.email_id);
    if (f.thread_id) o["thread_id"] = bytes_to_json(*f.thread_id);
    if (f.save_date) o["save_date"] = to_json(*f.save_date);
    if (f.preview) o["preview"] = bytes_to_json(*f.preview);
    if (!f.sections.empty()) {
        // Keyed as Python IMAPClient keys them: "BODY[]", "BODY[]<0>" for a partial.
        json::object sections;
        for (const auto& s : f.sections) {
            std::string name = s.name;
            if (s.origin) name += "<" + std::to_string(*s.origin) + ">";
            sections[key_of(name)] = opt(s.data);
        }
        o["sections"] = std::move(sections);
    }
    if (!f.other.empty()) {
        json::object other;
        for (const auto& [k, v] : f.other) other[key_of(k)] = to_json(v);
        o["other"] = std::move(other);
    }
    if (!f.unreadable.empty()) {
        json::array unreadable;
        for (const auto& u : f.unreadable)
            unreadable.push_back(json::object{{"item", bytes_to_json(u.item)}, {"reason", bytes_to_json(u.reason)}});
        o["unreadable"] = std::move(unreadable);
    }
    return o;
}

json::value to_json(const ic::thread_node& t) {
    // Python IMAPClient's nested tuples: the chain of ids, then one array per branch.
    json::array a;
    for (auto id : t.ids) a.push_back(id);
    for (const auto& c : t.children) a.push_back(to_json(c));
    return a;
}

json::value to_json(const ic::response& r) { return std::visit(response_visitor{}, r); }

json::value to_json(const ic::event& e) {
    if (const auto* r = std::get_if<ic::response>(&e)) return to_json(*r);
    if (const auto* s = std::get_if<ic::resync_needed>(&e))
        return json::object{{"type", "resync_needed"},
                            {"exists", s->exists},
                            {"highest_modseq", opt(s->highest_modseq)},
                            {"dropped", s->dropped}};
    const auto& c = std::get<ic::connection_closed>(e);
    return json::object{{"type", "connection_closed"},
                        {"error", c.ec ? json::value(bytes_to_json(c.ec.message())) : json::value(nullptr)},
                        {"detail", bytes_to_json(c.detail)}};
}

json::value to_json(const ic::mailbox_state& m) {
    return json::object{{"selected", m.selected},
                        {"name", bytes_to_json(m.name)},
                        {"readonly", m.readonly},
                        {"exists", m.exists},
                        {"recent", m.recent},
                        {"uid_validity", opt(m.uid_validity)},
                        {"uid_next", opt(m.uid_next)},
                        {"unseen", opt(m.unseen)},
                        {"highest_modseq", opt(m.highest_modseq)},
                        {"nomodseq", m.nomodseq},
                        {"flags", list(m.flags)},
                        {"permanent_flags", list(m.permanent_flags)}};
}

json::value to_json(const ic::folder_info& f) {
    return json::object{{"flags", list(f.flags)}, {"delimiter", opt(f.delimiter)}, {"name", bytes_to_json(f.name)}};
}

json::value to_json(const ic::quota& q) {
    return json::object{{"quota_root", bytes_to_json(q.quota_root)},
                        {"resource", bytes_to_json(q.resource)},
                        {"usage", q.usage},
                        {"limit", q.limit}};
}

json::value to_json(const ic::namespace_entry& n) {
    return json::object{{"prefix", bytes_to_json(n.prefix)}, {"delimiter", opt(n.delimiter)}};
}

json::value to_json(const ic::command_metrics& m) {
    // Microseconds as integers: JSON numbers, exact, and fine enough.
    auto us = [](std::chrono::nanoseconds d) {
        return std::chrono::duration_cast<std::chrono::microseconds>(d).count();
    };
    json::array bounds;
    for (auto b : ic::latency_bucket_bounds) bounds.push_back(b.count());
    json::array commands;
    for (const auto& c : m.commands) {
        json::array buckets(c.buckets.begin(), c.buckets.end());
        commands.push_back(json::object{{"name", c.name},
                                        {"ok", c.ok},
                                        {"no", c.no},
                                        {"bad", c.bad},
                                        {"aborted", c.aborted},
                                        {"refused", c.refused},
                                        {"total_latency_us", us(c.total_latency)},
                                        {"max_latency_us", us(c.max_latency)},
                                        {"p50_us", us(c.quantile(0.5))},
                                        {"p99_us", us(c.quantile(0.99))},
                                        {"buckets", std::move(buckets)}});
    }
    return json::object{{"commands_sent", m.commands_sent},
                        {"bytes_written", m.bytes_written},
                        {"bytes_read", m.bytes_read},
                        {"bucket_bounds_ms", std::move(bounds)},
                        {"commands", std::move(commands)}};
}

json::value to_json(const ic::connect_result& r) {
    return with_status({{"greeting", to_json(r.greeting)},
                        {"capabilities", list(r.capabilities)},
                        {"preauthenticated", r.preauthenticated},
                        {"tls", r.tls}},
                       r.status);
}

json::value to_json(const ic::command_result& r) {
    return with_status({{"responses", list(r.responses)}}, r.status);
}

namespace {

json::object select_fields(const ic::select_result& r) {
    return {{"exists", r.exists},
            {"recent", r.recent},
            {"uid_validity", opt(r.uid_validity)},
            {"uid_next", opt(r.uid_next)},
            {"unseen", opt(r.unseen)},
            {"highest_modseq", opt(r.highest_modseq)},
            {"flags", list(r.flags)},
            {"permanent_flags", list(r.permanent_flags)},
            {"readonly", r.readonly}};
}

// Messages keyed by id (UID or sequence number), as fetch_result.
json::object by_id(const std::map<std::uint32_t, ic::fetch_data>& messages) {
    json::object o;
    for (const auto& [id, data] : messages) o[std::to_string(id)] = to_json(data);
    return o;
}

}  // namespace

json::value to_json(const ic::select_result& r) { return with_status(select_fields(r), r.status); }

json::value to_json(const ic::qresync_select_result& r) {
    json::object o = select_fields(r);
    o["uid_validity_changed"] = r.uid_validity_changed;
    o["vanished"] = list(r.vanished);
    o["changed"] = by_id(r.changed);
    return with_status(std::move(o), r.status);
}

json::value to_json(const ic::changes_result& r) {
    return with_status({{"messages", by_id(r.messages)}, {"vanished", list(r.vanished)}}, r.status);
}

json::value to_json(const ic::conditional_store_result& r) {
    json::object flags, modseqs;
    for (const auto& [id, f] : r.flags) flags[std::to_string(id)] = list(f);
    for (const auto& [id, m] : r.modseqs) modseqs[std::to_string(id)] = m;
    return with_status({{"flags", std::move(flags)}, {"modseqs", std::move(modseqs)}, {"modified", list(r.modified)}},
                       r.status);
}

json::value to_json(const ic::search_result& r) {
    return with_status({{"ids", list(r.ids)}, {"modseq", opt(r.modseq)}, {"invalid_ids", list(r.invalid_ids)}},
                       r.status);
}

json::value to_json(const ic::fetch_result& r) { return by_id(r.messages); }

json::value to_json(const ic::append_result& r) {
    return with_status({{"uid_validity", opt(r.uid_validity)}, {"uid", opt(r.uid)}, {"uids", list(r.uids)}}, r.status);
}

json::value to_json(const ic::stream_fetch_result& r) {
    return with_status({{"bytes", r.bytes}, {"uid", opt(r.uid)}, {"seq", r.seq}}, r.status);
}

json::value to_json(const ic::idle_result& r) { return with_status({{"events", list(r.events)}}, r.status); }

json::value to_json(const ic::folder_list_result& r) { return with_status({{"folders", list(r.folders)}}, r.status); }

json::value to_json(const ic::folder_status_result& r) {
    json::object items;
    for (const auto& [k, v] : r.items) items[key_of(k)] = v;
    for (const auto& [k, v] : r.other) items[key_of(k)] = to_json(v);
    return with_status({{"messages", opt(r.messages)},
                        {"recent", opt(r.recent)},
                        {"uid_next", opt(r.uid_next)},
                        {"uid_validity", opt(r.uid_validity)},
                        {"unseen", opt(r.unseen)},
                        {"highest_modseq", opt(r.highest_modseq)},
                        {"size", opt(r.size)},
                        {"append_limit", opt(r.append_limit)},
                        {"mailbox_id", opt(r.mailbox_id)},
                        {"items", std::move(items)}},
                       r.status);
}

json::value to_json(const ic::namespace_result& r) {
    return with_status({{"personal", list(r.personal)}, {"other", list(r.other)}, {"shared", list(r.shared)}},
                       r.status);
}

json::value to_json(const ic::flags_result& r) {
    json::object o;
    for (const auto& [id, flags] : r.messages) o[std::to_string(id)] = list(flags);
    return o;
}

json::value to_json(const ic::thread_result& r) { return with_status({{"threads", list(r.threads)}}, r.status); }

json::value to_json(const ic::copy_result& r) {
    return with_status({{"uid_validity", opt(r.uid_validity)},
                        {"source_uids", list(r.source_uids)},
                        {"dest_uids", list(r.dest_uids)}},
                       r.status);
}

json::value to_json(const ic::expunge_result& r) {
    return with_status({{"expunged", list(r.expunged)}, {"vanished", list(r.vanished)}}, r.status);
}

json::value to_json(const ic::acl_result& r) { return with_status({{"entries", pairs(r.entries)}}, r.status); }

json::value to_json(const ic::quota_result& r) { return with_status({{"quotas", list(r.quotas)}}, r.status); }

json::value to_json(const ic::quota_root_result& r) {
    return with_status({{"mailbox", bytes_to_json(r.mailbox)},
                        {"quota_roots", list(r.quota_roots)},
                        {"quotas", list(r.quotas)}},
                       r.status);
}

json::value to_json(const ic::enable_result& r) { return with_status({{"enabled", list(r.enabled)}}, r.status); }

json::value to_json(const ic::id_result& r) { return with_status({{"fields", pairs(r.fields)}}, r.status); }

json::value to_json(const ic::esearch_result& r) {
    json::value all = nullptr;
    if (r.all) all = r.all->str();
    return with_status({{"min", opt(r.min)},
                        {"max", opt(r.max)},
                        {"count", opt(r.count)},
                        {"all", std::move(all)},
                        {"sorted", list(r.sorted)},
                        {"modseq", opt(r.modseq)},
                        {"invalid_ids", list(r.invalid_ids)}},
                       r.status);
}

json::value to_json(const ic::folder_tree_result& r) {
    json::array folders;
    for (const auto& f : r.folders) {
        json::object o = to_json(static_cast<const ic::folder_info&>(f)).as_object();
        o["child_info"] = list(f.child_info);
        o["old_name"] = nullptr;
        if (f.old_name) o["old_name"] = bytes_to_json(*f.old_name);
        o["status"] = nullptr;
        if (f.status) {
            json::object st = to_json(*f.status).as_object();
            st.erase("status");  // LIST's reply is the result's
            o["status"] = std::move(st);
        }
        folders.push_back(std::move(o));
    }
    return with_status({{"folders", std::move(folders)}}, r.status);
}

json::value to_json(const ic::notify_result& r) {
    json::object mailboxes;
    for (const auto& [name, st] : r.mailboxes) {
        json::object o = to_json(st).as_object();
        o.erase("status");  // NOTIFY's reply is the result's
        mailboxes[key_of(name)] = std::move(o);
    }
    return with_status({{"mailboxes", std::move(mailboxes)}}, r.status);
}

json::value to_json(const ic::metadata_result& r) {
    json::object entries;
    for (const auto& [name, value] : r.entries) {
        json::value v = nullptr;
        if (value) v = bytes_to_json(*value);
        entries[key_of(name)] = std::move(v);
    }
    return with_status({{"entries", std::move(entries)}, {"longest_skipped", opt(r.longest_skipped)}}, r.status);
}

}  // namespace shell
