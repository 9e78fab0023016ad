// Folder leases from a script: lease_folder holds a folder for the
// script's calls, which name it with the keyword lease=N (any method that
// works in the selected mailbox: fetch, search, add_flags, ...), until
// release_lease.
//
//   ["lease_folder", "INBOX"]                 -> {"lease": 1, "folder": "INBOX", ...}
//   ["fetch", "1:*", ["FLAGS"], {"lease": 1}]
//   ["release_lease", 1]
#include "json_encode.hpp"
#include "methods.hpp"

namespace shell {

namespace ic = imapclient;
using boost::asio::awaitable;

void add_lease_methods(std::vector<method_info>& t) {
    t.push_back({"lease_folder", "(folder, readonly=false)",
                 "holds the folder for the calls given lease=N (waits while another folder is leased) -> "
                 "{lease, folder, uid_validity, exists, ...}",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     auto folder = a.need<std::string>(0, "folder");
                     const bool readonly = a.get<bool>(1, "readonly", false);
                     a.done();
                     auto lease = co_await s.client.lease_folder(std::move(folder), readonly);
                     json::value out = to_json(lease.selected());
                     const std::uint64_t id = s.next_lease++;
                     out.as_object()["lease"] = id;
                     out.as_object()["folder"] = lease.mailbox().name;
                     s.leases.emplace(id, std::move(lease));
                     co_return out;
                 }});
    t.push_back({"release_lease", "(lease)", "gives a lease_folder lease back",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     const auto id = a.need<std::uint64_t>(0, "lease");
                     a.done();
                     if (s.leases.erase(id) == 0) throw invalid_argument("no lease " + std::to_string(id));
                     co_return json::value(true);
                 }});
    t.push_back({"leases", "()", "the leases held: {id: folder}",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     a.done();
                     json::object out;
                     for (const auto& [id, lease] : s.leases) out[std::to_string(id)] = lease.mailbox().name;
                     co_return out;
                 }});
}

}  // namespace shell
