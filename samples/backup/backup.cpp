#include "backup.hpp"

#include "maildir.hpp"

#include <boost/asio/as_tuple.hpp>

#include <algorithm>

namespace backup {

namespace asio = boost::asio;

namespace {

struct folder_entry {
    std::string name;
    std::optional<char> delimiter;
};

asio::awaitable<std::vector<folder_entry>> folders_to_save(imapclient::client& c, const options& o) {
    auto listed = co_await c.list_folders();
    std::vector<folder_entry> out;
    for (const auto& f : listed.folders) {
        if (f.has_flag("\\Noselect") || f.has_flag("\\NonExistent")) continue;
        const bool wanted = o.folders.empty() || std::find(o.folders.begin(), o.folders.end(), f.name) != o.folders.end();
        if (wanted) out.push_back({f.name, f.delimiter});
    }
    co_return out;
}

asio::awaitable<void> save_folder(imapclient::client& c, const options& o, const folder_entry& f,
                                  folder_report& report) {
    const auto as_tuple = asio::as_tuple(asio::use_awaitable);
    auto [select_ec, selected] = co_await c.select_folder(f.name, true, as_tuple);
    if (select_ec) {
        if (imapclient::is_abort(select_ec)) throw imapclient::abort_error(select_ec, select_ec.message());
        report.error = "cannot select: " + selected.status.text;
        co_return;
    }
    const maildir box(folder_path(o.root, f.name, f.delimiter));
    folder_state state = box.load_state();
    const std::uint32_t validity = selected.uid_validity.value_or(0);
    if (state.uid_validity != 0 && state.uid_validity != validity) {
        box.retire(state.uid_validity);
        report.restarted = true;
        state = {};
    }
    state.uid_validity = validity;
    report.already = state.last_uid;  // refined below to a count

    std::vector<std::uint32_t> uids;
    if (selected.exists > 0) {
        // "UID n:*" always matches the highest UID, even below n: filter.
        const imapclient::search_criteria newer{"UID", std::to_string(state.last_uid + 1) + ":*"};
        auto found = co_await c.search(newer);
        for (auto uid : found.ids)
            if (uid > state.last_uid) uids.push_back(uid);
        std::sort(uids.begin(), uids.end());
        report.already = selected.exists - uids.size();
    } else {
        report.already = 0;
    }

    const std::vector<std::string> items{"BODY.PEEK[]", "FLAGS", "INTERNALDATE"};
    for (std::size_t at = 0; at < uids.size(); at += o.batch) {
        const std::size_t end = std::min(uids.size(), at + o.batch);
        const std::vector<std::uint32_t> batch(uids.begin() + static_cast<std::ptrdiff_t>(at),
                                               uids.begin() + static_cast<std::ptrdiff_t>(end));
        auto fetched = co_await c.fetch(batch, items);
        for (const auto uid : batch) {
            auto it = fetched.messages.find(uid);
            if (it == fetched.messages.end()) continue;  // expunged meanwhile
            const auto* body = it->second.section("BODY[]");
            if (!body || !body->data) continue;
            box.store(state, uid, *body->data, it->second.flags.value_or(std::vector<std::string>{}),
                      it->second.internal_date);
            ++report.saved;
            report.bytes += body->data->size();
        }
        // Every UID of this batch is saved (or gone): a re-run starts after it.
        state.last_uid = batch.back();
        box.save_state(state);
    }
    box.save_state(state);
}

}  // namespace

asio::awaitable<void> run(imapclient::client& c, const options& o, std::function<void(const folder_report&)> on_folder) {
    const auto folders = co_await folders_to_save(c, o);
    for (const auto& name : o.folders) {
        const bool listed = std::any_of(folders.begin(), folders.end(), [&](const folder_entry& f) { return f.name == name; });
        if (!listed) on_folder({.folder = name, .error = "no such selectable folder"});
    }
    for (const auto& f : folders) {
        folder_report report;
        report.folder = f.name;
        co_await save_folder(c, o, f, report);
        on_folder(report);
    }
}

}  // namespace backup
