// Flags and Gmail labels: get/add/remove/set (with `silent`), and
// delete_messages.
#include "json_encode.hpp"
#include "methods.hpp"

namespace shell {

namespace ic = imapclient;
using boost::asio::awaitable;

namespace {

// get_flags / get_gmail_labels: (messages).
template <typename Op>
method_info getter(std::string name, std::string help) {
    return mailbox_method(std::move(name), "(messages)", std::move(help),
                          [](session& s, call_args& a) -> awaitable<json::value> {
                              auto messages = a.need<ic::sequence_set>(0, "messages");
                              a.done();
                              Op op{std::move(messages)};
                              auto r = co_await s.run(std::move(op));
                              co_return to_json(r);
                          });
}

// add/remove/set of flags or labels (ops::store_flags or
// ops::store_gmail_labels): (messages, values, silent=false).
template <typename Op>
method_info changer(std::string name, ic::flag_change change, std::string values, std::string help) {
    std::string signature = "(messages, " + values + ", silent=false)";
    return mailbox_method(std::move(name), std::move(signature), std::move(help),
                          [change, values](session& s, call_args& a) -> awaitable<json::value> {
                              auto messages = a.need<ic::sequence_set>(0, "messages");
                              auto list = a.need<std::vector<std::string>>(1, values);
                              const bool silent = a.get<bool>(2, "silent", false);
                              a.done();
                              Op op{std::move(messages), change, std::move(list), silent};
                              auto r = co_await s.run(std::move(op));
                              co_return to_json(r);
                          });
}

}  // namespace

void add_flag_methods(std::vector<method_info>& t) {
    using ic::flag_change;
    using flags = ic::ops::store_flags;
    using labels = ic::ops::store_gmail_labels;
    t.push_back(getter<ic::ops::get_flags>("get_flags", "FETCH FLAGS -> {id: [flags]}"));
    t.push_back(changer<flags>("add_flags", flag_change::add, "flags", "STORE +FLAGS -> {id: [flags after]}"));
    t.push_back(changer<flags>("remove_flags", flag_change::remove, "flags", "STORE -FLAGS"));
    t.push_back(changer<flags>("set_flags", flag_change::set, "flags", "STORE FLAGS"));
    t.push_back(mailbox_method("delete_messages", "(messages, silent=false)", "adds \\Deleted (expunge removes them)",
                               [](session& s, call_args& a) -> awaitable<json::value> {
                                   auto messages = a.need<ic::sequence_set>(0, "messages");
                                   const bool silent = a.get<bool>(1, "silent", false);
                                   a.done();
                                   flags op{std::move(messages), flag_change::add, {ic::DELETED}, silent};
                                   auto r = co_await s.run(std::move(op));
                                   co_return to_json(r);
                               }));
    t.push_back(getter<ic::ops::get_gmail_labels>("get_gmail_labels", "FETCH X-GM-LABELS -> {id: [labels]}"));
    t.push_back(changer<labels>("add_gmail_labels", flag_change::add, "labels", "STORE +X-GM-LABELS"));
    t.push_back(changer<labels>("remove_gmail_labels", flag_change::remove, "labels", "STORE -X-GM-LABELS"));
    t.push_back(changer<labels>("set_gmail_labels", flag_change::set, "labels", "STORE X-GM-LABELS"));
}

}  // namespace shell
