// Python IMAPClient's folder, ACL and quota methods against the real
// Dovecot and Cyrus (each test runs over both). (What both of them do the
// same way, scripted: test/loopback/test_mailboxes.cpp.)
#include "harness.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>

#include <algorithm>

#include <unistd.h>

using namespace std::chrono_literals;
using imapclient::client;
using imapclient::errc;
using imapclient::folder_info;
using imapclient::make_error_code;
namespace asio = boost::asio;

namespace {

asio::awaitable<void> login(client& c, const char* user = "alice", const char* password = "alicepass") {
    co_await c.connect();
    co_await c.login(user, password);
}

const folder_info* find(const std::vector<folder_info>& folders, std::string_view name) {
    auto it = std::find_if(folders.begin(), folders.end(), [&](const folder_info& f) { return f.name == name; });
    return it == folders.end() ? nullptr : &*it;
}

// Digits only, unique per run ("12345" is a valid atom-like mailbox name
// that a careless encoder could send as a number).
std::string digits_name() {
    static int n = 0;
    return std::to_string(::getpid()) + std::to_string(++n) +
           std::to_string(std::chrono::steady_clock::now().time_since_epoch().count() % 100000);
}

const std::vector<std::string> seen_flag{"\\Seen"};
const std::vector<std::string> messages_uidnext{"MESSAGES", "UIDNEXT"};

}  // namespace

TEST_CASE("mailboxes: create, list, exists, subscribe, rename, delete with awkward names", "[live][mailboxes]") {
    auto kind = GENERATE(test::server_kind::dovecot, test::server_kind::cyrus);
    auto srv = test::real_server(kind);
    INFO(test::name_of(kind));
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, test::plain_options(srv));
        co_await login(c);
        const std::string base = test::unique_name("fold");
        const std::vector<std::string> names = {
            base + "-Ünïcødé-日本語", base + "-a&b", base + "-&-", base + "-Entw&APw-rfe", digits_name(),
            base + "-with space", base + "-[brackets]", base + "-~peter_x"};
        for (const auto& n : names) {
            INFO(n);
            auto r = co_await c.create_folder(n);
            CHECK(r.status.status == imapclient::status_kind::ok);
            {
                auto created_exists = co_await c.folder_exists(n);
                CHECK(created_exists);
            }
        }

        // Quotes and backslashes: Dovecot takes them, Cyrus refuses them
        // with its own NO, which comes back as an error with its text.
        const std::vector<std::string> odd = {base + "-say \"hi\"", base + "-back\\slash"};
        for (const auto& n : odd) {
            INFO(n);
            auto [ec, r] = co_await c.create_folder(n, asio::as_tuple(asio::use_awaitable));
            if (kind == test::server_kind::dovecot) {
                CHECK_FALSE(ec);
                {
                    auto odd_name_exists = co_await c.folder_exists(n);
                    CHECK(odd_name_exists);
                }
                auto l = co_await c.list_folders("", n);
                REQUIRE(l.folders.size() == 1);
                CHECK(l.folders[0].name == n);
                auto d = co_await c.delete_folder(n);
                CHECK(d.status.status == imapclient::status_kind::ok);
            } else {
                CHECK(ec == make_error_code(errc::no));
                CHECK(r.status.status == imapclient::status_kind::no);
                CHECK(r.status.text == "Invalid mailbox name");
            }
            {
                auto odd_name_left = co_await c.folder_exists(n);
                CHECK_FALSE(odd_name_left);
            }
        }

        // A dot: Cyrus (with "/" as separator) takes it, Dovecot's Maildir
        // refuses it with its own NO.
        const std::string dot = base + "-dot.name";
        auto [dot_ec, dot_r] = co_await c.create_folder(dot, asio::as_tuple(asio::use_awaitable));
        if (kind == test::server_kind::dovecot) {
            CHECK(dot_ec == make_error_code(errc::no));
            CHECK(dot_r.status.text.rfind("Character not allowed in mailbox name: '.'", 0) == 0);
        } else {
            CHECK_FALSE(dot_ec);
            auto dot_exists = co_await c.folder_exists(dot);
            CHECK(dot_exists);
            co_await c.delete_folder(dot);
        }

        // Every name comes back exactly, decoded from modified UTF-7.
        auto all = co_await c.list_folders();
        for (const auto& n : names) {
            INFO(n);
            auto* f = find(all.folders, n);
            REQUIRE(f);
            CHECK(f->delimiter == '/');
        }
        CHECK(find(all.folders, "INBOX"));
        auto mine = co_await c.list_folders("", base + "*");
        CHECK(mine.folders.size() == names.size() - 1);  // all but the digits-only one
        auto one = co_await c.list_folders("", names[0]);
        REQUIRE(one.folders.size() == 1);
        CHECK(one.folders[0].name == names[0]);
        CHECK(one.status.status == imapclient::status_kind::ok);

        // folder_exists is exact: a wildcard that matches is not a folder,
        // INBOX is case-insensitive, unknown names are false.
        {
            auto inbox_exists = co_await c.folder_exists("INBOX");
            CHECK(inbox_exists);
        }
        {
            auto lower_case_inbox_exists = co_await c.folder_exists("inbox");
            CHECK(lower_case_inbox_exists);
        }
        {
            auto star_pattern_exists = co_await c.folder_exists(base + "*");
            CHECK_FALSE(star_pattern_exists);
        }
        {
            auto percent_pattern_exists = co_await c.folder_exists(base + "%");
            CHECK_FALSE(percent_pattern_exists);
        }
        {
            auto unknown_exists = co_await c.folder_exists(base + "-nope");
            CHECK_FALSE(unknown_exists);
        }
        {
            auto other_case_exists = co_await c.folder_exists(base + "-ünïcødé-日本語");
            CHECK_FALSE(other_case_exists);  // case matters outside INBOX
        }

        // Subscriptions.
        co_await c.subscribe_folder(names[0]);
        co_await c.subscribe_folder(names[1]);
        auto subs = co_await c.list_sub_folders("", base + "*");
        CHECK(find(subs.folders, names[0]));
        CHECK(find(subs.folders, names[1]));
        CHECK_FALSE(find(subs.folders, names[2]));
        co_await c.unsubscribe_folder(names[1]);
        subs = co_await c.list_sub_folders("", base + "*");
        CHECK(find(subs.folders, names[0]));
        CHECK_FALSE(find(subs.folders, names[1]));
        auto all_subs = co_await c.list_sub_folders();
        CHECK(find(all_subs.folders, "Sent"));  // auto-subscribed by both servers
        co_await c.unsubscribe_folder(names[0]);

        // Rename, to a name with other awkward characters.
        const std::string renamed = base + "-renamed-Ωμέγα&";
        auto rn = co_await c.rename_folder(names[0], renamed);
        CHECK(rn.status.status == imapclient::status_kind::ok);
        {
            auto old_name_exists = co_await c.folder_exists(names[0]);
            CHECK_FALSE(old_name_exists);
        }
        {
            auto renamed_exists = co_await c.folder_exists(renamed);
            CHECK(renamed_exists);
        }
        // Renaming what does not exist is the server's NO, with its text.
        auto [rec, rres] = co_await c.rename_folder(names[0], base + "-x", asio::as_tuple(asio::use_awaitable));
        CHECK(rec == make_error_code(errc::no));
        CHECK_FALSE(rres.status.text.empty());
        // Creating what exists, too.
        auto [cec, cres] = co_await c.create_folder(renamed, asio::as_tuple(asio::use_awaitable));
        CHECK(cec == make_error_code(errc::no));
        CHECK_FALSE(cres.status.text.empty());

        std::vector<std::string> to_delete(names.begin() + 1, names.end());
        to_delete.push_back(renamed);
        for (const auto& n : to_delete) {
            INFO(n);
            co_await c.delete_folder(n);
            {
                auto deleted_exists = co_await c.folder_exists(n);
                CHECK_FALSE(deleted_exists);
            }
        }
        auto [dec, dres] = co_await c.delete_folder(renamed, asio::as_tuple(asio::use_awaitable));
        CHECK(dec == make_error_code(errc::no));
        CHECK(dres.status.status == imapclient::status_kind::no);
        auto after = co_await c.list_folders("", base + "*");
        CHECK(after.folders.empty());
        co_await c.logout();
    });
}

TEST_CASE("mailboxes: folder_status after appends", "[live][mailboxes]") {
    auto kind = GENERATE(test::server_kind::dovecot, test::server_kind::cyrus);
    auto srv = test::real_server(kind);
    INFO(test::name_of(kind));
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, test::plain_options(srv));
        co_await login(c);
        const std::string f = test::unique_name("status") + "-Zürich";
        co_await c.create_folder(f);
        auto empty = co_await c.folder_status(f);
        CHECK(empty.messages == 0u);
        CHECK(empty.uid_next == 1u);
        CHECK(empty.unseen == 0u);
        for (int i = 0; i < 3; ++i) co_await c.append(f, test::make_message("s" + std::to_string(i), "b"));
        co_await c.append(f, test::make_message("seen", "b"), seen_flag);

        auto s = co_await c.folder_status(f);
        CHECK(s.messages == 4u);
        CHECK(s.unseen == 3u);
        CHECK(s.uid_next == 5u);
        CHECK(s.uid_validity.has_value());
        CHECK(s.uid_validity == empty.uid_validity);
        CHECK(s.recent.has_value());
        CHECK(s.items.size() == 5);
        CHECK(s.status.status == imapclient::status_kind::ok);

        auto some = co_await c.folder_status(f, messages_uidnext);
        CHECK(some.messages == 4u);
        CHECK(some.uid_next == 5u);
        CHECK_FALSE(some.unseen);
        CHECK_FALSE(some.recent);
        CHECK(some.items.size() == 2);

        // STATUS of the selected folder works too (the server may answer
        // from its current view).
        co_await c.select_folder(f);
        auto sel = co_await c.folder_status(f);
        CHECK(sel.messages == 4u);

        auto [ec, r] = co_await c.folder_status(f + "-missing", {}, asio::as_tuple(asio::use_awaitable));
        CHECK(ec == make_error_code(errc::no));
        CHECK_FALSE(r.status.text.empty());
        CHECK_FALSE(r.messages);
        co_await c.unselect_folder();
        co_await c.delete_folder(f);
        co_await c.logout();
    });
}

TEST_CASE("mailboxes: namespace", "[live][mailboxes]") {
    auto kind = GENERATE(test::server_kind::dovecot, test::server_kind::cyrus);
    auto srv = test::real_server(kind);
    INFO(test::name_of(kind));
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, test::plain_options(srv));
        co_await login(c);
        auto ns = co_await c.namespace_();
        REQUIRE(ns.personal.size() == 1);
        CHECK(ns.personal[0].prefix == "");
        CHECK(ns.personal[0].delimiter == '/');
        if (kind == test::server_kind::dovecot) {
            CHECK(ns.other.empty());
            CHECK(ns.shared.empty());
        } else {
            REQUIRE(ns.other.size() == 1);
            CHECK(ns.other[0].prefix == "Other Users/");
            REQUIRE(ns.shared.size() == 1);
            CHECK(ns.shared[0].prefix == "Shared Folders/");
        }
        co_await c.logout();
    });
}

TEST_CASE("mailboxes: find_special_folder", "[live][mailboxes]") {
    auto kind = GENERATE(test::server_kind::dovecot, test::server_kind::cyrus);
    auto srv = test::real_server(kind);
    INFO(test::name_of(kind));
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, test::plain_options(srv));
        co_await login(c);
        {
            auto sent_folder = co_await c.find_special_folder("\\Sent");
            CHECK(sent_folder == std::optional<std::string>("Sent"));
        }
        {
            auto trash_folder = co_await c.find_special_folder("\\Trash");
            CHECK(trash_folder == std::optional<std::string>("Trash"));
        }
        {
            auto drafts_folder = co_await c.find_special_folder("\\Drafts");
            CHECK(drafts_folder == std::optional<std::string>("Drafts"));
        }
        {
            auto junk_folder = co_await c.find_special_folder("\\Junk");
            CHECK(junk_folder == std::optional<std::string>("Junk"));
        }
        {
            auto archive_folder = co_await c.find_special_folder("\\Archive");
            CHECK(archive_folder == std::optional<std::string>("Archive"));
        }
        // Cyrus sends the attributes in lower case ("\sent"): still found.
        {
            auto upper_case_sent = co_await c.find_special_folder("\\SENT");
            CHECK(upper_case_sent == std::optional<std::string>("Sent"));
        }
        {
            auto trash_without_backslash = co_await c.find_special_folder("Trash");
            CHECK(trash_without_backslash == std::optional<std::string>("Trash"));
        }
        // No folder has it, and no common name for it exists.
        {
            auto flagged_folder = co_await c.find_special_folder("\\Flagged");
            CHECK_FALSE(flagged_folder);
        }
        {
            auto important_folder = co_await c.find_special_folder("\\Important");
            CHECK_FALSE(important_folder);
        }
        co_await c.logout();
    });
}

TEST_CASE("mailboxes: xlist_folders", "[live][mailboxes]") {
    auto kind = GENERATE(test::server_kind::dovecot, test::server_kind::cyrus);
    auto srv = test::real_server(kind);
    INFO(test::name_of(kind));
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, test::plain_options(srv));
        co_await login(c);
        // Cyrus announces XLIST and marks INBOX with \Inbox; Dovecot does not
        // announce it but answers XLIST with LIST data.
        CHECK(c.has_capability("XLIST") == (kind == test::server_kind::cyrus));
        auto x = co_await c.xlist_folders();
        auto* inbox = find(x.folders, "INBOX");
        REQUIRE(inbox);
        CHECK(inbox->has_flag("\\Inbox") == (kind == test::server_kind::cyrus));
        auto* sent = find(x.folders, "Sent");
        REQUIRE(sent);
        CHECK(sent->has_flag("\\Sent"));
        co_await c.logout();
    });
}

TEST_CASE("mailboxes: unselect_folder keeps \\Deleted messages", "[live][mailboxes]") {
    auto kind = GENERATE(test::server_kind::dovecot, test::server_kind::cyrus);
    auto srv = test::real_server(kind);
    INFO(test::name_of(kind));
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, test::plain_options(srv));
        co_await login(c);
        REQUIRE(c.has_capability("UNSELECT"));
        // Not selected: refused without asking the server.
        auto [ec0, r0] = co_await c.unselect_folder(asio::as_tuple(asio::use_awaitable));
        CHECK(ec0 == make_error_code(errc::illegal_state));

        const std::string f = test::unique_name("unsel");
        co_await c.create_folder(f);
        co_await c.append(f, test::make_message("u1", "b"));
        co_await c.append(f, test::make_message("u2", "b"));
        co_await c.select_folder(f);
        co_await c.raw_command("UID STORE 1 +FLAGS.SILENT (\\Deleted)");
        auto r = co_await c.unselect_folder();
        CHECK(r.status.status == imapclient::status_kind::ok);
        CHECK_FALSE(c.mailbox().selected);
        auto [ec, s] = co_await c.search("ALL", {}, asio::as_tuple(asio::use_awaitable));
        CHECK(ec == make_error_code(errc::illegal_state));
        // UNSELECT, unlike CLOSE, expunged nothing.
        auto st = co_await c.folder_status(f);
        CHECK(st.messages == 2u);
        // CLOSE for comparison.
        co_await c.select_folder(f);
        co_await c.close_folder();
        st = co_await c.folder_status(f);
        CHECK(st.messages == 1u);
        co_await c.delete_folder(f);
        co_await c.logout();
    });
}

TEST_CASE("mailboxes: folder_encode off passes modified UTF-7 names through", "[live][mailboxes]") {
    auto kind = GENERATE(test::server_kind::dovecot, test::server_kind::cyrus);
    auto srv = test::real_server(kind);
    INFO(test::name_of(kind));
    test::run([&]() -> asio::awaitable<void> {
        auto raw_opts = test::plain_options(srv);
        raw_opts.folder_encode = false;
        client raw(co_await asio::this_coro::executor, raw_opts);
        client utf8(co_await asio::this_coro::executor, test::plain_options(srv));
        co_await login(raw);
        co_await login(utf8);
        CHECK_FALSE(raw.options().folder_encode);

        const std::string base = test::unique_name("raw");
        const std::string wire = base + "-Entw&APw-rfe-&ZeVnLIqe-";
        const std::string text = base + "-Entwürfe-日本語";
        co_await raw.create_folder(wire);
        {
            auto raw_sees_wire_name = co_await raw.folder_exists(wire);
            CHECK(raw_sees_wire_name);
        }
        {
            auto utf8_sees_text_name = co_await utf8.folder_exists(text);
            CHECK(utf8_sees_text_name);
        }
        {
            auto raw_sees_text_name = co_await raw.folder_exists(text);
            CHECK_FALSE(raw_sees_text_name);
        }
        auto lr = co_await raw.list_folders("", base + "*");
        REQUIRE(lr.folders.size() == 1);
        CHECK(lr.folders[0].name == wire);
        auto lu = co_await utf8.list_folders("", base + "*");
        REQUIRE(lu.folders.size() == 1);
        CHECK(lu.folders[0].name == text);

        // APPEND takes the folder name as given too, and lands in the same folder.
        co_await raw.append(wire, test::make_message("raw", "b"));
        co_await utf8.append(text, test::make_message("utf8", "b"));
        auto st = co_await raw.folder_status(wire);
        CHECK(st.messages == 2u);
        auto sel = co_await raw.select_folder(wire);  // SELECT honours folder_encode too
        CHECK(sel.exists == 2);
        co_await raw.unselect_folder();
        // An "&" not followed by base64 and "-" is not modified UTF-7: the
        // library sends it as given and the server judges it.
        auto [ec, r] = co_await raw.create_folder(base + "-A&B", asio::as_tuple(asio::use_awaitable));
        CHECK(ec == make_error_code(errc::no));
        CHECK(r.status.text.rfind(kind == test::server_kind::dovecot ? "Mailbox name is not valid mUTF-7"
                                                                     : "Invalid mailbox name",
                                  0) == 0);
        // Namespace prefixes are passed through as well.
        auto ns = co_await raw.namespace_();
        CHECK(ns.personal.size() == 1);
        co_await utf8.rename_folder(text, text + "-2");
        {
            auto raw_sees_renamed = co_await raw.folder_exists(wire + "-2");
            CHECK(raw_sees_renamed);
        }
        co_await raw.delete_folder(wire + "-2");
        {
            auto utf8_sees_deleted = co_await utf8.folder_exists(text + "-2");
            CHECK_FALSE(utf8_sees_deleted);
        }
        co_await raw.logout();
        co_await utf8.logout();
    });
}

TEST_CASE("mailboxes: concurrent LIST, LSUB and STATUS each get their own data", "[live][mailboxes]") {
    auto kind = GENERATE(test::server_kind::dovecot, test::server_kind::cyrus);
    auto srv = test::real_server(kind);
    INFO(test::name_of(kind));
    test::run([&]() -> asio::awaitable<void> {
        using namespace asio::experimental::awaitable_operators;
        client c(co_await asio::this_coro::executor, test::plain_options(srv));
        co_await login(c);
        const std::string a = test::unique_name("conc-a"), b = test::unique_name("conc-b");
        co_await c.create_folder(a);
        co_await c.create_folder(b);
        co_await c.append(b, test::make_message("x", "y"));
        co_await c.subscribe_folder(b);
        auto [la, lb, sa, sb, ea] =
            co_await (c.list_folders("", a) && c.list_sub_folders("", b) && c.folder_status(a) &&
                      c.folder_status(b) && c.folder_exists(b));
        REQUIRE(la.folders.size() == 1);
        CHECK(la.folders[0].name == a);
        REQUIRE(lb.folders.size() == 1);
        CHECK(lb.folders[0].name == b);
        CHECK(sa.messages == 0u);
        CHECK(sb.messages == 1u);
        CHECK(ea);
        co_await c.unsubscribe_folder(b);
        co_await c.delete_folder(a);
        co_await c.delete_folder(b);
        co_await c.logout();
    });
}

TEST_CASE("mailboxes: getacl / setacl", "[live][mailboxes]") {
    auto kind = GENERATE(test::server_kind::dovecot, test::server_kind::cyrus);
    auto srv = test::real_server(kind);
    INFO(test::name_of(kind));
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, test::plain_options(srv));
        co_await login(c);
        REQUIRE(c.has_capability("ACL"));
        const std::string f = test::unique_name("acl") + "-ÄÖÜ";
        co_await c.create_folder(f);
        auto entry = [](const imapclient::acl_result& r, std::string_view who) -> std::optional<std::string> {
            for (auto& [w, rights] : r.entries)
                if (w == who) return rights;
            return std::nullopt;
        };
        auto acl = co_await c.getacl(f);
        auto mine = entry(acl, "alice");
        REQUIRE(mine);
        for (char right : std::string("lrswia")) CHECK(mine->find(right) != std::string::npos);
        CHECK_FALSE(entry(acl, "bob"));

        auto set = co_await c.setacl(f, "bob", "lr");
        CHECK(set.status.status == imapclient::status_kind::ok);
        acl = co_await c.getacl(f);
        CHECK(entry(acl, "bob") == std::optional<std::string>("lr"));

        if (kind == test::server_kind::cyrus) {
            // bob now sees it under "Other Users/" (Dovecot here has no
            // shared namespace to show it in).
            client b(co_await asio::this_coro::executor, test::plain_options(srv));
            co_await login(b, "bob", "bobpass");
            auto bl = co_await b.list_folders("", "Other Users/alice/" + f);
            REQUIRE(bl.folders.size() == 1);
            CHECK(bl.folders[0].name == "Other Users/alice/" + f);
            co_await b.logout();
        }

        co_await c.setacl(f, "bob", "");  // DELETEACL
        acl = co_await c.getacl(f);
        CHECK_FALSE(entry(acl, "bob"));
        CHECK(entry(acl, "alice"));

        auto [ec, r] = co_await c.getacl(f + "-missing", asio::as_tuple(asio::use_awaitable));
        CHECK(ec == make_error_code(errc::no));
        CHECK_FALSE(r.status.text.empty());
        co_await c.delete_folder(f);
        co_await c.logout();
    });
}

TEST_CASE("mailboxes: quotas", "[live][mailboxes]") {
    auto kind = GENERATE(test::server_kind::dovecot, test::server_kind::cyrus);
    auto srv = test::real_server(kind);
    INFO(test::name_of(kind));
    const bool dovecot = kind == test::server_kind::dovecot;
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, test::plain_options(srv));
        co_await login(c);
        REQUIRE(c.has_capability("QUOTA"));
        const std::string root = dovecot ? "User quota" : "INBOX";
        auto qr = co_await c.get_quota_root("INBOX");
        CHECK(qr.mailbox == "INBOX");
        CHECK(qr.quota_roots == std::vector<std::string>{root});
        REQUIRE_FALSE(qr.quotas.empty());
        CHECK(qr.quotas[0].quota_root == root);
        CHECK(qr.quotas[0].resource == "STORAGE");
        CHECK(qr.quotas[0].limit == 1048576u);
        auto q = co_await c.get_quota();
        CHECK(q.quotas == qr.quotas);
        auto q2 = co_await c.get_quota("Sent");  // same root for every folder
        CHECK(q2.quotas.size() == q.quotas.size());

        // A plain user may not set quotas on either server: the NO comes
        // back as an error with the server's text.
        std::vector<imapclient::quota> want = {{root, "STORAGE", 2048, 2048}};
        auto [ec, r] = co_await c.set_quota(want, asio::as_tuple(asio::use_awaitable));
        CHECK(ec == make_error_code(errc::no));
        CHECK(r.status.text.rfind(dovecot ? "Quota can be changed only by admin" : "Permission denied", 0) == 0);
        CHECK(r.quotas.empty());
        // An empty list sends nothing.
        auto none = co_await c.set_quota({});
        CHECK(none.quotas.empty());
        co_await c.logout();

        if (dovecot) co_return;
        // Cyrus's admin sets a quota on a new root of its own (alice's real
        // quota stays alone), with two resources in one SETQUOTA.
        client admin(co_await asio::this_coro::executor, test::plain_options(srv));
        co_await login(admin, "admin", "adminpass");
        const std::string f = "user/alice/" + test::unique_name("quota");
        co_await admin.create_folder(f);
        std::vector<imapclient::quota> limits = {{f, "STORAGE", 0, 500}, {f, "MESSAGE", 0, 10}};
        auto set = co_await admin.set_quota(limits);
        // Cyrus's SETQUOTA OK carries no QUOTA data: the limits come from
        // the GETQUOTA the library sends after it.
        REQUIRE(set.quotas.size() == 2);
        CHECK(set.quotas[0] == imapclient::quota{f, "STORAGE", 0, 500});
        CHECK(set.quotas[1] == imapclient::quota{f, "MESSAGE", 0, 10});
        auto froot = co_await admin.get_quota_root(f);
        CHECK(froot.mailbox == f);
        CHECK(froot.quota_roots == std::vector<std::string>{f});
        CHECK(froot.quotas == set.quotas);
        // The admin must grant itself the right to delete alice's folder.
        co_await admin.setacl(f, "admin", "lrswipkxtecda");
        co_await admin.delete_folder(f);
        {
            auto quota_folder_left = co_await admin.folder_exists(f);
            CHECK_FALSE(quota_folder_left);
        }
        co_await admin.logout();
    });
}

TEST_CASE("mailboxes: mailbox().name after select, noop() returning another connection's mail, STATUS "
          "items that are not numbers",
          "[live][mailboxes]") {
    auto kind = GENERATE(test::server_kind::dovecot, test::server_kind::cyrus);
    auto srv = test::real_server(kind);
    INFO(test::name_of(kind));
    test::run([&]() -> asio::awaitable<void> {
        auto ex = co_await asio::this_coro::executor;
        client a(ex, test::plain_options(srv));
        client b(ex, test::plain_options(srv));
        co_await login(a);
        co_await login(b);
        const std::string f = test::unique_name("noop") + "-Zürich";
        co_await a.create_folder(f);
        co_await a.select_folder(f);
        CHECK(a.mailbox().name == f);  // as given, UTF-8
        // Python IMAPClient's live test: B appends, A's NOOP returns (1, EXISTS).
        co_await b.append(f, test::make_message("new", "b"));
        auto r = co_await a.noop();
        bool exists = false;
        for (const auto& resp : r.responses)
            if (auto* e = std::get_if<imapclient::exists_data>(&resp)) exists = exists || e->count == 1;
        CHECK(exists);
        CHECK(a.mailbox().exists == 1u);

        // Items outside the numeric ones are kept, typed where the library
        // knows them; the server may refuse those it lacks.
        std::vector<std::string> items{"MESSAGES"};
        if (a.has_capability("OBJECTID")) items.push_back("MAILBOXID");
        if (a.has_capability("APPENDLIMIT")) items.push_back("APPENDLIMIT");
        auto s = co_await a.folder_status(f, items);
        CHECK(s.messages == 1u);
        if (a.has_capability("OBJECTID")) {
            REQUIRE(s.mailbox_id);
            CHECK_FALSE(s.mailbox_id->empty());
        }
        co_await a.unselect_folder();
        CHECK(a.mailbox().name.empty());
        co_await a.delete_folder(f);
        co_await a.logout();
        co_await b.logout();
    });
}
