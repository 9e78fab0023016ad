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

#include <imapclient/condstore.hpp>
#include <imapclient/error.hpp>
#include <imapclient/event.hpp>
#include <imapclient/mailbox.hpp>
#include <imapclient/results.hpp>
#include <imapclient/sasl.hpp>
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

/// The system flags (the seed's DELETED, SEEN, ... constants).
inline constexpr char DELETED[] = "\\Deleted";
inline constexpr char SEEN[] = "\\Seen";
inline constexpr char ANSWERED[] = "\\Answered";
inline constexpr char FLAGGED[] = "\\Flagged";
inline constexpr char DRAFT[] = "\\Draft";
inline constexpr char RECENT[] = "\\Recent";

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
    /// The seed's folder_encode: folder names are UTF-8 and go on the wire
    /// in modified UTF-7 (and come back decoded). Off: names are passed and
    /// returned exactly as on the wire.
    bool folder_encode = true;
    /// The seed's normalise_times: fetched dates (INTERNALDATE, ENVELOPE's
    /// date) are reported in the local time zone (datetime::offset set to
    /// the local offset). Off: they keep the offset the server sent.
    bool normalise_times = true;
    /// Turn on COMPRESS=DEFLATE (client::compress()) right after a
    /// successful login() / sasl_login() when the server offers it; a
    /// server without it, or one that refuses it, is used uncompressed.
    bool compress = false;

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

    // ---- session (more) -------------------------------------------------

    /// STARTTLS on a connection opened with security::plain (the seed's
    /// starttls()), verified with `ssl_context`, else options().ssl_context,
    /// else create_default_context(). Nothing pending may be running. Fails (abort) when the
    /// server lacks STARTTLS or TLS is already on; a failed handshake closes
    /// the connection. Capabilities are read again over TLS.
    template <typename Token = use_awaitable_t>
    auto starttls(std::shared_ptr<boost::asio::ssl::context> ssl_context = {}, Token&& token = {}) {
        return initiate<command_result>(token, [this, c = std::move(ssl_context)](auto h) mutable {
            start_starttls(std::move(c), std::move(h));
        });
    }

    /// COMPRESS=DEFLATE (RFC 4978): from the server's OK on, every byte both
    /// ways is DEFLATE-compressed (headers and bodies shrink 3-10x). Only
    /// once logged in. Refused with capability_missing when the server does
    /// not offer COMPRESS=DEFLATE, and with illegal_state when compression
    /// is already on or asked for. It waits for the commands on the wire
    /// and holds new ones back until its reply (RFC 4978 3). NO or BAD
    /// leaves the connection uncompressed and usable. Compressed data that
    /// cannot be decoded closes the connection (errc::framing_error); the
    /// parser's max_line / max_literal limits apply to the decoded bytes.
    /// Cancellation: as for any command (abandoned once written; if the
    /// server then says OK, compression goes on regardless).
    template <typename Token = use_awaitable_t>
    auto compress(Token&& token = {}) {
        return initiate<command_result>(token, [this](auto h) { start_compress(std::move(h)); });
    }
    /// True once COMPRESS was answered OK on this connection.
    bool is_compressed() const;

    /// AUTHENTICATE with any SASL mechanism (the seed's sasl_login()); see
    /// sasl.hpp for the built-in ones and how to write one. The same
    /// clear-text rules as login() apply.
    template <typename Token = use_awaitable_t>
    auto sasl_login(sasl_mechanism mechanism, Token&& token = {}) {
        return initiate<command_result>(token, [this, m = std::move(mechanism)](auto h) mutable {
            start_sasl_login(std::move(m), std::move(h));
        });
    }

    /// AUTHENTICATE PLAIN (the seed's plain_login()).
    template <typename Token = use_awaitable_t>
    auto plain_login(std::string username, std::string password, std::string authorization_identity = {},
                     Token&& token = {}) {
        return sasl_login(sasl::plain(std::move(username), std::move(password), std::move(authorization_identity)),
                          std::forward<Token>(token));
    }

    /// AUTHENTICATE XOAUTH2, or OAUTHBEARER when mech is "OAUTHBEARER" (the
    /// seed's oauth2_login(user, access_token, mech, vendor)).
    template <typename Token = use_awaitable_t>
    auto oauth2_login(std::string user, std::string access_token, std::string mech = "XOAUTH2",
                      std::string vendor = {}, Token&& token = {}) {
        return sasl_login(iequals(mech, "OAUTHBEARER")
                              ? sasl::oauthbearer(std::move(user), std::move(access_token), options().host,
                                                  options().port)
                              : sasl::xoauth2(std::move(user), std::move(access_token), std::move(vendor)),
                          std::forward<Token>(token));
    }

    /// AUTHENTICATE OAUTHBEARER (RFC 7628), naming this connection's host
    /// and port.
    template <typename Token = use_awaitable_t>
    auto oauthbearer_login(std::string identity, std::string access_token, Token&& token = {}) {
        return sasl_login(sasl::oauthbearer(std::move(identity), std::move(access_token), options().host,
                                            options().port),
                          std::forward<Token>(token));
    }

    /// The seed's oauth_login(): Gmail's legacy OAuth 1.0a XOAUTH.
    template <typename Token = use_awaitable_t>
    auto oauth_login(std::string url, std::string oauth_token, std::string oauth_token_secret,
                     std::string consumer_key = "anonymous", std::string consumer_secret = "anonymous",
                     Token&& token = {}) {
        return sasl_login(sasl::xoauth(std::move(url), std::move(oauth_token), std::move(oauth_token_secret),
                                       std::move(consumer_key), std::move(consumer_secret)),
                          std::forward<Token>(token));
    }

    /// ENABLE (RFC 5161), e.g. {"CONDSTORE"} or {"UTF8=ACCEPT"}; returns what
    /// the server enabled.
    template <typename Token = use_awaitable_t>
    auto enable(std::vector<std::string> capabilities, Token&& token = {}) {
        return initiate<enable_result>(token, [this, c = std::move(capabilities)](auto h) mutable {
            start_enable(std::move(c), std::move(h));
        });
    }

    /// ID (RFC 2971): sends these fields ({"name", "imapclient"}, ...; none
    /// sends ID NIL) and returns the server's.
    template <typename Token = use_awaitable_t>
    auto id_(std::vector<std::pair<std::string, std::string>> parameters = {}, Token&& token = {}) {
        return initiate<id_result>(token, [this, p = std::move(parameters)](auto h) mutable {
            start_id(std::move(p), std::move(h));
        });
    }

    // ---- folders ------------------------------------------------------

    /// LIST: every folder under `directory` matching `pattern` ("*" any
    /// characters, "%" any but the delimiter).
    template <typename Token = use_awaitable_t>
    auto list_folders(std::string directory = {}, std::string pattern = "*", Token&& token = {}) {
        return initiate<folder_list_result>(token, [this, d = std::move(directory), p = std::move(pattern)](auto h) mutable {
            start_list(list_kind::list, std::move(d), std::move(p), std::move(h));
        });
    }

    /// LSUB: the subscribed folders.
    template <typename Token = use_awaitable_t>
    auto list_sub_folders(std::string directory = {}, std::string pattern = "*", Token&& token = {}) {
        return initiate<folder_list_result>(token, [this, d = std::move(directory), p = std::move(pattern)](auto h) mutable {
            start_list(list_kind::lsub, std::move(d), std::move(p), std::move(h));
        });
    }

    /// XLIST (Gmail's deprecated extension; check has_capability("XLIST")).
    template <typename Token = use_awaitable_t>
    auto xlist_folders(std::string directory = {}, std::string pattern = "*", Token&& token = {}) {
        return initiate<folder_list_result>(token, [this, d = std::move(directory), p = std::move(pattern)](auto h) mutable {
            start_list(list_kind::xlist, std::move(d), std::move(p), std::move(h));
        });
    }

    /// The folder carrying a SPECIAL-USE attribute (RFC 6154) such as
    /// "\\Sent" or "\\Trash" (XLIST's attributes on servers with XLIST), or
    /// failing that the first folder with a common name for it ("Sent",
    /// "Sent Items", "Sent Messages", ...). nullopt when none.
    template <typename Token = use_awaitable_t>
    auto find_special_folder(std::string attribute, Token&& token = {}) {
        return initiate<std::optional<std::string>>(token, [this, a = std::move(attribute)](auto h) mutable {
            start_find_special_folder(std::move(a), std::move(h));
        });
    }

    /// Whether a folder of exactly this name exists.
    template <typename Token = use_awaitable_t>
    auto folder_exists(std::string folder, Token&& token = {}) {
        return initiate<bool>(token, [this, f = std::move(folder)](auto h) mutable {
            start_folder_exists(std::move(f), std::move(h));
        });
    }

    /// STATUS; `what` defaults to the seed's MESSAGES RECENT UIDNEXT
    /// UIDVALIDITY UNSEEN.
    template <typename Token = use_awaitable_t>
    auto folder_status(std::string folder, std::vector<std::string> what = {}, Token&& token = {}) {
        return initiate<folder_status_result>(token, [this, f = std::move(folder), w = std::move(what)](auto h) mutable {
            start_folder_status(std::move(f), std::move(w), std::move(h));
        });
    }

    template <typename Token = use_awaitable_t>
    auto create_folder(std::string folder, Token&& token = {}) {
        return folder_command(folder_op::create, std::move(folder), {}, std::forward<Token>(token));
    }
    template <typename Token = use_awaitable_t>
    auto delete_folder(std::string folder, Token&& token = {}) {
        return folder_command(folder_op::remove, std::move(folder), {}, std::forward<Token>(token));
    }
    template <typename Token = use_awaitable_t>
    auto rename_folder(std::string old_name, std::string new_name, Token&& token = {}) {
        return folder_command(folder_op::rename, std::move(old_name), std::move(new_name), std::forward<Token>(token));
    }
    template <typename Token = use_awaitable_t>
    auto subscribe_folder(std::string folder, Token&& token = {}) {
        return folder_command(folder_op::subscribe, std::move(folder), {}, std::forward<Token>(token));
    }
    template <typename Token = use_awaitable_t>
    auto unsubscribe_folder(std::string folder, Token&& token = {}) {
        return folder_command(folder_op::unsubscribe, std::move(folder), {}, std::forward<Token>(token));
    }

    /// UNSELECT (RFC 3691): deselects without expunging. Without UNSELECT,
    /// selects a folder that cannot exist, read-only, then nothing is
    /// selected (as the seed's fallback does).
    template <typename Token = use_awaitable_t>
    auto unselect_folder(Token&& token = {}) {
        return initiate<command_result>(token, [this](auto h) { start_unselect(std::move(h)); });
    }

    /// NAMESPACE (the seed's namespace(); `namespace` is a C++ keyword).
    template <typename Token = use_awaitable_t>
    auto namespace_(Token&& token = {}) {
        return initiate<namespace_result>(token, [this](auto h) { start_namespace(std::move(h)); });
    }

    // ---- messages (more) ----------------------------------------------

    /// SORT (RFC 5256), e.g. sort({"REVERSE", "DATE"}, {"UNSEEN"}).
    template <typename Token = use_awaitable_t>
    auto sort(std::vector<std::string> sort_criteria, search_criteria criteria = "ALL", std::string charset = "UTF-8",
              Token&& token = {}) {
        return initiate<search_result>(token, [this, s = std::move(sort_criteria), c = std::move(criteria),
                                               cs = std::move(charset)](auto h) mutable {
            start_sort(std::move(s), std::move(c), std::move(cs), std::move(h));
        });
    }

    /// THREAD (RFC 5256) with "REFERENCES" or "ORDEREDSUBJECT".
    template <typename Token = use_awaitable_t>
    auto thread(std::string algorithm = "REFERENCES", search_criteria criteria = "ALL", std::string charset = "UTF-8",
                Token&& token = {}) {
        return initiate<thread_result>(token, [this, a = std::move(algorithm), c = std::move(criteria),
                                               cs = std::move(charset)](auto h) mutable {
            start_thread(std::move(a), std::move(c), std::move(cs), std::move(h));
        });
    }

    /// Gmail's X-GM-RAW search ("has:attachment in:unread").
    template <typename Token = use_awaitable_t>
    auto gmail_search(std::string query, std::string charset = "UTF-8", Token&& token = {}) {
        return initiate<search_result>(token, [this, q = std::move(query), cs = std::move(charset)](auto h) mutable {
            start_gmail_search(std::move(q), std::move(cs), std::move(h));
        });
    }

    /// One message of multiappend().
    struct append_message {
        std::string message;
        std::vector<std::string> flags;
        std::optional<datetime> msg_time;
    };

    /// MULTIAPPEND (RFC 3502): all messages in one command, atomically.
    template <typename Token = use_awaitable_t>
    auto multiappend(std::string folder, std::vector<append_message> messages, Token&& token = {}) {
        return initiate<append_result>(token, [this, f = std::move(folder), m = std::move(messages)](auto h) mutable {
            start_multiappend(std::move(f), std::move(m), std::move(h));
        });
    }

    /// COPY (UID COPY when use_uid).
    template <typename Token = use_awaitable_t>
    auto copy(sequence_set messages, std::string folder, Token&& token = {}) {
        return initiate<copy_result>(token, [this, m = std::move(messages), f = std::move(folder)](auto h) mutable {
            start_copy(std::move(m), std::move(f), false, std::move(h));
        });
    }

    /// MOVE (RFC 6851; UID MOVE when use_uid). Needs the MOVE capability.
    template <typename Token = use_awaitable_t>
    auto move(sequence_set messages, std::string folder, Token&& token = {}) {
        return initiate<copy_result>(token, [this, m = std::move(messages), f = std::move(folder)](auto h) mutable {
            start_copy(std::move(m), std::move(f), true, std::move(h));
        });
    }

    /// EXPUNGE; with messages and use_uid, UID EXPUNGE of just those (RFC
    /// 4315, needs UIDPLUS), as the seed's expunge(messages).
    template <typename Token = use_awaitable_t>
    auto expunge(std::optional<sequence_set> messages = std::nullopt, Token&& token = {}) {
        return initiate<expunge_result>(token, [this, m = std::move(messages)](auto h) mutable {
            start_expunge(std::move(m), false, std::move(h));
        });
    }

    /// UID EXPUNGE of these UIDs, whatever use_uid says.
    template <typename Token = use_awaitable_t>
    auto uid_expunge(sequence_set messages, Token&& token = {}) {
        return initiate<expunge_result>(token, [this, m = std::move(messages)](auto h) mutable {
            start_expunge(std::move(m), true, std::move(h));
        });
    }

    // ---- flags and Gmail labels ---------------------------------------

    template <typename Token = use_awaitable_t>
    auto get_flags(sequence_set messages, Token&& token = {}) {
        return store(store_item::flags, store_op::get, std::move(messages), {}, false, std::forward<Token>(token));
    }
    /// STORE +FLAGS; returns each message's flags afterwards (none when
    /// silent: +FLAGS.SILENT).
    template <typename Token = use_awaitable_t>
    auto add_flags(sequence_set messages, std::vector<std::string> flags, bool silent = false, Token&& token = {}) {
        return store(store_item::flags, store_op::add, std::move(messages), std::move(flags), silent,
                     std::forward<Token>(token));
    }
    template <typename Token = use_awaitable_t>
    auto remove_flags(sequence_set messages, std::vector<std::string> flags, bool silent = false, Token&& token = {}) {
        return store(store_item::flags, store_op::remove, std::move(messages), std::move(flags), silent,
                     std::forward<Token>(token));
    }
    template <typename Token = use_awaitable_t>
    auto set_flags(sequence_set messages, std::vector<std::string> flags, bool silent = false, Token&& token = {}) {
        return store(store_item::flags, store_op::set, std::move(messages), std::move(flags), silent,
                     std::forward<Token>(token));
    }
    /// Adds \\Deleted (expunge() removes them).
    template <typename Token = use_awaitable_t>
    auto delete_messages(sequence_set messages, bool silent = false, Token&& token = {}) {
        return add_flags(std::move(messages), {DELETED}, silent, std::forward<Token>(token));
    }

    template <typename Token = use_awaitable_t>
    auto get_gmail_labels(sequence_set messages, Token&& token = {}) {
        return store(store_item::gmail_labels, store_op::get, std::move(messages), {}, false,
                     std::forward<Token>(token));
    }
    template <typename Token = use_awaitable_t>
    auto add_gmail_labels(sequence_set messages, std::vector<std::string> labels, bool silent = false,
                          Token&& token = {}) {
        return store(store_item::gmail_labels, store_op::add, std::move(messages), std::move(labels), silent,
                     std::forward<Token>(token));
    }
    template <typename Token = use_awaitable_t>
    auto remove_gmail_labels(sequence_set messages, std::vector<std::string> labels, bool silent = false,
                             Token&& token = {}) {
        return store(store_item::gmail_labels, store_op::remove, std::move(messages), std::move(labels), silent,
                     std::forward<Token>(token));
    }
    template <typename Token = use_awaitable_t>
    auto set_gmail_labels(sequence_set messages, std::vector<std::string> labels, bool silent = false,
                          Token&& token = {}) {
        return store(store_item::gmail_labels, store_op::set, std::move(messages), std::move(labels), silent,
                     std::forward<Token>(token));
    }

    // ---- ACL and quota ------------------------------------------------

    /// GETACL (RFC 4314).
    template <typename Token = use_awaitable_t>
    auto getacl(std::string folder, Token&& token = {}) {
        return initiate<acl_result>(token, [this, f = std::move(folder)](auto h) mutable {
            start_getacl(std::move(f), std::move(h));
        });
    }

    /// SETACL; an empty `what` removes the identifier's entry (DELETEACL).
    template <typename Token = use_awaitable_t>
    auto setacl(std::string folder, std::string who, std::string what, Token&& token = {}) {
        return initiate<command_result>(token, [this, f = std::move(folder), w = std::move(who),
                                                r = std::move(what)](auto h) mutable {
            start_setacl(std::move(f), std::move(w), std::move(r), std::move(h));
        });
    }

    /// The quotas that apply to a folder (GETQUOTAROOT's limits).
    template <typename Token = use_awaitable_t>
    auto get_quota(std::string folder = "INBOX", Token&& token = {}) {
        return initiate<quota_result>(token, [this, f = std::move(folder)](auto h) mutable {
            start_get_quota(std::move(f), std::move(h));
        });
    }

    /// GETQUOTAROOT (RFC 9208).
    template <typename Token = use_awaitable_t>
    auto get_quota_root(std::string folder, Token&& token = {}) {
        return initiate<quota_root_result>(token, [this, f = std::move(folder)](auto h) mutable {
            start_get_quota_root(std::move(f), std::move(h));
        });
    }

    /// SETQUOTA, one command per quota root; returns the limits the server
    /// reports afterwards.
    template <typename Token = use_awaitable_t>
    auto set_quota(std::vector<quota> quotas, Token&& token = {}) {
        return initiate<quota_result>(token, [this, q = std::move(quotas)](auto h) mutable {
            start_set_quota(std::move(q), std::move(h));
        });
    }

    // ---- CONDSTORE and QRESYNC (RFC 7162; types in condstore.hpp) -------

    /// Whether ENABLE turned this extension on for the connection
    /// ("QRESYNC"; enabling QRESYNC enables "CONDSTORE" too).
    bool is_enabled(std::string_view capability) const;

    /// SELECT (EXAMINE when readonly) with "(QRESYNC (uidvalidity modseq
    /// ...))": the select_result plus the UIDs expunged since `params.mod_seq`
    /// and the messages changed since, in one round trip. Needs QRESYNC
    /// offered (else capability_missing) and enabled with
    /// enable({"QRESYNC"}) (else illegal_state, nothing sent). Invalid
    /// params (zero uid_validity, modseq 0 or above 2^63-1) fail with
    /// invalid_argument. Check uid_validity_changed before using the rest.
    /// Once QRESYNC is enabled, expunges arrive as VANISHED responses
    /// (next_event()) instead of EXPUNGE; mailbox().exists follows both.
    template <typename Token = use_awaitable_t>
    auto select_folder_qresync(std::string folder, qresync_params params, bool readonly = false, Token&& token = {}) {
        return initiate<qresync_select_result>(token, [this, f = std::move(folder), p = std::move(params),
                                                       readonly](auto h) mutable {
            start_select_qresync(std::move(f), std::move(p), readonly, std::move(h));
        });
    }

    /// FETCH (UID FETCH when use_uid) of `items` (none: FLAGS) with
    /// "(CHANGEDSINCE modseq)": only messages whose modseq is above it;
    /// each carries its MODSEQ. With `vanished` (UID FETCH only, QRESYNC
    /// enabled: illegal_state otherwise) also the UIDs of the set expunged
    /// since, "(CHANGEDSINCE m VANISHED)". Needs CONDSTORE
    /// (capability_missing otherwise).
    template <typename Token = use_awaitable_t>
    auto fetch_changed_since(sequence_set messages, std::uint64_t mod_seq,
                             std::vector<std::string> items = {}, bool vanished = false,
                             Token&& token = {}) {
        return initiate<changes_result>(token, [this, m = std::move(messages), mod_seq, i = std::move(items),
                                                vanished](auto h) mutable {
            start_fetch_changed_since(std::move(m), mod_seq, std::move(i), vanished, std::move(h));
        });
    }

    /// STORE (UID STORE when use_uid) "(UNCHANGEDSINCE modseq)" of FLAGS:
    /// only messages not changed since `unchanged_since` are stored; the
    /// others come back in `modified` ([MODIFIED ...]) for the caller to
    /// re-read and retry. Needs CONDSTORE (capability_missing), a writable
    /// mailbox (read_only).
    template <typename Token = use_awaitable_t>
    auto store_unchanged_since(sequence_set messages, flag_change change, std::vector<std::string> flags,
                               std::uint64_t unchanged_since, bool silent = false, Token&& token = {}) {
        return initiate<conditional_store_result>(token, [this, m = std::move(messages), change,
                                                          f = std::move(flags), unchanged_since,
                                                          silent](auto h) mutable {
            start_store_unchanged_since(std::move(m), change, std::move(f), unchanged_since, silent, std::move(h));
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

    enum class list_kind { list, lsub, xlist };
    enum class folder_op { create, remove, rename, subscribe, unsubscribe };
    enum class store_item { flags, gmail_labels };
    enum class store_op { get, add, remove, set };

    template <typename Token>
    auto folder_command(folder_op op, std::string folder, std::string new_name, Token&& token) {
        return initiate<command_result>(token, [this, op, f = std::move(folder), n = std::move(new_name)](auto h) mutable {
            start_folder_command(op, std::move(f), std::move(n), std::move(h));
        });
    }
    template <typename Token>
    auto store(store_item item, store_op op, sequence_set messages, std::vector<std::string> values, bool silent,
               Token&& token) {
        return initiate<flags_result>(token, [this, item, op, m = std::move(messages), v = std::move(values),
                                              silent](auto h) mutable {
            start_store(item, op, std::move(m), std::move(v), silent, std::move(h));
        });
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
    // Session (lib/client_session.cpp).
    void start_starttls(std::shared_ptr<boost::asio::ssl::context> ctx, result_handler<command_result> h);
    void start_sasl_login(sasl_mechanism mechanism, result_handler<command_result> h);
    void start_enable(std::vector<std::string> capabilities, result_handler<enable_result> h);
    void start_id(std::vector<std::pair<std::string, std::string>> parameters, result_handler<id_result> h);
    // COMPRESS=DEFLATE (lib/client_compress.cpp).
    void start_compress(result_handler<command_result> h);
    // Folders (lib/client_folders.cpp).
    void start_list(list_kind kind, std::string directory, std::string pattern, result_handler<folder_list_result> h);
    void start_find_special_folder(std::string attribute, result_handler<std::optional<std::string>> h);
    void start_folder_exists(std::string folder, result_handler<bool> h);
    void start_folder_status(std::string folder, std::vector<std::string> what, result_handler<folder_status_result> h);
    void start_folder_command(folder_op op, std::string folder, std::string new_name, result_handler<command_result> h);
    void start_unselect(result_handler<command_result> h);
    void start_namespace(result_handler<namespace_result> h);
    // Messages (lib/client_messages.cpp).
    void start_sort(std::vector<std::string> sort_criteria, search_criteria criteria, std::string charset,
                    result_handler<search_result> h);
    void start_thread(std::string algorithm, search_criteria criteria, std::string charset,
                      result_handler<thread_result> h);
    void start_gmail_search(std::string query, std::string charset, result_handler<search_result> h);
    void start_multiappend(std::string folder, std::vector<append_message> messages, result_handler<append_result> h);
    void start_copy(sequence_set messages, std::string folder, bool move, result_handler<copy_result> h);
    void start_expunge(std::optional<sequence_set> messages, bool force_uid, result_handler<expunge_result> h);
    void start_store(store_item item, store_op op, sequence_set messages, std::vector<std::string> values, bool silent,
                     result_handler<flags_result> h);
    // ACL and quota (lib/client_admin.cpp).
    void start_getacl(std::string folder, result_handler<acl_result> h);
    void start_setacl(std::string folder, std::string who, std::string what, result_handler<command_result> h);
    void start_get_quota(std::string folder, result_handler<quota_result> h);
    void start_get_quota_root(std::string folder, result_handler<quota_root_result> h);
    void start_set_quota(std::vector<quota> quotas, result_handler<quota_result> h);
    // CONDSTORE / QRESYNC (lib/client_condstore.cpp).
    void start_select_qresync(std::string folder, qresync_params params, bool readonly,
                              result_handler<qresync_select_result> h);
    void start_fetch_changed_since(sequence_set messages, std::uint64_t mod_seq, std::vector<std::string> items,
                                   bool vanished, result_handler<changes_result> h);
    void start_store_unchanged_since(sequence_set messages, flag_change change, std::vector<std::string> flags,
                                     std::uint64_t unchanged_since, bool silent,
                                     result_handler<conditional_store_result> h);
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
