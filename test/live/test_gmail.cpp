// Gmail's IMAP extensions (X-GM-EXT-1: X-GM-MSGID, X-GM-THRID,
// X-GM-LABELS, X-GM-RAW) and XLIST, against the Gmail stand-in that
// scripts/test.sh starts (test/servers/hoodiecrow.sh: hoodiecrow-imap from
// npm, extended by test/servers/hoodiecrow/server.js). GMAIL_PORT offers
// XLIST and SPECIAL-USE, as Gmail does today; GMAIL_XLIST_PORT offers XLIST
// alone, as Gmail did before RFC 6154, so there the special folders can
// only be found through XLIST.
//
// The stand-in keeps one mailbox tree for all users, for as long as it
// runs: every test works in folders of its own (test::unique_name), whose
// messages Gmail-style carry the folder's name as a label.
#include "harness.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

using namespace std::chrono_literals;
using imapclient::client;
using imapclient::errc;
namespace asio = boost::asio;

namespace {

struct gmail_env {
    std::string host;
    std::uint16_t port = 0;        // X-GM-EXT-1, XLIST, SPECIAL-USE
    std::uint16_t xlist_port = 0;  // X-GM-EXT-1, XLIST
};

gmail_env gmail() {
    gmail_env e;
    e.host = test::env_or_fail("GMAIL_HOST");
    e.port = static_cast<std::uint16_t>(std::stoi(test::env_or_fail("GMAIL_PORT")));
    e.xlist_port = static_cast<std::uint16_t>(std::stoi(test::env_or_fail("GMAIL_XLIST_PORT")));
    return e;
}

imapclient::client_options options(const gmail_env& e, std::uint16_t port) {
    imapclient::client_options o;
    o.host = e.host;
    o.port = port;
    o.security = imapclient::security::plain;
    o.allow_plaintext_login = true;
    o.timeout = 20s;
    return o;
}

// GCC 12 cannot take braced lists of string literals inside co_await
// expressions, so item lists are named here.
const std::vector<std::string> gm_items{"UID", "X-GM-MSGID", "X-GM-THRID", "X-GM-LABELS"};
const std::vector<std::string> labels_item{"X-GM-LABELS"};
const std::vector<std::string> no_labels{};
const std::vector<std::string> space_and_umlaut{"My Label", "Späße"};
const std::vector<std::string> replacement{"\\Inbox", "日本語", "with space"};
const std::vector<std::string> quiet_label{"Quiet"};
const std::vector<std::string> with_space{"with space"};
const std::vector<std::string> seq_label{"Seq"};
const std::vector<std::string> x_label{"X"};
const std::vector<std::string> nope_label{"Nope"};
const std::vector<std::string> search_me{"Search Me"};
const std::vector<std::string> seen_flag{imapclient::SEEN};

std::string message(const std::string& subject, const std::string& message_id, const std::string& in_reply_to = {},
                    const std::string& body = "hello") {
    std::string m = "From: Tester <tester@example.com>\r\nTo: alice@example.com\r\nSubject: " + subject +
                    "\r\nDate: Mon, 7 Feb 1994 21:52:25 -0800\r\nMessage-ID: <" + message_id + ">\r\n";
    if (!in_reply_to.empty()) m += "In-Reply-To: <" + in_reply_to + ">\r\nReferences: <" + in_reply_to + ">\r\n";
    return m + "\r\n" + body + "\r\n";
}

asio::awaitable<void> login(client& c) {
    co_await c.connect();
    co_await c.login("alice", "alicepass");
}

// A fresh folder holding these messages, selected; returns its name and the
// messages' UIDs in order.
asio::awaitable<std::pair<std::string, std::vector<std::uint32_t>>> folder_with(client& c,
                                                                              std::vector<std::string> messages) {
    std::string folder = test::unique_name("gm");
    co_await c.create_folder(folder);
    for (auto& m : messages) co_await c.append(folder, m);
    auto sel = co_await c.select_folder(folder);
    REQUIRE(sel.exists == messages.size());
    auto all = co_await c.search();
    REQUIRE(all.ids.size() == messages.size());
    co_return std::pair{folder, all.ids};
}

std::set<std::string> as_set(const std::vector<std::string>& v) { return {v.begin(), v.end()}; }

// Runs an operation that must fail and returns its error code.
template <typename Op>
asio::awaitable<imapclient::error_code> failure_of(Op op) {
    try {
        co_await op();
    } catch (const imapclient::error& e) {
        co_return e.code();
    }
    FAIL("the operation succeeded");
    co_return imapclient::error_code{};
}

const imapclient::folder_info* find(const imapclient::folder_list_result& l, std::string_view name) {
    auto it = std::find_if(l.folders.begin(), l.folders.end(), [&](auto& f) { return f.name == name; });
    return it == l.folders.end() ? nullptr : &*it;
}

}  // namespace

TEST_CASE("gmail: the stand-in announces X-GM-EXT-1 and XLIST; SPECIAL-USE only on the first port", "[live][gmail]") {
    auto env = gmail();
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, options(env, env.port));
        co_await login(c);
        CHECK(c.has_capability("X-GM-EXT-1"));
        CHECK(c.has_capability("XLIST"));
        CHECK(c.has_capability("SPECIAL-USE"));

        client old(co_await asio::this_coro::executor, options(env, env.xlist_port));
        co_await login(old);
        CHECK(old.has_capability("X-GM-EXT-1"));
        CHECK(old.has_capability("XLIST"));
        CHECK_FALSE(old.has_capability("SPECIAL-USE"));
    });
}

TEST_CASE("gmail: fetch of X-GM-MSGID, X-GM-THRID and X-GM-LABELS", "[live][gmail]") {
    auto env = gmail();
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, options(env, env.port));
        co_await login(c);
        const std::string id = test::unique_name("msg");
        std::vector<std::string> msgs{message("first", "a-" + id + "@example.com"),
                                      message("Re: first", "b-" + id + "@example.com", "a-" + id + "@example.com"),
                                      message("other", "c-" + id + "@example.com")};
        auto [folder, uids] = co_await folder_with(c, msgs);

        auto r = co_await c.fetch(uids, gm_items);
        REQUIRE(r.messages.size() == 3);
        std::vector<std::uint64_t> msgid, thrid;
        for (auto uid : uids) {
            const auto& m = r.messages.at(uid);
            CHECK(m.uid == uid);
            REQUIRE(m.gmail_msgid.has_value());
            REQUIRE(m.gmail_thrid.has_value());
            REQUIRE(m.gmail_labels.has_value());
            // Gmail's ids are 64-bit: the stand-in's start above 2^60.
            CHECK(*m.gmail_msgid > (std::uint64_t{1} << 60));
            // A message appended to a folder carries the folder's label.
            CHECK(*m.gmail_labels == std::vector<std::string>{folder});
            msgid.push_back(*m.gmail_msgid);
            thrid.push_back(*m.gmail_thrid);
        }
        CHECK(std::set<std::uint64_t>(msgid.begin(), msgid.end()).size() == 3);
        // The reply joins the first message's thread; the other starts its own.
        CHECK(thrid[0] == msgid[0]);
        CHECK(thrid[1] == thrid[0]);
        CHECK(thrid[2] == msgid[2]);
        CHECK(thrid[2] != thrid[0]);

        // The 64-bit ids as search keys select exactly their messages.
        imapclient::search_criteria by_thread{"X-GM-THRID", std::to_string(thrid[0])};
        auto thread = co_await c.search(by_thread);
        CHECK(thread.ids == std::vector<std::uint32_t>{uids[0], uids[1]});
        imapclient::search_criteria by_msgid{"X-GM-MSGID", static_cast<std::int64_t>(msgid[2])};
        auto one = co_await c.search(by_msgid);
        CHECK(one.ids == std::vector<std::uint32_t>{uids[2]});

        // By sequence number, with the same data.
        c.set_use_uid(false);
        auto s = co_await c.fetch("1:*", gm_items);
        REQUIRE(s.messages.size() == 3);
        for (std::uint32_t seq = 1; seq <= 3; ++seq) {
            const auto& m = s.messages.at(seq);
            CHECK(m.seq == seq);
            CHECK(m.uid == uids[seq - 1]);
            CHECK(m.gmail_msgid == msgid[seq - 1]);
            CHECK(m.gmail_thrid == thrid[seq - 1]);
        }
        co_await c.logout();
    });
}

TEST_CASE("gmail: X-GM-LABELS of the seeded INBOX: system labels, spaces, modified UTF-7 as sent", "[live][gmail]") {
    auto env = gmail();
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, options(env, env.xlist_port));
        co_await login(c);
        // Read-only: other tests may run against the same server later.
        co_await c.select_folder("INBOX", true);
        auto r = co_await c.fetch("1:2", labels_item);
        REQUIRE(r.messages.size() == 2);
        // fetch() hands labels over as sent; get_gmail_labels() decodes.
        CHECK(as_set(*r.messages.at(1).gmail_labels) == std::set<std::string>{"Work", "\\Inbox"});
        CHECK(as_set(*r.messages.at(2).gmail_labels) == std::set<std::string>{"My Label", "Sp&AOQA3w-e", "\\Inbox"});
        auto l = co_await c.get_gmail_labels("1:2");
        REQUIRE(l.messages.size() == 2);
        CHECK(as_set(l.messages.at(1)) == std::set<std::string>{"Work", "\\Inbox"});
        CHECK(as_set(l.messages.at(2)) == std::set<std::string>{"My Label", "Späße", "\\Inbox"});
    });
}

TEST_CASE("gmail: get/add/remove/set_gmail_labels", "[live][gmail]") {
    auto env = gmail();
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, options(env, env.port));
        co_await login(c);
        const std::string id = test::unique_name("lbl");
        std::vector<std::string> msgs{message("one", "1-" + id + "@example.com"),
                                      message("two", "2-" + id + "@example.com")};
        auto [folder, uids] = co_await folder_with(c, msgs);
        const auto u1 = uids[0], u2 = uids[1];

        auto got = co_await c.get_gmail_labels(uids);
        REQUIRE(got.messages.size() == 2);
        CHECK(got.messages.at(u1) == std::vector<std::string>{folder});
        CHECK(got.messages.at(u2) == std::vector<std::string>{folder});

        // Non-ASCII names go out in modified UTF-7 and come back decoded;
        // spaces, "&", quotes and backslashes survive; \Important is a
        // system label.
        std::vector<std::string> added{"Work", "My Label", "Späße", "日本語", "R&D", "say \"hi\"", "back\\slash",
                                       "\\Important"};
        auto add = co_await c.add_gmail_labels(u1, added);
        REQUIRE(add.messages.size() == 1);
        std::set<std::string> want{added.begin(), added.end()};
        want.insert(folder);
        CHECK(as_set(add.messages.at(u1)) == want);

        // On the wire they are modified UTF-7 (fetch reports them as sent).
        auto raw = co_await c.fetch(u1, labels_item);
        std::set<std::string> sent = as_set(*raw.messages.at(u1).gmail_labels);
        CHECK(sent.count("Sp&AOQA3w-e") == 1);
        CHECK(sent.count("&ZeVnLIqe-") == 1);
        CHECK(sent.count("R&-D") == 1);
        CHECK(sent.count("My Label") == 1);

        auto removed = co_await c.remove_gmail_labels(u1, space_and_umlaut);
        want.erase("My Label");
        want.erase("Späße");
        CHECK(as_set(removed.messages.at(u1)) == want);

        // set replaces everything, the folder's label included.
        auto set = co_await c.set_gmail_labels(u2, replacement);
        REQUIRE(set.messages.size() == 1);
        CHECK(as_set(set.messages.at(u2)) == std::set<std::string>{"\\Inbox", "日本語", "with space"});

        // Silent stores change the labels but report nothing.
        auto quiet = co_await c.add_gmail_labels(u2, quiet_label, true);
        CHECK(quiet.messages.empty());
        CHECK(quiet.status.status == imapclient::status_kind::ok);
        auto quiet_remove = co_await c.remove_gmail_labels(u2, with_space, true);
        CHECK(quiet_remove.messages.empty());

        got = co_await c.get_gmail_labels(uids);
        REQUIRE(got.messages.size() == 2);
        CHECK(as_set(got.messages.at(u1)) == want);
        CHECK(as_set(got.messages.at(u2)) == std::set<std::string>{"\\Inbox", "日本語", "Quiet"});

        // set to nothing: no labels at all.
        auto cleared = co_await c.set_gmail_labels(u2, no_labels);
        REQUIRE(cleared.messages.size() == 1);
        CHECK(cleared.messages.at(u2).empty());

        // Keyed by sequence number when use_uid is off.
        c.set_use_uid(false);
        auto by_seq = co_await c.add_gmail_labels(2, seq_label);
        REQUIRE(by_seq.messages.size() == 1);
        CHECK(by_seq.messages.at(2) == std::vector<std::string>{"Seq"});
        auto get_seq = co_await c.get_gmail_labels("1:2");
        CHECK(as_set(get_seq.messages.at(1)) == want);
        CHECK(get_seq.messages.at(2) == std::vector<std::string>{"Seq"});
        c.set_use_uid(true);

        // An empty set asks nothing and returns nothing, as in Python IMAPClient.
        auto none = co_await c.add_gmail_labels(imapclient::sequence_set{}, x_label);
        CHECK(none.messages.empty());
        co_await c.logout();
    });
}

TEST_CASE("gmail: label changes are refused on a read-only folder and without X-GM-EXT-1", "[live][gmail]") {
    auto env = gmail();
    auto dovecot = test::dovecot();
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, options(env, env.port));
        co_await login(c);
        std::vector<std::string> msgs{message("ro", test::unique_name("ro") + "@example.com")};
        auto [folder, uids] = co_await folder_with(c, msgs);
        co_await c.select_folder(folder, true);
        {
            auto got = co_await failure_of([&]() { return c.add_gmail_labels(uids, nope_label); });
            CHECK(got == errc::read_only);
        }
        // Reading them is fine, and nothing changed.
        auto got = co_await c.get_gmail_labels(uids);
        CHECK(got.messages.at(uids[0]) == std::vector<std::string>{folder});

        // Dovecot has no X-GM-EXT-1: refused before anything is sent.
        client d(co_await asio::this_coro::executor, test::plain_options(dovecot));
        co_await d.connect();
        co_await d.login("alice", "alicepass");
        co_await d.select_folder("INBOX", true);
        CHECK_FALSE(d.has_capability("X-GM-EXT-1"));
        {
            auto got = co_await failure_of([&]() { return d.get_gmail_labels("1"); });
            CHECK(got == errc::capability_missing);
        }
        {
            auto got = co_await failure_of([&]() { return d.gmail_search("anything"); });
            CHECK(got == errc::capability_missing);
        }
        // The connection is still fine afterwards.
        co_await d.noop();
    });
}

TEST_CASE("gmail: gmail_search (X-GM-RAW)", "[live][gmail]") {
    auto env = gmail();
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, options(env, env.port));
        co_await login(c);
        const std::string tok = "tok" + std::to_string(::getpid());
        std::vector<std::string> msgs{
            message("alpha " + tok, test::unique_name("s1") + "@example.com", {}, "plain body"),
            message("beta " + tok, test::unique_name("s2") + "@example.com", {}, "another body"),
            // RFC 2047 subject "Grüße <tok>"
            message("=?UTF-8?Q?Gr=C3=BC=C3=9Fe?= " + tok, test::unique_name("s3") + "@example.com", {},
                    "body with Käse")};
        auto [folder, uids] = co_await folder_with(c, msgs);

        {
            auto got = co_await c.gmail_search("subject:alpha");
            CHECK(got.ids == std::vector<std::uint32_t>{uids[0]});
        }
        {
            auto got = co_await c.gmail_search(tok);
            CHECK(got.ids == uids);
        }
        {
            auto got = co_await c.gmail_search("subject:alpha OR subject:beta");
            CHECK(got.ids ==
              std::vector<std::uint32_t>{uids[0], uids[1]});
        }
        {
            auto got = co_await c.gmail_search("-subject:alpha " + tok);
            CHECK(got.ids == std::vector<std::uint32_t>{uids[1], uids[2]});
        }
        // Quotes inside the query reach the server intact (a phrase).
        {
            auto got = co_await c.gmail_search("\"beta " + tok + "\"");
            CHECK(got.ids == std::vector<std::uint32_t>{uids[1]});
        }
        // Non-ASCII queries go out with CHARSET UTF-8 (as a literal).
        {
            auto got = co_await c.gmail_search("subject:Grüße");
            CHECK(got.ids == std::vector<std::uint32_t>{uids[2]});
        }
        {
            auto got = co_await c.gmail_search("Käse");
            CHECK(got.ids == std::vector<std::uint32_t>{uids[2]});
        }
        // Nothing matches: an empty result, not an error.
        auto none = co_await c.gmail_search("zzz-no-such-word");
        CHECK(none.ids.empty());
        CHECK(none.status.status == imapclient::status_kind::ok);
        // A query that looks like a sequence set or NIL stays a string.
        {
            auto got = co_await c.gmail_search("1:5");
            CHECK(got.ids.empty());
        }
        {
            auto got = co_await c.gmail_search("NIL");
            CHECK(got.ids.empty());
        }

        // Labels and search together.
        co_await c.add_gmail_labels(uids[1], search_me);
        {
            auto got = co_await c.gmail_search("label:search-me");
            CHECK(got.ids == std::vector<std::uint32_t>{uids[1]});
        }
        co_await c.add_flags(uids[2], seen_flag);
        {
            auto got = co_await c.gmail_search("is:unread " + tok);
            CHECK(got.ids == std::vector<std::uint32_t>{uids[0], uids[1]});
        }

        // Sequence numbers when use_uid is off.
        c.set_use_uid(false);
        {
            auto got = co_await c.gmail_search("subject:beta");
            CHECK(got.ids == std::vector<std::uint32_t>{2});
        }
        co_await c.logout();
    });
}

TEST_CASE("gmail: xlist_folders", "[live][gmail]") {
    auto env = gmail();
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, options(env, env.port));
        co_await login(c);
        auto x = co_await c.xlist_folders();
        auto l = co_await c.list_folders();
        // The same folders, with XLIST's flags in place of SPECIAL-USE's.
        REQUIRE(x.folders.size() == l.folders.size());
        for (const auto& f : l.folders) CHECK(find(x, f.name) != nullptr);

        struct expect {
            const char* name;
            const char* xlist_flag;
            const char* special_use;  // as LIST reports it
        };
        const expect expected[] = {
            {"INBOX", "\\Inbox", nullptr},
            {"[Gmail]/All Mail", "\\AllMail", "\\All"},
            {"[Gmail]/Drafts", "\\Drafts", "\\Drafts"},
            {"[Gmail]/Important", "\\Important", "\\Important"},
            {"[Gmail]/Sent Mail", "\\Sent", "\\Sent"},
            {"[Gmail]/Spam", "\\Spam", "\\Junk"},
            {"[Gmail]/Starred", "\\Starred", "\\Flagged"},
            {"[Gmail]/Trash", "\\Trash", "\\Trash"},
        };
        for (const auto& e : expected) {
            INFO(e.name);
            auto* xf = find(x, e.name);
            REQUIRE(xf != nullptr);
            CHECK(xf->has_flag(e.xlist_flag));
            std::string lower = e.xlist_flag;
            std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) { return std::tolower(ch); });
            CHECK(xf->has_flag(lower));  // flags compare case-insensitively
            CHECK(xf->delimiter == '/');
            auto* lf = find(l, e.name);
            REQUIRE(lf != nullptr);
            if (e.special_use) CHECK(lf->has_flag(e.special_use));
            if (!e.special_use || std::string_view(e.xlist_flag) != e.special_use)
                CHECK_FALSE(lf->has_flag(e.xlist_flag));
        }
        auto* gm = find(x, "[Gmail]");
        REQUIRE(gm != nullptr);
        CHECK(gm->has_flag("\\Noselect"));
        // Label folders: a space, and a name decoded from modified UTF-7.
        CHECK(find(x, "My Label") != nullptr);
        CHECK(find(x, "Späße") != nullptr);
        CHECK(find(x, "Sp&AOQA3w-e") == nullptr);

        // A pattern.
        auto sub = co_await c.xlist_folders("", "[Gmail]/%");
        CHECK(sub.folders.size() == 7);
        for (const auto& f : sub.folders) CHECK(f.name.rfind("[Gmail]/", 0) == 0);
        co_await c.logout();

        // folder_encode off: names exactly as on the wire.
        auto raw_opts = options(env, env.port);
        raw_opts.folder_encode = false;
        client r(co_await asio::this_coro::executor, raw_opts);
        co_await login(r);
        auto xr = co_await r.xlist_folders();
        CHECK(find(xr, "Sp&AOQA3w-e") != nullptr);
        CHECK(find(xr, "Späße") == nullptr);
    });
}

TEST_CASE("gmail: find_special_folder with SPECIAL-USE and with XLIST only", "[live][gmail]") {
    auto env = gmail();
    test::run([&]() -> asio::awaitable<void> {
        for (auto port : {env.port, env.xlist_port}) {
            INFO("port " << port << (port == env.port ? " (SPECIAL-USE + XLIST)" : " (XLIST only)"));
            client c(co_await asio::this_coro::executor, options(env, port));
            co_await login(c);
            // Attributes both know by the same name.
            {
                auto got = co_await c.find_special_folder("\\Sent");
                CHECK(got == std::optional<std::string>("[Gmail]/Sent Mail"));
            }
            {
                auto got = co_await c.find_special_folder("\\Trash");
                CHECK(got == std::optional<std::string>("[Gmail]/Trash"));
            }
            {
                auto got = co_await c.find_special_folder("\\Drafts");
                CHECK(got == std::optional<std::string>("[Gmail]/Drafts"));
            }
            {
                auto got = co_await c.find_special_folder("\\Important");
                CHECK(got ==
                  std::optional<std::string>("[Gmail]/Important"));
            }
            // No folder has it and none has a common name for it.
            {
                auto got = co_await c.find_special_folder("\\Archive");
                CHECK(got == std::nullopt);
            }
            co_await c.logout();
        }
        // With SPECIAL-USE, RFC 6154's names.
        client c(co_await asio::this_coro::executor, options(env, env.port));
        co_await login(c);
        {
            auto got = co_await c.find_special_folder("\\All");
            CHECK(got == std::optional<std::string>("[Gmail]/All Mail"));
        }
        {
            auto got = co_await c.find_special_folder("\\Junk");
            CHECK(got == std::optional<std::string>("[Gmail]/Spam"));
        }
        {
            auto got = co_await c.find_special_folder("\\Flagged");
            CHECK(got == std::optional<std::string>("[Gmail]/Starred"));
        }
        // XLIST's own names work too.
        {
            auto got = co_await c.find_special_folder("\\AllMail");
            CHECK(got == std::optional<std::string>("[Gmail]/All Mail"));
        }
        {
            auto got = co_await c.find_special_folder("\\Spam");
            CHECK(got == std::optional<std::string>("[Gmail]/Spam"));
        }
    });
}

TEST_CASE("gmail: find_special_folder maps RFC 6154 names to XLIST's on an XLIST-only server", "[live][gmail]") {
    auto env = gmail();
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, options(env, env.xlist_port));
        co_await login(c);
        // XLIST names them \AllMail, \Spam, \Starred; the caller asks with
        // RFC 6154's \All, \Junk, \Flagged.
        {
            auto got = co_await c.find_special_folder("\\AllMail");
            CHECK(got == std::optional<std::string>("[Gmail]/All Mail"));
        }
        {
            auto got = co_await c.find_special_folder("\\All");
            CHECK(got == std::optional<std::string>("[Gmail]/All Mail"));
        }
        {
            auto got = co_await c.find_special_folder("\\Junk");
            CHECK(got == std::optional<std::string>("[Gmail]/Spam"));
        }
        {
            auto got = co_await c.find_special_folder("\\Flagged");
            CHECK(got == std::optional<std::string>("[Gmail]/Starred"));
        }
    });
}

TEST_CASE("gmail: XOAUTH2 login", "[live][gmail]") {
    auto env = gmail();
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, options(env, env.port));
        co_await c.connect();
        REQUIRE(c.has_capability("AUTH=XOAUTH2"));
        auto ok = co_await c.oauth2_login("alice", "alice-oauth-token");
        CHECK(ok.status.status == imapclient::status_kind::ok);
        auto sel = co_await c.select_folder("INBOX", true);
        CHECK(sel.exists >= 2);
        co_await c.logout();

        // A wrong token: the server's JSON challenge is answered with an
        // empty line and the login fails cleanly.
        client bad(co_await asio::this_coro::executor, options(env, env.port));
        co_await bad.connect();
        auto ec = co_await failure_of([&]() { return bad.oauth2_login("alice", "wrong-token"); });
        CHECK(ec == errc::login_failed);
        CHECK_FALSE(imapclient::is_abort(ec));
        // Still not logged in, still usable: a password login works.
        co_await bad.login("alice", "alicepass");
        co_await bad.noop();
    });
}
