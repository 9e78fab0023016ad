// QRESYNC (RFC 7162) against a scripted server, for what real servers will
// not send on demand: the [CLOSED] boundary, a UIDVALIDITY change, more
// vanished UIDs than can be expanded, a refused [MODIFIED] set.
// (Dovecot and Cyrus: test/live/test_qresync.cpp.)
#include "fake_server.hpp"
#include "harness.hpp"

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
const strings flagged{"\\Flagged"};
const strings seen{"\\Seen"};

template <class Map>
ids keys_of(const Map& m) {
    ids out;
    for (const auto& [k, v] : m) out.push_back(k);
    return out;
}

}  // namespace

TEST_CASE("QRESYNC scripted: [CLOSED] separates the old mailbox's data; a UIDVALIDITY change voids the rest",
          "[loopback][qresync]") {
    test::fake_server server([](test::fake_connection& conn) {
        conn.send("* OK [CAPABILITY IMAP4rev1 ENABLE CONDSTORE QRESYNC] hi\r\n");
        auto t = conn.expect("LOGIN");
        conn.send(t + " OK [CAPABILITY IMAP4rev1 ENABLE CONDSTORE QRESYNC] in\r\n");
        t = conn.expect("ENABLE QRESYNC");
        conn.send("* ENABLED QRESYNC\r\n" + t + " OK enabled\r\n");
        t = conn.expect("SELECT Old");
        conn.send("* 4 EXISTS\r\n* OK [UIDVALIDITY 10] v\r\n* OK [HIGHESTMODSEQ 50] m\r\n" + t + " OK [READ-WRITE] x\r\n");
        t = conn.expect("SELECT New (QRESYNC (10 40 1:20 (2,5 3,9)))");
        // The old mailbox's last news crossed the SELECT on the wire.
        conn.send("* VANISHED 2\r\n* 1 FETCH (UID 1 FLAGS (\\Seen) MODSEQ (51))\r\n* OK [CLOSED] closed\r\n");
        conn.send("* 7 EXISTS\r\n* OK [UIDVALIDITY 10] v\r\n* OK [HIGHESTMODSEQ 60] m\r\n"
                  "* VANISHED (EARLIER) 4:6,8\r\n"
                  "* 2 FETCH (UID 3 FLAGS (\\Flagged) MODSEQ (45))\r\n"
                  "* 2 FETCH (UID 3 MODSEQ (46))\r\n"
                  "* 3 FETCH (FLAGS (\\Seen))\r\n" +
                  t + " OK [READ-WRITE] x\r\n");
        t = conn.expect("EXAMINE New (QRESYNC (9 40))");
        conn.send("* 7 EXISTS\r\n* OK [UIDVALIDITY 10] v\r\n* OK [HIGHESTMODSEQ 60] m\r\n" + t +
                  " OK [READ-ONLY] x\r\n");
        t = conn.expect("SELECT Big (QRESYNC (10 40))");
        conn.send("* 7 EXISTS\r\n* OK [UIDVALIDITY 10] v\r\n* VANISHED (EARLIER) 1:4294967295\r\n" + t +
                  " OK [READ-WRITE] x\r\n");
        t = conn.expect("UID STORE 3 (UNCHANGEDSINCE 60) +FLAGS (\\Seen)");
        conn.send(t + " OK [MODIFIED 3x] odd\r\n");
        t = conn.expect("UID STORE 3 (UNCHANGEDSINCE 60) +FLAGS (\\Seen)");
        conn.send(t + " NO [MODIFIED 3] refused\r\n");
        t = conn.expect("LOGOUT");
        conn.send("* BYE bye\r\n" + t + " OK bye\r\n");
    });
    test::run([&]() -> asio::awaitable<void> {
        auto o = test::scripted_options(server);
        if (std::getenv("QRESYNC_DEBUG")) o.debug = 4;
        client c(co_await asio::this_coro::executor, o);
        co_await c.connect();
        co_await c.login("u", "p");
        co_await c.enable(qresync_cap);
        co_await c.select_folder("Old");
        qresync_params p;
        p.uid_validity = 10;
        p.mod_seq = 40;
        p.known_uids = sequence_set("1:20");
        p.known_sequence_match = qresync_params::sequence_match{sequence_set("2,5"), sequence_set("3,9")};
        auto r = co_await c.select_folder_qresync("New", p);
        CHECK_FALSE(r.uid_validity_changed);
        CHECK(r.vanished == ids{4, 5, 6, 8});
        REQUIRE(keys_of(r.changed) == ids{3});
        CHECK(r.changed.at(3).modseq == 46u);
        CHECK(r.changed.at(3).flags == flagged);
        CHECK(r.exists == 7);
        CHECK(r.highest_modseq == 60u);

        qresync_params stale;
        stale.uid_validity = 9;
        stale.mod_seq = 40;
        auto s = co_await c.select_folder_qresync("New", stale, true);
        CHECK(s.uid_validity_changed);
        CHECK(s.readonly);

        // Four billion vanished UIDs are not expanded: an error, the
        // mailbox selected all the same.
        qresync_params big;
        big.uid_validity = 10;
        big.mod_seq = 40;
        auto [ec, b] = co_await c.select_folder_qresync("Big", big, false, asio::as_tuple(asio::use_awaitable));
        CHECK(ec == make_error_code(errc::protocol_violation));
        CHECK(b.exists == 7);
        CHECK(c.mailbox().selected);

        auto [ec2, odd] = co_await c.store_unchanged_since(3, flag_change::add, seen, 60, false,
                                                           asio::as_tuple(asio::use_awaitable));
        CHECK(ec2 == make_error_code(errc::protocol_violation));
        auto [ec3, no] = co_await c.store_unchanged_since(3, flag_change::add, seen, 60, false,
                                                          asio::as_tuple(asio::use_awaitable));
        CHECK(ec3 == make_error_code(errc::no));
        CHECK(no.modified == ids{3});

        // The old mailbox's VANISHED and FETCH went to the events.
        bool old_vanished = false, old_fetch = false;
        while (auto ev = co_await test::next_event_within(c, 100ms)) {
            auto* resp = std::get_if<imapclient::response>(&*ev);
            if (!resp) continue;
            if (auto* v = std::get_if<imapclient::vanished_data>(resp)) old_vanished = old_vanished || v->uids == "2";
            if (auto* f = std::get_if<imapclient::fetch_data>(resp)) old_fetch = old_fetch || f->uid == 1u;
        }
        CHECK(old_vanished);
        // FETCH cannot be told apart by the engine (SELECT collects FETCH);
        // the client drops it from the result, so it is not an event either.
        CHECK_FALSE(old_fetch);
        co_await c.logout();
    });
    CHECK(server.finish() == "");
}
