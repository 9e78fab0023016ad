// The protocol extensions against real servers: ESEARCH / ESORT /
// SEARCHRES, LIST-EXTENDED / LIST-STATUS / CREATE-SPECIAL-USE, METADATA,
// GETQUOTA by root, BINARY in an ordinary fetch, ID sent at connect, and
// message sets too long for one command line. (The same, scripted, with
// the refusals: test/unit/operations/test_extensions.cpp.)
#include "harness.hpp"

#include <algorithm>

using imapclient::client;
using imapclient::errc;
using imapclient::make_error_code;
using imapclient::sequence_set;
namespace asio = boost::asio;

namespace {

asio::awaitable<void> login(client& c) {
    co_await c.connect();
    co_await c.login("alice", "alicepass");
}

// A folder of `count` messages "m0".."m{count-1}"; the odd ones \Seen.
// Returns their UIDs in order.
asio::awaitable<std::vector<std::uint32_t>> fill(client& c, const std::string& folder, int count) {
    co_await c.create_folder(folder);
    std::vector<std::uint32_t> uids;
    for (int i = 0; i < count; ++i) {
        std::vector<std::string> flags;
        if (i % 2 == 1) flags.push_back("\\Seen");
        const std::string message = test::make_message("m" + std::to_string(i), "body");
        auto a = co_await c.append(folder, message, flags);
        REQUIRE(a.uid);
        uids.push_back(*a.uid);
    }
    co_return uids;
}

}  // namespace

TEST_CASE("esearch: MIN, MAX, COUNT and ALL as a compact set; SAVE and \"$\"; ESORT order", "[live][extensions]") {
    auto kind = GENERATE(test::server_kind::dovecot, test::server_kind::cyrus);
    auto srv = test::real_server(kind);
    INFO(test::name_of(kind));
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, test::plain_options(srv));
        co_await login(c);
        const auto folder = test::unique_name("esearch");
        const auto uids = co_await fill(c, folder, 7);
        co_await c.select_folder(folder);

        imapclient::search_return want;
        want.min = want.max = want.count = want.all = true;
        auto unseen = co_await c.esearch("UNSEEN", want);
        const std::vector<std::uint32_t> expected{uids[0], uids[2], uids[4], uids[6]};
        CHECK(unseen.count == 4u);
        CHECK(unseen.min == uids[0]);
        CHECK(unseen.max == uids[6]);
        REQUIRE(unseen.all);
        CHECK(unseen.all->expand() == expected);

        // SAVE keeps the matches on the server; "$" names them. Cyrus
        // offers no SEARCHRES: refused before anything is sent.
        imapclient::search_return save;
        save.save = true;
        const std::string no_charset;
        auto [save_ec, saved] = co_await c.esearch("SEEN", save, no_charset, asio::as_tuple(asio::use_awaitable));
        if (kind == test::server_kind::cyrus) {
            CHECK(save_ec == make_error_code(errc::capability_missing));
        } else {
            REQUIRE(!save_ec);
            CHECK(!saved.all);
            auto flags = co_await c.get_flags(sequence_set("$"));
            CHECK(flags.messages.size() == 3);
            for (const auto& [uid, f] : flags.messages) CHECK(std::find(f.begin(), f.end(), "\\Seen") != f.end());
        }

        imapclient::search_return all;
        all.all = true;
        const std::vector<std::string> reverse_subject{"REVERSE", "SUBJECT"};
        auto sorted = co_await c.esort(reverse_subject, "ALL", all);
        std::vector<std::uint32_t> reversed(uids.rbegin(), uids.rend());
        CHECK(sorted.sorted == reversed);

        co_await c.close_folder();
        co_await c.delete_folder(folder);
    });
}

TEST_CASE("list_extended: a folder tree with its counts in one LIST; special-use create and selection",
          "[live][extensions]") {
    auto kind = GENERATE(test::server_kind::dovecot, test::server_kind::cyrus);
    auto srv = test::real_server(kind);
    INFO(test::name_of(kind));
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, test::plain_options(srv));
        co_await login(c);
        const auto folder = test::unique_name("tree");
        co_await fill(c, folder, 5);

        imapclient::list_options o;
        o.patterns = {"INBOX", folder};
        o.return_children = true;
        o.status = {"MESSAGES", "UNSEEN"};
        auto tree = co_await c.list_extended("", o);
        auto it = std::find_if(tree.folders.begin(), tree.folders.end(), [&](auto& f) { return f.name == folder; });
        REQUIRE(it != tree.folders.end());
        REQUIRE(it->status);
        CHECK(it->status->messages == 5u);
        CHECK(it->status->unseen == 3u);
        CHECK(it->has_flag("\\HasNoChildren"));
        CHECK(std::any_of(tree.folders.begin(), tree.folders.end(), [](auto& f) { return f.name == "INBOX"; }));

        // A folder created with an attribute is listed by it. Dovecot
        // offers no CREATE-SPECIAL-USE (its attributes come from its
        // configuration): refused before anything is sent.
        const auto archive = test::unique_name("archive");
        const std::vector<std::string> archive_use{"\\Archive"};
        if (kind == test::server_kind::dovecot) {
            auto [ec, created] =
                co_await c.create_special_folder(archive, archive_use, asio::as_tuple(asio::use_awaitable));
            CHECK(ec == make_error_code(errc::capability_missing));
        } else {
            // Cyrus gives an attribute to one folder at most, and its seeded
            // Archive has \Archive: a second is refused with [USEATTR]
            // (RFC 6154 6). Cyrus keeps the attribute as the metadata entry
            // /private/specialuse, so it is lent to the new folder and back.
            imapclient::list_options special;
            special.special_use = true;
            special.return_special_use = true;
            auto before = co_await c.list_extended("", special);
            auto holder = std::find_if(before.folders.begin(), before.folders.end(),
                                       [](const auto& f) { return f.has_flag("\\Archive"); });
            REQUIRE(holder != before.folders.end());
            const std::string holder_name = holder->name;
            auto [ec, refused] = co_await c.create_special_folder(archive, archive_use, asio::as_tuple(asio::use_awaitable));
            CHECK(ec == make_error_code(errc::no));
            REQUIRE(refused.status.code);
            CHECK(refused.status.code->name == "USEATTR");

            using entries = std::vector<std::pair<std::string, std::optional<std::string>>>;
            const entries no_use{{"/private/specialuse", std::nullopt}};
            const entries archive_entry{{"/private/specialuse", "\\Archive"}};
            co_await c.set_metadata(holder_name, no_use);
            auto [create_ec, created] =
                co_await c.create_special_folder(archive, archive_use, asio::as_tuple(asio::use_awaitable));
            std::vector<imapclient::listed_folder> listed;
            if (!create_ec) {
                auto after = co_await c.list_extended("", special);
                listed = after.folders;
                co_await c.set_metadata(archive, no_use);  // Cyrus refuses to delete a special-use folder
                co_await c.delete_folder(archive);
            }
            co_await c.set_metadata(holder_name, archive_entry);
            REQUIRE(!create_ec);
            auto a = std::find_if(listed.begin(), listed.end(), [&](auto& f) { return f.name == archive; });
            REQUIRE(a != listed.end());
            CHECK(a->has_flag("\\Archive"));
        }
        co_await c.delete_folder(folder);
    });
}

TEST_CASE("metadata: set, get, remove, and MAXSIZE's LONGENTRIES", "[live][extensions]") {
    auto kind = GENERATE(test::server_kind::dovecot, test::server_kind::cyrus);
    auto srv = test::real_server(kind);
    INFO(test::name_of(kind));
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, test::plain_options(srv));
        co_await login(c);
        const auto folder = test::unique_name("meta");
        co_await c.create_folder(folder);
        const std::string long_value(300, 'x');
        using entries = std::vector<std::pair<std::string, std::optional<std::string>>>;
        const entries both{{"/private/comment", "h\u00e9llo \"world\""}, {"/shared/comment", long_value}};
        const std::vector<std::string> names{"/private/comment", "/shared/comment"};
        co_await c.set_metadata(folder, both);
        auto got = co_await c.get_metadata(folder, names);
        // In the server's order (Cyrus: shared first).
        std::sort(got.entries.begin(), got.entries.end());
        REQUIRE(got.entries.size() == 2);
        CHECK(got.entries[0].first == "/private/comment");
        CHECK(got.entries[0].second == "h\u00e9llo \"world\"");
        CHECK(got.entries[1].first == "/shared/comment");
        CHECK(got.entries[1].second == long_value);

        imapclient::ops::get_metadata small{folder, names, 100, imapclient::metadata_depth::zero};
        auto capped = co_await c.run(std::move(small));
        REQUIRE(capped.entries.size() == 1);
        CHECK(capped.entries[0].first == "/private/comment");
        CHECK(capped.longest_skipped == 300u);

        const entries remove{{"/private/comment", std::nullopt}};
        const std::vector<std::string> comment{"/private/comment"};
        co_await c.set_metadata(folder, remove);
        auto removed = co_await c.get_metadata(folder, comment);
        CHECK((removed.entries.empty() || !removed.entries[0].second));
        co_await c.delete_folder(folder);
    });
}

TEST_CASE("get_quota_by_root: the limits of a root get_quota_root names", "[live][extensions]") {
    auto srv = test::dovecot();
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, test::plain_options(srv));
        co_await login(c);
        auto roots = co_await c.get_quota_root("INBOX");
        REQUIRE(!roots.quota_roots.empty());
        auto q = co_await c.get_quota_by_root(roots.quota_roots.front());
        REQUIRE(!q.quotas.empty());
        CHECK(q.quotas == roots.quotas);
    });
}

TEST_CASE("BINARY in an ordinary fetch: the decoded part and its size", "[live][extensions]") {
    auto srv = test::dovecot();
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, test::plain_options(srv));
        co_await login(c);
        const auto folder = test::unique_name("binary");
        co_await c.create_folder(folder);
        // "AAEC/wBo" is the bytes 00 01 02 FF 00 68.
        const std::string message =
            "From: a@example.com\r\nSubject: bin\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
            "--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n"
            "--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            "AAEC/wBo\r\n--b--\r\n";
        auto a = co_await c.append(folder, message);
        REQUIRE(a.uid);
        co_await c.select_folder(folder, true);
        const std::vector<std::string> items{"BINARY.PEEK[2]", "BINARY.SIZE[2]"};
        auto r = co_await c.fetch(sequence_set(*a.uid), items);
        REQUIRE(r.messages.count(*a.uid) == 1);
        const auto& m = r.messages.at(*a.uid);
        const auto* part = m.section("BINARY[2]");
        REQUIRE(part);
        REQUIRE(part->data);
        CHECK(*part->data == std::string("\x00\x01\x02\xff\x00h", 6));
        const auto* size = m.section("BINARY.SIZE[2]");
        REQUIRE(size);
        CHECK(size->data == std::optional<std::string>("6"));
        co_await c.close_folder();
        co_await c.delete_folder(folder);
    });
}

TEST_CASE("client_options::id is sent at connect, before login; the server's answer is in the result",
          "[live][extensions]") {
    auto srv = test::dovecot();
    test::run([&]() -> asio::awaitable<void> {
        auto o = test::plain_options(srv);
        o.id = {{"name", "imapclient-tests"}, {"version", "1"}};
        std::vector<std::string> log;
        o.debug = 3;
        o.log = [&](std::string_view line) { log.emplace_back(line); };
        client c(co_await asio::this_coro::executor, o);
        auto r = co_await c.connect();
        REQUIRE(r.server_id);
        auto name = std::find_if(r.server_id->fields.begin(), r.server_id->fields.end(),
                                 [](auto& f) { return f.first == "name"; });
        REQUIRE(name != r.server_id->fields.end());
        CHECK(name->second == "Dovecot");
        co_await c.login("alice", "alicepass");
        // ID went out before LOGIN.
        auto id_at = std::find_if(log.begin(), log.end(), [](auto& l) { return l.find(" ID (") != std::string::npos; });
        auto login_at =
            std::find_if(log.begin(), log.end(), [](auto& l) { return l.find(" LOGIN ") != std::string::npos; });
        REQUIRE(id_at != log.end());
        CHECK(id_at < login_at);
    });
}

TEST_CASE("long message sets: a FETCH and a STORE past max_command_length go in pieces, results merged",
          "[live][extensions]") {
    auto kind = GENERATE(test::server_kind::dovecot, test::server_kind::cyrus);
    auto srv = test::real_server(kind);
    INFO(test::name_of(kind));
    test::run([&]() -> asio::awaitable<void> {
        auto o = test::plain_options(srv);
        o.max_command_length = 2048;  // 1024 bytes a set
        std::vector<std::string> sent;
        o.debug = 3;
        o.log = [&](std::string_view line) { sent.emplace_back(line); };
        client c(co_await asio::this_coro::executor, o);
        co_await login(c);
        const auto folder = test::unique_name("longset");
        const auto uids = co_await fill(c, folder, 12);
        co_await c.select_folder(folder);
        // The folder's UIDs, each followed by UIDs that do not exist: the
        // set has no ranges and about 2.7 KB of text.
        std::vector<std::uint32_t> ids;
        for (auto u : uids) ids.push_back(u);
        for (std::uint32_t i = 0; i < 600; ++i) ids.push_back(uids.back() + 2 + 2 * i);
        const sequence_set set(ids);
        REQUIRE(set.str().size() > 2048);
        sent.clear();
        const std::vector<std::string> flags_item{"FLAGS"}, split_flag{"$Split"};
        auto fetched = co_await c.fetch(set, flags_item);
        CHECK(fetched.messages.size() == uids.size());
        auto stored = co_await c.add_flags(set, split_flag);
        CHECK(stored.messages.size() == uids.size());
        int fetches = 0, stores = 0;
        for (const auto& line : sent) {
            if (line.find("UID FETCH") != std::string::npos) ++fetches;
            if (line.find("UID STORE") != std::string::npos) ++stores;
            CHECK(line.size() < 2048 + 64);  // the log line's prefix aside
        }
        CHECK(fetches >= 3);
        CHECK(stores >= 3);
        auto check = co_await c.get_flags(sequence_set(uids));
        for (const auto& [uid, f] : check.messages) CHECK(std::find(f.begin(), f.end(), "$Split") != f.end());
        co_await c.close_folder();
        co_await c.delete_folder(folder);
    });
}

TEST_CASE("notify: news of another folder on one connection, naming its folder; NONE turns it off",
          "[live][extensions]") {
    auto srv = test::dovecot();
    test::run([&]() -> asio::awaitable<void> {
        client watcher(co_await asio::this_coro::executor, test::plain_options(srv));
        client writer(co_await asio::this_coro::executor, test::plain_options(srv));
        co_await login(watcher);
        co_await login(writer);
        const auto folder = test::unique_name("notified");
        co_await writer.create_folder(folder);
        co_await watcher.select_folder("INBOX", true);

        // The selected INBOX and every personal folder, with their STATUS now.
        const std::vector<imapclient::notify_group> groups{
            {imapclient::notify_target::selected, {}, {"MessageNew", "MessageExpunge"}, {}},
            {imapclient::notify_target::personal, {}, {"MessageNew", "MessageExpunge", "MailboxName"}, {}}};
        auto set = co_await watcher.notify(groups, true);
        auto now = std::find_if(set.mailboxes.begin(), set.mailboxes.end(), [&](auto& m) { return m.first == folder; });
        REQUIRE(now != set.mailboxes.end());
        CHECK(now->second.messages == 0u);

        // Another connection delivers into the folder: the watcher, idling
        // in INBOX, hears of it as a STATUS naming that folder.
        co_await watcher.idle();
        const std::string message = test::make_message("notified", "x");
        co_await writer.append(folder, message);
        std::optional<imapclient::status_data> news;
        for (int i = 0; i < 10 && !news; ++i) {
            auto heard = co_await watcher.idle_check(std::chrono::milliseconds(500));
            for (const auto& e : heard.events) {
                if (watcher.event_mailbox(e) != folder) continue;
                news = std::get<imapclient::status_data>(std::get<imapclient::response>(e));
            }
        }
        co_await watcher.idle_done();
        REQUIRE(news);
        CHECK(news->get("MESSAGES") == 1u);

        // NOTIFY NONE: the next delivery is not reported.
        const std::vector<imapclient::notify_group> off;
        co_await watcher.notify(off);
        co_await writer.append(folder, message);
        co_await test::sleep_for(std::chrono::milliseconds(500));
        auto after = co_await watcher.noop();
        for (const auto& r : after.responses) {
            const auto* s = std::get_if<imapclient::status_data>(&r);
            CHECK(!(s && s->mailbox == folder));
        }
        co_await writer.delete_folder(folder);
    });
}

TEST_CASE("OBJECTID (RFC 8474) on Cyrus: EMAILID in FETCH, MAILBOXID in STATUS; Dovecot has none",
          "[live][extensions]") {
    auto kind = GENERATE(test::server_kind::dovecot, test::server_kind::cyrus);
    auto srv = test::real_server(kind);
    INFO(test::name_of(kind));
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, test::plain_options(srv));
        co_await login(c);
        CHECK(c.has_capability("OBJECTID") == (kind == test::server_kind::cyrus));
        const auto folder = test::unique_name("objectid");
        const auto uids = co_await fill(c, folder, 2);
        const std::vector<std::string> mailbox_id{"MAILBOXID"};
        auto [status_ec, status] = co_await c.folder_status(folder, mailbox_id, asio::as_tuple(asio::use_awaitable));
        co_await c.select_folder(folder, true);
        const std::vector<std::string> ids{"EMAILID", "THREADID"};
        const std::vector<std::string> no_modifiers;
        auto [fetch_ec, fetched] =
            co_await c.fetch(sequence_set(uids), ids, no_modifiers, asio::as_tuple(asio::use_awaitable));
        if (kind == test::server_kind::cyrus) {
            REQUIRE(!status_ec);
            REQUIRE(status.mailbox_id);
            CHECK(!status.mailbox_id->empty());
            REQUIRE(!fetch_ec);
            REQUIRE(fetched.messages.size() == 2);
            const auto& first = fetched.messages.at(uids[0]);
            const auto& second = fetched.messages.at(uids[1]);
            REQUIRE(first.email_id);
            REQUIRE(second.email_id);
            CHECK(*first.email_id != *second.email_id);
        } else {
            // Not offered: the server refuses the unknown items.
            CHECK((status_ec == make_error_code(errc::bad) || status_ec == make_error_code(errc::no)));
            CHECK((fetch_ec == make_error_code(errc::bad) || fetch_ec == make_error_code(errc::no)));
        }
        co_await c.close_folder();
        co_await c.delete_folder(folder);
    });
}
