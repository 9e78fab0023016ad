// Message methods: SEARCH/SORT/THREAD/X-GM-RAW, ESEARCH/ESORT, FETCH, APPEND/MULTIAPPEND,
// COPY/MOVE, EXPUNGE/UID EXPUNGE.
#include "json_encode.hpp"
#include "methods.hpp"

namespace shell {

namespace ic = imapclient;
using boost::asio::awaitable;

void add_message_methods(std::vector<method_info>& t) {
    t.push_back(mailbox_method("search", "(criteria=\"ALL\", charset=\"\")",
                 "SEARCH: a raw string or a list of items; -> {ids, modseq}",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     auto criteria = a.get<ic::search_criteria>(0, "criteria", "ALL");
                     auto charset = a.get<std::string>(1, "charset", {});
                     a.done();
                     ic::ops::search op{std::move(criteria), std::move(charset)};
                     auto r = co_await s.run(std::move(op));
                     co_return to_json(r);
                 }));
    t.push_back(mailbox_method(
        "esearch", "(criteria, returns=[\"ALL\"], charset=\"\")",
        "SEARCH RETURN (ESEARCH): returns any of MIN, MAX, COUNT, ALL (a compact set), SAVE (the result stays on "
        "the server as \"$\", usable as messages by the next calls) -> {min, max, count, all, modseq}",
        [](session& s, call_args& a) -> awaitable<json::value> {
            ic::ops::esearch op;
            op.criteria = a.need<ic::search_criteria>(0, "criteria");
            op.returns.all = true;
            if (auto r = a.maybe<ic::search_return>(1, "returns")) op.returns = *r;
            op.charset = a.get<std::string>(2, "charset", {});
            a.done();
            auto r = co_await s.run(std::move(op));
            co_return to_json(r);
        }));
    t.push_back(mailbox_method(
        "esort", "(sort_criteria, criteria=\"ALL\", returns=[\"ALL\"], charset=\"UTF-8\")",
        "SORT RETURN (ESORT): as esearch, with the ids in sort order in sorted",
        [](session& s, call_args& a) -> awaitable<json::value> {
            ic::ops::esort op;
            op.sort_criteria = a.need<std::vector<std::string>>(0, "sort_criteria");
            op.criteria = a.get<ic::search_criteria>(1, "criteria", "ALL");
            op.returns.all = true;
            if (auto r = a.maybe<ic::search_return>(2, "returns")) op.returns = *r;
            op.charset = a.get<std::string>(3, "charset", "UTF-8");
            a.done();
            auto r = co_await s.run(std::move(op));
            co_return to_json(r);
        }));
    t.push_back(mailbox_method("sort", "(sort_criteria, criteria=\"ALL\", charset=\"UTF-8\")", "SORT (RFC 5256)",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     auto keys = a.need<std::vector<std::string>>(0, "sort_criteria");
                     auto criteria = a.get<ic::search_criteria>(1, "criteria", "ALL");
                     auto charset = a.get<std::string>(2, "charset", "UTF-8");
                     a.done();
                     ic::ops::sort op{std::move(keys), std::move(criteria), std::move(charset)};
                     auto r = co_await s.run(std::move(op));
                     co_return to_json(r);
                 }));
    t.push_back(mailbox_method("thread", "(algorithm=\"REFERENCES\", criteria=\"ALL\", charset=\"UTF-8\")",
                 "THREAD (RFC 5256); each thread is Python IMAPClient's nested list",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     auto algorithm = a.get<std::string>(0, "algorithm", "REFERENCES");
                     auto criteria = a.get<ic::search_criteria>(1, "criteria", "ALL");
                     auto charset = a.get<std::string>(2, "charset", "UTF-8");
                     a.done();
                     ic::ops::thread op{std::move(algorithm), std::move(criteria), std::move(charset)};
                     auto r = co_await s.run(std::move(op));
                     co_return to_json(r);
                 }));
    t.push_back(mailbox_method("gmail_search", "(query, charset=\"UTF-8\")", "Gmail's X-GM-RAW search",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     auto query = a.need<std::string>(0, "query");
                     auto charset = a.get<std::string>(1, "charset", "UTF-8");
                     a.done();
                     ic::ops::gmail_search op{std::move(query), std::move(charset)};
                     auto r = co_await s.run(std::move(op));
                     co_return to_json(r);
                 }));
    t.push_back(mailbox_method("fetch", "(messages, data, modifiers=null)",
                 "FETCH items (\"FLAGS\", \"ENVELOPE\", \"BODY.PEEK[]\", ...) -> {id: {...}}",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     auto messages = a.need<ic::sequence_set>(0, "messages");
                     auto items = a.need<std::vector<std::string>>(1, "data");
                     auto modifiers = a.get<std::vector<std::string>>(2, "modifiers", {});
                     a.done();
                     ic::ops::fetch op{std::move(messages), std::move(items), std::move(modifiers)};
                     auto r = co_await s.run(std::move(op));
                     co_return to_json(r);
                 }));
    t.push_back(mailbox_method("fetch_to_file", "(message, path, section=\"\", binary=false)",
                 "streams one message (or a section: \"1.2\", \"HEADER\") into a file, any size -> {bytes, uid}",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     ic::ops::stream_fetch op;
                     op.message = a.need<std::uint32_t>(0, "message");
                     auto path = a.need<std::string>(1, "path");
                     op.section = a.get<std::string>(2, "section", {});
                     op.binary = a.get<bool>(3, "binary", false);
                     a.done();
                     op.sink = ic::file_sink(path);
                     auto r = co_await s.run(std::move(op));
                     co_return to_json(r);
                 }));
    t.push_back(mailbox_method("download", "(message, path, offset=0, chunk=16777216)",
                 "streams a message into a file in partial fetches of chunk bytes; offset > 0 resumes (appends)",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     ic::ops::download op;
                     op.message = a.need<std::uint32_t>(0, "message");
                     auto path = a.need<std::string>(1, "path");
                     op.offset = a.get<std::uint32_t>(2, "offset", 0);
                     op.chunk = a.get<std::uint32_t>(3, "chunk", 16u << 20);
                     a.done();
                     op.sink = ic::file_sink(path, op.offset > 0);
                     auto r = co_await s.run(std::move(op));
                     co_return to_json(r);
                 }));
    t.push_back({"append", "(folder, msg, flags=[], msg_time=null)",
                 "APPEND a message (a string, or {\"base64\": ...} for 8-bit bytes)",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     auto folder = a.need<std::string>(0, "folder");
                     auto msg = a.need<std::string>(1, "msg");
                     auto flags = a.get<std::vector<std::string>>(2, "flags", {});
                     auto when = a.maybe<ic::datetime>(3, "msg_time");
                     a.done();
                     auto r = co_await s.client.append(std::move(folder), std::move(msg), std::move(flags), when);
                     co_return to_json(r);
                 }});
    t.push_back({"append_file", "(folder, path, flags=[], msg_time=null, binary=false)",
                 "APPEND a message streamed from a file (any size, 64 KiB in memory); binary: literal8 with BINARY",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     auto folder = a.need<std::string>(0, "folder");
                     auto path = a.need<std::string>(1, "path");
                     auto flags = a.get<std::vector<std::string>>(2, "flags", {});
                     auto when = a.maybe<ic::datetime>(3, "msg_time");
                     auto binary = a.get<bool>(4, "binary", false);
                     a.done();
                     std::shared_ptr<ic::body_source> source;
                     try {
                         source = ic::file_source(path);
                     } catch (const boost::system::system_error& e) {
                         // A path that cannot be read is the caller's mistake, not the server's.
                         throw std::invalid_argument(std::string("append_file: ") + e.what());
                     }
                     auto r = co_await s.client.stream_append(std::move(folder), std::move(source), std::move(flags),
                                                              when, binary);
                     co_return to_json(r);
                 }});
    t.push_back({"multiappend", "(folder, msgs)",
                 "MULTIAPPEND: msgs are strings or {msg, flags, msg_time}",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     auto folder = a.need<std::string>(0, "folder");
                     auto msgs = a.need<std::vector<ic::client::append_message>>(1, "msgs");
                     a.done();
                     auto r = co_await s.client.multiappend(std::move(folder), std::move(msgs));
                     co_return to_json(r);
                 }});
    t.push_back(mailbox_method("copy", "(messages, folder)", "COPY (COPYUID in the result with UIDPLUS)",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     auto messages = a.need<ic::sequence_set>(0, "messages");
                     auto folder = a.need<std::string>(1, "folder");
                     a.done();
                     ic::ops::copy op{std::move(messages), std::move(folder)};
                     auto r = co_await s.run(std::move(op));
                     co_return to_json(r);
                 }));
    t.push_back(mailbox_method("move", "(messages, folder)", "MOVE (RFC 6851)",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     auto messages = a.need<ic::sequence_set>(0, "messages");
                     auto folder = a.need<std::string>(1, "folder");
                     a.done();
                     ic::ops::move op{std::move(messages), std::move(folder)};
                     auto r = co_await s.run(std::move(op));
                     co_return to_json(r);
                 }));
    t.push_back(mailbox_method("expunge", "(messages=null)", "EXPUNGE; with messages (and use_uid) UID EXPUNGE of those",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     auto messages = a.maybe<ic::sequence_set>(0, "messages");
                     a.done();
                     ic::ops::expunge op{std::move(messages)};
                     auto r = co_await s.run(std::move(op));
                     co_return to_json(r);
                 }));
    t.push_back(mailbox_method("uid_expunge", "(messages)", "UID EXPUNGE of these UIDs (UIDPLUS)",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     auto messages = a.need<ic::sequence_set>(0, "messages");
                     a.done();
                     ic::ops::uid_expunge op{std::move(messages)};
                     auto r = co_await s.run(std::move(op));
                     co_return to_json(r);
                 }));
}

}  // namespace shell
