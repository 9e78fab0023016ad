// Layer 2: the state of one IMAP connection, without sockets or executors.
//
// The actor feeds it "bytes arrived" and "connection lost"; it answers with
// bytes to write, completed commands and unsolicited events. Everything the
// protocol forces on a pipelining client lives here: tag allocation, which
// commands may be on the wire together (RFC 9051 5.5), waiting for "+"
// before a synchronizing literal, routing untagged data to the command that
// asked for it, the selected-mailbox state, and failing everything at once
// when the connection dies.
#pragma once

#include "engine/metrics.hpp"
#include "wire/command.hpp"
#include "wire/parser.hpp"

#include <imapclient/body_stream.hpp>
#include <imapclient/error.hpp>
#include <imapclient/event.hpp>
#include <imapclient/mailbox.hpp>
#include <imapclient/response.hpp>

#include <cstdint>
#include <deque>
#include <functional>
#include <span>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

namespace imapclient::engine {

using command_id = std::uint64_t;

/// Bit for each response alternative (index in the `response` variant), so a
/// command can say which untagged responses it collects.
template <typename T, std::size_t I = 0>
constexpr std::size_t variant_index() {
    if constexpr (std::is_same_v<std::variant_alternative_t<I, response>, T>) return I;
    else return variant_index<T, I + 1>();
}
template <typename T>
constexpr std::uint64_t kind_bit() {
    return std::uint64_t{1} << variant_index<T>();
}

/// A status with only a text (client-side failures).
status_response text_status(std::string text);

/// What a command does to the session beyond the data it collects; one
/// kind per command.
enum class command_kind {
    ordinary,
    /// LOGIN/AUTHENTICATE: success moves to the authenticated state, and
    /// capabilities learned before it are forgotten (they may have been
    /// forged or changed).
    authenticate,
    /// STARTTLS: nothing after its tagged OK is parsed (the caller discards
    /// it and handshakes; see commit_read); capabilities are forgotten.
    starttls,
    /// COMPRESS: nothing after its tagged OK is parsed here either; the
    /// caller takes it out (take_buffered()) and inflates it.
    compress,
    /// SELECT / EXAMINE: resets the mailbox state and fills it.
    select,
    examine,
    /// CLOSE/UNSELECT: the mailbox state ends with the tagged OK.
    unselect,
    /// IDLE: once the server sent "+", DONE is written as soon as another
    /// command is queued (or end_idle() is called).
    idle,
    /// LOGOUT: the BYE that comes first is expected, not fatal.
    logout,
};

/// How far the session must have come for a command.
enum class session_level {
    any,               // nothing required (the engine's own tests, greeting-time commands)
    connected,         // greeted and not closed
    not_authenticated, // before login (STARTTLS)
    authenticated,     // logged in, a mailbox selected or not
    selected,          // a mailbox selected
};

/// An operation's preconditions, as data: submit() checks them, so a
/// command that cannot run fails before anything is written, and each rule
/// is unit-tested without a socket.
struct preconditions {
    session_level level = session_level::any;
    /// The selected mailbox must be writable (not EXAMINEd / READ-ONLY).
    bool writable = false;
    /// The server must offer one of these (e.g. {"CONDSTORE", "QRESYNC"}).
    std::vector<std::string> capability;
    /// ... and this one as well (e.g. SEARCHRES for an ESORT that saves).
    std::string also_capability;
    /// ... and have ENABLEd this one (RFC 5161), e.g. "QRESYNC".
    std::string enabled;
    /// Names the operation in refusals ("MOVE would expunge").
    std::string what;
    /// The mailbox selection the command belongs to (see
    /// connection_engine::selection()): it is written only while that
    /// selection is the current one, else it completes with
    /// errc::mailbox_changed. Commands needing a selected mailbox that leave
    /// it empty get the selection the client knows (known_selection()) when
    /// they are submitted, so that another caller's SELECT cannot slip in
    /// between and give them another mailbox's messages.
    std::optional<std::uint64_t> selection;
};

/// Why a command cannot run (see connection_engine::check()).
struct refusal {
    error_code ec;
    std::string text;
};

/// What the library asks of one command.
struct command_request {
    /// Human-readable name for logs and error messages ("UID FETCH").
    std::string name;
    /// Builds the command once its tag is known.
    std::function<wire::encoded_command(std::string_view tag, const wire::literal_support&)> build;
    /// Untagged response kinds this command collects (kind_bit<...>).
    /// Two commands collecting the same kind never run together, because
    /// nothing would tell their data apart; except FETCH data routed by UID.
    std::uint64_t collects = 0;
    /// For STATUS and GETMETADATA: the mailbox (as on the wire) whose data
    /// the command asked for. STATUS / METADATA data naming another one is
    /// not its (NOTIFY sends such data at any time): it stays an event.
    std::optional<std::string> for_mailbox;
    /// For UID FETCH/STORE: the UIDs it asked for. FETCH data carrying one
    /// of these UIDs goes to this command; commands with disjoint UID sets
    /// pipeline. std::nullopt with `collects` FETCH means "all FETCH data".
    std::optional<std::vector<std::pair<std::uint32_t, std::uint32_t>>> uid_ranges;
    /// For FETCH/STORE by sequence number: the numbers it asked for. FETCH
    /// data for other messages is unsolicited (an event), so a server that
    /// volunteers a million messages does not make the result hold them.
    std::optional<std::vector<std::pair<std::uint32_t, std::uint32_t>>> seq_ranges;
    /// Kinds routed to the command (so they are no events) but not kept:
    /// SELECT's EXISTS, RECENT and FLAGS, which the mailbox state holds.
    std::uint64_t discards = 0;
    /// ENABLE: the extensions asked for. An ENABLED reply counts only while
    /// an ENABLE runs and only for these (RFC 5161 3.1); unsolicited ones
    /// enable nothing.
    std::vector<std::string> enables;
    /// A barrier: waits for everything in flight, and nothing starts until
    /// it completes (SELECT, EXPUNGE, commands with sequence numbers, ...).
    bool exclusive = false;
    /// Answers "+ challenge" lines (AUTHENTICATE, IDLE); nullopt = the
    /// command does not expect continuations beyond its literals.
    std::function<std::optional<std::string>(std::string_view challenge)> on_continuation;
    /// Collects VANISHED (EARLIER) only (QRESYNC SELECT, UID FETCH
    /// VANISHED): a plain VANISHED is news of an expunge and stays an event.
    bool earlier_vanished_only = false;
    /// Also gets a copy of the unsolicited data (what goes to the events)
    /// that arrives while it runs: NOOP's result is what the server had to
    /// say (Python IMAPClient's noop()). The events still get it.
    bool sees_unsolicited = false;
    /// A streamed FETCH: the body section of the FETCH data routed to this
    /// command goes to this sink as it is read (next_piece()), never held
    /// whole. Two commands with sinks are never on the wire together, so a
    /// literal that comes before its message's UID is still told apart.
    std::shared_ptr<body_sink> sink;
    /// What the command does to the session beyond its data.
    command_kind kind = command_kind::ordinary;
    /// SELECT / EXAMINE: the mailbox's name as the caller gave it (UTF-8),
    /// for mailbox().name and the identity of the selection.
    std::string mailbox;
    /// What the session must be like for the command to be sent: checked
    /// by submit(), which completes a command that fails them at once.
    preconditions needs;
};

/// A finished command: the tagged reply and the untagged data it collected.
struct completion {
    command_id id = 0;
    error_code ec;  // errc::no / errc::bad for NO/BAD, abort codes on failure
    status_response status;
    std::vector<response> responses;
    /// SELECT / EXAMINE / CLOSE / UNSELECT: the selection it began (see
    /// connection_engine::selection()); 0 for the other commands.
    std::uint64_t selection = 0;
    /// A command with a sink: the bytes its sink took, and the sink's error
    /// if it failed (ec is then errc::stream_failed).
    std::uint64_t streamed = 0;
    error_code sink_error;
};

/// Bytes of a streamed literal for a command's sink (next_piece()).
struct stream_piece {
    std::shared_ptr<body_sink> sink;
    std::string_view bytes;
};

using imapclient::event;
using imapclient::resync_needed;
using imapclient::connection_closed;

/// A run of bytes to write. `data` keeps the bytes alive while they are
/// written even if the command completes meanwhile.
///
/// Or, when `source` is set, a literal's contents that the writer reads
/// from that source and writes, `source_bytes` of them (the engine never
/// calls the source: it stays sans-io). Such a chunk is the last of what
/// next_writes() returns; nothing more is handed out until the writer
/// reports source_written() or source_failed().
struct write_chunk {
    std::shared_ptr<const std::string> data;
    std::size_t begin = 0, end = 0;
    std::shared_ptr<body_source> source;
    std::uint64_t source_bytes = 0;
    std::string_view view() const {
        if (!data) return {};
        return std::string_view(*data).substr(begin, end - begin);
    }
};

struct engine_config {
    wire::parser_limits limits;
    std::size_t max_events = 1024;
    /// The events' size (wire size plus bookkeeping) at which they collapse.
    std::uint64_t max_event_bytes = 64ull << 20;
    /// What one command may collect (see client_options::max_collected).
    std::uint64_t max_collected = 512ull << 20;
    /// A prefix for tags (must start with a letter).
    std::string tag_prefix = "A";
    /// Called with the redacted form of each command as it goes on the
    /// wire; may be empty.
    std::function<void(std::string_view redacted_command)> trace;
    /// Where each command's outcome and latency are counted (shared with
    /// client::metrics(), which may read it from any thread); may be empty.
    std::shared_ptr<metrics_recorder> metrics;
};

enum class session_state { greeting, not_authenticated, authenticated, selected, logout, closed };

class connection_engine {
public:
    explicit connection_engine(engine_config config = {});
    ~connection_engine();
    connection_engine(connection_engine&&) noexcept;
    connection_engine& operator=(connection_engine&&) noexcept;

    // ---- inputs -------------------------------------------------------
    /// Queues a command. Its completion will come out of take_completions();
    /// at once when its preconditions fail (check()) or it cannot be encoded.
    command_id submit(command_request request);
    /// What keeps a command with these preconditions from running now, if
    /// anything: not_connected (or the close reason), illegal_state (wrong
    /// session state, extension not enabled), capability_missing, read_only.
    std::optional<refusal> check(const preconditions& needs) const;
    /// Cancels: a queued command is removed, a written one is abandoned (its
    /// late data is discarded). A command in the middle of a synchronizing
    /// literal, or of a literal the writer streams from a source, cannot be
    /// abandoned: the connection fails with literal_cancelled. Either way the command completes with
    /// operation_aborted. No effect on unknown or finished ids.
    void cancel(command_id id);
    /// Bytes from the server (copying path), or the zero-copy path below.
    void on_bytes(std::string_view bytes);
    std::span<char> prepare_read(std::size_t n) { return parser_.prepare(n); }
    void commit_read(std::size_t n);
    /// The transport failed or was closed, or a timeout fired.
    void fail(error_code ec, std::string_view why = {});
    /// The writer wrote every byte of the source chunk next_writes() gave
    /// it: the command goes on (and the others after it).
    void source_written();
    /// The writer could not: the source failed or ended early (`why` says
    /// how). The literal announced cannot be taken back, so the connection
    /// fails (connection_lost, with `why`); the command whose literal it was
    /// completes with errc::stream_failed and `why`. Nothing if the
    /// connection failed already.
    void source_failed(std::string_view why);
    /// True between handing out a source chunk and the writer's report.
    bool source_pending() const noexcept { return source_pending_; }
    /// Ends an IDLE command (writes DONE once its "+" has come).
    void end_idle(command_id id);
    /// After STARTTLS's tagged OK: forget what was read in clear text.
    void discard_buffered() { parser_.discard_buffered(); }
    /// STARTTLS was answered OK: nothing is written until the caller has
    /// done the TLS handshake and calls tls_established().
    bool tls_upgrade_pending() const noexcept { return tls_upgrade_pending_; }
    void tls_established() noexcept { tls_upgrade_pending_ = false; }
    /// COMPRESS was answered OK: nothing is written until the caller has
    /// put the DEFLATE streams in place and calls compression_established().
    bool compression_pending() const noexcept { return compression_pending_; }
    void compression_established() noexcept { compression_pending_ = false; }
    /// Takes out the bytes received but not parsed: after COMPRESS's OK,
    /// the start of the compressed stream.
    std::string take_buffered() { return parser_.take_buffered(); }

    // ---- outputs ------------------------------------------------------
    /// Bytes that may be written now (several pipelined commands are
    /// gathered). Empty when nothing may be written.
    std::vector<write_chunk> next_writes();
    std::vector<completion> take_completions();
    /// Bytes waiting to be written to a sink; nothing more is read or
    /// parsed until piece_written() says they were (backpressure). The
    /// bytes stay valid until then, even if the connection fails meanwhile.
    std::optional<stream_piece> next_piece() const;
    /// The sink took the piece (ec empty) or failed: then its command
    /// completes with errc::stream_failed at once, and the rest of the
    /// literal is read and dropped. Parsing goes on.
    void piece_written(error_code ec);
    std::optional<event> pop_event();
    bool has_events() const noexcept { return !events_.empty(); }

    // ---- state --------------------------------------------------------
    session_state state() const noexcept { return state_; }
    bool closed() const noexcept { return state_ == session_state::closed; }
    error_code close_reason() const noexcept { return close_reason_; }
    const std::string& close_detail() const noexcept { return close_detail_; }
    const mailbox_state& mailbox() const noexcept { return mailbox_; }
    /// Mailbox selections, numbered uniquely within the process: each
    /// SELECT, EXAMINE, CLOSE or UNSELECT written starts a new one, and so
    /// does a UIDVALIDITY change under a selected mailbox (it was deleted
    /// and created again). selection() is the one commands written now run
    /// in; known_selection() the one whose SELECT has been answered (what
    /// mailbox() describes once no SELECT is on the wire).
    std::uint64_t selection() const noexcept { return selection_; }
    std::uint64_t known_selection() const noexcept { return known_selection_; }
    /// The selected mailbox's name and UIDVALIDITY.
    mailbox_identity identity() const { return {mailbox_.name, mailbox_.uid_validity}; }
    const std::set<std::string>& capabilities() const noexcept { return capabilities_; }
    bool has_capability(std::string_view cap) const;
    /// Extensions the server reported ENABLED (RFC 5161), upper-cased;
    /// QRESYNC implies CONDSTORE (RFC 7162 3.2.3).
    bool is_enabled(std::string_view cap) const;
    const std::optional<status_response>& greeting() const noexcept { return greeting_; }
    /// Commands queued or on the wire (abandoned ones included).
    std::size_t pending() const noexcept { return queue_.size() + in_flight_.size(); }
    /// True while some command waits for the server (the read timeout
    /// runs). An IDLE the server accepted does not wait: silence is its
    /// normal state (the IDLE listener watches it with its own deadline).
    bool awaiting_server() const noexcept;
    /// An IDLE command got its "+" and DONE has not been sent.
    bool idling() const noexcept;
    wire::literal_support literals() const;

private:
    struct command;
    /// Parses what is buffered, until more bytes are needed or a piece
    /// waits for its sink.
    void parse_buffered();
    /// A literal header waits: whether it is the body a sink asked for.
    bool literal_goes_to_sink();
    /// A sink's section that came whole (quoted, or a literal read before
    /// the sink's command was known) becomes a piece too.
    void hand_section_to_sink(command& c, response& r);
    void end_stream(command& c, error_code sink_error);
    command* in_flight(command_id id) const;
    /// Queues a completion, or holds it while its command's piece is with
    /// the sink (the sink must not hear of the end before its write ends).
    void push_completion(completion c);
    /// A completion of c without data (the data comes by complete()).
    static completion ended(const command& c, error_code ec, status_response status);
    void handle(response&& r);
    void handle_greeting(response&& r);
    void handle_continuation(const continuation_request& c);
    void handle_tagged(status_response&& s);
    void handle_untagged(response&& r);
    bool route_to_command(response& r);
    void publish(response&& r);
    void share_unsolicited(const response& r);
    void keep(command& c, response&& r);
    /// Whether FETCH data is for this command (its UIDs or sequence numbers).
    bool asked_for(command& c, fetch_data& f);
    void queue_event(event e, std::size_t cost);
    void forget_sequence_numbers(const response& r);
    void answer_logout_with_bye();
    bool can_start(const command& c) const;
    void complete(std::unique_ptr<command> c, error_code ec, status_response status);
    /// Counts the command's end in the metrics, once (a cancel after it was
    /// written ends it for the caller before its reply comes).
    void count(command& c);
    void learn_capabilities(const std::vector<std::string>& caps);
    void start_selection(command& c);
    void check_uid_validity(const response& r, bool selecting);

    engine_config config_;
    wire::response_parser parser_;
    session_state state_ = session_state::greeting;
    error_code close_reason_;
    std::string close_detail_;
    std::optional<status_response> greeting_;
    std::uint64_t next_id_ = 1;
    std::uint64_t next_tag_ = 1;
    std::deque<std::unique_ptr<command>> queue_;      // not yet written, in order
    std::vector<std::unique_ptr<command>> in_flight_; // written (or being written), in order
    command* writing_ = nullptr;                       // mid-command, waiting for "+" or its source
    bool source_pending_ = false;                      // the writer streams a source chunk
    std::unique_ptr<command> tail_;                    // what an answered command still owes (writing_)
    std::vector<completion> completions_;
    std::deque<event> events_;
    std::deque<std::size_t> event_costs_;  // each queued event's cost, in step with events_
    std::uint64_t event_bytes_ = 0;        // their sum
    std::size_t response_bytes_ = 0;   // the cost of the response being handled
    bool overflowed_ = false;
    std::vector<write_chunk> extra_writes_;  // SASL replies, DONE
    std::set<std::string> capabilities_;
    std::set<std::string> enabled_;
    mailbox_state mailbox_;
    std::uint64_t selection_ = 0;
    std::uint64_t known_selection_ = 0;
    bool bye_seen_ = false;
    /// LOGOUT's BYE, until the tagged OK or the end of the read it came in.
    std::optional<status_response> logout_bye_;
    /// A LOGOUT completed by its BYE: its late tagged OK is no stranger.
    std::string logout_tag_;
    bool tls_upgrade_pending_ = false;
    bool compression_pending_ = false;
    // Streaming: the command whose sink gets the current literal, a piece
    // with the actor, a section that came whole, a completion held back.
    command_id stream_id_ = 0;
    bool piece_out_ = false;
    bool piece_whole_ = false;
    std::string whole_section_;
    std::optional<completion> held_;
};

}  // namespace imapclient::engine
