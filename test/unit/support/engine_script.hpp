// Drives a connection_engine over a scripted transcript, without sockets:
// collects what the engine would write, feeds the server's bytes, and keeps
// every completion and event, so that a test can check that each command
// completed exactly once and that nothing was written that should not be.
#pragma once

#include "engine/engine.hpp"
#include "operations/extensions.hpp"
#include "operations/mailboxes.hpp"
#include "operations/messages.hpp"
#include "operations/session.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace engine_script {

using namespace imapclient;
using namespace imapclient::engine;
namespace cmd = imapclient::operations::commands;

/// How the server's bytes reach the engine: whole, one byte at a time (the
/// result must not depend on the chunking), or through prepare()/commit().
enum class feeding { whole, bytewise, zero_copy };

struct script {
    std::vector<std::string> traced;  // the trace callback's lines (before eng: it points here)
    connection_engine eng;
    feeding feed_mode = feeding::whole;
    std::string written;              // every byte the engine handed out, in order
    std::vector<completion> done;     // every completion, in order

    explicit script(engine_config cfg = {}) : eng(with_trace(std::move(cfg), traced)) {}
    script(const script&) = delete;

    /// next_writes() once; returns the bytes it handed out (also appended
    /// to `written`).
    std::string flush() {
        std::string out;
        // A literal the writer would stream from its source shows as a marker.
        for (auto& c : eng.next_writes())
            out += c.source ? "<source " + std::to_string(c.source_bytes) + ">" : std::string(c.view());
        written += out;
        collect();
        return out;
    }

    /// The server sends `bytes`.
    void server(std::string_view bytes) {
        switch (feed_mode) {
        case feeding::whole: eng.on_bytes(bytes); break;
        case feeding::bytewise:
            for (char ch : bytes) eng.on_bytes(std::string_view(&ch, 1));
            break;
        case feeding::zero_copy: {
            // Ask for more than is written, as a socket read does.
            auto buf = eng.prepare_read(bytes.size() + 13);
            std::memcpy(buf.data(), bytes.data(), bytes.size());
            eng.commit_read(bytes.size());
            break;
        }
        }
        collect();
    }

    command_id submit(command_request r) {
        auto id = eng.submit(std::move(r));
        collect();
        return id;
    }
    void cancel(command_id id) {
        eng.cancel(id);
        collect();
    }
    /// The writer finished streaming a source chunk, or could not.
    void source_written() {
        eng.source_written();
        collect();
    }
    void source_failed(std::string_view why) {
        eng.source_failed(why);
        collect();
    }
    void fail(error_code ec, std::string_view why = {}) {
        eng.fail(ec, why);
        collect();
    }

    void collect() {
        for (auto& c : eng.take_completions()) done.push_back(std::move(c));
    }

    /// How many completions the command got (must end up exactly 1).
    std::size_t times_completed(command_id id) const {
        return static_cast<std::size_t>(
            std::count_if(done.begin(), done.end(), [id](const completion& c) { return c.id == id; }));
    }
    bool completed(command_id id) const { return times_completed(id) > 0; }
    /// The command's completion; REQUIREs that there is exactly one.
    const completion& result(command_id id) const {
        REQUIRE(times_completed(id) == 1);
        return *std::find_if(done.begin(), done.end(), [id](const completion& c) { return c.id == id; });
    }

    /// Pops every queued event.
    std::vector<event> events() {
        std::vector<event> out;
        while (auto e = eng.pop_event()) out.push_back(std::move(*e));
        return out;
    }

    /// A greeting with the given capabilities, checked to be accepted.
    void greet(std::string_view caps = "IMAP4rev1") {
        server("* OK [CAPABILITY " + std::string(caps) + "] ready\r\n");
        REQUIRE(eng.state() == session_state::not_authenticated);
    }

    /// Runs one command to its tagged OK and returns its completion; the
    /// written line must be exactly `expect_line`, the server answers with
    /// `untagged` then "<tag> OK <text>".
    completion run(command_request r, std::string_view expect_line, std::string_view untagged = {},
                   std::string_view ok_text = "done") {
        auto id = submit(std::move(r));
        const std::string w = flush();
        REQUIRE(w == expect_line);
        const std::string tag = w.substr(0, w.find(' '));
        server(std::string(untagged) + tag + " OK " + std::string(ok_text) + "\r\n");
        return result(id);
    }

private:
    static engine_config with_trace(engine_config cfg, std::vector<std::string>& sink) {
        if (!cfg.trace) cfg.trace = [&sink](std::string_view line) { sink.emplace_back(line); };
        return cfg;
    }
};

inline std::vector<std::string> split_lines(std::string_view s) {
    std::vector<std::string> out;
    while (!s.empty()) {
        auto e = s.find("\r\n");
        if (e == std::string_view::npos) {
            out.emplace_back(s);
            break;
        }
        out.emplace_back(s.substr(0, e));
        s.remove_prefix(e + 2);
    }
    return out;
}

/// The response carried by an event, or nullptr for resync/closed.
inline const response* as_response(const event& e) { return std::get_if<response>(&e); }

template <class T>
const T* event_as(const event& e) {
    auto* r = as_response(e);
    return r ? std::get_if<T>(r) : nullptr;
}

inline std::vector<std::uint32_t> fetched_uids(const completion& c) {
    std::vector<std::uint32_t> out;
    for (auto& r : c.responses)
        if (auto* f = std::get_if<fetch_data>(&r)) out.push_back(f->uid.value_or(0));
    return out;
}

inline error_code ec_of(errc e) { return make_error_code(e); }

}  // namespace engine_script
