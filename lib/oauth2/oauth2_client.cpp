// oauth2_client (oauth2.hpp): the token state, shared by the client and
// the credential providers it hands out, serialized on a strand made from
// the client's executor; the HTTP is lib/oauth2/http_client, the formats
// lib/oauth2/form, the cache file lib/oauth2/token_cache.
#include <imapclient/oauth2.hpp>

#include "oauth2/form.hpp"
#include "oauth2/http_client.hpp"
#include "oauth2/token_cache.hpp"

#include <imapclient/error.hpp>
#include <imapclient/tls.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <atomic>
#include <exception>
#include <filesystem>

namespace imapclient {

namespace asio = boost::asio;
using std::chrono::seconds;
using sys_clock = std::chrono::system_clock;
using strand_type = asio::strand<asio::any_io_executor>;

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

// A token for co_spawn that leaves the caller's cancellation slot alone:
// Boost 1.81's co_spawn must not get a slot from another executor (see
// lib/actor/launch.hpp). What is spawned with it is bounded in time.
auto uncancellable() { return asio::bind_cancellation_slot(asio::cancellation_slot(), asio::use_awaitable); }

void require(const std::string& value, const char* name) {
    if (value.empty())
        throw error(make_error_code(errc::invalid_argument), std::string("oauth2_settings::") + name + " is not set");
}

std::string join(const std::vector<std::string>& scopes) {
    std::string out;
    for (const auto& s : scopes) {
        if (s.empty()) continue;
        if (!out.empty()) out += ' ';
        out += s;
    }
    return out;
}

// One refresh grant in progress: the callers that come while it runs wait
// on `done` (cancelled when it ends) and share its outcome. Strand only.
struct flight {
    explicit flight(const strand_type& s) : done(s, asio::steady_timer::time_point::max()) {}
    asio::steady_timer done;
    bool finished = false;
    std::exception_ptr error;
    oauth2_token token;
};

}  // namespace

struct oauth2_client::state {
    state(executor_type ex, oauth2_settings s) : strand(asio::make_strand(ex)), settings(std::move(s)) {}

    const strand_type strand;
    const oauth2_settings settings;
    std::shared_ptr<asio::ssl::context> ssl;  // set once, by the constructor
    std::string scope;                        // settings.scopes, space-joined

    // Strand only (and the constructor).
    oauth2_token token;
    std::shared_ptr<flight> refreshing;

    // Any thread.
    std::atomic<bool> have_refresh_token{false};
    std::atomic<std::size_t> fetched{0};

    bool fresh() const {
        return !token.access_token.empty() && sys_clock::now() + settings.refresh_margin < token.expires_at;
    }

    // What the endpoint's answer falls back on.
    oauth2_token previous() const {
        oauth2_token p;
        p.refresh_token = token.refresh_token;
        p.scope = token.scope.empty() ? scope : token.scope;
        return p;
    }

    // A new token from the endpoint becomes the current one (strand only).
    void adopt(const oauth2_token& t) {
        token = t;
        have_refresh_token = !t.refresh_token.empty();
        if (settings.token_cache.empty()) return;
        oauth2::cached_tokens c;
        c.refresh_token = t.refresh_token;
        c.access_token = t.access_token;
        c.expires_at = t.expires_at;
        c.scope = t.scope;
        c.client_id = settings.client_id;
        c.username = settings.username;
        oauth2::write_token_cache(settings.token_cache, c);
    }

    // The refresh token grant (RFC 6749 6), on the strand.
    static asio::awaitable<oauth2_token> refresh(std::shared_ptr<state> st) {
        const oauth2_settings& s = st->settings;
        require(s.token_endpoint, "token_endpoint");
        require(s.client_id, "client_id");
        if (st->token.refresh_token.empty())
            throw error(make_error_code(errc::credentials_unavailable),
                        "no refresh token: run device_login() or set oauth2_settings::refresh_token");
        const std::string used = st->token.refresh_token;
        oauth2::form_fields fields;
        fields.emplace_back("grant_type", "refresh_token");
        fields.emplace_back("refresh_token", used);
        fields.emplace_back("client_id", s.client_id);
        if (!s.client_secret.empty()) fields.emplace_back("client_secret", s.client_secret);
        if (!st->scope.empty()) fields.emplace_back("scope", st->scope);
        const asio::any_io_executor ex = st->strand.get_inner_executor();
        const oauth2::http_answer answer =
            co_await oauth2::post_form(ex, s.token_endpoint, fields, *st->ssl, s.proxy, s.timeout);
        const oauth2::token_reply reply =
            oauth2::parse_token_reply(answer, s.token_endpoint, st->previous(), sys_clock::now());
        if (!reply.token) {
            // The grant is revoked or expired: only a new sign-in helps, and
            // has_refresh_token() says so.
            if (reply.error == "invalid_grant" && st->token.refresh_token == used) {
                st->token.access_token.clear();
                st->token.refresh_token.clear();
                st->have_refresh_token = false;
                // Nor may the next run start from it: the cache goes too
                // (a failure to remove it must not hide the refusal).
                if (!s.token_cache.empty()) {
                    std::error_code ignored;
                    std::filesystem::remove(s.token_cache, ignored);
                }
            }
            oauth2::throw_refused(s.token_endpoint, reply);
        }
        ++st->fetched;
        // A device_login() that finished meanwhile has the newer grant.
        if (st->token.refresh_token == used) st->adopt(*reply.token);
        co_return *reply.token;
    }

    // access_token(), on the strand: the cached token, the running
    // refresh's, or a new refresh's.
    static asio::awaitable<oauth2_token> get(std::shared_ptr<state> st, bool force) {
        if (!force && st->fresh()) co_return st->token;
        if (std::shared_ptr<flight> running = st->refreshing) {
            while (!running->finished) co_await running->done.async_wait(tuple_awaitable);
            if (running->error) std::rethrow_exception(running->error);
            co_return running->token;
        }
        auto f = std::make_shared<flight>(st->strand);
        st->refreshing = f;
        try {
            f->token = co_await refresh(st);
        } catch (...) {
            f->error = std::current_exception();
        }
        f->finished = true;
        st->refreshing.reset();
        f->done.cancel();
        if (f->error) std::rethrow_exception(f->error);
        co_return f->token;
    }

    static asio::awaitable<oauth2_token> access(std::shared_ptr<state> st, bool force) {
        auto task = get(st, force);
        auto token = uncancellable();
        oauth2_token t = co_await asio::co_spawn(st->strand, std::move(task), std::move(token));
        co_return t;
    }

    static asio::awaitable<void> adopt_on_strand(std::shared_ptr<state> st, oauth2_token t) {
        st->adopt(t);
        co_return;
    }

    static asio::awaitable<imapclient::credentials> provide(std::shared_ptr<state> st, credential_request request) {
        const bool force = request.attempt > 0;
        oauth2_token t = co_await access(st, force);
        imapclient::credentials c;
        c.username = st->settings.username;
        c.access_token = std::move(t.access_token);
        co_return c;
    }

    // The device authorization grant (RFC 8628), on the caller's executor:
    // its waits between polls are cancellable as any timer's.
    static asio::awaitable<oauth2_token> device_login(std::shared_ptr<state> st,
                                                      std::function<void(const device_authorization&)> show) {
        const oauth2_settings& s = st->settings;
        require(s.device_authorization_endpoint, "device_authorization_endpoint");
        require(s.token_endpoint, "token_endpoint");
        require(s.client_id, "client_id");
        const asio::any_io_executor ex = co_await asio::this_coro::executor;

        oauth2::form_fields ask;
        ask.emplace_back("client_id", s.client_id);
        if (!st->scope.empty()) ask.emplace_back("scope", st->scope);
        const oauth2::http_answer asked =
            co_await oauth2::post_form(ex, s.device_authorization_endpoint, ask, *st->ssl, s.proxy, s.timeout);
        const oauth2::device_grant grant = oauth2::parse_device_authorization(asked, s.device_authorization_endpoint);
        if (show) show(grant.shown);

        oauth2::form_fields poll;
        poll.emplace_back("grant_type", "urn:ietf:params:oauth:grant-type:device_code");
        poll.emplace_back("device_code", grant.device_code);
        poll.emplace_back("client_id", s.client_id);
        if (!s.client_secret.empty()) poll.emplace_back("client_secret", s.client_secret);
        // A new grant: the old refresh token is not this one's fallback.
        oauth2_token none;
        none.scope = st->scope;

        const auto expires = std::chrono::steady_clock::now() + grant.shown.expires_in;
        seconds interval = std::max(grant.shown.interval, seconds(1));
        asio::steady_timer timer(ex);
        std::exception_ptr timed_out;  // the last poll's timeout, if it was one
        for (;;) {
            timer.expires_after(interval);
            co_await timer.async_wait(asio::use_awaitable);
            if (std::chrono::steady_clock::now() >= expires) {
                if (timed_out) std::rethrow_exception(timed_out);
                oauth2::token_reply expired;
                expired.error = "expired_token";
                expired.error_description = "the user did not approve the device login in time";
                oauth2::throw_refused(s.token_endpoint, expired);
            }
            oauth2::http_answer answer;
            timed_out = nullptr;
            try {
                answer = co_await oauth2::post_form(ex, s.token_endpoint, poll, *st->ssl, s.proxy, s.timeout);
            } catch (const error& e) {
                if (e.code() != make_error_code(errc::timeout)) throw;
                timed_out = std::current_exception();
            }
            if (timed_out) {
                // RFC 8628 3.5: back off after a timeout.
                interval = std::min(interval * 2, seconds(300));
                continue;
            }
            const oauth2::token_reply reply =
                oauth2::parse_token_reply(answer, s.token_endpoint, none, sys_clock::now());
            if (reply.token) {
                ++st->fetched;
                auto task = adopt_on_strand(st, *reply.token);
                auto token = uncancellable();
                co_await asio::co_spawn(st->strand, std::move(task), std::move(token));
                co_return *reply.token;
            }
            if (reply.error == "authorization_pending") {
                if (reply.interval) interval = std::max(*reply.interval, seconds(1));
            } else if (reply.error == "slow_down") {
                interval = reply.interval ? *reply.interval : interval + seconds(5);
                interval = std::max(interval, seconds(1));
            } else {
                oauth2::throw_refused(s.token_endpoint, reply);
            }
        }
    }
};

oauth2_client::oauth2_client(executor_type executor, oauth2_settings settings)
    : state_(std::make_shared<state>(std::move(executor), std::move(settings))) {
    state& st = *state_;
    const oauth2_settings& s = st.settings;
    st.ssl = s.ssl_context ? s.ssl_context : create_default_context();
    st.scope = join(s.scopes);
    if (!s.token_cache.empty()) {
        const std::optional<oauth2::cached_tokens> cached = oauth2::read_token_cache(s.token_cache);
        // Another client's or user's tokens are not ours. The cache's
        // refresh token wins over the configured one: a server that rotates
        // refresh tokens revokes the whole grant when a used one comes back.
        // (A dead cached grant removes the cache, and the configured token
        // is used again.)
        if (cached && cached->client_id == s.client_id && cached->username == s.username &&
            !cached->refresh_token.empty()) {
            st.token.access_token = cached->access_token;
            st.token.refresh_token = cached->refresh_token;
            st.token.scope = cached->scope;
            st.token.expires_at = cached->expires_at;
        }
    }
    if (st.token.refresh_token.empty()) st.token.refresh_token = s.refresh_token;
    st.have_refresh_token = !st.token.refresh_token.empty();
}

oauth2_client::~oauth2_client() = default;

bool oauth2_client::has_refresh_token() const { return state_->have_refresh_token; }

// Not coroutines themselves: the state is shared when called, so the
// awaitable does not need `this` later.
asio::awaitable<oauth2_token> oauth2_client::access_token(bool force_refresh) {
    return state::access(state_, force_refresh);
}

asio::awaitable<oauth2_token> oauth2_client::device_login(std::function<void(const device_authorization&)> show) {
    return state::device_login(state_, std::move(show));
}

credential_provider oauth2_client::credentials() {
    return [st = state_](credential_request request) { return state::provide(st, std::move(request)); };
}

std::size_t oauth2_client::tokens_fetched() const { return state_->fetched; }

}  // namespace imapclient
