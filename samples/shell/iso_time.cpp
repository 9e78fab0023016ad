#include "iso_time.hpp"

#include <cstdio>
#include <cstdlib>

namespace shell {

namespace chr = std::chrono;

std::string format_iso(const imapclient::datetime& when) {
    const auto local = when.utc + when.offset;
    const auto day = chr::floor<chr::days>(local);
    const chr::year_month_day ymd{day};
    const chr::hh_mm_ss hms{chr::floor<chr::seconds>(local - day)};
    const long off = when.offset.count();
    const long aoff = off < 0 ? -off : off;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02ld:%02ld:%02ld%c%02ld:%02ld", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<long>(hms.hours().count()), static_cast<long>(hms.minutes().count()),
                  static_cast<long>(hms.seconds().count()), off < 0 ? '-' : '+', aoff / 60, aoff % 60);
    return buf;
}

namespace {

// Reads exactly `n` digits at `pos`.
bool digits(std::string_view s, std::size_t& pos, int n, int& out) {
    if (pos + n > s.size()) return false;
    out = 0;
    for (int i = 0; i < n; ++i) {
        const char c = s[pos + i];
        if (c < '0' || c > '9') return false;
        out = out * 10 + (c - '0');
    }
    pos += n;
    return true;
}

bool expect(std::string_view s, std::size_t& pos, char c) {
    if (pos >= s.size() || s[pos] != c) return false;
    ++pos;
    return true;
}

}  // namespace

std::optional<imapclient::datetime> parse_iso(std::string_view s) {
    std::size_t p = 0;
    int y, mo, d, h, mi, se;
    if (!digits(s, p, 4, y) || !expect(s, p, '-') || !digits(s, p, 2, mo) || !expect(s, p, '-') ||
        !digits(s, p, 2, d))
        return std::nullopt;
    if (p >= s.size() || (s[p] != 'T' && s[p] != 't' && s[p] != ' ')) return std::nullopt;
    ++p;
    if (!digits(s, p, 2, h) || !expect(s, p, ':') || !digits(s, p, 2, mi) || !expect(s, p, ':') ||
        !digits(s, p, 2, se))
        return std::nullopt;
    if (p < s.size() && (s[p] == '.' || s[p] == ',')) {
        ++p;
        const std::size_t start = p;
        while (p < s.size() && s[p] >= '0' && s[p] <= '9') ++p;
        if (p == start) return std::nullopt;
    }
    int offset_min = 0;
    if (p < s.size()) {
        const char sign = s[p];
        if (sign == 'Z' || sign == 'z') {
            ++p;
        } else if (sign == '+' || sign == '-') {
            ++p;
            int oh = 0, om = 0;
            if (!digits(s, p, 2, oh)) return std::nullopt;
            if (p < s.size()) {
                expect(s, p, ':');
                if (!digits(s, p, 2, om)) return std::nullopt;
            }
            if (oh > 23 || om > 59) return std::nullopt;
            offset_min = (oh * 60 + om) * (sign == '-' ? -1 : 1);
        } else {
            return std::nullopt;
        }
    }
    if (p != s.size()) return std::nullopt;
    const chr::year_month_day ymd{chr::year{y}, chr::month{static_cast<unsigned>(mo)},
                                  chr::day{static_cast<unsigned>(d)}};
    if (!ymd.ok() || h > 23 || mi > 59 || se > 60) return std::nullopt;
    // A leap second is folded into the next minute's first second.
    const auto local = chr::sys_days{ymd} + chr::hours{h} + chr::minutes{mi} + chr::seconds{se};
    imapclient::datetime out;
    out.offset = chr::minutes{offset_min};
    out.utc = local - out.offset;
    return out;
}

}  // namespace shell
