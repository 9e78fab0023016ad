// SASL: base64, the built-in mechanisms' messages, and the AUTHENTICATE
// exchange through the engine (SASL-IR, challenges, cancellation).
#include "engine_script.hpp"

#include "operations/session.hpp"
#include "sasl/oauth1.hpp"
#include "sasl/saslprep.hpp"
#include "sasl/scram.hpp"
#include "text/base64.hpp"

#include <imapclient/credentials.hpp>
#include <imapclient/sasl.hpp>

using namespace engine_script;
using imapclient::sasl_mechanism;
namespace sasl = imapclient::sasl;
namespace text = imapclient::text;
namespace commands = imapclient::operations::commands;

TEST_CASE("base64: RFC 4648 test vectors both ways", "[sasl]") {
    const std::pair<const char*, const char*> vectors[] = {
        {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
    };
    for (auto [plain, encoded] : vectors) {
        CHECK(text::base64_encode(plain) == encoded);
        CHECK(text::base64_decode(encoded) == std::optional<std::string>(plain));
    }
    std::string all;
    for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
    CHECK(text::base64_decode(text::base64_encode(all)) == std::optional<std::string>(all));
}

TEST_CASE("base64: malformed text is refused", "[sasl]") {
    for (const char* bad : {"Zg=", "Zg", "Z===", "Zm9v!A==", "Zg==Zg==", "Zh==", "Zm9=", "Zm 9v", "=Zm9"})
        CHECK_FALSE(text::base64_decode(bad));
}

TEST_CASE("sasl: PLAIN, XOAUTH2 and OAUTHBEARER messages", "[sasl]") {
    auto plain = sasl::plain("alice", "alicepass");
    CHECK(plain.name == "PLAIN");
    CHECK(plain.step({}) == std::optional<std::string>(std::string("\0alice\0alicepass", 16)));
    CHECK_FALSE(plain.step("unexpected"));  // a second challenge cancels

    auto authz = sasl::plain("admin", "adminpass", "alice");
    CHECK(authz.step({}) == std::optional<std::string>(std::string("alice\0admin\0adminpass", 21)));
    CHECK_THROWS_AS(sasl::plain(std::string("a\0b", 3), "x"), std::invalid_argument);

    auto x2 = sasl::xoauth2("someuser@example.com", "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg");
    CHECK(x2.name == "XOAUTH2");
    // Google's documented example string.
    CHECK(x2.step({}) == std::optional<std::string>(
                             "user=someuser@example.com\x01" "auth=Bearer ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg\x01\x01"));
    CHECK(x2.step(R"({"status":"401"})") == std::optional<std::string>(""));  // answers the error challenge

    auto yahoo = sasl::xoauth2("u", "t", "Yahoo");
    CHECK(yahoo.step({}) == std::optional<std::string>("user=u\x01" "auth=Bearer t\x01" "vendor=Yahoo\x01\x01"));

    // RFC 7628 section 4.1's example.
    auto bearer = sasl::oauthbearer("user@example.com", "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==", "server.example.com", 143);
    CHECK(bearer.step({}) == std::optional<std::string>(
                                 "n,a=user@example.com,\x01" "host=server.example.com\x01" "port=143\x01"
                                 "auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\x01\x01"));
    CHECK(bearer.step("{\"status\":\"invalid_token\"}") == std::optional<std::string>("\x01"));
    auto escaped = sasl::oauthbearer("a,b=c", "t");
    CHECK(escaped.step({})->starts_with("n,a=a=2Cb=3Dc,\x01" "auth=Bearer t"));
}

TEST_CASE("sasl: XOAUTH (OAuth 1.0a) request signed with HMAC-SHA1", "[sasl]") {
    // Expected value computed independently (Python's hmac/hashlib and
    // urllib.parse.quote(safe='~'), as python-oauth2 signs).
    CHECK(imapclient::detail::xoauth_request("https://mail.google.com/mail/b/user@gmail.com/imap/", "tok/en+1",
                                             "s3cr&t", "anonymous", "anonymous", 1700000000, "12345678") ==
          "GET https://mail.google.com/mail/b/user@gmail.com/imap/ oauth_consumer_key=\"anonymous\","
          "oauth_nonce=\"12345678\",oauth_signature=\"X8L5%2BnQnjviONCwezfbZBbCleaU%3D\","
          "oauth_signature_method=\"HMAC-SHA1\",oauth_timestamp=\"1700000000\",oauth_token=\"tok%2Fen%2B1\","
          "oauth_version=\"1.0\"");
    CHECK(imapclient::detail::oauth_escape("a b~c/ü") == "a%20b~c%2F%C3%BC");
    auto m = sasl::xoauth("https://mail.google.com/mail/b/u@gmail.com/imap/", "t", "s");
    CHECK(m.name == "XOAUTH");
    CHECK(m.step({})->starts_with("GET https://mail.google.com/mail/b/u@gmail.com/imap/ oauth_consumer_key="));
}

namespace {

using imapclient::detail::scram_hash;

sasl_mechanism scram_with_nonce(scram_hash h, const char* nonce, std::string authzid = {}) {
    return imapclient::detail::scram(h, "user", "pencil", std::move(authzid), nonce, 100000);
}

std::string reason_of(const sasl_mechanism& m) { return m.cancel_reason ? *m.cancel_reason : "<null>"; }

}  // namespace

TEST_CASE("sasl: SCRAM-SHA-1 replays RFC 5802's example exchange", "[sasl][scram]") {
    auto m = scram_with_nonce(scram_hash::sha1, "fyko+d2lbbFgONRv9qkxdawL");
    CHECK(m.name == "SCRAM-SHA-1");
    CHECK(m.step({}) == std::optional<std::string>("n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL"));
    CHECK(m.step("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096") ==
          std::optional<std::string>("c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts="));
    CHECK(m.step("v=rmF9pqV8S7suAoZWja4dJRkFsKQ=") == std::optional<std::string>(""));
    CHECK(reason_of(m).empty());
}

TEST_CASE("sasl: SCRAM-SHA-256 replays RFC 7677's example exchange", "[sasl][scram]") {
    auto m = scram_with_nonce(scram_hash::sha256, "rOprNGfwEbeRWgbNEkqO");
    CHECK(m.name == "SCRAM-SHA-256");
    CHECK(m.secret);
    CHECK(m.step({}) == std::optional<std::string>("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"));
    CHECK(m.step("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096") ==
          std::optional<std::string>("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                                     "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="));
    CHECK(m.step("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=") == std::optional<std::string>(""));
    CHECK(reason_of(m).empty());
    // Nothing more is expected once the server proved itself.
    CHECK_FALSE(m.step("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="));
}

TEST_CASE("sasl: SCRAM refuses a server that cannot prove it knows the password", "[sasl][scram]") {
    const char* first = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    struct bad_final { const char* message; const char* reason; };
    const bad_final finals[] = {
        // one byte off in the signature
        {"v=7rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", "SCRAM: the server's signature does not match"},
        {"v=", "SCRAM: the server's signature does not match"},
        {"v=not base64!", "SCRAM: the server's signature does not match"},
        {"", "SCRAM: the server's signature does not match"},
        {"e=invalid-proof", "SCRAM: the server refused: invalid-proof"},
    };
    for (const auto& f : finals) {
        INFO(f.message);
        auto m = scram_with_nonce(scram_hash::sha256, "rOprNGfwEbeRWgbNEkqO");
        REQUIRE(m.step({}));
        REQUIRE(m.step(first));
        CHECK_FALSE(m.step(f.message));
        CHECK(reason_of(m).rfind(f.reason, 0) == 0);
    }
}

TEST_CASE("sasl: SCRAM refuses bad server-first messages before deriving a key", "[sasl][scram]") {
    struct bad_first { const char* message; const char* reason; };
    const bad_first firsts[] = {
        {"r=rOprNGfwEbeRWgbNEkqO,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", "the server's nonce does not extend the client's"},
        {"r=XXprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", "the server's nonce does not extend the client's"},
        {"r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4095", "iteration count 4095 is below 4096"},
        {"r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=100001",
         "iteration count 100001 is above the limit of 100000"},
        {"r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=99999999999", "malformed iteration count"},
        {"r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=-1", "malformed iteration count"},
        {"r=rOprNGfwEbeRWgbNEkqOabc,s=!!,i=4096", "malformed salt"},
        {"r=rOprNGfwEbeRWgbNEkqOabc,i=4096", "malformed server-first message"},
        {"m=ext,r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
         "the server requires an extension this client lacks"},
        {"e=unknown-user", "the server refused: unknown-user"},
        {"", "malformed server-first message"},
    };
    for (const auto& f : firsts) {
        INFO(f.message);
        auto m = scram_with_nonce(scram_hash::sha256, "rOprNGfwEbeRWgbNEkqO");
        REQUIRE(m.step({}));
        CHECK_FALSE(m.step(f.message));
        CHECK(reason_of(m) == std::string("SCRAM: ") + f.reason);
        CHECK_FALSE(m.step("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="));  // stays cancelled
    }
}

TEST_CASE("sasl: SCRAM escapes ',' and '=' in names; the authzid goes into the GS2 header", "[sasl][scram]") {
    auto m = imapclient::detail::scram(scram_hash::sha256, "a,b=c", "p", "admin=1", "NONCE", 100000);
    CHECK(m.step({}) == std::optional<std::string>("n,a=admin=3D1,n=a=2Cb=3Dc,r=NONCE"));
    // The channel binding attribute repeats the GS2 header (base64 of "n,a=admin=3D1,").
    auto final = m.step("r=NONCEserver,s=c2FsdA==,i=4096");
    REQUIRE(final);
    CHECK(final->rfind("c=" + text::base64_encode("n,a=admin=3D1,") + ",r=NONCEserver,p=", 0) == 0);
    // A random nonce per mechanism.
    auto a = sasl::scram_sha_256("u", "p");
    auto b = sasl::scram_sha_256("u", "p");
    CHECK(a.step({}) != b.step({}));
    CHECK(sasl::scram_sha_1("u", "p").name == "SCRAM-SHA-1");
}

TEST_CASE("AUTHENTICATE: SASL-IR puts the first response on the command line", "[sasl]") {
    script s;
    s.greet("IMAP4rev1 SASL-IR AUTH=PLAIN");
    auto id = s.submit(commands::authenticate(sasl::plain("alice", "alicepass"), true));
    CHECK(s.flush() == "A1 AUTHENTICATE PLAIN AGFsaWNlAGFsaWNlcGFzcw==\r\n");
    s.server("A1 OK [CAPABILITY IMAP4rev1 IDLE] Logged in\r\n");
    CHECK(s.result(id).ec == error_code{});
    CHECK(s.eng.state() == session_state::authenticated);
    for (auto& line : s.traced) CHECK(line.find("AGFsaWNl") == std::string::npos);
}

TEST_CASE("AUTHENTICATE: without SASL-IR the first response answers the empty challenge", "[sasl]") {
    script s;
    s.greet("IMAP4rev1 AUTH=PLAIN");
    auto id = s.submit(commands::authenticate(sasl::plain("alice", "alicepass"), false));
    CHECK(s.flush() == "A1 AUTHENTICATE PLAIN\r\n");
    s.server("+ \r\n");
    CHECK(s.flush() == "AGFsaWNlAGFsaWNlcGFzcw==\r\n");
    s.server("A1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n");
    CHECK(s.result(id).ec == make_error_code(imapclient::errc::no));
    CHECK(s.eng.state() == session_state::not_authenticated);
}

TEST_CASE("AUTHENTICATE: a server-first mechanism sees each decoded challenge", "[sasl]") {
    std::vector<std::string> seen;
    sasl_mechanism m;
    m.name = "X-TEST";
    m.client_first = false;
    m.step = [&seen](std::string_view challenge) -> std::optional<std::string> {
        seen.emplace_back(challenge);
        return "reply-" + std::to_string(seen.size());
    };
    script s;
    s.greet("IMAP4rev1 SASL-IR AUTH=X-TEST");
    auto id = s.submit(commands::authenticate(m, true));
    CHECK(s.flush() == "A1 AUTHENTICATE X-TEST\r\n");  // no initial response: server first
    s.server("+ " + text::base64_encode("first challenge") + "\r\n");
    CHECK(s.flush() == text::base64_encode("reply-1") + "\r\n");
    s.server("+ " + text::base64_encode(std::string("\0bin\xff", 5)) + "\r\n");
    CHECK(s.flush() == text::base64_encode("reply-2") + "\r\n");
    s.server("A1 OK done\r\n");
    CHECK(s.result(id).ec == error_code{});
    CHECK(seen == std::vector<std::string>{"first challenge", std::string("\0bin\xff", 5)});
}

TEST_CASE("AUTHENTICATE: a malformed challenge or a refusing mechanism cancels with '*'", "[sasl]") {
    sasl_mechanism m;
    m.name = "X-TEST";
    m.client_first = false;
    int calls = 0;
    m.step = [&calls](std::string_view) -> std::optional<std::string> { return ++calls == 1 ? std::nullopt : std::optional<std::string>("x"); };
    {
        script s;
        s.greet("IMAP4rev1 AUTH=X-TEST");
        auto id = s.submit(commands::authenticate(m, false));
        s.flush();
        s.server("+ not*base64\r\n");
        CHECK(s.flush() == "*\r\n");
        CHECK(calls == 0);
        s.server("A1 BAD AUTHENTICATE cancelled\r\n");
        CHECK(s.result(id).ec == make_error_code(imapclient::errc::bad));
    }
    {
        script s;
        s.greet("IMAP4rev1 AUTH=X-TEST");
        s.submit(commands::authenticate(m, false));
        s.flush();
        s.server("+ " + text::base64_encode("c") + "\r\n");
        CHECK(s.flush() == "*\r\n");
        CHECK(calls == 1);
    }
}

TEST_CASE("AUTHENTICATE/ENABLE/ID: bad arguments are refused before anything is sent", "[sasl]") {
    sasl_mechanism bad;
    bad.name = "PL AIN";
    bad.step = [](std::string_view) { return std::optional<std::string>(""); };
    CHECK_THROWS_AS(commands::authenticate(bad, true), std::invalid_argument);
    sasl_mechanism no_step;
    no_step.name = "PLAIN";
    CHECK_THROWS_AS(commands::authenticate(no_step, true), std::invalid_argument);
    CHECK_THROWS_AS(commands::enable({}), std::invalid_argument);
    CHECK_THROWS_AS(commands::enable({"CONDSTORE\r\nA2 DELETE INBOX"}), std::invalid_argument);
}

TEST_CASE("ENABLE and ID: encoding and collected data", "[sasl]") {
    script s;
    s.greet("IMAP4rev1 ENABLE ID");
    auto e = s.submit(commands::enable({"CONDSTORE", "UTF8=ACCEPT"}));
    CHECK(s.flush() == "A1 ENABLE CONDSTORE UTF8=ACCEPT\r\n");
    s.server("* ENABLED CONDSTORE\r\nA1 OK Enabled\r\n");
    REQUIRE(s.result(e).responses.size() == 1);
    CHECK(std::get<imapclient::enabled_data>(s.result(e).responses[0]).capabilities ==
          std::vector<std::string>{"CONDSTORE"});

    auto i = s.submit(commands::id({{"name", "imapclient"}, {"version", "1 \"beta\""}}));
    CHECK(s.flush() == "A2 ID (\"name\" \"imapclient\" \"version\" \"1 \\\"beta\\\"\")\r\n");
    s.server("* ID (\"name\" \"Dovecot\" \"support-url\" NIL)\r\nA2 OK ID completed\r\n");
    REQUIRE(s.result(i).responses.size() == 1);
    auto& fields = std::get<imapclient::id_data>(s.result(i).responses[0]).fields;
    REQUIRE(fields.size() == 2);
    CHECK(fields[0].second == std::optional<std::string>("Dovecot"));
    CHECK_FALSE(fields[1].second);

    auto nil = s.submit(commands::id({}));
    CHECK(s.flush() == "A3 ID NIL\r\n");
    s.server("* ID NIL\r\nA3 OK\r\n");
    CHECK(s.result(nil).ec == error_code{});
}

TEST_CASE("sasl: LOGIN answers the name, then the password, then refuses", "[sasl]") {
    auto m = sasl::login("alice", "alicepass");
    CHECK(m.name == "LOGIN");
    CHECK_FALSE(m.client_first);  // the server speaks first ("Username:")
    CHECK(m.step("Username:") == std::optional<std::string>("alice"));
    CHECK(m.step("Password:") == std::optional<std::string>("alicepass"));
    CHECK_FALSE(m.step("More?"));
}

TEST_CASE("sasl: EXTERNAL sends the authorization identity, empty by default, in the clear", "[sasl]") {
    auto m = sasl::external();
    CHECK(m.name == "EXTERNAL");
    CHECK(m.step({}) == std::optional<std::string>(""));
    CHECK_FALSE(m.secret);
    CHECK(sasl::external("bob").step({}) == std::optional<std::string>("bob"));
}

TEST_CASE("sasl: XOAUTH2 and OAUTHBEARER keep the server's error challenge", "[sasl]") {
    for (auto m : {sasl::xoauth2("u", "t"), sasl::oauthbearer("u", "t")}) {
        REQUIRE(m.server_error);
        m.step({});
        CHECK(m.server_error->empty());
        m.step(R"({"status":"401","schemes":"bearer"})");
        CHECK(*m.server_error == R"({"status":"401","schemes":"bearer"})");
    }
}

TEST_CASE("sasl: SASLprep (RFC 4013 section 3's examples) on SCRAM's user name and password", "[sasl]") {
    using imapclient::detail::saslprep;
    CHECK(saslprep("I\xC2\xAD" "X", "s") == "IX");  // SOFT HYPHEN mapped to nothing
    CHECK(saslprep("user", "s") == "user");
    CHECK(saslprep("USER", "s") == "USER");          // case preserved
    CHECK(saslprep("\xC2\xAA", "s") == "a");          // FEMININE ORDINAL INDICATOR, NFKC
    CHECK(saslprep("\xE2\x85\xA8", "s") == "IX");     // ROMAN NUMERAL NINE, NFKC
    CHECK(saslprep("a\xC2\xA0" "b", "s") == "a b");   // NO-BREAK SPACE mapped to space
    CHECK_THROWS_WITH(saslprep("\x07", "password"), Catch::Contains("password"));  // prohibited control
    CHECK_THROWS_AS(saslprep("\xD8\xA7" "1", "s"), std::invalid_argument);       // bidi: RandALCat then L
    // The SCRAM client-first message carries the prepared name.
    auto m = imapclient::detail::scram(imapclient::detail::scram_hash::sha256, "I\xC2\xAD" "X", "pw", {}, "nonce",
                                       100000);
    CHECK(m.step({}) == std::optional<std::string>("n,,n=IX,r=nonce"));
    CHECK_THROWS_AS(sasl::scram_sha_256("alice", "p\x07w"), std::invalid_argument);
}

TEST_CASE("choose_mechanism: the strongest the server offers for the credentials", "[sasl]") {
    using imapclient::choose_mechanism;
    using imapclient::credentials;
    using caps = std::vector<std::string>;
    credentials password{.username = "u", .password = "p"};
    const caps all{"IMAP4rev1", "AUTH=PLAIN", "AUTH=LOGIN", "AUTH=SCRAM-SHA-1", "AUTH=SCRAM-SHA-256",
                   "AUTH=XOAUTH2", "AUTH=OAUTHBEARER", "AUTH=EXTERNAL"};
    CHECK(choose_mechanism(all, password) == "SCRAM-SHA-256");
    CHECK(choose_mechanism(caps{"auth=scram-sha-1", "AUTH=PLAIN"}, password) == "SCRAM-SHA-1");  // any case
    CHECK(choose_mechanism(caps{"AUTH=LOGIN", "AUTH=PLAIN"}, password) == "PLAIN");
    CHECK(choose_mechanism(caps{"AUTH=LOGIN"}, password) == "LOGIN");
    CHECK(choose_mechanism(caps{"IMAP4rev1", "AUTH=GSSAPI"}, password) == "LOGIN-COMMAND");
    CHECK_FALSE(choose_mechanism(caps{"LOGINDISABLED", "AUTH=GSSAPI"}, password));

    credentials token{.username = "u", .access_token = "t"};
    CHECK(choose_mechanism(all, token) == "OAUTHBEARER");
    CHECK(choose_mechanism(caps{"AUTH=PLAIN", "AUTH=XOAUTH2"}, token) == "XOAUTH2");
    CHECK_FALSE(choose_mechanism(caps{"AUTH=PLAIN"}, token));  // a token is no password

    credentials certificate{.username = ""};
    CHECK(choose_mechanism(all, certificate) == "EXTERNAL");
    CHECK_FALSE(choose_mechanism(caps{"AUTH=PLAIN"}, certificate));

    credentials named{.username = "u", .password = "p", .mechanism = "PLAIN"};
    CHECK(choose_mechanism(all, named) == "PLAIN");  // the user's choice wins
}
