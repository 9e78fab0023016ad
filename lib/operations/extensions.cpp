// CONDSTORE/QRESYNC (RFC 7162), ACL (RFC 4314), QUOTA (RFC 9208) and
// METADATA (RFC 5464) operations. Like Python IMAPClient, ACL and QUOTA are refused up front
// (capability_missing) when the server does not announce them.
#include "operations/extensions.hpp"

#include "operations/mailboxes.hpp"
#include "operations/messages.hpp"
#include "operations/split.hpp"

#include <algorithm>
#include <charconv>
#include <stdexcept>

namespace imapclient::operations::commands {

namespace {

// A set the server must read as concrete ids: "*" and "$" would make the
// QRESYNC parameter mean something else than the client's cache.
void check_concrete(const sequence_set& s, const char* what) {
    if (s.empty()) throw std::invalid_argument(std::string("QRESYNC: empty ") + what);
    if (s.str().find_first_of("*$") != std::string::npos)
        throw std::invalid_argument(std::string("QRESYNC: ") + what + " must name concrete ids, not '*' or '$'");
}

void check_params(const qresync_params& p) {
    if (p.uid_validity == 0) throw std::invalid_argument("QRESYNC: uid_validity must be non-zero");
    if (p.mod_seq == 0 || p.mod_seq > max_mod_seq)
        throw std::invalid_argument("QRESYNC: mod_seq must be between 1 and 2^63-1");
    if (p.known_uids) check_concrete(*p.known_uids, "known_uids");
    if (p.known_sequence_match) {
        const auto& m = *p.known_sequence_match;
        check_concrete(m.sequence_numbers, "sequence numbers of the sequence match");
        check_concrete(m.uids, "UIDs of the sequence match");
        // RFC 7162 3.2.5.2: both sets list the same messages, pairwise.
        if (m.sequence_numbers.expand().size() != m.uids.expand().size())
            throw std::invalid_argument("QRESYNC: the sequence match's sets name different numbers of messages");
    }
}

}  // namespace

command_request select_qresync(std::string mailbox, const qresync_params& params, bool readonly, bool encode) {
    // Validated now, so that a bad request fails before anything is queued.
    check_params(params);
    // SELECT's routing rules (a barrier that resets the mailbox state),
    // with a build of its own for the parameter.
    command_request r = select(mailbox, readonly, encode);
    r.build = [mailbox = std::move(mailbox), verb = r.name, params, encode](std::string_view tag,
                                                                            const literal_support& l) {
        command_builder b(tag, verb, l);
        b.mailbox(mailbox, encode);
        b.open_paren().atom("QRESYNC").open_paren().number(params.uid_validity).number(params.mod_seq);
        if (params.known_uids) b.set(*params.known_uids);
        if (params.known_sequence_match) {
            b.open_paren().set(params.known_sequence_match->sequence_numbers);
            b.set(params.known_sequence_match->uids).close_paren();
        }
        b.close_paren().close_paren();
        return std::move(b).finish();
    };
    r.collects |= kind_bit<fetch_data>() | kind_bit<vanished_data>();
    r.earlier_vanished_only = true;
    return r;
}

command_request fetch_changed_since(const sequence_set& set, std::vector<std::string> items, std::uint64_t mod_seq,
                                    bool vanished, bool uid) {
    if (vanished && !uid) throw std::invalid_argument("the VANISHED fetch modifier needs UID FETCH");
    if (mod_seq > max_mod_seq) throw std::invalid_argument("CHANGEDSINCE: mod_seq above 2^63-1");
    std::vector<std::string> modifiers{"CHANGEDSINCE " + std::to_string(mod_seq)};
    if (vanished) modifiers.back() += " VANISHED";
    command_request r = fetch(set, items, modifiers, uid);
    if (vanished) {
        r.collects |= kind_bit<vanished_data>();
        r.earlier_vanished_only = true;
        r.exclusive = true;
    }
    return r;
}

command_request store_unchanged_since(const sequence_set& set, flag_change change, std::vector<std::string> flags,
                                      std::uint64_t unchanged_since, bool silent, bool uid) {
    if (unchanged_since > max_mod_seq) throw std::invalid_argument("UNCHANGEDSINCE: mod_seq above 2^63-1");
    std::string item = change == flag_change::add ? "+FLAGS" : change == flag_change::remove ? "-FLAGS" : "FLAGS";
    if (silent) item += ".SILENT";
    command_request r;
    r.name = uid ? "UID STORE" : "STORE";
    r.build = [set, item = std::move(item), flags = std::move(flags), unchanged_since, uid](std::string_view tag,
                                                                                            const literal_support& l) {
        command_builder b(tag, uid ? "UID" : "STORE", l);
        if (uid) b.atom("STORE");
        b.set(set).open_paren().atom("UNCHANGEDSINCE").number(unchanged_since).close_paren();
        b.atom(item).flag_list(flags);
        return std::move(b).finish();
    };
    // Even a silent conditional STORE gets "* n FETCH (UID u MODSEQ (m))".
    r.collects = kind_bit<fetch_data>();
    if (uid)
        r.uid_ranges = uid_ranges(set);
    else
        r.exclusive = true;
    return r;
}

command_request getacl(std::string mailbox, bool encode) {
    auto r = one_mailbox("GETACL", std::move(mailbox), encode);
    r.collects = kind_bit<acl_data>();
    return r;
}

command_request setacl(std::string mailbox, std::string identifier, std::string rights, bool encode) {
    command_request r;
    r.name = rights.empty() ? "DELETEACL" : "SETACL";
    r.build = [name = r.name, mailbox = std::move(mailbox), identifier = std::move(identifier),
               rights = std::move(rights), encode](std::string_view tag, const literal_support& l) {
        command_builder b(tag, name, l);
        b.mailbox(mailbox, encode);
        b.astring(identifier);
        if (!rights.empty()) b.astring(rights);
        return std::move(b).finish();
    };
    return r;
}

command_request getquotaroot(std::string mailbox, bool encode) {
    auto r = one_mailbox("GETQUOTAROOT", std::move(mailbox), encode);
    r.collects = kind_bit<quotaroot_data>() | kind_bit<quota_data>();
    return r;
}

command_request getquota(std::string root) {
    command_request r;
    r.name = "GETQUOTA";
    r.build = [root = std::move(root)](std::string_view tag, const literal_support& l) {
        command_builder b(tag, "GETQUOTA", l);
        b.astring(root);
        return std::move(b).finish();
    };
    r.collects = kind_bit<quota_data>();
    return r;
}

command_request setquota(std::string root, std::vector<std::pair<std::string, std::uint64_t>> limits) {
    command_request r;
    r.name = "SETQUOTA";
    r.build = [root = std::move(root), limits = std::move(limits)](std::string_view tag, const literal_support& l) {
        command_builder b(tag, "SETQUOTA", l);
        b.astring(root).open_paren();
        for (const auto& [resource, limit] : limits) b.atom(resource).number(limit);
        b.close_paren();
        return std::move(b).finish();
    };
    r.collects = kind_bit<quota_data>();
    return r;
}

command_request getmetadata(std::string mailbox, std::vector<std::string> entries,
                            std::optional<std::uint64_t> max_size, metadata_depth depth, bool encode) {
    if (entries.empty()) throw std::invalid_argument("get_metadata: no entries");
    command_request r;
    r.name = "GETMETADATA";
    r.for_mailbox = wire_name(mailbox, encode);
    r.build = [mailbox = std::move(mailbox), entries = std::move(entries), max_size, depth, encode](
                  std::string_view tag, const literal_support& l) {
        command_builder b(tag, "GETMETADATA", l);
        if (max_size || depth != metadata_depth::zero) {
            b.open_paren();
            if (max_size) b.atom("MAXSIZE").number(*max_size);
            if (depth == metadata_depth::one) b.atom("DEPTH").atom("1");
            if (depth == metadata_depth::infinity) b.atom("DEPTH").atom("infinity");
            b.close_paren();
        }
        // "" names the server (METADATA-SERVER): an empty string, not a mailbox.
        if (mailbox.empty()) b.string("");
        else b.mailbox(mailbox, encode);
        b.open_paren();
        for (const auto& e : entries) b.astring(e);
        b.close_paren();
        return std::move(b).finish();
    };
    r.collects = kind_bit<metadata_data>();
    return r;
}

command_request setmetadata(std::string mailbox,
                            std::vector<std::pair<std::string, std::optional<std::string>>> entries, bool encode) {
    if (entries.empty()) throw std::invalid_argument("set_metadata: no entries");
    command_request r;
    r.name = "SETMETADATA";
    r.build = [mailbox = std::move(mailbox), entries = std::move(entries), encode](std::string_view tag,
                                                                                   const literal_support& l) {
        command_builder b(tag, "SETMETADATA", l);
        if (mailbox.empty()) b.string("");
        else b.mailbox(mailbox, encode);
        b.open_paren();
        for (const auto& [entry, value] : entries) {
            b.astring(entry);
            if (value) b.string(*value);
            else b.atom("NIL");
        }
        b.close_paren();
        return std::move(b).finish();
    };
    return r;
}

namespace {

const char* filter_name(notify_target t) {
    switch (t) {
    case notify_target::selected: return "SELECTED";
    case notify_target::selected_delayed: return "SELECTED-DELAYED";
    case notify_target::inboxes: return "INBOXES";
    case notify_target::personal: return "PERSONAL";
    case notify_target::subscribed: return "SUBSCRIBED";
    case notify_target::subtree: return "SUBTREE";
    case notify_target::mailboxes: return "MAILBOXES";
    }
    return "SELECTED";
}

bool is_selected(notify_target t) {
    return t == notify_target::selected || t == notify_target::selected_delayed;
}

}  // namespace

command_request notify(const std::vector<notify_group>& groups, bool status, bool encode) {
    for (const auto& g : groups) {
        const bool named = g.target == notify_target::subtree || g.target == notify_target::mailboxes;
        if (named == g.mailboxes.empty())
            throw std::invalid_argument(named ? "notify: SUBTREE and MAILBOXES need mailbox names"
                                              : "notify: only SUBTREE and MAILBOXES take mailbox names");
        if (!g.message_new_fetch.empty() &&
            (!is_selected(g.target) ||
             std::none_of(g.events.begin(), g.events.end(), [](auto& e) { return iequals(e, "MessageNew"); })))
            throw std::invalid_argument("notify: message_new_fetch needs MessageNew on the selected mailbox");
    }
    command_request r;
    r.name = "NOTIFY";
    r.build = [groups, status, encode](std::string_view tag, const literal_support& l) {
        command_builder b(tag, "NOTIFY", l);
        if (groups.empty()) {
            b.atom("NONE");
            return std::move(b).finish();
        }
        b.atom("SET");
        if (status) b.atom("STATUS");
        for (const auto& g : groups) {
            b.open_paren().atom(filter_name(g.target));
            if (!g.mailboxes.empty()) {
                b.open_paren();
                for (const auto& m : g.mailboxes) b.mailbox(m, encode);
                b.close_paren();
            }
            if (g.events.empty()) {
                b.atom("NONE");
            } else {
                b.open_paren();
                for (const auto& e : g.events) {
                    b.atom(e);
                    if (iequals(e, "MessageNew") && !g.message_new_fetch.empty()) {
                        b.open_paren();
                        for (const auto& item : g.message_new_fetch) b.atom(item);
                        b.close_paren();
                    }
                }
                b.close_paren();
            }
            b.close_paren();
        }
        return std::move(b).finish();
    };
    // NOTIFY changes what the server sends from now on, like ENABLE.
    r.exclusive = true;
    r.collects = kind_bit<status_data>();
    return r;
}

metadata_result to_metadata(const engine::completion& c) {
    metadata_result r;
    for (const auto& resp : c.responses)
        if (auto* m = std::get_if<metadata_data>(&resp))
            r.entries.insert(r.entries.end(), m->entries.begin(), m->entries.end());
    // "OK [METADATA LONGENTRIES 2199] GETMETADATA complete"
    if (c.status.code && c.status.code->name == "METADATA") {
        std::string_view raw = c.status.code->raw;
        constexpr std::string_view key = "LONGENTRIES ";
        if (raw.size() > key.size() && iequals(raw.substr(0, key.size()), key)) {
            std::uint64_t n = 0;
            raw.remove_prefix(key.size());
            if (std::from_chars(raw.data(), raw.data() + raw.size(), n).ec == std::errc{}) r.longest_skipped = n;
        }
    }
    return r;
}

std::vector<quota> to_quotas(const std::vector<response>& responses) {
    std::vector<quota> out;
    for (const auto& r : responses) {
        auto* q = std::get_if<quota_data>(&r);
        if (!q) continue;
        for (const auto& res : q->resources) out.push_back({q->root, res.name, res.usage, res.limit});
    }
    return out;
}

command_request idle() {
    auto r = simple("IDLE");
    r.exclusive = true;
    r.kind = command_kind::idle;
    r.on_continuation = [](std::string_view) -> std::optional<std::string> { return std::nullopt; };
    return r;
}

}  // namespace imapclient::operations::commands

namespace imapclient::operations {

using engine::command_request;
using engine::completion;
using engine::session_level;

namespace {

// A resync after months offline may report millions of vanished UIDs in a
// few ranges; more than this is refused rather than allocated.
constexpr std::size_t max_vanished = 10'000'000;

// RFC 7162 3.2: a QRESYNC server implements CONDSTORE.
engine::preconditions condstore_needs(std::string what) {
    engine::preconditions p = needs_selected();
    p.capability = {"CONDSTORE", "QRESYNC"};
    p.what = std::move(what);
    return p;
}

// Appends the UIDs of VANISHED (EARLIER) data; false when a set is
// malformed or too large to expand.
bool add_vanished(const vanished_data& v, std::vector<std::uint32_t>& out) {
    auto uids = commands::expand_uid_set(v.uids, max_vanished - std::min(max_vanished - 1, out.size()));
    if (!uids) return false;
    out.insert(out.end(), uids->begin(), uids->end());
    return true;
}

// The outcome when a VANISHED set could not be read: the data that came,
// and an error that says to resync fully.
template <typename T>
void fail_on_bad_vanished(outcome<T>& out) {
    if (out.first) return;
    out.first = make_error_code(errc::protocol_violation);
    out.second.status.text =
        "a VANISHED set was malformed or named more than " + std::to_string(max_vanished) + " UIDs; resync fully";
}

}  // namespace

// ---- SELECT (QRESYNC ...) ---------------------------------------------------

template <>
struct one_command_rules<ops::select_folder_qresync> {
    static engine::preconditions needs(const ops::select_folder_qresync&, const context&) {
        engine::preconditions p = needs_capability("QRESYNC", session_level::connected);
        // RFC 7162 3.2.5: SELECT (QRESYNC ...) before ENABLE QRESYNC is a BAD.
        p.enabled = "QRESYNC";
        return p;
    }
    static std::optional<command_request> command(const ops::select_folder_qresync& op, const context& ctx) {
        return commands::select_qresync(op.folder, op.params, op.readonly, ctx.folder_encode);
    }
    // A reply whose sets cannot be read fails the operation, with the data
    // that came: hence an outcome, not just a result.
    static outcome<qresync_select_result> decode(const ops::select_folder_qresync& op, completion& c,
                                                 const context& ctx) {
        using R = qresync_select_result;
        if (c.ec) return with_status<R>(c);
        R r;
        static_cast<select_result&>(r) = selected_result(ctx.engine.mailbox());
        r.uid_validity_changed = !r.uid_validity || *r.uid_validity != op.params.uid_validity;
        // With a mailbox already selected, what the server sent before
        // "OK [CLOSED]" still concerned the old one (RFC 7162 3.2.11).
        auto first = c.responses.begin();
        for (auto it = c.responses.begin(); it != c.responses.end(); ++it)
            if (auto* s = std::get_if<status_response>(&*it); s && s->code && s->code->name == "CLOSED") first = it + 1;
        bool sets_ok = true;
        for (auto it = first; it != c.responses.end(); ++it) {
            if (auto* v = std::get_if<vanished_data>(&*it)) sets_ok = add_vanished(*v, r.vanished) && sets_ok;
            // Without a UID it cannot be matched to a cached message.
            else if (auto* f = std::get_if<fetch_data>(&*it))
                add_fetch(r.changed, std::move(*f), true);
        }
        if (r.uid_validity_changed) {
            // The server is to send nothing then; whatever came is meaningless.
            r.vanished.clear();
            r.changed.clear();
        }
        auto out = with_status(c, std::move(r));
        if (!sets_ok) fail_on_bad_vanished(out);
        return out;
    }
};
algorithm_ptr<ops::select_folder_qresync> make_algorithm(ops::select_folder_qresync op) {
    return one(std::move(op));
}

// ---- FETCH (CHANGEDSINCE ...) ----------------------------------------------

template <>
struct one_command_rules<ops::fetch_changed_since> {
    static engine::preconditions needs(const ops::fetch_changed_since& op, const context&) {
        engine::preconditions p = condstore_needs("CONDSTORE");
        if (op.vanished) p.enabled = "QRESYNC";
        return p;
    }
    static std::optional<command_request> command(const ops::fetch_changed_since& op, const context& ctx) {
        if (op.vanished && !ctx.use_uid) throw std::invalid_argument("the VANISHED modifier needs UID FETCH (use_uid)");
        if (op.messages.empty()) return std::nullopt;
        std::vector<std::string> items = op.items;
        if (items.empty()) items.emplace_back("FLAGS");
        return commands::fetch_changed_since(op.messages, std::move(items), op.mod_seq, op.vanished, ctx.use_uid);
    }
    // A reply whose sets cannot be read fails the operation, with the data
    // that came: hence an outcome, not just a result.
    static outcome<changes_result> decode(const ops::fetch_changed_since&, completion& c, const context& ctx) {
        changes_result r;
        bool sets_ok = true;
        for (auto& resp : c.responses) {
            if (auto* v = std::get_if<vanished_data>(&resp))
                sets_ok = add_vanished(*v, r.vanished) && sets_ok;
            else if (auto* f = std::get_if<fetch_data>(&resp))
                add_fetch(r.messages, std::move(*f), ctx.use_uid);
        }
        if (ctx.normalise_times)
            for (auto& [key, m] : r.messages) commands::normalise_times(m);
        auto out = with_status(c, std::move(r));
        if (!sets_ok) fail_on_bad_vanished(out);
        return out;
    }
};
algorithm_ptr<ops::fetch_changed_since> make_algorithm(ops::fetch_changed_since op) {
    return in_pieces_of_set(std::move(op), [](ops::fetch_changed_since piece) { return one(std::move(piece)); });
}

// ---- STORE (UNCHANGEDSINCE ...) --------------------------------------------

template <>
struct one_command_rules<ops::store_unchanged_since> {
    static engine::preconditions needs(const ops::store_unchanged_since&, const context&) {
        engine::preconditions p = condstore_needs("STORE");
        p.writable = true;
        return p;
    }
    static std::optional<command_request> command(const ops::store_unchanged_since& op, const context& ctx) {
        if (op.messages.empty()) return std::nullopt;
        return commands::store_unchanged_since(op.messages, op.change, op.flags, op.unchanged_since, op.silent,
                                               ctx.use_uid);
    }
    // A reply whose sets cannot be read fails the operation, with the data
    // that came: hence an outcome, not just a result.
    static outcome<conditional_store_result> decode(const ops::store_unchanged_since& op, completion& c,
                                                    const context& ctx) {
        conditional_store_result r;
        for (auto& resp : c.responses) {
            auto* f = std::get_if<fetch_data>(&resp);
            const auto at = f ? fetch_key(*f, ctx.use_uid) : std::nullopt;
            if (!at) continue;
            const std::uint32_t key = *at;
            if (f->modseq) r.modseqs[key] = *f->modseq;
            if (!op.silent && f->flags) r.flags[key] = std::move(*f->flags);
        }
        // OK [MODIFIED 7,9] (or NO [MODIFIED ...] from a server that refused
        // the whole command over it).
        bool unreadable = false;
        std::string_view set_text;
        if (c.status.code && c.status.code->name == "MODIFIED") {
            set_text = c.status.code->uid_set;
            while (!set_text.empty() && set_text.back() == ' ') set_text.remove_suffix(1);
            if (auto ids = commands::expand_uid_set(set_text))
                r.modified = std::move(*ids);
            else
                unreadable = !c.ec;
        }
        auto out = with_status(c, std::move(r));
        if (unreadable) {
            out.first = make_error_code(errc::protocol_violation);
            out.second.status.text = "unreadable [MODIFIED] set: " + std::string(set_text.substr(0, 80));
        }
        return out;
    }
};
algorithm_ptr<ops::store_unchanged_since> make_algorithm(ops::store_unchanged_since op) {
    return in_pieces_of_set(std::move(op), [](ops::store_unchanged_since piece) { return one(std::move(piece)); });
}

// ---- ACL --------------------------------------------------------------------

template <>
struct one_command_rules<ops::getacl> {
    static engine::preconditions needs(const ops::getacl&, const context&) {
        return needs_capability("ACL", session_level::connected);
    }
    static std::optional<command_request> command(const ops::getacl& op, const context& ctx) {
        return commands::getacl(op.folder, ctx.folder_encode);
    }
    static acl_result decode(const ops::getacl&, completion& c, const context&) {
        return {gather(c.responses, &acl_data::entries), {}};
    }
};
algorithm_ptr<ops::getacl> make_algorithm(ops::getacl op) {
    return one(std::move(op));
}

template <>
struct one_command_rules<ops::setacl> {
    static engine::preconditions needs(const ops::setacl&, const context&) {
        return needs_capability("ACL", session_level::connected);
    }
    static std::optional<command_request> command(const ops::setacl& op, const context& ctx) {
        return commands::setacl(op.folder, op.who, op.what, ctx.folder_encode);
    }
    static command_result decode(const ops::setacl&, completion& c, const context&) { return with_responses(c); }
};
algorithm_ptr<ops::setacl> make_algorithm(ops::setacl op) {
    return one(std::move(op));
}

// ---- QUOTA ------------------------------------------------------------------

namespace {

engine::preconditions quota_needs() {
    return needs_capability("QUOTA", session_level::connected);
}

quota_root_result to_quota_root(completion& c, const context& ctx) {
    quota_root_result r;
    for (auto& resp : c.responses) {
        if (auto* q = std::get_if<quotaroot_data>(&resp)) {
            r.mailbox = commands::folder_name_out(q->mailbox, ctx.folder_encode);
            for (auto& root : q->roots) r.quota_roots.push_back(std::move(root));
        }
    }
    r.quotas = commands::to_quotas(c.responses);
    return r;
}

}  // namespace

template <>
struct one_command_rules<ops::get_quota_root> {
    static engine::preconditions needs(const ops::get_quota_root&, const context&) { return quota_needs(); }
    static std::optional<command_request> command(const ops::get_quota_root& op, const context& ctx) {
        return commands::getquotaroot(op.folder, ctx.folder_encode);
    }
    static quota_root_result decode(const ops::get_quota_root&, completion& c, const context& ctx) {
        return to_quota_root(c, ctx);
    }
};
algorithm_ptr<ops::get_quota_root> make_algorithm(ops::get_quota_root op) {
    return one(std::move(op));
}

template <>
struct one_command_rules<ops::get_quota> {
    static engine::preconditions needs(const ops::get_quota&, const context&) { return quota_needs(); }
    static std::optional<command_request> command(const ops::get_quota& op, const context& ctx) {
        return commands::getquotaroot(op.folder, ctx.folder_encode);
    }
    static quota_result decode(const ops::get_quota&, completion& c, const context& ctx) {
        return {to_quota_root(c, ctx).quotas, {}};
    }
};
algorithm_ptr<ops::get_quota> make_algorithm(ops::get_quota op) {
    return one(std::move(op));
}

template <>
struct one_command_rules<ops::get_quota_by_root> {
    static engine::preconditions needs(const ops::get_quota_by_root&, const context&) { return quota_needs(); }
    static std::optional<command_request> command(const ops::get_quota_by_root& op, const context&) {
        return commands::getquota(op.root);
    }
    static quota_result decode(const ops::get_quota_by_root&, completion& c, const context&) {
        return {commands::to_quotas(c.responses), {}};
    }
};
algorithm_ptr<ops::get_quota_by_root> make_algorithm(ops::get_quota_by_root op) {
    return one(std::move(op));
}

namespace {

// SETQUOTA names one root with all its limits: one command per root, in
// the order the roots first appear. RFC 9208 lets the server omit the
// QUOTA response: then GETQUOTA asks for it, so that the result says what
// the limits now are.
class set_quota_algorithm final : public operation<quota_result> {
public:
    explicit set_quota_algorithm(ops::set_quota op) {
        for (auto& q : op.quotas) {
            auto it =
                std::find_if(roots_.begin(), roots_.end(), [&](const auto& r) { return r.first == q.quota_root; });
            if (it == roots_.end()) {
                roots_.emplace_back(q.quota_root, std::vector<std::pair<std::string, std::uint64_t>>{});
                it = std::prev(roots_.end());
            }
            it->second.emplace_back(q.resource, q.limit);
        }
    }

    std::optional<command_request> resume(const context& ctx, completion* last) override {
        if (!last) {
            if (auto r = ctx.engine.check(quota_needs())) {
                result = refused<quota_result>(*r);
                return std::nullopt;
            }
            return next_root();
        }
        auto got = commands::to_quotas(last->responses);
        if (asked_getquota_) {
            asked_getquota_ = false;
            if (!last->ec) add(got);
            return next_root();
        }
        result.second.status = last->status;
        if (last->ec) {
            add(got);
            result.first = last->ec;
            return std::nullopt;
        }
        if (got.empty()) {
            asked_getquota_ = true;
            return commands::getquota(roots_[next_ - 1].first);
        }
        add(got);
        return next_root();
    }

private:
    std::optional<command_request> next_root() {
        if (next_ == roots_.size()) return std::nullopt;
        auto& [root, limits] = roots_[next_++];
        return commands::setquota(root, std::move(limits));
    }
    void add(const std::vector<quota>& got) {
        result.second.quotas.insert(result.second.quotas.end(), got.begin(), got.end());
    }

    std::vector<std::pair<std::string, std::vector<std::pair<std::string, std::uint64_t>>>> roots_;
    std::size_t next_ = 0;
    bool asked_getquota_ = false;
};

}  // namespace

algorithm_ptr<ops::set_quota> make_algorithm(ops::set_quota op) {
    return std::make_unique<set_quota_algorithm>(std::move(op));
}

// ---- NOTIFY -------------------------------------------------------------------

template <>
struct one_command_rules<ops::notify> {
    static engine::preconditions needs(const ops::notify&, const context&) {
        return needs_capability("NOTIFY", engine::session_level::authenticated);
    }
    static std::optional<command_request> command(const ops::notify& op, const context& ctx) {
        return commands::notify(op.groups, op.status, ctx.folder_encode);
    }
    static notify_result decode(const ops::notify&, completion& c, const context& ctx) {
        notify_result r;
        each<status_data>(c.responses, [&](status_data& s) {
            r.mailboxes.emplace_back(commands::folder_name_out(s.mailbox, ctx.folder_encode), commands::status_of(s));
        });
        return r;
    }
};
algorithm_ptr<ops::notify> make_algorithm(ops::notify op) {
    return one(std::move(op));
}

// ---- METADATA -----------------------------------------------------------------

namespace {

// A folder's entries need METADATA; the server's ("") METADATA-SERVER,
// which METADATA implies (RFC 5464 1).
engine::preconditions metadata_needs(const std::string& folder) {
    auto p = needs_capability(folder.empty() ? "METADATA-SERVER" : "METADATA", engine::session_level::connected);
    if (folder.empty()) p.capability.emplace_back("METADATA");
    return p;
}

}  // namespace

template <>
struct one_command_rules<ops::get_metadata> {
    static engine::preconditions needs(const ops::get_metadata& op, const context&) {
        return metadata_needs(op.folder);
    }
    static std::optional<command_request> command(const ops::get_metadata& op, const context& ctx) {
        return commands::getmetadata(op.folder, op.entries, op.max_size, op.depth, ctx.folder_encode);
    }
    static metadata_result decode(const ops::get_metadata&, completion& c, const context&) {
        return commands::to_metadata(c);
    }
};
algorithm_ptr<ops::get_metadata> make_algorithm(ops::get_metadata op) {
    return one(std::move(op));
}

template <>
struct one_command_rules<ops::set_metadata> {
    static engine::preconditions needs(const ops::set_metadata& op, const context&) {
        return metadata_needs(op.folder);
    }
    static std::optional<command_request> command(const ops::set_metadata& op, const context& ctx) {
        return commands::setmetadata(op.folder, op.entries, ctx.folder_encode);
    }
    static command_result decode(const ops::set_metadata&, completion& c, const context&) {
        return with_responses(c);
    }
};
algorithm_ptr<ops::set_metadata> make_algorithm(ops::set_metadata op) {
    return one(std::move(op));
}

}  // namespace imapclient::operations
