// CONDSTORE and QRESYNC (RFC 7162): the resync SELECT, FETCH (CHANGEDSINCE)
// and the conditional STORE (UNCHANGEDSINCE). Python IMAPClient has no such
// methods; the parameter names are the C++ client's.
//
//   enable QRESYNC
//   select_folder INBOX                      -> keep uid_validity, highest_modseq
//   ... (later, maybe on a new connection)
//   select_folder_qresync INBOX 1700000000 42  -> {vanished, changed, ...}
//   fetch_changed_since 1:* 42               -> {messages: {uid: {flags, modseq}}}
//   store_unchanged_since 1:* ["$Done"] 42   -> {modified: [...], ...}
#include "json_encode.hpp"
#include "methods.hpp"

namespace shell {

namespace ic = imapclient;
using boost::asio::awaitable;

void add_condstore_methods(std::vector<method_info>& t) {
    t.push_back({"select_folder_qresync",
                 "(folder, uid_validity, mod_seq, known_uids=null, readonly=false, sequence_match=null)",
                 "SELECT (EXAMINE when readonly) with QRESYNC (needs enable QRESYNC): the select result plus "
                 "vanished (UIDs expunged since mod_seq) and changed ({uid: {flags, modseq}}); "
                 "uid_validity_changed means the cache is void. sequence_match: [sequence_numbers, uids]",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     auto folder = a.need<std::string>(0, "folder");
                     ic::qresync_params params;
                     params.uid_validity = a.need<std::uint32_t>(1, "uid_validity");
                     params.mod_seq = a.need<std::uint64_t>(2, "mod_seq");
                     params.known_uids = a.maybe<ic::sequence_set>(3, "known_uids");
                     const bool readonly = a.get<bool>(4, "readonly", false);
                     params.known_sequence_match =
                         a.maybe<ic::qresync_params::sequence_match>(5, "sequence_match");
                     a.done();
                     auto r = co_await s.client.select_folder_qresync(std::move(folder), std::move(params), readonly);
                     co_return to_json(r);
                 }});
    t.push_back(mailbox_method(
        "fetch_changed_since", "(messages, mod_seq, data=[\"FLAGS\"], vanished=false)",
        "FETCH (CHANGEDSINCE mod_seq): only messages changed since, each with its modseq -> {messages: {id: "
        "{...}}, vanished}; vanished (UIDs, needs QRESYNC enabled) also lists those expunged since",
        [](session& s, call_args& a) -> awaitable<json::value> {
            ic::ops::fetch_changed_since op;
            op.messages = a.need<ic::sequence_set>(0, "messages");
            op.mod_seq = a.need<std::uint64_t>(1, "mod_seq");
            op.items = a.get<std::vector<std::string>>(2, "data", {});
            op.vanished = a.get<bool>(3, "vanished", false);
            a.done();
            auto r = co_await s.run(std::move(op));
            co_return to_json(r);
        }));
    t.push_back(mailbox_method(
        "store_unchanged_since", "(messages, flags, unchanged_since, change=\"add\", silent=false)",
        "STORE (UNCHANGEDSINCE ...) of FLAGS, change \"add\", \"remove\" or \"set\": messages changed since "
        "come back in modified, not stored -> {flags, modseqs, modified}",
        [](session& s, call_args& a) -> awaitable<json::value> {
            ic::ops::store_unchanged_since op;
            op.messages = a.need<ic::sequence_set>(0, "messages");
            op.flags = a.need<std::vector<std::string>>(1, "flags");
            op.unchanged_since = a.need<std::uint64_t>(2, "unchanged_since");
            op.change = a.get<ic::flag_change>(3, "change", ic::flag_change::add);
            op.silent = a.get<bool>(4, "silent", false);
            a.done();
            auto r = co_await s.run(std::move(op));
            co_return to_json(r);
        }));
}

}  // namespace shell
