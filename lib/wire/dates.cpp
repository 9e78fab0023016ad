// INTERNALDATE and RFC 5322 Date header parsing, and INTERNALDATE output.
// All arithmetic goes through std::chrono civil dates, never through the
// process time zone (mktime/timegm), so results do not depend on TZ.
#include <imapclient/types.hpp>

#include <array>
#include <cctype>
#include <cstdio>

namespace imapclient {
namespace {

using namespace std::chrono;

constexpr std::array<const char*, 12> month_abbr = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr std::array<const char*, 12> month_full = {"january", "february", "march",     "april",
                                                    "may",     "june",     "july",      "august",
                                                    "september", "october", "november", "december"};
constexpr std::array<const char*, 7> weekday_full = {"sunday",   "monday", "tuesday", "wednesday",
                                                     "thursday", "friday", "saturday"};

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

// 1..12, or 0. Accepts "Feb", "feb", "February" and the "Sept" variant.
unsigned month_number(std::string_view name) {
    for (unsigned m = 0; m < 12; ++m) {
        if (iequals(name, month_abbr[m]) || iequals(name, month_full[m])) return m + 1;
    }
    if (iequals(name, "sept")) return 9;
    return 0;
}

bool is_weekday(std::string_view name) {
    for (const char* full : weekday_full) {
        std::string_view f(full);
        if (iequals(name, f) || iequals(name, f.substr(0, 3))) return true;
    }
    // Common abbreviations of four letters ("Tues", "Thur", "Thurs").
    return iequals(name, "tues") || iequals(name, "thur") || iequals(name, "thurs") ||
           iequals(name, "wednes");
}

// A tiny cursor over the input; every read is bounds-checked.
struct cursor {
    std::string_view s;
    std::size_t i = 0;

    bool done() const { return i >= s.size(); }
    char peek() const { return done() ? '\0' : s[i]; }
    void skip_spaces() {
        while (!done() && is_space(s[i])) ++i;
    }
    bool eat(char c) {
        if (peek() != c) return false;
        ++i;
        return true;
    }
    // Reads 1..max digits; returns -1 when there are none, or when more
    // digits follow and the field must end there (a 5-digit year).
    int digits(std::size_t max, std::size_t* count = nullptr, bool may_continue = false) {
        std::size_t start = i;
        int v = 0;
        while (!done() && is_digit(s[i]) && i - start < max) v = v * 10 + (s[i++] - '0');
        if (count) *count = i - start;
        if (i == start) return -1;
        if (!may_continue && !done() && is_digit(s[i])) return -1;
        return v;
    }
    std::string_view word() {
        std::size_t start = i;
        while (!done() && is_alpha(s[i])) ++i;
        return s.substr(start, i - start);
    }
};

std::optional<datetime> make(int y, unsigned mo, unsigned d, int h, int mi, int sec, minutes offset) {
    if (y < 1 || y > 9999) return std::nullopt;
    year_month_day ymd{year{y}, month{mo}, day{d}};
    if (!ymd.ok()) return std::nullopt;
    // 60 is a leap second: sys_seconds has none, so it rolls into the next minute.
    if (h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60) return std::nullopt;
    local_seconds local = local_days{ymd} + hours{h} + minutes{mi} + seconds{sec};
    datetime out;
    out.utc = sys_seconds{(local - offset).time_since_epoch()};
    out.offset = offset;
    return out;
}

// "+hhmm", "-hhmm", "hhmm" (no sign: some servers omit "+"), optionally
// "+hh:mm". Returns false when it is not a numeric zone.
bool numeric_zone(cursor& c, minutes& offset) {
    cursor save = c;
    int sign = 1;
    if (c.eat('-')) {
        sign = -1;
    } else {
        c.eat('+');
    }
    std::size_t n = 0;
    int hh = c.digits(2, &n, true);
    if (hh < 0 || n != 2) {
        c = save;
        return false;
    }
    c.eat(':');
    int mm = c.digits(2, &n);
    if (mm < 0 || n != 2 || hh > 23 || mm > 59) {
        c = save;
        return false;
    }
    offset = minutes{sign * (hh * 60 + mm)};
    return true;
}

// RFC 5322 4.3 obsolete zones. Military letters are too often wrong to
// trust, so they count as "-0000" (unknown), which we store as +0000.
bool named_zone(std::string_view name, minutes& offset) {
    struct zone {
        const char* name;
        int hours;
    };
    static constexpr zone zones[] = {{"UT", 0},   {"UTC", 0},  {"GMT", 0},  {"Z", 0},
                                     {"EST", -5}, {"EDT", -4}, {"CST", -6}, {"CDT", -5},
                                     {"MST", -7}, {"MDT", -6}, {"PST", -8}, {"PDT", -7}};
    for (const zone& z : zones) {
        if (iequals(name, z.name)) {
            offset = hours{z.hours};
            return true;
        }
    }
    if (name.size() == 1 && lower(name[0]) != 'j') {
        offset = minutes{0};
        return true;
    }
    // RFC 5322 4.3: other alphabetic zones of unknown meaning ("CEST",
    // "MESZ") count as "-0000" too.
    if (name.size() >= 3 && name.size() <= 5) {
        offset = minutes{0};
        return true;
    }
    return false;
}

// "hh:mm[:ss]" or "hh.mm[.ss]" (some mailers use dots).
bool parse_time(cursor& c, int& h, int& mi, int& sec) {
    h = c.digits(2);
    if (h < 0) return false;
    char sep = c.peek();
    if (sep != ':' && sep != '.') return false;
    c.eat(sep);
    std::size_t n = 0;
    mi = c.digits(2, &n);
    if (mi < 0 || n != 2) return false;
    sec = 0;
    if (c.eat(sep)) {
        sec = c.digits(2, &n);
        if (sec < 0 || n != 2) return false;
    }
    return true;
}

// Zone after the time: numeric, named, "GMT+0200", nothing at all (read as
// +0000), then an optional comment such as "(UTC)". Anything else fails.
bool parse_zone(cursor& c, minutes& offset) {
    offset = minutes{0};
    c.skip_spaces();
    if (c.done()) return true;
    if (numeric_zone(c, offset)) {
        // "+0200 CEST": a redundant zone name after the offset.
        c.skip_spaces();
        cursor save = c;
        std::string_view name = c.word();
        if (name.size() > 5) c = save;
    } else {
        if (c.peek() == '(') {
            // A comment with no zone before it.
        } else {
            std::string_view name = c.word();
            if (name.empty() || !named_zone(name, offset)) return false;
            if (iequals(name, "GMT") || iequals(name, "UTC") || iequals(name, "UT")) {
                minutes extra{0};
                if ((c.peek() == '+' || c.peek() == '-') && numeric_zone(c, extra)) offset = extra;
            }
        }
    }
    c.skip_spaces();
    if (c.peek() == '(') {
        int depth = 0;
        while (!c.done()) {
            char ch = c.s[c.i++];
            if (ch == '(') ++depth;
            if (ch == ')' && --depth == 0) break;
        }
        if (depth != 0) return false;
        c.skip_spaces();
    }
    return c.done();
}

int full_year(int y, std::size_t ndigits) {
    if (ndigits == 2) return y < 50 ? 2000 + y : 1900 + y;
    if (ndigits == 3) return 1900 + y;
    return y;
}

std::optional<datetime> parse_rfc5322(std::string_view text) {
    cursor c{text};
    c.skip_spaces();
    // Optional day of week, "Sat," "Wednesday,18" "Sat".
    {
        cursor save = c;
        std::string_view w = c.word();
        if (!w.empty() && is_weekday(w)) {
            c.skip_spaces();
            c.eat(',');
            c.skip_spaces();
        } else {
            c = save;
        }
    }
    int d = c.digits(2);
    if (d < 0) return std::nullopt;
    c.skip_spaces();
    c.eat('-');
    c.skip_spaces();
    unsigned mo = month_number(c.word());
    if (mo == 0) return std::nullopt;
    c.skip_spaces();
    c.eat('-');
    c.skip_spaces();
    std::size_t ny = 0;
    int y = c.digits(4, &ny);
    if (y < 0 || ny < 2) return std::nullopt;
    y = full_year(y, ny);
    if (!is_space(c.peek())) return std::nullopt;
    c.skip_spaces();
    int h, mi, sec;
    if (!parse_time(c, h, mi, sec)) return std::nullopt;
    minutes offset;
    if (!parse_zone(c, offset)) return std::nullopt;
    return make(y, mo, static_cast<unsigned>(d), h, mi, sec, offset);
}

// asctime()/ctime() shape that some gateways produce: "Sat May  8 16:03:09 2010".
std::optional<datetime> parse_asctime(std::string_view text) {
    cursor c{text};
    c.skip_spaces();
    std::string_view w = c.word();
    if (w.empty() || !is_weekday(w)) return std::nullopt;
    c.skip_spaces();
    unsigned mo = month_number(c.word());
    if (mo == 0) return std::nullopt;
    c.skip_spaces();
    int d = c.digits(2);
    if (d < 0) return std::nullopt;
    c.skip_spaces();
    int h, mi, sec;
    if (!parse_time(c, h, mi, sec)) return std::nullopt;
    c.skip_spaces();
    std::size_t ny = 0;
    int y = c.digits(4, &ny);
    if (y < 0 || ny != 4) return std::nullopt;
    minutes offset;
    if (!parse_zone(c, offset)) return std::nullopt;
    return make(y, mo, static_cast<unsigned>(d), h, mi, sec, offset);
}

}  // namespace

std::optional<datetime> parse_internal_date(std::string_view text) {
    cursor c{text};
    c.skip_spaces();  // date-day-fixed may be " 9"
    int d = c.digits(2);
    if (d < 0 || !c.eat('-')) return std::nullopt;
    std::string_view mname = c.word();
    if (mname.size() != 3) return std::nullopt;
    unsigned mo = month_number(mname);
    if (mo == 0 || !c.eat('-')) return std::nullopt;
    std::size_t ny = 0;
    int y = c.digits(4, &ny);
    if (y < 0 || ny != 4 || !c.eat(' ')) return std::nullopt;
    std::size_t n = 0;
    int h = c.digits(2, &n);
    if (h < 0 || n != 2 || !c.eat(':')) return std::nullopt;
    int mi = c.digits(2, &n);
    if (mi < 0 || n != 2 || !c.eat(':')) return std::nullopt;
    int sec = c.digits(2, &n);
    if (sec < 0 || n != 2 || !c.eat(' ')) return std::nullopt;
    minutes offset;
    if (!numeric_zone(c, offset)) return std::nullopt;
    c.skip_spaces();
    if (!c.done()) return std::nullopt;
    return make(y, mo, static_cast<unsigned>(d), h, mi, sec, offset);
}

std::optional<datetime> parse_header_date(std::string_view text) {
    if (auto r = parse_rfc5322(text)) return r;
    return parse_asctime(text);
}

std::string format_internal_date(const datetime& when) {
    local_seconds local = when.local();
    local_days day_start = floor<days>(local);
    year_month_day ymd{day_start};
    hh_mm_ss<seconds> tod{local - day_start};
    long off = static_cast<long>(when.offset.count());
    char sign = off < 0 ? '-' : '+';
    if (off < 0) off = -off;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%02u-%s-%04d %02ld:%02ld:%02ld %c%02ld%02ld",
                  static_cast<unsigned>(ymd.day()), month_abbr[static_cast<unsigned>(ymd.month()) - 1],
                  static_cast<int>(ymd.year()), static_cast<long>(tod.hours().count()),
                  static_cast<long>(tod.minutes().count()), static_cast<long>(tod.seconds().count()), sign,
                  off / 60, off % 60);
    return buf;
}

}  // namespace imapclient
