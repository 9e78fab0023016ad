// OAuth2 without a network (lib/oauth2): form encoding, endpoint URLs,
// token and device authorization answers (successes, OAuth2 errors,
// answers that are not OAuth2, never a token in an error text), the token
// cache file (round trip, 0600 whatever the umask, atomic replacement,
// malformed files) and what oauth2_client does with it before any HTTP.
#include "oauth2/form.hpp"
#include "oauth2/http_client.hpp"
#include "oauth2/token_cache.hpp"

#include <imapclient/error.hpp>
#include <imapclient/oauth2.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include <sys/stat.h>
#include <unistd.h>

using namespace imapclient;
using namespace imapclient::oauth2;
using std::chrono::seconds;
using sys_clock = std::chrono::system_clock;

namespace {

template <typename F>
imapclient::error caught(F&& f) {
    try {
        f();
    } catch (const imapclient::error& e) {
        return e;
    }
    FAIL("no imapclient::error was thrown");
    throw std::logic_error("unreachable");
}

bool has_code(const imapclient::error& e, errc c) { return e.code() == make_error_code(c); }

http_answer answer(unsigned status, std::string body, std::string type = "application/json") {
    http_answer a;
    a.status = status;
    a.content_type = std::move(type);
    a.body = std::move(body);
    return a;
}

const std::string endpoint = "https://oauth2.example.com/token";

// A whole number of seconds, as the cache keeps it.
sys_clock::time_point whole_seconds(sys_clock::time_point t) {
    return sys_clock::time_point(std::chrono::duration_cast<seconds>(t.time_since_epoch()));
}

struct temp_dir {
    std::filesystem::path path;
    temp_dir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "imapclient-oauth2-XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        path = pattern;
    }
    ~temp_dir() {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    }
    std::string file(const char* name) const { return (path / name).string(); }
    std::size_t entries() const {
        std::size_t n = 0;
        for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(path)) ++n;
        return n;
    }
};

unsigned mode_of(const std::string& path) {
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

void write_file(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
}

struct umask_guard {
    mode_t old;
    explicit umask_guard(mode_t m) : old(::umask(m)) {}
    ~umask_guard() { ::umask(old); }
};

// Runs `a` to its end on `io`; rethrows what it threw.
template <typename T>
T run(boost::asio::io_context& io, boost::asio::awaitable<T> a) {
    std::exception_ptr failure;
    std::optional<T> result;
    boost::asio::co_spawn(io, std::move(a), [&](std::exception_ptr e, T v) {
        failure = e;
        if (!e) result = std::move(v);
    });
    io.restart();
    io.run();
    if (failure) std::rethrow_exception(failure);
    REQUIRE(result);
    return std::move(*result);
}

}  // namespace

TEST_CASE("form_encode: WHATWG application/x-www-form-urlencoded", "[oauth2]") {
    CHECK(form_encode({}) == "");
    CHECK(form_encode({{"grant_type", "refresh_token"}, {"client_id", "123.apps.example"}}) ==
          "grant_type=refresh_token&client_id=123.apps.example");
    CHECK(form_encode({{"scope", "https://mail.google.com/ offline_access"}}) ==
          "scope=https%3A%2F%2Fmail.google.com%2F+offline_access");
    CHECK(form_encode({{"a b", "c&d=e+f~g*h-i.j_k%"}}) == "a+b=c%26d%3De%2Bf%7Eg*h-i.j_k%25");
    CHECK(form_encode({{"x", ""}, {"", "y"}}) == "x=&=y");
    CHECK(form_encode({{"u", "\xC3\xA9\n"}}) == "u=%C3%A9%0A");
    CHECK(form_encode({{"grant_type", "urn:ietf:params:oauth:grant-type:device_code"}}) ==
          "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code");
}

TEST_CASE("parse_url: https endpoints", "[oauth2]") {
    auto u = parse_url("https://oauth2.googleapis.com/token");
    CHECK(u.tls);
    CHECK(u.host == "oauth2.googleapis.com");
    CHECK(u.port == 443);
    CHECK(u.target == "/token");
    CHECK(u.host_header() == "oauth2.googleapis.com");

    u = parse_url("HTTPS://Login.Example.COM:8443/common/oauth2/v2.0/token?x=1#fragment");
    CHECK(u.tls);
    CHECK(u.host == "login.example.com");
    CHECK(u.port == 8443);
    CHECK(u.target == "/common/oauth2/v2.0/token?x=1");
    CHECK(u.host_header() == "login.example.com:8443");

    CHECK(parse_url("https://example.com").target == "/");
    CHECK(parse_url("https://example.com#f").target == "/");
    CHECK(parse_url("https://example.com?a=b").target == "/?a=b");
    CHECK(parse_url("https://example.com:/t").port == 443);
    CHECK(parse_url("https://example.com:443/t").host_header() == "example.com");

    u = parse_url("https://[2001:db8::1]:444/t");
    CHECK(u.host == "2001:db8::1");
    CHECK(u.port == 444);
    CHECK(u.host_header() == "[2001:db8::1]:444");
    CHECK(parse_url("https://[2001:db8::1]/t").host_header() == "[2001:db8::1]");
    CHECK(parse_url("https://192.0.2.7/t").host == "192.0.2.7");
}

TEST_CASE("parse_url: http:// only to a loopback address", "[oauth2]") {
    auto u = parse_url("http://127.0.0.1:8080/token");
    CHECK_FALSE(u.tls);
    CHECK(u.port == 8080);
    CHECK(u.host_header() == "127.0.0.1:8080");
    CHECK(parse_url("http://127.9.9.9/").port == 80);
    CHECK(parse_url("http://[::1]:99/t").host == "::1");
    CHECK(parse_url("http://LocalHost/t").host_header() == "localhost");

    for (const char* bad : {"http://example.com/token", "http://10.0.0.1/t", "http://[2001:db8::1]/t",
                            "http://128.0.0.1/t", "http://localhost.example.com/t"}) {
        INFO(bad);
        const auto e = caught([&] { parse_url(bad); });
        CHECK(has_code(e, errc::invalid_argument));
        CHECK_THAT(e.what(), Catch::Contains("loopback"));
    }
}

TEST_CASE("parse_url: refused URLs", "[oauth2]") {
    for (const char* bad :
         {"", "example.com/token", "ftp://example.com/t", "https:///token", "https://:443/t",
          "https://user:pw@example.com/t", "https://example.com:0/t", "https://example.com:65536/t",
          "https://example.com:99999999999999999999/t", "https://example.com:8a/t", "https://[::1/t",
          "https://[not-v6]/t", "https://[::1]x/t", "https://exa mple.com/t", "https://example.com/t\r\nX: y",
          "https://ex\xC3\xA4mple.com/t", "https://example.com/\x7F"}) {
        INFO(bad);
        CHECK(has_code(caught([&] { parse_url(bad); }), errc::invalid_argument));
    }
}

TEST_CASE("token answers: a token", "[oauth2]") {
    oauth2_token previous;
    previous.refresh_token = "old-refresh";
    previous.scope = "requested";
    const auto now = sys_clock::now();

    auto r = parse_token_reply(answer(200, R"({"access_token":"at1","expires_in":3599,"refresh_token":"rt2",)"
                                           R"("scope":"https://mail.google.com/","token_type":"Bearer"})"),
                               endpoint, previous, now);
    REQUIRE(r.token);
    CHECK(r.error.empty());
    CHECK(r.token->access_token == "at1");
    CHECK(r.token->refresh_token == "rt2");
    CHECK(r.token->scope == "https://mail.google.com/");
    CHECK(r.token->expires_at == now + seconds(3599));

    // A refresh grant's answer need not repeat the refresh token or scope.
    r = parse_token_reply(answer(200, R"({"access_token":"at2","token_type":"bearer"})"), endpoint, previous, now);
    REQUIRE(r.token);
    CHECK(r.token->refresh_token == "old-refresh");
    CHECK(r.token->scope == "requested");
    CHECK(r.token->expires_at == now + seconds(3600));

    // Quoted numbers (older Microsoft endpoints), nonsense lifetimes.
    r = parse_token_reply(answer(200, R"({"access_token":"a","expires_in":"3599"})", "text/plain"), endpoint,
                          previous, now);
    REQUIRE(r.token);
    CHECK(r.token->expires_at == now + seconds(3599));
    r = parse_token_reply(answer(200, R"({"access_token":"a","expires_in":-5})"), endpoint, previous, now);
    CHECK(r.token->expires_at == now + seconds(3600));
    r = parse_token_reply(answer(200, R"({"access_token":"a","expires_in":"12x"})"), endpoint, previous, now);
    CHECK(r.token->expires_at == now + seconds(3600));
    r = parse_token_reply(answer(200, R"({"access_token":"a","expires_in":1e300})"), endpoint, previous, now);
    CHECK(r.token->expires_at > now + seconds(3600));
    CHECK(r.token->expires_at < now + std::chrono::hours(24 * 366 * 11));
}

TEST_CASE("token answers: OAuth2 errors", "[oauth2]") {
    const oauth2_token previous;
    const auto now = sys_clock::now();

    auto r = parse_token_reply(
        answer(400, R"({"error":"invalid_grant","error_description":"Token has been expired or revoked."})"), endpoint,
        previous, now);
    CHECK_FALSE(r.token);
    CHECK(r.error == "invalid_grant");
    CHECK(r.error_description == "Token has been expired or revoked.");
    auto e = caught([&] { throw_refused(endpoint, r); });
    CHECK(has_code(e, errc::oauth2_refused));
    CHECK(std::string(e.what()) == endpoint + ": invalid_grant: Token has been expired or revoked.");

    r = parse_token_reply(answer(400, R"({"error":"access_denied"})"), endpoint, previous, now);
    CHECK(std::string(caught([&] { throw_refused(endpoint, r); }).what()) == endpoint + ": access_denied");

    // RFC 8628 polling answers; GitHub says them with a 200.
    r = parse_token_reply(answer(200, R"({"error":"authorization_pending"})"), endpoint, previous, now);
    CHECK_FALSE(r.token);
    CHECK(r.error == "authorization_pending");
    CHECK_FALSE(r.interval);
    r = parse_token_reply(answer(400, R"({"error":"slow_down","interval":10})"), endpoint, previous, now);
    CHECK(r.error == "slow_down");
    REQUIRE(r.interval);
    CHECK(*r.interval == seconds(10));
    r = parse_token_reply(answer(401, R"({"error":"invalid_client","error_description":"","error_uri":"x"})"),
                          endpoint, previous, now);
    CHECK(r.error == "invalid_client");
    CHECK(r.error_description.empty());
}

TEST_CASE("token answers: not OAuth2", "[oauth2]") {
    const oauth2_token previous;
    const auto now = sys_clock::now();
    auto failure = [&](const http_answer& a) {
        return caught([&] { parse_token_reply(a, endpoint, previous, now); });
    };

    auto e = failure(answer(503, "<html><body>Service\r\nUnavailable</body></html>", "text/html"));
    CHECK(has_code(e, errc::http_failed));
    CHECK(std::string(e.what()) == endpoint + ": HTTP 503: <html><body>Service  Unavailable</body></html>");

    // The first 200 bytes of the body only.
    e = failure(answer(500, std::string(1000, 'x'), "text/plain"));
    CHECK_THAT(e.what(), Catch::Contains(std::string(200, 'x') + "..."));
    CHECK_THAT(e.what(), !Catch::Contains(std::string(201, 'x')));

    CHECK_THAT(failure(answer(302, "", "")).what(), Catch::Contains("HTTP 302: empty answer"));
    // A JSON error that is not OAuth2's (Google APIs' shape).
    e = failure(answer(400, R"({"error":{"code":400,"message":"bad"}})"));
    CHECK(has_code(e, errc::http_failed));
    CHECK_THAT(e.what(), Catch::Contains("HTTP 400"));
    // A token in a 4xx's body is not a token.
    CHECK(has_code(failure(answer(400, R"({"access_token":"a"})")), errc::http_failed));

    // A 200 that is not usable: its body may hold tokens, never quoted.
    e = failure(answer(200, "access_token=secret-token&scope=x", "application/x-www-form-urlencoded"));
    CHECK(has_code(e, errc::http_failed));
    CHECK_THAT(e.what(), Catch::Contains("not a JSON object"));
    CHECK_THAT(e.what(), !Catch::Contains("secret-token"));
    e = failure(answer(200, R"({"token":"secret-token","refresh_token":"secret-refresh"})"));
    CHECK(has_code(e, errc::http_failed));
    CHECK_THAT(e.what(), Catch::Contains("no access_token"));
    CHECK_THAT(e.what(), Catch::Contains("refresh_token"));
    CHECK_THAT(e.what(), !Catch::Contains("secret"));
    CHECK(has_code(failure(answer(200, R"({"access_token":""})")), errc::http_failed));
    CHECK(has_code(failure(answer(200, R"({"access_token":42})")), errc::http_failed));
    CHECK(has_code(failure(answer(200, "[1,2]")), errc::http_failed));
    CHECK(has_code(failure(answer(200, R"({"access_token":"a")")), errc::http_failed));
}

TEST_CASE("device authorization answers", "[oauth2]") {
    // Microsoft's shape.
    auto g = parse_device_authorization(
        answer(200, R"({"device_code":"dc1","user_code":"ABCD-EFGH","verification_uri":"https://microsoft.com/devicelogin",)"
                    R"("expires_in":900,"interval":5,"message":"To sign in, ..."})"),
        endpoint);
    CHECK(g.device_code == "dc1");
    CHECK(g.shown.user_code == "ABCD-EFGH");
    CHECK(g.shown.verification_uri == "https://microsoft.com/devicelogin");
    CHECK(g.shown.verification_uri_complete.empty());
    CHECK(g.shown.expires_in == seconds(900));
    CHECK(g.shown.interval == seconds(5));

    // Google's says verification_url.
    g = parse_device_authorization(answer(200, R"({"device_code":"dc2","user_code":"GQVQ-JKEC",)"
                                               R"("verification_url":"https://www.google.com/device",)"
                                               R"("expires_in":1800,"interval":7})"),
                                   endpoint);
    CHECK(g.shown.verification_uri == "https://www.google.com/device");
    CHECK(g.shown.interval == seconds(7));

    // RFC 8628 3.2's defaults and the complete URI.
    g = parse_device_authorization(answer(200, R"({"device_code":"d","user_code":"u","verification_uri":"https://v",)"
                                               R"("verification_uri_complete":"https://v?c=u"})"),
                                   endpoint);
    CHECK(g.shown.verification_uri_complete == "https://v?c=u");
    CHECK(g.shown.expires_in == seconds(1800));
    CHECK(g.shown.interval == seconds(5));

    auto e = caught([&] {
        parse_device_authorization(answer(400, R"({"error":"invalid_client","error_description":"unknown client"})"),
                                   endpoint);
    });
    CHECK(has_code(e, errc::oauth2_refused));
    CHECK(std::string(e.what()) == endpoint + ": invalid_client: unknown client");

    e = caught([&] {
        parse_device_authorization(answer(200, R"({"user_code":"u","verification_uri":"https://v"})"), endpoint);
    });
    CHECK(has_code(e, errc::http_failed));
    CHECK_THAT(e.what(), Catch::Contains("no device_code"));
    CHECK(has_code(caught([&] {
              parse_device_authorization(answer(200, R"({"device_code":"d","user_code":"u"})"), endpoint);
          }),
          errc::http_failed));
    CHECK(has_code(caught([&] { parse_device_authorization(answer(404, "Not Found", "text/plain"), endpoint); }),
                   errc::http_failed));
}

TEST_CASE("token cache: round trip, 0600, atomic replacement", "[oauth2]") {
    temp_dir dir;
    const std::string path = dir.file("token.json");
    CHECK_FALSE(read_token_cache(path));

    cached_tokens t;
    t.refresh_token = "rt \"quoted\" \xC3\xA9";
    t.access_token = "at";
    t.expires_at = whole_seconds(sys_clock::now() + seconds(3600));
    t.scope = "a b";
    t.client_id = "client";
    t.username = "me@example.com";
    {
        const umask_guard open_to_all(0);
        write_token_cache(path, t);
    }
    CHECK(mode_of(path) == 0600);
    auto back = read_token_cache(path);
    REQUIRE(back);
    CHECK(back->refresh_token == t.refresh_token);
    CHECK(back->access_token == t.access_token);
    CHECK(back->expires_at == t.expires_at);
    CHECK(back->scope == t.scope);
    CHECK(back->client_id == t.client_id);
    CHECK(back->username == t.username);

    // A umask that would take the owner's write bit: still 0600.
    {
        const umask_guard strict(0277);
        t.access_token = "at2";
        write_token_cache(path, t);
    }
    CHECK(mode_of(path) == 0600);
    CHECK(read_token_cache(path)->access_token == "at2");

    // A file others could read is read, and replaced by a 0600 one.
    REQUIRE(::chmod(path.c_str(), 0644) == 0);
    CHECK(read_token_cache(path));
    write_token_cache(path, t);
    CHECK(mode_of(path) == 0600);
    CHECK(dir.entries() == 1);  // no temporary file left

    // A path in no directory: errno's code, nothing created.
    const auto e = caught([&] { write_token_cache(dir.file("missing/token.json"), t); });
    CHECK(e.code() == boost::system::error_code(ENOENT, boost::system::system_category()));
    CHECK_THAT(e.what(), Catch::StartsWith("token cache " + dir.file("missing/token.json") + ": "));
    CHECK(dir.entries() == 1);
}

TEST_CASE("token cache: missing members and malformed files", "[oauth2]") {
    temp_dir dir;
    const std::string path = dir.file("token.json");
    write_file(path, R"({"refresh_token":"r","unknown":[1,2]})");
    auto t = read_token_cache(path);
    REQUIRE(t);
    CHECK(t->refresh_token == "r");
    CHECK(t->access_token.empty());
    CHECK(t->expires_at == sys_clock::time_point());

    for (const char* bad : {"", "not json", "[1]", R"({"refresh_token":5})", R"({"expires_at":"soon"})",
                            R"({"expires_at":1.5})", R"({"username":{}})"}) {
        INFO(bad);
        write_file(path, bad);
        const auto e = caught([&] { read_token_cache(path); });
        CHECK(has_code(e, errc::invalid_argument));
        CHECK_THAT(e.what(), Catch::StartsWith("token cache " + path + ": "));
    }
    // A directory is not a cache, nor a FIFO (which must not block the
    // open), nor a symbolic link (which could point anywhere).
    CHECK(has_code(caught([&] { read_token_cache(dir.path.string()); }), errc::invalid_argument));
    const std::string fifo = dir.file("fifo.json");
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    CHECK_THAT(caught([&] { read_token_cache(fifo); }).what(), Catch::Contains("not a regular file"));
    write_file(path, R"({"refresh_token":"r"})");
    const std::string link = dir.file("link.json");
    REQUIRE(::symlink(path.c_str(), link.c_str()) == 0);
    CHECK_THAT(caught([&] { read_token_cache(link); }).what(), Catch::Contains("symbolic link"));
}

TEST_CASE("oauth2_client: the cache, before any HTTP", "[oauth2]") {
    temp_dir dir;
    boost::asio::io_context io;
    oauth2_settings s;
    // Never reached: every call below is answered without HTTP.
    s.token_endpoint = "https://oauth2.invalid/token";
    s.client_id = "client";
    s.username = "me@example.com";
    s.token_cache = dir.file("token.json");

    SECTION("no cache file, no refresh token") {
        oauth2_client c(io.get_executor(), s);
        CHECK_FALSE(c.has_refresh_token());
        const auto e = caught([&] { run(io, c.access_token()); });
        CHECK(has_code(e, errc::credentials_unavailable));
        CHECK_THAT(e.what(), Catch::Contains("no refresh token"));
        CHECK(c.tokens_fetched() == 0);
    }

    cached_tokens t;
    t.refresh_token = "cached-refresh";
    t.access_token = "cached-access";
    t.expires_at = sys_clock::now() + seconds(3600);
    t.client_id = "client";
    t.username = "me@example.com";
    write_token_cache(s.token_cache, t);

    SECTION("a fresh cached token is used as it is") {
        oauth2_client c(io.get_executor(), s);
        CHECK(c.has_refresh_token());
        CHECK(run(io, c.access_token()).access_token == "cached-access");
        credential_provider provider = c.credentials();
        credential_request first;
        const auto creds = run(io, provider(first));
        CHECK(creds.username == "me@example.com");
        CHECK(creds.access_token == "cached-access");
        CHECK(creds.password.empty());
        CHECK(c.tokens_fetched() == 0);
    }

    SECTION("the provider outlives the client") {
        std::optional<oauth2_client> c;
        c.emplace(io.get_executor(), s);
        credential_provider provider = c->credentials();
        c.reset();
        credential_request first;
        CHECK(run(io, provider(first)).access_token == "cached-access");
    }

    SECTION("another client's or user's cache is ignored") {
        oauth2_settings other = s;
        other.client_id = "another";
        CHECK_FALSE(oauth2_client(io.get_executor(), other).has_refresh_token());
        other = s;
        other.username = "someone@example.com";
        CHECK_FALSE(oauth2_client(io.get_executor(), other).has_refresh_token());
    }

    SECTION("the cached grant wins over the settings' refresh token (a server may have rotated it)") {
        s.refresh_token = "given-refresh";
        oauth2_client c(io.get_executor(), s);
        CHECK(c.has_refresh_token());
        CHECK(run(io, c.access_token()).access_token == "cached-access");
        CHECK(c.tokens_fetched() == 0);
    }

    SECTION("an expiring token, a forced refresh, a refused token: the endpoint is asked") {
        s.refresh_margin = seconds(7200);  // the cached token expires within it
        s.timeout = std::chrono::milliseconds(0);  // refused before any I/O
        s.token_endpoint = "https://127.0.0.1:9/token";
        oauth2_client c(io.get_executor(), s);
        CHECK_THAT(caught([&] { run(io, c.access_token()); }).what(), Catch::Contains("timeout"));
        oauth2_settings plain = s;
        plain.refresh_margin = seconds(60);
        oauth2_client d(io.get_executor(), plain);
        CHECK(has_code(caught([&] { run(io, d.access_token(true)); }), errc::invalid_argument));
        credential_provider provider = d.credentials();
        credential_request again;
        again.attempt = 1;
        CHECK(has_code(caught([&] { run(io, provider(again)); }), errc::invalid_argument));
    }

    SECTION("missing settings") {
        s.token_endpoint.clear();
        oauth2_client c(io.get_executor(), s);
        CHECK_THAT(caught([&] { run(io, c.access_token(true)); }).what(), Catch::Contains("token_endpoint"));
        const auto e = caught([&] { run(io, c.device_login([](const device_authorization&) {})); });
        CHECK(has_code(e, errc::invalid_argument));
        CHECK_THAT(e.what(), Catch::Contains("device_authorization_endpoint"));
    }

    SECTION("a malformed cache fails the constructor") {
        write_file(s.token_cache, "{");
        const auto e = caught([&] { oauth2_client c(io.get_executor(), s); });
        CHECK(has_code(e, errc::invalid_argument));
        CHECK_THAT(e.what(), Catch::StartsWith("token cache "));
    }
}
