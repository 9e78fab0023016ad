// Folder leases: several coroutines, several folders, one connection,
// and every result from the folder its caller asked for.
//
//   auto inbox = co_await c.lease_folder("INBOX");
//   ops::search unseen{.criteria = "UNSEEN"};
//   auto ids = co_await inbox.run(std::move(unseen));
//   ops::fetch envelopes{.messages = ids.ids, .items = {"ENVELOPE"}};
//   auto msgs = co_await inbox.run(std::move(envelopes));
//   // msgs.ran_in == inbox.mailbox(): INBOX, with its UIDVALIDITY
//
// IMAP has one selected mailbox per connection, and a command runs in
// whichever mailbox the last SELECT on the wire chose. A lease makes that
// the caller's: while it is held, the connection keeps its folder
// selected; the leases of one folder (and mode) share it and their
// commands pipeline; a lease of another folder waits until they are
// released, then the connection SELECTs that one.
#pragma once

#include <imapclient/client.hpp>
#include <imapclient/ops/catalog.hpp>

#include <cstdint>
#include <memory>
#include <utility>

namespace imapclient {

namespace ops {

/// A lease's selection of its mailbox (connection-internal numbering).
struct lease_selection {
    std::uint64_t id = 0;  // 0: the lease was released
    mailbox_identity mailbox;
};

/// `op` run through a lease: in the lease's selection of its mailbox.
template <typename Op>
struct leased {
    using result_type = typename Op::result_type;
    Op op;
    lease_selection in;
};

}  // namespace ops

/// A lease on a folder of one connection (client::lease_folder()). Move-only;
/// released by release() or the destructor. A lease does not keep the
/// connection up: after a connection loss its operations fail with the
/// abort error (or not_connected), and a new lease is needed once the
/// client has connected again.
class folder_lease {
public:
    /// What the library grants (client::lease_folder()).
    struct grant {
        std::shared_ptr<client::impl> impl;
        client::executor_type executor;
        ops::lease_selection in;
        select_result selected;
    };

    folder_lease() = default;
    explicit folder_lease(grant g) : status(g.selected.status), g_(std::move(g)) {}
    folder_lease(folder_lease&& other) noexcept : status(std::move(other.status)), g_(std::move(other.g_)) {
        other.g_.in.id = 0;
    }
    folder_lease& operator=(folder_lease&& other) noexcept {
        if (this != &other) {
            release();
            status = std::move(other.status);
            g_ = std::move(other.g_);
            other.g_.in.id = 0;
        }
        return *this;
    }
    ~folder_lease() { release(); }

    /// Granted and not released.
    bool held() const noexcept { return g_.in.id != 0; }
    explicit operator bool() const noexcept { return held(); }

    /// The folder (name as given, UIDVALIDITY) every operation of this
    /// lease runs in; results carry the same in their `ran_in`.
    const mailbox_identity& mailbox() const noexcept { return g_.in.mailbox; }
    /// The counts and flags of the folder when the lease was granted (its
    /// SELECT's answer, or the mailbox state when it was selected already).
    const select_result& selected() const noexcept { return g_.selected; }

    /// Runs an operation of imapclient::ops that works in the selected
    /// mailbox (ops::runs_in_mailbox) in this lease's folder:
    /// `co_await lease.run(std::move(fetch_op))` (ops built beforehand:
    /// GCC 12 miscompiles braced lists inside co_await expressions).
    /// idle_check() and idle_done() act on the connection's IDLE, whoever
    /// started it.
    /// errc::mailbox_changed when the folder stopped being selected under
    /// the lease (see client::lease_folder()); illegal_state once released.
    template <typename Op, typename Token = use_awaitable_t>
    auto run(Op op, Token&& token = {}) {
        static_assert(ops::runs_in_mailbox<Op>, "a lease runs the operations that work in the selected mailbox");
        return client::initiate(g_.impl, g_.executor, ops::leased<Op>{std::move(op), g_.in},
                                std::forward<Token>(token));
    }

    /// Gives the folder back: once every lease of it is released, a lease
    /// of another folder may have the connection. Operations of this lease
    /// already started finish; later ones fail with illegal_state.
    void release() noexcept;

    /// The SELECT's tagged reply (none when the folder was selected
    /// already), or why no lease was granted.
    status_response status;

private:
    grant g_;
};

}  // namespace imapclient
