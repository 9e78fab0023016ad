#include "actor/lease_queue.hpp"

#include <algorithm>

namespace imapclient::detail {

lease_queue::ticket lease_queue::wait(lease_request r) {
    const ticket t = next_++;
    waiting_.push_back({t, std::move(r)});
    return t;
}

void lease_queue::withdraw(ticket t) {
    std::erase_if(waiting_, [t](const waiter& w) { return w.t == t; });
}

void lease_queue::release(std::uint64_t selection) {
    // A lease of a group that ended (its mailbox stopped being selected)
    // no longer counts.
    if (selection == held_selection_ && holders_ > 0) --holders_;
}

bool lease_queue::group_alive(const current_selection& now) const {
    return holders_ > 0 && held_ && now.usable && now.id == held_selection_;
}

std::vector<lease_queue::ticket> lease_queue::take(const lease_request& r) {
    std::vector<ticket> out;
    std::erase_if(waiting_, [&](const waiter& w) {
        if (w.r != r) return false;
        out.push_back(w.t);
        return true;
    });
    return out;
}

lease_queue::decision lease_queue::next(const current_selection& now) {
    decision d;
    if (selecting_ || waiting_.empty()) return d;
    const lease_request& front = waiting_.front().r;
    if (group_alive(now)) {
        // Join the holders only from the front: a request that came after
        // one for another folder waits behind it, so nobody starves.
        if (front != *held_) return d;
        d.grant = take(front);
        d.selection = held_selection_;
        holders_ += d.grant.size();
        return d;
    }
    // The folder is selected already (a plain select_folder(), or the last
    // group's): no SELECT needed.
    if (now.usable && now.folder == front.folder && now.readonly == front.readonly) {
        held_ = front;
        held_selection_ = now.id;
        d.grant = take(front);
        d.selection = now.id;
        holders_ = d.grant.size();
        return d;
    }
    selecting_ = front;
    d.select = front;
    return d;
}

std::vector<lease_queue::ticket> lease_queue::selected(bool ok, const current_selection& now) {
    if (!selecting_) return {};
    lease_request r = std::move(*selecting_);
    selecting_.reset();
    // Everybody waiting for this folder and mode is served by this SELECT,
    // those that came while it ran included.
    auto served = take(r);
    if (ok) {
        held_ = std::move(r);
        held_selection_ = now.id;
        holders_ = served.size();
    }
    return served;
}

}  // namespace imapclient::detail
