#include "backup.hpp"

#include "maildir.hpp"

#include <imapclient/body_stream.hpp>

#include <boost/asio/as_tuple.hpp>

#include <algorithm>

namespace backup {

namespace asio = boost::asio;

namespace {

struct folder_entry {
    std::string name;
    std::optional<char> delimiter;
};

// What one folder has to fetch, found before anything is fetched (so that
// progress has totals).
struct folder_plan {
    folder_entry entry;
    std::string error;              // SELECT refused
    std::uint32_t uid_validity = 0;
    std::uint32_t exists = 0;
    std::vector<std::uint32_t> uids;  // new ones, ascending
    std::uint64_t bytes = 0;          // their RFC822.SIZE
};

const std::vector<std::string> size_item{"RFC822.SIZE"};
const std::vector<std::string> meta_items{"RFC822.SIZE", "FLAGS", "INTERNALDATE"};
const std::vector<std::string> body_item{"BODY.PEEK[]"};

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

std::vector<std::uint32_t> slice(const std::vector<std::uint32_t>& v, std::size_t at, std::size_t n) {
    const auto begin = v.begin() + static_cast<std::ptrdiff_t>(at);
    return {begin, begin + static_cast<std::ptrdiff_t>(std::min(n, v.size() - at))};
}

// Selects the folder (read-only) and finds the UIDs above the last one
// saved, with their sizes. Changes nothing on disk.
asio::awaitable<folder_plan> plan_folder(imapclient::client& c, const options& o, const folder_entry& f) {
    folder_plan plan;
    plan.entry = f;
    const auto as_tuple = asio::as_tuple(asio::use_awaitable);
    auto [select_ec, selected] = co_await c.select_folder(f.name, true, as_tuple);
    if (select_ec) {
        if (imapclient::is_abort(select_ec)) throw imapclient::abort_error(select_ec, select_ec.message());
        plan.error = "cannot select: " + selected.status.text;
        co_return plan;
    }
    plan.uid_validity = selected.uid_validity.value_or(0);
    plan.exists = selected.exists;
    if (selected.exists == 0) co_return plan;
    const maildir box(folder_path(o.root, f.name, f.delimiter));
    folder_state state = box.load_state();
    const std::uint32_t after = state.uid_validity == plan.uid_validity ? state.last_uid : 0;
    // "UID n:*" always matches the highest UID, even below n: filter.
    const imapclient::search_criteria newer{"UID", std::to_string(after + 1) + ":*"};
    auto found = co_await c.search(newer);
    for (auto uid : found.ids)
        if (uid > after) plan.uids.push_back(uid);
    std::sort(plan.uids.begin(), plan.uids.end());
    for (std::size_t at = 0; at < plan.uids.size(); at += 1000) {
        auto sizes = co_await c.fetch(slice(plan.uids, at, 1000), size_item);
        for (const auto& [uid, m] : sizes.messages) plan.bytes += m.size.value_or(0);
    }
    co_return plan;
}

// Counts what was saved and tells the caller.
struct tracker {
    progress now;
    folder_report& report;
    const std::function<void(const progress&)>& on_progress;
    void saved(std::uint64_t bytes) {
        ++report.saved;
        report.bytes += bytes;
        ++now.folder_done;
        ++now.done;
        now.folder_bytes_done += bytes;
        now.bytes_done += bytes;
        if (on_progress) on_progress(now);
    }
};

// Messages held in memory: one FETCH of their bodies.
asio::awaitable<void> save_in_memory(imapclient::client& c, const maildir& box, const folder_state& state,
                                     const std::vector<std::uint32_t>& uids, const imapclient::fetch_result& meta,
                                     tracker& t) {
    if (uids.empty()) co_return;
    auto fetched = co_await c.fetch(uids, body_item);
    for (const auto uid : uids) {
        auto it = fetched.messages.find(uid);
        if (it == fetched.messages.end()) continue;  // expunged meanwhile
        const auto* body = it->second.section("BODY[]");
        if (!body || !body->data) continue;
        const auto& m = meta.messages.at(uid);
        box.store(state, uid, *body->data, m.flags.value_or(std::vector<std::string>{}), m.internal_date);
        t.saved(body->data->size());
    }
}

// One big message: streamed into tmp/, renamed into cur/ once whole.
asio::awaitable<void> save_streamed(imapclient::client& c, const maildir& box, const folder_state& state,
                                    std::uint32_t uid, const imapclient::fetch_data& meta, tracker& t) {
    auto sink = imapclient::file_sink(box.tmp_path(state, uid));
    auto [ec, got] = co_await c.stream_fetch(uid, sink, "", asio::as_tuple(asio::use_awaitable));
    if (ec == imapclient::make_error_code(imapclient::errc::message_missing)) co_return;  // expunged meanwhile
    if (ec) imapclient::throw_error(ec, got.status, "streaming UID " + std::to_string(uid));
    box.commit(state, uid, meta.flags.value_or(std::vector<std::string>{}), meta.internal_date);
    t.saved(got.bytes);
}

asio::awaitable<void> save_folder(imapclient::client& c, const options& o, folder_plan& plan, tracker& t) {
    folder_report& report = t.report;
    const auto as_tuple = asio::as_tuple(asio::use_awaitable);
    auto [select_ec, selected] = co_await c.select_folder(plan.entry.name, true, as_tuple);
    if (select_ec) {
        if (imapclient::is_abort(select_ec)) throw imapclient::abort_error(select_ec, select_ec.message());
        report.error = "cannot select: " + selected.status.text;
        co_return;
    }
    if (selected.uid_validity.value_or(0) != plan.uid_validity) {
        // Re-created since it was planned: plan again.
        plan = co_await plan_folder(c, o, plan.entry);
        selected = co_await c.select_folder(plan.entry.name, true);
    }
    const maildir box(folder_path(o.root, plan.entry.name, plan.entry.delimiter));
    folder_state state = box.load_state();
    if (state.uid_validity != 0 && state.uid_validity != plan.uid_validity) {
        box.retire(state.uid_validity);
        report.restarted = true;
        state = {};
    }
    state.uid_validity = plan.uid_validity;
    report.already = plan.exists - std::min<std::size_t>(plan.exists, plan.uids.size());

    for (std::size_t at = 0; at < plan.uids.size(); at += o.batch) {
        const auto batch = slice(plan.uids, at, o.batch);
        auto meta = co_await c.fetch(batch, meta_items);
        std::vector<std::uint32_t> small;
        std::uint64_t small_bytes = 0;
        for (const auto uid : batch) {
            auto it = meta.messages.find(uid);
            if (it == meta.messages.end()) continue;  // expunged meanwhile
            const std::uint64_t size = it->second.size.value_or(0);
            if (size > o.stream_above || (small_bytes + size > o.batch_bytes && !small.empty())) {
                // In UID order: what is held so far is written first.
                co_await save_in_memory(c, box, state, small, meta, t);
                small.clear();
                small_bytes = 0;
            }
            if (size > o.stream_above) {
                co_await save_streamed(c, box, state, uid, it->second, t);
            } else {
                small.push_back(uid);
                small_bytes += size;
            }
        }
        co_await save_in_memory(c, box, state, small, meta, t);
        // Every UID of this batch is saved (or gone): a re-run starts after it.
        state.last_uid = batch.back();
        box.save_state(state);
    }
    box.save_state(state);
}

}  // namespace

asio::awaitable<void> run(imapclient::client& c, const options& o, std::function<void(const folder_report&)> on_folder,
                          std::function<void(const progress&)> on_progress) {
    const auto folders = co_await folders_to_save(c, o);
    for (const auto& name : o.folders) {
        const bool listed = std::any_of(folders.begin(), folders.end(), [&](const folder_entry& f) { return f.name == name; });
        if (!listed) on_folder({.folder = name, .error = "no such selectable folder"});
    }
    std::vector<folder_plan> plans;
    progress now;
    for (const auto& f : folders) {
        auto plan = co_await plan_folder(c, o, f);
        now.total += plan.uids.size();
        now.bytes_total += plan.bytes;
        plans.push_back(std::move(plan));
    }
    now.folders_total = plans.size();
    for (auto& plan : plans) {
        folder_report report;
        report.folder = plan.entry.name;
        if (plan.error.empty()) {
            now.folder = plan.entry.name;
            now.folder_done = 0;
            now.folder_total = plan.uids.size();
            now.folder_bytes_done = 0;
            now.folder_bytes_total = plan.bytes;
            if (on_progress) on_progress(now);
            tracker t{now, report, on_progress};
            co_await save_folder(c, o, plan, t);
            now = t.now;
        } else {
            report.error = plan.error;
        }
        ++now.folders_done;
        on_folder(report);
    }
}

}  // namespace backup
