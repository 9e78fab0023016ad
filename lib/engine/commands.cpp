#include "engine/commands.hpp"

#include <charconv>

namespace imapclient::engine::commands {

namespace {

using wire::command_builder;
using wire::encoded_command;
using wire::literal_support;

// A command with no arguments.
command_request simple(std::string name) {
    command_request r;
    r.build = [name](std::string_view tag, const literal_support& l) {
        command_builder b(tag, name, l);
        return std::move(b).finish();
    };
    r.name = std::move(name);
    return r;
}

}  // namespace

command_request capability() {
    auto r = simple("CAPABILITY");
    r.collects = kind_bit<capability_data>();
    return r;
}

command_request noop() { return simple("NOOP"); }

command_request logout() {
    auto r = simple("LOGOUT");
    r.kind = command_kind::logout;
    r.exclusive = true;
    return r;
}

command_request starttls() {
    auto r = simple("STARTTLS");
    r.exclusive = true;
    r.kind = command_kind::starttls;
    return r;
}

command_request login(std::string user, std::string password) {
    command_request r;
    r.name = "LOGIN";
    r.build = [user = std::move(user), password = std::move(password)](std::string_view tag, const literal_support& l) {
        command_builder b(tag, "LOGIN", l);
        b.secret(user).secret(password);
        return std::move(b).finish();
    };
    r.exclusive = true;
    r.kind = command_kind::authenticate;
    return r;
}

command_request select(std::string mailbox, bool readonly, bool encode) {
    command_request r;
    r.name = readonly ? "EXAMINE" : "SELECT";
    r.build = [mailbox = std::move(mailbox), name = r.name, encode](std::string_view tag, const literal_support& l) {
        command_builder b(tag, name, l);
        b.mailbox(mailbox, encode);
        return std::move(b).finish();
    };
    r.exclusive = true;
    r.kind = readonly ? command_kind::examine : command_kind::select;
    r.collects = kind_bit<flags_data>() | kind_bit<exists_data>() | kind_bit<recent_data>() |
                 kind_bit<status_response>();
    return r;
}

command_request close() {
    auto r = simple("CLOSE");
    r.exclusive = true;
    r.kind = command_kind::unselect;
    return r;
}

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
    if (uid) r.uid_ranges = uid_ranges(set);
    else r.exclusive = true;
    return r;
}

command_request append(std::string mailbox, std::string message, std::vector<std::string> flags,
                       std::optional<datetime> when, bool encode) {
    command_request r;
    r.name = "APPEND";
    r.build = [mailbox = std::move(mailbox), message = std::move(message), flags = std::move(flags),
               when, encode](std::string_view tag, const literal_support& l) {
        command_builder b(tag, "APPEND", l);
        b.mailbox(mailbox, encode);
        if (!flags.empty()) b.flag_list(flags);
        if (when) b.date_time(*when);
        b.literal(message);
        return std::move(b).finish();
    };
    return r;
}

command_request raw(std::string line) {
    command_request r;
    const auto space = line.find(' ');
    r.name = line.substr(0, space);
    std::string rest = space == std::string::npos ? std::string() : line.substr(space + 1);
    r.build = [name = r.name, rest = std::move(rest)](std::string_view tag, const literal_support& l) {
        command_builder b(tag, name, l);
        if (!rest.empty()) b.raw(rest);
        return std::move(b).finish();
    };
    r.exclusive = true;
    r.collects = ~std::uint64_t{0} & ~kind_bit<continuation_request>();
    return r;
}

command_request idle() {
    auto r = simple("IDLE");
    r.exclusive = true;
    r.kind = command_kind::idle;
    r.on_continuation = [](std::string_view) -> std::optional<std::string> { return std::nullopt; };
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

}  // namespace imapclient::engine::commands
