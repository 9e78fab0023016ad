// CONDSTORE / QRESYNC (RFC 7162) against both real servers: a client that
// comes back with select_folder_qresync() learns exactly what another
// connection expunged and changed meanwhile; UNCHANGEDSINCE refuses stores
// over a concurrent change; VANISHED arrives as events while selected; a
// server without QRESYNC (scripted) is refused before anything is sent.
// (What real servers will not send on demand, scripted:
// test/loopback/test_qresync.cpp.)
#include "fake_server.hpp"
#include "harness.hpp"

#include <algorithm>
#include <map>

using namespace std::chrono_literals;
namespace asio = boost::asio;
using imapclient::client;
using imapclient::errc;
using imapclient::flag_change;
using imapclient::make_error_code;
using imapclient::qresync_params;
using imapclient::sequence_set;
using ids = std::vector<std::uint32_t>;
using strings = std::vector<std::string>;

namespace {

// GCC 12 cannot take braced lists inside co_await expressions: named here.
const strings qresync_cap{"QRESYNC"};
const strings flags_item{"FLAGS"};
const strings flags_modseq{"FLAGS", "MODSEQ"};
const strings flagged{"\\Flagged"};
const strings seen{"\\Seen"};
const strings answered{"\\Answered"};
const strings done_keyword{"$Done"};

#define BOTH_SERVERS()                                                            \
    auto kind = GENERATE(test::server_kind::dovecot, test::server_kind::cyrus); \
    INFO("server: " << test::name_of(kind))

imapclient::client_options options_for(test::server_kind kind) {
    auto o = test::plain_options(test::real_server(kind));
    if (std::getenv("QRESYNC_DEBUG")) o.debug = 4;
    return o;
}

asio::awaitable<void> login(client& c) {
    co_await c.connect();
    co_await c.login("alice", "alicepass");
}

asio::awaitable<void> login_qresync(client& c) {
    co_await login(c);
    REQUIRE(c.has_capability("QRESYNC"));
    REQUIRE(c.has_capability("CONDSTORE"));
    auto en = co_await c.enable(qresync_cap);
    CHECK(std::find(en.enabled.begin(), en.enabled.end(), "QRESYNC") != en.enabled.end());
    REQUIRE(c.is_enabled("QRESYNC"));
    CHECK(c.is_enabled("CONDSTORE"));
}

// A new folder with n messages.
asio::awaitable<std::string> fresh_folder(client& c, int n) {
    std::string name = test::unique_name("qresync");
    co_await c.create_folder(name);
    for (int i = 0; i < n; ++i) {
        auto msg = test::make_message("qr" + std::to_string(i) + "-" + name, "body " + std::to_string(i));
        co_await c.append(name, msg);
    }
    co_return name;
}

strings no_recent(strings f) {
    f.erase(std::remove_if(f.begin(), f.end(), [](const std::string& x) { return imapclient::iequals(x, "\\Recent"); }),
            f.end());
    std::sort(f.begin(), f.end());
    return f;
}

ids sorted_ids(ids v) {
    std::sort(v.begin(), v.end());
    return v;
}

template <class Map>
ids keys_of(const Map& m) {
    ids out;
    for (const auto& [k, v] : m) out.push_back(k);
    return out;
}

}  // namespace

TEST_CASE("QRESYNC resync: a returning client gets exactly what another connection expunged and changed",
          "[live][qresync]") {
    BOTH_SERVERS();
    test::run([&]() -> asio::awaitable<void> {
        auto ex = co_await asio::this_coro::executor;
        // A fills the folder and remembers it.
        client a(ex, options_for(kind));
        co_await login_qresync(a);
        const std::string name = co_await fresh_folder(a, 8);
        auto first = co_await a.select_folder(name);
        REQUIRE(first.uid_validity.has_value());
        REQUIRE(first.highest_modseq.has_value());
        auto all = co_await a.search();
        REQUIRE(all.ids.size() == 8);
        const ids uids = sorted_ids(all.ids);
        const std::uint32_t validity = *first.uid_validity;
        const std::uint64_t modseq = *first.highest_modseq;
        co_await a.logout();

        // B changes flags on three messages and expunges two others.
        client b(ex, options_for(kind));
        co_await login(b);
        co_await b.select_folder(name);
        const ids flag_these{uids[1], uids[2]};
        co_await b.add_flags(flag_these, flagged);
        co_await b.add_flags(uids[5], seen);
        const ids gone{uids[3], uids[6]};
        co_await b.delete_messages(gone);
        co_await b.uid_expunge(gone);
        co_await b.logout();

        // A comes back: one SELECT tells it all.
        client a2(ex, options_for(kind));
        co_await login_qresync(a2);
        qresync_params p;
        p.uid_validity = validity;
        p.mod_seq = modseq;
        p.known_uids = sequence_set(uids);
        auto r = co_await a2.select_folder_qresync(name, p);
        CHECK_FALSE(r.uid_validity_changed);
        CHECK(r.uid_validity == validity);
        CHECK(r.exists == 6);
        CHECK(a2.mailbox().exists == 6);
        REQUIRE(r.highest_modseq.has_value());
        CHECK(*r.highest_modseq > modseq);
        CHECK(sorted_ids(r.vanished) == gone);
        CHECK(keys_of(r.changed) == ids{uids[1], uids[2], uids[5]});
        for (const auto& [uid, m] : r.changed) {
            INFO("uid " << uid);
            CHECK(m.uid == uid);
            REQUIRE(m.modseq.has_value());
            CHECK(*m.modseq > modseq);
            CHECK(*m.modseq <= *r.highest_modseq);
            REQUIRE(m.flags.has_value());
            CHECK(no_recent(*m.flags) == (uid == uids[5] ? seen : flagged));
        }

        // The same questions by FETCH (CHANGEDSINCE ... VANISHED) and by
        // SEARCH MODSEQ, now that the folder is selected.
        auto since = co_await a2.fetch_changed_since("1:*", modseq, flags_item, true);
        CHECK(keys_of(since.messages) == ids{uids[1], uids[2], uids[5]});
        // Without known UIDs the server may report vanished UIDs beyond
        // these two (Cyrus reports every expunged UID it remembers); these
        // two must be among them and nothing that still exists.
        for (auto u : gone) CHECK(std::count(since.vanished.begin(), since.vanished.end(), u) == 1);
        const ids remaining{uids[0], uids[1], uids[2], uids[4], uids[5], uids[7]};
        for (auto u : since.vanished) CHECK(std::count(remaining.begin(), remaining.end(), u) == 0);
        auto plain = co_await a2.fetch_changed_since("1:*", modseq);
        CHECK(keys_of(plain.messages) == ids{uids[1], uids[2], uids[5]});
        CHECK(plain.vanished.empty());
        auto nothing = co_await a2.fetch_changed_since("1:*", *r.highest_modseq);
        CHECK(nothing.messages.empty());
        const std::string after = std::to_string(modseq + 1);
        const imapclient::search_criteria modseq_key("MODSEQ " + after);
        auto found = co_await a2.search(modseq_key);
        CHECK(sorted_ids(found.ids) == ids{uids[1], uids[2], uids[5]});
        // RFC 7162 3.1.5: the highest modseq of the messages found.
        std::uint64_t top = 0;
        for (const auto& [uid, m] : r.changed) top = std::max(top, m.modseq.value_or(0));
        CHECK(found.modseq == top);

        // A UIDVALIDITY the folder never had: nothing is reported, and
        // the result says the cache is void.
        qresync_params stale = p;
        stale.uid_validity = validity + 1;
        auto s = co_await a2.select_folder_qresync(name, stale, true);
        CHECK(s.uid_validity_changed);
        CHECK(s.vanished.empty());
        CHECK(s.changed.empty());
        CHECK(s.readonly);
        CHECK(s.exists == 6);
        co_await a2.unselect_folder();  // Dovecot says BYE when the selected folder goes
        co_await a2.delete_folder(name);
        co_await a2.logout();
    });
}

TEST_CASE("QRESYNC: refused without ENABLE, and without the capability", "[live][qresync]") {
    BOTH_SERVERS();
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, options_for(kind));
        co_await login(c);
        CHECK_FALSE(c.is_enabled("QRESYNC"));
        qresync_params p;
        p.uid_validity = 1;
        p.mod_seq = 1;
        auto [ec, r] = co_await c.select_folder_qresync("INBOX", p, false, asio::as_tuple(asio::use_awaitable));
        CHECK(ec == make_error_code(errc::illegal_state));
        CHECK_FALSE(c.mailbox().selected);
        // Still usable, and the same SELECT works once enabled.
        co_await c.enable(qresync_cap);
        qresync_params bad;
        auto [ec2, r2] = co_await c.select_folder_qresync("INBOX", bad, false, asio::as_tuple(asio::use_awaitable));
        CHECK(ec2 == make_error_code(errc::invalid_argument));
        auto ok = co_await c.select_folder_qresync("INBOX", p, true);
        CHECK(ok.uid_validity.has_value());
        CHECK(ok.uid_validity_changed == (ok.uid_validity != 1u));
        co_await c.logout();
    });

    // A server without QRESYNC or CONDSTORE: nothing is sent.
    test::fake_server server([](test::fake_connection& conn) {
        conn.send("* OK [CAPABILITY IMAP4rev1 ENABLE] hi\r\n");
        auto t = conn.expect("LOGIN");
        conn.send(t + " OK [CAPABILITY IMAP4rev1 ENABLE] in\r\n");
        t = conn.expect("SELECT INBOX");
        conn.send("* 3 EXISTS\r\n* OK [UIDVALIDITY 5] v\r\n" + t + " OK [READ-WRITE] done\r\n");
        t = conn.expect("LOGOUT");
        conn.send("* BYE bye\r\n" + t + " OK bye\r\n");
    });
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, test::scripted_options(server));
        co_await c.connect();
        co_await c.login("u", "p");
        qresync_params p;
        p.uid_validity = 5;
        p.mod_seq = 9;
        auto [ec, r] = co_await c.select_folder_qresync("INBOX", p, false, asio::as_tuple(asio::use_awaitable));
        CHECK(ec == make_error_code(errc::capability_missing));
        co_await c.select_folder("INBOX");
        auto [ec2, r2] = co_await c.fetch_changed_since("1:*", 5, flags_item, false, asio::as_tuple(asio::use_awaitable));
        CHECK(ec2 == make_error_code(errc::capability_missing));
        auto [ec3, r3] = co_await c.store_unchanged_since("1", flag_change::add, seen, 5, false,
                                                          asio::as_tuple(asio::use_awaitable));
        CHECK(ec3 == make_error_code(errc::capability_missing));
        co_await c.logout();
    });
    CHECK(server.finish() == "");
}

TEST_CASE("UNCHANGEDSINCE: a store over another connection's change is refused with [MODIFIED]", "[live][qresync]") {
    BOTH_SERVERS();
    test::run([&]() -> asio::awaitable<void> {
        auto ex = co_await asio::this_coro::executor;
        client a(ex, options_for(kind));
        co_await login_qresync(a);
        const std::string name = co_await fresh_folder(a, 4);
        co_await a.select_folder(name);
        auto all = co_await a.search();
        REQUIRE(all.ids.size() == 4);
        const ids uids = sorted_ids(all.ids);
        auto before = co_await a.fetch(uids, flags_modseq);
        std::map<std::uint32_t, std::uint64_t> known;
        std::uint64_t high = 0;
        for (const auto& [uid, m] : before.messages) {
            REQUIRE(m.modseq.has_value());
            known[uid] = *m.modseq;
            high = std::max(high, *m.modseq);
        }

        // B changes messages 1 and 3 behind A's back.
        client b(ex, options_for(kind));
        co_await login(b);
        co_await b.select_folder(name);
        const ids changed_by_b{uids[0], uids[2]};
        co_await b.add_flags(changed_by_b, answered);
        co_await b.logout();

        auto r = co_await a.store_unchanged_since(uids, flag_change::add, done_keyword, high);
        CHECK(sorted_ids(r.modified) == changed_by_b);
        // The stored ones are reported with their new modseq and flags; both
        // servers also report B's changes here (news A had not seen yet),
        // which gives the caller the modseq to retry with.
        for (auto u : uids) {
            INFO("uid " << u);
            const bool by_b = u == uids[0] || u == uids[2];
            if (!by_b) REQUIRE(r.modseqs.count(u) == 1);
            if (!by_b) REQUIRE(r.flags.count(u) == 1);
            if (r.modseqs.count(u)) CHECK(r.modseqs.at(u) > high);
            if (!r.flags.count(u)) continue;
            const auto& f = r.flags.at(u);
            CHECK(std::count(f.begin(), f.end(), "$Done") == (by_b ? 0 : 1));
            CHECK(std::count(f.begin(), f.end(), "\\Answered") == (by_b ? 1 : 0));
        }
        // What was refused was not stored; what was stored is visible.
        auto now = co_await a.fetch(uids, flags_item);
        for (auto u : uids) {
            INFO("uid " << u);
            const auto f = now.messages.at(u).flags.value_or(strings{});
            const bool by_b = u == uids[0] || u == uids[2];
            CHECK(std::count(f.begin(), f.end(), "$Done") == (by_b ? 0 : 1));
            CHECK(std::count(f.begin(), f.end(), "\\Answered") == (by_b ? 1 : 0));
        }

        // Silent: no flags back, the new modseqs all the same; nothing
        // refused when the modseq given is current.
        auto fresh = co_await a.fetch_changed_since(uids, 0, flags_item);
        std::uint64_t now_high = 0;
        for (const auto& [uid, m] : fresh.messages) now_high = std::max(now_high, m.modseq.value_or(0));
        REQUIRE(now_high > high);
        auto silent = co_await a.store_unchanged_since(uids, flag_change::remove, done_keyword, now_high, true);
        CHECK(silent.modified.empty());
        CHECK(silent.flags.empty());
        CHECK(silent.status.status == imapclient::status_kind::ok);
        // UNCHANGEDSINCE 0 refuses every message that has a modseq.
        auto zero = co_await a.store_unchanged_since(uids, flag_change::add, seen, 0);
        CHECK(sorted_ids(zero.modified) == uids);
        CHECK(zero.modseqs.empty());

        // Read-only: refused before anything is sent.
        co_await a.select_folder(name, true);
        auto [ec, ro] = co_await a.store_unchanged_since(uids, flag_change::add, seen, now_high, false,
                                                         asio::as_tuple(asio::use_awaitable));
        CHECK(ec == make_error_code(errc::read_only));
        co_await a.unselect_folder();  // Dovecot says BYE when the selected folder goes
        co_await a.delete_folder(name);
        co_await a.logout();
    });
}

TEST_CASE("QRESYNC: another connection's expunges arrive as VANISHED events; EXISTS follows", "[live][qresync]") {
    BOTH_SERVERS();
    test::run([&]() -> asio::awaitable<void> {
        auto ex = co_await asio::this_coro::executor;
        client a(ex, options_for(kind));
        co_await login_qresync(a);
        const std::string name = co_await fresh_folder(a, 5);
        co_await a.select_folder(name);
        auto all = co_await a.search();
        const ids uids = sorted_ids(all.ids);
        REQUIRE(uids.size() == 5);
        REQUIRE(a.mailbox().exists == 5);
        // Drain whatever the setup left queued.
        while (co_await test::next_event_within(a, 50ms)) {
        }

        client b(ex, options_for(kind));
        co_await login(b);
        co_await b.select_folder(name);
        const ids gone{uids[1], uids[2], uids[4]};
        co_await b.delete_messages(gone);
        co_await b.uid_expunge(gone);
        co_await b.logout();

        co_await a.noop();
        ids vanished;
        int expunge_events = 0;
        while (auto ev = co_await test::next_event_within(a, 300ms)) {
            auto* resp = std::get_if<imapclient::response>(&*ev);
            if (!resp) continue;
            if (auto* v = std::get_if<imapclient::vanished_data>(resp)) {
                CHECK_FALSE(v->earlier);
                for (auto u : sequence_set(v->uids).expand()) vanished.push_back(u);
            }
            if (std::holds_alternative<imapclient::expunge_data>(*resp)) ++expunge_events;
        }
        CHECK(sorted_ids(vanished) == gone);
        CHECK(expunge_events == 0);  // QRESYNC replaces EXPUNGE by VANISHED
        CHECK(a.mailbox().exists == 2);
        auto left = co_await a.search();
        CHECK(sorted_ids(left.ids) == ids{uids[0], uids[3]});
        co_await a.unselect_folder();  // Dovecot says BYE when the selected folder goes
        co_await a.delete_folder(name);
        co_await a.logout();
    });
}
