// Session methods: login variants, capabilities, STARTTLS, COMPRESS, ENABLE,
// ID, NOOP/LOGOUT, raw commands, use_uid, events.
#include "json_encode.hpp"
#include "methods.hpp"

#include <imapclient/tls.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace shell {

namespace asio = boost::asio;
namespace ic = imapclient;
using asio::awaitable;

namespace {

std::chrono::milliseconds to_ms(seconds s) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(s);
}

}  // namespace

void add_session_methods(std::vector<method_info>& t) {
    t.push_back({"login", "(username, password)", "LOGIN (refused in clear text unless --plain)",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     auto user = a.need<std::string>(0, "username");
                     auto pass = a.need<std::string>(1, "password");
                     a.done();
                     auto r = co_await s.client.login(std::move(user), std::move(pass));
                     co_return to_json(r);
                 }});
    t.push_back({"sign_in",
                 "(username=\"\", password=\"\", access_token=\"\", mechanism=\"\", authorization_identity=\"\")",
                 "sign in with the best mechanism the server offers for these credentials (none given: the "
                 "configured ones, e.g. the OAuth2 flow's)",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     ic::credentials c;
                     c.username = a.get<std::string>(0, "username", {});
                     c.password = a.get<std::string>(1, "password", {});
                     c.access_token = a.get<std::string>(2, "access_token", {});
                     c.mechanism = a.get<std::string>(3, "mechanism", {});
                     c.authorization_identity = a.get<std::string>(4, "authorization_identity", {});
                     a.done();
                     const bool given = !c.username.empty() || !c.password.empty() || !c.access_token.empty() ||
                                        !c.mechanism.empty() || !c.authorization_identity.empty();
                     ic::credential_provider provider;
                     if (given) provider = ic::fixed_credentials(c);
                     auto r = co_await s.client.sign_in(provider);
                     json::object o;
                     o["mechanism"] = r.mechanism;
                     o["attempts"] = r.attempts;
                     o["status"] = to_json(r.status);
                     co_return o;
                 }});
    t.push_back({"plain_login", "(identity, password, authorization_identity=\"\")", "AUTHENTICATE PLAIN",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     auto user = a.need<std::string>(0, "identity");
                     auto pass = a.need<std::string>(1, "password");
                     auto authz = a.get<std::string>(2, "authorization_identity", {});
                     a.done();
                     auto r = co_await s.client.plain_login(std::move(user), std::move(pass), std::move(authz));
                     co_return to_json(r);
                 }});
    t.push_back({"oauth2_login", "(user, access_token, mech=\"XOAUTH2\", vendor=\"\")",
                 "AUTHENTICATE XOAUTH2 (or OAUTHBEARER with mech)",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     auto user = a.need<std::string>(0, "user");
                     auto token = a.need<std::string>(1, "access_token");
                     auto mech = a.get<std::string>(2, "mech", "XOAUTH2");
                     auto vendor = a.get<std::string>(3, "vendor", {});
                     a.done();
                     auto r = co_await s.client.oauth2_login(std::move(user), std::move(token), std::move(mech),
                                                             std::move(vendor));
                     co_return to_json(r);
                 }});
    t.push_back({"oauthbearer_login", "(identity, access_token)", "AUTHENTICATE OAUTHBEARER (RFC 7628)",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     auto user = a.need<std::string>(0, "identity");
                     auto token = a.need<std::string>(1, "access_token");
                     a.done();
                     auto r = co_await s.client.oauthbearer_login(std::move(user), std::move(token));
                     co_return to_json(r);
                 }});
    t.push_back({"oauth_login",
                 "(url, oauth_token, oauth_token_secret, consumer_key=\"anonymous\", consumer_secret=\"anonymous\")",
                 "Gmail's legacy OAuth 1.0a XOAUTH",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     auto url = a.need<std::string>(0, "url");
                     auto token = a.need<std::string>(1, "oauth_token");
                     auto secret = a.need<std::string>(2, "oauth_token_secret");
                     auto key = a.get<std::string>(3, "consumer_key", "anonymous");
                     auto csecret = a.get<std::string>(4, "consumer_secret", "anonymous");
                     a.done();
                     auto r = co_await s.client.oauth_login(std::move(url), std::move(token), std::move(secret),
                                                            std::move(key), std::move(csecret));
                     co_return to_json(r);
                 }});
    t.push_back({"starttls", "(ca_file=null)",
                 "STARTTLS on a --plain connection; verifies with ca_file, else as the command line said "
                 "(a --client-cert is presented either way)",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     auto ca = a.maybe<std::string>(0, "ca_file");
                     a.done();
                     std::shared_ptr<asio::ssl::context> ctx = s.config.options.ssl_context;
                     if (ca) {
                         ctx = ic::create_default_context(*ca);
                         // The command line's client certificate goes on this context too.
                         if (s.config.signin.client_cert)
                             ic::use_client_certificate(*ctx, *s.config.signin.client_cert,
                                                        s.config.signin.client_key.value_or(*s.config.signin.client_cert));
                     }
                     auto r = co_await s.client.starttls(std::move(ctx));
                     co_return to_json(r);
                 }});
    t.push_back({"compress", "()",
                 "COMPRESS=DEFLATE (RFC 4978): every byte both ways is compressed from here on (once logged in) "
                 "-> {compressed, status}",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     a.done();
                     auto r = co_await s.client.compress();
                     json::value out = to_json(r);
                     out.as_object()["compressed"] = s.client.is_compressed();
                     co_return out;
                 }});
    t.push_back({"logout", "()", "LOGOUT, then the connection closes",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     a.done();
                     auto r = co_await s.client.logout();
                     co_return to_json(r);
                 }});
    t.push_back({"shutdown", "()", "closes the connection without LOGOUT",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     a.done();
                     s.client.shutdown();
                     co_return nullptr;
                 }});
    t.push_back({"noop", "()", "NOOP; returns the untagged data it brought",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     a.done();
                     auto r = co_await s.client.noop();
                     co_return to_json(r);
                 }});
    t.push_back({"refresh_capabilities", "()", "CAPABILITY, asked again",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     a.done();
                     co_await s.client.refresh_capabilities();
                     co_return to_json(s.client.capabilities());
                 }});
    t.push_back({"capabilities", "()", "the capabilities last announced",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     a.done();
                     co_return to_json(s.client.capabilities());
                 }});
    t.push_back({"has_capability", "(capability)", "whether the server announced it (case-insensitive)",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     auto cap = a.need<std::string>(0, "capability");
                     a.done();
                     co_return s.client.has_capability(cap);
                 }});
    t.push_back({"welcome", "()", "the server's greeting",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     a.done();
                     co_return bytes_to_json(s.client.welcome());
                 }});
    t.push_back({"metrics", "()", "per-command counts and latencies (buckets: plain counts, bounds in ms)",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     a.done();
                     co_return to_json(s.client.metrics());
                 }});
    t.push_back({"enable", "(*capabilities)", "ENABLE (RFC 5161); returns what the server enabled",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     auto caps = a.rest_strings(0, "capabilities");
                     a.done();
                     auto r = co_await s.client.enable(std::move(caps));
                     co_return to_json(r);
                 }});
    t.push_back({"id_", "(parameters=null)", "ID (RFC 2971): {\"name\": \"...\"} -> the server's fields",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     auto params = a.get<id_parameters>(0, "parameters", {});
                     a.done();
                     auto r = co_await s.client.id_(std::move(params));
                     co_return to_json(r);
                 }});
    t.push_back({"raw_command", "(command_line)", "sends one 7-bit command line; returns the untagged data",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     auto line = a.need<std::string>(0, "command_line");
                     a.done();
                     auto r = co_await s.client.raw_command(std::move(line));
                     co_return to_json(r);
                 }});
    t.push_back({"use_uid", "(value=null)", "gets, or sets and returns, whether ids are UIDs",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     auto v = a.maybe<bool>(0, "value");
                     a.done();
                     if (v) s.client.set_use_uid(*v);
                     co_return s.client.use_uid();
                 }});
    t.push_back({"mailbox", "()", "the selected mailbox as the client knows it",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     a.done();
                     co_return to_json(s.client.mailbox());
                 }});
    t.push_back({"next_event", "(timeout=null)",
                 "the next unsolicited event; null when none comes within timeout seconds",
                 [](session& s, call_args& a) -> awaitable<json::value> {
                     auto timeout = a.maybe<seconds>(0, "timeout");
                     a.done();
                     if (!timeout) {
                         auto ev = co_await s.client.next_event();
                         co_return to_json(ev);
                     }
                     using namespace asio::experimental::awaitable_operators;
                     asio::steady_timer timer(co_await asio::this_coro::executor, to_ms(*timeout));
                     auto r = co_await (s.client.next_event(asio::as_tuple(asio::use_awaitable)) ||
                                        timer.async_wait(asio::as_tuple(asio::use_awaitable)));
                     if (r.index() == 1) co_return nullptr;
                     auto& [ec, ev] = std::get<0>(r);
                     if (ec) ic::throw_error(ec, {}, "next_event");
                     co_return to_json(ev);
                 }});
}

}  // namespace shell
