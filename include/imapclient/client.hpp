// The IMAP client: one connection, any number of concurrent callers.
//
//   imapclient::client c(executor, {.host = "imap.example.com"});
//   co_await c.connect();                       // TLS on 993 by default
//   co_await c.login("user", "secret");
//   auto info = co_await c.select_folder("INBOX");
//   auto ids  = co_await c.search({"NOT", "DELETED"});
//   auto msgs = co_await c.fetch(ids.ids, {"FLAGS", "RFC822.SIZE"});
//
// Every operation is also a parameters struct in imapclient::ops (see
// <imapclient/results.hpp>) that names its result type, so the same call can
// be written `ops::fetch op{.messages = ids.ids, .items = {"FLAGS"}}; co_await c.run(std::move(op));`
// (built beforehand: GCC 12 miscompiles braced lists inside co_await expressions).
#pragma once

#include <imapclient/body_stream.hpp>
#include <imapclient/error.hpp>
#include <imapclient/event.hpp>
#include <imapclient/mailbox.hpp>
#include <imapclient/metrics.hpp>
#include <imapclient/options.hpp>
#include <imapclient/results.hpp>
#include <imapclient/sasl.hpp>
#include <imapclient/search.hpp>
#include <imapclient/sequence_set.hpp>
#include <imapclient/tls.hpp>
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
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace imapclient {

/// The system flags (Python IMAPClient's DELETED, SEEN, ... constants).
inline constexpr char DELETED[] = "\\Deleted";
inline constexpr char SEEN[] = "\\Seen";
inline constexpr char ANSWERED[] = "\\Answered";
inline constexpr char FLAGGED[] = "\\Flagged";
inline constexpr char DRAFT[] = "\\Draft";
inline constexpr char RECENT[] = "\\Recent";

/// A type-erased completion handler with the executor it must run on
/// (captured before erasure, so that completions honour the caller's
/// executor whatever it is).
template <typename T>
struct result_handler {
    boost::asio::any_completion_handler<void(error_code, T)> handler;
    boost::asio::any_io_executor executor;
};

namespace detail {
/// Erases an initiating function's handler; work is tracked on its
/// executor (`fallback` when it has none) until it has run, as Asio
/// requires of an initiating function.
template <typename T, typename Handler>
result_handler<T> erase_handler(Handler&& handler, const boost::asio::any_io_executor& fallback) {
    boost::asio::any_io_executor ex = boost::asio::prefer(boost::asio::get_associated_executor(handler, fallback),
                                                          boost::asio::execution::outstanding_work.tracked);
    return {boost::asio::any_completion_handler<void(error_code, T)>(std::forward<Handler>(handler)), std::move(ex)};
}
}  // namespace detail

/// One IMAP connection shared by any number of coroutines.
///
/// Every operation is an Asio asynchronous operation: it takes any
/// completion token (callbacks, use_future, deferred, as_tuple(...)), and by
/// default (imapclient::use_awaitable) returns an awaitable that throws the
/// matching imapclient::error subclass on failure. The completion signature
/// is void(error_code, Result); Result::status holds the server's tagged
/// reply. NO and BAD complete with errc::no / errc::bad and the server's text.
///
/// Operations issued concurrently are pipelined on the one connection as
/// far as the protocol allows (RFC 9051 5.5). Refusals (not connected, no
/// mailbox selected, capability missing, read-only mailbox) complete at
/// once and send nothing.
///
/// **Connection loss**: on connection loss, BYE or a timeout, every pending
/// operation completes promptly with an abort error (imapclient::is_abort(ec),
/// the connection's close reason); later ones with errc::not_connected.
///
/// **Cancellation** (Asio cancellation slots, e.g. a timer raced with `||`):
/// an operation not yet written is withdrawn; one already written is
/// abandoned (its late data is discarded) and the connection stays usable,
/// except during a synchronizing literal, where the connection is closed
/// (errc::literal_cancelled). Either way it completes with
/// operation_aborted. Operations of several commands stop at the one that
/// was cancelled.
///
/// The client is not thread-safe in the Asio sense: it runs on a strand of
/// the executor it was given, and may be used from any thread of that
/// executor's context; the accessors (capabilities(), mailbox(), ...) must
/// be called on that strand. metrics() is the exception: any thread.
class client {
public:
    using executor_type = boost::asio::any_io_executor;
    using append_message = ops::append_message;
    using stream_append_message = ops::stream_append_message;

    client(executor_type executor, client_options options);
    client(client&&) noexcept;
    client& operator=(client&&) noexcept;
    /// Closes the connection (without LOGOUT); pending operations complete
    /// with an abort error.
    ~client();

    executor_type get_executor() const noexcept;
    const client_options& options() const noexcept;

    /// Runs any operation of imapclient::ops: `co_await c.run(ops::noop{})`.
    /// Each client method below is this with the method's arguments.
    template <typename Op, typename Token = use_awaitable_t>
    auto run(Op op, Token&& token = {}) {
        return initiate(impl_, get_executor(), std::move(op), std::forward<Token>(token));
    }

    // ---- session ----------------------------------------------------------

    /// Opens the connection (TCP, TLS or STARTTLS per options().security),
    /// reads the greeting and the capabilities (CAPABILITY when the greeting
    /// had none). Returns the greeting and capabilities. A PREAUTH greeting
    /// when TLS was required, or a server without STARTTLS in starttls mode,
    /// is errc::tls_required: nothing is sent in clear text then. Bounded by
    /// options().connect_timeout (errc::timeout). Cancellation closes the
    /// half-open connection (operation_aborted).
    template <typename Token = use_awaitable_t>
    auto connect(Token&& token = {}) {
        return run(ops::connect{}, std::forward<Token>(token));
    }

    /// Sends LOGIN; returns the server's reply. Refused before sending
    /// (errc::plaintext_login_refused) without TLS unless
    /// options().allow_plaintext_login, and when the server says
    /// LOGINDISABLED. NO is errc::login_failed. Sends CAPABILITY afterwards
    /// when the OK did not carry them, and COMPRESS with options().compress.
    template <typename Token = use_awaitable_t>
    auto login(std::string username, std::string password, Token&& token = {}) {
        return run(ops::login{std::move(username), std::move(password)}, std::forward<Token>(token));
    }

    /// Signs in with credentials from `provider` (empty:
    /// options().credentials), with the mechanism they name or else the best
    /// the server offers (choose_mechanism() in credentials.hpp). When the
    /// server refuses an access token (an expired one), the provider is
    /// asked again (credential_request::attempt 1) and the sign-in tried
    /// again, up to max_refreshes times, so a refresh never reaches the
    /// caller. Errors as login()/sasl_login(); capability_missing when the
    /// server offers no mechanism for these credentials; a provider that
    /// throws fails with its error code (credentials_unavailable for a
    /// plain exception) and text.
    template <typename Token = use_awaitable_t>
    auto sign_in(credential_provider provider = {}, Token&& token = {}) {
        return run(ops::sign_in{std::move(provider)}, std::forward<Token>(token));
    }

    /// Sends AUTHENTICATE with any SASL mechanism (Python IMAPClient's
    /// sasl_login()); see sasl.hpp for the built-in ones. The same
    /// clear-text rules and result as login(); capability_missing unless the
    /// server offers AUTH=<name>. A mechanism that cancels fails with
    /// errc::sasl_cancelled and its reason (a server that accepts a
    /// cancelled exchange is disconnected).
    template <typename Token = use_awaitable_t>
    auto sasl_login(sasl_mechanism mechanism, Token&& token = {}) {
        return run(ops::authenticate{std::move(mechanism)}, std::forward<Token>(token));
    }

    /// AUTHENTICATE PLAIN (Python IMAPClient's plain_login()); as sasl_login().
    template <typename Token = use_awaitable_t>
    auto plain_login(std::string username, std::string password, std::string authorization_identity = {},
                     Token&& token = {}) {
        return sasl_login(sasl::plain(std::move(username), std::move(password), std::move(authorization_identity)),
                          std::forward<Token>(token));
    }

    /// AUTHENTICATE XOAUTH2, or OAUTHBEARER when mech is "OAUTHBEARER"
    /// (Python IMAPClient's oauth2_login(user, access_token, mech, vendor));
    /// as sasl_login().
    template <typename Token = use_awaitable_t>
    auto oauth2_login(std::string user, std::string access_token, std::string mech = "XOAUTH2", std::string vendor = {},
                      Token&& token = {}) {
        sasl_mechanism m =
            iequals(mech, "OAUTHBEARER")
                ? sasl::oauthbearer(std::move(user), std::move(access_token), options().host, options().port)
                : sasl::xoauth2(std::move(user), std::move(access_token), std::move(vendor));
        return sasl_login(std::move(m), std::forward<Token>(token));
    }

    /// AUTHENTICATE OAUTHBEARER (RFC 7628) naming this connection's host and
    /// port; as sasl_login().
    template <typename Token = use_awaitable_t>
    auto oauthbearer_login(std::string identity, std::string access_token, Token&& token = {}) {
        return sasl_login(
            sasl::oauthbearer(std::move(identity), std::move(access_token), options().host, options().port),
            std::forward<Token>(token));
    }

    /// Gmail's legacy OAuth 1.0a XOAUTH (Python IMAPClient's oauth_login());
    /// as sasl_login().
    template <typename Token = use_awaitable_t>
    auto oauth_login(std::string url, std::string oauth_token, std::string oauth_token_secret,
                     std::string consumer_key = "anonymous", std::string consumer_secret = "anonymous",
                     Token&& token = {}) {
        return sasl_login(sasl::xoauth(std::move(url), std::move(oauth_token), std::move(oauth_token_secret),
                                       std::move(consumer_key), std::move(consumer_secret)),
                          std::forward<Token>(token));
    }

    /// Sends LOGOUT, then closes the connection; returns the reply (the BYE
    /// that comes first is expected, and in the result's responses). A
    /// server that sends the BYE and nothing more has answered: the BYE is
    /// then the result's status, with no wait for the timeout.
    template <typename Token = use_awaitable_t>
    auto logout(Token&& token = {}) {
        return run(ops::logout{}, std::forward<Token>(token));
    }

    /// Closes the connection without LOGOUT. Pending operations complete
    /// with errc::not_connected.
    void shutdown();

    /// Sends NOOP; returns the untagged data that came while it ran (which
    /// also went to the mailbox state and the events).
    template <typename Token = use_awaitable_t>
    auto noop(Token&& token = {}) {
        return run(ops::noop{}, std::forward<Token>(token));
    }

    /// Sends CAPABILITY; capabilities() then holds the answer.
    template <typename Token = use_awaitable_t>
    auto refresh_capabilities(Token&& token = {}) {
        return run(ops::capability{}, std::forward<Token>(token));
    }

    /// Sends STARTTLS on a connection opened with security::plain (Python
    /// IMAPClient's starttls()), verified with `ssl_context`, else
    /// options().ssl_context, else create_default_context(); then
    /// CAPABILITY over TLS, whose answer is the result. Only before login,
    /// with nothing else pending. errc::capability_missing without
    /// STARTTLS, illegal_state when TLS is on; a refusal or a failed
    /// handshake is errc::tls_required and closes the connection.
    template <typename Token = use_awaitable_t>
    auto starttls(std::shared_ptr<boost::asio::ssl::context> ssl_context = {}, Token&& token = {}) {
        return run(ops::starttls{std::move(ssl_context)}, std::forward<Token>(token));
    }

    /// Sends COMPRESS DEFLATE (RFC 4978): from the server's OK on, every
    /// byte both ways is DEFLATE-compressed (headers and bodies shrink
    /// 3-10x). Only once logged in; capability_missing without
    /// COMPRESS=DEFLATE, illegal_state when already on or asked for. It
    /// waits for the commands on the wire and holds new ones back until its
    /// reply. NO or BAD leaves the connection uncompressed and usable.
    /// Compressed data that cannot be decoded closes the connection
    /// (errc::framing_error); max_line / max_literal apply to the decoded
    /// bytes. A cancelled COMPRESS that the server accepts still turns
    /// compression on.
    template <typename Token = use_awaitable_t>
    auto compress(Token&& token = {}) {
        return run(ops::compress{}, std::forward<Token>(token));
    }
    /// True once COMPRESS was answered OK on this connection.
    bool is_compressed() const;

    /// Sends ENABLE (RFC 5161), e.g. {"CONDSTORE"} or {"UTF8=ACCEPT"};
    /// returns what the server enabled. capability_missing without ENABLE.
    /// After UTF8=ACCEPT or IMAP4rev2, folder names go and come as UTF-8
    /// (no modified UTF-7); under IMAP4rev2, list_sub_folders() sends LIST
    /// (SUBSCRIBED), since rev2 has no LSUB, and SEARCH's ESEARCH answers
    /// are read as ever.
    template <typename Token = use_awaitable_t>
    auto enable(std::vector<std::string> capabilities, Token&& token = {}) {
        return run(ops::enable{std::move(capabilities)}, std::forward<Token>(token));
    }
    /// Whether ENABLE turned this extension on ("QRESYNC"; enabling QRESYNC
    /// enables "CONDSTORE" too).
    bool is_enabled(std::string_view capability) const;

    /// Sends ID (RFC 2971) with these fields ({"name", "imapclient"}, ...;
    /// none sends ID NIL); returns the server's. capability_missing without ID.
    template <typename Token = use_awaitable_t>
    auto id_(std::vector<std::pair<std::string, std::string>> parameters = {}, Token&& token = {}) {
        return run(ops::id{std::move(parameters)}, std::forward<Token>(token));
    }

    /// The escape hatch: sends "<tag> <command_line>" and returns every
    /// untagged response that came while it ran with the tagged reply. The
    /// line must be 7-bit text without CR/LF/NUL (invalid_argument). It is a
    /// barrier: nothing else is on the wire with it, so its data is
    /// unambiguous.
    template <typename Token = use_awaitable_t>
    auto raw_command(std::string command_line, Token&& token = {}) {
        return run(ops::raw_command{std::move(command_line)}, std::forward<Token>(token));
    }

    /// The capabilities last announced (upper-cased).
    std::vector<std::string> capabilities() const;
    bool has_capability(std::string_view capability) const;
    /// The greeting's text (Python IMAPClient's welcome).
    std::string welcome() const;

    /// A snapshot of this client's per-command counts and latencies (see
    /// <imapclient/metrics.hpp>), since it was constructed. Unlike the
    /// other accessors it may be called from any thread: the counters have
    /// a mutex of their own, held only to copy them. A moved-from client
    /// returns an empty snapshot.
    command_metrics metrics() const;

    // ---- mailboxes --------------------------------------------------------

    /// Sends SELECT, or EXAMINE when readonly (folder name in UTF-8);
    /// returns the mailbox's counts and flags. A failed SELECT leaves no
    /// mailbox selected.
    ///
    /// The calls that need a selected mailbox (fetch, search, store, ...)
    /// run in the mailbox selected when they are called: if another
    /// caller's SELECT reaches the server first, they fail with
    /// errc::mailbox_changed instead of running in its mailbox, and their
    /// results name the mailbox they ran in (`ran_in`). Coroutines that
    /// work in different mailboxes on one client should each hold a
    /// lease_folder(), which keeps their mailbox selected for them.
    template <typename Token = use_awaitable_t>
    auto select_folder(std::string folder, bool readonly = false, Token&& token = {}) {
        return run(ops::select_folder{std::move(folder), readonly}, std::forward<Token>(token));
    }

    /// Sends CLOSE: expunges deleted messages (unless read-only) and
    /// deselects.
    template <typename Token = use_awaitable_t>
    auto close_folder(Token&& token = {}) {
        return run(ops::close_folder{}, std::forward<Token>(token));
    }

    /// Sends UNSELECT (RFC 3691): deselects without expunging. Without
    /// UNSELECT, EXAMINEs a folder that cannot exist, after which nothing is
    /// selected (Python IMAPClient's fallback). Needs a selected mailbox.
    template <typename Token = use_awaitable_t>
    auto unselect_folder(Token&& token = {}) {
        return run(ops::unselect_folder{}, std::forward<Token>(token));
    }

    /// Waits until this connection can have `folder` selected for the
    /// caller (SELECT, or EXAMINE when readonly, unless it is selected
    /// already) and returns a lease on it: the operations run through the
    /// lease run in that mailbox, or fail (errc::mailbox_changed) if it
    /// stops being selected (a new UIDVALIDITY, another caller's plain
    /// select_folder()); never in another one. Leases of the same folder
    /// and mode share the connection and pipeline together; a lease of
    /// another folder waits, in order of arrival, until they are all
    /// released (the leases' destructors release them), at most
    /// options().lease_wait_timeout (then errc::lease_timeout).
    /// Cancellation withdraws a waiting request (operation_aborted). A
    /// SELECT that fails is this call's error.
    template <typename Token = use_awaitable_t>
    auto lease_folder(std::string folder, bool readonly = false, Token&& token = {}) {
        return run(ops::lease_folder{std::move(folder), readonly}, std::forward<Token>(token));
    }

    /// The selected mailbox as the client knows it (kept current).
    const mailbox_state& mailbox() const noexcept;

    /// Sends LIST; returns every folder under `directory` matching `pattern`
    /// ("*" any characters, "%" any but the delimiter).
    template <typename Token = use_awaitable_t>
    auto list_folders(std::string directory = {}, std::string pattern = "*", Token&& token = {}) {
        return run(ops::list_folders{std::move(directory), std::move(pattern), list_command::list},
                   std::forward<Token>(token));
    }

    /// Sends LSUB; returns the subscribed folders, as list_folders().
    template <typename Token = use_awaitable_t>
    auto list_sub_folders(std::string directory = {}, std::string pattern = "*", Token&& token = {}) {
        return run(ops::list_folders{std::move(directory), std::move(pattern), list_command::lsub},
                   std::forward<Token>(token));
    }

    /// Sends XLIST (Gmail's deprecated extension), as list_folders(). Not
    /// refused without the XLIST capability: Dovecot answers it unannounced.
    template <typename Token = use_awaitable_t>
    auto xlist_folders(std::string directory = {}, std::string pattern = "*", Token&& token = {}) {
        return run(ops::list_folders{std::move(directory), std::move(pattern), list_command::xlist},
                   std::forward<Token>(token));
    }

    /// The folder carrying a SPECIAL-USE attribute (RFC 6154) such as
    /// "\\Sent" or "\\Trash" (XLIST's attributes on servers with XLIST), or
    /// failing that the first folder with a common name for it ("Sent",
    /// "Sent Items", ...) in the personal namespaces. Sends LIST, then XLIST
    /// and NAMESPACE where offered and needed. nullopt when none.
    template <typename Token = use_awaitable_t>
    auto find_special_folder(std::string attribute, Token&& token = {}) {
        return run(ops::find_special_folder{std::move(attribute)}, std::forward<Token>(token));
    }

    /// Sends LIST of the name; true when a folder of exactly this name
    /// exists.
    template <typename Token = use_awaitable_t>
    auto folder_exists(std::string folder, Token&& token = {}) {
        return run(ops::folder_exists{std::move(folder)}, std::forward<Token>(token));
    }

    /// Sends STATUS; `what` defaults to Python IMAPClient's MESSAGES RECENT
    /// UIDNEXT UIDVALIDITY UNSEEN. Returns the items the server sent.
    template <typename Token = use_awaitable_t>
    auto folder_status(std::string folder, std::vector<std::string> what = {}, Token&& token = {}) {
        return run(ops::folder_status{std::move(folder), std::move(what)}, std::forward<Token>(token));
    }

    /// Sends CREATE.
    template <typename Token = use_awaitable_t>
    auto create_folder(std::string folder, Token&& token = {}) {
        return run(ops::create_folder{std::move(folder), {}}, std::forward<Token>(token));
    }
    /// Sends CREATE with special-use attributes, e.g. {"\\Archive"}
    /// (CREATE-SPECIAL-USE, RFC 6154; capability_missing without it).
    template <typename Token = use_awaitable_t>
    auto create_special_folder(std::string folder, std::vector<std::string> special_use, Token&& token = {}) {
        return run(ops::create_folder{std::move(folder), std::move(special_use)}, std::forward<Token>(token));
    }
    /// Sends DELETE.
    template <typename Token = use_awaitable_t>
    auto delete_folder(std::string folder, Token&& token = {}) {
        return run(ops::delete_folder{std::move(folder)}, std::forward<Token>(token));
    }
    /// Sends RENAME.
    template <typename Token = use_awaitable_t>
    auto rename_folder(std::string old_name, std::string new_name, Token&& token = {}) {
        return run(ops::rename_folder{std::move(old_name), std::move(new_name)}, std::forward<Token>(token));
    }
    /// Sends SUBSCRIBE.
    template <typename Token = use_awaitable_t>
    auto subscribe_folder(std::string folder, Token&& token = {}) {
        return run(ops::subscribe_folder{std::move(folder)}, std::forward<Token>(token));
    }
    /// Sends UNSUBSCRIBE.
    template <typename Token = use_awaitable_t>
    auto unsubscribe_folder(std::string folder, Token&& token = {}) {
        return run(ops::unsubscribe_folder{std::move(folder)}, std::forward<Token>(token));
    }

    /// Sends LIST with LIST-EXTENDED selection and return options, several
    /// patterns at once, and with `options.status` the STATUS of every
    /// folder in the same round trip (LIST-STATUS): a folder tree with its
    /// counts for one command. capability_missing without LIST-EXTENDED
    /// (LIST-STATUS, SPECIAL-USE for those options).
    template <typename Token = use_awaitable_t>
    auto list_extended(std::string directory = {}, list_options options = {}, Token&& token = {}) {
        return run(ops::list_extended{std::move(directory), std::move(options)}, std::forward<Token>(token));
    }

    /// Sends NAMESPACE (Python IMAPClient's namespace(); `namespace` is a
    /// C++ keyword); capability_missing without it.
    template <typename Token = use_awaitable_t>
    auto namespace_(Token&& token = {}) {
        return run(ops::namespace_{}, std::forward<Token>(token));
    }

    // ---- messages ---------------------------------------------------------
    // Message sets are UIDs when use_uid() (the default), else sequence
    // numbers; results are keyed the same way. All need a selected mailbox.

    /// Sends SEARCH (UID SEARCH when use_uid): a list of criteria items or
    /// one raw string, as in Python IMAPClient; an 8-bit item adds CHARSET
    /// UTF-8. Returns the matching ids (and MODSEQ with CONDSTORE criteria).
    template <typename Token = use_awaitable_t>
    auto search(search_criteria criteria = "ALL", std::string charset = {}, Token&& token = {}) {
        return run(ops::search{std::move(criteria), std::move(charset)}, std::forward<Token>(token));
    }

    /// Sends SORT (RFC 5256), e.g. sort({"REVERSE", "DATE"}, {"UNSEEN"});
    /// returns the ids in the server's order. capability_missing without SORT.
    template <typename Token = use_awaitable_t>
    auto sort(std::vector<std::string> sort_criteria, search_criteria criteria = "ALL", std::string charset = "UTF-8",
              Token&& token = {}) {
        return run(ops::sort{std::move(sort_criteria), std::move(criteria), std::move(charset)},
                   std::forward<Token>(token));
    }

    /// Sends SEARCH RETURN (...) (ESEARCH, RFC 4731): the count, lowest and
    /// highest match and all matches as a compact set, instead of every id;
    /// with returns.save the matches stay on the server as "$" (SEARCHRES,
    /// RFC 5182) for the next commands of this connection, e.g.
    /// fetch("$", {"FLAGS"}). capability_missing without ESEARCH (SEARCHRES).
    template <typename Token = use_awaitable_t>
    auto esearch(search_criteria criteria, search_return returns, std::string charset = {}, Token&& token = {}) {
        return run(ops::esearch{std::move(criteria), returns, std::move(charset)}, std::forward<Token>(token));
    }

    /// Sends SORT RETURN (...) (ESORT, RFC 5267): as esearch(), with ALL in
    /// the sort order (esearch_result::sorted). capability_missing without ESORT.
    template <typename Token = use_awaitable_t>
    auto esort(std::vector<std::string> sort_criteria, search_criteria criteria, search_return returns,
               std::string charset = "UTF-8", Token&& token = {}) {
        return run(ops::esort{std::move(sort_criteria), std::move(criteria), returns, std::move(charset)},
                   std::forward<Token>(token));
    }

    /// Sends THREAD (RFC 5256) with "REFERENCES" or "ORDEREDSUBJECT";
    /// returns the threads. capability_missing without THREAD=<algorithm>.
    template <typename Token = use_awaitable_t>
    auto thread(std::string algorithm = "REFERENCES", search_criteria criteria = "ALL", std::string charset = "UTF-8",
                Token&& token = {}) {
        return run(ops::thread{std::move(algorithm), std::move(criteria), std::move(charset)},
                   std::forward<Token>(token));
    }

    /// Sends SEARCH X-GM-RAW ("has:attachment in:unread"), Gmail only
    /// (capability_missing without X-GM-EXT-1).
    template <typename Token = use_awaitable_t>
    auto gmail_search(std::string query, std::string charset = "UTF-8", Token&& token = {}) {
        return run(ops::gmail_search{std::move(query), std::move(charset)}, std::forward<Token>(token));
    }

    /// Sends FETCH (UID FETCH when use_uid) of `items` ("FLAGS", "ENVELOPE",
    /// "BODY.PEEK[HEADER]", ...) with optional modifiers such as
    /// "CHANGEDSINCE 42"; returns the messages. Concurrent UID FETCHes of
    /// disjoint sets are pipelined and each caller gets exactly its own
    /// messages. A server's NO with some data ("some messages no longer
    /// exist") keeps the data that came.
    template <typename Token = use_awaitable_t>
    auto fetch(sequence_set messages, std::vector<std::string> items, std::vector<std::string> modifiers = {},
               Token&& token = {}) {
        return run(ops::fetch{std::move(messages), std::move(items), std::move(modifiers)}, std::forward<Token>(token));
    }

    /// Streams one body section of one message into `sink` (a file, a
    /// socket, a coroutine: see body_stream.hpp) as it is read: any size in
    /// bounded memory, a slow sink slowing the connection rather than
    /// filling memory. `section` is "" for the whole message, else "1.2",
    /// "HEADER", "TEXT", ...; see ops::stream_fetch for BINARY, partial
    /// fetches and \Seen. Returns the bytes written. A message the server
    /// does not send is errc::message_missing; a failing sink is
    /// errc::stream_failed (its error in sink_error) and the connection stays
    /// usable. On cancellation or connection loss the sink has a part and is
    /// told so by finish(ec); the rest of a cancelled body is read and dropped.
    template <typename Token = use_awaitable_t>
    auto stream_fetch(std::uint32_t message, std::shared_ptr<body_sink> sink, std::string section = {},
                      Token&& token = {}) {
        ops::stream_fetch op;
        op.message = message;
        op.sink = std::move(sink);
        op.section = std::move(section);
        return run(std::move(op), std::forward<Token>(token));
    }

    /// Streams a body section into `sink` in partial fetches of `chunk`
    /// bytes, for servers that cap one literal's size; starts at `offset`
    /// to resume (with file_sink(path, true)). As stream_fetch().
    template <typename Token = use_awaitable_t>
    auto download(std::uint32_t message, std::shared_ptr<body_sink> sink, std::uint32_t offset = 0,
                  std::uint32_t chunk = 16u << 20, Token&& token = {}) {
        ops::download op;
        op.message = message;
        op.sink = std::move(sink);
        op.offset = offset;
        op.chunk = chunk;
        return run(std::move(op), std::forward<Token>(token));
    }

    /// Sends APPEND of a message (RFC 5322 bytes) with optional flags and
    /// internal date; returns the new UID with UIDPLUS. Uses LITERAL+ /
    /// LITERAL- when offered; otherwise waits for the server's "+" without
    /// stalling other readers. Needs no selected mailbox.
    template <typename Token = use_awaitable_t>
    auto append(std::string folder, std::string message, std::vector<std::string> flags = {},
                std::optional<datetime> msg_time = {}, Token&& token = {}) {
        return run(ops::append{std::move(folder), std::move(message), std::move(flags), msg_time},
                   std::forward<Token>(token));
    }

    /// Sends MULTIAPPEND (RFC 3502): all messages in one command,
    /// atomically; returns their UIDs with UIDPLUS. capability_missing
    /// without MULTIAPPEND.
    template <typename Token = use_awaitable_t>
    auto multiappend(std::string folder, std::vector<append_message> messages, Token&& token = {}) {
        return run(ops::multiappend{std::move(folder), std::move(messages)}, std::forward<Token>(token));
    }

    /// APPEND of a message read from `message` (file_source(), ...) while
    /// it is written, 64 KiB at a time: a 1 GB message needs no more memory
    /// than a small one, and the other callers' commands go on around it
    /// (the ones queued behind it are written once its literal is out).
    /// Bigger than 4096 bytes, it waits for the server's "+" even with
    /// LITERAL+, so a refusal (too big, no such folder) costs no upload.
    /// `binary` sends a literal8 when the server offers BINARY. A source
    /// that fails or ends before its size() closes the connection (the
    /// server is owed the announced bytes): the append completes with
    /// errc::stream_failed and the source's error in its text. Cancelling it
    /// while its literal is written closes the connection too
    /// (errc::literal_cancelled).
    template <typename Token = use_awaitable_t>
    auto stream_append(std::string folder, std::shared_ptr<body_source> message, std::vector<std::string> flags = {},
                       std::optional<datetime> msg_time = {}, bool binary = false, Token&& token = {}) {
        return run(ops::stream_append{std::move(folder), std::move(message), std::move(flags), msg_time, binary},
                   std::forward<Token>(token));
    }

    /// MULTIAPPEND (RFC 3502) of messages read from sources as they are
    /// written, as stream_append() does for one; atomic on the server;
    /// returns their UIDs with UIDPLUS. capability_missing without
    /// MULTIAPPEND.
    template <typename Token = use_awaitable_t>
    auto stream_multiappend(std::string folder, std::vector<stream_append_message> messages, Token&& token = {}) {
        return run(ops::stream_multiappend{std::move(folder), std::move(messages)}, std::forward<Token>(token));
    }

    /// Sends COPY (UID COPY when use_uid); returns COPYUID's UIDs with
    /// UIDPLUS.
    template <typename Token = use_awaitable_t>
    auto copy(sequence_set messages, std::string folder, Token&& token = {}) {
        return run(ops::copy{std::move(messages), std::move(folder)}, std::forward<Token>(token));
    }

    /// Sends MOVE (RFC 6851; UID MOVE when use_uid); as copy(). Without
    /// the MOVE capability: COPY, then UID STORE \Deleted and UID EXPUNGE
    /// of exactly the UIDs COPYUID names (copy_result::moved_by_copy);
    /// without UIDPLUS/COPYUID the originals stay
    /// (copy_result::left_in_source). read_only in an EXAMINEd mailbox.
    template <typename Token = use_awaitable_t>
    auto move(sequence_set messages, std::string folder, Token&& token = {}) {
        return run(ops::move{std::move(messages), std::move(folder)}, std::forward<Token>(token));
    }

    /// Sends EXPUNGE; with messages (and use_uid), UID EXPUNGE of just those
    /// (RFC 4315, capability_missing without UIDPLUS), as Python IMAPClient's
    /// expunge(messages). Returns the sequence numbers expunged (or the UIDs
    /// VANISHED with QRESYNC). read_only in an EXAMINEd mailbox.
    template <typename Token = use_awaitable_t>
    auto expunge(std::optional<sequence_set> messages = std::nullopt, Token&& token = {}) {
        return run(ops::expunge{std::move(messages)}, std::forward<Token>(token));
    }

    /// Sends UID EXPUNGE of these UIDs, whatever use_uid says; as expunge().
    template <typename Token = use_awaitable_t>
    auto uid_expunge(sequence_set messages, Token&& token = {}) {
        return run(ops::uid_expunge{std::move(messages)}, std::forward<Token>(token));
    }

    // ---- flags and Gmail labels -------------------------------------------
    // Reading sends FETCH; changing sends STORE (read_only in an EXAMINEd
    // mailbox) and returns each message's flags afterwards (none when
    // silent: .SILENT). An empty message set returns {} without a command.

    /// Sends FETCH FLAGS.
    template <typename Token = use_awaitable_t>
    auto get_flags(sequence_set messages, Token&& token = {}) {
        return run(ops::get_flags{std::move(messages)}, std::forward<Token>(token));
    }
    /// Sends STORE +FLAGS.
    template <typename Token = use_awaitable_t>
    auto add_flags(sequence_set messages, std::vector<std::string> flags, bool silent = false, Token&& token = {}) {
        return run(ops::store_flags{std::move(messages), flag_change::add, std::move(flags), silent},
                   std::forward<Token>(token));
    }
    /// Sends STORE -FLAGS.
    template <typename Token = use_awaitable_t>
    auto remove_flags(sequence_set messages, std::vector<std::string> flags, bool silent = false, Token&& token = {}) {
        return run(ops::store_flags{std::move(messages), flag_change::remove, std::move(flags), silent},
                   std::forward<Token>(token));
    }
    /// Sends STORE FLAGS.
    template <typename Token = use_awaitable_t>
    auto set_flags(sequence_set messages, std::vector<std::string> flags, bool silent = false, Token&& token = {}) {
        return run(ops::store_flags{std::move(messages), flag_change::set, std::move(flags), silent},
                   std::forward<Token>(token));
    }
    /// Sends STORE +FLAGS (\\Deleted); expunge() removes them.
    template <typename Token = use_awaitable_t>
    auto delete_messages(sequence_set messages, bool silent = false, Token&& token = {}) {
        return add_flags(std::move(messages), {DELETED}, silent, std::forward<Token>(token));
    }

    /// Sends FETCH X-GM-LABELS (labels decoded from modified UTF-7);
    /// capability_missing without X-GM-EXT-1, as the other label methods.
    template <typename Token = use_awaitable_t>
    auto get_gmail_labels(sequence_set messages, Token&& token = {}) {
        return run(ops::get_gmail_labels{std::move(messages)}, std::forward<Token>(token));
    }
    /// Sends STORE +X-GM-LABELS.
    template <typename Token = use_awaitable_t>
    auto add_gmail_labels(sequence_set messages, std::vector<std::string> labels, bool silent = false,
                          Token&& token = {}) {
        return run(ops::store_gmail_labels{std::move(messages), flag_change::add, std::move(labels), silent},
                   std::forward<Token>(token));
    }
    /// Sends STORE -X-GM-LABELS.
    template <typename Token = use_awaitable_t>
    auto remove_gmail_labels(sequence_set messages, std::vector<std::string> labels, bool silent = false,
                             Token&& token = {}) {
        return run(ops::store_gmail_labels{std::move(messages), flag_change::remove, std::move(labels), silent},
                   std::forward<Token>(token));
    }
    /// Sends STORE X-GM-LABELS.
    template <typename Token = use_awaitable_t>
    auto set_gmail_labels(sequence_set messages, std::vector<std::string> labels, bool silent = false,
                          Token&& token = {}) {
        return run(ops::store_gmail_labels{std::move(messages), flag_change::set, std::move(labels), silent},
                   std::forward<Token>(token));
    }

    // ---- extensions: ACL, QUOTA -------------------------------------------
    // Refused up front (capability_missing) without ACL / QUOTA.

    /// Sends GETACL; returns (who, rights) pairs.
    template <typename Token = use_awaitable_t>
    auto getacl(std::string folder, Token&& token = {}) {
        return run(ops::getacl{std::move(folder)}, std::forward<Token>(token));
    }

    /// Sends SETACL; an empty `what` sends DELETEACL of the identifier.
    template <typename Token = use_awaitable_t>
    auto setacl(std::string folder, std::string who, std::string what, Token&& token = {}) {
        return run(ops::setacl{std::move(folder), std::move(who), std::move(what)}, std::forward<Token>(token));
    }

    /// Sends GETQUOTAROOT; returns the limits of the folder's quota roots.
    template <typename Token = use_awaitable_t>
    auto get_quota(std::string folder = "INBOX", Token&& token = {}) {
        return run(ops::get_quota{std::move(folder)}, std::forward<Token>(token));
    }

    /// Sends GETQUOTAROOT (RFC 9208); returns the roots and their limits.
    template <typename Token = use_awaitable_t>
    auto get_quota_root(std::string folder, Token&& token = {}) {
        return run(ops::get_quota_root{std::move(folder)}, std::forward<Token>(token));
    }

    /// Sends NOTIFY SET (RFC 5465): news of several mailboxes on this
    /// connection, through next_event() and listen() like the selected
    /// mailbox's (event_mailbox() tells them apart); with `status` the
    /// result has each watched mailbox's STATUS now. No groups sends NOTIFY
    /// NONE. capability_missing without NOTIFY.
    template <typename Token = use_awaitable_t>
    auto notify(std::vector<notify_group> groups, bool status = false, Token&& token = {}) {
        return run(ops::notify{std::move(groups), status}, std::forward<Token>(token));
    }

    /// Which mailbox an event is about: the one a STATUS, LIST or METADATA
    /// response names (NOTIFY's news of other mailboxes), decoded like
    /// every folder name; nullopt for everything else, which is about the
    /// selected mailbox (EXISTS, EXPUNGE, FETCH, VANISHED, FLAGS) or the
    /// connection.
    std::optional<std::string> event_mailbox(const event& e) const;

    /// Sends GETQUOTA of a quota root (a name from get_quota_root()).
    template <typename Token = use_awaitable_t>
    auto get_quota_by_root(std::string root, Token&& token = {}) {
        return run(ops::get_quota_by_root{std::move(root)}, std::forward<Token>(token));
    }

    /// Sends GETMETADATA (RFC 5464) of a folder's entries, or of the
    /// server's with folder "" ("/shared/admin", "/private/comment", ...).
    /// capability_missing without METADATA (METADATA-SERVER for "").
    template <typename Token = use_awaitable_t>
    auto get_metadata(std::string folder, std::vector<std::string> entries, Token&& token = {}) {
        return run(ops::get_metadata{std::move(folder), std::move(entries), std::nullopt, metadata_depth::zero},
                   std::forward<Token>(token));
    }

    /// Sends SETMETADATA: each entry to its value, or removed without one.
    template <typename Token = use_awaitable_t>
    auto set_metadata(std::string folder, std::vector<std::pair<std::string, std::optional<std::string>>> entries,
                      Token&& token = {}) {
        return run(ops::set_metadata{std::move(folder), std::move(entries)}, std::forward<Token>(token));
    }

    /// Sends SETQUOTA, one command per quota root (GETQUOTA after one whose
    /// reply carried no QUOTA); returns the limits the server reports. Stops
    /// at the first root refused.
    template <typename Token = use_awaitable_t>
    auto set_quota(std::vector<quota> quotas, Token&& token = {}) {
        return run(ops::set_quota{std::move(quotas)}, std::forward<Token>(token));
    }

    // ---- extensions: CONDSTORE and QRESYNC (RFC 7162) ----------------------

    /// Sends SELECT (EXAMINE when readonly) with "(QRESYNC (uidvalidity
    /// modseq ...))"; returns the select_result plus the UIDs expunged since
    /// `params.mod_seq` and the messages changed since, in one round trip.
    /// Needs QRESYNC offered (else capability_missing) and enabled with
    /// enable({"QRESYNC"}) (else illegal_state, nothing sent). Invalid params
    /// (zero uid_validity, modseq 0 or above 2^63-1) fail with
    /// invalid_argument. Check uid_validity_changed before using the rest.
    /// Once QRESYNC is enabled, expunges arrive as VANISHED responses
    /// (next_event()) instead of EXPUNGE; mailbox().exists follows both.
    template <typename Token = use_awaitable_t>
    auto select_folder_qresync(std::string folder, qresync_params params, bool readonly = false, Token&& token = {}) {
        return run(ops::select_folder_qresync{std::move(folder), std::move(params), readonly},
                   std::forward<Token>(token));
    }

    /// Sends FETCH (UID FETCH when use_uid) of `items` (none: FLAGS) with
    /// "(CHANGEDSINCE modseq)"; returns only messages whose modseq is above
    /// it, each with its MODSEQ. With `vanished` (UID FETCH only, QRESYNC
    /// enabled: illegal_state otherwise) also the UIDs of the set expunged
    /// since, "(CHANGEDSINCE m VANISHED)". Needs CONDSTORE
    /// (capability_missing otherwise).
    template <typename Token = use_awaitable_t>
    auto fetch_changed_since(sequence_set messages, std::uint64_t mod_seq, std::vector<std::string> items = {},
                             bool vanished = false, Token&& token = {}) {
        return run(ops::fetch_changed_since{std::move(messages), mod_seq, std::move(items), vanished},
                   std::forward<Token>(token));
    }

    /// Sends STORE (UID STORE when use_uid) "(UNCHANGEDSINCE modseq)" of
    /// FLAGS: only messages not changed since `unchanged_since` are stored;
    /// the others come back in `modified` ([MODIFIED ...]) for the caller to
    /// re-read and retry. Needs CONDSTORE (capability_missing), a writable
    /// mailbox (read_only).
    template <typename Token = use_awaitable_t>
    auto store_unchanged_since(sequence_set messages, flag_change change, std::vector<std::string> flags,
                               std::uint64_t unchanged_since, bool silent = false, Token&& token = {}) {
        return run(ops::store_unchanged_since{std::move(messages), change, std::move(flags), unchanged_since, silent},
                   std::forward<Token>(token));
    }

    // ---- events and IDLE --------------------------------------------------

    /// The next unsolicited event (EXISTS, EXPUNGE, FETCH flag changes,
    /// ALERT, BYE, ...), waiting for one if none is queued; sends nothing.
    /// After the connection_closed event, further calls complete with
    /// not_connected. Cancellation: the wait ends with operation_aborted;
    /// nothing is lost.
    template <typename Token = use_awaitable_t>
    auto next_event(Token&& token = {}) {
        return boost::asio::async_initiate<Token, void(error_code, event)>(
            [ex = get_executor(), this](auto handler) {
                start_next_event(detail::erase_handler<event>(std::move(handler), ex));
            },
            token);
    }

    /// Sends IDLE (RFC 2177) and completes once the server accepted it
    /// ("+"). While idling, what the server says is collected by
    /// idle_check(). A command issued meanwhile ends IDLE first (DONE,
    /// tagged OK), then runs; idle_done() then just reports. The read
    /// timeout does not apply to an accepted IDLE. capability_missing
    /// without IDLE, illegal_state when already idling; a cancelled idle()
    /// withdraws the IDLE.
    template <typename Token = use_awaitable_t>
    auto idle(Token&& token = {}) {
        return run(ops::idle{}, std::forward<Token>(token));
    }

    /// Sends nothing; waits up to `timeout` for the server to say something
    /// while idling and returns all of it (empty after a quiet timeout),
    /// e.g. EXISTS, EXPUNGE, FETCH with FLAGS, "OK Still here". A lost
    /// connection is its abort error, with the events that came before.
    /// Cancellation ends the wait early with operation_aborted and loses
    /// nothing.
    template <typename Token = use_awaitable_t>
    auto idle_check(std::chrono::milliseconds timeout, Token&& token = {}) {
        return run(ops::idle_check{timeout}, std::forward<Token>(token));
    }

    /// Sends DONE and waits for IDLE's tagged reply, bounded by the read
    /// timeout: a dead network fails with errc::timeout instead of hanging.
    /// Returns what arrived since the last idle_check().
    template <typename Token = use_awaitable_t>
    auto idle_done(Token&& token = {}) {
        return run(ops::idle_done{}, std::forward<Token>(token));
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
        return run(ops::listen{options}, std::forward<Token>(token));
    }

    /// Whether message sets are UIDs (Python IMAPClient's use_uid).
    bool use_uid() const noexcept;
    void set_use_uid(bool on) noexcept;

    struct impl;

private:
    friend class folder_lease;
    /// The initiating function of every operation (client::run() and
    /// folder_lease::run()): any completion token, the result delivered on
    /// the handler's executor.
    template <typename Op, typename Token>
    static auto initiate(std::shared_ptr<impl> impl, executor_type ex, Op op, Token&& token) {
        using result = typename Op::result_type;
        return boost::asio::async_initiate<Token, void(error_code, result)>(
            [ex = std::move(ex), impl = std::move(impl)](auto handler, Op op) {
                start(impl, std::move(op), detail::erase_handler<result>(std::move(handler), ex));
            },
            token, std::move(op));
    }
    /// Defined in the library for each operation of imapclient::ops.
    template <typename Op>
    static void start(const std::shared_ptr<impl>& impl, Op op, result_handler<typename Op::result_type> h);
    void start_next_event(result_handler<event> h);

    // Kept outside the impl so that a moved-from client can still complete
    // operations (with not_connected) on the executor it was given.
    executor_type executor_;
    std::shared_ptr<impl> impl_;
};

}  // namespace imapclient

#include <imapclient/lease.hpp>
