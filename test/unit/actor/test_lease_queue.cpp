// Who gets the connection's selected mailbox next (lease_queue): leases of
// one folder share it, another folder waits its turn in order of arrival,
// and a waiter that gives up leaves the queue.
#include "actor/lease_queue.hpp"

#include <catch2/catch.hpp>

using namespace imapclient::detail;

namespace {

current_selection selected(std::uint64_t id, std::string folder, bool readonly = false) {
    return {id, std::move(folder), readonly, true};
}

const current_selection nothing{};

}  // namespace

TEST_CASE("lease queue: the first request selects; those for the same folder share the SELECT", "[lease]") {
    lease_queue q;
    auto a = q.wait({"FA", false});
    auto d = q.next(nothing);
    REQUIRE(d.select);
    CHECK(*d.select == lease_request{"FA", false});
    CHECK(d.grant.empty());
    auto b = q.wait({"FA", false});  // came while the SELECT runs
    CHECK(q.next(nothing).select == std::nullopt);  // one SELECT at a time
    auto served = q.selected(true, selected(5, "FA"));
    CHECK(served == std::vector<lease_queue::ticket>{a, b});
    CHECK(q.holders() == 2);
    CHECK(q.waiting() == 0);
}

TEST_CASE("lease queue: a folder selected already is granted without a SELECT", "[lease]") {
    lease_queue q;
    auto a = q.wait({"INBOX", false});
    auto d = q.next(selected(3, "INBOX"));
    CHECK(!d.select);
    CHECK(d.grant == std::vector<lease_queue::ticket>{a});
    CHECK(d.selection == 3);
    // Read-only is another mode: EXAMINE.
    q.wait({"INBOX", true});
    q.release(3);
    auto e = q.next(selected(3, "INBOX"));
    REQUIRE(e.select);
    CHECK(e.select->readonly);
}

TEST_CASE("lease queue: another folder waits until every holder released; then it is selected", "[lease]") {
    lease_queue q;
    auto a = q.wait({"FA", false});
    q.next(nothing);
    q.selected(true, selected(5, "FA"));
    auto b = q.wait({"FB", false});
    CHECK(q.next(selected(5, "FA")).select == std::nullopt);
    // A late request for FA does not jump ahead of the one for FB.
    auto late = q.wait({"FA", false});
    auto d = q.next(selected(5, "FA"));
    CHECK(d.grant.empty());
    CHECK(!d.select);
    q.release(5);
    d = q.next(selected(5, "FA"));
    REQUIRE(d.select);
    CHECK(d.select->folder == "FB");
    CHECK(q.selected(true, selected(6, "FB")) == std::vector<lease_queue::ticket>{b});
    q.release(6);
    d = q.next(selected(6, "FB"));
    REQUIRE(d.select);
    CHECK(d.select->folder == "FA");
    CHECK(q.selected(true, selected(7, "FA")) == std::vector<lease_queue::ticket>{late});
    (void)a;
}

TEST_CASE("lease queue: joining the holders needs nobody else waiting", "[lease]") {
    lease_queue q;
    q.wait({"FA", false});
    q.next(nothing);
    q.selected(true, selected(5, "FA"));
    auto b = q.wait({"FA", false});
    auto d = q.next(selected(5, "FA"));
    CHECK(d.grant == std::vector<lease_queue::ticket>{b});
    CHECK(q.holders() == 2);
}

TEST_CASE("lease queue: a waiter that gives up leaves the queue", "[lease]") {
    lease_queue q;
    q.wait({"FA", false});
    q.next(nothing);
    q.selected(true, selected(5, "FA"));
    auto b = q.wait({"FB", false});
    auto c = q.wait({"FC", false});
    q.withdraw(b);
    q.release(5);
    auto d = q.next(selected(5, "FA"));
    REQUIRE(d.select);
    CHECK(d.select->folder == "FC");
    CHECK(q.selected(true, selected(6, "FC")) == std::vector<lease_queue::ticket>{c});
}

TEST_CASE("lease queue: a failed SELECT fails its waiters and the queue moves on", "[lease]") {
    lease_queue q;
    auto a = q.wait({"Missing", false});
    auto b = q.wait({"FB", false});
    q.next(nothing);
    CHECK(q.selected(false, nothing) == std::vector<lease_queue::ticket>{a});
    CHECK(q.holders() == 0);
    auto d = q.next(nothing);
    REQUIRE(d.select);
    CHECK(d.select->folder == "FB");
    CHECK(q.selected(true, selected(8, "FB")) == std::vector<lease_queue::ticket>{b});
}

TEST_CASE("lease queue: a group whose selection ended does not hold anybody off", "[lease]") {
    lease_queue q;
    q.wait({"FA", false});
    q.next(nothing);
    q.selected(true, selected(5, "FA"));
    q.wait({"FB", false});
    // Someone's plain select_folder() (or a new UIDVALIDITY) ended selection 5.
    auto d = q.next(selected(9, "FC"));
    REQUIRE(d.select);
    CHECK(d.select->folder == "FB");
    q.selected(true, selected(10, "FB"));
    // The old holder's release does not count against the new group.
    q.release(5);
    CHECK(q.holders() == 1);
}
