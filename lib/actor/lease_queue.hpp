// Who may have the connection's selected mailbox: the holders of the
// current folder lease group, and the requests waiting, in order of
// arrival. Sans-io: the actor (lib/actor/leases.cpp) asks next() what to do
// whenever something changed and carries it out.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

namespace imapclient::detail {

struct lease_request {
    std::string folder;
    bool readonly = false;
    friend bool operator==(const lease_request&, const lease_request&) = default;
};

/// The connection's selection, as the leases need to know it.
struct current_selection {
    std::uint64_t id = 0;   // connection_engine::known_selection()
    std::string folder;
    bool readonly = false;
    bool usable = false;    // selected, and no other SELECT on its way
};

class lease_queue {
public:
    using ticket = std::uint64_t;

    /// What the actor must do now: grant these tickets in `selection` as
    /// it is, and/or SELECT `select` for the requests at the front (then
    /// call selected()).
    struct decision {
        std::vector<ticket> grant;
        std::uint64_t selection = 0;
        std::optional<lease_request> select;
    };

    ticket wait(lease_request r);
    /// A waiting request gave up (cancelled, timed out); no effect once
    /// granted.
    void withdraw(ticket t);
    /// A holder of `selection` released its lease.
    void release(std::uint64_t selection);
    decision next(const current_selection& now);
    /// The SELECT asked for by next() completed (ok or not) and `now` is
    /// the selection it made: the tickets it served, granted in it when ok,
    /// to be failed with the SELECT's error otherwise.
    std::vector<ticket> selected(bool ok, const current_selection& now);

    std::size_t waiting() const noexcept { return waiting_.size(); }
    std::size_t holders() const noexcept { return holders_; }
    bool selecting() const noexcept { return selecting_.has_value(); }

private:
    struct waiter {
        ticket t;
        lease_request r;
    };
    /// The waiters asking for `r`, taken out of the queue.
    std::vector<ticket> take(const lease_request& r);
    bool group_alive(const current_selection& now) const;

    std::deque<waiter> waiting_;
    std::optional<lease_request> held_;      // what the holders asked for
    std::uint64_t held_selection_ = 0;       // and the selection they run in
    std::size_t holders_ = 0;
    std::optional<lease_request> selecting_;  // a SELECT for the front waiters is on its way
    ticket next_ = 1;
};

}  // namespace imapclient::detail
