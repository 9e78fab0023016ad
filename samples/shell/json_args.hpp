// The arguments of one shell call: positional JSON values plus an optional
// object of keyword arguments, taken by the method's parameter names as in
// Python ("select_folder INBOX readonly=true" or
// ["select_folder", "INBOX", {"readonly": true}]).
//
// Conversions (JSON to the client's argument types):
//   string         a JSON string, {"base64": "..."} for arbitrary bytes; a
//                  number is taken as its decimal text (a folder "2024")
//   message ids    3, "1:*", "2,4:7", or [1, 2, 3]
//   string lists   ["FLAGS", "ENVELOPE"], or one string for a list of one
//   search         a raw string "NOT DELETED", or a list of items: strings,
//                  integers, nested lists, {"date": "2024-02-01"}
//   datetime       ISO 8601 "2024-02-01T10:00:00+01:00" (no zone: UTC)
//   seconds        a number (fractions allowed)
//   flag change    "add", "remove" or "set" (STORE +FLAGS, -FLAGS, FLAGS)
#pragma once

#include <imapclient/client.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace shell {

namespace json = boost::json;

/// Bad JSON, an unknown method, a missing or malformed argument: the
/// shell's "invalid_argument" error, raised before anything is sent.
class invalid_argument : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

using seconds = std::chrono::duration<double>;
using id_parameters = std::vector<std::pair<std::string, std::string>>;
using metadata_entries = std::vector<std::pair<std::string, std::optional<std::string>>>;

/// Converts one JSON value to T; `what` names the parameter in errors.
template <typename T>
T convert(const json::value& v, std::string_view what);

template <> std::string convert<std::string>(const json::value&, std::string_view);
template <> bool convert<bool>(const json::value&, std::string_view);
template <> std::uint32_t convert<std::uint32_t>(const json::value&, std::string_view);
template <> std::uint64_t convert<std::uint64_t>(const json::value&, std::string_view);
template <> seconds convert<seconds>(const json::value&, std::string_view);
template <> imapclient::sequence_set convert<imapclient::sequence_set>(const json::value&, std::string_view);
template <> std::vector<std::string> convert<std::vector<std::string>>(const json::value&, std::string_view);
template <> imapclient::search_criteria convert<imapclient::search_criteria>(const json::value&, std::string_view);
template <> imapclient::datetime convert<imapclient::datetime>(const json::value&, std::string_view);
template <> std::vector<imapclient::quota> convert<std::vector<imapclient::quota>>(const json::value&, std::string_view);
template <> std::vector<imapclient::client::append_message>
convert<std::vector<imapclient::client::append_message>>(const json::value&, std::string_view);
template <> id_parameters convert<id_parameters>(const json::value&, std::string_view);
template <> imapclient::flag_change convert<imapclient::flag_change>(const json::value&, std::string_view);
/// ["MIN", "MAX", "COUNT", "ALL", "SAVE"] (any case, any of them).
template <> imapclient::search_return convert<imapclient::search_return>(const json::value&, std::string_view);
/// {"patterns": [...], "subscribed": true, ..., "status": ["MESSAGES"]}: the
/// fields of imapclient::list_options by name.
template <> imapclient::list_options convert<imapclient::list_options>(const json::value&, std::string_view);
/// {"entry": "value" or null, ...}: SETMETADATA's entries (null removes).
template <> metadata_entries convert<metadata_entries>(const json::value&, std::string_view);
/// [{"target": "selected"|"selected-delayed"|"inboxes"|"personal"|
/// "subscribed"|"subtree"|"mailboxes", "mailboxes": [...], "events":
/// ["MessageNew", ...], "fetch": ["UID", ...]}, ...].
template <> std::vector<imapclient::notify_group>
convert<std::vector<imapclient::notify_group>>(const json::value&, std::string_view);
/// "0", "1" or "infinity" (or the numbers 0 and 1).
template <> imapclient::metadata_depth convert<imapclient::metadata_depth>(const json::value&, std::string_view);
/// QRESYNC's seq-match-data: [sequence_numbers, uids], two message sets, or
/// {"sequence_numbers": ..., "uids": ...}.
template <> imapclient::qresync_params::sequence_match
convert<imapclient::qresync_params::sequence_match>(const json::value&, std::string_view);

class call_args {
public:
    call_args(std::string method, json::array positional, json::object keywords);

    const std::string& method() const noexcept { return method_; }

    /// A required parameter: position `index` or keyword `name`.
    template <typename T>
    T need(std::size_t index, std::string_view name) {
        const json::value* v = take(index, name);
        if (!v) throw invalid_argument(method_ + ": missing argument '" + std::string(name) + "'");
        return convert<T>(*v, name);
    }

    /// An optional parameter; JSON null also means "not given".
    template <typename T>
    std::optional<T> maybe(std::size_t index, std::string_view name) {
        const json::value* v = take(index, name);
        if (!v || v->is_null()) return std::nullopt;
        return convert<T>(*v, name);
    }

    template <typename T>
    T get(std::size_t index, std::string_view name, T fallback) {
        auto v = maybe<T>(index, name);
        return v ? std::move(*v) : std::move(fallback);
    }

    /// A keyword-only parameter of the shell's own (lease=N).
    template <typename T>
    std::optional<T> keyword(std::string_view name) {
        const json::value* v = keywords_.if_contains(name);
        if (!v || v->is_null()) return std::nullopt;
        used_keywords_.emplace_back(name);
        return convert<T>(*v, name);
    }

    /// A parameter of Python IMAPClient's *args kind (enable(*capabilities)): every
    /// positional argument from `index` on, or one list (or keyword).
    std::vector<std::string> rest_strings(std::size_t index, std::string_view name);

    /// Call after the last parameter: refuses extra positional arguments
    /// and unknown keywords, so a typo never goes unnoticed.
    void done() const;

private:
    const json::value* take(std::size_t index, std::string_view name);

    std::string method_;
    json::array positional_;
    json::object keywords_;
    std::size_t max_index_ = 0;
    std::vector<std::string> used_keywords_;
};

/// Splits ["method", arg..., {kwargs}] into a call. A trailing object is
/// always the keywords; pass an explicit {} to give an object positionally.
call_args parse_call(const json::value& call);

}  // namespace shell
