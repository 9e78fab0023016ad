// parse_response(): the typed grammar of one complete server response.
// Status responses, response codes and every untagged response but FETCH
// (which lives in read_fetch.cpp) are read here.
#include "wire/cursor.hpp"
#include "wire/parser.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>

namespace imapclient::wire {

using namespace detail;

namespace {

std::optional<status_kind> status_of(std::string_view w) noexcept {
    if (iequals(w, "OK")) return status_kind::ok;
    if (iequals(w, "NO")) return status_kind::no;
    if (iequals(w, "BAD")) return status_kind::bad;
    if (iequals(w, "BYE")) return status_kind::bye;
    if (iequals(w, "PREAUTH")) return status_kind::preauth;
    return std::nullopt;
}

// ---------------------------------------------------------------------------
// Response codes.

void fill_code_fields(response_code& rc) {
    cursor c(rc.raw);
    const std::string& n = rc.name;
    // Odd content ("[COPYUID 1436285939  ]", "[UIDVALIDITY x]") leaves the
    // typed fields partly empty; `raw` always has what was sent.
    try {
        c.skip_sp();
        if (n == "UIDNEXT" || n == "UIDVALIDITY" || n == "UNSEEN" || n == "HIGHESTMODSEQ"
            || n == "THROTTLED" || n == "X-BACKOFF") {
            if (c.at_number()) rc.number = c.number();
        } else if (n == "APPENDUID" || n == "COPYUID") {
            rc.number = c.number();
            c.skip_sp();
            rc.uid_set = c.token(cc_atom);
            if (n == "COPYUID") {
                c.skip_sp();
                rc.dest_uid_set = c.token(cc_atom);
            }
        } else if (n == "CAPABILITY") {
            while (!c.end_after_sp()) rc.list.push_back(upper(c.atom("capability")));
        } else if (n == "PERMANENTFLAGS" || n == "BADCHARSET") {
            if (c.peek() == '(') c.atom_list(rc.list);
        } else if (n == "MODIFIED") {
            rc.uid_set = c.rest_of_line();
        }
    } catch (const syntax_error&) {
    }
}

void read_code(cursor& c, status_response& r) {
    // c is at "[".
    c.eat('[');
    std::string_view rest{c.pos(), c.frame().size() - c.offset()};
    std::size_t close = find_close_bracket(rest);
    std::string_view inner;
    if (close == std::string_view::npos) {
        // No "]" on the line: the whole rest is the code.
        inner = c.rest_of_line();
    } else {
        inner = rest.substr(0, close);
        c.seek(c.pos() + close + 1);
    }
    response_code rc;
    std::size_t name_end = 0;
    while (name_end < inner.size() && inner[name_end] != ' ') ++name_end;
    rc.name = upper(inner.substr(0, name_end));
    if (name_end < inner.size()) rc.raw = inner.substr(name_end + 1);
    fill_code_fields(rc);
    r.code = std::move(rc);
}

// "Suggested Backoff Time: 92415 milliseconds" (Exchange throttling).
std::optional<std::chrono::milliseconds> find_backoff(std::string_view text) {
    constexpr std::string_view key = "backoff time";
    if (text.size() < key.size()) return std::nullopt;
    auto it = std::search(text.begin(), text.end(), key.begin(), key.end(),
                          [](char a, char b) { return to_upper(a) == to_upper(b); });
    if (it == text.end()) return std::nullopt;
    std::size_t i = static_cast<std::size_t>(it - text.begin()) + key.size();
    while (i < text.size() && (text[i] == ':' || text[i] == ' ' || text[i] == '=')) ++i;
    if (i >= text.size() || !is_digit(text[i])) return std::nullopt;
    std::uint64_t v = 0;
    while (i < text.size() && is_digit(text[i])) {
        if (v < 1'000'000'000'000ull) v = v * 10 + static_cast<unsigned>(text[i] - '0');
        ++i;
    }
    while (i < text.size() && text[i] == ' ') ++i;
    std::string_view unit = text.substr(i);
    auto starts = [&](std::string_view w) {
        if (unit.size() < w.size()) return false;
        return iequals(unit.substr(0, w.size()), w);
    };
    if (starts("ms") || starts("milli")) {
    } else if (starts("min")) {
        v *= 60'000;
    } else if (starts("s")) {
        v *= 1000;
    }
    return std::chrono::milliseconds{static_cast<std::int64_t>(v)};
}

status_response read_status(cursor& c, std::string_view tag, status_kind k) {
    status_response r;
    r.tag.assign(tag);
    r.status = k;
    c.skip_sp();
    if (c.peek() == '[') read_code(c, r);
    c.skip_sp();
    r.text = c.rest_of_line();
    r.backoff = find_backoff(r.text);
    return r;
}

// ---------------------------------------------------------------------------
// Untagged data.

list_data read_list(cursor& c, std::string_view kw) {
    list_data l;
    l.command = upper(kw);
    c.skip_sp();
    c.atom_list(l.flags);
    c.skip_sp();
    if (auto d = c.nstring(); d && !d->empty()) l.delimiter = (*d)[0];
    c.skip_sp();
    if (c.peek() == '"' || c.at_literal()) {
        l.name = c.string("mailbox name");
    } else {
        // Unquoted names may hold spaces, brackets and 8-bit bytes
        // ("INBOX.[Airmail].Snooze"): the name runs to the end of the line
        // unless a LIST-EXTENDED item list ("(\"CHILDINFO\" ...)") follows.
        const char* s = c.pos();
        auto first = c.token(cc_astring);
        if (first.empty() && !c.at_eol()) c.fail("mailbox name");
        c.skip_sp();
        if (c.at_eol() || (c.peek() == '(' && c.peek_at(1) == '"')) {
            l.name = first;
        } else {
            c.seek(s);
            l.name = c.rest_of_line();
            return l;
        }
    }
    if (!c.end_after_sp() && c.peek() == '(') {
        raw_value ext = c.raw();
        l.extended = std::move(ext.items);
    }
    return l;
}

void read_status_items(cursor& c, status_data& s) {
    c.skip_sp();
    c.expect('(', "'(' of the STATUS items");
    for (;;) {
        c.skip_sp();
        if (c.eat(')')) break;
        if (c.at_eol()) c.fail("')'");
        std::string name = upper(c.atom("status item"));
        c.skip_sp();
        if (c.at_number()) s.items.emplace_back(std::move(name), c.number());
        else s.other.emplace_back(std::move(name), c.raw());  // MAILBOXID (id), APPENDLIMIT NIL, ...
    }
}

status_data read_status_data(cursor& c) {
    status_data s;
    c.skip_sp();
    if (c.peek() == '"' || c.at_literal()) {
        s.mailbox = c.string("mailbox name");
        read_status_items(c, s);
        return s;
    }
    const char* begin = c.pos();
    auto name = c.token(cc_astring);
    c.skip_sp();
    if (c.peek() == '(' && !name.empty()) {
        s.mailbox = name;
        read_status_items(c, s);
        return s;
    }
    // An unquoted name with spaces ("* STATUS My Folder (MESSAGES 0)"):
    // the items are the first "(" from which the rest of the line reads as
    // an item list.
    c.seek(begin);
    int attempts = 16;  // bounded, so a hostile line of parentheses stays linear
    while (!c.at_eol() && attempts > 0) {
        const char* open = c.pos();
        if (c.peek() == '(' && open > begin) {
            --attempts;
            status_data t;
            try {
                read_status_items(c, t);
                if (c.end_after_sp()) {
                    const char* e = open;
                    while (e > begin && (e[-1] == ' ' || e[-1] == '\t')) --e;
                    t.mailbox.assign(begin, static_cast<std::size_t>(e - begin));
                    return t;
                }
            } catch (const syntax_error&) {
            }
            c.seek(open);
        }
        c.advance();
    }
    c.seek(begin);
    c.fail("'(' of the STATUS items");
}

// A message number (RFC 9051 nz-number: 1 to 2^32-1), exactly as written.
std::optional<std::uint32_t> nz_number32(std::string_view token) {
    std::uint32_t v = 0;
    auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), v);
    if (ec != std::errc{} || end != token.data() + token.size() || v == 0) return std::nullopt;
    return v;
}

search_data read_search(cursor& c, bool sort) {
    search_data s;
    s.sort = sort;
    while (!c.end_after_sp()) {
        if (c.eat('(')) {
            c.skip_sp();
            if (!c.eat_word("MODSEQ")) c.fail("MODSEQ");
            c.skip_sp();
            s.modseq = c.number();
            c.skip_sp();
            c.expect(')', "')'");
        } else {
            // "-1" or "4294967301" is no message the server has: read
            // leniently as 0 or 2^32-1, it would hand the caller an id that
            // a later STORE or EXPUNGE acts on. Kept aside, as sent.
            std::string_view token = c.token(cc_atom);
            if (token.empty()) c.fail("message number");
            if (auto id = nz_number32(token)) s.ids.push_back(*id);
            else s.invalid_ids.emplace_back(token);
        }
    }
    return s;
}

esearch_data read_esearch(cursor& c) {
    esearch_data e;
    c.skip_sp();
    if (c.eat('(')) {
        c.skip_sp();
        if (c.eat_word("TAG")) {
            c.skip_sp();
            e.tag = c.astring("tag");
        }
        for (;;) {
            c.skip_sp();
            if (c.eat(')')) break;
            if (c.at_eol()) c.fail("')'");
            c.skip_value();
        }
    }
    while (!c.end_after_sp()) {
        if (c.eat_word("UID")) { e.uid = true; continue; }
        std::string_view name = c.atom("ESEARCH item");
        c.skip_sp();
        if (iequals(name, "MIN") || iequals(name, "MAX")) {
            // As in SEARCH: no clamping into a message number nobody has;
            // an impossible one stays in `other`, as sent.
            raw_value v = c.raw();
            auto id = v.type == raw_value::kind::number ? nz_number32(v.text) : std::nullopt;
            if (!id) e.other.emplace_back(upper(name), std::move(v));
            else if (iequals(name, "MIN")) e.min = id;
            else e.max = id;
        } else if (iequals(name, "COUNT")) {
            e.count = c.number();
        } else if (iequals(name, "MODSEQ")) {
            e.modseq = c.number();
        } else if (iequals(name, "ALL")) {
            e.all = c.atom("sequence set");
        } else {
            e.other.emplace_back(upper(name), c.raw());
        }
    }
    return e;
}

thread_node read_thread(cursor& c, int depth) {
    if (depth > max_depth) c.fail("less deeply nested threads");
    thread_node n;
    c.expect('(', "'(' of a thread");
    for (;;) {
        c.skip_sp();
        if (c.eat(')')) return n;
        if (c.peek() == '(') n.children.push_back(read_thread(c, depth + 1));
        else if (c.at_number()) n.ids.push_back(c.number32("message number"));
        else c.fail("thread member or ')'");
    }
}

thread_data read_thread_data(cursor& c) {
    thread_data t;
    while (!c.end_after_sp()) t.threads.push_back(read_thread(c, 0));
    return t;
}

vanished_data read_vanished(cursor& c) {
    vanished_data v;
    c.skip_sp();
    if (c.peek() == '(') {
        raw_value mods = c.raw();
        for (const auto& m : mods.items)
            if (m.type == raw_value::kind::atom && iequals(m.text, "EARLIER")) v.earlier = true;
    }
    c.skip_sp();
    v.uids = c.atom("UID set");
    return v;
}

void read_namespace_group(cursor& c, std::vector<namespace_entry>& out) {
    c.skip_sp();
    if (c.eat_nil()) return;
    c.expect('(', "'(' or NIL of a namespace");
    for (;;) {
        c.skip_sp();
        if (c.eat(')')) return;
        c.expect('(', "'(' of a namespace entry");
        namespace_entry e;
        c.skip_sp();
        e.prefix = c.astring("namespace prefix");
        c.skip_sp();
        if (auto d = c.nstring(); d && !d->empty()) e.delimiter = (*d)[0];
        for (;;) {  // namespace extensions: skipped
            c.skip_sp();
            if (c.eat(')')) break;
            if (c.at_eol()) c.fail("')'");
            c.skip_value();
        }
        out.push_back(std::move(e));
    }
}

namespace_data read_namespace(cursor& c) {
    namespace_data n;
    read_namespace_group(c, n.personal);
    read_namespace_group(c, n.other);
    read_namespace_group(c, n.shared);
    return n;
}

acl_data read_acl(cursor& c) {
    acl_data a;
    c.skip_sp();
    a.mailbox = c.astring("mailbox name");
    while (!c.end_after_sp()) {
        std::string id = c.astring("identifier");
        std::string rights;
        if (!c.end_after_sp()) rights = c.astring("rights");
        a.entries.emplace_back(std::move(id), std::move(rights));
    }
    return a;
}

myrights_data read_myrights(cursor& c) {
    myrights_data m;
    c.skip_sp();
    m.mailbox = c.astring("mailbox name");
    if (!c.end_after_sp()) m.rights = c.astring("rights");
    return m;
}

listrights_data read_listrights(cursor& c) {
    listrights_data l;
    c.skip_sp();
    l.mailbox = c.astring("mailbox name");
    c.skip_sp();
    l.identifier = c.astring("identifier");
    if (!c.end_after_sp()) l.required = c.astring("rights");
    while (!c.end_after_sp()) l.optional.push_back(c.astring("rights"));
    return l;
}

quota_data read_quota(cursor& c) {
    quota_data q;
    c.skip_sp();
    if (c.peek() != '(') {
        q.root = c.astring("quota root");
        c.skip_sp();
    }
    c.expect('(', "'(' of the quota resources");
    for (;;) {
        c.skip_sp();
        if (c.eat(')')) break;
        quota_resource r;
        r.name = upper(c.atom("resource name"));
        c.skip_sp();
        r.usage = c.number("usage");
        c.skip_sp();
        r.limit = c.number("limit");
        q.resources.push_back(std::move(r));
    }
    return q;
}

quotaroot_data read_quotaroot(cursor& c) {
    quotaroot_data q;
    c.skip_sp();
    q.mailbox = c.astring("mailbox name");
    while (!c.end_after_sp()) q.roots.push_back(c.astring("quota root"));
    return q;
}

metadata_data read_metadata(cursor& c) {
    metadata_data m;
    c.skip_sp();
    m.mailbox = c.astring("mailbox name");
    c.skip_sp();
    if (c.eat('(')) {
        for (;;) {
            c.skip_sp();
            if (c.eat(')')) break;
            if (c.at_eol()) c.fail("')'");
            std::string entry = c.astring("entry name");
            c.skip_sp();
            if (c.peek() == ')') c.fail("entry value");
            m.entries.emplace_back(std::move(entry), c.nstring());
        }
    } else {
        while (!c.end_after_sp()) m.entries.emplace_back(c.astring("entry name"), std::nullopt);
    }
    return m;
}

id_data read_id(cursor& c) {
    id_data d;
    c.skip_sp();
    if (c.eat_nil()) return d;
    c.expect('(', "'(' or NIL");
    for (;;) {
        c.skip_sp();
        if (c.eat(')')) break;
        if (c.at_eol()) c.fail("')'");
        std::string key = c.nstring().value_or(std::string{});
        c.skip_sp();
        if (c.peek() == ')') { d.fields.emplace_back(std::move(key), std::nullopt); continue; }
        d.fields.emplace_back(std::move(key), c.nstring());
    }
    return d;
}

unknown_data read_unknown(cursor& c, std::string_view kw, std::optional<std::uint32_t> number) {
    unknown_data u;
    u.keyword = upper(kw);
    u.number = number;
    const char* start = c.pos();
    try {
        while (!c.end_after_sp()) u.values.push_back(c.raw());
    } catch (const syntax_error&) {
        // Not even generic IMAP syntax: keep the text as one atom.
        u.values.clear();
        c.seek(start);
        c.skip_sp();
        auto text = c.rest_of_line();
        if (!text.empty()) u.values.push_back(raw_value{raw_value::kind::atom, std::string(text), {}});
    }
    return u;
}

response read_untagged(cursor& c) {
    c.skip_sp();
    if (c.peek() == '[') {
        // "* [COPYUID ...]": a response code without a status (Exchange).
        status_response r;
        read_code(c, r);
        c.skip_sp();
        r.text = c.rest_of_line();
        return r;
    }
    if (c.at_number()) {
        // "* 4294967301 EXISTS" is no count or message: read leniently it
        // would set EXISTS or expunge a message nobody has.
        std::uint32_t n = c.exact_number32("message number");
        c.skip_sp();
        std::string_view kw = c.atom("response keyword after the number");
        if (iequals(kw, "FETCH")) return read_fetch(c, n);
        if (iequals(kw, "EXISTS")) return exists_data{n};
        if (iequals(kw, "RECENT")) return recent_data{n};
        if (iequals(kw, "EXPUNGE")) return expunge_data{n};
        return read_unknown(c, kw, n);
    }
    std::string_view kw = c.atom("response keyword");
    if (auto k = status_of(kw)) return read_status(c, "", *k);
    switch (to_upper(kw[0])) {
    case 'A':
        if (iequals(kw, "ACL")) return read_acl(c);
        break;
    case 'C':
        if (iequals(kw, "CAPABILITY")) {
            capability_data d;
            while (!c.end_after_sp()) d.capabilities.push_back(upper(c.atom("capability")));
            return d;
        }
        break;
    case 'E':
        if (iequals(kw, "ESEARCH")) return read_esearch(c);
        if (iequals(kw, "ENABLED")) {
            enabled_data d;
            while (!c.end_after_sp()) d.capabilities.push_back(upper(c.atom("capability")));
            return d;
        }
        break;
    case 'F':
        if (iequals(kw, "FLAGS")) {
            flags_data f;
            c.skip_sp();
            c.atom_list(f.flags);
            return f;
        }
        break;
    case 'I':
        if (iequals(kw, "ID")) return read_id(c);
        break;
    case 'L':
        if (iequals(kw, "LIST") || iequals(kw, "LSUB")) return read_list(c, kw);
        if (iequals(kw, "LISTRIGHTS")) return read_listrights(c);
        break;
    case 'M':
        if (iequals(kw, "MYRIGHTS")) return read_myrights(c);
        if (iequals(kw, "METADATA")) return read_metadata(c);
        break;
    case 'N':
        if (iequals(kw, "NAMESPACE")) return read_namespace(c);
        break;
    case 'Q':
        if (iequals(kw, "QUOTA")) return read_quota(c);
        if (iequals(kw, "QUOTAROOT")) return read_quotaroot(c);
        break;
    case 'S':
        if (iequals(kw, "SEARCH")) return read_search(c, false);
        if (iequals(kw, "SORT")) return read_search(c, true);
        if (iequals(kw, "STATUS")) return read_status_data(c);
        break;
    case 'T':
        if (iequals(kw, "THREAD")) return read_thread_data(c);
        break;
    case 'V':
        if (iequals(kw, "VANISHED")) return read_vanished(c);
        break;
    case 'X':
        if (iequals(kw, "XLIST")) return read_list(c, kw);
        break;
    default:
        break;
    }
    return read_unknown(c, kw, std::nullopt);
}

unparsed_data make_unparsed(std::string_view frame, const syntax_error& e);

response read_response(cursor& c) {
    // NULs and blank space before a response (seen from some servers).
    for (char ch = c.peek(); !c.at_end() && (ch == '\0' || ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n');
         ch = c.peek())
        c.advance();
    if (c.eat('+')) {
        c.eat(' ');
        return continuation_request{std::string(c.rest_of_line())};
    }
    if (c.eat('*')) return read_untagged(c);
    if (c.peek() == '[') {
        // "[COPYUID 55 31 6]" alone on a line (home.pl).
        status_response r;
        read_code(c, r);
        c.skip_sp();
        r.text = c.rest_of_line();
        return r;
    }
    std::string_view tag = c.token(cc_atom);
    if (tag.empty()) c.fail("tag, '*' or '+'");
    c.skip_sp();
    std::string_view kw = c.token(cc_atom);
    auto k = status_of(kw);
    if (!k) {
        // Kept with its tag: the command it answers must fail now, not wait
        // for a reply that will never come.
        unparsed_data u = make_unparsed(c.frame(), syntax_error{"OK, NO or BAD after the tag", kw.data()});
        u.tag.assign(tag);
        return u;
    }
    return read_status(c, tag, *k);
}

unparsed_data make_unparsed(std::string_view frame, const syntax_error& e) {
    constexpr std::size_t max_excerpt = 200;
    unparsed_data u;
    std::string_view line = frame;
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    if (line.size() > max_excerpt) {
        u.line.assign(line.substr(0, max_excerpt));
        u.line += "...";
    } else {
        u.line.assign(line);
    }
    std::size_t off = 0;
    if (e.where >= frame.data() && e.where <= frame.data() + frame.size())
        off = static_cast<std::size_t>(e.where - frame.data());
    u.error = "expected ";
    u.error += e.expected;
    u.error += " at offset ";
    u.error += std::to_string(off);
    std::string_view near = frame.substr(off, 24);
    if (auto eol = near.find_first_of("\r\n"); eol != std::string_view::npos) near = near.substr(0, eol);
    if (near.empty()) {
        u.error += " (found the end of the line)";
    } else {
        u.error += " (found \"";
        u.error += near;
        u.error += "\")";
    }
    return u;
}

}  // namespace

response parse_response(std::string_view frame) {
    cursor c(frame);
    try {
        return read_response(c);
    } catch (const syntax_error& e) {
        return make_unparsed(frame, e);
    }
}

}  // namespace imapclient::wire
