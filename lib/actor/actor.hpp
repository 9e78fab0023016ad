// The connection actor behind imapclient::client: one reader coroutine,
// one writer coroutine and a watchdog, all on one strand, driving the
// sans-io connection_engine.
#pragma once

#include "actor/lease_queue.hpp"
#include "engine/engine.hpp"
#include "net/deflate_stream.hpp"
#include "operations/operation.hpp"
#include "net/transport.hpp"

#include <imapclient/client.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <deque>
#include <memory>
#include <unordered_map>

namespace imapclient {

template <typename T>
using op_result = operations::outcome<T>;

struct client::impl : std::enable_shared_from_this<client::impl> {
    impl(boost::asio::any_io_executor ex, client_options options);

    // ---- the one asynchronous primitive: run a command --------------
    template <typename Token>
    auto async_run(engine::command_request req, Token&& token) {
        return boost::asio::async_initiate<Token, void(engine::completion)>(
            [self = shared_from_this()](auto handler, engine::command_request req) {
                self->submit(std::move(req), boost::asio::any_completion_handler<void(engine::completion)>(
                                                 std::move(handler)));
            },
            token, std::move(req));
    }
    engine::command_id submit(engine::command_request req,
                              boost::asio::any_completion_handler<void(engine::completion)> h);

    // ---- operations (coroutines on the strand) ------------------------
    /// The one loop every operation's state machine runs in: submits the
    /// command it asks for, resumes it with the completion, until it is
    /// done; then closes the connection if it asked for that.
    /// With a lease, the commands that need a selected mailbox are bound to
    /// its selection (errc::mailbox_changed once it ended); without one, to
    /// the selection known when they are submitted (see submit()). Returns
    /// the mailbox those commands ran in, if any did.
    boost::asio::awaitable<std::optional<mailbox_identity>> drive(operations::algorithm& op,
                                                                  const ops::lease_selection* lease = nullptr);
    /// What the operations may know of the session.
    operations::context context() const;
    /// Whether folder names travel in modified UTF-7: client_options::
    /// folder_encode, unless UTF8=ACCEPT or IMAP4rev2 is enabled, after
    /// which they are UTF-8 on the wire too (RFC 6855 3, RFC 9051 5.1).
    bool names_in_utf7() const;
    /// LOGIN / AUTHENTICATE, then COMPRESS when options ask for it.
    boost::asio::awaitable<op_result<command_result>> authenticate(
        std::unique_ptr<operations::operation<command_result>> op);
    // Operations that work on the transport rather than through commands
    // alone (lib/actor/connect.cpp, compress.cpp, idle.cpp).
    boost::asio::awaitable<op_result<connect_result>> do_connect();
    boost::asio::awaitable<op_result<command_result>> do_starttls(std::shared_ptr<boost::asio::ssl::context> ctx);
    void wait_event(result_handler<event> h);

    // ---- IDLE with Python IMAPClient's idle() / idle_check() / idle_done() ---------
    struct idle_session {
        explicit idle_session(const net::executor& ex) : signal(ex) {}
        engine::command_id id = 0;
        bool started = false;                   // the server sent "+"
        std::optional<engine::completion> done;  // IDLE's tagged reply (or failure)
        boost::asio::steady_timer signal;       // wakes whoever waits for the above
    };
    /// With a lease's selection, IDLE (and the NOOPs of polling) run in it.
    boost::asio::awaitable<op_result<command_result>> do_idle(std::optional<ops::lease_selection> in = std::nullopt);
    boost::asio::awaitable<op_result<idle_result>> do_idle_check(std::chrono::milliseconds timeout);
    boost::asio::awaitable<op_result<idle_result>> do_idle_done();
    std::vector<event> drain_events();
    boost::asio::awaitable<op_result<command_result>> do_listen(listen_options options,
                                                                std::optional<ops::lease_selection> in = std::nullopt);
    /// Waits until no command is queued or on the wire.
    boost::asio::awaitable<void> wait_quiet();

    // ---- folder leases (lib/actor/leases.cpp) ---------------------------
    struct lease_wait;  // one lease_folder() call waiting for its turn
    boost::asio::awaitable<op_result<folder_lease>> do_lease(ops::lease_folder op);
    /// Grants what can be granted and starts the SELECT the next waiters
    /// need; called whenever a lease, a SELECT or the connection changed.
    void schedule_leases();
    void decide_lease(detail::lease_queue::ticket t, error_code ec, const select_result& selected,
                      const ops::lease_selection& in);
    boost::asio::awaitable<void> select_for_leases(std::shared_ptr<impl> self, detail::lease_request r);
    boost::asio::awaitable<void> select_and_grant(const detail::lease_request& r);
    detail::current_selection current_selection() const;
    void release_lease(std::uint64_t selection);
    detail::lease_queue leases_;
    std::unordered_map<detail::lease_queue::ticket, std::shared_ptr<lease_wait>> lease_waits_;

    // ---- the actor ----------------------------------------------------
    /// Delivers completions and events, wakes the writer, closes the
    /// transport once the engine is closed. Called after every input.
    void pump();
    void deliver_events();
    void start_loops();
    boost::asio::awaitable<void> reader_loop();
    boost::asio::awaitable<void> writer_loop();
    boost::asio::awaitable<void> watchdog_loop();
    /// After STARTTLS's OK on a running connection (client::starttls()).
    boost::asio::awaitable<bool> upgrade_to_tls();
    void transport_failed(error_code ec);
    // ---- COMPRESS=DEFLATE (lib/actor/compress.cpp) ------------------------
    boost::asio::awaitable<op_result<command_result>> do_compress();
    /// The reader, right after COMPRESS's OK and before it reads again:
    /// puts the streams in place and decodes what came with the OK.
    void start_compression();
    /// Bytes read from the server while compressed: inflated into the
    /// engine in bounded chunks (corrupt data closes the connection).
    /// Returns true when it stopped early because a streamed body's piece
    /// waits for its sink (`in` keeps the rest): call it again after.
    bool feed_compressed(std::string_view& in);
    /// Writes what the engine has for sinks (streamed bodies), one piece at
    /// a time, before anything more is read.
    boost::asio::awaitable<void> write_pieces();
    boost::asio::awaitable<error_code> write_to_sink(std::shared_ptr<body_sink> sink, std::string_view bytes);
    /// One write's chunks, compressed into `out` (false: connection closed).
    bool compress_write(const std::vector<engine::write_chunk>& chunks, std::string& out);
    /// Writes the literal contents a source chunk stands for, read from its
    /// source a bounded piece at a time; reports the outcome to the engine.
    /// False when the connection is closed (then the writer stops).
    boost::asio::awaitable<bool> write_source(const engine::write_chunk& chunk);
    /// Before the loops run (greeting, STARTTLS): send `req` if any and read
    /// until it completes (or, with no request, until the greeting came).
    boost::asio::awaitable<engine::completion> drive(std::optional<engine::command_request> req);
    void close(error_code ec, std::string_view why);
    /// not_connected unless the connection is up (the loops run); the rest
    /// of an operation's preconditions are the engine's (check()).
    error_code check_state() const;

    void log(int level, std::string_view line) const;

    /// Pending operations hold the impl alive (their coroutines own a
    /// shared_ptr to it, and the impl owns their handlers). Such a cycle
    /// must not outlive the io_context: a service of the execution context
    /// calls abandon_all() at its shutdown, as Asio's own objects do.
    void register_with_context();
    /// Drops every pending handler without calling it and closes the
    /// transport (execution context shutdown only).
    void abandon_all();

    net::executor strand_;
    client_options opts_;
    net::transport transport_;
    /// Before engine_, which records into it; read by client::metrics()
    /// from any thread (it has its own mutex).
    std::shared_ptr<engine::metrics_recorder> metrics_ = std::make_shared<engine::metrics_recorder>();
    engine::connection_engine engine_;
    boost::asio::steady_timer writer_wake_;
    boost::asio::steady_timer watchdog_;
    boost::asio::steady_timer connect_timer_;
    boost::asio::steady_timer event_signal_;  // cancelled when events are queued
    std::shared_ptr<idle_session> idle_;
    std::shared_ptr<boost::asio::ssl::context> tls_context_;  // for starttls()
    boost::asio::steady_timer quiet_signal_;  // cancelled when no command is pending
    bool listening_ = false;
    std::unique_ptr<net::inflater> inflater_;  // both set once COMPRESS is on
    std::unique_ptr<net::deflater> deflater_;
    bool compress_requested_ = false;          // COMPRESS sent or on
    std::chrono::steady_clock::time_point last_activity_{};
    std::unordered_map<engine::command_id, boost::asio::any_completion_handler<void(engine::completion)>> waiting_;
    std::deque<std::pair<std::uint64_t, result_handler<event>>> event_waiters_;
    std::uint64_t next_waiter_ = 1;
    bool use_uid_ = true;
    bool connecting_ = false;
    bool running_ = false;  // reader/writer loops started
    bool closed_event_delivered_ = false;
    bool connect_timed_out_ = false;
};

}  // namespace imapclient
