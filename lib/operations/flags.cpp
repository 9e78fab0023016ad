// Flags and Gmail labels: reading them is a FETCH, changing them a STORE
// whose untagged FETCH replies are the result (none when silent). Python
// IMAPClient returns {} for no messages without asking the server; so do
// these (after the session checks).
#include "operations/flags.hpp"

#include <imapclient/utf7.hpp>
#include "operations/messages.hpp"
#include "operations/split.hpp"

namespace imapclient::operations::commands {

command_request store(const sequence_set& set, flag_change mode, bool gmail_labels, std::vector<std::string> values,
                      bool silent, bool uid) {
    std::string item = mode == flag_change::add ? "+" : mode == flag_change::remove ? "-" : "";
    item += gmail_labels ? "X-GM-LABELS" : "FLAGS";
    if (silent) item += ".SILENT";
    command_request r;
    r.name = uid ? "UID STORE" : "STORE";
    r.build = [set, item = std::move(item), values = std::move(values), gmail_labels, uid](std::string_view tag,
                                                                                           const literal_support& l) {
        auto b = start_command(tag, "STORE", uid, l);
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
        if (!silent) r.seq_ranges = uid_ranges(set);  // the same set syntax
    }
    return r;
}

}  // namespace imapclient::operations::commands

namespace imapclient::operations {

using engine::command_request;
using engine::completion;
using engine::session_level;

namespace {

// Each message's flags, or its labels decoded from modified UTF-7, keyed
// like FETCH results.
flags_result to_flags_result(completion& c, bool labels, bool by_uid) {
    flags_result r;
    for (auto& resp : c.responses) {
        auto* f = std::get_if<fetch_data>(&resp);
        const auto at = f ? fetch_key(*f, by_uid) : std::nullopt;
        if (!at) continue;
        const std::uint32_t key = *at;
        if (labels && f->gmail_labels) {
            std::vector<std::string> decoded;
            decoded.reserve(f->gmail_labels->size());
            for (const auto& l : *f->gmail_labels) decoded.push_back(decode_utf7(l));
            r.messages[key] = std::move(decoded);
        } else if (!labels && f->flags) {
            r.messages[key] = std::move(*f->flags);
        }
    }
    return r;
}

engine::preconditions labels_needs() {
    return needs_capability("X-GM-EXT-1", session_level::selected, "X-GM-LABELS");
}

engine::preconditions store_needs(engine::preconditions p) {
    p.writable = true;
    p.what = p.what.empty() ? "STORE" : p.what;
    return p;
}

std::optional<command_request> fetch_item(const sequence_set& set, const char* item, const context& ctx) {
    if (set.empty()) return std::nullopt;
    return commands::fetch(set, {item}, {}, ctx.use_uid);
}

}  // namespace

template <>
struct one_command_rules<ops::get_flags> {
    static engine::preconditions needs(const ops::get_flags&, const context&) { return needs_selected(); }
    static std::optional<command_request> command(const ops::get_flags& op, const context& ctx) {
        return fetch_item(op.messages, "FLAGS", ctx);
    }
    static flags_result decode(const ops::get_flags&, completion& c, const context& ctx) {
        return to_flags_result(c, false, ctx.use_uid);
    }
};
algorithm_ptr<ops::get_flags> make_algorithm(ops::get_flags op) {
    return in_pieces_of_set(std::move(op), [](ops::get_flags piece) { return one(std::move(piece)); });
}

template <>
struct one_command_rules<ops::store_flags> {
    static engine::preconditions needs(const ops::store_flags&, const context&) {
        return store_needs(needs_selected());
    }
    static std::optional<command_request> command(const ops::store_flags& op, const context& ctx) {
        if (op.messages.empty()) return std::nullopt;
        return commands::store(op.messages, op.change, false, op.flags, op.silent, ctx.use_uid);
    }
    static flags_result decode(const ops::store_flags& op, completion& c, const context& ctx) {
        if (op.silent) return {};
        return to_flags_result(c, false, ctx.use_uid);
    }
};
algorithm_ptr<ops::store_flags> make_algorithm(ops::store_flags op) {
    return in_pieces_of_set(std::move(op), [](ops::store_flags piece) { return one(std::move(piece)); });
}

template <>
struct one_command_rules<ops::get_gmail_labels> {
    static engine::preconditions needs(const ops::get_gmail_labels&, const context&) { return labels_needs(); }
    static std::optional<command_request> command(const ops::get_gmail_labels& op, const context& ctx) {
        return fetch_item(op.messages, "X-GM-LABELS", ctx);
    }
    static flags_result decode(const ops::get_gmail_labels&, completion& c, const context& ctx) {
        return to_flags_result(c, true, ctx.use_uid);
    }
};
algorithm_ptr<ops::get_gmail_labels> make_algorithm(ops::get_gmail_labels op) {
    return in_pieces_of_set(std::move(op), [](ops::get_gmail_labels piece) { return one(std::move(piece)); });
}

template <>
struct one_command_rules<ops::store_gmail_labels> {
    static engine::preconditions needs(const ops::store_gmail_labels&, const context&) {
        return store_needs(labels_needs());
    }
    static std::optional<command_request> command(const ops::store_gmail_labels& op, const context& ctx) {
        if (op.messages.empty()) return std::nullopt;
        return commands::store(op.messages, op.change, true, op.labels, op.silent, ctx.use_uid);
    }
    static flags_result decode(const ops::store_gmail_labels& op, completion& c, const context& ctx) {
        if (op.silent) return {};
        return to_flags_result(c, true, ctx.use_uid);
    }
};
algorithm_ptr<ops::store_gmail_labels> make_algorithm(ops::store_gmail_labels op) {
    return in_pieces_of_set(std::move(op), [](ops::store_gmail_labels piece) { return one(std::move(piece)); });
}

}  // namespace imapclient::operations
