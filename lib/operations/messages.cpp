// Message operations: SEARCH, SORT, THREAD, X-GM-RAW, FETCH, APPEND,
// MULTIAPPEND, COPY, MOVE, EXPUNGE and UID EXPUNGE. Each: what it needs,
// sends and returns.
#include "operations/messages.hpp"

#include "engine/commands.hpp"
#include "engine/commands_messages.hpp"

#include <charconv>

namespace imapclient::operations {

namespace commands = engine::commands;
using engine::command_request;
using engine::completion;
using engine::session_level;

namespace {

std::optional<std::uint32_t> to_u32(std::string_view s) {
    std::uint32_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
    return v;
}

// Optional and boxed fields alike: a value that came replaces the one kept.
template <typename T>
void merge(T& into, T& from) {
    if (from) into = std::move(from);
}

}  // namespace

bool add_fetch(std::map<std::uint32_t, fetch_data>& messages, fetch_data&& f, bool by_uid) {
    if (by_uid && !f.uid) return false;
    const std::uint32_t key = by_uid ? *f.uid : f.seq;
    auto [it, fresh] = messages.try_emplace(key, std::move(f));
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
    return true;
}

search_result to_search_result(const std::vector<response>& responses) {
    search_result r;
    for (const auto& resp : responses) {
        if (auto* s = std::get_if<search_data>(&resp)) {
            r.ids.insert(r.ids.end(), s->ids.begin(), s->ids.end());
            if (s->modseq) r.modseq = s->modseq;
        } else if (auto* e = std::get_if<esearch_data>(&resp)) {
            // Only with RETURN options, which these commands do not send;
            // kept so that an eager server's answer is not lost.
            if (auto ids = commands::expand_uid_set(e->all)) r.ids.insert(r.ids.end(), ids->begin(), ids->end());
            if (e->modseq) r.modseq = e->modseq;
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
algorithm_ptr<ops::search> make_algorithm(ops::search op) { return one(std::move(op)); }

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
algorithm_ptr<ops::sort> make_algorithm(ops::sort op) { return one(std::move(op)); }

template <>
struct one_command_rules<ops::thread> {
    static engine::preconditions needs(const ops::thread& op, const context&) {
        return needs_capability("THREAD=" + op.algorithm, session_level::selected);
    }
    static std::optional<command_request> command(const ops::thread& op, const context& ctx) {
        return commands::thread(op.algorithm, op.criteria, op.charset, ctx.use_uid);
    }
    static thread_result decode(const ops::thread&, completion& c, const context&) {
        thread_result r;
        for (auto& resp : c.responses)
            if (auto* t = std::get_if<thread_data>(&resp))
                for (auto& n : t->threads) r.threads.push_back(std::move(n));
        return r;
    }
};
algorithm_ptr<ops::thread> make_algorithm(ops::thread op) { return one(std::move(op)); }

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
algorithm_ptr<ops::gmail_search> make_algorithm(ops::gmail_search op) { return one(std::move(op)); }

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
algorithm_ptr<ops::fetch> make_algorithm(ops::fetch op) { return one(std::move(op)); }

// ---- APPEND, MULTIAPPEND ----------------------------------------------------

template <>
struct one_command_rules<ops::append> {
    static engine::preconditions needs(const ops::append&, const context&) { return needs_connection(); }
    static std::optional<command_request> command(const ops::append& op, const context& ctx) {
        return commands::append(op.folder, op.message, op.flags, op.msg_time, ctx.folder_encode);
    }
    static append_result decode(const ops::append&, completion& c, const context&) {
        append_result r;
        if (c.status.code && c.status.code->name == "APPENDUID") {
            if (c.status.code->number) r.uid_validity = static_cast<std::uint32_t>(*c.status.code->number);
            r.uid = to_u32(c.status.code->uid_set);
        }
        return r;
    }
};
algorithm_ptr<ops::append> make_algorithm(ops::append op) { return one(std::move(op)); }

template <>
struct one_command_rules<ops::multiappend> {
    static engine::preconditions needs(const ops::multiappend&, const context&) {
        return needs_capability("MULTIAPPEND", session_level::connected);
    }
    static std::optional<command_request> command(const ops::multiappend& op, const context& ctx) {
        return commands::multiappend(op.folder, op.messages, ctx.folder_encode);
    }
    static append_result decode(const ops::multiappend&, completion& c, const context&) {
        append_result r;
        if (c.status.code && c.status.code->name == "APPENDUID") {
            if (c.status.code->number) r.uid_validity = static_cast<std::uint32_t>(*c.status.code->number);
            if (auto uids = commands::expand_uid_set(c.status.code->uid_set)) r.uids = std::move(*uids);
            if (r.uids.size() == 1) r.uid = r.uids.front();
        }
        return r;
    }
};
algorithm_ptr<ops::multiappend> make_algorithm(ops::multiappend op) { return one(std::move(op)); }

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
algorithm_ptr<ops::copy> make_algorithm(ops::copy op) { return one(std::move(op)); }

template <>
struct one_command_rules<ops::move> {
    static engine::preconditions needs(const ops::move&, const context&) {
        auto p = needs_capability("MOVE", session_level::selected, "MOVE");
        p.writable = true;
        return p;
    }
    static std::optional<command_request> command(const ops::move& op, const context& ctx) {
        return commands::move(op.messages, op.folder, ctx.use_uid, ctx.folder_encode);
    }
    static copy_result decode(const ops::move&, completion& c, const context&) { return to_copy_result(c); }
};
algorithm_ptr<ops::move> make_algorithm(ops::move op) { return one(std::move(op)); }

// ---- EXPUNGE, UID EXPUNGE ---------------------------------------------------

namespace {

expunge_result to_expunge_result(const completion& c) {
    expunge_result r;
    for (const auto& resp : c.responses) {
        if (auto* e = std::get_if<expunge_data>(&resp)) r.expunged.push_back(e->seq);
        else if (auto* v = std::get_if<vanished_data>(&resp))
            if (auto uids = commands::expand_uid_set(v->uids)) r.vanished.insert(r.vanished.end(), uids->begin(), uids->end());
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
bool expunges_by_uid(const ops::expunge& op) { return op.messages && !op.messages->empty(); }

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
    static expunge_result decode(const ops::expunge&, completion& c, const context&) {
        return to_expunge_result(c);
    }
};
algorithm_ptr<ops::expunge> make_algorithm(ops::expunge op) { return one(std::move(op)); }

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
algorithm_ptr<ops::uid_expunge> make_algorithm(ops::uid_expunge op) { return one(std::move(op)); }

}  // namespace imapclient::operations
