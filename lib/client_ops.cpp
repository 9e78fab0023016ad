// The client's operations: each one a coroutine on the actor's strand that
// checks the state, runs its command(s) and turns the completion into a
// typed result.
#include "client_launch.hpp"
#include "engine/commands_messages.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <charconv>

namespace imapclient {

namespace asio = boost::asio;
using engine::completion;
namespace commands = engine::commands;
using detail::complete_now;
using detail::launch;
using detail::refuse;
using detail::with_status;

namespace {

std::optional<std::uint32_t> to_u32(std::string_view s) {
    std::uint32_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
    return v;
}

}  // namespace

error_code client::impl::check_state(bool needs_selected) const {
    if (!running_ || engine_.closed()) return make_error_code(errc::not_connected);
    if (needs_selected && engine_.state() != engine::session_state::selected)
        return make_error_code(errc::illegal_state);
    return {};
}

// ---- connect -----------------------------------------------------------

asio::awaitable<op_result<connect_result>> client::impl::do_connect() {
    if (connecting_ || running_) co_return refuse<connect_result>(errc::illegal_state, "already connected");
    // A cancellation must end in fail() below, not in an exception thrown
    // out of some later co_await (Asio's default for cancelled coroutines).
    co_await asio::this_coro::throw_if_cancelled(false);
    connecting_ = true;
    connect_timed_out_ = false;
    connect_timer_.expires_after(opts_.connect_timeout);
    connect_timer_.async_wait([w = weak_from_this()](error_code ec) {
        auto self = w.lock();
        if (ec || !self || self->running_ || !self->connecting_) return;
        self->connect_timed_out_ = true;
        self->transport_.close();
    });
    auto fail = [&](error_code ec, std::string text) {
        connecting_ = false;
        connect_timer_.cancel();
        if (connect_timed_out_) ec = make_error_code(errc::timeout), text = "connect timed out";
        log(1, "connect failed: " + ec.message() + " " + text);
        close(ec, text);  // fails the engine and tells event waiters
        op_result<connect_result> r{ec, {}};
        r.second.status.text = std::move(text);
        return r;
    };

    auto cancelled = [&]() -> asio::awaitable<bool> {
        co_return (co_await asio::this_coro::cancellation_state).cancelled() != asio::cancellation_type::none;
    };
    const auto aborted = make_error_code(asio::error::operation_aborted);

    const bool implicit_tls = opts_.security == security::tls && opts_.stream_command.empty();
    const bool want_tls = opts_.security != security::plain && opts_.stream_command.empty();
    std::shared_ptr<asio::ssl::context> ctx = opts_.ssl_context;
    if (want_tls && !ctx) ctx = create_default_context();

    if (!opts_.stream_command.empty()) {
        if (auto ec = transport_.spawn(opts_.stream_command)) co_return fail(ec, "cannot start the stream command");
    } else {
        const std::uint16_t port = opts_.port ? opts_.port : (implicit_tls ? 993 : 143);
        log(1, "connecting to " + opts_.host + ":" + std::to_string(port));
        if (auto ec = co_await transport_.connect_tcp(opts_.host, port)) co_return fail(ec, "TCP connect failed");
        if (co_await cancelled()) co_return fail(aborted, "connect cancelled");
        if (implicit_tls)
            if (auto ec = co_await transport_.handshake_tls(*ctx, opts_.host)) co_return fail(ec, "TLS handshake failed");
    }

    if (co_await cancelled()) co_return fail(aborted, "connect cancelled");
    auto greeting = co_await drive(std::nullopt);
    if (greeting.ec) co_return fail(greeting.ec, greeting.status.text);
    if (co_await cancelled()) co_return fail(aborted, "connect cancelled");
    const bool preauth = engine_.state() == engine::session_state::authenticated;

    if (opts_.security == security::starttls && opts_.stream_command.empty()) {
        // A PREAUTH greeting means the session is already authenticated in
        // clear text: STARTTLS is no longer possible (RFC 9051 7.1.4).
        if (preauth) co_return fail(make_error_code(errc::tls_required), "PREAUTH greeting; STARTTLS impossible");
        if (engine_.capabilities().empty()) {
            auto caps = co_await drive(commands::capability());
            if (caps.ec) co_return fail(caps.ec, caps.status.text);
        }
        if (!engine_.has_capability("STARTTLS"))
            co_return fail(make_error_code(errc::tls_required), "the server does not offer STARTTLS");
        auto st = co_await drive(commands::starttls());
        if (st.ec) co_return fail(make_error_code(errc::tls_required), "STARTTLS refused: " + st.status.text);
        // Whatever came after the tagged OK was sent in clear text and could
        // have been injected: it is dropped, and capabilities are re-read.
        engine_.discard_buffered();
        if (auto ec = co_await transport_.handshake_tls(*ctx, opts_.host)) co_return fail(ec, "TLS handshake failed");
        engine_.tls_established();
    }
    if (co_await cancelled()) co_return fail(aborted, "connect cancelled");
    if (engine_.capabilities().empty()) {
        auto caps = co_await drive(commands::capability());
        if (caps.ec) co_return fail(caps.ec, caps.status.text);
    }
    connect_timer_.cancel();
    connecting_ = false;
    connect_timed_out_ = false;
    start_loops();
    log(1, "connected");

    connect_result r;
    r.greeting = engine_.greeting().value_or(status_response{});
    r.capabilities.assign(engine_.capabilities().begin(), engine_.capabilities().end());
    r.preauthenticated = preauth;
    r.tls = transport_.is_tls();
    r.status = r.greeting;
    co_return op_result<connect_result>{{}, std::move(r)};
}

// ---- commands ----------------------------------------------------------

asio::awaitable<op_result<command_result>> client::impl::do_login(std::string user, std::string password) {
    if (auto ec = check_state(false)) co_return refuse<command_result>(errc::not_connected, "not connected");
    if (!transport_.is_tls() && !opts_.allow_plaintext_login)
        co_return refuse<command_result>(errc::plaintext_login_refused,
                                         "no TLS; set allow_plaintext_login to send the password in clear text");
    if (engine_.has_capability("LOGINDISABLED"))
        co_return refuse<command_result>(errc::plaintext_login_refused, "the server announces LOGINDISABLED");
    auto c = co_await async_run(commands::login(std::move(user), std::move(password)), asio::use_awaitable);
    co_return co_await finish_authentication(std::move(c));
}

asio::awaitable<op_result<command_result>> client::impl::finish_authentication(engine::completion c) {
    if (c.ec == make_error_code(errc::no)) c.ec = make_error_code(errc::login_failed);
    if (!c.ec && engine_.capabilities().empty()) {
        // The OK did not carry the new capabilities: ask.
        auto caps = co_await async_run(commands::capability(), asio::use_awaitable);
        if (caps.ec) co_return with_status<command_result>(caps);
    }
    if (!c.ec && opts_.compress && engine_.has_capability("COMPRESS=DEFLATE") && !compress_requested_) {
        // client_options::compress. NO/BAD leaves the session uncompressed;
        // only a dead connection fails the login's result.
        auto z = co_await do_compress();
        if (is_abort(z.first)) co_return z;
    }
    co_return with_status(c, command_result{{}, std::move(c.responses)});
}

asio::awaitable<op_result<command_result>> client::impl::do_simple(engine::command_request req) {
    if (auto ec = check_state(false)) co_return refuse<command_result>(errc::not_connected, "not connected");
    const bool logout = req.is_logout;
    auto c = co_await async_run(std::move(req), asio::use_awaitable);
    if (logout && !c.ec) close(make_error_code(errc::not_connected), "logged out");
    co_return with_status(c, command_result{{}, std::move(c.responses)});
}

asio::awaitable<op_result<select_result>> client::impl::do_select(std::string folder, bool readonly) {
    if (auto ec = check_state(false)) co_return refuse<select_result>(errc::not_connected, "not connected");
    auto c = co_await async_run(commands::select(folder, readonly, opts_.folder_encode), asio::use_awaitable);
    if (c.ec) co_return with_status<select_result>(c);
    co_return with_status(c, selected_result());
}

select_result client::impl::selected_result() const {
    const auto& m = engine_.mailbox();
    select_result r;
    r.exists = m.exists;
    r.recent = m.recent;
    r.uid_validity = m.uid_validity;
    r.uid_next = m.uid_next;
    r.unseen = m.unseen;
    r.highest_modseq = m.highest_modseq;
    r.flags = m.flags;
    r.permanent_flags = m.permanent_flags;
    r.readonly = m.readonly;
    return r;
}

asio::awaitable<op_result<search_result>> client::impl::do_search(search_criteria criteria, std::string charset) {
    if (auto ec = check_state(true)) co_return refuse<search_result>(ec, "no mailbox selected");
    auto c = co_await async_run(commands::search(std::move(criteria), std::move(charset), use_uid_), asio::use_awaitable);
    search_result r;
    for (auto& resp : c.responses) {
        if (auto* s = std::get_if<search_data>(&resp)) {
            r.ids.insert(r.ids.end(), s->ids.begin(), s->ids.end());
            if (s->modseq) r.modseq = s->modseq;
        }
    }
    co_return with_status(c, std::move(r));
}

asio::awaitable<op_result<fetch_result>> client::impl::do_fetch(sequence_set set, std::vector<std::string> items,
                                                                std::vector<std::string> modifiers) {
    if (auto ec = check_state(true)) co_return refuse<fetch_result>(ec, "no mailbox selected");
    const bool uid = use_uid_;
    auto c = co_await async_run(commands::fetch(set, items, modifiers, uid), asio::use_awaitable);
    fetch_result r;
    for (auto& resp : c.responses) {
        auto* f = std::get_if<fetch_data>(&resp);
        if (!f) continue;
        std::uint32_t key = uid ? f->uid.value_or(0) : f->seq;
        if (uid && !f->uid) continue;  // unsolicited flag update without UID
        auto [it, fresh] = r.messages.try_emplace(key, std::move(*f));
        if (!fresh) {
            // A server may split one message's items over several responses.
            auto& dst = it->second;
            auto merge = [](auto& a, auto& b) { if (b) a = std::move(b); };
            merge(dst.flags, f->flags);
            merge(dst.internal_date, f->internal_date);
            merge(dst.internal_date_raw, f->internal_date_raw);
            merge(dst.size, f->size);
            merge(dst.envelope, f->envelope);
            merge(dst.body, f->body);
            merge(dst.bodystructure, f->bodystructure);
            merge(dst.modseq, f->modseq);
            merge(dst.gmail_msgid, f->gmail_msgid);
            merge(dst.gmail_thrid, f->gmail_thrid);
            merge(dst.gmail_labels, f->gmail_labels);
            merge(dst.email_id, f->email_id);
            merge(dst.thread_id, f->thread_id);
            merge(dst.save_date, f->save_date);
            merge(dst.preview, f->preview);
            for (auto& s : f->sections) dst.sections.push_back(std::move(s));
            for (auto& o : f->other) dst.other.push_back(std::move(o));
        }
    }
    if (opts_.normalise_times)
        for (auto& [key, m] : r.messages) commands::normalise_times(m);
    co_return with_status(c, std::move(r));
}

asio::awaitable<op_result<append_result>> client::impl::do_append(std::string folder, std::string message,
                                                                  std::vector<std::string> flags,
                                                                  std::optional<datetime> when) {
    if (auto ec = check_state(false)) co_return refuse<append_result>(errc::not_connected, "not connected");
    auto request = commands::append(std::move(folder), std::move(message), std::move(flags), when,
                                    opts_.folder_encode);
    auto c = co_await async_run(std::move(request), asio::use_awaitable);
    append_result r;
    if (c.status.code && c.status.code->name == "APPENDUID") {
        if (c.status.code->number) r.uid_validity = static_cast<std::uint32_t>(*c.status.code->number);
        r.uid = to_u32(c.status.code->uid_set);
    }
    co_return with_status(c, std::move(r));
}

// ---- the public face ---------------------------------------------------

client::client(executor_type executor, client_options options)
    : executor_(executor), impl_(std::make_shared<impl>(std::move(executor), std::move(options))) {
    impl_->register_with_context();
}
client::client(client&& other) noexcept : executor_(other.executor_), impl_(std::move(other.impl_)) {}
client& client::operator=(client&& other) noexcept {
    if (this != &other) {
        shutdown();
        executor_ = other.executor_;
        impl_ = std::move(other.impl_);
    }
    return *this;
}
client::~client() { shutdown(); }

void client::shutdown() {
    if (!impl_) return;
    asio::post(impl_->strand_, [self = impl_] { self->close(make_error_code(errc::not_connected), "shut down"); });
}

client::executor_type client::get_executor() const noexcept {
    // A moved-from client still completes operations (with not_connected).
    if (!impl_) return executor_;
    return impl_->strand_;
}
const client_options& client::options() const noexcept {
    static const client_options none;
    return impl_ ? impl_->opts_ : none;
}
std::vector<std::string> client::capabilities() const {
    if (!impl_) return {};
    return {impl_->engine_.capabilities().begin(), impl_->engine_.capabilities().end()};
}
bool client::has_capability(std::string_view c) const { return impl_ && impl_->engine_.has_capability(c); }
std::string client::welcome() const {
    if (!impl_) return {};
    auto& g = impl_->engine_.greeting();
    return g ? g->text : std::string();
}
const mailbox_state& client::mailbox() const noexcept {
    static const mailbox_state none;
    return impl_ ? impl_->engine_.mailbox() : none;
}
bool client::use_uid() const noexcept { return impl_ && impl_->use_uid_; }
void client::set_use_uid(bool on) noexcept {
    if (impl_) impl_->use_uid_ = on;
}

void client::start_connect(result_handler<connect_result> h) {
    launch(impl_, std::move(h), [self = impl_] { return self->do_connect(); });
}
void client::start_login(std::string user, std::string password, result_handler<command_result> h) {
    launch(impl_, std::move(h), [self = impl_, u = std::move(user), p = std::move(password)]() mutable {
        return self->do_login(std::move(u), std::move(p));
    });
}
void client::start_simple(std::string_view command, result_handler<command_result> h) {
    engine::command_request req = command == "LOGOUT"  ? commands::logout()
                                  : command == "CLOSE" ? commands::close()
                                  : command == "CAPABILITY" ? commands::capability()
                                                            : commands::noop();
    launch(impl_, std::move(h), [self = impl_, req = std::move(req)]() mutable { return self->do_simple(std::move(req)); });
}
void client::start_select(std::string folder, bool readonly, result_handler<select_result> h) {
    launch(impl_, std::move(h), [self = impl_, f = std::move(folder), readonly]() mutable {
        return self->do_select(std::move(f), readonly);
    });
}
void client::start_search(search_criteria criteria, std::string charset, result_handler<search_result> h) {
    launch(impl_, std::move(h), [self = impl_, c = std::move(criteria), cs = std::move(charset)]() mutable {
        return self->do_search(std::move(c), std::move(cs));
    });
}
void client::start_fetch(sequence_set messages, std::vector<std::string> items, std::vector<std::string> modifiers,
                         result_handler<fetch_result> h) {
    launch(impl_, std::move(h), [self = impl_, m = std::move(messages), i = std::move(items),
                                 mod = std::move(modifiers)]() mutable {
        return self->do_fetch(std::move(m), std::move(i), std::move(mod));
    });
}
void client::start_append(std::string folder, std::string message, std::vector<std::string> flags,
                          std::optional<datetime> msg_time, result_handler<append_result> h) {
    launch(impl_, std::move(h), [self = impl_, f = std::move(folder), m = std::move(message), fl = std::move(flags),
                                 msg_time]() mutable {
        return self->do_append(std::move(f), std::move(m), std::move(fl), msg_time);
    });
}
void client::start_raw(std::string line, result_handler<command_result> h) {
    launch(impl_, std::move(h), [self = impl_, l = std::move(line)]() mutable {
        return self->do_simple(commands::raw(std::move(l)));
    });
}
void client::start_next_event(result_handler<event> h) {
    if (!impl_) return complete_now(std::move(h), errc::not_connected, "the client was moved from");
    // wait_event() assigns and clears the handler's slot on the strand.
    auto bridged = detail::bridge_cancellation(std::move(h), impl_->strand_);
    asio::dispatch(impl_->strand_, [self = impl_, h = std::move(bridged)]() mutable { self->wait_event(std::move(h)); });
}

}  // namespace imapclient
