// Python IMAPClient's live-test checks for message and flag operations, run
// against both real servers (Dovecot and Cyrus): flags, search, sort,
// thread, copy, move, multipart fetch, partial fetch, CHANGEDSINCE, expunge
// (EXPUNGE and VANISHED), multiappend, NOOP/IDLE seeing another
// connection's APPEND, read-only mailboxes, use_uid on and off. (What
// neither server has, scripted: test/loopback/test_messages.cpp.)
#include "harness.hpp"
#include "private_dovecot.hpp"

#include <algorithm>
#include <ctime>
#include <set>

using namespace std::chrono_literals;
namespace asio = boost::asio;
using imapclient::client;
using imapclient::errc;
using imapclient::make_error_code;
using imapclient::search_criteria;
using imapclient::sequence_set;
using ids = std::vector<std::uint32_t>;
using strings = std::vector<std::string>;

namespace {

// GCC 12 cannot take braced lists of string literals inside co_await
// expressions: the lists are named here.
const strings flags_item{"FLAGS"};
const strings flags_uid{"FLAGS", "UID"};
const strings seen{"\\Seen"};
const strings flagged_custom{"\\Flagged", "$Custom"};
const strings flagged{"\\Flagged"};
const strings answered_draft{"\\Answered", "\\Draft"};
const strings envelope_structure{"ENVELOPE", "BODYSTRUCTURE", "FLAGS", "INTERNALDATE"};
const strings partial_body{"BODY.PEEK[]<0.20>"};
const strings flags_modseq{"FLAGS", "MODSEQ"};
const strings flags_date{"FLAGS", "INTERNALDATE"};
const strings internaldate_item{"INTERNALDATE"};
const strings subject_key{"SUBJECT"};
const strings reverse_subject{"REVERSE", "SUBJECT"};
const strings size_key{"SIZE"};
const strings reverse_size_one_string{"REVERSE SIZE"};
const strings arrival_key{"ARRIVAL"};
const std::vector<std::string> no_messages_at_all;
const strings some_labels{"Work", "\xc3\x89t\xc3\xa9"};  // "Été"

imapclient::client_options options_for(test::server_kind kind) { return test::plain_options(test::real_server(kind)); }

asio::awaitable<void> login(client& c) {
    co_await c.connect();
    co_await c.login("alice", "alicepass");
}

// A fresh folder holding these messages, selected unless told otherwise.
asio::awaitable<std::string> fresh_folder(client& c, std::vector<std::string> messages, bool select = true) {
    std::string name = test::unique_name("msgs");
    co_await c.raw_command("CREATE " + name);
    for (const auto& m : messages) co_await c.append(name, m);
    if (select) co_await c.select_folder(name);
    co_return name;
}

// Flags without \Recent (servers add it for messages new to the session;
// Python IMAPClient's live tests drop it too), sorted.
strings no_recent(strings f) {
    f.erase(std::remove_if(f.begin(), f.end(), [](const std::string& x) { return imapclient::iequals(x, "\\Recent"); }),
            f.end());
    std::sort(f.begin(), f.end());
    return f;
}

strings sorted(strings f) {
    std::sort(f.begin(), f.end());
    return f;
}

ids sorted_ids(ids v) {
    std::sort(v.begin(), v.end());
    return v;
}

std::string message_with(const std::string& headers, const std::string& body) {
    return "From: Tester <tester@example.com>\r\nTo: alice@example.com\r\nDate: Mon, 7 Feb 1994 21:52:25 -0800\r\n" +
           headers + "\r\n" + body + "\r\n";
}

std::string multipart_message() {
    return "From: Tester <tester@example.com>\r\n"
           "To: alice@example.com\r\n"
           "Subject: multipart test\r\n"
           "Date: Tue, 8 Feb 1994 10:00:00 +0100\r\n"
           "MIME-Version: 1.0\r\n"
           "Content-Type: multipart/mixed; boundary=\"XYZ\"\r\n"
           "\r\n"
           "--XYZ\r\n"
           "Content-Type: text/plain; charset=us-ascii\r\n"
           "\r\n"
           "Hello there.\r\n"
           "--XYZ\r\n"
           "Content-Type: text/html; charset=utf-8\r\n"
           "Content-Transfer-Encoding: quoted-printable\r\n"
           "\r\n"
           "<p>Hello</p>\r\n"
           "--XYZ--\r\n";
}

std::vector<std::string> numbered(const std::string& prefix, int n) {
    std::vector<std::string> out;
    for (int i = 1; i <= n; ++i) out.push_back(test::make_message(prefix + std::to_string(i), "body " + std::to_string(i)));
    return out;
}

std::chrono::minutes local_offset_at(std::chrono::sys_seconds t) {
    const std::time_t tt = static_cast<std::time_t>(t.time_since_epoch().count());
    std::tm m{};
    ::localtime_r(&tt, &m);
    return std::chrono::minutes(m.tm_gmtoff / 60);
}

void flatten(const imapclient::thread_node& n, ids& out) {
    out.insert(out.end(), n.ids.begin(), n.ids.end());
    for (const auto& c : n.children) flatten(c, out);
}

// Each thread as the set of its messages.
std::set<std::set<std::uint32_t>> thread_sets(const std::vector<imapclient::thread_node>& threads) {
    std::set<std::set<std::uint32_t>> out;
    for (const auto& t : threads) {
        ids all;
        flatten(t, all);
        out.insert(std::set<std::uint32_t>(all.begin(), all.end()));
    }
    return out;
}

// Replays EXPUNGE sequence numbers (each relative to the state after the
// previous one) on the UIDs the mailbox held.
ids replay_expunges(ids uids, const ids& seqs) {
    for (auto s : seqs) {
        REQUIRE(s >= 1);
        REQUIRE(s <= uids.size());
        uids.erase(uids.begin() + (s - 1));
    }
    return uids;
}

// Waits (bounded) for an EXISTS of at least `want` among the events.
asio::awaitable<bool> exists_event(client& c, std::uint32_t want, std::chrono::milliseconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    bool found = false;
    while (!found && std::chrono::steady_clock::now() < end) {
        std::optional<imapclient::event> e = co_await test::next_event_within(c, 500ms);
        const imapclient::response* r = e ? std::get_if<imapclient::response>(&*e) : nullptr;
        const imapclient::exists_data* x = r ? std::get_if<imapclient::exists_data>(r) : nullptr;
        if (x && x->count >= want) found = true;
    }
    co_return found;
}

}  // namespace

#define BOTH_SERVERS()                                                                  \
    auto kind = GENERATE(test::server_kind::dovecot, test::server_kind::cyrus);         \
    INFO("server: " << test::name_of(kind))

TEST_CASE("messages: get/add/remove/set flags, silent stores, delete_messages", "[live][messages]") {
    BOTH_SERVERS();
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, options_for(kind));
        co_await login(c);
        co_await fresh_folder(c, numbered("flags ", 3));
        auto all = co_await c.search();
        REQUIRE(all.ids.size() == 3);
        const std::uint32_t u1 = all.ids[0], u2 = all.ids[1], u3 = all.ids[2];

        auto got = co_await c.get_flags(all.ids);
        REQUIRE(got.messages.size() == 3);
        for (auto& [uid, f] : got.messages) CHECK(no_recent(f).empty());

        auto added = co_await c.add_flags(u1, flagged_custom);
        REQUIRE(added.messages.count(u1) == 1);
        CHECK(added.messages.size() == 1);
        CHECK(no_recent(added.messages[u1]) == sorted({"$Custom", "\\Flagged"}));

        auto removed = co_await c.remove_flags(u1, flagged);
        REQUIRE(removed.messages.count(u1) == 1);
        CHECK(no_recent(removed.messages[u1]) == strings{"$Custom"});

        const ids first_two{u1, u2};
        auto set = co_await c.set_flags(first_two, answered_draft);
        REQUIRE(set.messages.size() == 2);
        CHECK(no_recent(set.messages[u1]) == sorted(answered_draft));
        CHECK(no_recent(set.messages[u2]) == sorted(answered_draft));

        // Silent: the server answers without FETCH data, the flags change all the same.
        auto silent = co_await c.add_flags(u3, seen, true);
        CHECK(silent.messages.empty());
        CHECK(silent.status.status == imapclient::status_kind::ok);
        auto after = co_await c.get_flags(u3);
        CHECK(no_recent(after.messages[u3]) == seen);
        auto silent_set = co_await c.set_flags(u3, flagged, true);
        CHECK(silent_set.messages.empty());
        auto after_set = co_await c.get_flags(u3);
        CHECK(no_recent(after_set.messages[u3]) == flagged);

        auto deleted = co_await c.delete_messages(u2);
        REQUIRE(deleted.messages.count(u2) == 1);
        const auto& d = deleted.messages[u2];
        CHECK(std::find(d.begin(), d.end(), "\\Deleted") != d.end());
        auto deleted_silent = co_await c.delete_messages(u3, true);
        CHECK(deleted_silent.messages.empty());
        auto now = co_await c.get_flags(all.ids);
        CHECK(no_recent(now.messages[u1]) == sorted(answered_draft));
        CHECK(no_recent(now.messages[u2]) == sorted({"\\Answered", "\\Deleted", "\\Draft"}));
        CHECK(no_recent(now.messages[u3]) == sorted({"\\Deleted", "\\Flagged"}));

        // No messages: nothing to ask (Python IMAPClient returns {}).
        const sequence_set no_ids;
        auto none = co_await c.add_flags(no_ids, seen);
        CHECK(none.messages.empty());
        co_await c.logout();
    });
}

TEST_CASE("messages: search ALL, NOT DELETED, SMALLER, SUBJECT, UTF-8 and MODSEQ", "[live][messages]") {
    BOTH_SERVERS();
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, options_for(kind));
        co_await login(c);
        // CONDSTORE before SELECT, so that MODSEQ searches work.
        co_await c.raw_command("ENABLE CONDSTORE");
        std::vector<std::string> msgs{
            test::make_message("alpha", "short"),
            message_with("Subject: =?UTF-8?B?aMOpbGxvIHfDtnJsZA==?=\r\nMessage-ID: <utf8@example.com>\r\n", "hi"),
            test::make_message("big one", std::string(60, 'x') + "\r\n" + std::string(3000, 'y')),
        };
        co_await fresh_folder(c, msgs);
        auto all = co_await c.search();
        REQUIRE(all.ids.size() == 3);
        const std::uint32_t u1 = all.ids[0], u2 = all.ids[1], u3 = all.ids[2];
        CHECK_FALSE(all.modseq);
        auto also_all = co_await c.search("ALL");
        CHECK(also_all.ids == all.ids);

        co_await c.delete_messages(u1);
        search_criteria not_deleted{"NOT", "DELETED"};
        {
            auto found = co_await c.search(not_deleted);
            CHECK(found.ids == ids{u2, u3});
        }
        {
            auto found = co_await c.search("NOT DELETED");
            CHECK(found.ids == ids{u2, u3});
        }
        search_criteria deleted{"DELETED"};
        {
            auto found = co_await c.search(deleted);
            CHECK(found.ids == ids{u1});
        }

        search_criteria smaller{"SMALLER", 1000};
        {
            auto found = co_await c.search(smaller);
            CHECK(found.ids == ids{u1, u2});
        }
        search_criteria larger{"LARGER", 1000};
        {
            auto found = co_await c.search(larger);
            CHECK(found.ids == ids{u3});
        }

        search_criteria subject{"SUBJECT", "alpha"};
        {
            auto found = co_await c.search(subject);
            CHECK(found.ids == ids{u1});
        }
        search_criteria two_words{"SUBJECT", "big one"};
        {
            auto found = co_await c.search(two_words);
            CHECK(found.ids == ids{u3});
        }

        // A non-ASCII criterion goes as a literal with CHARSET UTF-8 and
        // matches the RFC 2047 encoded header.
        search_criteria utf8{"SUBJECT", "h\xc3\xa9llo"};
        {
            auto found = co_await c.search(utf8);
            CHECK(found.ids == ids{u2});
        }
        search_criteria utf8_word{"SUBJECT", "w\xc3\xb6rld"};
        {
            auto found = co_await c.search(utf8_word, "UTF-8");
            CHECK(found.ids == ids{u2});
        }
        search_criteria nothing{"SUBJECT", "\xc3\xa9t\xc3\xa9 absent"};
        auto no_match = co_await c.search(nothing);
        CHECK(no_match.ids.empty());

        // MODSEQ criterion: the result carries the highest MODSEQ (Python IMAPClient's SearchIds.modseq).
        search_criteria modseq{"MODSEQ", 1};
        auto m = co_await c.search(modseq);
        CHECK(m.ids == all.ids);
        REQUIRE(m.modseq.has_value());
        CHECK(*m.modseq >= 1u);
        co_await c.logout();
    });
}

TEST_CASE("messages: sort keeps the server's order", "[live][messages]") {
    BOTH_SERVERS();
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, options_for(kind));
        co_await login(c);
        CHECK(c.has_capability("SORT"));
        std::vector<std::string> msgs{test::make_message("charlie", std::string(300, 'c')),
                                      test::make_message("alpha", std::string(100, 'a')),
                                      test::make_message("bravo", std::string(200, 'b'))};
        co_await fresh_folder(c, msgs);
        auto all = co_await c.search();
        REQUIRE(all.ids.size() == 3);
        const std::uint32_t u1 = all.ids[0], u2 = all.ids[1], u3 = all.ids[2];
        {
            auto order = co_await c.sort(subject_key);
            CHECK(order.ids == ids{u2, u3, u1});
        }
        {
            auto order = co_await c.sort(reverse_subject);
            CHECK(order.ids == ids{u1, u3, u2});
        }
        {
            auto order = co_await c.sort(size_key);
            CHECK(order.ids == ids{u2, u3, u1});
        }
        {
            auto order = co_await c.sort(reverse_size_one_string);
            CHECK(order.ids == ids{u1, u3, u2});
        }
        auto arrival = co_await c.sort(arrival_key);
        CHECK(sorted_ids(arrival.ids) == all.ids);
        search_criteria not_alpha{"NOT", "SUBJECT", "alpha"};
        {
            auto order = co_await c.sort(subject_key, not_alpha);
            CHECK(order.ids == ids{u3, u1});
        }
        search_criteria utf8{"SUBJECT", "\xc3\xa9t\xc3\xa9"};
        auto no_sort_match = co_await c.sort(subject_key, utf8);
        CHECK(no_sort_match.ids.empty());
        // A sort key the server does not know is its BAD, not ours.
        const strings bogus{"NOSUCHKEY"};
        auto [ec, r] = co_await c.sort(bogus, "ALL", "UTF-8", asio::as_tuple(asio::use_awaitable));
        CHECK((ec == make_error_code(errc::bad) || ec == make_error_code(errc::no)));
        co_await c.noop();  // still usable
        co_await c.logout();
    });
}

TEST_CASE("messages: thread with REFERENCES and ORDEREDSUBJECT", "[live][messages]") {
    BOTH_SERVERS();
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, options_for(kind));
        co_await login(c);
        CHECK(c.has_capability("THREAD=REFERENCES"));
        CHECK(c.has_capability("THREAD=ORDEREDSUBJECT"));
        std::vector<std::string> msgs{
            message_with("Subject: topic\r\nMessage-ID: <root@example.com>\r\n", "root"),
            message_with("Subject: other\r\nMessage-ID: <other@example.com>\r\n", "other"),
            message_with("Subject: Re: topic\r\nMessage-ID: <reply@example.com>\r\nIn-Reply-To: <root@example.com>\r\n"
                         "References: <root@example.com>\r\n",
                         "reply"),
        };
        co_await fresh_folder(c, msgs);
        auto all = co_await c.search();
        REQUIRE(all.ids.size() == 3);
        const std::uint32_t u1 = all.ids[0], u2 = all.ids[1], u3 = all.ids[2];
        const std::set<std::set<std::uint32_t>> want{{u1, u3}, {u2}};

        auto refs = co_await c.thread();
        CHECK(thread_sets(refs.threads) == want);
        // The reply hangs under its root.
        for (const auto& t : refs.threads) {
            ids flat;
            flatten(t, flat);
            if (flat.size() == 2) CHECK(flat == ids{u1, u3});
        }
        auto subj = co_await c.thread("ORDEREDSUBJECT");
        CHECK(thread_sets(subj.threads) == want);
        search_criteria topic{"SUBJECT", "topic"};
        auto only = co_await c.thread("REFERENCES", topic);
        CHECK(thread_sets(only.threads) == std::set<std::set<std::uint32_t>>{{u1, u3}});

        // An algorithm the server does not announce is refused before sending.
        auto [ec, r] = co_await c.thread("NOSUCHALGORITHM", "ALL", "UTF-8", asio::as_tuple(asio::use_awaitable));
        CHECK(ec == make_error_code(errc::capability_missing));
        co_await c.logout();
    });
}

TEST_CASE("messages: copy and move report COPYUID", "[live][messages]") {
    BOTH_SERVERS();
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, options_for(kind));
        co_await login(c);
        REQUIRE(c.has_capability("MOVE"));
        REQUIRE(c.has_capability("UIDPLUS"));
        const std::string dest = co_await fresh_folder(c, no_messages_at_all, false);
        const std::string src = co_await fresh_folder(c, numbered("copy ", 3));
        auto all = co_await c.search();
        REQUIRE(all.ids.size() == 3);
        const std::uint32_t u1 = all.ids[0], u2 = all.ids[1], u3 = all.ids[2];

        const ids first_two{u1, u2};
        auto cp = co_await c.copy(first_two, dest);
        CHECK(cp.status.status == imapclient::status_kind::ok);
        REQUIRE(cp.uid_validity.has_value());
        CHECK(cp.source_uids == first_two);
        REQUIRE(cp.dest_uids.size() == 2);
        CHECK(c.mailbox().exists == 3);  // a copy leaves the source alone

        auto mv = co_await c.move(u3, dest);
        CHECK(mv.uid_validity == cp.uid_validity);
        CHECK(mv.source_uids == ids{u3});
        REQUIRE(mv.dest_uids.size() == 1);
        CHECK(c.mailbox().exists == 2);
        {
            auto found = co_await c.search();
            CHECK(found.ids == first_two);
        }

        // A folder that does not exist: the server's NO, with TRYCREATE.
        auto [ec, bad] = co_await c.copy(u1, dest + "-missing", asio::as_tuple(asio::use_awaitable));
        CHECK(ec == make_error_code(errc::no));

        auto sel = co_await c.select_folder(dest);
        CHECK(sel.exists == 3);
        CHECK(sel.uid_validity == cp.uid_validity);
        ids dest_uids = cp.dest_uids;
        dest_uids.push_back(mv.dest_uids[0]);
        {
            auto found = co_await c.search();
            CHECK(found.ids == sorted_ids(dest_uids));
        }
        search_criteria moved{"SUBJECT", "copy 3"};
        {
            auto found = co_await c.search(moved);
            CHECK(found.ids == mv.dest_uids);
        }
        co_await c.logout();
    });
}

TEST_CASE("messages: multipart ENVELOPE and BODYSTRUCTURE, partial BODY[]<0.20>, normalise_times", "[live][messages]") {
    BOTH_SERVERS();
    test::run([&]() -> asio::awaitable<void> {
        for (bool normalise : {true, false}) {
            INFO("normalise_times " << normalise);
            auto o = options_for(kind);
            o.normalise_times = normalise;
            client c(co_await asio::this_coro::executor, o);
            co_await login(c);
            const std::string text = multipart_message();
            std::vector<std::string> msgs{text};
            co_await fresh_folder(c, msgs);
            auto all = co_await c.search();
            REQUIRE(all.ids.size() == 1);
            const std::uint32_t uid = all.ids[0];
            auto r = co_await c.fetch(uid, envelope_structure);
            REQUIRE(r.messages.count(uid) == 1);
            const auto& m = r.messages.at(uid);
            CHECK(m.seq == 1u);
            REQUIRE(m.envelope.has_value());
            CHECK(m.envelope->subject == "multipart test");
            REQUIRE(m.envelope->date.has_value());
            const auto sent = std::chrono::sys_days{std::chrono::year{1994} / 2 / 8} + 9h;
            CHECK(m.envelope->date->utc == sent);
            CHECK(m.envelope->date->offset == (normalise ? local_offset_at(sent) : 60min));
            REQUIRE(m.internal_date.has_value());
            if (normalise) CHECK(m.internal_date->offset == local_offset_at(m.internal_date->utc));
            REQUIRE(m.bodystructure.has_value());
            const auto& b = *m.bodystructure;
            CHECK(b.is_multipart());
            CHECK(imapclient::iequals(b.subtype, "mixed"));
            REQUIRE(b.parts.size() == 2);
            CHECK(imapclient::iequals(b.parts[0].type, "text"));
            CHECK(imapclient::iequals(b.parts[0].subtype, "plain"));
            CHECK(imapclient::iequals(b.parts[1].subtype, "html"));
            CHECK(imapclient::iequals(b.parts[1].encoding, "quoted-printable"));
            CHECK_FALSE(b.parts[0].is_multipart());

            auto p = co_await c.fetch(uid, partial_body);
            REQUIRE(p.messages.count(uid) == 1);
            const auto* sec = p.messages.at(uid).section("BODY[]");
            REQUIRE(sec != nullptr);
            REQUIRE(sec->data.has_value());
            CHECK(*sec->data == text.substr(0, 20));
            CHECK(sec->origin == 0u);
            co_await c.logout();
        }
    });
}

TEST_CASE("messages: FETCH with the CHANGEDSINCE modifier after ENABLE CONDSTORE", "[live][messages]") {
    BOTH_SERVERS();
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, options_for(kind));
        co_await login(c);
        REQUIRE(c.has_capability("CONDSTORE"));
        co_await c.raw_command("ENABLE CONDSTORE");
        const std::string name = co_await fresh_folder(c, numbered("modseq ", 3), false);
        auto sel = co_await c.select_folder(name);
        REQUIRE(sel.highest_modseq.has_value());
        auto all = co_await c.search();
        REQUIRE(all.ids.size() == 3);
        auto before = co_await c.fetch(all.ids, flags_modseq);
        REQUIRE(before.messages.size() == 3);
        std::uint64_t high = 0;
        for (auto& [uid, m] : before.messages) {
            REQUIRE(m.modseq.has_value());
            high = std::max(high, *m.modseq);
        }
        const strings since{"CHANGEDSINCE " + std::to_string(high)};
        auto unchanged = co_await c.fetch("1:*", flags_item, since);
        CHECK(unchanged.messages.empty());

        co_await c.add_flags(all.ids[1], flagged);
        auto changed = co_await c.fetch("1:*", flags_item, since);
        REQUIRE(changed.messages.size() == 1);
        REQUIRE(changed.messages.count(all.ids[1]) == 1);
        const auto& m = changed.messages.at(all.ids[1]);
        CHECK(m.modseq.value_or(0) > high);  // CHANGEDSINCE implies MODSEQ
        CHECK(no_recent(m.flags.value_or(strings{})) == flagged);
        co_await c.logout();
    });
}

TEST_CASE("messages: expunge, uid_expunge and expunge(messages)", "[live][messages]") {
    BOTH_SERVERS();
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, options_for(kind));
        co_await login(c);
        co_await fresh_folder(c, numbered("expunge ", 5));
        auto all = co_await c.search();
        REQUIRE(all.ids.size() == 5);
        const ids u = all.ids;

        const ids one_three{u[0], u[2]};
        co_await c.delete_messages(one_three);
        auto e = co_await c.expunge();
        CHECK(e.status.status == imapclient::status_kind::ok);
        REQUIRE(e.expunged.size() == 2);
        CHECK(replay_expunges(u, e.expunged) == ids{u[1], u[3], u[4]});
        CHECK(e.vanished.empty());
        CHECK(c.mailbox().exists == 3);

        // uid_expunge removes only the UIDs named, even if others are \Deleted.
        const ids two_four{u[1], u[3]};
        co_await c.delete_messages(two_four);
        auto ue = co_await c.uid_expunge(u[3]);
        CHECK(ue.expunged == ids{2});  // u[3] was the second message
        {
            auto found = co_await c.search();
            CHECK(found.ids == ids{u[1], u[4]});
        }
        search_criteria deleted{"DELETED"};
        {
            auto found = co_await c.search(deleted);
            CHECK(found.ids == ids{u[1]});
        }

        // expunge(messages) with use_uid is UID EXPUNGE (Python IMAPClient's meaning).
        auto em = co_await c.expunge(sequence_set(u[1]));
        CHECK(em.expunged == ids{1});
        {
            auto found = co_await c.search();
            CHECK(found.ids == ids{u[4]});
        }

        // Without use_uid Python IMAPClient refuses: "cannot EXPUNGE by ID when not using uids".
        c.set_use_uid(false);
        auto [ec, r] = co_await c.expunge(sequence_set(1), asio::as_tuple(asio::use_awaitable));
        CHECK(ec == make_error_code(errc::invalid_argument));
        {
            auto found = co_await c.search();
            CHECK(found.ids == ids{1});  // nothing was sent: still there
        }
        // uid_expunge is UID EXPUNGE whatever use_uid says.
        co_await c.delete_messages(1);
        auto forced = co_await c.uid_expunge(u[4]);
        CHECK(forced.expunged == ids{1});
        CHECK(c.mailbox().exists == 0);
        c.set_use_uid(true);

        // An empty UID set cannot be sent.
        const sequence_set empty_set;
        auto [ec2, r2] = co_await c.uid_expunge(empty_set, asio::as_tuple(asio::use_awaitable));
        CHECK(ec2 == make_error_code(errc::invalid_argument));
        co_await c.logout();
    });
}

TEST_CASE("messages: with QRESYNC enabled, expunges come back as VANISHED UIDs", "[live][messages]") {
    BOTH_SERVERS();
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, options_for(kind));
        co_await login(c);
        REQUIRE(c.has_capability("QRESYNC"));
        co_await c.raw_command("ENABLE QRESYNC");
        co_await fresh_folder(c, numbered("vanish ", 4));
        auto all = co_await c.search();
        REQUIRE(all.ids.size() == 4);
        const ids two{all.ids[1], all.ids[3]};
        co_await c.delete_messages(two);
        auto e = co_await c.expunge();
        CHECK(e.expunged.empty());
        CHECK(sorted_ids(e.vanished) == two);
        CHECK(c.mailbox().exists == 2);
        co_await c.logout();
    });
}

TEST_CASE("messages: multiappend sends every message in one APPEND", "[live][messages]") {
    BOTH_SERVERS();
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, options_for(kind));
        co_await login(c);
        REQUIRE(c.has_capability("MULTIAPPEND"));
        const std::string name = co_await fresh_folder(c, no_messages_at_all, false);
        const imapclient::datetime when{std::chrono::sys_days{std::chrono::year{2020} / 3 / 4} + 10h + 6min + 7s,
                                        -300min};
        std::vector<client::append_message> msgs{
            {test::make_message("multi 1", "one"), seen, when},
            {test::make_message("multi 2", "two"), {}, std::nullopt},
            {test::make_message("multi 3", "three"), flagged_custom, std::nullopt},
        };
        auto r = co_await c.multiappend(name, msgs);
        CHECK(r.status.status == imapclient::status_kind::ok);
        REQUIRE(r.uid_validity.has_value());
        REQUIRE(r.uids.size() == 3);
        CHECK_FALSE(r.uid.has_value());  // several messages: see uids
        CHECK(r.uids[0] < r.uids[1]);
        CHECK(r.uids[1] < r.uids[2]);

        auto sel = co_await c.select_folder(name);
        CHECK(sel.exists == 3);
        auto f = co_await c.fetch(r.uids, flags_date);
        REQUIRE(f.messages.size() == 3);
        CHECK(no_recent(f.messages[r.uids[0]].flags.value_or(strings{})) == seen);
        CHECK(f.messages[r.uids[0]].internal_date.value_or(imapclient::datetime{}).utc == when.utc);
        CHECK(no_recent(f.messages[r.uids[1]].flags.value_or(strings{})).empty());
        CHECK(no_recent(f.messages[r.uids[2]].flags.value_or(strings{})) == sorted(flagged_custom));
        search_criteria two{"SUBJECT", "multi 2"};
        {
            auto found = co_await c.search(two);
            CHECK(found.ids == ids{r.uids[1]});
        }

        // One message: uid is set too.
        std::vector<client::append_message> single{{test::make_message("multi 4", "four"), {}, std::nullopt}};
        auto one = co_await c.multiappend(name, single);
        REQUIRE(one.uids.size() == 1);
        CHECK(one.uid == one.uids[0]);
        // No message at all cannot be sent.
        const std::vector<client::append_message> no_messages;
        auto [ec, none] = co_await c.multiappend(name, no_messages, asio::as_tuple(asio::use_awaitable));
        CHECK(ec == make_error_code(errc::invalid_argument));
        // A folder that does not exist: the server's NO, nothing appended.
        auto [ec2, missing] = co_await c.multiappend(name + "-missing", msgs, asio::as_tuple(asio::use_awaitable));
        CHECK(ec2 == make_error_code(errc::no));
        co_await c.noop();
        CHECK(c.mailbox().exists == 4);
        co_await c.logout();
    });
}

TEST_CASE("messages: noop and idle see another connection's APPEND", "[live][messages]") {
    BOTH_SERVERS();
    test::run([&]() -> asio::awaitable<void> {
        auto ex = co_await asio::this_coro::executor;
        client a(ex, options_for(kind));
        client b(ex, options_for(kind));
        co_await login(a);
        co_await login(b);
        const std::string name = co_await fresh_folder(a, numbered("watch ", 1));
        CHECK(a.mailbox().exists == 1);

        co_await b.append(name, test::make_message("from b 1", "x"));
        co_await a.noop();
        // Not CHECK(co_await ...): GCC 12 lost the awaited bool inside
        // Catch's expression decomposer (the check failed with true in hand).
        const bool noop_brought_exists = co_await exists_event(a, 2, 5s);
        CHECK(noop_brought_exists);
        CHECK(a.mailbox().exists == 2);

        co_await a.idle();
        co_await b.append(name, test::make_message("from b 2", "y"));
        bool seen_exists = false;
        for (int i = 0; i < 10 && !seen_exists; ++i) {
            auto got = co_await a.idle_check(1s);
            for (auto& e : got.events)
                if (auto* r = std::get_if<imapclient::response>(&e))
                    if (auto* x = std::get_if<imapclient::exists_data>(r); x && x->count == 3) seen_exists = true;
        }
        CHECK(seen_exists);
        auto done = co_await a.idle_done();
        CHECK(done.status.status == imapclient::status_kind::ok);
        CHECK(a.mailbox().exists == 3);
        co_await a.logout();
        co_await b.logout();
    });
}

TEST_CASE("messages: a folder selected read-only refuses STORE, EXPUNGE and MOVE", "[live][messages]") {
    BOTH_SERVERS();
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, options_for(kind));
        co_await login(c);
        const std::string other = co_await fresh_folder(c, no_messages_at_all, false);
        const std::string name = co_await fresh_folder(c, numbered("ro ", 2), false);
        auto sel = co_await c.select_folder(name, true);
        CHECK(sel.readonly);
        auto all = co_await c.search();
        REQUIRE(all.ids.size() == 2);
        auto got = co_await c.get_flags(all.ids);  // reading is fine
        CHECK(got.messages.size() == 2);

        auto [e1, r1] = co_await c.add_flags(all.ids[0], flagged, false, asio::as_tuple(asio::use_awaitable));
        CHECK(e1 == make_error_code(errc::read_only));
        auto [e2, r2] = co_await c.set_flags(all.ids[0], flagged, true, asio::as_tuple(asio::use_awaitable));
        CHECK(e2 == make_error_code(errc::read_only));
        auto [e3, r3] = co_await c.delete_messages(all.ids[0], false, asio::as_tuple(asio::use_awaitable));
        CHECK(e3 == make_error_code(errc::read_only));
        auto [e4, r4] = co_await c.expunge(std::nullopt, asio::as_tuple(asio::use_awaitable));
        CHECK(e4 == make_error_code(errc::read_only));
        auto [e5, r5] = co_await c.move(all.ids[0], other, asio::as_tuple(asio::use_awaitable));
        CHECK(e5 == make_error_code(errc::read_only));
        // The thrown form is Python IMAPClient's read-only error.
        bool threw = false;
        try {
            co_await c.remove_flags(all.ids[0], seen);
        } catch (const imapclient::error& e) {
            threw = e.code() == make_error_code(errc::read_only);
        }
        CHECK(threw);
        // Nothing changed on the server.
        auto again = co_await c.get_flags(all.ids);
        for (auto& [uid, f] : again.messages) CHECK(no_recent(f).empty());
        // COPY out of a read-only folder is allowed.
        auto cp = co_await c.copy(all.ids, other);
        CHECK(cp.dest_uids.size() == 2);
        co_await c.logout();
    });
}

TEST_CASE("messages: use_uid on and off (set_use_uid between calls)", "[live][messages]") {
    BOTH_SERVERS();
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, options_for(kind));
        co_await login(c);
        const std::string dest = co_await fresh_folder(c, no_messages_at_all, false);
        std::vector<std::string> msgs{test::make_message("u-charlie", "1"), test::make_message("u-alpha", "2"),
                                      test::make_message("u-bravo", "3"), test::make_message("u-delta", "4")};
        co_await fresh_folder(c, msgs);
        // Expunge the first so that UIDs and sequence numbers differ.
        co_await c.delete_messages(1);
        co_await c.expunge();
        auto by_uid = co_await c.search();
        REQUIRE(by_uid.ids == ids{2, 3, 4});
        CHECK(c.use_uid());

        c.set_use_uid(false);
        CHECK_FALSE(c.use_uid());
        {
            auto found = co_await c.search();
            CHECK(found.ids == ids{1, 2, 3});
        }
        search_criteria bravo{"SUBJECT", "u-bravo"};
        {
            auto found = co_await c.search(bravo);
            CHECK(found.ids == ids{2});
        }
        {
            auto order = co_await c.sort(subject_key);
            CHECK(order.ids == ids{1, 2, 3});  // alpha, bravo, delta
        }
        auto th = co_await c.thread("ORDEREDSUBJECT");
        CHECK(thread_sets(th.threads) == std::set<std::set<std::uint32_t>>{{1}, {2}, {3}});
        auto f = co_await c.fetch("1:2", flags_uid);
        CHECK(f.messages.size() == 2);
        CHECK(f.messages.count(1) == 1);
        CHECK(f.messages.at(1).uid == 2u);
        auto added = co_await c.add_flags(2, flagged);
        REQUIRE(added.messages.count(2) == 1);  // keyed by sequence number
        CHECK(added.messages.size() == 1);
        CHECK(no_recent(added.messages[2]) == flagged);
        auto got = co_await c.get_flags(3);
        REQUIRE(got.messages.count(3) == 1);
        auto cp = co_await c.copy(3, dest);
        CHECK(cp.source_uids == ids{4});  // COPYUID speaks UIDs either way

        c.set_use_uid(true);
        auto back = co_await c.get_flags(3);  // UID 3 is sequence 2
        REQUIRE(back.messages.count(3) == 1);
        CHECK(no_recent(back.messages[3]) == flagged);
        {
            auto order = co_await c.sort(subject_key);
            CHECK(order.ids == ids{2, 3, 4});  // alpha, bravo, delta by UID
        }
        co_await c.logout();
    });
}

TEST_CASE("messages: Gmail extensions are refused where the server lacks X-GM-EXT-1", "[live][messages]") {
    BOTH_SERVERS();
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, options_for(kind));
        co_await login(c);
        REQUIRE_FALSE(c.has_capability("X-GM-EXT-1"));
        co_await fresh_folder(c, numbered("gm ", 1));
        auto [e1, r1] = co_await c.gmail_search("has:attachment", "UTF-8", asio::as_tuple(asio::use_awaitable));
        CHECK(e1 == make_error_code(errc::capability_missing));
        auto [e2, r2] = co_await c.get_gmail_labels(1, asio::as_tuple(asio::use_awaitable));
        CHECK(e2 == make_error_code(errc::capability_missing));
        auto [e3, r3] = co_await c.add_gmail_labels(1, some_labels, false, asio::as_tuple(asio::use_awaitable));
        CHECK(e3 == make_error_code(errc::capability_missing));
        co_await c.noop();
        co_await c.logout();
    });
}

namespace {

// move() of two of three messages on a Dovecot that offers `capabilities`
// (no MOVE); the third is marked \Deleted beforehand and must stay.
asio::awaitable<imapclient::copy_result> move_without_move(test::private_dovecot& server) {
    client c(co_await asio::this_coro::executor, test::plain_options(server.env));
    co_await c.connect();
    co_await c.login("alice", "alicepass");
    const auto caps = c.capabilities();
    CHECK(std::find(caps.begin(), caps.end(), "MOVE") == caps.end());
    const std::string from = test::unique_name("move-src"), to = test::unique_name("move-dst");
    co_await c.create_folder(from);
    co_await c.create_folder(to);
    for (int i = 1; i <= 3; ++i) co_await c.append(from, test::make_message("move " + std::to_string(i), "x"));
    co_await c.select_folder(from);
    const strings deleted{imapclient::DELETED};
    co_await c.add_flags(3, deleted);
    sequence_set first_two("1:2");
    auto moved = co_await c.move(first_two, to);
    const strings messages{"MESSAGES"};
    auto there = co_await c.folder_status(to, messages);
    CHECK(there.messages == 2u);
    co_await c.noop();
    // Moved away (UIDPLUS) or still here (without), and the other
    // \Deleted message untouched either way.
    CHECK(c.mailbox().exists == (moved.left_in_source ? 3u : 1u));
    co_await c.logout();
    co_return moved;
}

}  // namespace

TEST_CASE("messages: move() on a Dovecot without MOVE copies, marks and UID EXPUNGEs just those",
          "[live][messages][private]") {
    test::private_dovecot server("IMAP4rev1 LITERAL+ SASL-IR IDLE UIDPLUS ENABLE");
    test::run([&]() -> asio::awaitable<void> {
        auto moved = co_await move_without_move(server);
        CHECK(moved.moved_by_copy);
        CHECK(!moved.left_in_source);
        CHECK(moved.source_uids == ids{1, 2});
        CHECK(moved.dest_uids.size() == 2);
    });
}

TEST_CASE("messages: move() on a Dovecot without MOVE and UIDPLUS copies and leaves the originals",
          "[live][messages][private]") {
    test::private_dovecot server("IMAP4rev1 LITERAL+ SASL-IR IDLE ENABLE");
    test::run([&]() -> asio::awaitable<void> {
        auto moved = co_await move_without_move(server);
        CHECK(moved.moved_by_copy);
        CHECK(moved.left_in_source);
    });
}
