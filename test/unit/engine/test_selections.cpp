// Mailbox selections: a command bound to one selection of a mailbox is
// written only while it is the current one, so that another caller's
// SELECT (or the mailbox being created again) never gives it another
// mailbox's messages.
#include "engine_script.hpp"

using namespace engine_script;

namespace {

command_request bound(command_request r, std::uint64_t selection) {
    r.needs.level = session_level::selected;
    r.needs.selection = selection;
    r.needs.what = r.name;
    return r;
}

}  // namespace

TEST_CASE("selections: each SELECT written starts a new one; the known one follows its answer", "[engine][lease]") {
    script s;
    s.greet();
    const auto before = s.eng.selection();
    auto a = s.submit(cmd::select("FA", false));
    CHECK(s.flush() == "A1 SELECT FA\r\n");
    const auto fa = s.eng.selection();
    CHECK(fa != before);
    CHECK(s.eng.known_selection() != fa);  // not answered yet
    CHECK(s.eng.mailbox().name == "FA");
    s.server("* OK [UIDVALIDITY 7] x\r\nA1 OK [READ-WRITE] done\r\n");
    CHECK(s.result(a).ec == error_code{});
    CHECK(s.eng.known_selection() == fa);
    CHECK(s.eng.identity() == mailbox_identity{"FA", 7u});

    // UNSELECT belongs to the selection it ends: its OK is not "changed".
    auto un = s.submit(bound(cmd::unselect(), fa));
    CHECK(s.flush() == "A2 UNSELECT\r\n");
    s.server("A2 OK done\r\n");
    CHECK(s.result(un).ec == error_code{});
    CHECK(s.eng.selection() != fa);
    CHECK(s.eng.known_selection() == s.eng.selection());
}

TEST_CASE("selections: a command of a selection that ended before it was written fails unwritten", "[engine][lease]") {
    script s;
    s.greet();
    s.run(cmd::select("FA", false), "A1 SELECT FA\r\n", "* 3 EXISTS\r\n");
    const auto fa = s.eng.known_selection();
    // Another caller's SELECT is queued first; this caller's FETCH, issued
    // against FA, would reach the server after it.
    auto other = s.submit(cmd::select("FB", false));
    auto mine = s.submit(bound(cmd::fetch(sequence_set("1:*"), {"ENVELOPE"}, {}, true), fa));
    CHECK(s.flush() == "A2 SELECT FB\r\n");
    s.server("* 5 EXISTS\r\nA2 OK done\r\n");
    CHECK(s.result(other).ec == error_code{});
    CHECK(s.flush().empty());  // the FETCH is never written
    CHECK(s.result(mine).ec == ec_of(errc::mailbox_changed));
    CHECK(s.result(mine).status.text.find("changed") != std::string::npos);
    CHECK(s.written.find("FETCH") == std::string::npos);
}

TEST_CASE("selections: a command bound to a selection that already ended is refused at submit", "[engine][lease]") {
    script s;
    s.greet();
    s.run(cmd::select("FA", false), "A1 SELECT FA\r\n");
    const auto fa = s.eng.known_selection();
    s.run(cmd::select("FB", false), "A2 SELECT FB\r\n");
    auto late = s.submit(bound(cmd::noop(), fa));
    CHECK(s.result(late).ec == ec_of(errc::mailbox_changed));
    CHECK(s.flush().empty());
    // Bound to the current one, it runs.
    auto now = s.submit(bound(cmd::noop(), s.eng.known_selection()));
    CHECK(s.flush() == "A3 NOOP\r\n");
    s.server("A3 OK done\r\n");
    CHECK(s.result(now).ec == error_code{});
}

TEST_CASE("selections: commands of the current selection pipeline as before", "[engine][lease]") {
    script s;
    s.greet();
    s.run(cmd::select("FA", false), "A1 SELECT FA\r\n", "* 3 EXISTS\r\n");
    const auto fa = s.eng.known_selection();
    auto f1 = s.submit(bound(cmd::fetch(sequence_set("1"), {"FLAGS"}, {}, true), fa));
    auto f2 = s.submit(bound(cmd::fetch(sequence_set("2"), {"FLAGS"}, {}, true), fa));
    CHECK(s.flush() == "A2 UID FETCH 1 (FLAGS)\r\nA3 UID FETCH 2 (FLAGS)\r\n");
    s.server("A2 OK done\r\nA3 OK done\r\n");
    CHECK(s.result(f1).ec == error_code{});
    CHECK(s.result(f2).ec == error_code{});
}

TEST_CASE("selections: a new UIDVALIDITY under a selected mailbox ends its selection", "[engine][lease]") {
    script s;
    s.greet();
    s.run(cmd::select("FA", false), "A1 SELECT FA\r\n", "* OK [UIDVALIDITY 7] x\r\n* 2 EXISTS\r\n");
    const auto fa = s.eng.known_selection();
    auto running = s.submit(bound(cmd::fetch(sequence_set("1:*"), {"FLAGS"}, {}, true), fa));
    CHECK(s.flush() == "A2 UID FETCH 1:* (FLAGS)\r\n");
    // The mailbox was deleted and created again by someone else: its UIDs
    // now name other messages.
    s.server("* OK [UIDVALIDITY 9] new\r\n* 1 FETCH (UID 1 FLAGS (\\Seen))\r\nA2 OK done\r\n");
    const auto& r = s.result(running);
    CHECK(r.ec == ec_of(errc::mailbox_changed));
    CHECK(r.responses.empty());  // nothing of the new mailbox reaches the caller
    CHECK(s.eng.known_selection() != fa);
    CHECK(s.eng.identity() == mailbox_identity{"FA", 9u});
    auto queued = s.submit(bound(cmd::noop(), fa));
    CHECK(s.result(queued).ec == ec_of(errc::mailbox_changed));
}

TEST_CASE("selections: the SELECT's own UIDVALIDITY does not end anything", "[engine][lease]") {
    script s;
    s.greet();
    s.run(cmd::select("FA", false), "A1 SELECT FA\r\n", "* OK [UIDVALIDITY 7] x\r\n");
    s.run(cmd::select("FA", false), "A2 SELECT FA\r\n", "* OK [UIDVALIDITY 7] x\r\n");
    const auto again = s.eng.known_selection();
    auto n = s.submit(bound(cmd::noop(), again));
    CHECK(s.flush() == "A3 NOOP\r\n");
    s.server("* OK [UIDVALIDITY 7] same\r\nA3 OK done\r\n");
    CHECK(s.result(n).ec == error_code{});
}

TEST_CASE("selections: the name of the mailbox selected survives the old one's [CLOSED]", "[engine][lease]") {
    script s;
    s.greet();
    s.run(cmd::select("FA", false), "A1 SELECT FA\r\n");
    s.run(cmd::select("FB", false), "A2 SELECT FB\r\n", "* OK [CLOSED] old one closed\r\n* 2 EXISTS\r\n");
    CHECK(s.eng.mailbox().name == "FB");
    CHECK(s.eng.mailbox().exists == 2);
}

TEST_CASE("selections: selections of one engine never match those of another", "[engine][lease]") {
    script first;
    first.greet();
    first.run(cmd::select("INBOX", false), "A1 SELECT INBOX\r\n");
    script second;
    second.greet();
    second.run(cmd::select("INBOX", false), "A1 SELECT INBOX\r\n");
    CHECK(first.eng.known_selection() != second.eng.known_selection());
}
