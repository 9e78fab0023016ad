#include "oauth2/form.hpp"

#include <imapclient/error.hpp>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>

#include <cstdint>

namespace imapclient::oauth2 {

namespace json = boost::json;
using std::chrono::seconds;

namespace {

// Longer lifetimes and intervals are nonsense (and would overflow
// time_point arithmetic): ten years.
constexpr std::int64_t max_seconds = 10LL * 366 * 24 * 3600;
constexpr std::size_t excerpt_bytes = 200;

void encode_into(std::string& out, std::string_view s) {
    static constexpr char hex[] = "0123456789ABCDEF";
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '*' || c == '-' ||
            c == '.' || c == '_') {
            out += ch;
        } else if (c == ' ') {
            out += '+';
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 0xF];
        }
    }
}

// The first bytes of a body, for an error text: control characters become
// spaces, and a UTF-8 sequence is not cut in the middle.
std::string excerpt(std::string_view body) {
    std::size_t n = body.size();
    if (n > excerpt_bytes) {
        n = excerpt_bytes;
        while (n > 0 && (static_cast<unsigned char>(body[n]) & 0xC0) == 0x80) --n;
    }
    std::string out(body.substr(0, n));
    for (char& c : out)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = ' ';
    if (n < body.size()) out += "...";
    return out;
}

[[noreturn]] void fail(std::string_view endpoint, unsigned status, std::string_view why) {
    std::string what(endpoint);
    what += ": HTTP ";
    what += std::to_string(status);
    what += ": ";
    what += why;
    throw error(make_error_code(errc::http_failed), what);
}

bool success(unsigned status) { return status >= 200 && status < 300; }

// Not an answer the caller can use. A success's body is not quoted: it may
// hold tokens (a form-encoded token answer, a JSON one with an odd shape).
[[noreturn]] void fail_unusable(std::string_view endpoint, const http_answer& a, const json::object* o,
                                std::string_view missing) {
    if (!success(a.status)) {
        if (a.body.empty()) fail(endpoint, a.status, "empty answer");
        fail(endpoint, a.status, excerpt(a.body));
    }
    if (!o) {
        std::string why = "the answer is not a JSON object (";
        why += a.content_type.empty() ? std::string("no content type") : excerpt(a.content_type);
        why += ", " + std::to_string(a.body.size()) + " bytes)";
        fail(endpoint, a.status, why);
    }
    std::string why = "no ";
    why += missing;
    why += " in the answer (keys:";
    std::size_t listed = 0;
    for (const auto& kv : *o) {
        if (++listed > 20) {
            why += " ...";
            break;
        }
        why += ' ';
        why += excerpt(std::string_view(kv.key().data(), kv.key().size()));
    }
    why += ')';
    fail(endpoint, a.status, why);
}

json::value parse_body(const http_answer& a) {
    json::error_code ec;
    json::value v = json::parse(json::string_view(a.body.data(), a.body.size()), ec);
    if (ec) return nullptr;
    return v;
}

// A non-empty string member, else null.
const json::string* string_member(const json::object& o, std::string_view key) {
    const json::value* v = o.if_contains(json::string_view(key.data(), key.size()));
    if (!v) return nullptr;
    const json::string* s = v->if_string();
    if (!s || s->empty()) return nullptr;
    return s;
}

std::string str(const json::string* s) { return s ? std::string(s->data(), s->size()) : std::string(); }

// A number of seconds: an integer, a whole non-negative double, or a
// string of digits (some servers quote expires_in). nullopt when absent
// or anything else.
std::optional<seconds> seconds_member(const json::object& o, std::string_view key) {
    const json::value* v = o.if_contains(json::string_view(key.data(), key.size()));
    if (!v) return std::nullopt;
    std::int64_t n = -1;
    if (const auto* i = v->if_int64()) {
        n = *i;
    } else if (const auto* u = v->if_uint64()) {
        n = *u > static_cast<std::uint64_t>(max_seconds) ? max_seconds : static_cast<std::int64_t>(*u);
    } else if (const auto* d = v->if_double()) {
        if (*d >= 0 && *d < static_cast<double>(max_seconds)) n = static_cast<std::int64_t>(*d);
        else if (*d >= 0) n = max_seconds;
    } else if (const auto* s = v->if_string()) {
        if (s->empty() || s->size() > 18) return std::nullopt;
        n = 0;
        for (const char c : *s) {
            if (c < '0' || c > '9') return std::nullopt;
            n = n * 10 + (c - '0');
        }
    }
    if (n < 0) return std::nullopt;
    if (n > max_seconds) n = max_seconds;
    return seconds(n);
}

// An OAuth2 error answer (a string "error"), whatever the status.
bool read_error(const json::object& o, token_reply& r) {
    const json::value* e = o.if_contains("error");
    if (!e || !e->is_string()) return false;
    r.error = str(&e->get_string());
    if (r.error.empty()) r.error = "(empty error)";
    r.error_description = str(string_member(o, "error_description"));
    r.interval = seconds_member(o, "interval");
    return true;
}

}  // namespace

std::string form_encode(const form_fields& fields) {
    std::string out;
    for (const auto& [name, value] : fields) {
        if (!out.empty()) out += '&';
        encode_into(out, name);
        out += '=';
        encode_into(out, value);
    }
    return out;
}

token_reply parse_token_reply(const http_answer& answer, std::string_view endpoint, const oauth2_token& previous,
                              std::chrono::system_clock::time_point now) {
    token_reply r;
    const json::value v = parse_body(answer);
    const json::object* o = v.if_object();
    if (o && read_error(*o, r)) return r;
    const json::string* access = o ? string_member(*o, "access_token") : nullptr;
    if (!success(answer.status) || !access) fail_unusable(endpoint, answer, o, "access_token");
    oauth2_token t;
    t.access_token = str(access);
    const json::string* refresh = string_member(*o, "refresh_token");
    t.refresh_token = refresh ? str(refresh) : previous.refresh_token;
    const json::string* scope = string_member(*o, "scope");
    t.scope = scope ? str(scope) : previous.scope;
    const seconds lifetime = seconds_member(*o, "expires_in").value_or(seconds(3600));
    t.expires_at = now + lifetime;
    r.token = std::move(t);
    return r;
}

void throw_refused(std::string_view endpoint, const token_reply& reply) {
    std::string what(endpoint);
    what += ": ";
    what += reply.error;
    if (!reply.error_description.empty()) {
        what += ": ";
        what += reply.error_description;
    }
    throw error(make_error_code(errc::oauth2_refused), what);
}

device_grant parse_device_authorization(const http_answer& answer, std::string_view endpoint) {
    const json::value v = parse_body(answer);
    const json::object* o = v.if_object();
    token_reply refused;
    if (o && read_error(*o, refused)) throw_refused(endpoint, refused);
    if (!success(answer.status) || !o) fail_unusable(endpoint, answer, o, "device_code");
    const json::string* device_code = string_member(*o, "device_code");
    const json::string* user_code = string_member(*o, "user_code");
    const json::string* uri = string_member(*o, "verification_uri");
    if (!uri) uri = string_member(*o, "verification_url");  // Google
    if (!device_code) fail_unusable(endpoint, answer, o, "device_code");
    if (!user_code) fail_unusable(endpoint, answer, o, "user_code");
    if (!uri) fail_unusable(endpoint, answer, o, "verification_uri");
    device_grant g;
    g.device_code = str(device_code);
    g.shown.user_code = str(user_code);
    g.shown.verification_uri = str(uri);
    const json::string* complete = string_member(*o, "verification_uri_complete");
    if (!complete) complete = string_member(*o, "verification_url_complete");
    g.shown.verification_uri_complete = str(complete);
    g.shown.expires_in = seconds_member(*o, "expires_in").value_or(seconds(1800));
    g.shown.interval = seconds_member(*o, "interval").value_or(seconds(5));
    return g;
}

}  // namespace imapclient::oauth2
