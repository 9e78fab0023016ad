// FETCH responses: the message items, ENVELOPE and BODY/BODYSTRUCTURE.
//
// Sections (BODY[...], BINARY[...], RFC822, RFC822.HEADER, RFC822.TEXT) go
// to fetch_data::sections. So does BINARY.SIZE[...], with its number as
// decimal text, so that section("BINARY.SIZE[1]") finds it like the others.
#include "wire/cursor.hpp"

namespace imapclient::wire::detail {

namespace {

// ---------------------------------------------------------------------------
// ENVELOPE.

std::vector<address> read_addresses(cursor& c) {
    std::vector<address> out;
    if (c.eat_nil()) return out;
    if (c.peek() != '(') {
        c.skip_value();  // a string where the list belongs: no addresses
        return out;
    }
    c.eat('(');
    for (;;) {
        c.skip_sp();
        if (c.eat(')')) return out;
        if (c.at_eol()) c.fail("')' of an address list");
        if (c.eat_nil()) continue;  // NIL entries
        if (c.peek() != '(') {
            c.skip_value();
            continue;
        }
        c.eat('(');
        address& a = out.emplace_back();
        std::optional<std::string>* fields[] = {&a.name, &a.route, &a.mailbox, &a.host};
        std::size_t i = 0;
        for (;;) {
            c.skip_sp();
            if (c.eat(')')) break;
            if (c.at_eol()) c.fail("')' of an address");
            if (i < 4) *fields[i++] = c.nstring(true);
            else c.skip_value();
        }
    }
}

bool nil_then_paren(cursor& c) {
    const char* save = c.pos();
    bool yes = false;
    if (c.eat_nil()) {
        c.skip_sp();
        yes = c.peek() == '(';
    }
    c.seek(save);
    return yes;
}

// ---------------------------------------------------------------------------
// BODY / BODYSTRUCTURE.

body_params read_params(cursor& c) {
    body_params p;
    if (c.eat_nil()) return p;
    if (c.peek() != '(') {
        (void)c.nstring();  // a lone string: not a parameter list
        return p;
    }
    c.eat('(');
    for (;;) {
        c.skip_sp();
        if (c.eat(')')) return p;
        if (c.at_eol()) c.fail("')' of body parameters");
        if (c.peek() == '(') {
            c.skip_value();
            continue;
        }
        std::string key = c.nstring().value_or(std::string{});
        c.skip_sp();
        if (c.peek() == ')') {
            p.emplace_back(std::move(key), std::nullopt);
            continue;
        }
        p.emplace_back(std::move(key), c.nstring());
    }
}

std::optional<body_disposition> read_disposition(cursor& c) {
    if (c.eat_nil()) return std::nullopt;
    if (c.peek() != '(') {
        // A bare "inline" instead of ("inline" NIL).
        auto t = c.nstring();
        if (!t) return std::nullopt;
        return body_disposition{std::move(*t), {}};
    }
    c.eat('(');
    c.skip_sp();
    std::optional<std::string> type;
    body_params params;
    if (c.peek() != ')') {
        type = c.nstring();
        c.skip_sp();
        if (c.peek() != ')') params = read_params(c);
    }
    for (;;) {
        c.skip_sp();
        if (c.eat(')')) break;
        if (c.at_eol()) c.fail("')' of a disposition");
        c.skip_value();
    }
    if (!type) return std::nullopt;  // "(NIL NIL)" and "()"
    return body_disposition{std::move(*type), std::move(params)};
}

std::vector<std::string> read_language(cursor& c) {
    std::vector<std::string> out;
    if (c.eat_nil()) return out;
    if (c.peek() != '(') {
        if (auto s = c.nstring()) out.push_back(std::move(*s));
        return out;
    }
    c.eat('(');
    for (;;) {
        c.skip_sp();
        if (c.eat(')')) return out;
        if (c.at_eol()) c.fail("')' of a language list");
        if (auto s = c.nstring()) out.push_back(std::move(*s));
    }
}

// body-fld-dsp [SP body-fld-lang [SP body-fld-loc *(SP body-extension)]],
// each optional from the right; stops before the closing ")".
void read_common_ext(cursor& c, body_structure& b, int depth) {
    c.skip_sp();
    if (c.peek() == ')') return;
    b.disposition = read_disposition(c);
    c.skip_sp();
    if (c.peek() == ')') return;
    b.language = read_language(c);
    c.skip_sp();
    if (c.peek() == ')') return;
    b.location = c.nstring();
    for (;;) {
        c.skip_sp();
        if (c.peek() == ')') return;
        if (c.at_eol()) c.fail("')' of a body structure");
        b.extensions.push_back(c.raw(depth + 1));
    }
}

void read_multipart(cursor& c, body_structure& b, int depth) {
    b.multipart = true;
    b.type = "multipart";
    for (;;) {
        c.skip_sp();
        if (c.peek() == '(') {
            b.parts.push_back(read_body(c, depth + 1));
        } else if (nil_then_paren(c)) {
            c.eat_nil();  // a NIL in place of a child part
        } else {
            break;
        }
    }
    c.skip_sp();
    if (c.peek() == ')') return;  // missing subtype
    auto st = c.nstring();
    if (!st) {
        // "((...) NIL "mixed")": a NIL child just before the subtype.
        c.skip_sp();
        if (c.peek() == '"') st = c.nstring();
    }
    b.subtype = st.value_or(std::string{});
    c.skip_sp();
    if (c.peek() == ')') return;
    b.params = read_params(c);
    read_common_ext(c, b, depth);
}

// The envelope, body and line count of a message/rfc822 part; the envelope
// may be "()" or missing entirely.
void read_message_tail(cursor& c, body_structure& b, int depth) {
    c.skip_sp();
    if (c.peek() == ')') return;
    const char* save = c.pos();
    try {
        auto env = read_envelope(c);
        c.skip_sp();
        if (c.eat_nil()) {
        } else if (c.peek() == '(') {
            b.parts.push_back(read_body(c, depth + 1));
        } else {
            c.fail("body of a message/rfc822 part");
        }
        b.message_envelope = std::move(env);
    } catch (const syntax_error&) {
        // No envelope: the body comes right after the size.
        c.seek(save);
        b.parts.clear();
        if (c.peek() == '(') {
            try {
                b.parts.push_back(read_body(c, depth + 1));
            } catch (const syntax_error&) {
                b.parts.clear();
                c.seek(save);
                c.skip_value();
            }
        }
    }
    c.skip_sp();
    if (c.peek() == ')') return;
    b.lines = c.opt_number();
}

void read_single_part(cursor& c, body_structure& b, int depth) {
    b.encoding = "7BIT";
    b.type = c.nstring().value_or(std::string{});
    c.skip_sp();
    if (c.peek() == ')') return;
    if (c.peek() != '(') {  // "(" here: the subtype is missing
        b.subtype = c.nstring().value_or(std::string{});
        c.skip_sp();
        if (c.peek() == ')') return;
    }
    b.params = read_params(c);
    c.skip_sp();
    if (c.peek() == ')') return;
    b.id = c.nstring();
    c.skip_sp();
    if (c.peek() == ')') return;
    b.description = c.nstring();
    c.skip_sp();
    if (c.peek() == ')') return;
    if (auto enc = c.nstring(); enc && !enc->empty()) b.encoding = std::move(*enc);
    c.skip_sp();
    if (c.peek() == ')') return;
    if (c.eat_nil()) b.size = 0;
    else b.size = c.number("body size");
    if (iequals(b.type, "message") && (iequals(b.subtype, "rfc822") || iequals(b.subtype, "global"))) {
        read_message_tail(c, b, depth);
    } else {
        c.skip_sp();
        // text/* has a line count; some servers send one for other types.
        if (iequals(b.type, "text")) b.lines = c.opt_number();
        else if (c.at_number()) b.lines = c.number();
    }
    c.skip_sp();
    if (c.peek() == ')') return;
    b.md5 = c.nstring();
    read_common_ext(c, b, depth);
}

// ---------------------------------------------------------------------------
// FETCH items.

void read_labels(cursor& c, std::vector<std::string>& out) {
    if (c.eat_nil()) return;
    c.expect('(', "'(' of X-GM-LABELS");
    for (;;) {
        c.skip_sp();
        if (c.eat(')')) return;
        if (c.at_eol()) c.fail("')' of X-GM-LABELS");
        out.push_back(c.astring("label"));
    }
}

// "(M6d99ac3275bb4e)" or NIL.
std::optional<std::string> read_object_id(cursor& c) {
    if (c.eat_nil()) return std::nullopt;
    if (!c.eat('(')) return c.nstring();
    c.skip_sp();
    std::optional<std::string> id;
    if (c.peek() != ')') id = c.astring("object id");
    c.skip_sp();
    c.expect(')', "')' of an object id");
    return id;
}

void read_item(cursor& c, fetch_data& f) {
    const char* start = c.pos();
    std::string_view name = c.token(cc_atom);
    if (name.empty()) c.fail("FETCH item name");
    if (c.peek() == '[') {
        std::string_view rest{c.pos() + 1, c.frame().size() - c.offset() - 1};
        std::size_t close = find_close_bracket(rest);
        if (close == std::string_view::npos) c.fail("']' of a section");
        c.seek(c.pos() + close + 2);
        std::string full = upper({start, static_cast<std::size_t>(c.pos() - start)});
        std::optional<std::uint32_t> origin;
        if (c.eat('<')) {
            origin = c.number32("section origin");
            c.expect('>', "'>' of a section origin");
        }
        c.skip_sp();
        if (iequals(name, "BINARY.SIZE")) {
            std::optional<std::string> size;
            if (!c.eat_nil()) size = std::to_string(c.number("BINARY.SIZE"));
            f.sections.push_back(body_section{std::move(full), origin, std::move(size)});
        } else {
            body_section s{std::move(full), origin, c.nstring()};
            f.sections.push_back(std::move(s));
        }
        return;
    }
    c.skip_sp();
    switch (name.size()) {
    case 3:
        if (iequals(name, "UID")) { f.uid = c.exact_number32("UID"); return; }
        break;
    case 4:
        if (iequals(name, "BODY")) {
            if (c.eat_nil()) return;
            f.body = read_body(c, 0);
            return;
        }
        break;
    case 5:
        if (iequals(name, "FLAGS")) {
            f.flags.emplace();
            c.atom_list(*f.flags);
            return;
        }
        break;
    case 6:
        if (iequals(name, "MODSEQ")) {
            if (c.eat('(')) {
                c.skip_sp();
                f.modseq = c.number("mod-sequence");
                c.skip_sp();
                c.expect(')', "')' of MODSEQ");
            } else {
                f.modseq = c.number("mod-sequence");
            }
            return;
        }
        if (iequals(name, "RFC822")) {
            f.sections.push_back(body_section{"RFC822", std::nullopt, c.nstring()});
            return;
        }
        break;
    case 7:
        if (iequals(name, "EMAILID")) { f.email_id = read_object_id(c); return; }
        if (iequals(name, "PREVIEW")) {
            if (c.peek() == '(') c.skip_value();  // draft-era "(FUZZY)" modifiers
            c.skip_sp();
            f.preview = c.nstring();
            return;
        }
        break;
    case 8:
        if (iequals(name, "ENVELOPE")) { read_envelope(c, f.envelope); return; }
        if (iequals(name, "THREADID")) { f.thread_id = read_object_id(c); return; }
        if (iequals(name, "SAVEDATE")) {
            if (auto d = c.nstring()) f.save_date = parse_internal_date(*d);
            return;
        }
        break;
    case 10:
        if (iequals(name, "X-GM-MSGID")) { f.gmail_msgid = c.number("X-GM-MSGID"); return; }
        if (iequals(name, "X-GM-THRID")) { f.gmail_thrid = c.number("X-GM-THRID"); return; }
        break;
    case 11:
        if (iequals(name, "RFC822.SIZE")) { f.size = c.number("RFC822.SIZE"); return; }
        if (iequals(name, "RFC822.TEXT")) {
            f.sections.push_back(body_section{"RFC822.TEXT", std::nullopt, c.nstring()});
            return;
        }
        if (iequals(name, "X-GM-LABELS")) {
            f.gmail_labels.emplace();
            read_labels(c, *f.gmail_labels);
            return;
        }
        break;
    case 12:
        if (iequals(name, "INTERNALDATE")) {
            f.internal_date_raw = c.nstring();
            if (f.internal_date_raw) f.internal_date = parse_internal_date(*f.internal_date_raw);
            else f.internal_date.reset();
            return;
        }
        break;
    case 13:
        if (iequals(name, "BODYSTRUCTURE")) {
            if (c.eat_nil()) return;
            f.bodystructure = read_body(c, 0);
            return;
        }
        if (iequals(name, "RFC822.HEADER")) {
            f.sections.push_back(body_section{"RFC822.HEADER", std::nullopt, c.nstring()});
            return;
        }
        break;
    default:
        break;
    }
    f.other.emplace_back(upper(name), c.raw());
}

}  // namespace

boxed<envelope> read_envelope(cursor& c) {
    boxed<envelope> e;
    read_envelope(c, e);
    return e;
}

void read_envelope(cursor& c, boxed<envelope>& out) {
    if (c.eat_nil()) {
        out.reset();
        return;
    }
    c.expect('(', "'(' of ENVELOPE");
    envelope& e = out.emplace();
    int field = 0;
    for (;;) {
        c.skip_sp();
        if (c.eat(')')) break;  // missing trailing fields are absent
        if (c.at_eol()) c.fail("')' of ENVELOPE");
        switch (field++) {
        case 0: e.date_raw = c.nstring(true); break;
        case 1: e.subject = c.nstring(true); break;
        case 2: e.from = read_addresses(c); break;
        case 3: e.sender = read_addresses(c); break;
        case 4: e.reply_to = read_addresses(c); break;
        case 5: e.to = read_addresses(c); break;
        case 6: e.cc = read_addresses(c); break;
        case 7: e.bcc = read_addresses(c); break;
        case 8: e.in_reply_to = c.nstring(true); break;
        case 9: e.message_id = c.nstring(true); break;
        default: c.skip_value(); break;
        }
    }
    if (e.date_raw) e.date = parse_header_date(*e.date_raw);
}

body_structure read_body(cursor& c, int depth) {
    if (depth > max_depth) c.fail("less deeply nested body structure");
    c.expect('(', "'(' of a body structure");
    c.skip_sp();
    body_structure b;
    if (c.peek() == '(' || nil_then_paren(c)) read_multipart(c, b, depth);
    else read_single_part(c, b, depth);
    c.skip_sp();
    c.expect(')', "')' of a body structure");
    return b;
}

namespace {

// An item read_item() could not read: its name is read again and its value
// skipped as generic IMAP data, so that the items after it are still read.
// False when even that fails (or nothing would be consumed): the rest of
// the response cannot be told apart.
bool skip_unreadable_item(cursor& c, const char* start, const syntax_error& e, fetch_data& f) {
    c.seek(start);
    fetch_item_error err{{}, std::string("expected ") + e.expected};
    try {
        std::string_view name = c.token(cc_atom);
        if (c.peek() == '[') {
            std::size_t close = find_close_bracket({c.pos() + 1, c.frame().size() - c.offset() - 1});
            if (close == std::string_view::npos) c.fail("']' of a section");
            c.seek(c.pos() + close + 2);
            if (c.eat('<')) {
                while (!c.at_eol() && c.peek() != '>') c.advance();
                c.expect('>', "'>' of a section origin");
            }
        }
        err.item = upper({start, static_cast<std::size_t>(c.pos() - start)});
        c.skip_sp();
        // "BODY[2] )" (Yandex): the value is missing; nothing to skip.
        if (!name.empty() && c.peek() != ')' && !c.at_eol()) c.skip_value();
    } catch (const syntax_error&) {
        f.unreadable.push_back(std::move(err));
        f.unreadable.push_back({{}, "the rest of the response could not be read"});
        return false;
    }
    f.unreadable.push_back(std::move(err));
    return c.pos() != start;
}

// The items of one list; Domino wraps some in a list of their own
// ("(UID 14935 (ENVELOPE (...)) BODYSTRUCTURE (...))"): read as if flat.
// False once the rest of the response cannot be read.
bool read_items(cursor& c, fetch_data& f, bool paren, int depth) {
    for (;;) {
        c.skip_sp();
        if (paren && c.eat(')')) return true;
        if (c.at_eol()) return true;
        if (c.peek() == '(' && depth < 2) {
            c.eat('(');
            if (!read_items(c, f, true, depth + 1)) return false;
            continue;
        }
        const char* start = c.pos();
        try {
            read_item(c, f);
        } catch (const syntax_error& e) {
            if (!skip_unreadable_item(c, start, e, f)) return false;
        }
    }
}

}  // namespace

fetch_data read_fetch(cursor& c, std::uint32_t seq) {
    fetch_data f;
    f.seq = seq;
    c.skip_sp();
    // Tolerated: a missing closing parenthesis at the end of the line.
    const bool paren = c.eat('(');
    (void)read_items(c, f, paren, 0);
    return f;
}

}  // namespace imapclient::wire::detail
