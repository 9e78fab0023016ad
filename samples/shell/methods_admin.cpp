// ACL (RFC 4314) and quota (RFC 9208) methods.
#include "json_encode.hpp"
#include "methods.hpp"

namespace shell {

namespace ic = imapclient;
using boost::asio::awaitable;

void add_admin_methods(std::vector<method_info>& t) {
    t.push_back({"getacl", "(folder)", "GETACL -> {entries: [[who, rights]]}",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     auto folder = a.need<std::string>(0, "folder");
                     a.done();
                     auto r = co_await s.client.getacl(std::move(folder));
                     co_return to_json(r);
                 }});
    t.push_back({"setacl", "(folder, who, what)", "SETACL; an empty `what` removes the entry",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     auto folder = a.need<std::string>(0, "folder");
                     auto who = a.need<std::string>(1, "who");
                     auto what = a.need<std::string>(2, "what");
                     a.done();
                     auto r = co_await s.client.setacl(std::move(folder), std::move(who), std::move(what));
                     co_return to_json(r);
                 }});
    t.push_back({"get_quota", "(mailbox=\"INBOX\")", "the quotas that apply to a folder",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     auto folder = a.get<std::string>(0, "mailbox", "INBOX");
                     a.done();
                     auto r = co_await s.client.get_quota(std::move(folder));
                     co_return to_json(r);
                 }});
    t.push_back({"get_quota_root", "(mailbox)", "GETQUOTAROOT -> {mailbox, quota_roots, quotas}",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     auto folder = a.need<std::string>(0, "mailbox");
                     a.done();
                     auto r = co_await s.client.get_quota_root(std::move(folder));
                     co_return to_json(r);
                 }});
    t.push_back({"get_quota_by_root", "(quota_root)", "GETQUOTA of a root -> {quotas}",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     auto root = a.need<std::string>(0, "quota_root");
                     a.done();
                     auto r = co_await s.client.get_quota_by_root(std::move(root));
                     co_return to_json(r);
                 }});
    t.push_back({"get_metadata", "(folder, entries, max_size=null, depth=0)",
                 "GETMETADATA (folder \"\" for the server's) -> {entries: {name: value or null}, longest_skipped}",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     ic::ops::get_metadata op;
                     op.folder = a.need<std::string>(0, "folder");
                     op.entries = a.need<std::vector<std::string>>(1, "entries");
                     op.max_size = a.maybe<std::uint64_t>(2, "max_size");
                     op.depth = a.get<ic::metadata_depth>(3, "depth", ic::metadata_depth::zero);
                     a.done();
                     auto r = co_await s.client.run(std::move(op));
                     co_return to_json(r);
                 }});
    t.push_back({"set_metadata", "(folder, entries)",
                 "SETMETADATA of entries {\"/private/comment\": \"value\", \"/shared/x\": null (removes)}, given by "
                 "keyword (a last object is the keywords): set_metadata INBOX entries={...}",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     auto folder = a.need<std::string>(0, "folder");
                     auto entries = a.need<metadata_entries>(1, "entries");
                     a.done();
                     auto r = co_await s.client.set_metadata(std::move(folder), std::move(entries));
                     co_return to_json(r);
                 }});
    t.push_back({"set_quota", "(quotas)", "SETQUOTA: [{quota_root, resource, limit}]",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     auto quotas = a.need<std::vector<ic::quota>>(0, "quotas");
                     a.done();
                     auto r = co_await s.client.set_quota(std::move(quotas));
                     co_return to_json(r);
                 }});
}

}  // namespace shell
