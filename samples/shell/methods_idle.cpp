// IDLE as in Python IMAPClient (idle, idle_check, idle_done), the push listener
// (listen for a while, returning what it pushed) and NOTIFY (news of other
// folders on the same connection).
#include "json_encode.hpp"
#include "methods.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace shell {

namespace asio = boost::asio;
namespace ic = imapclient;
using asio::awaitable;

namespace {

std::chrono::milliseconds to_ms(seconds s) { return std::chrono::duration_cast<std::chrono::milliseconds>(s); }

}  // namespace

void add_idle_methods(std::vector<method_info>& t) {
    t.push_back({"notify", "(groups=[], status=false)",
                 "NOTIFY SET: [{\"target\": \"personal\", \"events\": [\"MessageNew\", \"MessageExpunge\"]}, ...] "
                 "(targets selected, selected-delayed, inboxes, personal, subscribed, subtree, mailboxes; the last two "
                 "with \"mailboxes\"; \"fetch\" items with MessageNew on the selected one); their news then come "
                 "through next_event/idle_check/listen as STATUS/LIST of the folder; status=true returns each "
                 "folder's STATUS now; no groups: NOTIFY NONE -> {mailboxes: {name: {...}}}",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     auto groups = a.get<std::vector<ic::notify_group>>(0, "groups", {});
                     const bool status = a.get<bool>(1, "status", false);
                     a.done();
                     auto r = co_await s.client.notify(std::move(groups), status);
                     co_return to_json(r);
                 }});
    t.push_back({"idle", "()", "IDLE: returns once the server accepted it",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     a.done();
                     auto r = co_await s.client.idle();
                     co_return to_json(r);
                 }});
    t.push_back({"idle_check", "(timeout=null)",
                 "waits up to timeout seconds (null: a day) for what the server says while idling",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     const auto timeout = a.get<seconds>(0, "timeout", seconds(86400));
                     a.done();
                     auto r = co_await s.client.idle_check(to_ms(timeout));
                     co_return to_json(r);
                 }});
    t.push_back({"idle_done", "()", "DONE: ends IDLE; returns what arrived since the last idle_check",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     a.done();
                     auto r = co_await s.client.idle_done();
                     co_return to_json(r);
                 }});
    t.push_back({"listen", "(seconds)",
                 "the push listener for this long (IDLE, renewed; NOOP polling without IDLE) -> {events}",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     const auto length = a.need<seconds>(0, "seconds");
                     a.done();
                     auto ex = co_await asio::this_coro::executor;
                     asio::cancellation_signal stop;
                     auto ended = std::make_shared<std::optional<ic::error_code>>();
                     s.client.listen({}, asio::bind_cancellation_slot(stop.slot(), [ended](ic::error_code ec,
                                                                                           ic::command_result) {
                                         *ended = ec;
                                     }));
                     json::array events;
                     const auto deadline = std::chrono::steady_clock::now() + to_ms(length);
                     using namespace asio::experimental::awaitable_operators;
                     while (!*ended) {
                         const auto now = std::chrono::steady_clock::now();
                         if (now >= deadline) break;
                         asio::steady_timer timer(ex, deadline - now);
                         auto r = co_await (s.client.next_event(asio::as_tuple(asio::use_awaitable)) ||
                                            timer.async_wait(asio::as_tuple(asio::use_awaitable)));
                         if (r.index() == 1) break;
                         auto& [ec, ev] = std::get<0>(r);
                         if (ec) break;
                         events.push_back(to_json(ev));
                     }
                     stop.emit(asio::cancellation_type::terminal);
                     // listen() completes once IDLE has ended (DONE answered, or
                     // the connection closed after its grace period).
                     for (int i = 0; i < 4000 && !*ended; ++i) {
                         asio::steady_timer pause(ex, std::chrono::milliseconds(10));
                         co_await pause.async_wait(asio::use_awaitable);
                     }
                     if (!*ended) throw std::runtime_error("listen did not end after cancellation");
                     if (**ended && **ended != asio::error::operation_aborted) ic::throw_error(**ended, {}, "listen");
                     co_return json::object{{"events", std::move(events)}};
                 }});
}

}  // namespace shell
