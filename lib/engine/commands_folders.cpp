#include "engine/commands_folders.hpp"

#include <imapclient/utf7.hpp>

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace imapclient {

bool folder_info::has_flag(std::string_view flag) const {
    return std::any_of(flags.begin(), flags.end(), [&](const std::string& f) { return iequals(f, flag); });
}

}  // namespace imapclient

namespace imapclient::engine::commands {

namespace {

using wire::command_builder;
using wire::literal_support;

// A command whose one argument is a mailbox name.
command_request one_mailbox(std::string name, std::string mailbox, bool encode) {
    command_request r;
    r.build = [name, mailbox = std::move(mailbox), encode](std::string_view tag, const literal_support& l) {
        command_builder b(tag, name, l);
        b.mailbox(mailbox, encode);
        return std::move(b).finish();
    };
    r.name = std::move(name);
    return r;
}

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

const std::vector<std::string>& default_status_items() {
    static const std::vector<std::string> items = {"MESSAGES", "RECENT", "UIDNEXT", "UIDVALIDITY", "UNSEEN"};
    return items;
}

command_request status(std::string mailbox, std::vector<std::string> items, bool encode) {
    if (items.empty()) items = default_status_items();
    command_request r;
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

command_request create(std::string mailbox, bool encode) { return one_mailbox("CREATE", std::move(mailbox), encode); }

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

std::string_view impossible_mailbox() { return "imapclient-unselect-9c1f4e7a2b-no-such-mailbox"; }

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
    r.collects = kind_bit<flags_data>() | kind_bit<exists_data>() | kind_bit<recent_data>() |
                 kind_bit<status_response>();
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

// ---- conversions ------------------------------------------------------

std::string folder_name_out(std::string_view wire_name, bool decode) {
    return decode ? decode_utf7(wire_name) : std::string(wire_name);
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

folder_status_result to_folder_status(const std::vector<response>& responses) {
    folder_status_result out;
    for (const auto& r : responses) {
        auto* s = std::get_if<status_data>(&r);
        if (!s) continue;
        for (const auto& [name, value] : s->items) {
            out.items.emplace_back(name, value);
            if (name == "MESSAGES") out.messages = clamp32(value);
            else if (name == "RECENT") out.recent = clamp32(value);
            else if (name == "UIDNEXT") out.uid_next = clamp32(value);
            else if (name == "UIDVALIDITY") out.uid_validity = clamp32(value);
            else if (name == "UNSEEN") out.unseen = clamp32(value);
            else if (name == "HIGHESTMODSEQ") out.highest_modseq = value;
            else if (name == "SIZE") out.size = value;
        }
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

std::vector<quota> to_quotas(const std::vector<response>& responses) {
    std::vector<quota> out;
    for (const auto& r : responses) {
        auto* q = std::get_if<quota_data>(&r);
        if (!q) continue;
        for (const auto& res : q->resources) out.push_back({q->root, res.name, res.usage, res.limit});
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

}  // namespace imapclient::engine::commands
