// Mailbox operations: SELECT/EXAMINE, CLOSE, UNSELECT, LIST/LSUB/XLIST,
// find_special_folder, folder_exists, STATUS, CREATE/DELETE/RENAME/
// (UN)SUBSCRIBE and NAMESPACE. Each: what it needs, sends and returns.
#include "operations/mailboxes.hpp"

#include "engine/commands.hpp"
#include "engine/commands_folders.hpp"

namespace imapclient::operations {

namespace commands = engine::commands;
using engine::command_request;
using engine::completion;

namespace {

command_result with_responses(completion& c) { return {{}, std::move(c.responses)}; }

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
algorithm_ptr<ops::select_folder> make_algorithm(ops::select_folder op) { return one(std::move(op)); }

template <>
struct one_command_rules<ops::close_folder> : plain_command_rules<ops::close_folder> {
    static std::optional<command_request> command(const ops::close_folder&, const context&) {
        return commands::close();
    }
};
algorithm_ptr<ops::close_folder> make_algorithm(ops::close_folder op) { return one(op); }

namespace {

// UNSELECT (RFC 3691); without it, a failed EXAMINE leaves nothing
// selected and expunges nothing (RFC 3501 6.3.1), unlike CLOSE.
class unselect_algorithm final : public operation<command_result> {
public:
    std::optional<command_request> resume(const context& ctx, completion* last) override {
        switch (step_++) {
        case 0: {
            command_request req = ctx.engine.has_capability("UNSELECT") ? commands::unselect()
                                                                        : commands::examine_nothing();
            fallback_ = !ctx.engine.has_capability("UNSELECT");
            req.needs = needs_selected();
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
        return commands::list(name, op.directory, op.pattern, ctx.folder_encode);
    }
    static folder_list_result decode(const ops::list_folders&, completion& c, const context& ctx) {
        folder_list_result r;
        r.folders = commands::to_folder_infos(c.responses, ctx.folder_encode);
        return r;
    }
};
algorithm_ptr<ops::list_folders> make_algorithm(ops::list_folders op) { return one(std::move(op)); }

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
std::string listed_name(const std::string& folder) { return iequals(folder, "INBOX") ? "INBOX" : folder; }

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
algorithm_ptr<ops::folder_exists> make_algorithm(ops::folder_exists op) { return one(std::move(op)); }

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
algorithm_ptr<ops::folder_status> make_algorithm(ops::folder_status op) { return one(std::move(op)); }

// ---- CREATE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE -------------------------

template <>
struct one_command_rules<ops::create_folder> : plain_command_rules<ops::create_folder> {
    static std::optional<command_request> command(const ops::create_folder& op, const context& ctx) {
        return commands::create(op.folder, ctx.folder_encode);
    }
};
algorithm_ptr<ops::create_folder> make_algorithm(ops::create_folder op) { return one(std::move(op)); }

template <>
struct one_command_rules<ops::delete_folder> : plain_command_rules<ops::delete_folder> {
    static std::optional<command_request> command(const ops::delete_folder& op, const context& ctx) {
        return commands::remove(op.folder, ctx.folder_encode);
    }
};
algorithm_ptr<ops::delete_folder> make_algorithm(ops::delete_folder op) { return one(std::move(op)); }

template <>
struct one_command_rules<ops::rename_folder> : plain_command_rules<ops::rename_folder> {
    static std::optional<command_request> command(const ops::rename_folder& op, const context& ctx) {
        return commands::rename(op.old_name, op.new_name, ctx.folder_encode);
    }
};
algorithm_ptr<ops::rename_folder> make_algorithm(ops::rename_folder op) { return one(std::move(op)); }

template <>
struct one_command_rules<ops::subscribe_folder> : plain_command_rules<ops::subscribe_folder> {
    static std::optional<command_request> command(const ops::subscribe_folder& op, const context& ctx) {
        return commands::subscribe(op.folder, ctx.folder_encode);
    }
};
algorithm_ptr<ops::subscribe_folder> make_algorithm(ops::subscribe_folder op) { return one(std::move(op)); }

template <>
struct one_command_rules<ops::unsubscribe_folder> : plain_command_rules<ops::unsubscribe_folder> {
    static std::optional<command_request> command(const ops::unsubscribe_folder& op, const context& ctx) {
        return commands::unsubscribe(op.folder, ctx.folder_encode);
    }
};
algorithm_ptr<ops::unsubscribe_folder> make_algorithm(ops::unsubscribe_folder op) { return one(std::move(op)); }

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
algorithm_ptr<ops::namespace_> make_algorithm(ops::namespace_ op) { return one(op); }

}  // namespace imapclient::operations
