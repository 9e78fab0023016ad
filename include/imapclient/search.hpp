// Search criteria as Python IMAPClient's search() takes them: a list of items, or
// one raw string passed through.
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace imapclient {

/// One item of a criteria list. Strings that are valid atoms ("NOT",
/// "DELETED", "SINCE") are sent as they are; any other string is quoted,
/// or sent as a literal when it has 8-bit bytes or CR/LF/NUL. Integers are
/// sent as numbers, dates as "1-Feb-1994", nested lists as a
/// parenthesised group.
struct search_item {
    using list = std::vector<search_item>;
    std::variant<std::string, std::int64_t, std::chrono::year_month_day, list> value;

    search_item(std::string s) : value(std::move(s)) {}
    search_item(std::string_view s) : value(std::string(s)) {}
    search_item(const char* s) : value(std::string(s)) {}
    search_item(std::int64_t n) : value(n) {}
    search_item(int n) : value(std::int64_t{n}) {}
    search_item(unsigned n) : value(std::int64_t{n}) {}
    search_item(std::chrono::year_month_day d) : value(d) {}
    search_item(list l) : value(std::move(l)) {}
    search_item(std::initializer_list<search_item> l) : value(list(l)) {}
};

/// Either a list of items (`{"NOT", "DELETED"}`, `{"SUBJECT", "héllo"}`)
/// or one raw criteria string (`"SINCE 1-Feb-2020 NOT SEEN"`), sent as it
/// is; a raw string must be 7-bit without control characters.
class search_criteria {
public:
    search_criteria(const char* raw) : raw_(raw), is_raw_(true) {}
    search_criteria(std::string raw) : raw_(std::move(raw)), is_raw_(true) {}
    search_criteria(std::string_view raw) : raw_(raw), is_raw_(true) {}
    search_criteria(std::vector<search_item> items) : items_(std::move(items)) {}
    search_criteria(std::initializer_list<search_item> items) : items_(items) {}

    bool is_raw() const noexcept { return is_raw_; }
    const std::string& raw() const noexcept { return raw_; }
    const std::vector<search_item>& items() const noexcept { return items_; }

private:
    std::string raw_;
    std::vector<search_item> items_;
    bool is_raw_ = false;
};

}  // namespace imapclient
