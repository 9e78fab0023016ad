// The small out-of-line members of the public value types.
#include <imapclient/response.hpp>
#include <imapclient/types.hpp>

namespace imapclient {

namespace {

char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? char(c + 32) : c; }

bool needs_literal(std::string_view s) noexcept {
    for (char c : s)
        if (c == '\r' || c == '\n' || c == '\0') return true;
    return false;
}

void append_value(std::string& out, const raw_value& v) {
    switch (v.type) {
    case raw_value::kind::nil:
        out += "NIL";
        break;
    case raw_value::kind::atom:
    case raw_value::kind::number:
        out += v.text;
        break;
    case raw_value::kind::string:
        if (needs_literal(v.text)) {
            out += '{';
            out += std::to_string(v.text.size());
            out += "}\r\n";
            out += v.text;
        } else {
            out += '"';
            for (char c : v.text) {
                if (c == '"' || c == '\\') out += '\\';
                out += c;
            }
            out += '"';
        }
        break;
    case raw_value::kind::list:
        out += '(';
        for (std::size_t i = 0; i < v.items.size(); ++i) {
            if (i) out += ' ';
            append_value(out, v.items[i]);
        }
        out += ')';
        break;
    }
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

std::string_view to_string(status_kind k) noexcept {
    switch (k) {
    case status_kind::ok: return "OK";
    case status_kind::no: return "NO";
    case status_kind::bad: return "BAD";
    case status_kind::preauth: return "PREAUTH";
    case status_kind::bye: return "BYE";
    }
    return "?";
}

std::string address::email() const {
    std::string out = mailbox.value_or(std::string{});
    if (host) {
        out += '@';
        out += *host;
    }
    return out;
}

std::string raw_value::to_string() const {
    std::string out;
    append_value(out, *this);
    return out;
}

std::optional<std::uint64_t> status_data::get(std::string_view item) const {
    for (const auto& [name, value] : items)
        if (iequals(name, item)) return value;
    return std::nullopt;
}

const body_section* fetch_data::section(std::string_view name) const {
    // The server answers BODY.PEEK[...] with BODY[...] and BINARY.PEEK[...]
    // with BINARY[...]; the origin "<0.20>" comes back as "<0>" or not at all.
    std::string_view head = name, tail;
    if (auto b = name.find('['); b != std::string_view::npos) {
        head = name.substr(0, b);
        tail = name.substr(b);
        if (auto e = tail.rfind(']'); e != std::string_view::npos) tail = tail.substr(0, e + 1);
    } else if (auto o = name.find('<'); o != std::string_view::npos) {
        head = name.substr(0, o);
    }
    if (iequals(head, "BODY.PEEK")) head = "BODY";
    else if (iequals(head, "BINARY.PEEK")) head = "BINARY";
    for (const auto& s : sections) {
        std::string_view n = s.name;
        if (n.size() != head.size() + tail.size()) continue;
        if (iequals(n.substr(0, head.size()), head) && iequals(n.substr(head.size()), tail)) return &s;
    }
    return nullptr;
}

}  // namespace imapclient
