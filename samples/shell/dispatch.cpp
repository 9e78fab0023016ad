#include "dispatch.hpp"

#include "json_encode.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>

namespace shell {

namespace asio = boost::asio;
namespace ic = imapclient;

namespace {

json::object server_error(const char* type, const ic::error& e) {
    json::object o{{"type", type}, {"message", bytes_to_json(e.what())}};
    const auto& reply = e.reply();
    // Only a server's tagged reply: the client's own refusals carry none.
    if (!reply.tag.empty()) o["reply"] = to_json(reply);
    return o;
}

}  // namespace

json::object error_object(std::exception_ptr e) {
    try {
        std::rethrow_exception(e);
    } catch (const invalid_argument& x) {
        return {{"type", "invalid_argument"}, {"message", bytes_to_json(x.what())}};
    } catch (const ic::login_error& x) {
        return server_error("login_error", x);
    } catch (const ic::capability_error& x) {
        return server_error("capability_error", x);
    } catch (const ic::illegal_state_error& x) {
        return server_error("illegal_state", x);
    } catch (const ic::readonly_error& x) {
        return server_error("readonly_folder", x);
    } catch (const ic::protocol_error& x) {
        return server_error("protocol_error", x);
    } catch (const ic::abort_error& x) {
        return server_error("abort_error", x);
    } catch (const ic::error& x) {
        // The library refuses arguments it cannot encode (a CR in a raw
        // command) before sending anything: the same kind as the shell's own.
        if (x.code() == ic::errc::invalid_argument) return server_error("invalid_argument", x);
        return server_error("error", x);
    } catch (const std::invalid_argument& x) {
        return {{"type", "invalid_argument"}, {"message", bytes_to_json(x.what())}};
    } catch (const std::length_error& x) {
        return {{"type", "invalid_argument"}, {"message", bytes_to_json(x.what())}};
    } catch (const std::exception& x) {
        return {{"type", "error"}, {"message", bytes_to_json(x.what())}};
    } catch (...) {
        return {{"type", "error"}, {"message", "unknown exception"}};
    }
}

bool is_abort(std::exception_ptr e) {
    try {
        std::rethrow_exception(e);
    } catch (const ic::abort_error&) {
        return true;
    } catch (...) {
        return false;
    }
}

asio::awaitable<json::value> invoke(session& s, json::value call) {
    call_args args = parse_call(call);
    const method_info* m = find_method(args.method());
    if (!m)
        throw invalid_argument("unknown method '" + args.method() + "'" +
                               (args.method() == "sasl_login"
                                    ? ": its mechanism is a program-defined function, not reachable from the shell; "
                                      "use plain_login, oauth2_login or oauthbearer_login"
                                    : " (type help in the interactive shell for the list)"));
    // lease=N: the call runs in that folder lease (lease_folder()).
    auto lease_id = args.keyword<std::uint64_t>("lease");
    if (!lease_id) co_return co_await m->call(s, args);
    if (!m->in_mailbox) throw invalid_argument(m->name + " does not work in a mailbox: it takes no lease");
    auto held = s.leases.find(*lease_id);
    if (held == s.leases.end())
        throw invalid_argument("no lease " + std::to_string(*lease_id) + " (lease_folder returns one)");
    struct in_lease {
        session& s;
        ~in_lease() { s.lease = nullptr; }
    } scope{s};
    s.lease = &held->second;
    auto result = co_await m->call(s, args);
    co_return result;
}

outcome run_call(asio::io_context& io, session& s, json::value call) {
    auto fut = asio::co_spawn(io, invoke(s, std::move(call)), asio::use_future);
    outcome out;
    try {
        json::value result = fut.get();
        out.line = {{"ok", true}, {"result", std::move(result)}};
    } catch (...) {
        auto e = std::current_exception();
        out.line = {{"ok", false}, {"error", error_object(e)}};
        out.aborted = is_abort(e);
    }
    return out;
}

}  // namespace shell
