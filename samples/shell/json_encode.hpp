// Every value the client returns, as JSON (the shell's output format).
//
//   - integers are JSON integers, booleans booleans, absent values null;
//   - byte strings are JSON strings when they are valid UTF-8, otherwise
//     {"base64": "..."};
//   - dates are ISO 8601 strings with their offset;
//   - structs are objects with the C++ field names, which are Python IMAPClient's
//     (envelope: date, subject, from_, sender, ...; address: name, route,
//     mailbox, host); results keep their `status` (the tagged reply);
//   - fetch and flag results are objects keyed by message id;
//   - untagged responses and events are objects with a "type" member.
#pragma once

#include <imapclient/client.hpp>

#include <boost/json/value.hpp>

#include <optional>
#include <string_view>

namespace shell {

namespace json = boost::json;

json::value bytes_to_json(std::string_view bytes);
json::value to_json(const imapclient::datetime& when);
json::value to_json(const imapclient::address& a);
json::value to_json(const imapclient::envelope& e);
json::value to_json(const imapclient::raw_value& v);
json::value to_json(const imapclient::body_structure& b);
json::value to_json(const imapclient::response_code& c);
json::value to_json(const imapclient::status_response& s);
json::value to_json(const imapclient::fetch_data& f);
json::value to_json(const imapclient::thread_node& t);
json::value to_json(const imapclient::response& r);
json::value to_json(const imapclient::event& e);
json::value to_json(const imapclient::mailbox_state& m);
json::value to_json(const imapclient::folder_info& f);
json::value to_json(const imapclient::quota& q);
json::value to_json(const imapclient::namespace_entry& n);
json::value to_json(const imapclient::command_metrics& m);

json::value to_json(const imapclient::connect_result& r);
json::value to_json(const imapclient::command_result& r);
json::value to_json(const imapclient::select_result& r);
json::value to_json(const imapclient::search_result& r);
json::value to_json(const imapclient::fetch_result& r);
json::value to_json(const imapclient::append_result& r);
json::value to_json(const imapclient::stream_fetch_result& r);
json::value to_json(const imapclient::idle_result& r);
json::value to_json(const imapclient::folder_list_result& r);
json::value to_json(const imapclient::folder_status_result& r);
json::value to_json(const imapclient::namespace_result& r);
json::value to_json(const imapclient::flags_result& r);
json::value to_json(const imapclient::thread_result& r);
json::value to_json(const imapclient::copy_result& r);
json::value to_json(const imapclient::expunge_result& r);
json::value to_json(const imapclient::acl_result& r);
json::value to_json(const imapclient::quota_result& r);
json::value to_json(const imapclient::quota_root_result& r);
json::value to_json(const imapclient::enable_result& r);
json::value to_json(const imapclient::id_result& r);
json::value to_json(const imapclient::esearch_result& r);
json::value to_json(const imapclient::folder_tree_result& r);
json::value to_json(const imapclient::metadata_result& r);
json::value to_json(const imapclient::notify_result& r);
/// The select_result's fields plus uid_validity_changed, vanished (UIDs) and
/// changed ({uid: fetch data}).
json::value to_json(const imapclient::qresync_select_result& r);
/// {messages: {id: fetch data}, vanished: [uids], status}.
json::value to_json(const imapclient::changes_result& r);
/// {flags: {id: [flags]}, modseqs: {id: modseq}, modified: [ids], status}.
json::value to_json(const imapclient::conditional_store_result& r);

json::value to_json(const std::optional<std::string>& s);
json::value to_json(const std::vector<std::string>& strings);

}  // namespace shell
