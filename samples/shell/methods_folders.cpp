// Folder methods: LIST/LSUB/XLIST, special folders, STATUS, create/delete/
// rename/subscribe, SELECT/EXAMINE/UNSELECT/CLOSE, NAMESPACE.
#include "json_encode.hpp"
#include "methods.hpp"

namespace shell {

using boost::asio::awaitable;

namespace {

// list_folders, list_sub_folders and xlist_folders share their parameters.
template <typename Call>
method_info listing(std::string name, std::string help, Call call) {
    return {std::move(name), "(directory=\"\", pattern=\"*\")", std::move(help),
            [call](session& s, call_args& a) -> awaitable<json::value> {
                auto dir = a.get<std::string>(0, "directory", {});
                auto pattern = a.get<std::string>(1, "pattern", "*");
                a.done();
                auto r = co_await call(s.client, std::move(dir), std::move(pattern));
                co_return to_json(r);
            }};
}

// create/delete/subscribe/unsubscribe: one folder, a command_result.
template <typename Call>
method_info one_folder(std::string name, std::string help, Call call) {
    return {std::move(name), "(folder)", std::move(help), [call](session& s, call_args& a) -> awaitable<json::value> {
                auto folder = a.need<std::string>(0, "folder");
                a.done();
                auto r = co_await call(s.client, std::move(folder));
                co_return to_json(r);
            }};
}

}  // namespace

void add_folder_methods(std::vector<method_info>& t) {
    t.push_back(listing("list_folders", "LIST: [{flags, delimiter, name}]",
                        [](imapclient::client& c, std::string d, std::string p) {
                            return c.list_folders(std::move(d), std::move(p));
                        }));
    t.push_back(listing("list_sub_folders", "LSUB: the subscribed folders",
                        [](imapclient::client& c, std::string d, std::string p) {
                            return c.list_sub_folders(std::move(d), std::move(p));
                        }));
    t.push_back(listing("xlist_folders", "XLIST (Gmail's deprecated extension)",
                        [](imapclient::client& c, std::string d, std::string p) {
                            return c.xlist_folders(std::move(d), std::move(p));
                        }));
    t.push_back({"find_special_folder", "(folder_flag)",
                 "the folder with a SPECIAL-USE attribute such as \"\\\\Sent\" (or a common name); null if none",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     auto flag = a.need<std::string>(0, "folder_flag");
                     a.done();
                     auto r = co_await s.client.find_special_folder(std::move(flag));
                     co_return to_json(r);
                 }});
    t.push_back({"folder_exists", "(folder)", "whether a folder of exactly this name exists",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     auto folder = a.need<std::string>(0, "folder");
                     a.done();
                     const bool r = co_await s.client.folder_exists(std::move(folder));
                     co_return r;
                 }});
    t.push_back({"folder_status", "(folder, what=null)",
                 "STATUS (default MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN)",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     auto folder = a.need<std::string>(0, "folder");
                     auto what = a.get<std::vector<std::string>>(1, "what", {});
                     a.done();
                     auto r = co_await s.client.folder_status(std::move(folder), std::move(what));
                     co_return to_json(r);
                 }});
    t.push_back(one_folder("create_folder", "CREATE",
                           [](imapclient::client& c, std::string f) { return c.create_folder(std::move(f)); }));
    t.push_back({"create_special_folder", "(folder, special_use)",
                 "CREATE with special-use attributes, e.g. [\"\\\\Archive\"] (CREATE-SPECIAL-USE)",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     auto folder = a.need<std::string>(0, "folder");
                     auto uses = a.need<std::vector<std::string>>(1, "special_use");
                     a.done();
                     auto r = co_await s.client.create_special_folder(std::move(folder), std::move(uses));
                     co_return to_json(r);
                 }});
    t.push_back({"list_extended", "(directory=\"\", options={})",
                 "LIST with LIST-EXTENDED options {patterns, subscribed, remote, recursive_match, special_use, "
                 "return_subscribed, return_children, return_special_use, status: [items] (LIST-STATUS)} -> "
                 "{folders: [{flags, delimiter, name, child_info, old_name, status}]}; options by keyword (a last object "
                 "is the keywords): list_extended options={\"status\": [\"UNSEEN\"]}",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     auto directory = a.get<std::string>(0, "directory", {});
                     auto options = a.get<imapclient::list_options>(1, "options", {});
                     a.done();
                     auto r = co_await s.client.list_extended(std::move(directory), std::move(options));
                     co_return to_json(r);
                 }});
    t.push_back(one_folder("delete_folder", "DELETE",
                           [](imapclient::client& c, std::string f) { return c.delete_folder(std::move(f)); }));
    t.push_back(one_folder("subscribe_folder", "SUBSCRIBE",
                           [](imapclient::client& c, std::string f) { return c.subscribe_folder(std::move(f)); }));
    t.push_back(one_folder("unsubscribe_folder", "UNSUBSCRIBE",
                           [](imapclient::client& c, std::string f) { return c.unsubscribe_folder(std::move(f)); }));
    t.push_back({"rename_folder", "(old_name, new_name)", "RENAME",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     auto from = a.need<std::string>(0, "old_name");
                     auto to = a.need<std::string>(1, "new_name");
                     a.done();
                     auto r = co_await s.client.rename_folder(std::move(from), std::move(to));
                     co_return to_json(r);
                 }});
    t.push_back({"select_folder", "(folder, readonly=false)", "SELECT, or EXAMINE when readonly",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     auto folder = a.need<std::string>(0, "folder");
                     const bool ro = a.get<bool>(1, "readonly", false);
                     a.done();
                     auto r = co_await s.client.select_folder(std::move(folder), ro);
                     co_return to_json(r);
                 }});
    t.push_back({"unselect_folder", "()", "UNSELECT: deselect without expunging",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     a.done();
                     auto r = co_await s.client.unselect_folder();
                     co_return to_json(r);
                 }});
    t.push_back({"close_folder", "()", "CLOSE: expunge (unless read-only) and deselect",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     a.done();
                     auto r = co_await s.client.close_folder();
                     co_return to_json(r);
                 }});
    t.push_back({"namespace", "()", "NAMESPACE: personal, other, shared",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     a.done();
                     auto r = co_await s.client.namespace_();
                     co_return to_json(r);
                 }});
}

}  // namespace shell
