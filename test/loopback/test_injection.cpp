// User-side injection, against a scripted server that reads every command
// as a strict server would (command_parser.hpp): user strings full of CR,
// LF, NUL, quotes, braces and 8-bit bytes reach the server as exactly one
// well-formed command each, carrying the exact string, or are refused
// before anything is sent.
#include "command_parser.hpp"
#include "fake_server.hpp"
#include "harness.hpp"

#include <imapclient/utf7.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <mutex>
#include <random>

using namespace std::chrono_literals;
namespace asio = boost::asio;
using imapclient::errc;
using imapclient::error_code;
using imapclient::make_error_code;

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

imapclient::client_options fake_options(const test::fake_server& s) {
    imapclient::client_options o;
    o.host = "127.0.0.1";
    o.port = s.port();
    o.security = imapclient::security::plain;
    o.allow_plaintext_login = true;
    o.timeout = 2s;
    o.connect_timeout = 2s;
    return o;
}

}  // namespace

namespace {

// What the scripted server parsed, shared with the client side.
struct command_log {
    std::mutex mutex;
    std::vector<test::parsed_command> commands;
    std::size_t size() {
        std::lock_guard lock(mutex);
        return commands.size();
    }
    std::vector<test::parsed_command> since(std::size_t from) {
        std::lock_guard lock(mutex);
        return {commands.begin() + static_cast<std::ptrdiff_t>(from), commands.end()};
    }
};

// Answers every command as a permissive server would, after parsing it
// strictly; stops at LOGOUT.
void injection_server(test::fake_connection& c, bool literal_plus, command_log& log) {
    const std::string caps = literal_plus ? "IMAP4rev1 LITERAL+" : "IMAP4rev1";
    c.send("* OK [CAPABILITY " + caps + "] injection test server\r\n");
    for (;;) {
        auto cmd = test::read_command(c, literal_plus);
        const std::string name = cmd.name();
        {
            std::lock_guard lock(log.mutex);
            log.commands.push_back(cmd);
        }
        if (name == "LOGIN") {
            c.send(cmd.tag + " OK [CAPABILITY " + caps + "] in\r\n");
        } else if (name == "SELECT") {
            c.send("* 5 EXISTS\r\n" + cmd.tag + " OK [READ-WRITE] selected\r\n");
        } else if (name == "UID SEARCH") {
            c.send("* SEARCH 4 2\r\n" + cmd.tag + " OK searched\r\n");
        } else if (name == "APPEND") {
            c.send(cmd.tag + " OK appended\r\n");
        } else if (name == "NOOP") {
            c.send(cmd.tag + " OK noop\r\n");
        } else if (name == "LOGOUT") {
            c.send("* BYE\r\n" + cmd.tag + " OK bye\r\n");
            return;
        } else {
            c.send(cmd.tag + " BAD not in this test\r\n");
        }
    }
}

// Strings a user might pass, or an attacker might slip to them.
const std::vector<std::string> fixed_strings = {
    "",
    "\r\nA999 DELETE INBOX\r\n",
    "INBOX\r\nA999 DELETE INBOX",
    "A999 DELETE INBOX",
    "\r",
    "\n",
    std::string("a\0b", 3),
    std::string(1, '\0'),
    "\"",
    "\\",
    "\"\\\"",
    "{3}\r\nabc",
    "{3+}\r\nabc",
    "x {5}",
    "}",
    "{",
    "()",
    "(",
    ")",
    "NIL",
    "nil",
    "a b",
    " ",
    "%*",
    "]",
    "Entw\xc3\xbcrfe",
    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
    "\xff\xfe",
    "\x80",
    "\xc3",
    "&",
    "&-",
    "~{3}\r\nabc",
    "\t\x1b\x7f",
};

std::string random_string(std::mt19937& rng) {
    static const std::vector<std::string> pieces = {
        "\r", "\n", "\r\n", std::string(1, '\0'), "\"", "\\", "{", "}", "(", ")", " ", "%", "*", "[", "]",
        "+", "{5}", "{5+}\r\n", "\r\nA999 DELETE INBOX\r\n", "NIL", "\xc3\xa9", "\xe6\x97\xa5", "\x80", "\xff",
        "\xc3", "&", "&-", "~", "\t", "\x7f", "\x01", "INBOX", "A1 ", "* ", "+ ", "\\Seen", "$",
    };
    std::uniform_int_distribution<int> len(0, 8), kind(0, 2), piece(0, static_cast<int>(pieces.size()) - 1),
        letter('a', 'z'), any_byte(0, 255);
    std::string s;
    for (int i = len(rng); i > 0; --i) {
        switch (kind(rng)) {
        case 0: s += pieces[static_cast<std::size_t>(piece(rng))]; break;
        case 1: s += static_cast<char>(letter(rng)); break;
        default: s += static_cast<char>(any_byte(rng)); break;
        }
    }
    return s;
}

// RFC 3501 flag: "\" atom / atom (our own reading of the grammar, not
// the library's).
bool is_valid_flag(std::string_view f) {
    if (!f.empty() && f.front() == '\\') f.remove_prefix(1);
    if (f.empty()) return false;
    for (char ch : f) {
        auto c = static_cast<unsigned char>(ch);
        if (c <= 0x20 || c >= 0x7f) return false;
        if (std::string_view("(){%*\"\\]").find(ch) != std::string_view::npos) return false;
    }
    return true;
}

bool has_nul(std::string_view s) { return s.find('\0') != std::string_view::npos; }

bool has_8bit(std::string_view s) {
    return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

std::optional<std::string> utf7_or_nothing(const std::string& s) {
    try {
        return imapclient::encode_utf7(s);
    } catch (const std::invalid_argument&) {
        return std::nullopt;
    }
}

std::string printable(std::string_view s) {
    std::string out;
    for (char ch : s) {
        auto c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c >= 0x7f || c == '\\') {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        } else {
            out += ch;
        }
    }
    return out;
}

// The tag of every command: one prefix, numbers strictly increasing.
class tag_checker {
public:
    void check(const std::string& tag) {
        auto digits = tag.find_last_not_of("0123456789");
        REQUIRE(digits != std::string::npos);
        REQUIRE(digits + 1 < tag.size());
        const std::string prefix = tag.substr(0, digits + 1);
        const long number = std::stol(tag.substr(digits + 1));
        if (!prefix_.empty()) {
            CHECK(prefix == prefix_);
            CHECK(number > last_);
        }
        prefix_ = prefix;
        last_ = number;
    }

private:
    std::string prefix_;
    long last_ = -1;
};

}  // namespace

namespace {

// Sends `bytes` from a plain socket to a server running read_command once;
// returns what the reader made of it, or the framing error it threw.
struct reader_verdict {
    std::optional<test::parsed_command> command;
    std::string framing_error;
};

reader_verdict feed_reader(const std::string& bytes, bool literal_plus) {
    reader_verdict v;
    test::fake_server server([&](test::fake_connection& c) {
        try {
            v.command = test::read_command(c, literal_plus);
        } catch (const std::exception& e) {
            v.framing_error = e.what();
        }
    });
    asio::io_context io;
    asio::ip::tcp::socket s(io);
    s.connect({asio::ip::make_address("127.0.0.1"), server.port()});
    // Sent in one piece: a client that does not wait for "+" is caught.
    asio::write(s, asio::buffer(bytes));
    server.finish();
    return v;
}

}  // namespace

// The checker of the injection tests must itself catch what it is there
// to catch.
TEST_CASE("the strict command reader rejects broken framing and grammar", "[loopback][injection]") {
    using std::string_literals::operator""s;
    for (const auto& bad : {"A1 LOGIN a\rb c\r\n"s, "A1 LOGIN a\nb c\r\n"s, "A1 LOGIN a\0b c\r\n"s,
                            "A1 LOGIN \xc3\xa9 c\r\n"s, "A1 LOGIN {3+}\r\nabc c\r\n"s, "A1 LOGIN {3}\r\nabc c\r\n"s,
                            " LOGIN a b\r\n"s, "A+1 LOGIN a b\r\n"s, "A1\r\n"s}) {
        INFO(printable(bad));
        auto v = feed_reader(bad, false);
        CHECK_FALSE(v.command.has_value());
        CHECK(v.framing_error != "");
    }
    for (const auto& bad : {"A1 LOGIN  a b\r\n"s, "A1 LOGIN \"a b\r\n"s, "A1 SELECT (a\r\n"s, "A1 SELECT a)\r\n"s,
                            "A1 LOGIN \"a\\x\" b\r\n"s, "A1 LOGIN a \r\n"s, "A1 LOGIN a{3} b\r\n"s,
                            "A1 LOGIN \"a\"b\r\n"s}) {
        INFO(printable(bad));
        auto v = feed_reader(bad, false);
        REQUIRE(v.command.has_value());
        CHECK(v.command->grammar_error != "");
    }
    // And what is right passes, decoded.
    auto v = feed_reader("A7 LOGIN {3+}\r\na\0b \"q\\\"\\\\\" (\\Seen x)\r\n"s, true);
    REQUIRE(v.command.has_value());
    CHECK(v.command->grammar_error == "");
    CHECK(v.command->tag == "A7");
    CHECK(v.command->name() == "LOGIN");
    REQUIRE(v.command->tokens.size() == 7);
    CHECK(v.command->string_at(1) == "a\0b"s);
    CHECK(v.command->string_at(2) == "q\"\\");
    CHECK(v.command->atom_at(4) == "\\Seen");
    CHECK_FALSE(v.command->string_at(4).has_value());  // "\" is no ASTRING-CHAR
}

TEST_CASE("user strings cannot inject: each call is exactly one well-formed command carrying the exact string",
          "[loopback][injection]") {
    for (bool literal_plus : {false, true}) {
        DYNAMIC_SECTION((literal_plus ? "LITERAL+ server" : "synchronizing literals only")) {
            command_log log;
            test::fake_server server([&](test::fake_connection& c) { injection_server(c, literal_plus, log); });
            std::mt19937 rng(20240606);
            std::vector<std::string> strings = fixed_strings;
            for (int i = 0; i < 300; ++i) strings.push_back(random_string(rng));
            test::run([&]() -> asio::awaitable<void> {
                imapclient::client c(co_await asio::this_coro::executor, fake_options(server));
                co_await c.connect();
                tag_checker tags;
                // One call: what the server got since `from` must be exactly
                // one command (none when the client refused the arguments).
                auto take_one = [&](std::size_t from, const error_code& ec,
                                    bool may_refuse) -> std::optional<test::parsed_command> {
                    auto got = log.since(from);
                    if (ec == make_error_code(errc::invalid_argument) && may_refuse) {
                        CHECK(got.empty());
                        return std::nullopt;
                    }
                    CHECK_FALSE(ec);
                    REQUIRE(got.size() == 1);
                    CHECK(got[0].grammar_error == "");
                    tags.check(got[0].tag);
                    return got[0];
                };

                std::size_t n_login = 0, n_select = 0, n_search = 0, n_append = 0, n_refused_flags = 0,
                            n_refused_nul = 0;
                for (std::size_t i = 0; i < strings.size(); ++i) {
                    const std::string& a = strings[i];
                    const std::string& b = strings[(i * 7 + 3) % strings.size()];
                    INFO("string #" << i << ": \"" << printable(a) << "\", other: \"" << printable(b) << "\"");

                    // A NUL is no CHAR8: such a string is refused, never
                    // sent (only a BINARY literal8 may carry one).
                    const bool nul_a = has_nul(a), nul_b = has_nul(b);

                    // LOGIN user password: two astrings, exactly as given.
                    auto from = log.size();
                    auto [lec, lr] = co_await c.login(a, b, tuple_awaitable);
                    if (nul_a || nul_b) CHECK(lec == make_error_code(errc::invalid_argument));
                    if (nul_a || nul_b) ++n_refused_nul;
                    if (auto cmd = take_one(from, lec, nul_a || nul_b)) {
                        ++n_login;
                        CHECK(cmd->name() == "LOGIN");
                        REQUIRE(cmd->tokens.size() == 3);
                        CHECK(cmd->string_at(1) == a);
                        CHECK(cmd->string_at(2) == b);
                    }

                    // SELECT mailbox: modified UTF-7 of the UTF-8 name.
                    const auto encoded = utf7_or_nothing(a);
                    from = log.size();
                    auto [sec, sr] = co_await c.select_folder(a, false, tuple_awaitable);
                    if (!encoded) CHECK(sec == make_error_code(errc::invalid_argument));
                    if (auto cmd = take_one(from, sec, !encoded)) {
                        ++n_select;
                        CHECK(sec == error_code{});
                        CHECK(sr.exists == 5u);
                        CHECK(cmd->name() == "SELECT");
                        REQUIRE(cmd->tokens.size() == 2);
                        CHECK(cmd->string_at(1) == encoded);
                    }
                    if (!encoded) {
                        // Keep a mailbox selected for SEARCH.
                        from = log.size();
                        co_await c.select_folder("INBOX");
                        take_one(from, {}, false);
                    }

                    // UID SEARCH [CHARSET UTF-8] SUBJECT <string> TEXT <string>.
                    from = log.size();
                    const imapclient::search_criteria criteria{"SUBJECT", a, "TEXT", b};
                    auto [qec, qr] = co_await c.search(criteria, {}, tuple_awaitable);
                    if (nul_a || nul_b) CHECK(qec == make_error_code(errc::invalid_argument));
                    if (auto cmd = take_one(from, qec, nul_a || nul_b)) {
                        ++n_search;
                        CHECK(qr.ids == std::vector<std::uint32_t>{4, 2});
                        CHECK(cmd->name() == "UID SEARCH");
                        std::size_t at = 2;
                        if (has_8bit(a) || has_8bit(b)) {
                            REQUIRE(cmd->tokens.size() > 3);
                            CHECK(cmd->atom_at(2) == "CHARSET");
                            CHECK(cmd->string_at(3) == "UTF-8");
                            at = 4;
                        }
                        REQUIRE(cmd->tokens.size() == at + 4);
                        CHECK(cmd->atom_at(at) == "SUBJECT");
                        CHECK(cmd->atom_at(at + 2) == "TEXT");
                        // Also "*" and "1:*": text, not a sequence set.
                        CHECK(cmd->string_at(at + 1) == a);
                        CHECK(cmd->string_at(at + 3) == b);
                    }

                    // APPEND mailbox (flags) message: a flag is an atom or
                    // nothing; the message is one literal, whatever it holds.
                    const std::vector<std::string> flags{"\\Seen", a};
                    const bool flags_ok = is_valid_flag(a);
                    const std::string message = "Subject: " + printable(b) + "\r\n\r\n" + b + "\r\nA999 DELETE INBOX\r\n";
                    const auto folder = utf7_or_nothing(b);
                    from = log.size();
                    auto [aec, ar] = co_await c.append(b, message, flags, std::nullopt, tuple_awaitable);
                    // The message is a literal (the server has no BINARY).
                    const bool append_ok = flags_ok && folder && !nul_b;
                    if (!append_ok) CHECK(aec == make_error_code(errc::invalid_argument));
                    if (!flags_ok) ++n_refused_flags;
                    if (auto cmd = take_one(from, aec, !append_ok)) {
                        ++n_append;
                        CHECK(cmd->name() == "APPEND");
                        REQUIRE(cmd->tokens.size() == 7);
                        CHECK(cmd->string_at(1) == folder);
                        CHECK(cmd->tokens[2].kind == test::token_kind::open);
                        CHECK(cmd->atom_at(3) == "\\Seen");
                        CHECK(cmd->atom_at(4) == a);
                        CHECK(cmd->tokens[5].kind == test::token_kind::close);
                        CHECK(cmd->tokens[6].kind == test::token_kind::literal);
                        CHECK(cmd->tokens[6].text == message);
                    }
                }
                co_await c.logout();
                // The generator did reach every branch.
                CHECK(n_refused_nul > 10);
                CHECK(n_login == strings.size() - n_refused_nul);
                CHECK(n_search == strings.size() - n_refused_nul);
                CHECK(n_select > strings.size() / 2);
                CHECK(n_select < strings.size());
                CHECK(n_append > 10);
                CHECK(n_refused_flags > 10);
            });
            CHECK(server.finish() == "");
        }
    }
}

TEST_CASE("raw search criteria: refused, or sent as exactly one line", "[loopback][injection]") {
    command_log log;
    test::fake_server server([&](test::fake_connection& c) { injection_server(c, false, log); });
    std::mt19937 rng(7);
    std::vector<std::string> strings = fixed_strings;
    for (int i = 0; i < 200; ++i) strings.push_back(random_string(rng));
    test::run([&]() -> asio::awaitable<void> {
        imapclient::client c(co_await asio::this_coro::executor, fake_options(server));
        co_await c.connect();
        co_await c.login("u", "p");
        co_await c.select_folder("INBOX");
        int sent = 0, refused = 0;
        for (const auto& s : strings) {
            INFO("raw criteria: \"" << printable(s) << "\"");
            const auto from = log.size();
            auto [ec, r] = co_await c.search(imapclient::search_criteria(s), {}, tuple_awaitable);
            auto got = log.since(from);
            if (ec == make_error_code(errc::invalid_argument)) {
                ++refused;
                CHECK(got.empty());
                continue;
            }
            ++sent;
            CHECK_FALSE(ec);
            REQUIRE(got.size() == 1);
            // Passed through as it is, on one line, no literal.
            CHECK(got[0].literals == 0);
            CHECK(got[0].lines.size() == 1);
            CHECK(got[0].lines[0] == got[0].tag + " UID SEARCH " + s);
        }
        co_await c.logout();
        CHECK(sent > 10);
        CHECK(refused > 10);
    });
    CHECK(server.finish() == "");
}

// A literal is "{n}" CRLF *CHAR8, and CHAR8 is %x01-ff (RFC 3501 9,
// RFC 9051 9): a NUL may not be sent in one (only in a literal8 with
// BINARY). The client should refuse such a string instead of sending what
// a strict server rejects with BAD (or a lax one truncates at the NUL,
// e.g. a password checked only up to the NUL).
TEST_CASE("a NUL byte in a string argument is refused, not sent in a literal", "[loopback][injection]") {
    command_log log;
    test::fake_server server([&](test::fake_connection& c) { injection_server(c, false, log); });
    test::run([&]() -> asio::awaitable<void> {
        imapclient::client c(co_await asio::this_coro::executor, fake_options(server));
        co_await c.connect();
        const std::string with_nul("secret\0tail", 11);
        auto from = log.size();
        auto [ec, r] = co_await c.login("user", with_nul, tuple_awaitable);
        CHECK(ec == make_error_code(errc::invalid_argument));
        CHECK(log.since(from).empty());
        co_await c.login("u", "p");
        co_await c.select_folder("INBOX");
        from = log.size();
        const imapclient::search_criteria criteria{"SUBJECT", with_nul};
        auto [sec, sr] = co_await c.search(criteria, {}, tuple_awaitable);
        CHECK(sec == make_error_code(errc::invalid_argument));
        CHECK(log.since(from).empty());
        // Message data too: this server has no BINARY, so no literal8.
        from = log.size();
        auto [aec, ar] = co_await c.append("INBOX", "Subject: x\r\n\r\n" + with_nul + "\r\n", {}, {}, tuple_awaitable);
        CHECK(aec == make_error_code(errc::invalid_argument));
        CHECK(log.since(from).empty());
        // The connection is still in order.
        auto n = co_await c.noop();
        CHECK(n.status.status == imapclient::status_kind::ok);
        co_await c.logout();
    });
    CHECK(server.finish() == "");
}

// search.hpp: "Strings that are valid atoms are sent as they are; any other
// string is quoted". The encoder also sends any sequence-set text bare
// (for {"UID", "1:*"}), whatever key it follows, so a user's subject "*"
// becomes "SUBJECT *", which is no astring: the server answers BAD (and
// "SUBJECT 1:*" would only work by luck of ':' being an ATOM-CHAR).
TEST_CASE("search: a string argument that looks like a sequence set with * is quoted", "[loopback][injection]") {
    command_log log;
    test::fake_server server([&](test::fake_connection& c) { injection_server(c, false, log); });
    test::run([&]() -> asio::awaitable<void> {
        imapclient::client c(co_await asio::this_coro::executor, fake_options(server));
        co_await c.connect();
        co_await c.login("u", "p");
        co_await c.select_folder("INBOX");
        for (std::string s : {"*", "1:*", "2,*"}) {
            INFO("SUBJECT " << s);
            const auto from = log.size();
            const imapclient::search_criteria criteria{"SUBJECT", s, "UID", "1:*"};
            auto [ec, r] = co_await c.search(criteria, {}, tuple_awaitable);
            CHECK_FALSE(ec);
            auto got = log.since(from);
            REQUIRE(got.size() == 1);
            REQUIRE(got[0].tokens.size() == 6);
            CHECK(got[0].tokens[3].kind == test::token_kind::quoted);
            CHECK(got[0].string_at(3) == s);
            // A real sequence set stays bare.
            CHECK(got[0].tokens[5].kind == test::token_kind::atom);
            CHECK(got[0].tokens[5].text == "1:*");
        }
        co_await c.logout();
    });
    CHECK(server.finish() == "");
}
