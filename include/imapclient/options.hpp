// How a client connects and behaves: client_options (server, TLS,
// timeouts, memory bounds, logging) and listen_options (the push listener).
#pragma once

#include <imapclient/credentials.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace boost::asio::ssl {
class context;
}

namespace imapclient {

class byte_stream;  // stream.hpp

enum class security {
    tls,       // implicit TLS (port 993)
    starttls,  // plain connection upgraded with STARTTLS; never falls back
    plain,     // no TLS at all; LOGIN then needs allow_plaintext_login
};

/// A proxy the connection goes through (client_options::proxy); TLS to the
/// IMAP server then runs inside the tunnel, verified as usual.
struct proxy_settings {
    enum class kind {
        none,
        http_connect,  // an HTTP proxy's CONNECT (RFC 9110 9.3.6), Basic auth when a user is set
        socks5,        // SOCKS5 (RFC 1928), user/password auth (RFC 1929) when a user is set
    };
    proxy_settings::kind type = kind::none;
    std::string host;
    std::uint16_t port = 0;  // 0: 8080 for HTTP, 1080 for SOCKS5
    std::string username;
    std::string password;
    /// SOCKS5: the IMAP server's name goes to the proxy, which resolves it
    /// (curl's socks5h); off: resolved here and sent as an address. An HTTP
    /// proxy always resolves it.
    bool remote_dns = true;

    /// "http://[user:pass@]host[:port]", "socks5h://..." (the proxy resolves
    /// names) or "socks5://..." (names resolved here, remote_dns off); user
    /// and password may be %-encoded. Throws std::invalid_argument, the
    /// password masked, for anything else.
    static proxy_settings parse(std::string_view url);
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
    /// Stream mode (Python IMAPClient's stream=True): run this program and talk IMAP
    /// over its stdin/stdout, e.g. {"ssh", "host", "imapd"}. host/port and
    /// TLS are then unused.
    std::vector<std::string> stream_command;
    /// A stream of the caller's instead of TCP (see stream.hpp), made by
    /// connect(). host and port are then only the names TLS verifies and
    /// OAUTHBEARER sends.
    std::function<std::unique_ptr<byte_stream>()> stream;

    /// Go through this proxy (HTTP CONNECT or SOCKS5) to host:port. The
    /// proxy's handshake counts against connect_timeout.
    proxy_settings proxy;
    /// Asked for credentials by sign_in() (and by a pool or
    /// reconnecting_client for every connection it opens, when
    /// pool_options::login is empty); see credentials.hpp.
    credential_provider credentials;

    std::chrono::milliseconds connect_timeout{30'000};
    /// Python IMAPClient's `timeout`: the longest the server may stay silent while
    /// a command waits for it. Zero disables it (not recommended).
    std::chrono::milliseconds timeout{120'000};
    /// The longest one call may take from start to result, however busy the
    /// server keeps the connection (a server that drips a byte every half
    /// second never trips `timeout`). Past it the call fails with
    /// errc::timeout and is cancelled as by a cancellation slot (see
    /// client.hpp): a command already sent is left to finish in the
    /// background, and the connection stays usable. Zero (the default): no
    /// deadline. Not applied to what waits by design: listen(),
    /// idle_check() (its own timeout) and lease_folder()
    /// (lease_wait_timeout).
    std::chrono::milliseconds deadline{0};
    /// The longest a client::lease_folder() call waits for the leases of
    /// another folder to be released before failing with
    /// errc::lease_timeout: no caller is held off for ever by another that
    /// keeps its lease.
    std::chrono::milliseconds lease_wait_timeout{60'000};
    /// FETCH/SEARCH/... address messages by UID (Python IMAPClient's use_uid).
    bool use_uid = true;
    /// Python IMAPClient's folder_encode: folder names are UTF-8 and go on the wire
    /// in modified UTF-7 (and come back decoded). Off: names are passed and
    /// returned exactly as on the wire. Once enable({"UTF8=ACCEPT"}) or
    /// enable({"IMAP4rev2"}) succeeded, names are UTF-8 on the wire too
    /// (RFC 6855 3, RFC 9051 5.1) and travel unchanged either way.
    bool folder_encode = true;
    /// Python IMAPClient's normalise_times: fetched dates (INTERNALDATE, ENVELOPE's
    /// date) are reported in the local time zone (datetime::offset set to
    /// the local offset). Off: they keep the offset the server sent.
    bool normalise_times = true;
    /// Turn on COMPRESS=DEFLATE (client::compress()) right after a
    /// successful login() / sasl_login() when the server offers it; a
    /// server without it, or one that refuses it, is used uncompressed.
    bool compress = false;

    /// Memory bounds (see DESIGN.md): longest response line, largest
    /// literal held in memory, events queued before they collapse into one
    /// resync_needed (by count, and by their size in bytes).
    std::size_t max_line = 1 << 20;
    std::uint64_t max_literal = 256ull << 20;
    std::size_t max_events = 1024;
    std::uint64_t max_event_bytes = 64ull << 20;
    /// The most one command may collect for its result (the responses it
    /// keeps, counted as their size on the wire plus the memory each takes,
    /// about 500 bytes). Past it the rest of the command's data is dropped
    /// and the command fails with errc::limit_exceeded once its tagged
    /// reply comes (the data that came before the bound is in the result);
    /// the connection stays usable. At least max_literal, so that one
    /// message of the largest size fits.
    std::uint64_t max_collected = 512ull << 20;

    /// The longest command line the client writes for a message set
    /// (RFC 7162 3.1.2 recommends clients stay under 8192 octets; servers
    /// refuse or cut longer lines). A FETCH, STORE, COPY, MOVE or UID
    /// EXPUNGE whose message set does not fit in it less 1024 bytes (left
    /// for the rest of the command) is sent as several commands, one after
    /// the other, and their results merged into one; the first that fails
    /// ends the call with the pieces done so far in its result.
    std::size_t max_command_length = 8192;

    /// ID (RFC 2971) fields sent right after connecting (after STARTTLS,
    /// before login) when the server offers ID, e.g. {{"name", "myapp"},
    /// {"version", "1.0"}}: some providers (NetEase 163.com) refuse to
    /// select folders for clients that did not say who they are. The
    /// server's answer is connect_result::server_id; a NO is ignored.
    std::vector<std::pair<std::string, std::string>> id;

    /// Python IMAPClient's debug levels: 0 silent, 1 connection events, 3 commands
    /// sent (credentials always redacted), 4 also responses received,
    /// 5 also raw bytes. Lines go to `log` (stderr when empty).
    int debug = 0;
    std::function<void(std::string_view line)> log;
};

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

}  // namespace imapclient
