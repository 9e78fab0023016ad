#include "engine/engine.hpp"

#include "engine/mailbox_tracker.hpp"

#include <boost/asio/error.hpp>

#include <algorithm>
#include <atomic>
#include <map>

namespace imapclient::engine {

status_response text_status(std::string text) {
    status_response s;
    s.text = std::move(text);
    return s;
}

namespace {

std::shared_ptr<const std::string> shared_bytes(std::string s) {
    return std::make_shared<const std::string>(std::move(s));
}

bool ranges_contain(const std::vector<std::pair<std::uint32_t, std::uint32_t>>& ranges, std::uint32_t v) {
    return std::any_of(ranges.begin(), ranges.end(),
                       [v](const auto& r) { return r.first <= v && v <= r.second; });
}

bool ranges_overlap(const std::vector<std::pair<std::uint32_t, std::uint32_t>>& a,
                    const std::vector<std::pair<std::uint32_t, std::uint32_t>>& b) {
    for (const auto& x : a)
        for (const auto& y : b)
            if (x.first <= y.second && y.first <= x.second) return true;
    return false;
}

std::uint64_t kind_of(const response& r) { return std::uint64_t{1} << r.index(); }

// Response codes that describe the selected mailbox.
bool has_mailbox_code(const status_response& s) {
    static constexpr std::string_view names[] = {"UIDVALIDITY", "UIDNEXT",  "UNSEEN",    "PERMANENTFLAGS",
                                                 "HIGHESTMODSEQ", "NOMODSEQ", "READ-ONLY", "READ-WRITE"};
    return s.code && std::find(std::begin(names), std::end(names), s.code->name) != std::end(names);
}

// Whether unsolicited untagged data means anything in this state. Before
// login only status responses do (capabilities are taken in, not passed
// on): anything else was injected or is garbage, and a listener would take
// it for news of the mailbox it selects next. Mailbox data (EXISTS,
// EXPUNGE, FETCH, FLAGS, [UIDVALIDITY]...) with no mailbox selected or
// being selected is dropped for the same reason.
bool explained_by_state(const response& r, session_state state, bool selecting) {
    const bool mailbox_open = state == session_state::selected || selecting;
    if (auto* s = std::get_if<status_response>(&r)) return mailbox_open || !has_mailbox_code(*s);
    if (state == session_state::not_authenticated || state == session_state::greeting) return false;
    constexpr std::uint64_t mailbox_data = kind_bit<exists_data>() | kind_bit<recent_data>() |
                                           kind_bit<expunge_data>() | kind_bit<vanished_data>() |
                                           kind_bit<fetch_data>() | kind_bit<flags_data>();
    return mailbox_open || (kind_of(r) & mailbox_data) == 0;
}

// STATUS and METADATA data name their mailbox; other data names none.
// INBOX is case-insensitive (RFC 9051 5.1): "STATUS inbox" gets "* STATUS INBOX".
bool names_mailbox(const response& r, const std::string& wire_name) {
    const std::string* named = nullptr;
    if (auto* s = std::get_if<status_data>(&r)) named = &s->mailbox;
    else if (auto* m = std::get_if<metadata_data>(&r)) named = &m->mailbox;
    if (!named) return true;
    return *named == wire_name || (iequals(*named, "INBOX") && iequals(wire_name, "INBOX"));
}

// Ends an IDLE whose "+" has come (Cmd is the engine's private command type).
template <class Cmd>
void write_done(Cmd& c, std::vector<write_chunk>& out, const std::function<void(std::string_view)>& trace) {
    if (c.done_sent) return;
    c.done_sent = true;
    out.push_back({shared_bytes("DONE\r\n"), 0, 6});
    if (trace) trace("DONE");
}

// Selections are numbered across the process, so that a selection of an
// earlier connection (a lease kept across a reconnect) never matches one
// of a new connection.
std::uint64_t new_selection() {
    static std::atomic<std::uint64_t> last{0};
    return ++last;
}

bool changes_selection(command_kind k) {
    return k == command_kind::select || k == command_kind::examine || k == command_kind::unselect;
}

std::string changed_text(const preconditions& needs) {
    std::string what = needs.what.empty() ? std::string("the command") : needs.what;
    return "the selected mailbox changed before " + what +
           " was sent (another caller selected one): refused, it would have run in the wrong mailbox";
}

}  // namespace

struct connection_engine::command {
    command_id id = 0;
    command_request req;
    std::string tag;
    std::shared_ptr<const std::string> bytes;
    std::vector<std::size_t> sync_points;
    std::vector<wire::source_literal> sources;
    std::size_t next_source = 0;  // index of the next source literal
    std::string redacted;
    std::size_t sent = 0;       // bytes handed to the writer so far
    std::size_t next_sync = 0;  // index of the next sync point
    bool awaiting_plus = false;
    bool streaming = false;  // the writer streams one of its source literals
    bool abandoned = false;
    bool continued = false;  // got a "+" for on_continuation (IDLE is idling)
    bool done_sent = false;
    bool end_wanted = false;  // end_idle() came before the "+": DONE follows it
    std::uint64_t starts_selection = 0;  // SELECT/EXAMINE/CLOSE/UNSELECT: the selection it begins
    bool capabilities_learned = false;  // untagged CAPABILITY data came while it ran
    std::uint64_t collected_bytes = 0;  // the cost of `collected`
    bool over_limit = false;            // data was dropped at max_collected
    // UID FETCH/STORE: the UID each sequence number had in this command's
    // own responses, for the parts of a message's data that come without it.
    std::map<std::uint32_t, std::uint32_t> uid_of_seq;
    std::vector<response> collected;
    std::uint64_t streamed = 0;  // bytes its sink took
    // Metrics: the name it is counted under, when its first byte was handed
    // out (none: never written), its tagged status once answered.
    std::string metric_name;
    std::optional<metrics_recorder::clock::time_point> sent_at;
    std::optional<status_kind> answered;
    bool counted = false;

    bool written() const { return sent == bytes->size() && next_source == sources.size(); }
    // Waits for the server's "+" or for the writer to finish a source.
    bool blocked() const { return awaiting_plus || streaming; }

    // Hands out what may go now: bytes up to the next synchronizing
    // literal, or up to and including the next source literal (or the end).
    void next_segments(std::vector<write_chunk>& out) {
        while (!written() && !blocked()) {
            if (next_source < sources.size() && sources[next_source].offset == sent) {
                auto& src = sources[next_source++];
                write_chunk chunk;
                chunk.source = src.source;
                chunk.source_bytes = src.size;
                out.push_back(std::move(chunk));
                streaming = true;
                return;
            }
            std::size_t end = bytes->size();
            if (next_source < sources.size()) end = std::min(end, sources[next_source].offset);
            if (next_sync < sync_points.size() && sync_points[next_sync] <= end) {
                end = sync_points[next_sync++];
                awaiting_plus = true;
            }
            if (end > sent) out.push_back(write_chunk{bytes, sent, end});
            sent = end;
        }
    }
};

connection_engine::connection_engine(engine_config config)
    : config_(std::move(config)), parser_(config_.limits) {}
connection_engine::~connection_engine() = default;
connection_engine::connection_engine(connection_engine&&) noexcept = default;
connection_engine& connection_engine::operator=(connection_engine&&) noexcept = default;

bool connection_engine::has_capability(std::string_view cap) const {
    return std::any_of(capabilities_.begin(), capabilities_.end(),
                       [cap](const std::string& c) { return iequals(c, cap); });
}

bool connection_engine::is_enabled(std::string_view cap) const {
    return std::any_of(enabled_.begin(), enabled_.end(), [cap](const std::string& c) { return iequals(c, cap); });
}

wire::literal_support connection_engine::literals() const {
    wire::literal_support l;
    l.literal_plus = has_capability("LITERAL+");
    l.literal_minus = has_capability("LITERAL-") || has_capability("IMAP4rev2");
    l.binary = has_capability("BINARY");
    return l;
}

command_id connection_engine::submit(command_request request) {
    auto c = std::make_unique<command>();
    const command_id id = c->id = next_id_++;
    c->req = std::move(request);
    if (closed()) {
        const error_code ec = close_reason_ ? close_reason_ : make_error_code(errc::not_connected);
        complete(std::move(c), ec, text_status(close_detail_));
        return id;
    }
    if (auto refused = check(c->req.needs)) {
        complete(std::move(c), refused->ec, text_status(std::move(refused->text)));
        return id;
    }
    c->tag = config_.tag_prefix + std::to_string(next_tag_++);
    try {
        auto encoded = c->req.build(c->tag, literals());
        c->bytes = shared_bytes(std::move(encoded.bytes));
        c->sync_points = std::move(encoded.sync_points);
        c->sources = std::move(encoded.sources);
        c->redacted = std::move(encoded.redacted);
    } catch (const std::exception& e) {
        // An argument that cannot be encoded fails this command alone.
        complete(std::move(c), make_error_code(errc::invalid_argument), text_status(e.what()));
        return id;
    }
    // Named by what goes on the wire, not by the operation: a raw_command()
    // or a MULTIAPPEND counts as the command the server sees.
    c->metric_name = metrics_recorder::name_of(*c->bytes, true);
    queue_.push_back(std::move(c));
    return id;
}

std::optional<refusal> connection_engine::check(const preconditions& needs) const {
    auto refuse = [](errc e, std::string text) { return refusal{make_error_code(e), std::move(text)}; };
    if (needs.level == session_level::any) return std::nullopt;
    if (closed())
        return refusal{close_reason_ ? close_reason_ : make_error_code(errc::not_connected), "not connected"};
    if (state_ == session_state::greeting || state_ == session_state::logout)
        return refuse(errc::not_connected, "not connected");
    const bool logged_in = state_ == session_state::authenticated || state_ == session_state::selected;
    switch (needs.level) {
    case session_level::not_authenticated:
        if (state_ != session_state::not_authenticated)
            return refuse(errc::illegal_state, needs.what + " is only allowed before login");
        break;
    case session_level::authenticated:
        if (!logged_in) return refuse(errc::illegal_state, needs.what + " is only allowed once logged in");
        break;
    case session_level::selected:
        if (state_ != session_state::selected) return refuse(errc::illegal_state, "no mailbox selected");
        break;
    default: break;
    }
    if (!needs.capability.empty() &&
        std::none_of(needs.capability.begin(), needs.capability.end(),
                     [this](const std::string& c) { return has_capability(c); })) {
        std::string text = "the server does not offer " + needs.capability.front();
        if (!needs.what.empty() && needs.what != needs.capability.front()) text += " (" + needs.what + ")";
        return refuse(errc::capability_missing, std::move(text));
    }
    if (!needs.also_capability.empty() && !has_capability(needs.also_capability))
        return refuse(errc::capability_missing, "the server does not offer " + needs.also_capability);
    if (!needs.enabled.empty() && !is_enabled(needs.enabled))
        return refuse(errc::illegal_state,
                      needs.enabled + " is not enabled: call enable({\"" + needs.enabled + "\"}) first");
    // The selection before read-only: read-only describes what is selected
    // now, which is not what the command was issued for.
    if (needs.selection && *needs.selection != selection_) return refuse(errc::mailbox_changed, changed_text(needs));
    if (needs.writable && mailbox_.readonly)
        return refuse(errc::read_only, "the mailbox is selected read-only: " + needs.what + " refused");
    return std::nullopt;
}

bool connection_engine::can_start(const command& c) const {
    // After LOGOUT's OK nothing more may be written.
    if (state_ == session_state::greeting || state_ == session_state::logout || closed()) return false;
    if (c.req.exclusive) return in_flight_.empty();
    for (const auto& d : in_flight_) {
        if (d->req.exclusive) return false;
        if (c.req.sink && d->req.sink) return false;
        const std::uint64_t shared = c.req.collects & d->req.collects;
        if (shared == 0) continue;
        // FETCH data is told apart by UID when both commands name their UIDs.
        const bool only_fetch = shared == kind_bit<fetch_data>();
        if (only_fetch && c.req.uid_ranges && d->req.uid_ranges &&
            !ranges_overlap(*c.req.uid_ranges, *d->req.uid_ranges))
            continue;
        return false;
    }
    return true;
}

std::vector<write_chunk> connection_engine::next_writes() {
    std::vector<write_chunk> out;
    // Nothing may go out in clear text between STARTTLS's OK and the
    // handshake: it would be readable and could be replayed.
    if (closed() || tls_upgrade_pending_ || compression_pending_) return out;
    // Inside a literal nothing else may go, not even DONE or a SASL reply.
    if (source_pending_) return out;
    out = std::move(extra_writes_);
    extra_writes_.clear();
    if (writing_) {
        writing_->next_segments(out);
        if (writing_->streaming) source_pending_ = true;
        // The tail of an answered command stops at a "+" that will not come.
        if (writing_ == tail_.get() && writing_->awaiting_plus) writing_ = nullptr;
        if (writing_ && writing_->blocked()) return out;
        writing_ = nullptr;
        tail_.reset();
    }
    // IDLE blocks everything after it; a queued command ends it.
    for (auto& c : in_flight_) {
        if (c->req.kind == command_kind::idle && c->continued && !queue_.empty()) write_done(*c, out, config_.trace);
    }
    while (!queue_.empty() && can_start(*queue_.front())) {
        // A command of a selection that ended while it was queued would run
        // in whatever is selected now: it fails instead, unwritten.
        if (const auto& sel = queue_.front()->req.needs.selection; sel && *sel != selection_) {
            std::unique_ptr<command> stale = std::move(queue_.front());
            queue_.pop_front();
            std::string text = changed_text(stale->req.needs);
            complete(std::move(stale), make_error_code(errc::mailbox_changed), text_status(std::move(text)));
            continue;
        }
        // Registered as in flight before its bytes are written: a fast server
        // may answer before the write completes.
        in_flight_.push_back(std::move(queue_.front()));
        queue_.pop_front();
        command& c = *in_flight_.back();
        if (c.req.sink) parser_.ask_about_literals(true);
        if (changes_selection(c.req.kind)) start_selection(c);
        if (config_.trace) config_.trace(c.redacted);
        if (config_.metrics) {
            c.sent_at = config_.metrics->now();
            config_.metrics->sent();
        }
        c.next_segments(out);
        if (c.streaming) source_pending_ = true;
        if (c.blocked()) {
            writing_ = &c;
            break;
        }
    }
    return out;
}

bool connection_engine::idling() const noexcept {
    return std::any_of(in_flight_.begin(), in_flight_.end(),
                       [](const auto& c) { return c->req.kind == command_kind::idle && c->continued && !c->done_sent; });
}

bool connection_engine::awaiting_server() const noexcept {
    if (state_ == session_state::greeting) return true;
    return std::any_of(in_flight_.begin(), in_flight_.end(), [](const auto& c) {
        return !(c->req.kind == command_kind::idle && c->continued && !c->done_sent);
    });
}

void connection_engine::end_idle(command_id id) {
    auto end = [&](command& c) {
        if (c.id != id || c.req.kind != command_kind::idle) return;
        // DONE before the "+" would be a protocol error: remember the wish.
        if (c.continued) write_done(c, extra_writes_, config_.trace);
        else c.end_wanted = true;
    };
    for (auto& c : in_flight_) end(*c);
    for (auto& c : queue_) end(*c);
}

void connection_engine::source_written() {
    if (!source_pending_) return;
    source_pending_ = false;
    if (writing_) writing_->streaming = false;
}

void connection_engine::source_failed(std::string_view why) {
    if (closed()) return;
    source_pending_ = false;
    if (writing_ && writing_->streaming && !writing_->abandoned) {
        // This caller learns what its source did; the others that the
        // connection is gone.
        command& c = *writing_;
        c.abandoned = true;
        count(c);
        push_completion(ended(c, make_error_code(errc::stream_failed), text_status(std::string(why))));
    }
    fail(make_error_code(errc::connection_lost), why);
}

void connection_engine::start_selection(command& c) {
    c.starts_selection = selection_ = new_selection();
    // SELECT deselects the previous mailbox as it is sent (RFC 3501
    // 6.3.1): nothing of it (HIGHESTMODSEQ, RECENT, ...) may linger if
    // the new mailbox does not report the same items.
    if (c.req.kind != command_kind::unselect) {
        mailbox_ = {};
        mailbox_.name = c.req.mailbox;
    }
}

void connection_engine::check_uid_validity(const response& r, bool selecting) {
    // RFC 9051 2.3.1.1: a new UIDVALIDITY under a selected mailbox means
    // its UIDs now name other messages (it was deleted and created again).
    // What was issued for the old one must not run in the new one.
    auto* s = std::get_if<status_response>(&r);
    if (!s || !s->code || s->code->name != "UIDVALIDITY" || !s->code->number) return;
    if (state_ != session_state::selected || selecting || !mailbox_.uid_validity) return;
    if (*s->code->number == *mailbox_.uid_validity) return;
    selection_ = known_selection_ = new_selection();
}

std::vector<completion> connection_engine::take_completions() {
    return std::exchange(completions_, {});
}

std::optional<event> connection_engine::pop_event() {
    if (events_.empty()) return std::nullopt;
    event e = std::move(events_.front());
    events_.pop_front();
    event_bytes_ -= event_costs_.front();
    event_costs_.pop_front();
    if (auto* r = std::get_if<resync_needed>(&e)) {
        // The counts are those of the moment the consumer looks.
        r->exists = mailbox_.exists;
        r->highest_modseq = mailbox_.highest_modseq;
        overflowed_ = false;
    }
    return e;
}

void connection_engine::commit_read(std::size_t n) {
    parser_.commit(n);
    parse_buffered();
}

void connection_engine::parse_buffered() {
    auto starts_tls = [this](const response& r) {
        auto* s = std::get_if<status_response>(&r);
        if (!s || s->tag.empty() || s->status != status_kind::ok) return false;
        return std::any_of(in_flight_.begin(), in_flight_.end(), [s](const auto& c) {
            return c->tag == s->tag && (c->req.kind == command_kind::starttls || c->req.kind == command_kind::compress);
        });
    };
    // Until the caller takes them, bytes after COMPRESS's OK are compressed.
    if (closed() || compression_pending_ || piece_out_) return;
    try {
        for (;;) {
            if (parser_.deciding()) {
                parser_.decide_literal(literal_goes_to_sink());
                continue;
            }
            if (parser_.streaming()) {
                auto bytes = parser_.stream_bytes();
                if (bytes.empty()) break;
                const command* c = in_flight(stream_id_);
                if (c && !c->abandoned) {
                    piece_out_ = true;  // the actor writes it, then piece_written()
                    return;
                }
                parser_.consume_stream(bytes.size());  // cancelled or failed: drained
                continue;
            }
            auto r = parser_.next();
            if (!r) {
                if (parser_.deciding() || parser_.streaming()) continue;  // a literal came up
                break;
            }
            // What keeping it costs: its bytes, and the variant around them.
            response_bytes_ = parser_.last_size() + sizeof(response);
            const bool tls_next = starts_tls(*r);
            handle(std::move(*r));
            if (closed()) return;
            // Whatever follows STARTTLS's tagged OK in the same read was sent
            // in clear text and may be injected: leave it unparsed for
            // discard_buffered(), which the caller runs before the handshake.
            // After COMPRESS's OK they are compressed: take_buffered().
            if (tls_next || piece_out_) return;
        }
        answer_logout_with_bye();
    } catch (const wire::parse_error& e) {
        fail(make_error_code(errc::framing_error), e.what());
    }
}

connection_engine::command* connection_engine::in_flight(command_id id) const {
    for (const auto& c : in_flight_)
        if (c->id == id) return c.get();
    return nullptr;
}

bool connection_engine::literal_goes_to_sink() {
    command* target = nullptr;
    for (auto& c : in_flight_)
        if (c->req.sink) target = c.get();  // at most one (can_start)
    if (!target) {
        parser_.ask_about_literals(false);
        return false;
    }
    // The response so far, closed as if the literal were NIL, says whose
    // message and which item it is.
    std::string head(parser_.literal_head());
    head += "NIL)\r\n";
    response r = wire::parse_response(head);
    auto* f = std::get_if<fetch_data>(&r);
    if (!f || f->sections.empty() || f->sections.back().data || !f->unreadable.empty()) return false;
    // A UID before the literal must be one the command asked for. Without
    // one (the order of FETCH items is the server's) the body is taken as
    // the stream's: servers send no bodies unasked, and only one stream is
    // on the wire at a time.
    if ((f->uid || target->req.seq_ranges) && !asked_for(*target, *f)) return false;
    stream_id_ = target->id;
    return true;
}

void connection_engine::hand_section_to_sink(command& c, response& r) {
    auto* f = std::get_if<fetch_data>(&r);
    if (!f) return;
    for (auto& section : f->sections) {
        if (!section.data || section.data->empty()) continue;
        whole_section_ += *section.data;
        section.data->clear();
    }
    if (whole_section_.empty()) return;
    stream_id_ = c.id;
    piece_out_ = piece_whole_ = true;
}

std::optional<stream_piece> connection_engine::next_piece() const {
    if (!piece_out_) return std::nullopt;
    const command* c = in_flight(stream_id_);
    if (!c) return std::nullopt;
    std::string_view bytes = piece_whole_ ? std::string_view(whole_section_) : parser_.stream_bytes();
    return stream_piece{c->req.sink, bytes};
}

void connection_engine::piece_written(error_code ec) {
    if (!piece_out_) return;
    piece_out_ = false;
    std::size_t n = 0;
    if (piece_whole_) {
        n = whole_section_.size();
        std::string().swap(whole_section_);
        piece_whole_ = false;
    } else {
        n = parser_.stream_bytes().size();
        parser_.consume_stream(n);
    }
    if (command* c = in_flight(stream_id_); c && !c->abandoned) {
        if (ec) end_stream(*c, ec);
        else c->streamed += n;
    }
    if (held_) {
        completions_.push_back(std::move(*held_));
        held_.reset();
    }
    parse_buffered();
}

void connection_engine::end_stream(command& c, error_code sink_error) {
    // The rest of the literal is drained (parse_buffered()); the caller
    // need not wait for it, nor for the tagged reply.
    c.abandoned = true;
    count(c);
    completion done = ended(c, make_error_code(errc::stream_failed),
                            text_status("the body sink failed: " + sink_error.message()));
    done.sink_error = sink_error;
    push_completion(std::move(done));
}

completion connection_engine::ended(const command& c, error_code ec, status_response status) {
    completion done;
    done.id = c.id;
    done.ec = ec;
    done.status = std::move(status);
    done.streamed = c.streamed;
    return done;
}

void connection_engine::push_completion(completion c) {
    if (piece_out_ && c.id == stream_id_) held_ = std::move(c);
    else completions_.push_back(std::move(c));
}

void connection_engine::on_bytes(std::string_view bytes) {
    auto buf = parser_.prepare(bytes.size());
    std::copy(bytes.begin(), bytes.end(), buf.begin());
    commit_read(bytes.size());
}

void connection_engine::handle(response&& r) {
    if (state_ == session_state::greeting) return handle_greeting(std::move(r));
    if (auto* c = std::get_if<continuation_request>(&r)) return handle_continuation(*c);
    if (auto* s = std::get_if<status_response>(&r); s && !s->tag.empty())
        return handle_tagged(std::move(*s));
    if (auto* u = std::get_if<unparsed_data>(&r); u && !u->tag.empty()) {
        // "A3 MAYBE": no status a client can act on. The command's effect
        // (STARTTLS, LOGIN, SELECT...) is unknown, so is the session's state.
        auto it = std::find_if(in_flight_.begin(), in_flight_.end(), [&](const auto& c) { return c->tag == u->tag; });
        if (it != in_flight_.end())
            return fail(make_error_code(errc::protocol_violation),
                        "the reply to " + (*it)->req.name + " is neither OK, NO nor BAD: " + u->line);
    }
    handle_untagged(std::move(r));
}

void connection_engine::handle_greeting(response&& r) {
    auto* s = std::get_if<status_response>(&r);
    if (!s || !s->tag.empty()) {
        // Blank or garbage lines before a greeting (seen on broken servers)
        // are skipped; anything else is not an IMAP server.
        if (std::holds_alternative<unparsed_data>(r)) return;
        return fail(make_error_code(errc::protocol_violation), "expected a greeting");
    }
    greeting_ = *s;
    if (s->code && s->code->name == "CAPABILITY") learn_capabilities(s->code->list);
    switch (s->status) {
    case status_kind::ok: state_ = session_state::not_authenticated; break;
    case status_kind::preauth: state_ = session_state::authenticated; break;
    case status_kind::bye: return fail(make_error_code(errc::bye), s->text);
    default: return fail(make_error_code(errc::protocol_violation), "greeting was " + std::string(to_string(s->status)));
    }
}

void connection_engine::handle_continuation(const continuation_request& c) {
    if (writing_ && writing_->awaiting_plus) {
        writing_->awaiting_plus = false;
        return;
    }
    for (auto& cmd : in_flight_) {
        if (cmd->req.on_continuation) {
            cmd->continued = true;
            if (cmd->req.kind == command_kind::idle && (cmd->abandoned || cmd->end_wanted)) {
                // Cancelled or ended before the server was idling: end it now.
                write_done(*cmd, extra_writes_, config_.trace);
                return;
            }
            if (cmd->abandoned) {
                // Nobody answers the challenge any more: "*" cancels the
                // SASL exchange (RFC 3501 6.2.2) and the tagged BAD ends it.
                extra_writes_.push_back({shared_bytes("*\r\n"), 0, 3});
                return;
            }
            if (auto reply = cmd->req.on_continuation(c.text)) {
                extra_writes_.push_back({shared_bytes(std::move(*reply)), 0, 0});
                auto& w = extra_writes_.back();
                w.end = w.data->size();
                if (config_.trace) config_.trace("<SASL response redacted>");
            }
            return;
        }
    }
    fail(make_error_code(errc::protocol_violation), "continuation request nobody asked for: +" + c.text.substr(0, 80));
}

void connection_engine::handle_tagged(status_response&& s) {
    auto it = std::find_if(in_flight_.begin(), in_flight_.end(),
                           [&](const auto& c) { return c->tag == s.tag; });
    if (it == in_flight_.end() && !logout_tag_.empty() && s.tag == logout_tag_) return;  // its BYE answered it
    if (it == in_flight_.end()) {
        // A tag we never sent (or already completed): the stream cannot be
        // trusted to belong to our commands any more.
        return fail(make_error_code(errc::protocol_violation), "tagged response for unknown tag " + s.tag.substr(0, 40));
    }
    std::unique_ptr<command> c = std::move(*it);
    in_flight_.erase(it);
    if (writing_ == c.get()) {
        writing_ = nullptr;  // rejected before its literal
        // Answered while the writer streams its literal: the server reads
        // the literal all the same, and the line after it; it is owed the
        // rest up to the next "+" it will now never send.
        if (c->streaming) {
            tail_ = std::make_unique<command>();
            tail_->id = c->id;
            tail_->bytes = c->bytes;
            tail_->sync_points = c->sync_points;
            tail_->next_sync = c->next_sync;
            tail_->sources = c->sources;
            tail_->next_source = c->next_source;
            tail_->sent = c->sent;
            tail_->streaming = true;
            tail_->abandoned = true;
            writing_ = tail_.get();
        }
    }

    error_code ec;
    if (s.status == status_kind::no) ec = make_error_code(errc::no);
    else if (s.status != status_kind::ok) ec = make_error_code(errc::bad);
    const bool ok = !ec;
    const auto& req = c->req;
    const bool starts_tls = req.kind == command_kind::starttls;
    // What came in untagged CAPABILITY data while LOGIN ran is the new
    // session's (Gmail, Yandex): asking again would waste a round trip.
    if (req.kind == command_kind::authenticate && ok && !c->capabilities_learned) capabilities_.clear();
    if (starts_tls && ok) capabilities_.clear();
    // STARTTLS's OK is clear text: capabilities in it may be forged, and
    // RFC 9051 6.2.1 has them asked again over TLS.
    if (s.code && s.code->name == "CAPABILITY" && !starts_tls) learn_capabilities(s.code->list);
    if (req.kind == command_kind::authenticate && ok) state_ = session_state::authenticated;
    if (starts_tls && ok) {  // events read in clear text may be forged: none survives into TLS
        events_.clear();
        event_costs_.clear();
        event_bytes_ = 0;
        overflowed_ = false;
    }
    if (starts_tls && ok) tls_upgrade_pending_ = true;
    if (req.kind == command_kind::compress && ok) compression_pending_ = true;
    if (changes_selection(req.kind)) known_selection_ = c->starts_selection;
    // The mailbox was created again while the command ran: its answer may
    // describe the new mailbox, so none of it reaches the caller.
    if (req.needs.selection && *req.needs.selection != selection_ && !changes_selection(req.kind)) {
        ec = make_error_code(errc::mailbox_changed);
        c->collected.clear();
        s.text = "the mailbox got a new UIDVALIDITY while " + (req.needs.what.empty() ? req.name : req.needs.what) +
                 " ran (it was deleted and created again): its answer is discarded";
    }
    if (req.kind == command_kind::select || req.kind == command_kind::examine) {
        if (ok) {
            state_ = session_state::selected;
            mailbox_.selected = true;
            mailbox_.readonly = req.kind == command_kind::examine || (s.code && s.code->name == "READ-ONLY");
        } else {
            // RFC 3501 6.3.1: a failed SELECT leaves no mailbox selected.
            state_ = session_state::authenticated;
            mailbox_ = {};
        }
    }
    if (req.kind == command_kind::unselect && ok) {
        state_ = session_state::authenticated;
        mailbox_ = {};
    }
    if (req.kind == command_kind::logout) logout_bye_.reset();
    if (req.kind == command_kind::logout && ok) state_ = session_state::logout;
    c->answered = s.status;
    // An abandoned command already completed, but the server carried it
    // out: the state changes above apply all the same.
    if (c->abandoned) return;
    complete(std::move(c), ec, std::move(s));
}

void connection_engine::complete(std::unique_ptr<command> c, error_code ec, status_response status) {
    // Only a command the server answered: a cancel or a lost connection
    // says more than the bound does.
    const bool answered = !ec || ec == make_error_code(errc::no) || ec == make_error_code(errc::bad);
    if (c->over_limit && answered) {
        ec = make_error_code(errc::limit_exceeded);
        status.text = "the server sent more than max_collected bytes for " + c->req.name +
                      "; the rest was dropped (its reply: " + status.text + ")";
    }
    count(*c);
    completion done = ended(*c, ec, std::move(status));
    done.responses = std::move(c->collected);
    done.selection = c->starts_selection;
    push_completion(std::move(done));
}

void connection_engine::count(command& c) {
    if (!config_.metrics || c.counted) return;
    c.counted = true;
    auto& m = *config_.metrics;
    if (!c.sent_at) {
        // Never written; one refused before it was encoded has no wire
        // line to be named by, so its internal name stands in.
        m.refused(c.metric_name.empty() ? metrics_recorder::name_of(c.req.name, false) : c.metric_name);
    } else if (c.answered) {
        m.answered(c.metric_name, *c.answered, m.now() - *c.sent_at);
    } else {
        m.aborted(c.metric_name);
    }
}

void connection_engine::learn_capabilities(const std::vector<std::string>& caps) {
    capabilities_.clear();
    capabilities_.insert(caps.begin(), caps.end());
    for (auto& c : in_flight_) c->capabilities_learned = true;
}

void connection_engine::handle_untagged(response&& r) {
    bool alert_published = false;
    const bool selecting = std::any_of(in_flight_.begin(), in_flight_.end(),
                                       [](const auto& c) {
        return c->req.kind == command_kind::select || c->req.kind == command_kind::examine;
    });
    if (auto* caps = std::get_if<capability_data>(&r)) learn_capabilities(caps->capabilities);
    // ENABLE is valid only once authenticated; before that it is noise. And
    // only what a running ENABLE asked for counts (RFC 5161 3.1): an
    // unsolicited ENABLED neither turns QRESYNC on nor piles up names.
    if (auto* en = std::get_if<enabled_data>(&r);
        en && (state_ == session_state::authenticated || state_ == session_state::selected)) {
        for (const auto& c : in_flight_)
            for (const auto& cap : en->capabilities) {
                if (std::none_of(c->req.enables.begin(), c->req.enables.end(),
                                 [&](const std::string& asked) { return iequals(asked, cap); }))
                    continue;
                enabled_.insert(cap);
                if (iequals(cap, "QRESYNC")) enabled_.insert("CONDSTORE");
            }
    }
    if (auto* s = std::get_if<status_response>(&r)) {
        if (s->code && s->code->name == "CAPABILITY") learn_capabilities(s->code->list);
        if (s->status == status_kind::bye) {
            const bool expected = std::any_of(in_flight_.begin(), in_flight_.end(),
                                              [](const auto& c) { return c->req.kind == command_kind::logout; });
            if (expected) logout_bye_ = *s;
            if (!expected) {
                bye_seen_ = true;
                std::string text = s->text;
                publish(std::move(r));
                return fail(make_error_code(errc::bye), text);
            }
        }
        // Alerts must reach a human even when a command collects the line.
        if (s->code && s->code->name == "ALERT") {
            publish(response(*s));
            alert_published = true;
        }
    }
    check_uid_validity(r, selecting);
    if (state_ == session_state::selected || selecting) update_mailbox(mailbox_, r);
    forget_sequence_numbers(r);
    if (route_to_command(r)) return;
    if (alert_published) return share_unsolicited(r);
    if (explained_by_state(r, state_, selecting)) {
        share_unsolicited(r);
        publish(std::move(r));
    } else if (config_.trace) {
        config_.trace("(untagged data dropped: meaningless in this session state)");
    }
}

void connection_engine::share_unsolicited(const response& r) {
    for (auto& c : in_flight_)
        if (c->req.sees_unsolicited) keep(*c, response(r));
}

void connection_engine::keep(command& c, response&& r) {
    if (c.abandoned || (c.req.discards & kind_of(r)) != 0) return;
    if (c.req.sink) hand_section_to_sink(c, r);
    if (c.collected_bytes + response_bytes_ > config_.max_collected) {
        c.over_limit = true;
        return;
    }
    c.collected_bytes += response_bytes_;
    c.collected.push_back(std::move(r));
}

void connection_engine::forget_sequence_numbers(const response& r) {
    // An expunge renumbers the messages after it (RFC 9051 7.5.1); a
    // VANISHED does too, for numbers it does not name.
    if (auto* e = std::get_if<expunge_data>(&r)) {
        for (auto& c : in_flight_) {
            std::map<std::uint32_t, std::uint32_t> shifted;
            for (auto [seq, uid] : c->uid_of_seq)
                if (seq != e->seq) shifted.emplace(seq > e->seq ? seq - 1 : seq, uid);
            c->uid_of_seq = std::move(shifted);
        }
    } else if (auto* v = std::get_if<vanished_data>(&r); v && !v->earlier) {
        for (auto& c : in_flight_) c->uid_of_seq.clear();
    }
}

void connection_engine::answer_logout_with_bye() {
    // RFC 9051 7.1.5: BYE, then the tagged OK and the close. A server that
    // sends BYE and falls silent has said what LOGOUT needs: it completes
    // with the BYE once the read it came in holds nothing more.
    if (!logout_bye_) return;
    auto it = std::find_if(in_flight_.begin(), in_flight_.end(),
                           [](const auto& c) { return c->req.kind == command_kind::logout; });
    if (it == in_flight_.end()) return logout_bye_.reset();
    std::unique_ptr<command> c = std::move(*it);
    in_flight_.erase(it);
    state_ = session_state::logout;
    logout_tag_ = c->tag;
    status_response bye = std::move(*logout_bye_);
    logout_bye_.reset();
    c->answered = status_kind::ok;
    if (!c->abandoned) complete(std::move(c), {}, std::move(bye));
}

bool connection_engine::route_to_command(response& r) {
    const std::uint64_t kind = kind_of(r);
    for (auto& c : in_flight_) {
        if ((c->req.collects & kind) == 0) continue;
        if (auto* f = std::get_if<fetch_data>(&r); f && !asked_for(*c, *f)) continue;
        if (auto* v = std::get_if<vanished_data>(&r); v && !v->earlier && c->req.earlier_vanished_only) continue;
        if (c->req.for_mailbox && !names_mailbox(r, *c->req.for_mailbox)) continue;
        keep(*c, std::move(r));
        return true;
    }
    return false;
}

bool connection_engine::asked_for(command& c, fetch_data& f) {
    if (c.req.seq_ranges) return ranges_contain(*c.req.seq_ranges, f.seq);
    if (!c.req.uid_ranges) return true;
    if (f.uid) {
        if (!ranges_contain(*c.req.uid_ranges, *f.uid)) return false;
        c.uid_of_seq[f.seq] = *f.uid;
        return true;
    }
    // More of a message this command's responses already tied to a UID
    // ("* 1 FETCH (MODSEQ (3))" after the data, from Dovecot with
    // CONDSTORE): merged by that UID.
    auto known = c.uid_of_seq.find(f.seq);
    if (known == c.uid_of_seq.end()) return false;
    f.uid = known->second;
    return true;
}

void connection_engine::publish(response&& r) {
    if (overflowed_) {
        // Collapsed: the resync marker at the back stands for everything.
        for (auto& e : events_)
            if (auto* m = std::get_if<resync_needed>(&e)) ++m->dropped;
        return;
    }
    // Bounded by count and by size: five unsolicited 100 MB literals are
    // not kept for a consumer that does not read them.
    if (events_.size() >= config_.max_events || event_bytes_ + response_bytes_ > config_.max_event_bytes) {
        resync_needed m;
        m.dropped = events_.size() + 1;
        events_.clear();
        event_costs_.clear();
        event_bytes_ = 0;
        queue_event(m, 0);
        overflowed_ = true;
        return;
    }
    queue_event(std::move(r), response_bytes_);
}

void connection_engine::queue_event(event e, std::size_t cost) {
    events_.push_back(std::move(e));
    event_costs_.push_back(cost);
    event_bytes_ += cost;
}

void connection_engine::cancel(command_id id) {
    auto q = std::find_if(queue_.begin(), queue_.end(), [&](const auto& c) { return c->id == id; });
    if (q != queue_.end()) {
        std::unique_ptr<command> c = std::move(*q);
        queue_.erase(q);
        complete(std::move(c), boost::asio::error::operation_aborted, {});
        return;
    }
    for (auto& c : in_flight_) {
        if (c->id != id || c->abandoned) continue;
        if (writing_ == c.get()) {
            // The server is reading our literal: there is no way to stop it
            // without leaving the stream in an unknown state. The caller
            // still learns that its own command was cancelled.
            c->abandoned = true;
            count(*c);
            push_completion(ended(*c, boost::asio::error::operation_aborted, {}));
            return fail(make_error_code(errc::literal_cancelled),
                        c->streaming ? "cancelled in the middle of a literal streamed from its source"
                                     : "cancelled in the middle of a synchronizing literal");
        }
        c->abandoned = true;
        count(*c);
        push_completion(ended(*c, boost::asio::error::operation_aborted, {}));
        if (c->req.kind == command_kind::idle && c->continued) write_done(*c, extra_writes_, config_.trace);
        return;
    }
}

void connection_engine::fail(error_code ec, std::string_view why) {
    if (closed()) return;
    state_ = session_state::closed;
    close_reason_ = ec;
    close_detail_ = std::string(why);
    writing_ = nullptr;
    tail_.reset();
    source_pending_ = false;
    extra_writes_.clear();
    const status_response reason = text_status(close_detail_);
    for (auto& c : in_flight_)
        if (!c->abandoned) complete(std::move(c), ec, reason);
    in_flight_.clear();
    for (auto& c : queue_) complete(std::move(c), ec, reason);
    queue_.clear();
    // The closing event is never dropped, whatever the queue holds.
    queue_event(connection_closed{ec, close_detail_}, 0);
}

}  // namespace imapclient::engine
