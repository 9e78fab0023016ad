// A push listener: prints the sender and subject of each new message in
// INBOX as it arrives, across IDLE renewals, and comes back by itself when
// the connection dies (a server restart, a dropped network).
//
//   new_mail_listener HOST PORT USER PASSWORD [--tls|--starttls|--plain] [--ca-file F] [--seconds N]
//                     [--proxy URL] [--oauth2-token-endpoint URL --oauth2-client-id ID
//                      [--oauth2-client-secret S] [--oauth2-refresh-token R] [--oauth2-scope S]
//                      [--oauth2-cache FILE] [--oauth2-ca-file F]]
//
// With the OAuth2 options (PASSWORD then "-"), the access token comes from
// the token endpoint and is refreshed whenever the server refuses it, so a
// listener runs for days across token expiries (Gmail's last an hour).
//
// An imapclient::reconnecting_client holds the one connection: it signs in
// with the credential provider of its client_options (a fixed password, or
// an imapclient::oauth2_client), reconnects with back-off after a loss,
// and its lease on INBOX selects INBOX again on the new connection.
// listen_forever() keeps the lease's folder under IDLE (renewed every 9
// minutes); print_new_mail() takes the events of every connection and, on
// EXISTS, fetches the new messages' ENVELOPE through the same lease: the
// library ends IDLE for the fetch and resumes it afterwards.
#include <imapclient/oauth2.hpp>
#include <imapclient/reconnecting_client.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstdio>
#include <string>
#include <string_view>

namespace asio = boost::asio;

namespace {

std::string sender(const imapclient::envelope& e) {
    if (e.from.empty()) return "(unknown)";
    const auto& a = e.from.front();
    return a.name ? imapclient::decode_header(*a.name) + " <" + a.email() + ">" : a.email();
}

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

// Keeps INBOX under IDLE. When the connection dies listen() fails with an
// abort error, and the next run() is served by a new connection (the
// client reconnects with back-off); it ends when INBOX is no longer the
// folder it was (mailbox_changed: its UIDs would mean other messages).
asio::awaitable<void> listen_forever(imapclient::pool_lease& inbox) {
    for (;;) {
        imapclient::ops::listen forever;
        auto [ec, r] = co_await inbox.run(std::move(forever), tuple_awaitable);
        if (ec && !imapclient::is_abort(ec)) {
            std::printf("stopped listening: %s\n", r.status.text.empty() ? ec.message().c_str() : r.status.text.c_str());
            co_return;
        }
    }
}

// Prints messages as EXISTS announces them, whichever connection it came on.
asio::awaitable<void> print_new_mail(imapclient::reconnecting_client& rc, imapclient::pool_lease& inbox,
                                     std::uint32_t uid_next) {
    for (;;) {
        auto e = co_await rc.next_event();
        if (std::holds_alternative<imapclient::connection_closed>(e.event)) {
            std::printf("connection lost; reconnecting\n");
            std::fflush(stdout);
            continue;
        }
        const bool more = std::holds_alternative<imapclient::resync_needed>(e.event) ||
                          (std::holds_alternative<imapclient::response>(e.event) &&
                           std::holds_alternative<imapclient::exists_data>(std::get<imapclient::response>(e.event)));
        if (!more) continue;
        imapclient::ops::fetch new_ones{.messages = std::to_string(uid_next) + ":*", .items = {"ENVELOPE"}};
        auto [ec, fetched] = co_await inbox.run(std::move(new_ones), tuple_awaitable);
        if (ec) continue;  // the connection died meanwhile: the next EXISTS brings them
        for (const auto& [uid, m] : fetched.messages) {
            if (uid < uid_next) continue;  // "n:*" always names the last message
            std::printf("new message %u from %s: %s\n", uid, m.envelope ? sender(*m.envelope).c_str() : "?",
                        m.envelope && m.envelope->subject ? imapclient::decode_header(*m.envelope->subject).c_str() : "");
            std::fflush(stdout);
            uid_next = uid + 1;
        }
    }
}

asio::awaitable<void> session(imapclient::client_options options) {
    using namespace asio::experimental::awaitable_operators;
    imapclient::pool_options o;
    // No pool_options::login: every connection signs in with
    // options.credentials, the best mechanism the server offers.
    o.connection = options;
    o.deliver_events = true;
    o.initial_backoff = std::chrono::seconds(1);
    o.max_backoff = std::chrono::minutes(5);
    imapclient::reconnecting_client rc(co_await asio::this_coro::executor, std::move(o));
    // EXAMINE: notifications come all the same, and \Recent is left alone.
    auto inbox = co_await rc.lease_folder("INBOX", true);
    const auto& info = inbox.selected();
    std::printf("listening on INBOX (%u messages, UIDVALIDITY %u)\n", info.exists, info.uid_validity.value_or(0));
    std::fflush(stdout);
    co_await (listen_forever(inbox) || print_new_mail(rc, inbox, info.uid_next.value_or(1)));
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 5) {
        std::fprintf(stderr,
                     "usage: %s HOST PORT USER PASSWORD [--tls|--starttls|--plain] [--ca-file F] [--seconds N]\n"
                     "         [--proxy URL] [--oauth2-token-endpoint URL --oauth2-client-id ID\n"
                     "          [--oauth2-client-secret S] [--oauth2-refresh-token R] [--oauth2-scope S]\n"
                     "          [--oauth2-cache FILE] [--oauth2-ca-file F]]   (PASSWORD \"-\" with OAuth2)\n",
                     argv[0]);
        return 2;
    }
    // First: the credential provider in `options` holds a strand of it and
    // must be destroyed before it.
    asio::io_context io;
    imapclient::client_options options;
    options.host = argv[1];
    options.port = static_cast<std::uint16_t>(std::stoi(argv[2]));
    imapclient::oauth2_settings oauth;
    oauth.username = argv[3];
    std::string oauth_ca;
    int seconds = 0;
    for (int i = 5; i < argc; ++i) {
        std::string_view a = argv[i];
        const bool has_value = i + 1 < argc;
        if (a == "--proxy" && has_value) options.proxy = oauth.proxy = imapclient::proxy_settings::parse(argv[++i]);
        else if (a == "--oauth2-token-endpoint" && has_value) oauth.token_endpoint = argv[++i];
        else if (a == "--oauth2-client-id" && has_value) oauth.client_id = argv[++i];
        else if (a == "--oauth2-client-secret" && has_value) oauth.client_secret = argv[++i];
        else if (a == "--oauth2-refresh-token" && has_value) oauth.refresh_token = argv[++i];
        else if (a == "--oauth2-scope" && has_value) oauth.scopes.push_back(argv[++i]);
        else if (a == "--oauth2-cache" && has_value) oauth.token_cache = argv[++i];
        else if (a == "--oauth2-ca-file" && has_value) oauth.ssl_context = imapclient::create_default_context(argv[++i]);
        else if (a == "--tls") options.security = imapclient::security::tls;
        else if (a == "--starttls") options.security = imapclient::security::starttls;
        else if (a == "--plain") {
            options.security = imapclient::security::plain;
            options.allow_plaintext_login = true;  // --plain is the user's consent
        } else if (a == "--ca-file" && i + 1 < argc) options.ssl_context = imapclient::create_default_context(argv[++i]);
        else if (a == "--seconds" && i + 1 < argc) seconds = std::stoi(argv[++i]);
    }
    // The token endpoint's client outlives the session: its provider is
    // asked again at every reconnect and whenever a token is refused.
    std::unique_ptr<imapclient::oauth2_client> tokens;
    if (!oauth.token_endpoint.empty()) {
        tokens = std::make_unique<imapclient::oauth2_client>(io.get_executor(), oauth);
        options.credentials = tokens->credentials();
    } else {
        options.credentials = imapclient::fixed_credentials({.username = argv[3], .password = argv[4]});
    }
    asio::co_spawn(io, session(options), asio::detached);
    if (seconds > 0) io.run_for(std::chrono::seconds(seconds));
    else io.run();
    return 0;
}
