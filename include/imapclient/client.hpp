// The IMAP client: one connection, any number of concurrent callers.
//
//   imapclient::client c(executor, {.host = "imap.example.com"});
//   co_await c.connect();                       // TLS on 993 by default
//   co_await c.login("user", "secret");
//   auto info = co_await c.select_folder("INBOX");
//   auto ids  = co_await c.search({"NOT", "DELETED"});
//   auto msgs = co_await c.fetch(ids.ids, {"FLAGS", "RFC822.SIZE"});
//
// Every operation is an Asio asynchronous operation: it takes any
// completion token (callbacks, use_future, deferred, as_tuple(...)), and by
// default (imapclient::use_awaitable) returns an awaitable that throws the
// matching imapclient::error subclass on failure. The completion signature
// is void(error_code, Result); Result::status holds the server's reply.
//
// Operations issued concurrently are pipelined on the one connection as far
// as the protocol allows (RFC 9051 5.5). On connection loss, BYE or a
// timeout, every pending operation completes promptly with an abort error
// (imapclient::is_abort(ec)). Cancellation (Asio cancellation slots, e.g.
// a timer raced with `||`): an operation not yet written is withdrawn; one
// already written is abandoned (its late data is discarded) and the
// connection stays usable, except during a synchronizing literal, where
// the connection is closed (errc::literal_cancelled).
//
// The client is not thread-safe in the Asio sense: it runs on a strand of
// the executor it was given, and may be used from any thread of that
// executor's context.
#pragma once

#include <imapclient/error.hpp>
#include <imapclient/event.hpp>
#include <imapclient/mailbox.hpp>
#include <imapclient/results.hpp>
#include <imapclient/search.hpp>
#include <imapclient/sequence_set.hpp>
#include <imapclient/types.hpp>
#include <imapclient/use_awaitable.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/prefer.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace boost::asio::ssl { class context; }

namespace imapclient {

enum class security {
    tls,       // implicit TLS (port 993)
    starttls,  // plain connection upgraded with STARTTLS; never falls back
    plain,     // no TLS at all; LOGIN then needs allow_plaintext_login
};

struct client_options {
    std::string host = "localhost";
    /// 0: 993 for security::tls, 143 otherwise.
    std::uint16_t port = 0;
    imapclient::security security = security::tls;
    /// TLS settings; null means create_default_context(): the system's
    /// trust store, host name verification, SNI, TLS 1.2 or later.
    std::shared_ptr<boost::asio::ssl::context> ssl_context;
    /// Consent to send LOGIN/AUTHENTICATE credentials over a connection
    /// without TLS (security::plain or stream mode).
    bool allow_plaintext_login = false;
    /// Stream mode (the seed's stream=True): run this program and talk IMAP
    /// over its stdin/stdout, e.g. {"ssh", "host", "imapd"}. host/port and
    /// TLS are then unused.
    std::vector<std::string> stream_command;

    std::chrono::milliseconds connect_timeout{30'000};
    /// The seed's `timeout`: the longest the server may stay silent while
    /// a command waits for it. Zero disables it (not recommended).
    std::chrono::milliseconds timeout{120'000};
    /// FETCH/SEARCH/... address messages by UID (the seed's use_uid).
    bool use_uid = true;

    /// Memory bounds (see DESIGN.md): longest response line, largest
    /// literal held in memory, events queued before they collapse into one
    /// resync_needed.
    std::size_t max_line = 1 << 20;
    std::uint64_t max_literal = 256ull << 20;
    std::size_t max_events = 1024;

    /// The seed's debug levels: 0 silent, 1 connection events, 3 commands
    /// sent (credentials always redacted), 4 also responses received,
    /// 5 also raw bytes. Lines go to `log` (stderr when empty).
    int debug = 0;
    std::function<void(std::string_view line)> log;
};

/// The seed's create_default_context(): verifies the chain against the
/// system store (or cafile/capath/cadata when given: a PEM file, a
/// directory of hashed PEMs, PEM text), checks the host name, sends SNI,
/// refuses TLS below 1.2.
std::shared_ptr<boost::asio::ssl::context> create_default_context(
    std::string_view cafile = {}, std::string_view capath = {}, std::string_view cadata = {});

/// A type-erased completion handler with the executor it must run on
/// (captured before erasure, so that completions honour the caller's
/// executor whatever it is).
/// How client::listen() keeps a push connection alive.
struct listen_options {
    /// IDLE is ended and issued again this often. RFC 2177 allows servers
    /// to drop an IDLE after 29 minutes; Gmail and NAT boxes drop idle
    /// connections after about 10, so the default is 9.
    std::chrono::milliseconds renew_interval{9 * 60'000};
    /// How long the server may take to answer DONE before the connection is
    /// declared dead (errc::timeout) and closed.
    std::chrono::milliseconds grace{30'000};
    /// Servers without IDLE: NOOP this often, behind the same event stream.
    std::chrono::milliseconds poll_interval{60'000};
};

template <typename T>
struct result_handler {
    boost::asio::any_completion_handler<void(error_code, T)> handler;
    boost::asio::any_io_executor executor;
};

class client {
public:
    using executor_type = boost::asio::any_io_executor;

    client(executor_type executor, client_options options);
    client(client&&) noexcept;
    client& operator=(client&&) noexcept;
    /// Closes the connection (without LOGOUT); pending operations complete
    /// with an abort error.
    ~client();

    executor_type get_executor() const noexcept;
    const client_options& options() const noexcept;

    // ---- connection ---------------------------------------------------

    /// Opens the connection (TCP, TLS or STARTTLS per options.security),
    /// reads the greeting and the capabilities. A PREAUTH greeting when
    /// TLS was required, or a server without STARTTLS in starttls mode, is
    /// errc::tls_required: nothing is sent in clear text then.
    template <typename Token = use_awaitable_t>
    auto connect(Token&& token = {}) {
        return initiate<connect_result>(token, [this](auto h) { start_connect(std::move(h)); });
    }

    /// LOGIN. Refused (errc::plaintext_login_refused) without TLS unless
    /// options.allow_plaintext_login, and when the server says
    /// LOGINDISABLED. The capabilities are read again afterwards.
    template <typename Token = use_awaitable_t>
    auto login(std::string username, std::string password, Token&& token = {}) {
        return initiate<command_result>(token, [this, u = std::move(username), p = std::move(password)](auto h) mutable {
            start_login(std::move(u), std::move(p), std::move(h));
        });
    }

    /// LOGOUT, then closes the connection.
    template <typename Token = use_awaitable_t>
    auto logout(Token&& token = {}) {
        return initiate<command_result>(token, [this](auto h) { start_simple("LOGOUT", std::move(h)); });
    }

    /// Closes the connection without LOGOUT. Pending operations complete
    /// with errc::not_connected.
    void shutdown();

    /// NOOP; the untagged data it brings is in the result and in the events.
    template <typename Token = use_awaitable_t>
    auto noop(Token&& token = {}) {
        return initiate<command_result>(token, [this](auto h) { start_simple("NOOP", std::move(h)); });
    }

    /// CAPABILITY, asked of the server again.
    template <typename Token = use_awaitable_t>
    auto refresh_capabilities(Token&& token = {}) {
        return initiate<command_result>(token, [this](auto h) { start_simple("CAPABILITY", std::move(h)); });
    }

    /// The capabilities last announced (upper-cased).
    std::vector<std::string> capabilities() const;
    bool has_capability(std::string_view capability) const;
    /// The greeting's text (the seed's welcome).
    std::string welcome() const;

    // ---- mailboxes ----------------------------------------------------

    /// SELECT, or EXAMINE when readonly. The folder name is UTF-8.
    template <typename Token = use_awaitable_t>
    auto select_folder(std::string folder, bool readonly = false, Token&& token = {}) {
        return initiate<select_result>(token, [this, f = std::move(folder), readonly](auto h) mutable {
            start_select(std::move(f), readonly, std::move(h));
        });
    }

    /// CLOSE: expunges deleted messages (unless read-only) and deselects.
    template <typename Token = use_awaitable_t>
    auto close_folder(Token&& token = {}) {
        return initiate<command_result>(token, [this](auto h) { start_simple("CLOSE", std::move(h)); });
    }

    /// The selected mailbox as the client knows it (kept current).
    const mailbox_state& mailbox() const noexcept;

    // ---- messages -----------------------------------------------------

    /// SEARCH (UID SEARCH when use_uid). A list of criteria items or one
    /// raw string, as in the seed; an 8-bit item adds CHARSET UTF-8.
    template <typename Token = use_awaitable_t>
    auto search(search_criteria criteria = "ALL", std::string charset = {}, Token&& token = {}) {
        return initiate<search_result>(token, [this, c = std::move(criteria), cs = std::move(charset)](auto h) mutable {
            start_search(std::move(c), std::move(cs), std::move(h));
        });
    }

    /// FETCH (UID FETCH when use_uid) of `items` ("FLAGS", "ENVELOPE",
    /// "BODY.PEEK[HEADER]", ...) with optional modifiers such as
    /// "CHANGEDSINCE 42". Concurrent UID FETCHes of disjoint sets are
    /// pipelined and each caller gets exactly its own messages.
    template <typename Token = use_awaitable_t>
    auto fetch(sequence_set messages, std::vector<std::string> items,
               std::vector<std::string> modifiers = {}, Token&& token = {}) {
        return initiate<fetch_result>(token, [this, m = std::move(messages), i = std::move(items),
                                              mod = std::move(modifiers)](auto h) mutable {
            start_fetch(std::move(m), std::move(i), std::move(mod), std::move(h));
        });
    }

    /// APPEND a message (RFC 5322 bytes) with optional flags and internal
    /// date. Uses LITERAL+/LITERAL- when offered; otherwise waits for the
    /// server's "+" without stalling other readers.
    template <typename Token = use_awaitable_t>
    auto append(std::string folder, std::string message, std::vector<std::string> flags = {},
                std::optional<datetime> msg_time = {}, Token&& token = {}) {
        return initiate<append_result>(token, [this, f = std::move(folder), m = std::move(message),
                                               fl = std::move(flags), t = msg_time](auto h) mutable {
            start_append(std::move(f), std::move(m), std::move(fl), t, std::move(h));
        });
    }

    /// The escape hatch: sends "<tag> <command_line>" and returns every
    /// untagged response that came while it ran with the tagged reply. The
    /// line must be 7-bit text without CR/LF/NUL. It is a barrier: nothing
    /// else is on the wire with it, so its data is unambiguous.
    template <typename Token = use_awaitable_t>
    auto raw_command(std::string command_line, Token&& token = {}) {
        return initiate<command_result>(token, [this, l = std::move(command_line)](auto h) mutable {
            start_raw(std::move(l), std::move(h));
        });
    }

    // ---- events -------------------------------------------------------

    /// The next unsolicited event (EXISTS, EXPUNGE, FETCH flag changes,
    /// ALERT, BYE, ...), waiting for one if none is queued. After the
    /// connection_closed event, further calls complete with not_connected.
    /// Cancellation: the wait ends with operation_aborted; nothing is lost.
    template <typename Token = use_awaitable_t>
    auto next_event(Token&& token = {}) {
        return initiate<event>(token, [this](auto h) { start_next_event(std::move(h)); });
    }

    // ---- IDLE, as in the seed --------------------------------------------

    /// IDLE (RFC 2177): completes once the server accepted it ("+"). While
    /// idling, what the server says is collected by idle_check(). A command
    /// issued meanwhile ends IDLE first (DONE, tagged OK), then runs;
    /// idle_done() then just reports. The read timeout does not apply to an
    /// accepted IDLE. Errors: capability_missing without IDLE,
    /// illegal_state when already idling.
    template <typename Token = use_awaitable_t>
    auto idle(Token&& token = {}) {
        return initiate<command_result>(token, [this](auto h) { start_idle(std::move(h)); });
    }

    /// Waits up to `timeout` for the server to say something while idling
    /// and returns all of it (empty after a quiet timeout), e.g. EXISTS,
    /// EXPUNGE, FETCH with FLAGS, "OK Still here". Cancellation ends the
    /// wait early with operation_aborted and loses nothing.
    template <typename Token = use_awaitable_t>
    auto idle_check(std::chrono::milliseconds timeout, Token&& token = {}) {
        return initiate<idle_result>(token, [this, timeout](auto h) { start_idle_check(timeout, std::move(h)); });
    }

    /// Ends IDLE (DONE) and waits for its tagged reply, bounded by the read
    /// timeout: a dead network fails with errc::timeout instead of hanging.
    /// Returns what arrived since the last idle_check().
    template <typename Token = use_awaitable_t>
    auto idle_done(Token&& token = {}) {
        return initiate<idle_result>(token, [this](auto h) { start_idle_done(std::move(h)); });
    }

    /// The push listener: keeps the selected mailbox under IDLE (or NOOP
    /// polling when the server lacks IDLE) until cancelled or the connection
    /// fails, renewing IDLE every options.renew_interval. What the server
    /// pushes arrives through next_event(). Other coroutines may issue
    /// commands meanwhile: IDLE ends (DONE), they run, IDLE resumes.
    /// Completes with operation_aborted after a cancellation (IDLE ended
    /// cleanly, or the connection closed when DONE was not answered within
    /// `grace`), or with the abort error that ended the connection.
    template <typename Token = use_awaitable_t>
    auto listen(listen_options options = {}, Token&& token = {}) {
        return initiate<command_result>(token, [this, options](auto h) { start_listen(options, std::move(h)); });
    }

    bool use_uid() const noexcept;
    void set_use_uid(bool on) noexcept;

    struct impl;

private:
    template <typename T, typename Token, typename Start>
    auto initiate(Token& token, Start&& start) {
        return boost::asio::async_initiate<Token, void(error_code, T)>(
            [ex = get_executor()](auto handler, auto start) {
                // Work is tracked on the handler's executor until it has run,
                // as Asio requires of an initiating function.
                boost::asio::any_io_executor handler_ex = boost::asio::prefer(
                    boost::asio::get_associated_executor(handler, ex), boost::asio::execution::outstanding_work.tracked);
                start(result_handler<T>{
                    boost::asio::any_completion_handler<void(error_code, T)>(std::move(handler)),
                    std::move(handler_ex)});
            },
            token, std::forward<Start>(start));
    }

    void start_connect(result_handler<connect_result> h);
    void start_login(std::string user, std::string password, result_handler<command_result> h);
    void start_simple(std::string_view command, result_handler<command_result> h);
    void start_select(std::string folder, bool readonly, result_handler<select_result> h);
    void start_search(search_criteria criteria, std::string charset, result_handler<search_result> h);
    void start_fetch(sequence_set messages, std::vector<std::string> items, std::vector<std::string> modifiers,
                     result_handler<fetch_result> h);
    void start_append(std::string folder, std::string message, std::vector<std::string> flags,
                      std::optional<datetime> msg_time, result_handler<append_result> h);
    void start_raw(std::string line, result_handler<command_result> h);
    void start_next_event(result_handler<event> h);
    void start_idle(result_handler<command_result> h);
    void start_idle_check(std::chrono::milliseconds timeout, result_handler<idle_result> h);
    void start_idle_done(result_handler<idle_result> h);
    void start_listen(listen_options options, result_handler<command_result> h);

    // Kept outside the impl so that a moved-from client can still complete
    // operations (with not_connected) on the executor it was given.
    executor_type executor_;
    std::shared_ptr<impl> impl_;
};

}  // namespace imapclient
