// Layer 3, operations: what each client operation sends and how it turns
// the server's answers into its typed result, without sockets or
// executors. An operation is a small state machine (Boost.Redis style):
// resume() gets the completion of the command it asked for last and
// answers with the next command, or with none once its result is ready.
// One generic loop in the actor (client::impl::drive) runs every one of
// them; the unit tests run them against scripted completions.
#pragma once

#include "engine/engine.hpp"

#include <imapclient/error.hpp>
#include <imapclient/ops/session.hpp>

#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

namespace imapclient::operations {

/// An operation's outcome: the error (none, NO/BAD, an abort code) and the
/// typed result, which on failure still carries what came.
template <typename T>
using outcome = std::pair<error_code, T>;

/// What an operation may know of the session when it decides its next step.
struct context {
    const engine::connection_engine& engine;
    bool use_uid = true;
    bool folder_encode = true;
    bool normalise_times = true;
    bool tls = false;
    bool allow_plaintext_login = false;
    /// client_options::max_command_length (see split.hpp).
    std::size_t max_command_length = 8192;
};

/// The part of an operation the generic loop sees.
class algorithm {
public:
    virtual ~algorithm() = default;
    /// `last` is the completion of the command the previous call returned
    /// (null on the first call). Returns the next command, or nullopt when
    /// the operation is finished.
    virtual std::optional<engine::command_request> resume(const context& ctx, engine::completion* last) = 0;
    /// The operation will not run at all (the connection is down, its
    /// lease was released): resume() is never called. For operations that
    /// must tell someone (a stream's sink).
    virtual void not_run(error_code) {}
    /// Set when the connection must be closed once the operation is done
    /// (after LOGOUT's OK; a cancelled SASL exchange the server accepted).
    std::optional<engine::refusal> close_connection;
};

/// An operation that produces an R.
template <typename R>
class operation : public algorithm {
public:
    outcome<R> result{};
};

/// A failed outcome with its reason in the result's status (when it has
/// one: find_special_folder() and folder_exists() return plain values).
template <typename T>
outcome<T> refused(error_code ec, std::string text) {
    outcome<T> r{ec, T{}};
    if constexpr (requires { r.second.status; }) r.second.status.text = std::move(text);
    return r;
}
template <typename T>
outcome<T> refused(errc e, std::string text) {
    return refused<T>(make_error_code(e), std::move(text));
}
template <typename T>
outcome<T> refused(const engine::refusal& r) {
    return refused<T>(r.ec, r.text);
}

/// The completion's error and tagged reply, with `value` as the result.
template <typename T>
outcome<T> with_status(const engine::completion& c, T value = {}) {
    if constexpr (requires { value.status; }) value.status = c.status;
    return {c.ec, std::move(value)};
}

/// What most operations are: one command. Its topic's file specializes
/// one_command_rules<Op> with
///   static preconditions needs(const Op&, const context&);
///   static std::optional<command_request> command(const Op&, const context&);
///       (nullopt: nothing to ask, the result is empty)
///   static R decode(const Op&, completion&, const context&);
///       (or outcome<R>, when decoding can fail a reply that said OK)
/// which say what the operation requires, sends and returns, side by side.
template <typename Op>
struct one_command_rules;

template <typename Op>
class one_command final : public operation<typename Op::result_type> {
public:
    explicit one_command(Op op) : op_(std::move(op)) {}

    std::optional<engine::command_request> resume(const context& ctx, engine::completion* last) override {
        using R = typename Op::result_type;
        using rules = one_command_rules<Op>;
        if (last) {
            auto decoded = rules::decode(op_, *last, ctx);
            // A decode that returns an outcome decides the error itself (an
            // unreadable VANISHED set after an OK); otherwise the reply does.
            if constexpr (std::is_same_v<decltype(decoded), outcome<R>>)
                this->result = std::move(decoded);
            else
                this->result = with_status(*last, std::move(decoded));
            return std::nullopt;
        }
        // Checked before the command is built, so that a refusal says what
        // is wrong with the session before what is wrong with the
        // arguments; the engine checks them again when it takes the command.
        auto wanted = rules::needs(op_, ctx);
        if (auto r = ctx.engine.check(wanted)) {
            this->result = refused<R>(*r);
            return std::nullopt;
        }
        auto req = rules::command(op_, ctx);
        if (req) req->needs = std::move(wanted);
        // command_result's `responses` are what came while the command ran
        // (NOOP, CLOSE, CREATE, ...), the unsolicited data included.
        if constexpr (std::is_same_v<R, command_result>)
            if (req) req->sees_unsolicited = true;
        // nullopt: nothing to ask (an empty message set), the result is empty.
        return req;
    }

private:
    Op op_;
};

/// An operation's state machine, as the topic headers declare them:
/// `algorithm_ptr<ops::fetch> make_algorithm(ops::fetch);`
template <typename Op>
using algorithm_ptr = std::unique_ptr<operation<typename Op::result_type>>;

/// The make_algorithm() of a one-command operation.
template <typename Op>
algorithm_ptr<Op> one(Op op) {
    return std::make_unique<one_command<Op>>(std::move(op));
}

/// The result of the commands whose data is everything that came with them
/// (NOOP, CAPABILITY, CREATE, raw commands, ...).
inline command_result with_responses(engine::completion& c) {
    return {{}, std::move(c.responses)};
}

/// Calls f with each untagged response of type Data, in order.
template <typename Data, typename F>
void each(std::vector<response>& responses, F f) {
    for (auto& r : responses)
        if (auto* d = std::get_if<Data>(&r)) f(*d);
}

/// The `field` lists of every untagged response of type Data, end to end
/// (GETACL's entries, THREAD's threads, ...).
template <typename Data, typename T>
std::vector<T> gather(std::vector<response>& responses, std::vector<T> Data::*field) {
    std::vector<T> out;
    each<Data>(responses, [&](Data& d) { std::move((d.*field).begin(), (d.*field).end(), std::back_inserter(out)); });
    return out;
}

/// Shorthands for preconditions.
inline engine::preconditions needs_level(engine::session_level level) {
    engine::preconditions p;
    p.level = level;
    return p;
}
inline engine::preconditions needs_connection() {
    return needs_level(engine::session_level::connected);
}
inline engine::preconditions needs_selected() {
    return needs_level(engine::session_level::selected);
}
/// Connected, and the server offers `capability` (`what` names the
/// feature in the refusal when it is not the capability itself).
inline engine::preconditions needs_capability(std::string capability, engine::session_level level,
                                              std::string what = {}) {
    engine::preconditions p;
    p.level = level;
    p.capability.push_back(std::move(capability));
    p.what = std::move(what);
    return p;
}

}  // namespace imapclient::operations
