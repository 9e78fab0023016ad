// CONDSTORE and QRESYNC (RFC 7162): select_folder_qresync(),
// fetch_changed_since(), store_unchanged_since(). Each is a coroutine on
// the actor's strand (see client_ops.cpp for the pattern).
#include "client_launch.hpp"
#include "engine/commands_condstore.hpp"
#include "engine/commands_messages.hpp"

#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace imapclient {

namespace asio = boost::asio;
namespace commands = engine::commands;
using detail::launch;
using detail::refuse;
using detail::with_status;

namespace {

using self_ptr = std::shared_ptr<client::impl>;

// A resync after months offline may report millions of vanished UIDs in a
// few ranges; more than this is refused rather than allocated.
constexpr std::size_t max_vanished = 10'000'000;

bool offers_condstore(const client::impl& self) {
    // RFC 7162 3.2: a QRESYNC server implements CONDSTORE.
    return self.engine_.has_capability("CONDSTORE") || self.engine_.has_capability("QRESYNC");
}

// Appends the UIDs of VANISHED (EARLIER) data; false when a set is
// malformed or too large to expand.
bool add_vanished(const vanished_data& v, std::vector<std::uint32_t>& out) {
    auto uids = commands::expand_uid_set(v.uids, max_vanished - std::min(max_vanished - 1, out.size()));
    if (!uids) return false;
    out.insert(out.end(), uids->begin(), uids->end());
    return true;
}

// One message's FETCH data into a result map; a server may split the items
// over several responses.
void add_fetch(std::map<std::uint32_t, fetch_data>& out, std::uint32_t key, fetch_data&& f) {
    auto [it, fresh] = out.try_emplace(key, std::move(f));
    if (fresh) return;
    auto& dst = it->second;
    if (f.flags) dst.flags = std::move(f.flags);
    if (f.modseq) dst.modseq = f.modseq;
    if (f.uid) dst.uid = f.uid;
    for (auto& s : f.sections) dst.sections.push_back(std::move(s));
    for (auto& o : f.other) dst.other.push_back(std::move(o));
}

template <typename T>
op_result<T> bad_vanished(const engine::completion& c, T r) {
    auto out = with_status(c, std::move(r));
    if (!out.first) {
        out.first = make_error_code(errc::protocol_violation);
        out.second.status.text = "a VANISHED set was malformed or named more than " + std::to_string(max_vanished) +
                                 " UIDs; resync fully";
    }
    return out;
}

asio::awaitable<op_result<qresync_select_result>> do_select_qresync(self_ptr self, std::string folder,
                                                                    qresync_params params, bool readonly) {
    using R = qresync_select_result;
    if (auto r = detail::refuse_unless_offered<R>(*self, "QRESYNC")) co_return std::move(*r);
    // RFC 7162 3.2.5: SELECT (QRESYNC ...) before ENABLE QRESYNC is a BAD.
    if (!self->engine_.is_enabled("QRESYNC"))
        co_return refuse<R>(errc::illegal_state, "QRESYNC is not enabled: call enable({\"QRESYNC\"}) first");
    auto req = commands::select_qresync(std::move(folder), params, readonly, self->opts_.folder_encode);
    auto c = co_await self->async_run(std::move(req), asio::use_awaitable);
    if (c.ec) co_return with_status<R>(c);
    R r;
    static_cast<select_result&>(r) = self->selected_result();
    r.uid_validity_changed = !r.uid_validity || *r.uid_validity != params.uid_validity;
    // With a mailbox already selected, what the server sent before
    // "OK [CLOSED]" still concerned the old one (RFC 7162 3.2.11).
    auto first = c.responses.begin();
    for (auto it = c.responses.begin(); it != c.responses.end(); ++it)
        if (auto* s = std::get_if<status_response>(&*it); s && s->code && s->code->name == "CLOSED") first = it + 1;
    bool sets_ok = true;
    for (auto it = first; it != c.responses.end(); ++it) {
        if (auto* v = std::get_if<vanished_data>(&*it)) {
            sets_ok = add_vanished(*v, r.vanished) && sets_ok;
        } else if (auto* f = std::get_if<fetch_data>(&*it)) {
            // Without a UID it cannot be matched to a cached message.
            if (f->uid) add_fetch(r.changed, *f->uid, std::move(*f));
        }
    }
    if (r.uid_validity_changed) {
        // The server is to send nothing then; whatever came is meaningless.
        r.vanished.clear();
        r.changed.clear();
    }
    if (!sets_ok) co_return bad_vanished(c, std::move(r));
    co_return with_status(c, std::move(r));
}

asio::awaitable<op_result<changes_result>> do_fetch_changed_since(self_ptr self, sequence_set set,
                                                                  std::uint64_t mod_seq,
                                                                  std::vector<std::string> items, bool vanished) {
    using R = changes_result;
    if (auto ec = self->check_state(true)) co_return refuse<R>(ec, "no mailbox selected");
    if (!offers_condstore(*self))
        co_return refuse<R>(errc::capability_missing, "the server does not offer CONDSTORE");
    if (vanished && !self->engine_.is_enabled("QRESYNC"))
        co_return refuse<R>(errc::illegal_state, "the VANISHED modifier needs QRESYNC enabled");
    const bool uid = self->use_uid_;
    if (vanished && !uid)
        co_return refuse<R>(errc::invalid_argument, "the VANISHED modifier needs UID FETCH (use_uid)");
    if (set.empty()) co_return op_result<R>{};
    if (items.empty()) items.emplace_back("FLAGS");
    auto req = commands::fetch_changed_since(set, std::move(items), mod_seq, vanished, uid);
    auto c = co_await self->async_run(std::move(req), asio::use_awaitable);
    R r;
    bool sets_ok = true;
    for (auto& resp : c.responses) {
        if (auto* v = std::get_if<vanished_data>(&resp)) {
            sets_ok = add_vanished(*v, r.vanished) && sets_ok;
        } else if (auto* f = std::get_if<fetch_data>(&resp)) {
            if (uid && !f->uid) continue;  // somebody else's flag update
            const std::uint32_t key = uid ? *f->uid : f->seq;
            add_fetch(r.messages, key, std::move(*f));
        }
    }
    if (self->opts_.normalise_times)
        for (auto& [key, m] : r.messages) commands::normalise_times(m);
    if (!sets_ok) co_return bad_vanished(c, std::move(r));
    co_return with_status(c, std::move(r));
}

asio::awaitable<op_result<conditional_store_result>> do_store_unchanged_since(self_ptr self, sequence_set set,
                                                                              flag_change change,
                                                                              std::vector<std::string> flags,
                                                                              std::uint64_t unchanged_since,
                                                                              bool silent) {
    using R = conditional_store_result;
    if (auto ec = self->check_state(true)) co_return refuse<R>(ec, "no mailbox selected");
    if (!offers_condstore(*self))
        co_return refuse<R>(errc::capability_missing, "the server does not offer CONDSTORE");
    if (self->engine_.mailbox().readonly)
        co_return refuse<R>(errc::read_only, "the mailbox is selected read-only: STORE refused");
    if (set.empty()) co_return op_result<R>{};
    const bool uid = self->use_uid_;
    auto req = commands::store_unchanged_since(set, change, std::move(flags), unchanged_since, silent, uid);
    auto c = co_await self->async_run(std::move(req), asio::use_awaitable);
    R r;
    for (auto& resp : c.responses) {
        auto* f = std::get_if<fetch_data>(&resp);
        if (!f || (uid && !f->uid)) continue;
        const std::uint32_t key = uid ? *f->uid : f->seq;
        if (f->modseq) r.modseqs[key] = *f->modseq;
        if (!silent && f->flags) r.flags[key] = std::move(*f->flags);
    }
    // OK [MODIFIED 7,9] (or NO [MODIFIED ...] from a server that refused
    // the whole command over it).
    if (c.status.code && c.status.code->name == "MODIFIED") {
        std::string_view set_text = c.status.code->uid_set;
        while (!set_text.empty() && set_text.back() == ' ') set_text.remove_suffix(1);
        if (auto ids = commands::expand_uid_set(set_text)) r.modified = std::move(*ids);
        else if (!c.ec) {
            auto out = with_status(c, std::move(r));
            out.first = make_error_code(errc::protocol_violation);
            out.second.status.text = "unreadable [MODIFIED] set: " + std::string(set_text.substr(0, 80));
            co_return out;
        }
    }
    co_return with_status(c, std::move(r));
}

}  // namespace

bool client::is_enabled(std::string_view capability) const {
    return impl_ && impl_->engine_.is_enabled(capability);
}

void client::start_select_qresync(std::string folder, qresync_params params, bool readonly,
                                  result_handler<qresync_select_result> h) {
    launch(impl_, std::move(h), [self = impl_, f = std::move(folder), p = std::move(params), readonly]() mutable {
        return do_select_qresync(self, std::move(f), std::move(p), readonly);
    });
}

void client::start_fetch_changed_since(sequence_set messages, std::uint64_t mod_seq, std::vector<std::string> items,
                                       bool vanished, result_handler<changes_result> h) {
    launch(impl_, std::move(h), [self = impl_, m = std::move(messages), mod_seq, i = std::move(items),
                                 vanished]() mutable {
        return do_fetch_changed_since(self, std::move(m), mod_seq, std::move(i), vanished);
    });
}

void client::start_store_unchanged_since(sequence_set messages, flag_change change, std::vector<std::string> flags,
                                         std::uint64_t unchanged_since, bool silent,
                                         result_handler<conditional_store_result> h) {
    launch(impl_, std::move(h), [self = impl_, m = std::move(messages), change, f = std::move(flags),
                                 unchanged_since, silent]() mutable {
        return do_store_unchanged_since(self, std::move(m), change, std::move(f), unchanged_since, silent);
    });
}

}  // namespace imapclient
