// The seed's message operations beyond search/fetch/append: sort, thread,
// gmail_search, multiappend, copy, move, expunge and uid_expunge. Each is a
// coroutine on the actor's strand (see client_ops.cpp for the pattern).
#include "client_launch.hpp"
#include "engine/commands_messages.hpp"

#include <boost/asio/use_awaitable.hpp>

namespace imapclient {

namespace asio = boost::asio;
namespace commands = engine::commands;
using detail::launch;
using detail::refuse;
using detail::with_status;

namespace {

using self_ptr = std::shared_ptr<client::impl>;

// SEARCH / SORT data in the order the server sent it (SORT's order is the
// result), and the MODSEQ of a CONDSTORE search.
search_result to_search_result(const engine::completion& c) {
    search_result r;
    for (const auto& resp : c.responses) {
        if (auto* s = std::get_if<search_data>(&resp)) {
            r.ids.insert(r.ids.end(), s->ids.begin(), s->ids.end());
            if (s->modseq) r.modseq = s->modseq;
        } else if (auto* e = std::get_if<esearch_data>(&resp)) {
            // Only with RETURN options, which these commands do not send;
            // kept so that an eager server's answer is not lost.
            if (auto ids = commands::expand_uid_set(e->all)) r.ids.insert(r.ids.end(), ids->begin(), ids->end());
            if (e->modseq) r.modseq = e->modseq;
        }
    }
    return r;
}

// The [COPYUID v src dst] code of a tagged reply or of an untagged OK that
// a MOVE collected.
const response_code* find_copyuid(const engine::completion& c) {
    if (c.status.code && c.status.code->name == "COPYUID") return &*c.status.code;
    for (const auto& resp : c.responses)
        if (auto* s = std::get_if<status_response>(&resp); s && s->code && s->code->name == "COPYUID")
            return &*s->code;
    return nullptr;
}

asio::awaitable<op_result<search_result>> do_sort(self_ptr self, std::vector<std::string> keys,
                                                  search_criteria criteria, std::string charset) {
    if (auto ec = self->check_state(true)) co_return refuse<search_result>(ec, "no mailbox selected");
    if (!self->engine_.has_capability("SORT"))
        co_return refuse<search_result>(errc::capability_missing, "the server does not offer SORT");
    auto c = co_await self->async_run(
        commands::sort(std::move(keys), std::move(criteria), std::move(charset), self->use_uid_), asio::use_awaitable);
    co_return with_status(c, to_search_result(c));
}

asio::awaitable<op_result<thread_result>> do_thread(self_ptr self, std::string algorithm, search_criteria criteria,
                                                    std::string charset) {
    if (auto ec = self->check_state(true)) co_return refuse<thread_result>(ec, "no mailbox selected");
    if (!self->engine_.has_capability("THREAD=" + algorithm))
        co_return refuse<thread_result>(errc::capability_missing, "the server does not offer THREAD=" + algorithm);
    auto c = co_await self->async_run(
        commands::thread(std::move(algorithm), std::move(criteria), std::move(charset), self->use_uid_),
        asio::use_awaitable);
    thread_result r;
    for (auto& resp : c.responses)
        if (auto* t = std::get_if<thread_data>(&resp))
            for (auto& n : t->threads) r.threads.push_back(std::move(n));
    co_return with_status(c, std::move(r));
}

asio::awaitable<op_result<search_result>> do_gmail_search(self_ptr self, std::string query, std::string charset) {
    if (auto ec = self->check_state(true)) co_return refuse<search_result>(ec, "no mailbox selected");
    if (!self->engine_.has_capability("X-GM-EXT-1"))
        co_return refuse<search_result>(errc::capability_missing, "the server does not offer X-GM-EXT-1 (X-GM-RAW)");
    auto c = co_await self->async_run(commands::gmail_search(std::move(query), std::move(charset), self->use_uid_),
                                      asio::use_awaitable);
    co_return with_status(c, to_search_result(c));
}

asio::awaitable<op_result<append_result>> do_multiappend(self_ptr self, std::string folder,
                                                         std::vector<commands::append_item> messages) {
    if (auto ec = self->check_state(false)) co_return refuse<append_result>(ec, "not connected");
    if (!self->engine_.has_capability("MULTIAPPEND"))
        co_return refuse<append_result>(errc::capability_missing, "the server does not offer MULTIAPPEND");
    auto c = co_await self->async_run(
        commands::multiappend(std::move(folder), std::move(messages), self->opts_.folder_encode), asio::use_awaitable);
    append_result r;
    if (c.status.code && c.status.code->name == "APPENDUID") {
        if (c.status.code->number) r.uid_validity = static_cast<std::uint32_t>(*c.status.code->number);
        if (auto uids = commands::expand_uid_set(c.status.code->uid_set)) r.uids = std::move(*uids);
        if (r.uids.size() == 1) r.uid = r.uids.front();
    }
    co_return with_status(c, std::move(r));
}

asio::awaitable<op_result<copy_result>> do_copy(self_ptr self, sequence_set set, std::string folder, bool move) {
    if (auto ec = self->check_state(true)) co_return refuse<copy_result>(ec, "no mailbox selected");
    if (move && !self->engine_.has_capability("MOVE"))
        co_return refuse<copy_result>(errc::capability_missing, "the server does not offer MOVE");
    if (move && self->engine_.mailbox().readonly)
        co_return refuse<copy_result>(errc::read_only, "the mailbox is selected read-only: MOVE would expunge");
    const bool uid = self->use_uid_;
    const bool encode = self->opts_.folder_encode;
    // Built before the co_await: GCC 12 mis-destroys temporaries of a
    // conditional expression inside a co_await (seen as a double free).
    engine::command_request req = move ? commands::move(set, std::move(folder), uid, encode)
                                       : commands::copy(set, std::move(folder), uid, encode);
    auto c = co_await self->async_run(std::move(req), asio::use_awaitable);
    copy_result r;
    if (const response_code* code = find_copyuid(c)) {
        if (code->number) r.uid_validity = static_cast<std::uint32_t>(*code->number);
        auto src = commands::expand_uid_set(code->uid_set);
        auto dst = commands::expand_uid_set(code->dest_uid_set);
        // Sets that do not pair up are not trusted by halves.
        if (src && dst && src->size() == dst->size()) {
            r.source_uids = std::move(*src);
            r.dest_uids = std::move(*dst);
        }
    }
    co_return with_status(c, std::move(r));
}

asio::awaitable<op_result<expunge_result>> do_expunge(self_ptr self, std::optional<sequence_set> messages,
                                                      bool force_uid) {
    if (auto ec = self->check_state(true)) co_return refuse<expunge_result>(ec, "no mailbox selected");
    // The seed's expunge(messages) treats an empty list as no list.
    if (messages && messages->empty() && !force_uid) messages.reset();
    if (messages) {
        // The seed (3.x): "cannot EXPUNGE by ID when not using uids".
        if (!force_uid && !self->use_uid_)
            co_return refuse<expunge_result>(errc::invalid_argument,
                                             "expunge(messages) needs use_uid: UID EXPUNGE takes UIDs");
        if (!self->engine_.has_capability("UIDPLUS"))
            co_return refuse<expunge_result>(errc::capability_missing, "the server does not offer UIDPLUS");
    }
    if (self->engine_.mailbox().readonly)
        co_return refuse<expunge_result>(errc::read_only, "the mailbox is selected read-only");
    auto c = co_await self->async_run(commands::expunge(std::move(messages)), asio::use_awaitable);
    expunge_result r;
    for (const auto& resp : c.responses) {
        if (auto* e = std::get_if<expunge_data>(&resp)) r.expunged.push_back(e->seq);
        else if (auto* v = std::get_if<vanished_data>(&resp))
            if (auto uids = commands::expand_uid_set(v->uids)) r.vanished.insert(r.vanished.end(), uids->begin(), uids->end());
    }
    co_return with_status(c, std::move(r));
}

}  // namespace

void client::start_sort(std::vector<std::string> sort_criteria, search_criteria criteria, std::string charset,
                        result_handler<search_result> h) {
    launch(impl_, std::move(h), [self = impl_, s = std::move(sort_criteria), c = std::move(criteria),
                                 cs = std::move(charset)]() mutable {
        return do_sort(self, std::move(s), std::move(c), std::move(cs));
    });
}

void client::start_thread(std::string algorithm, search_criteria criteria, std::string charset,
                          result_handler<thread_result> h) {
    launch(impl_, std::move(h), [self = impl_, a = std::move(algorithm), c = std::move(criteria),
                                 cs = std::move(charset)]() mutable {
        return do_thread(self, std::move(a), std::move(c), std::move(cs));
    });
}

void client::start_gmail_search(std::string query, std::string charset, result_handler<search_result> h) {
    launch(impl_, std::move(h), [self = impl_, q = std::move(query), cs = std::move(charset)]() mutable {
        return do_gmail_search(self, std::move(q), std::move(cs));
    });
}

void client::start_multiappend(std::string folder, std::vector<append_message> messages,
                               result_handler<append_result> h) {
    std::vector<commands::append_item> items;
    items.reserve(messages.size());
    for (auto& m : messages) items.push_back({std::move(m.message), std::move(m.flags), m.msg_time});
    launch(impl_, std::move(h), [self = impl_, f = std::move(folder), items = std::move(items)]() mutable {
        return do_multiappend(self, std::move(f), std::move(items));
    });
}

void client::start_copy(sequence_set messages, std::string folder, bool move, result_handler<copy_result> h) {
    launch(impl_, std::move(h), [self = impl_, m = std::move(messages), f = std::move(folder), move]() mutable {
        return do_copy(self, std::move(m), std::move(f), move);
    });
}

void client::start_expunge(std::optional<sequence_set> messages, bool force_uid, result_handler<expunge_result> h) {
    launch(impl_, std::move(h), [self = impl_, m = std::move(messages), force_uid]() mutable {
        return do_expunge(self, std::move(m), force_uid);
    });
}

}  // namespace imapclient
