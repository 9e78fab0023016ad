#include "pretty.hpp"

#include <boost/json/serialize.hpp>

namespace shell {

namespace json = boost::json;

namespace {

bool is_scalar(const json::value& v) { return !v.is_array() && !v.is_object(); }

bool fits_on_a_line(const json::value& v) {
    if (is_scalar(v)) return true;
    std::size_t n = 0;
    if (const auto* a = v.if_array()) {
        for (const auto& e : *a)
            if (!is_scalar(e)) return false;
    } else {
        for (const auto& [k, e] : v.get_object())
            if (!is_scalar(e)) return false;
    }
    n = json::serialize(v).size();
    return n <= 72;
}

void write(std::string& out, const json::value& v, int depth) {
    if (fits_on_a_line(v)) {
        out += json::serialize(v);
        return;
    }
    const std::string pad(static_cast<std::size_t>(depth + 1) * 2, ' ');
    const std::string end_pad(static_cast<std::size_t>(depth) * 2, ' ');
    if (const auto* a = v.if_array()) {
        out += "[\n";
        for (std::size_t i = 0; i < a->size(); ++i) {
            out += pad;
            write(out, (*a)[i], depth + 1);
            out += i + 1 < a->size() ? ",\n" : "\n";
        }
        out += end_pad + "]";
        return;
    }
    const auto& o = v.get_object();
    out += "{\n";
    std::size_t i = 0;
    for (const auto& [k, e] : o) {
        out += pad + json::serialize(json::string(k)) + ": ";
        write(out, e, depth + 1);
        out += ++i < o.size() ? ",\n" : "\n";
    }
    out += end_pad + "}";
}

}  // namespace

std::string pretty(const json::value& v) {
    std::string out;
    write(out, v, 0);
    return out;
}

}  // namespace shell
