// Flags and Gmail labels: get/add/remove/set (with `silent`), and
// delete_messages.
#include "json_encode.hpp"
#include "methods.hpp"

namespace shell {

namespace ic = imapclient;
using boost::asio::awaitable;

namespace {

template <typename Call>
method_info getter(std::string name, std::string help, Call call) {
    return {std::move(name), "(messages)", std::move(help), [call](session& s, call_args& a) -> awaitable<json::value> {
                auto messages = a.need<ic::sequence_set>(0, "messages");
                a.done();
                auto r = co_await call(s.client, std::move(messages));
                co_return to_json(r);
            }};
}

// add/remove/set of flags or labels: (messages, values, silent=false).
template <typename Call>
method_info changer(std::string name, std::string values, std::string help, Call call) {
    std::string signature = "(messages, " + values + ", silent=false)";
    return {std::move(name), std::move(signature), std::move(help),
            [call, values](session& s, call_args& a) -> awaitable<json::value> {
                auto messages = a.need<ic::sequence_set>(0, "messages");
                auto list = a.need<std::vector<std::string>>(1, values);
                const bool silent = a.get<bool>(2, "silent", false);
                a.done();
                auto r = co_await call(s.client, std::move(messages), std::move(list), silent);
                co_return to_json(r);
            }};
}

}  // namespace

void add_flag_methods(std::vector<method_info>& t) {
    using ss = ic::sequence_set;
    using sv = std::vector<std::string>;
    t.push_back(getter("get_flags", "FETCH FLAGS -> {id: [flags]}",
                       [](ic::client& c, ss m) { return c.get_flags(std::move(m)); }));
    t.push_back(changer("add_flags", "flags", "STORE +FLAGS -> {id: [flags after]}",
                        [](ic::client& c, ss m, sv v, bool q) { return c.add_flags(std::move(m), std::move(v), q); }));
    t.push_back(changer("remove_flags", "flags", "STORE -FLAGS",
                        [](ic::client& c, ss m, sv v, bool q) { return c.remove_flags(std::move(m), std::move(v), q); }));
    t.push_back(changer("set_flags", "flags", "STORE FLAGS",
                        [](ic::client& c, ss m, sv v, bool q) { return c.set_flags(std::move(m), std::move(v), q); }));
    t.push_back({"delete_messages", "(messages, silent=false)", "adds \\Deleted (expunge removes them)",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     auto messages = a.need<ic::sequence_set>(0, "messages");
                     const bool silent = a.get<bool>(1, "silent", false);
                     a.done();
                     auto r = co_await s.client.delete_messages(std::move(messages), silent);
                     co_return to_json(r);
                 }});
    t.push_back(getter("get_gmail_labels", "FETCH X-GM-LABELS -> {id: [labels]}",
                       [](ic::client& c, ss m) { return c.get_gmail_labels(std::move(m)); }));
    t.push_back(changer("add_gmail_labels", "labels", "STORE +X-GM-LABELS",
                        [](ic::client& c, ss m, sv v, bool q) { return c.add_gmail_labels(std::move(m), std::move(v), q); }));
    t.push_back(changer("remove_gmail_labels", "labels", "STORE -X-GM-LABELS", [](ic::client& c, ss m, sv v, bool q) {
        return c.remove_gmail_labels(std::move(m), std::move(v), q);
    }));
    t.push_back(changer("set_gmail_labels", "labels", "STORE X-GM-LABELS",
                        [](ic::client& c, ss m, sv v, bool q) { return c.set_gmail_labels(std::move(m), std::move(v), q); }));
}

}  // namespace shell
