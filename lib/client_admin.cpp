// ACL (RFC 4314) and quota (RFC 9208) operations of the seed's API. Like the
// seed, they refuse up front (capability_missing) when the server does not
// announce ACL or QUOTA.
#include "client_launch.hpp"
#include "engine/commands_folders.hpp"

#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace imapclient {

namespace asio = boost::asio;
namespace commands = engine::commands;
using detail::launch;
using detail::refuse;
using detail::with_status;

namespace {

using impl_ptr = std::shared_ptr<client::impl>;

template <typename T>
using op = asio::awaitable<op_result<T>>;

op<acl_result> do_getacl(impl_ptr self, std::string folder) {
    if (auto r = detail::refuse_unless_offered<acl_result>(*self, "ACL")) co_return std::move(*r);
    auto c = co_await self->async_run(commands::getacl(std::move(folder), self->opts_.folder_encode),
                                      asio::use_awaitable);
    acl_result r;
    for (auto& resp : c.responses)
        if (auto* a = std::get_if<acl_data>(&resp))
            for (auto& e : a->entries) r.entries.push_back(std::move(e));
    co_return with_status(c, std::move(r));
}

op<command_result> do_setacl(impl_ptr self, std::string folder, std::string who, std::string what) {
    if (auto r = detail::refuse_unless_offered<command_result>(*self, "ACL")) co_return std::move(*r);
    auto c = co_await self->async_run(
        commands::setacl(std::move(folder), std::move(who), std::move(what), self->opts_.folder_encode),
        asio::use_awaitable);
    co_return with_status(c, command_result{{}, std::move(c.responses)});
}

op<quota_root_result> do_get_quota_root(impl_ptr self, std::string folder) {
    if (auto r = detail::refuse_unless_offered<quota_root_result>(*self, "QUOTA")) co_return std::move(*r);
    const bool encode = self->opts_.folder_encode;
    auto c = co_await self->async_run(commands::getquotaroot(std::move(folder), encode), asio::use_awaitable);
    quota_root_result r;
    for (auto& resp : c.responses) {
        if (auto* q = std::get_if<quotaroot_data>(&resp)) {
            r.mailbox = commands::folder_name_out(q->mailbox, encode);
            for (auto& root : q->roots) r.quota_roots.push_back(std::move(root));
        }
    }
    r.quotas = commands::to_quotas(c.responses);
    co_return with_status(c, std::move(r));
}

op<quota_result> do_get_quota(impl_ptr self, std::string folder) {
    auto root = co_await do_get_quota_root(self, std::move(folder));
    quota_result r;
    r.quotas = std::move(root.second.quotas);
    r.status = std::move(root.second.status);
    co_return op_result<quota_result>{root.first, std::move(r)};
}

op<quota_result> do_set_quota(impl_ptr self, std::vector<quota> quotas) {
    if (auto r = detail::refuse_unless_offered<quota_result>(*self, "QUOTA")) co_return std::move(*r);
    // SETQUOTA names one root with all its limits: group by root, in the
    // order the roots first appear.
    std::vector<std::pair<std::string, std::vector<std::pair<std::string, std::uint64_t>>>> roots;
    for (auto& q : quotas) {
        auto it = std::find_if(roots.begin(), roots.end(), [&](const auto& r) { return r.first == q.quota_root; });
        if (it == roots.end()) {
            roots.emplace_back(q.quota_root, std::vector<std::pair<std::string, std::uint64_t>>{});
            it = std::prev(roots.end());
        }
        it->second.emplace_back(q.resource, q.limit);
    }
    quota_result r;
    for (auto& [root, limits] : roots) {
        auto c = co_await self->async_run(commands::setquota(root, std::move(limits)), asio::use_awaitable);
        auto got = commands::to_quotas(c.responses);
        if (!c.ec && got.empty()) {
            // RFC 9208 lets the server omit the QUOTA response: ask for it,
            // so the result says what the limits now are.
            auto g = co_await self->async_run(commands::getquota(root), asio::use_awaitable);
            if (!g.ec) got = commands::to_quotas(g.responses);
        }
        r.quotas.insert(r.quotas.end(), got.begin(), got.end());
        r.status = c.status;
        if (c.ec) co_return op_result<quota_result>{c.ec, std::move(r)};
    }
    co_return op_result<quota_result>{{}, std::move(r)};
}

}  // namespace

void client::start_getacl(std::string folder, result_handler<acl_result> h) {
    launch(impl_, std::move(h), [self = impl_, f = std::move(folder)]() mutable { return do_getacl(self, std::move(f)); });
}

void client::start_setacl(std::string folder, std::string who, std::string what, result_handler<command_result> h) {
    launch(impl_, std::move(h), [self = impl_, f = std::move(folder), w = std::move(who), r = std::move(what)]() mutable {
        return do_setacl(self, std::move(f), std::move(w), std::move(r));
    });
}

void client::start_get_quota(std::string folder, result_handler<quota_result> h) {
    launch(impl_, std::move(h), [self = impl_, f = std::move(folder)]() mutable {
        return do_get_quota(self, std::move(f));
    });
}

void client::start_get_quota_root(std::string folder, result_handler<quota_root_result> h) {
    launch(impl_, std::move(h), [self = impl_, f = std::move(folder)]() mutable {
        return do_get_quota_root(self, std::move(f));
    });
}

void client::start_set_quota(std::vector<quota> quotas, result_handler<quota_result> h) {
    launch(impl_, std::move(h), [self = impl_, q = std::move(quotas)]() mutable {
        return do_set_quota(self, std::move(q));
    });
}

}  // namespace imapclient
