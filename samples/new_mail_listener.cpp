// A push listener: prints the sender and subject of each new message in
// INBOX as it arrives, across IDLE renewals, and reconnects with back-off
// when the connection dies.
//
//   new_mail_listener HOST PORT USER PASSWORD [--tls|--starttls|--plain] [--ca-file F] [--seconds N]
//
// imapclient::run_push_session() connects, logs in, examines INBOX and runs
// client::listen() (IDLE, renewed every 9 minutes), reconnecting with
// back-off; beside it, print_new_mail() waits for events and, on EXISTS,
// fetches the new messages' ENVELOPE on the same connection: the library
// ends IDLE for the fetch and resumes it afterwards.
#include <imapclient/client.hpp>
#include <imapclient/push_session.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

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

// Prints messages as EXISTS announces them; returns when the connection ends.
asio::awaitable<void> print_new_mail(imapclient::client& c, std::uint32_t uid_next) {
    const std::vector<std::string> items{"ENVELOPE"};
    for (;;) {
        auto ev = co_await c.next_event();
        if (std::holds_alternative<imapclient::connection_closed>(ev)) co_return;
        const bool more = std::holds_alternative<imapclient::resync_needed>(ev) ||
                          (std::holds_alternative<imapclient::response>(ev) &&
                           std::holds_alternative<imapclient::exists_data>(std::get<imapclient::response>(ev)));
        if (!more) continue;
        auto fetched = co_await c.fetch(std::to_string(uid_next) + ":*", items);
        for (const auto& [uid, m] : fetched.messages) {
            if (uid < uid_next) continue;  // "n:*" always names the last message
            std::printf("new message %u from %s: %s\n", uid, m.envelope ? sender(*m.envelope).c_str() : "?",
                        m.envelope && m.envelope->subject ? imapclient::decode_header(*m.envelope->subject).c_str() : "");
            std::fflush(stdout);
            uid_next = uid + 1;
        }
    }
}

asio::awaitable<void> session(imapclient::client_options options, std::string user, std::string password) {
    imapclient::push_options o;
    o.connection = options;
    o.authenticate = [user, password](imapclient::client& c) -> asio::awaitable<void> {
        co_await c.login(user, password);
    };
    o.on_session = [](imapclient::client& c, const imapclient::select_result& info,
                      unsigned reconnects) -> asio::awaitable<void> {
        std::printf("%s INBOX (%u messages, UIDVALIDITY %u)\n", reconnects ? "reconnected to" : "listening on",
                    info.exists, info.uid_validity.value_or(0));
        std::fflush(stdout);
        // A real program would compare UIDVALIDITY and UIDNEXT with what it
        // saw before and fetch what it missed; this one just goes on.
        co_await print_new_mail(c, info.uid_next.value_or(1));
    };
    co_await imapclient::run_push_session(o);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 5) {
        std::fprintf(stderr, "usage: %s HOST PORT USER PASSWORD [--tls|--starttls|--plain] [--ca-file F] [--seconds N]\n",
                     argv[0]);
        return 2;
    }
    imapclient::client_options options;
    options.host = argv[1];
    options.port = static_cast<std::uint16_t>(std::stoi(argv[2]));
    int seconds = 0;
    for (int i = 5; i < argc; ++i) {
        std::string_view a = argv[i];
        if (a == "--tls") options.security = imapclient::security::tls;
        else if (a == "--starttls") options.security = imapclient::security::starttls;
        else if (a == "--plain") {
            options.security = imapclient::security::plain;
            options.allow_plaintext_login = true;  // --plain is the user's consent
        } else if (a == "--ca-file" && i + 1 < argc) options.ssl_context = imapclient::create_default_context(argv[++i]);
        else if (a == "--seconds" && i + 1 < argc) seconds = std::stoi(argv[++i]);
    }
    asio::io_context io;
    asio::co_spawn(io, session(options, argv[3], argv[4]), asio::detached);
    if (seconds > 0) io.run_for(std::chrono::seconds(seconds));
    else io.run();
    return 0;
}
