// The folder operations of the seed's API: LIST/LSUB/XLIST, the special
// folder finder, STATUS, CREATE/DELETE/RENAME/(UN)SUBSCRIBE, UNSELECT and
// NAMESPACE. Each is a coroutine on the actor's strand; folder names are
// UTF-8 in and out unless client_options::folder_encode is off.
#include "client_launch.hpp"
#include "engine/commands_folders.hpp"

#include <boost/asio/use_awaitable.hpp>

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

std::vector<list_data> list_data_of(std::vector<response>& responses) {
    std::vector<list_data> out;
    for (auto& r : responses)
        if (auto* l = std::get_if<list_data>(&r)) out.push_back(std::move(*l));
    return out;
}

op<folder_list_result> do_list(impl_ptr self, std::string command, std::string directory, std::string pattern) {
    if (auto ec = self->check_state(false)) co_return refuse<folder_list_result>(ec, "not connected");
    const bool encode = self->opts_.folder_encode;
    auto c = co_await self->async_run(commands::list(command, std::move(directory), std::move(pattern), encode),
                                      asio::use_awaitable);
    folder_list_result r;
    r.folders = commands::to_folder_infos(c.responses, encode);
    co_return with_status(c, std::move(r));
}

op<std::optional<std::string>> do_find_special_folder(impl_ptr self, std::string attribute) {
    using result = std::optional<std::string>;
    if (auto ec = self->check_state(false)) co_return refuse<result>(ec, "not connected");
    const bool encode = self->opts_.folder_encode;
    const auto& eng = self->engine_;

    // RFC 6154: RETURN (SPECIAL-USE) asks for the attributes explicitly;
    // servers without LIST-EXTENDED may still put them in a plain LIST.
    std::vector<std::string> ret;
    if (eng.has_capability("SPECIAL-USE") && eng.has_capability("LIST-EXTENDED")) ret.push_back("SPECIAL-USE");
    auto c = co_await self->async_run(commands::list("LIST", "", "*", encode, std::move(ret)), asio::use_awaitable);
    if (c.ec) co_return op_result<result>{c.ec, std::nullopt};
    const std::vector<list_data> all = list_data_of(c.responses);
    if (auto* l = commands::find_by_attribute(all, attribute))
        co_return op_result<result>{{}, commands::folder_name_out(l->name, encode)};

    if (self->engine_.has_capability("XLIST")) {
        auto x = co_await self->async_run(commands::list("XLIST", "", "*", encode), asio::use_awaitable);
        if (x.ec) co_return op_result<result>{x.ec, std::nullopt};
        const std::vector<list_data> xl = list_data_of(x.responses);
        if (auto* l = commands::find_by_attribute(xl, attribute))
            co_return op_result<result>{{}, commands::folder_name_out(l->name, encode)};
    }

    // Common names, only in the user's personal namespaces (the seed's
    // fallback when the server cannot say which folder is which).
    std::vector<std::string> prefixes;
    if (self->engine_.has_capability("NAMESPACE")) {
        auto n = co_await self->async_run(commands::namespace_(), asio::use_awaitable);
        if (n.ec) co_return op_result<result>{n.ec, std::nullopt};
        for (auto& resp : n.responses)
            if (auto* ns = std::get_if<namespace_data>(&resp))
                for (auto& e : ns->personal) prefixes.push_back(e.prefix);
    }
    if (prefixes.empty()) prefixes = {"", "INBOX."};
    if (auto* l = commands::find_by_popular_name(all, attribute, prefixes))
        co_return op_result<result>{{}, commands::folder_name_out(l->name, encode)};
    co_return op_result<result>{{}, std::nullopt};
}

op<bool> do_folder_exists(impl_ptr self, std::string folder) {
    if (auto ec = self->check_state(false)) co_return refuse<bool>(ec, "not connected");
    const bool encode = self->opts_.folder_encode;
    // INBOX is case-insensitive (RFC 3501 5.1), but not every server's LIST
    // pattern matching knows it (Cyrus lists nothing for "inbox").
    if (iequals(folder, "INBOX")) folder = "INBOX";
    auto c = co_await self->async_run(commands::list("LIST", "", folder, encode), asio::use_awaitable);
    if (c.ec) co_return op_result<bool>{c.ec, false};
    // The name is a LIST pattern: "%" and "*" in it match other folders
    // too, so only an exact match counts. INBOX is case-insensitive.
    for (const auto& f : commands::to_folder_infos(c.responses, encode))
        if (f.name == folder || (iequals(f.name, "INBOX") && iequals(folder, "INBOX")))
            co_return op_result<bool>{{}, true};
    co_return op_result<bool>{{}, false};
}

op<folder_status_result> do_folder_status(impl_ptr self, std::string folder, std::vector<std::string> what) {
    if (auto ec = self->check_state(false)) co_return refuse<folder_status_result>(ec, "not connected");
    auto c = co_await self->async_run(commands::status(std::move(folder), std::move(what), self->opts_.folder_encode),
                                      asio::use_awaitable);
    co_return with_status(c, commands::to_folder_status(c.responses));
}

op<command_result> do_command(impl_ptr self, engine::command_request req) {
    if (auto ec = self->check_state(false)) co_return refuse<command_result>(ec, "not connected");
    auto c = co_await self->async_run(std::move(req), asio::use_awaitable);
    co_return with_status(c, command_result{{}, std::move(c.responses)});
}

op<command_result> do_unselect(impl_ptr self) {
    if (auto ec = self->check_state(true)) co_return refuse<command_result>(ec, "no mailbox selected");
    if (self->engine_.has_capability("UNSELECT")) {
        auto c = co_await self->async_run(commands::unselect(), asio::use_awaitable);
        co_return with_status(c, command_result{{}, std::move(c.responses)});
    }
    // Without UNSELECT (RFC 3691): a failed EXAMINE leaves nothing selected
    // and expunges nothing (RFC 3501 6.3.1), unlike CLOSE.
    auto c = co_await self->async_run(commands::examine_nothing(), asio::use_awaitable);
    if (c.ec == make_error_code(errc::no)) {
        c.ec = {};
        co_return with_status(c, command_result{{}, std::move(c.responses)});
    }
    if (c.ec) co_return with_status(c, command_result{{}, std::move(c.responses)});
    // The impossible name exists after all: it is selected read-only, so
    // CLOSE deselects it without expunging anything.
    auto close = co_await self->async_run(commands::close(), asio::use_awaitable);
    co_return with_status(close, command_result{{}, std::move(close.responses)});
}

op<namespace_result> do_namespace(impl_ptr self) {
    if (auto r = detail::refuse_unless_offered<namespace_result>(*self, "NAMESPACE")) co_return std::move(*r);
    auto c = co_await self->async_run(commands::namespace_(), asio::use_awaitable);
    co_return with_status(c, commands::to_namespace(c.responses, self->opts_.folder_encode));
}

}  // namespace

void client::start_list(list_kind kind, std::string directory, std::string pattern,
                        result_handler<folder_list_result> h) {
    std::string command = kind == list_kind::list ? "LIST" : kind == list_kind::lsub ? "LSUB" : "XLIST";
    launch(impl_, std::move(h), [self = impl_, c = std::move(command), d = std::move(directory),
                                 p = std::move(pattern)]() mutable {
        return do_list(self, std::move(c), std::move(d), std::move(p));
    });
}

void client::start_find_special_folder(std::string attribute, result_handler<std::optional<std::string>> h) {
    launch(impl_, std::move(h), [self = impl_, a = std::move(attribute)]() mutable {
        return do_find_special_folder(self, std::move(a));
    });
}

void client::start_folder_exists(std::string folder, result_handler<bool> h) {
    launch(impl_, std::move(h), [self = impl_, f = std::move(folder)]() mutable {
        return do_folder_exists(self, std::move(f));
    });
}

void client::start_folder_status(std::string folder, std::vector<std::string> what,
                                 result_handler<folder_status_result> h) {
    launch(impl_, std::move(h), [self = impl_, f = std::move(folder), w = std::move(what)]() mutable {
        return do_folder_status(self, std::move(f), std::move(w));
    });
}

void client::start_folder_command(folder_op op, std::string folder, std::string new_name,
                                  result_handler<command_result> h) {
    // Read on the caller's thread, as select's folder name is: options are
    // fixed once the client is constructed.
    const bool encode = impl_ ? impl_->opts_.folder_encode : true;
    engine::command_request req;
    switch (op) {
    case folder_op::create: req = commands::create(std::move(folder), encode); break;
    case folder_op::remove: req = commands::remove(std::move(folder), encode); break;
    case folder_op::rename: req = commands::rename(std::move(folder), std::move(new_name), encode); break;
    case folder_op::subscribe: req = commands::subscribe(std::move(folder), encode); break;
    case folder_op::unsubscribe: req = commands::unsubscribe(std::move(folder), encode); break;
    }
    launch(impl_, std::move(h), [self = impl_, r = std::move(req)]() mutable { return do_command(self, std::move(r)); });
}

void client::start_unselect(result_handler<command_result> h) {
    launch(impl_, std::move(h), [self = impl_]() mutable { return do_unselect(self); });
}

void client::start_namespace(result_handler<namespace_result> h) {
    launch(impl_, std::move(h), [self = impl_]() mutable { return do_namespace(self); });
}

}  // namespace imapclient
