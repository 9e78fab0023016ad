// Folders whose messages say which folder they belong to (subject
// "F<index>-<n>"), for the tests where several callers work in several
// folders and each must get only its own folder's messages.
#pragma once

#include "harness.hpp"

#include <imapclient/client.hpp>

#include <string>
#include <vector>

namespace test {

/// Creates `folders` folders of `per_folder` messages through anything with
/// run(op) (a client, a pool); returns their names.
template <typename Target>
boost::asio::awaitable<std::vector<std::string>> make_numbered_folders(Target& target, int folders, int per_folder) {
    std::vector<std::string> names;
    for (int f = 0; f < folders; ++f) {
        names.push_back(unique_name("numbered"));
        imapclient::ops::create_folder create{names.back()};
        co_await target.run(std::move(create));
        for (int m = 0; m < per_folder; ++m) {
            imapclient::ops::append add;
            add.folder = names.back();
            add.message = make_message("F" + std::to_string(f) + "-" + std::to_string(m), "body");
            co_await target.run(std::move(add));
        }
    }
    co_return names;
}

/// FETCH of every message (named, not built inside a co_await: GCC 12).
inline imapclient::ops::fetch fetch_every(std::string item) {
    imapclient::ops::fetch f;
    f.messages = imapclient::sequence_set("1:*");
    f.items.push_back(std::move(item));
    return f;
}

/// The folder index each fetched message's subject names ("F3"); "?" when
/// it has none.
inline std::vector<std::string> folder_marks(const imapclient::fetch_result& r) {
    std::vector<std::string> out;
    for (const auto& [uid, m] : r.messages) {
        const auto& s = m.envelope ? m.envelope->subject : std::optional<std::string>();
        out.push_back(s ? s->substr(0, s->find('-')) : "?");
    }
    return out;
}

/// How many fetched messages are not from folder `f`.
inline int foreign_messages(const imapclient::fetch_result& r, int f) {
    int n = 0;
    for (const auto& mark : folder_marks(r))
        if (mark != "F" + std::to_string(f)) ++n;
    return n;
}

}  // namespace test
