// Mailbox operations: SELECT/EXAMINE, CLOSE, UNSELECT, LIST/LSUB/XLIST,
// find_special_folder, folder_exists, STATUS, CREATE/DELETE/RENAME/
// (UN)SUBSCRIBE and NAMESPACE. Each: what it needs, sends and returns.
#include "operations/mailboxes.hpp"

#include <imapclient/utf7.hpp>

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <unordered_map>

namespace imapclient {

bool folder_info::has_flag(std::string_view flag) const {
    return std::any_of(flags.begin(), flags.end(), [&](const std::string& f) { return iequals(f, flag); });
}

}  // namespace imapclient

namespace imapclient::operations::commands {

namespace {

std::uint32_t clamp32(std::uint64_t v) {
    // A count beyond 2^32 is a server bug; the best reading is the largest.
    return v > std::numeric_limits<std::uint32_t>::max() ? std::numeric_limits<std::uint32_t>::max()
                                                         : static_cast<std::uint32_t>(v);
}

std::string with_backslash(std::string_view attribute) {
    if (!attribute.empty() && attribute.front() == '\\') return std::string(attribute);
    return "\\" + std::string(attribute);
}

bool selectable(const list_data& l) {
    for (const auto& f : l.flags)
        if (iequals(f, "\\Noselect") || iequals(f, "\\NonExistent")) return false;
    return true;
}

// XLIST (Gmail's pre-RFC 6154 command) names three special uses differently.
std::string_view xlist_synonym(std::string_view attribute) {
    static constexpr std::pair<std::string_view, std::string_view> pairs[] = {
        {"\\All", "\\AllMail"}, {"\\Junk", "\\Spam"}, {"\\Flagged", "\\Starred"}};
    for (const auto& [rfc6154, xlist] : pairs) {
        if (iequals(attribute, rfc6154)) return xlist;
        if (iequals(attribute, xlist)) return rfc6154;
    }
    return {};
}

}  // namespace

command_request select(std::string mailbox, bool readonly, bool encode) {
    command_request r;
    r.name = readonly ? "EXAMINE" : "SELECT";
    r.mailbox = mailbox;
    r.build = [mailbox = std::move(mailbox), name = r.name, encode](std::string_view tag, const literal_support& l) {
        command_builder b(tag, name, l);
        b.mailbox(mailbox, encode);
        return std::move(b).finish();
    };
    r.exclusive = true;
    r.kind = readonly ? command_kind::examine : command_kind::select;
    r.collects =
        kind_bit<flags_data>() | kind_bit<exists_data>() | kind_bit<recent_data>() | kind_bit<status_response>();
    // The mailbox state has them: a server repeating "* 3 EXISTS" a million
    // times before the OK costs nothing.
    r.discards = kind_bit<flags_data>() | kind_bit<exists_data>() | kind_bit<recent_data>();
    return r;
}

command_request close() {
    auto r = simple("CLOSE");
    r.exclusive = true;
    r.kind = command_kind::unselect;
    return r;
}

command_request unselect() {
    command_request r;
    r.name = "UNSELECT";
    r.build = [](std::string_view tag, const literal_support& l) {
        command_builder b(tag, "UNSELECT", l);
        return std::move(b).finish();
    };
    r.exclusive = true;
    r.kind = command_kind::unselect;
    return r;
}

std::string_view impossible_mailbox() {
    return "imapclient-unselect-9c1f4e7a2b-no-such-mailbox";
}

command_request examine_nothing() {
    command_request r;
    r.name = "EXAMINE";
    r.build = [](std::string_view tag, const literal_support& l) {
        command_builder b(tag, "EXAMINE", l);
        b.astring(impossible_mailbox());
        return std::move(b).finish();
    };
    r.exclusive = true;
    r.kind = command_kind::examine;
    // As SELECT: whatever the server says about the (non-)mailbox is ours.
    r.collects =
        kind_bit<flags_data>() | kind_bit<exists_data>() | kind_bit<recent_data>() | kind_bit<status_response>();
    return r;
}

command_request list(std::string_view command, std::string directory, std::string pattern, bool encode,
                     std::vector<std::string> return_options) {
    if (!iequals(command, "LIST") && !iequals(command, "LSUB") && !iequals(command, "XLIST"))
        throw std::invalid_argument("commands::list: not a LIST command: " + std::string(command));
    command_request r;
    r.name = std::string(command);
    r.build = [name = r.name, directory = std::move(directory), pattern = std::move(pattern), encode,
               ret = std::move(return_options)](std::string_view tag, const literal_support& l) {
        command_builder b(tag, name, l);
        b.mailbox(directory, encode);
        b.mailbox(pattern, encode);
        if (!ret.empty()) {
            b.atom("RETURN").open_paren();
            for (const auto& o : ret) b.atom(o);
            b.close_paren();
        }
        return std::move(b).finish();
    };
    r.collects = kind_bit<list_data>();
    return r;
}

command_request list_extended(std::string directory, const list_options& options, bool encode) {
    if (options.patterns.empty()) throw std::invalid_argument("list_extended: no patterns");
    std::vector<std::string> selection, returns;
    if (options.subscribed) selection.emplace_back("SUBSCRIBED");
    if (options.remote) selection.emplace_back("REMOTE");
    if (options.recursive_match) selection.emplace_back("RECURSIVEMATCH");
    if (options.special_use) selection.emplace_back("SPECIAL-USE");
    if (options.return_subscribed) returns.emplace_back("SUBSCRIBED");
    if (options.return_children) returns.emplace_back("CHILDREN");
    if (options.return_special_use) returns.emplace_back("SPECIAL-USE");
    // RFC 5258 3: RECURSIVEMATCH alone is a syntax error.
    if (options.recursive_match && selection.size() == 1)
        throw std::invalid_argument("list_extended: recursive_match needs another selection option");
    command_request r;
    r.name = "LIST";
    r.build = [directory = std::move(directory), patterns = options.patterns, status = options.status,
               selection = std::move(selection), returns = std::move(returns),
               encode](std::string_view tag, const literal_support& l) {
        command_builder b(tag, "LIST", l);
        if (!selection.empty()) {
            b.open_paren();
            for (const auto& o : selection) b.atom(o);
            b.close_paren();
        }
        b.mailbox(directory, encode);
        if (patterns.size() > 1) b.open_paren();
        for (const auto& p : patterns) b.mailbox(p, encode);
        if (patterns.size() > 1) b.close_paren();
        if (!returns.empty() || !status.empty()) {
            b.atom("RETURN").open_paren();
            for (const auto& o : returns) b.atom(o);
            if (!status.empty()) {
                b.atom("STATUS").open_paren();
                for (const auto& i : status) b.atom(i);
                b.close_paren();
            }
            b.close_paren();
        }
        return std::move(b).finish();
    };
    r.collects = kind_bit<list_data>();
    // LIST-STATUS answers with STATUS data beside the LIST data; like
    // folder_status(), one such command at a time keeps them apart.
    if (!options.status.empty()) r.collects |= kind_bit<status_data>();
    return r;
}

command_request create_special(std::string mailbox, std::vector<std::string> special_use, bool encode) {
    if (special_use.empty()) return create(std::move(mailbox), encode);
    command_request r;
    r.name = "CREATE";
    for (auto& u : special_use) u = with_backslash(u);
    r.build = [mailbox = std::move(mailbox), uses = std::move(special_use), encode](std::string_view tag,
                                                                                    const literal_support& l) {
        command_builder b(tag, "CREATE", l);
        b.mailbox(mailbox, encode);
        b.open_paren().atom("USE").flag_list(uses).close_paren();
        return std::move(b).finish();
    };
    return r;
}

const std::vector<std::string>& default_status_items() {
    static const std::vector<std::string> items = {"MESSAGES", "RECENT", "UIDNEXT", "UIDVALIDITY", "UNSEEN"};
    return items;
}

command_request status(std::string mailbox, std::vector<std::string> items, bool encode) {
    if (items.empty()) items = default_status_items();
    command_request r;
    r.for_mailbox = wire_name(mailbox, encode);
    r.name = "STATUS";
    r.build = [mailbox = std::move(mailbox), items = std::move(items), encode](std::string_view tag,
                                                                               const literal_support& l) {
        command_builder b(tag, "STATUS", l);
        b.mailbox(mailbox, encode);
        b.open_paren();
        for (const auto& i : items) b.atom(i);
        b.close_paren();
        return std::move(b).finish();
    };
    // One STATUS at a time: its data names a mailbox, but the same mailbox
    // may be asked for twice, so only exclusivity keeps answers apart.
    r.collects = kind_bit<status_data>();
    return r;
}

command_request create(std::string mailbox, bool encode) {
    return one_mailbox("CREATE", std::move(mailbox), encode);
}

command_request remove(std::string mailbox, bool encode) {
    auto r = one_mailbox("DELETE", std::move(mailbox), encode);
    // Deleting the selected mailbox changes what every pipelined command
    // would act on (servers answer with BYE or expunge everything).
    r.exclusive = true;
    return r;
}

command_request subscribe(std::string mailbox, bool encode) {
    return one_mailbox("SUBSCRIBE", std::move(mailbox), encode);
}

command_request unsubscribe(std::string mailbox, bool encode) {
    return one_mailbox("UNSUBSCRIBE", std::move(mailbox), encode);
}

command_request rename(std::string from, std::string to, bool encode) {
    command_request r;
    r.name = "RENAME";
    r.build = [from = std::move(from), to = std::move(to), encode](std::string_view tag, const literal_support& l) {
        command_builder b(tag, "RENAME", l);
        b.mailbox(from, encode);
        b.mailbox(to, encode);
        return std::move(b).finish();
    };
    // Renaming the selected mailbox (or INBOX, which moves its messages)
    // must not race commands acting on it.
    r.exclusive = true;
    return r;
}

command_request namespace_() {
    command_request r;
    r.name = "NAMESPACE";
    r.build = [](std::string_view tag, const literal_support& l) {
        command_builder b(tag, "NAMESPACE", l);
        return std::move(b).finish();
    };
    r.collects = kind_bit<namespace_data>();
    return r;
}

std::string folder_name_out(std::string_view wire_name, bool decode) {
    return decode ? decode_utf7(wire_name) : std::string(wire_name);
}

std::string wire_name(std::string_view name, bool encode) {
    return encode ? encode_utf7(name) : std::string(name);
}

folder_info to_folder_info(const list_data& l, bool decode) {
    folder_info f;
    f.flags = l.flags;
    f.delimiter = l.delimiter;
    f.name = folder_name_out(l.name, decode);
    return f;
}

std::vector<folder_info> to_folder_infos(const std::vector<response>& responses, bool decode) {
    std::vector<folder_info> out;
    for (const auto& r : responses)
        if (auto* l = std::get_if<list_data>(&r)) out.push_back(to_folder_info(*l, decode));
    return out;
}

std::vector<listed_folder> to_listed_folders(const std::vector<response>& responses, bool decode) {
    std::vector<listed_folder> out;
    std::unordered_map<std::string_view, std::size_t> by_wire_name;  // LIST-STATUS matches by the name as sent
    for (const auto& r : responses) {
        auto* l = std::get_if<list_data>(&r);
        if (!l) continue;
        listed_folder f;
        static_cast<folder_info&>(f) = to_folder_info(*l, decode);
        // Extended items come as tag/value pairs: ("CHILDINFO" ("SUBSCRIBED")).
        for (std::size_t i = 0; i + 1 < l->extended.size(); i += 2) {
            const auto& tag = l->extended[i].text;
            const auto& value = l->extended[i + 1];
            if (iequals(tag, "CHILDINFO")) {
                for (const auto& v : value.items) f.child_info.push_back(v.text);
            } else if (iequals(tag, "OLDNAME") && value.items.size() == 1) {
                f.old_name = folder_name_out(value.items.front().text, decode);
            }
        }
        by_wire_name.emplace(l->name, out.size());
        out.push_back(std::move(f));
    }
    for (const auto& r : responses) {
        auto* s = std::get_if<status_data>(&r);
        if (!s) continue;
        if (auto it = by_wire_name.find(s->mailbox); it != by_wire_name.end()) out[it->second].status = status_of(*s);
    }
    return out;
}

folder_status_result to_folder_status(const std::vector<response>& responses) {
    folder_status_result out;
    for (const auto& r : responses) {
        auto* s = std::get_if<status_data>(&r);
        if (!s) continue;
        auto one = status_of(*s);
        // Several STATUS responses (a server that splits them): items add up.
        auto take = [](auto& to, auto& from) {
            if (from) to = from;
        };
        take(out.messages, one.messages);
        take(out.recent, one.recent);
        take(out.uid_next, one.uid_next);
        take(out.uid_validity, one.uid_validity);
        take(out.unseen, one.unseen);
        take(out.highest_modseq, one.highest_modseq);
        take(out.size, one.size);
        take(out.append_limit, one.append_limit);
        take(out.mailbox_id, one.mailbox_id);
        out.items.insert(out.items.end(), one.items.begin(), one.items.end());
        out.other.insert(out.other.end(), one.other.begin(), one.other.end());
    }
    return out;
}

folder_status_result status_of(const status_data& s) {
    folder_status_result out;
    for (const auto& [name, value] : s.items) {
        out.items.emplace_back(name, value);
        if (name == "MESSAGES")
            out.messages = clamp32(value);
        else if (name == "RECENT")
            out.recent = clamp32(value);
        else if (name == "UIDNEXT")
            out.uid_next = clamp32(value);
        else if (name == "UIDVALIDITY")
            out.uid_validity = clamp32(value);
        else if (name == "UNSEEN")
            out.unseen = clamp32(value);
        else if (name == "HIGHESTMODSEQ")
            out.highest_modseq = value;
        else if (name == "SIZE")
            out.size = value;
        else if (name == "APPENDLIMIT")
            out.append_limit = value;
    }
    for (const auto& [name, value] : s.other) {
        out.other.emplace_back(name, value);
        // "MAILBOXID (F2212ea87-6097-4256-9d51-71338625)"
        if (name == "MAILBOXID" && value.items.size() == 1) out.mailbox_id = value.items.front().text;
    }
    return out;
}

namespace_result to_namespace(const std::vector<response>& responses, bool decode) {
    namespace_result out;
    auto convert = [decode](std::vector<namespace_entry> in) {
        for (auto& e : in) e.prefix = folder_name_out(e.prefix, decode);
        return in;
    };
    for (const auto& r : responses) {
        if (auto* n = std::get_if<namespace_data>(&r)) {
            out.personal = convert(n->personal);
            out.other = convert(n->other);
            out.shared = convert(n->shared);
        }
    }
    return out;
}

const std::vector<std::string>& popular_special_folder_names(std::string_view attribute) {
    // Python IMAPClient's _POPULAR_SPECIAL_FOLDERS, with a few more names common
    // providers use (Outlook's "Junk E-mail", Yahoo's "Bulk Mail").
    static const std::vector<std::pair<std::string, std::vector<std::string>>> table = {
        {"\\Sent", {"Sent", "Sent Items", "Sent items", "Sent Messages", "Sent Mail"}},
        {"\\Drafts", {"Drafts", "Draft"}},
        {"\\Archive", {"Archive", "Archives"}},
        {"\\Trash", {"Trash", "Deleted Items", "Deleted Messages", "Deleted", "Bin"}},
        {"\\Junk", {"Junk", "Spam", "Junk E-mail", "Junk Mail", "Bulk Mail"}},
        {"\\All", {"All Mail", "All"}},
    };
    static const std::vector<std::string> none;
    const std::string want = with_backslash(attribute);
    for (const auto& [attr, names] : table)
        if (iequals(attr, want)) return names;
    return none;
}

const list_data* find_by_attribute(const std::vector<list_data>& folders, std::string_view attribute) {
    const std::string want = with_backslash(attribute);
    const std::string_view synonym = xlist_synonym(want);
    for (const auto& l : folders)
        for (const auto& f : l.flags)
            if (iequals(f, want) || (!synonym.empty() && iequals(f, synonym))) return &l;
    return nullptr;
}

const list_data* find_by_popular_name(const std::vector<list_data>& folders, std::string_view attribute,
                                      const std::vector<std::string>& personal_prefixes) {
    const auto& names = popular_special_folder_names(attribute);
    for (const auto& prefix : personal_prefixes)
        for (const auto& name : names)
            for (const auto& l : folders)
                if (selectable(l) && iequals(l.name, prefix + name)) return &l;
    return nullptr;
}

}  // namespace imapclient::operations::commands

namespace imapclient::operations {

using engine::command_request;
using engine::completion;

namespace {

std::vector<list_data> list_data_of(std::vector<response>& responses) {
    std::vector<list_data> out;
    for (auto& r : responses)
        if (auto* l = std::get_if<list_data>(&r)) out.push_back(std::move(*l));
    return out;
}

// Operations that send one command and return its reply and untagged data.
template <typename Op>
struct plain_command_rules {
    static engine::preconditions needs(const Op&, const context&) { return needs_connection(); }
    static command_result decode(const Op&, completion& c, const context&) { return with_responses(c); }
};

}  // namespace

select_result selected_result(const mailbox_state& m) {
    select_result r;
    r.exists = m.exists;
    r.recent = m.recent;
    r.uid_validity = m.uid_validity;
    r.uid_next = m.uid_next;
    r.unseen = m.unseen;
    r.highest_modseq = m.highest_modseq;
    r.flags = m.flags;
    r.permanent_flags = m.permanent_flags;
    r.readonly = m.readonly;
    return r;
}

// ---- SELECT / EXAMINE, CLOSE, UNSELECT ------------------------------------

template <>
struct one_command_rules<ops::select_folder> {
    static engine::preconditions needs(const ops::select_folder&, const context&) { return needs_connection(); }
    static std::optional<command_request> command(const ops::select_folder& op, const context& ctx) {
        return commands::select(op.folder, op.readonly, ctx.folder_encode);
    }
    static select_result decode(const ops::select_folder&, completion& c, const context& ctx) {
        if (c.ec) return {};
        return selected_result(ctx.engine.mailbox());
    }
};
algorithm_ptr<ops::select_folder> make_algorithm(ops::select_folder op) {
    return one(std::move(op));
}

template <>
struct one_command_rules<ops::close_folder> : plain_command_rules<ops::close_folder> {
    static std::optional<command_request> command(const ops::close_folder&, const context&) {
        return commands::close();
    }
};
algorithm_ptr<ops::close_folder> make_algorithm(ops::close_folder op) {
    return one(op);
}

namespace {

// UNSELECT (RFC 3691); without it, a failed EXAMINE leaves nothing
// selected and expunges nothing (RFC 3501 6.3.1), unlike CLOSE.
class unselect_algorithm final : public operation<command_result> {
public:
    std::optional<command_request> resume(const context& ctx, completion* last) override {
        switch (step_++) {
            case 0: {
                command_request req =
                    ctx.engine.has_capability("UNSELECT") ? commands::unselect() : commands::examine_nothing();
                fallback_ = !ctx.engine.has_capability("UNSELECT");
                req.needs = needs_selected();
                req.sees_unsolicited = !fallback_;  // the fallback's EXAMINE collects what comes
                return req;
            }
            case 1: {
                const bool examined = fallback_ && !last->ec;
                // The NO is what was wanted: nothing is selected now.
                if (fallback_ && last->ec == make_error_code(errc::no)) last->ec = {};
                result = with_status(*last, with_responses(*last));
                // The impossible name exists after all: it is selected
                // read-only, so CLOSE deselects it without expunging anything.
                if (examined) return commands::close();
                return std::nullopt;
            }
            default:
                result = with_status(*last, with_responses(*last));
                return std::nullopt;
        }
    }

private:
    int step_ = 0;
    bool fallback_ = false;
};

}  // namespace

algorithm_ptr<ops::unselect_folder> make_algorithm(ops::unselect_folder) {
    return std::make_unique<unselect_algorithm>();
}

// ---- LIST / LSUB / XLIST and what is built on them --------------------------

template <>
struct one_command_rules<ops::list_folders> {
    static engine::preconditions needs(const ops::list_folders&, const context&) { return needs_connection(); }
    static std::optional<command_request> command(const ops::list_folders& op, const context& ctx) {
        const char* name = op.command == list_command::list   ? "LIST"
                           : op.command == list_command::lsub ? "LSUB"
                                                              : "XLIST";
        // IMAP4rev2 has no LSUB: LIST (SUBSCRIBED) says the same (RFC 9051 6.3.9).
        if (op.command == list_command::lsub && ctx.engine.is_enabled("IMAP4REV2")) {
            list_options subscribed;
            subscribed.patterns = {op.pattern};
            subscribed.subscribed = true;
            return commands::list_extended(op.directory, subscribed, ctx.folder_encode);
        }
        return commands::list(name, op.directory, op.pattern, ctx.folder_encode);
    }
    static folder_list_result decode(const ops::list_folders&, completion& c, const context& ctx) {
        folder_list_result r;
        r.folders = commands::to_folder_infos(c.responses, ctx.folder_encode);
        return r;
    }
};
algorithm_ptr<ops::list_folders> make_algorithm(ops::list_folders op) {
    return one(std::move(op));
}

template <>
struct one_command_rules<ops::list_extended> {
    // The most specific extension the options use: LIST-STATUS and
    // SPECIAL-USE both build on LIST-EXTENDED.
    static engine::preconditions needs(const ops::list_extended& op, const context&) {
        const auto& o = op.options;
        if (!o.status.empty()) return needs_capability("LIST-STATUS", engine::session_level::connected);
        if (o.special_use || o.return_special_use)
            return needs_capability("SPECIAL-USE", engine::session_level::connected);
        return needs_capability("LIST-EXTENDED", engine::session_level::connected);
    }
    static std::optional<command_request> command(const ops::list_extended& op, const context& ctx) {
        return commands::list_extended(op.directory, op.options, ctx.folder_encode);
    }
    static folder_tree_result decode(const ops::list_extended&, completion& c, const context& ctx) {
        return {commands::to_listed_folders(c.responses, ctx.folder_encode), {}};
    }
};
algorithm_ptr<ops::list_extended> make_algorithm(ops::list_extended op) {
    return one(std::move(op));
}

namespace {

// The folder with a SPECIAL-USE attribute: LIST (asking for the attributes
// where LIST-EXTENDED allows), then XLIST where offered, then common names
// under the personal namespaces (Python IMAPClient's fallback).
class special_folder_algorithm final : public operation<std::optional<std::string>> {
public:
    explicit special_folder_algorithm(ops::find_special_folder op) : op_(std::move(op)) {}

    std::optional<command_request> resume(const context& ctx, completion* last) override {
        const auto& eng = ctx.engine;
        if (last && last->ec) {
            result = {last->ec, std::nullopt};
            return std::nullopt;
        }
        switch (step_) {
            case step::start: {
                // RFC 6154: RETURN (SPECIAL-USE) asks for the attributes
                // explicitly; servers without LIST-EXTENDED may still put them
                // in a plain LIST.
                std::vector<std::string> ret;
                if (eng.has_capability("SPECIAL-USE") && eng.has_capability("LIST-EXTENDED"))
                    ret.push_back("SPECIAL-USE");
                auto req = commands::list("LIST", "", "*", ctx.folder_encode, std::move(ret));
                req.needs = needs_connection();
                step_ = step::listed;
                return req;
            }
            case step::listed:
                all_ = list_data_of(last->responses);
                if (found(all_, ctx)) return std::nullopt;
                if (eng.has_capability("XLIST")) {
                    step_ = step::xlisted;
                    return commands::list("XLIST", "", "*", ctx.folder_encode);
                }
                return ask_namespace(ctx);
            case step::xlisted: {
                const auto xl = list_data_of(last->responses);
                if (found(xl, ctx)) return std::nullopt;
                return ask_namespace(ctx);
            }
            case step::namespaces:
                for (auto& resp : last->responses)
                    if (auto* ns = std::get_if<namespace_data>(&resp))
                        for (auto& e : ns->personal) prefixes_.push_back(e.prefix);
                return by_popular_name(ctx);
        }
        return std::nullopt;
    }

private:
    enum class step { start, listed, xlisted, namespaces };

    bool found(const std::vector<list_data>& folders, const context& ctx) {
        const list_data* l = commands::find_by_attribute(folders, op_.attribute);
        if (l) result = {{}, commands::folder_name_out(l->name, ctx.folder_encode)};
        return l != nullptr;
    }
    std::optional<command_request> ask_namespace(const context& ctx) {
        if (!ctx.engine.has_capability("NAMESPACE")) return by_popular_name(ctx);
        step_ = step::namespaces;
        return commands::namespace_();
    }
    std::optional<command_request> by_popular_name(const context& ctx) {
        if (prefixes_.empty()) prefixes_ = {"", "INBOX."};
        if (auto* l = commands::find_by_popular_name(all_, op_.attribute, prefixes_))
            result = {{}, commands::folder_name_out(l->name, ctx.folder_encode)};
        return std::nullopt;
    }

    ops::find_special_folder op_;
    step step_ = step::start;
    std::vector<list_data> all_;
    std::vector<std::string> prefixes_;
};

}  // namespace

algorithm_ptr<ops::find_special_folder> make_algorithm(ops::find_special_folder op) {
    return std::make_unique<special_folder_algorithm>(std::move(op));
}

namespace {

// INBOX is case-insensitive (RFC 3501 5.1), but not every server's LIST
// pattern matching knows it (Cyrus lists nothing for "inbox").
std::string listed_name(const std::string& folder) {
    return iequals(folder, "INBOX") ? "INBOX" : folder;
}

}  // namespace

template <>
struct one_command_rules<ops::folder_exists> {
    static engine::preconditions needs(const ops::folder_exists&, const context&) { return needs_connection(); }
    static std::optional<command_request> command(const ops::folder_exists& op, const context& ctx) {
        return commands::list("LIST", "", listed_name(op.folder), ctx.folder_encode);
    }
    static bool decode(const ops::folder_exists& op, completion& c, const context& ctx) {
        if (c.ec) return false;
        // The name is a LIST pattern: "%" and "*" in it match other folders
        // too, so only an exact match counts. INBOX is case-insensitive.
        const std::string folder = listed_name(op.folder);
        for (const auto& f : commands::to_folder_infos(c.responses, ctx.folder_encode))
            if (f.name == folder || (iequals(f.name, "INBOX") && iequals(folder, "INBOX"))) return true;
        return false;
    }
};
algorithm_ptr<ops::folder_exists> make_algorithm(ops::folder_exists op) {
    return one(std::move(op));
}

template <>
struct one_command_rules<ops::folder_status> {
    static engine::preconditions needs(const ops::folder_status&, const context&) { return needs_connection(); }
    static std::optional<command_request> command(const ops::folder_status& op, const context& ctx) {
        return commands::status(op.folder, op.what, ctx.folder_encode);
    }
    static folder_status_result decode(const ops::folder_status&, completion& c, const context&) {
        return commands::to_folder_status(c.responses);
    }
};
algorithm_ptr<ops::folder_status> make_algorithm(ops::folder_status op) {
    return one(std::move(op));
}

// ---- CREATE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE -------------------------

template <>
struct one_command_rules<ops::create_folder> : plain_command_rules<ops::create_folder> {
    static engine::preconditions needs(const ops::create_folder& op, const context&) {
        if (op.special_use.empty()) return needs_connection();
        return needs_capability("CREATE-SPECIAL-USE", engine::session_level::connected);
    }
    static std::optional<command_request> command(const ops::create_folder& op, const context& ctx) {
        return commands::create_special(op.folder, op.special_use, ctx.folder_encode);
    }
};
algorithm_ptr<ops::create_folder> make_algorithm(ops::create_folder op) {
    return one(std::move(op));
}

template <>
struct one_command_rules<ops::delete_folder> : plain_command_rules<ops::delete_folder> {
    static std::optional<command_request> command(const ops::delete_folder& op, const context& ctx) {
        return commands::remove(op.folder, ctx.folder_encode);
    }
};
algorithm_ptr<ops::delete_folder> make_algorithm(ops::delete_folder op) {
    return one(std::move(op));
}

template <>
struct one_command_rules<ops::rename_folder> : plain_command_rules<ops::rename_folder> {
    static std::optional<command_request> command(const ops::rename_folder& op, const context& ctx) {
        return commands::rename(op.old_name, op.new_name, ctx.folder_encode);
    }
};
algorithm_ptr<ops::rename_folder> make_algorithm(ops::rename_folder op) {
    return one(std::move(op));
}

template <>
struct one_command_rules<ops::subscribe_folder> : plain_command_rules<ops::subscribe_folder> {
    static std::optional<command_request> command(const ops::subscribe_folder& op, const context& ctx) {
        return commands::subscribe(op.folder, ctx.folder_encode);
    }
};
algorithm_ptr<ops::subscribe_folder> make_algorithm(ops::subscribe_folder op) {
    return one(std::move(op));
}

template <>
struct one_command_rules<ops::unsubscribe_folder> : plain_command_rules<ops::unsubscribe_folder> {
    static std::optional<command_request> command(const ops::unsubscribe_folder& op, const context& ctx) {
        return commands::unsubscribe(op.folder, ctx.folder_encode);
    }
};
algorithm_ptr<ops::unsubscribe_folder> make_algorithm(ops::unsubscribe_folder op) {
    return one(std::move(op));
}

// ---- NAMESPACE ------------------------------------------------------------

template <>
struct one_command_rules<ops::namespace_> {
    static engine::preconditions needs(const ops::namespace_&, const context&) {
        return needs_capability("NAMESPACE", engine::session_level::connected);
    }
    static std::optional<command_request> command(const ops::namespace_&, const context&) {
        return commands::namespace_();
    }
    static namespace_result decode(const ops::namespace_&, completion& c, const context& ctx) {
        return commands::to_namespace(c.responses, ctx.folder_encode);
    }
};
algorithm_ptr<ops::namespace_> make_algorithm(ops::namespace_ op) {
    return one(op);
}

}  // namespace imapclient::operations
