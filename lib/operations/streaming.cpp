// Streamed FETCH: one body section of one message into a body_sink. The
// engine hands the literal's bytes to the sink as they are read
// (command_request::sink); these state machines only ask and account.
#include "operations/streaming.hpp"

#include "operations/messages.hpp"

#include <imapclient/body_stream.hpp>

#include <stdexcept>

namespace imapclient::operations {

using engine::command_request;
using engine::completion;

namespace commands {

std::string stream_item(std::string_view section, bool binary, bool mark_seen, std::uint32_t offset,
                        std::optional<std::uint32_t> length) {
    for (char c : section)
        if (c == '[' || c == ']' || c == '<' || c == '>' || c == '"' || c == '\r' || c == '\n' || c == '\0')
            throw std::invalid_argument("stream_fetch: invalid section \"" + std::string(section) + "\"");
    std::string item = binary ? "BINARY" : "BODY";
    if (!mark_seen) item += ".PEEK";
    item += '[';
    item += section;
    item += ']';
    if (length) item += "<" + std::to_string(offset) + "." + std::to_string(*length) + ">";
    return item;
}

}  // namespace commands

namespace {

engine::preconditions stream_needs(bool binary) {
    if (binary) return needs_capability("BINARY", engine::session_level::selected, "BINARY fetch");
    return needs_selected();
}

// Whether a FETCH response carries a body section (streamed, or whole).
bool has_section(const fetch_data& f) {
    for (const auto& s : f.sections)
        if (s.name.starts_with("BODY[") || s.name.starts_with("BINARY[") || s.name.starts_with("RFC822")) return true;
    return false;
}

}  // namespace

template <>
struct one_command_rules<ops::stream_fetch> {
    static engine::preconditions needs(const ops::stream_fetch& op, const context&) { return stream_needs(op.binary); }
    static std::optional<command_request> command(const ops::stream_fetch& op, const context& ctx) {
        if (!op.sink) throw std::invalid_argument("stream_fetch: no sink");
        if (op.message == 0) throw std::invalid_argument("stream_fetch: message 0 does not exist");
        std::vector<std::string> items;
        if (ctx.use_uid) items.push_back("UID");
        items.push_back(commands::stream_item(op.section, op.binary, op.mark_seen, op.offset, op.length));
        auto r = commands::fetch(sequence_set(op.message), items, {}, ctx.use_uid);
        r.sink = op.sink;
        return r;
    }
    static outcome<stream_fetch_result> decode(const ops::stream_fetch& op, completion& c, const context& ctx) {
        stream_fetch_result r;
        r.bytes = c.streamed;
        r.sink_error = c.sink_error;
        r.status = c.status;
        bool found = false;
        each<fetch_data>(c.responses, [&](fetch_data& f) {
            if (!has_section(f)) return;
            found = true;
            r.uid = f.uid;
            r.seq = f.seq;
        });
        if (!c.ec && !found) {
            r.status.text = std::string(ctx.use_uid ? "UID " : "message ") + std::to_string(op.message) +
                            ": the server sent no such message or section (its reply: " + c.status.text + ")";
            return {make_error_code(errc::message_missing), std::move(r)};
        }
        return {c.ec, std::move(r)};
    }
};

namespace {

// Runs one streamed FETCH and tells its sink when it is over, whatever the
// end (refused, NO, lost, cancelled, done).
class stream_fetch_algorithm final : public operation<stream_fetch_result> {
public:
    explicit stream_fetch_algorithm(ops::stream_fetch op) : sink_(op.sink), inner_(std::move(op)) {}

    std::optional<command_request> resume(const context& ctx, completion* last) override {
        auto next = inner_.resume(ctx, last);
        if (!next) {
            result = std::move(inner_.result);
            if (sink_) sink_->finish(result.first);
        }
        return next;
    }
    void not_run(error_code ec) override {
        if (sink_) sink_->finish(ec);
    }

private:
    std::shared_ptr<body_sink> sink_;
    one_command<ops::stream_fetch> inner_;
};

// Partial fetches of `chunk` bytes in sequence until one comes back short.
class download_algorithm final : public operation<stream_fetch_result> {
public:
    explicit download_algorithm(ops::download op) : op_(std::move(op)), next_offset_(op_.offset) {}

    std::optional<command_request> resume(const context& ctx, completion* last) override {
        if (!last) {
            if (!op_.sink || op_.chunk == 0) return stop(make_error_code(errc::invalid_argument),
                                                         "download: needs a sink and a chunk size above 0");
            if (auto refused = ctx.engine.check(stream_needs(op_.binary))) return stop(refused->ec, refused->text);
            return piece(ctx);
        }
        auto got = one_command_rules<ops::stream_fetch>::decode(piece_op(), *last, ctx);
        result.second.bytes += got.second.bytes;
        result.second.uid = got.second.uid;
        result.second.seq = got.second.seq;
        result.second.sink_error = got.second.sink_error;
        // Only the first piece may be missing the message: a later one past
        // the end is an empty section, which servers send as "" or NIL.
        const bool past_end = got.first == make_error_code(errc::message_missing) && result.second.bytes > 0;
        if (got.first && !past_end) return stop(got.first, got.second.status.text, got.second.status);
        if (got.second.bytes < op_.chunk || past_end) return stop({}, {}, got.second.status);
        if (std::uint64_t{next_offset_} + op_.chunk > 0xffffffffu)
            return stop(make_error_code(errc::invalid_argument),
                        "download: the section is longer than partial fetches can address (4 GiB)");
        next_offset_ += op_.chunk;
        return piece(ctx);
    }

    void not_run(error_code ec) override {
        if (op_.sink) op_.sink->finish(ec);
    }

private:
    ops::stream_fetch piece_op() const {
        ops::stream_fetch p;
        p.message = op_.message;
        p.sink = op_.sink;
        p.section = op_.section;
        p.binary = op_.binary;
        p.offset = next_offset_;
        p.length = op_.chunk;
        return p;
    }
    std::optional<command_request> piece(const context& ctx) {
        auto req = one_command_rules<ops::stream_fetch>::command(piece_op(), ctx);
        req->needs = stream_needs(op_.binary);
        return req;
    }
    std::optional<command_request> stop(error_code ec, std::string text, status_response status = {}) {
        result.first = ec;
        result.second.status = std::move(status);
        if (!text.empty()) result.second.status.text = std::move(text);
        if (op_.sink) op_.sink->finish(ec);
        return std::nullopt;
    }

    ops::download op_;
    std::uint32_t next_offset_;
};

}  // namespace

algorithm_ptr<ops::stream_fetch> make_algorithm(ops::stream_fetch op) {
    return std::make_unique<stream_fetch_algorithm>(std::move(op));
}

algorithm_ptr<ops::download> make_algorithm(ops::download op) {
    return std::make_unique<download_algorithm>(std::move(op));
}

}  // namespace imapclient::operations
