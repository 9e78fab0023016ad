// Flags and Gmail labels: get_flags()/add_flags()/remove_flags()/set_flags()
// and their X-GM-LABELS twins. "get" is a FETCH; the others are STORE,
// whose untagged FETCH replies are the result (none when silent).
#include "client_launch.hpp"
#include "engine/commands_messages.hpp"

#include <imapclient/utf7.hpp>

#include <boost/asio/use_awaitable.hpp>

namespace imapclient {

namespace asio = boost::asio;
namespace commands = engine::commands;
using detail::launch;
using detail::refuse;
using detail::with_status;

namespace {

asio::awaitable<op_result<flags_result>> do_store(std::shared_ptr<client::impl> self, bool labels,
                                                  std::optional<commands::store_mode> mode, sequence_set set,
                                                  std::vector<std::string> values, bool silent) {
    if (auto ec = self->check_state(true)) co_return refuse<flags_result>(ec, "no mailbox selected");
    if (labels && !self->engine_.has_capability("X-GM-EXT-1"))
        co_return refuse<flags_result>(errc::capability_missing, "the server does not offer X-GM-EXT-1 (X-GM-LABELS)");
    // The seed returns {} for no messages without asking the server.
    if (set.empty()) co_return op_result<flags_result>{};
    if (mode && self->engine_.mailbox().readonly)
        co_return refuse<flags_result>(errc::read_only, "the mailbox is selected read-only: STORE refused");
    const bool uid = self->use_uid_;
    static const std::vector<std::string> flags_item{"FLAGS"}, labels_item{"X-GM-LABELS"};
    auto req = mode ? commands::store(set, *mode, labels, std::move(values), silent, uid)
                    : commands::fetch(set, labels ? labels_item : flags_item, {}, uid);
    auto c = co_await self->async_run(std::move(req), asio::use_awaitable);
    flags_result r;
    if (!silent || !mode) {
        for (auto& resp : c.responses) {
            auto* f = std::get_if<fetch_data>(&resp);
            if (!f || (uid && !f->uid)) continue;
            const std::uint32_t key = uid ? *f->uid : f->seq;
            if (labels && f->gmail_labels) {
                std::vector<std::string> decoded;
                decoded.reserve(f->gmail_labels->size());
                for (const auto& l : *f->gmail_labels) decoded.push_back(decode_utf7(l));
                r.messages[key] = std::move(decoded);
            } else if (!labels && f->flags) {
                r.messages[key] = std::move(*f->flags);
            }
        }
    }
    co_return with_status(c, std::move(r));
}

}  // namespace

void client::start_store(store_item item, store_op op, sequence_set messages, std::vector<std::string> values,
                         bool silent, result_handler<flags_result> h) {
    std::optional<commands::store_mode> mode;
    switch (op) {
    case store_op::get: break;
    case store_op::add: mode = commands::store_mode::add; break;
    case store_op::remove: mode = commands::store_mode::remove; break;
    case store_op::set: mode = commands::store_mode::set; break;
    }
    const bool labels = item == store_item::gmail_labels;
    launch(impl_, std::move(h), [self = impl_, labels, mode, m = std::move(messages), v = std::move(values),
                                 silent]() mutable {
        return do_store(self, labels, mode, std::move(m), std::move(v), silent);
    });
}

}  // namespace imapclient
