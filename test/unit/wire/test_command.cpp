#include <catch2/catch.hpp>

#include "wire/command.hpp"

#include <imapclient/utf7.hpp>

#include <chrono>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

using imapclient::datetime;
using imapclient::search_criteria;
using imapclient::search_item;
using imapclient::sequence_set;
using imapclient::wire::command_builder;
using imapclient::wire::encoded_command;
using imapclient::wire::format_search_date;
using imapclient::wire::is_atom;
using imapclient::wire::literal_support;
using namespace std::chrono;

namespace {

// Reads command bytes the way a server does: a line ends at CRLF unless
// the line ends in a literal header "{n}", "{n+}" or "~{n}", in which case
// n bytes of literal follow and the line goes on. Quoted strings may not
// hold CR, LF or NUL; outside literals no byte is 8-bit or NUL.
struct framing {
    bool ok = true;
    std::string why;
    int lines = 0;                       // CRLFs that end the command
    std::vector<std::size_t> sync_points;  // after each synchronizing header
    std::vector<std::string> literals;
};

framing read_frames(const std::string& b) {
    framing f;
    auto fail = [&](std::string why, std::size_t at) {
        f.ok = false;
        f.why = why + " at offset " + std::to_string(at);
        return f;
    };
    bool in_quote = false;
    std::size_t i = 0;
    std::size_t segment = 0;  // a header never reaches back into literal data
    while (i < b.size()) {
        unsigned char c = static_cast<unsigned char>(b[i]);
        if (in_quote) {
            if (c == '\\') {
                if (i + 1 >= b.size() || (b[i + 1] != '"' && b[i + 1] != '\\')) return fail("bad escape", i);
                i += 2;
                continue;
            }
            if (c == '"') in_quote = false;
            else if (c == '\r' || c == '\n' || c == 0 || c >= 0x80) return fail("bad byte in quoted string", i);
            ++i;
            continue;
        }
        if (c == '"') {
            in_quote = true;
            ++i;
            continue;
        }
        if (c == '\r') {
            if (i + 1 >= b.size() || b[i + 1] != '\n') return fail("bare CR", i);
            // Literal header just before the CRLF?
            std::size_t j = i;
            bool plus = false;
            if (j > segment && b[j - 1] == '}') {
                std::size_t k = j - 1;
                if (k > segment && b[k - 1] == '+') {
                    plus = true;
                    --k;
                }
                std::size_t digits_end = k;
                while (k > segment && b[k - 1] >= '0' && b[k - 1] <= '9') --k;
                if (k > segment && b[k - 1] == '{' && k < digits_end) {
                    std::size_t n = std::stoull(b.substr(k, digits_end - k));
                    i += 2;
                    if (!plus) f.sync_points.push_back(i);
                    if (i + n > b.size()) return fail("literal runs past the end", i);
                    f.literals.push_back(b.substr(i, n));
                    i += n;
                    segment = i;
                    continue;
                }
            }
            ++f.lines;
            i += 2;
            if (i != b.size()) return fail("CRLF before the end of the command", i);
            continue;
        }
        if (c == '\n') return fail("bare LF", i);
        if (c == 0) return fail("NUL outside a literal", i);
        if (c >= 0x80) return fail("8-bit byte outside a literal", i);
        ++i;
    }
    if (in_quote) return fail("unterminated quoted string", i);
    return f;
}

void check_one_command(const encoded_command& cmd) {
    INFO(cmd.bytes);
    framing f = read_frames(cmd.bytes);
    INFO(f.why);
    REQUIRE(f.ok);
    CHECK(f.lines == 1);
    CHECK(f.sync_points == cmd.sync_points);
    REQUIRE(cmd.bytes.size() >= 2);
    CHECK(cmd.bytes.substr(cmd.bytes.size() - 2) == "\r\n");
}

encoded_command build(const std::function<void(command_builder&)>& f, literal_support lits = {},
                      const char* name = "X") {
    command_builder b("A1", name, lits);
    f(b);
    return std::move(b).finish();
}

}  // namespace

TEST_CASE("the framing checker itself catches injections", "[encoder]") {
    CHECK(read_frames("A1 NOOP\r\n").ok);
    CHECK(read_frames("A1 NOOP\r\n").lines == 1);
    CHECK(read_frames("A1 X {3}\r\na\r\n\r\n").ok);
    CHECK_FALSE(read_frames("A1 X\r\nA2 DELETE INBOX\r\n").ok);
    CHECK_FALSE(read_frames("A1 X a\rb\r\n").ok);
    CHECK_FALSE(read_frames("A1 X a\nb\r\n").ok);
    CHECK_FALSE(read_frames("A1 X \"a\r\nb\"\r\n").ok);
    CHECK_FALSE(read_frames("A1 X {5}\r\nab\r\n").ok);
    // Literal data that ends like a header is data, not a header.
    CHECK(read_frames("A1 X {5}\r\nx {1}\r\n").ok);
    CHECK(read_frames("A1 X {5}\r\nx {1}\r\n").lines == 1);
    CHECK(read_frames("A1 X {5+}\r\nabcde\r\n").sync_points.empty());
    CHECK_FALSE(read_frames("A1 X \"abc\r\n").ok);
    CHECK_FALSE(read_frames(std::string("A1 X a\0\r\n", 9)).ok);
    CHECK_FALSE(read_frames("A1 X \xc3\xa9\r\n").ok);
}

TEST_CASE("LOGIN with a quoted user and a literal password", "[encoder]") {
    auto cmd = build([](auto& b) { b.astring("user name").secret("pa\r\ns"); }, {}, "LOGIN");
    CHECK(cmd.bytes == "A1 LOGIN \"user name\" {5}\r\npa\r\ns\r\n");
    REQUIRE(cmd.sync_points.size() == 1);
    CHECK(cmd.sync_points[0] == std::string("A1 LOGIN \"user name\" {5}\r\n").size());
    CHECK(cmd.redacted == "A1 LOGIN \"user name\" ***\r\n");
    check_one_command(cmd);

    auto plain = build([](auto& b) { b.astring("joe").secret("s3cret"); }, {}, "LOGIN");
    CHECK(plain.bytes == "A1 LOGIN joe s3cret\r\n");
    CHECK(plain.redacted == "A1 LOGIN joe ***\r\n");
    CHECK(plain.sync_points.empty());
    auto quoted = build([](auto& b) { b.astring("joe").secret("a \"b\""); }, {}, "LOGIN");
    CHECK(quoted.bytes == "A1 LOGIN joe \"a \\\"b\\\"\"\r\n");
    CHECK(quoted.redacted == "A1 LOGIN joe ***\r\n");
}

TEST_CASE("literal forms follow the server's capabilities", "[encoder]") {
    literal_support none{};
    literal_support plus{true, false, false};
    literal_support minus{false, true, false};
    literal_support binary{false, false, true};

    auto sync = build([](auto& b) { b.literal("hello"); }, none);
    CHECK(sync.bytes == "A1 X {5}\r\nhello\r\n");
    CHECK(sync.sync_points == std::vector<std::size_t>{10});
    CHECK(sync.redacted == "A1 X {5}\r\n<redacted 5 bytes>\r\n");

    auto p = build([](auto& b) { b.literal("hello"); }, plus);
    CHECK(p.bytes == "A1 X {5+}\r\nhello\r\n");
    CHECK(p.sync_points.empty());

    std::string big(5000, 'x');
    auto pbig = build([&](auto& b) { b.literal(big); }, plus);
    CHECK(pbig.bytes == "A1 X {5000+}\r\n" + big + "\r\n");
    CHECK(pbig.sync_points.empty());

    std::string at_limit(4096, 'y');
    auto m = build([&](auto& b) { b.literal(at_limit); }, minus);
    CHECK(m.bytes == "A1 X {4096+}\r\n" + at_limit + "\r\n");
    CHECK(m.sync_points.empty());
    std::string over(4097, 'z');
    auto m2 = build([&](auto& b) { b.literal(over); }, minus);
    CHECK(m2.bytes == "A1 X {4097}\r\n" + over + "\r\n");
    CHECK(m2.sync_points == std::vector<std::size_t>{13});
    CHECK(m2.redacted == "A1 X {4097}\r\n<redacted 4097 bytes>\r\n");

    auto bin = build([](auto& b) { b.literal(std::string("a\0b", 3), true); }, binary);
    CHECK(bin.bytes == std::string("A1 X ~{3}\r\na\0b\r\n", 16));
    CHECK(bin.sync_points == std::vector<std::size_t>{11});
    auto bin_plus = build([](auto& b) { b.literal("abc", true); }, literal_support{true, false, true});
    CHECK(bin_plus.bytes == "A1 X ~{3+}\r\nabc\r\n");
    // Without BINARY the literal is an ordinary one.
    auto no_bin = build([](auto& b) { b.literal("abc", true); }, none);
    CHECK(no_bin.bytes == "A1 X {3}\r\nabc\r\n");

    auto empty = build([](auto& b) { b.literal(""); }, none);
    CHECK(empty.bytes == "A1 X {0}\r\n\r\n");
    check_one_command(empty);

    auto two = build([](auto& b) { b.literal("ab").literal("cde"); }, none);
    CHECK(two.bytes == "A1 X {2}\r\nab {3}\r\ncde\r\n");
    CHECK(two.sync_points == std::vector<std::size_t>{10, 18});
    check_one_command(two);
}

TEST_CASE("astring picks atom, quoted string or literal", "[encoder]") {
    struct vec {
        std::string in;
        std::string out;
    };
    const vec vectors[] = {
        {"INBOX", "INBOX"},
        {"[Gmail]/Sent", "[Gmail]/Sent"},  // ']' is an ASTRING-CHAR
        {"a.b-c_d+e~f", "a.b-c_d+e~f"},
        {"", "\"\""},
        {"NIL", "\"NIL\""},
        {"nil", "\"nil\""},
        {"Nil", "\"Nil\""},
        {"NILS", "NILS"},
        {"a b", "\"a b\""},
        {"a\"b", "\"a\\\"b\""},
        {"a\\b", "\"a\\\\b\""},
        {"\\", "\"\\\\\""},
        {"a(b", "\"a(b\""},
        {"a)b", "\"a)b\""},
        {"a{b", "\"a{b\""},
        {"50%", "\"50%\""},
        {"a*", "\"a*\""},
        {"a\tb", "\"a\tb\""},
        {"\x7f", "\"\x7f\""},
        {"é", "{2}\r\né"},
        {"a\rb", "{3}\r\na\rb"},
        {"a\nb", "{3}\r\na\nb"},
    };
    for (const auto& v : vectors) {
        INFO(v.in);
        auto cmd = build([&](auto& b) { b.astring(v.in); });
        CHECK(cmd.bytes == "A1 X " + v.out + "\r\n");
        check_one_command(cmd);
    }    // NUL is no CHAR8: it cannot travel in a quoted string or a literal,
    // only in a literal8 (BINARY, APPEND data).
    for (const auto& nul : {std::string("a\0b", 3), std::string("\0", 1), std::string("x\r\n\0", 4)}) {
        CHECK_THROWS_AS(build([&](auto& b) { b.astring(nul); }), std::invalid_argument);
        CHECK_THROWS_AS(build([&](auto& b) { b.string(nul); }), std::invalid_argument);
        CHECK_THROWS_AS(build([&](auto& b) { b.secret(nul); }), std::invalid_argument);
        CHECK_THROWS_AS(build([&](auto& b) { b.literal(nul); }), std::invalid_argument);
        CHECK_THROWS_AS(build([&](auto& b) { b.literal(nul, true); }), std::invalid_argument);  // no BINARY
        CHECK_THROWS_AS(build([&](auto& b) { b.search({"SUBJECT", nul}); }), std::invalid_argument);
        auto bin = build([&](auto& b) { b.literal(nul, true); }, literal_support{false, false, true});
        CHECK(bin.bytes == "A1 X ~{" + std::to_string(nul.size()) + "}\r\n" + nul + "\r\n");
    }
    // The refusal does not echo the text (it may be a password).
    try {
        build([](auto& b) { b.secret(std::string("hunter2\0", 8)); });
        FAIL("a NUL in a secret was accepted");
    } catch (const std::invalid_argument& e) {
        CHECK(std::string(e.what()).find("hunter2") == std::string::npos);
    }
}

TEST_CASE("string is quoted or literal, never an atom", "[encoder]") {
    CHECK(build([](auto& b) { b.string("abc"); }).bytes == "A1 X \"abc\"\r\n");
    CHECK(build([](auto& b) { b.string(""); }).bytes == "A1 X \"\"\r\n");
    CHECK(build([](auto& b) { b.string("NIL"); }).bytes == "A1 X \"NIL\"\r\n");
    CHECK(build([](auto& b) { b.string("a\"\\"); }).bytes == "A1 X \"a\\\"\\\\\"\r\n");
    CHECK(build([](auto& b) { b.string("ü"); }).bytes == "A1 X {2}\r\nü\r\n");
}

TEST_CASE("mailbox names are modified UTF-7, then astring", "[encoder]") {
    CHECK(build([](auto& b) { b.mailbox("INBOX"); }).bytes == "A1 X INBOX\r\n");
    CHECK(build([](auto& b) { b.mailbox("Entwürfe"); }).bytes == "A1 X Entw&APw-rfe\r\n");
    CHECK(build([](auto& b) { b.mailbox("a&b"); }).bytes == "A1 X a&-b\r\n");
    CHECK(build([](auto& b) { b.mailbox("Sent Items"); }).bytes == "A1 X \"Sent Items\"\r\n");
    CHECK(build([](auto& b) { b.mailbox("[Gmail]/Вся почта"); }).bytes ==
          "A1 X \"[Gmail]/&BBIEQQRP- &BD8EPgRHBEIEMA-\"\r\n");
    CHECK(build([](auto& b) { b.mailbox(""); }).bytes == "A1 X \"\"\r\n");
    // Control characters are base64-encoded, so they never reach the wire raw.
    auto ctl = build([](auto& b) { b.mailbox("a\r\nb"); });
    CHECK(ctl.bytes == "A1 X a&AA0ACg-b\r\n");
    CHECK_THROWS_AS(build([](auto& b) { b.mailbox("\xff"); }), std::invalid_argument);
}

TEST_CASE("atoms, numbers, sets, flags, dates and groups", "[encoder]") {
    auto cmd = build(
        [](auto& b) {
            b.set(sequence_set("1:3,7"))
                .atom("+FLAGS.SILENT")
                .flag_list({"\\Seen", "$Label", "\\Flagged", "Junk"});
        },
        {}, "UID STORE");
    CHECK(cmd.bytes == "A1 UID STORE 1:3,7 +FLAGS.SILENT (\\Seen $Label \\Flagged Junk)\r\n");
    check_one_command(cmd);

    CHECK(build([](auto& b) { b.flag_list({}); }).bytes == "A1 X ()\r\n");
    CHECK(build([](auto& b) { b.number(0).number(18446744073709551615ull); }).bytes ==
          "A1 X 0 18446744073709551615\r\n");
    datetime when{sys_days{1996y / July / 17} + 9h + 44min + 25s, minutes{-420}};
    CHECK(build([&](auto& b) { b.date_time(when); }).bytes == "A1 X \"17-Jul-1996 02:44:25 -0700\"\r\n");

    auto groups = build([](auto& b) {
        b.atom("A").open_paren().atom("B").open_paren().close_paren().atom("C").close_paren().atom("D");
    });
    CHECK(groups.bytes == "A1 X A (B () C) D\r\n");
    auto leading = build([](auto& b) { b.open_paren().astring("x y").number(3).close_paren(); });
    CHECK(leading.bytes == "A1 X (\"x y\" 3)\r\n");
    auto raw = build([](auto& b) {
        b.set(sequence_set(5u)).raw("(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT \"X-A\")] BODY[]<0.100>)");
    }, {}, "FETCH");
    CHECK(raw.bytes == "A1 FETCH 5 (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT \"X-A\")] BODY[]<0.100>)\r\n");
    CHECK(build([](auto&) {}, {}, "NOOP").bytes == "A1 NOOP\r\n");
}

TEST_CASE("library-side arguments reject anything unsafe", "[encoder]") {
    auto throws = [](const std::function<void(command_builder&)>& f) {
        command_builder b("A1", "X");
        CHECK_THROWS_AS(f(b), std::invalid_argument);
    };
    for (std::string bad : {"", "a b", "a\r\n", "(", ")", "{", "a]", "%", "*", "\"", "\\Seen", "é", "a\x01"}) {
        INFO(bad);
        CHECK_FALSE(is_atom(bad));
        throws([&](auto& b) { b.atom(bad); });
    }
    CHECK_FALSE(is_atom(std::string("a\0", 2)));
    for (std::string good : {"UID", "FLAGS.SILENT", "+FLAGS", "-FLAGS", "BODY[TEXT", "a:b", "1"}) {
        INFO(good);
        CHECK(is_atom(good));
    }
    for (std::string bad : {"", "a\r\nb", "a\nb", "a\rb", "\xc3\xa9", "a\tb", "\"open", "ok \"a\\\"",
                            "x {5}", "x {5+}"}) {
        INFO(bad);
        throws([&](auto& b) { b.raw(bad); });
    }
    throws([](auto& b) { b.raw(std::string("a\0b", 3)); });
    for (std::string bad : {"\\*", "a b", "\\", "", "a\"", "(x", "x)", "]", "é", "a\r\n", "\\\\Seen", "%"}) {
        INFO(bad);
        throws([&](auto& b) { b.flag_list({"\\Seen", bad}); });
    }
    throws([](auto& b) { b.set(sequence_set()); });

    CHECK_THROWS_AS(command_builder("", "X"), std::invalid_argument);
    CHECK_THROWS_AS(command_builder("A+1", "X"), std::invalid_argument);
    CHECK_THROWS_AS(command_builder("*", "X"), std::invalid_argument);
    CHECK_THROWS_AS(command_builder("A 1", "X"), std::invalid_argument);
    CHECK_THROWS_AS(command_builder("A\r\n", "X"), std::invalid_argument);
    CHECK_THROWS_AS(command_builder("A1", ""), std::invalid_argument);
    CHECK_THROWS_AS(command_builder("A1", "X\r\nA2 DELETE INBOX"), std::invalid_argument);
    CHECK_THROWS_AS(command_builder("A1", "UID  FETCH"), std::invalid_argument);
    CHECK_THROWS_AS(command_builder("A1", " X"), std::invalid_argument);
    CHECK_THROWS_AS(command_builder("A1", "X "), std::invalid_argument);
    CHECK_NOTHROW(command_builder("A1", "UID FETCH"));

    command_builder unclosed("A1", "X");
    unclosed.open_paren();
    CHECK_THROWS_AS(std::move(unclosed).finish(), std::logic_error);
    command_builder stray("A1", "X");
    CHECK_THROWS_AS(stray.close_paren(), std::logic_error);
}

TEST_CASE("format_search_date", "[encoder]") {
    CHECK(format_search_date(1994y / February / 1) == "1-Feb-1994");
    CHECK(format_search_date(2020y / December / 31) == "31-Dec-2020");
    CHECK(format_search_date(2024y / February / 29) == "29-Feb-2024");
    CHECK(format_search_date(999y / May / 9) == "9-May-0999");
    CHECK_THROWS_AS(format_search_date(2023y / February / 29), std::invalid_argument);
    CHECK_THROWS_AS(format_search_date(2023y / month{13} / 1), std::invalid_argument);
    CHECK_THROWS_AS(format_search_date(year{10000} / 1 / 1), std::invalid_argument);
}

TEST_CASE("search criteria are encoded like IMAPClient's search()", "[encoder]") {
    auto s = [](search_criteria c, std::string_view charset = {}) {
        command_builder b("A1", "SEARCH");
        b.search(c, charset);
        auto cmd = std::move(b).finish();
        check_one_command(cmd);
        return cmd;
    };
    CHECK(s({"NOT", "DELETED"}).bytes == "A1 SEARCH NOT DELETED\r\n");
    CHECK(s({"ALL"}).bytes == "A1 SEARCH ALL\r\n");
    CHECK(s({"OR", {"SUBJECT", "a"}, {"FROM", "b"}}).bytes == "A1 SEARCH OR (SUBJECT a) (FROM b)\r\n");
    CHECK(s({"NOT", {"OR", {"SEEN"}, {"FLAGGED"}}}).bytes == "A1 SEARCH NOT (OR (SEEN) (FLAGGED))\r\n");
    CHECK(s({"SINCE", 1994y / February / 1}).bytes == "A1 SEARCH SINCE 1-Feb-1994\r\n");
    CHECK(s({"SMALLER", 1000, "LARGER", std::int64_t{5'000'000'000}}).bytes ==
          "A1 SEARCH SMALLER 1000 LARGER 5000000000\r\n");
    CHECK(s({"SUBJECT", "hello world"}).bytes == "A1 SEARCH SUBJECT \"hello world\"\r\n");
    CHECK(s({"SUBJECT", ""}).bytes == "A1 SEARCH SUBJECT \"\"\r\n");
    CHECK(s({"SUBJECT", "a\"b"}).bytes == "A1 SEARCH SUBJECT \"a\\\"b\"\r\n");
    CHECK(s({"SUBJECT", "x]"}).bytes == "A1 SEARCH SUBJECT \"x]\"\r\n");
    CHECK(s({"HEADER", "X-Spam", ""}).bytes == "A1 SEARCH HEADER X-Spam \"\"\r\n");
    CHECK(s({"UID", "1:*"}).bytes == "A1 SEARCH UID 1:*\r\n");
    CHECK(s({"UID", "2,4:7,9,12:*"}).bytes == "A1 SEARCH UID 2,4:7,9,12:*\r\n");
    CHECK(s({"1:*"}).bytes == "A1 SEARCH 1:*\r\n");
    CHECK(s({"*"}).bytes == "A1 SEARCH *\r\n");
    CHECK(s({"SUBJECT", "*x"}).bytes == "A1 SEARCH SUBJECT \"*x\"\r\n");
    // Text that looks like a sequence set is still text after a text key.
    for (std::string key : {"SUBJECT", "BODY", "TEXT", "FROM", "TO", "CC", "BCC", "subject", "X-GM-RAW"}) {
        INFO(key);
        CHECK(s({key, "*"}).bytes == "A1 SEARCH " + key + " \"*\"\r\n");
        CHECK(s({key, "1:*"}).bytes == "A1 SEARCH " + key + " \"1:*\"\r\n");
        CHECK(s({key, "2,*", "UID", "1:*"}).bytes == "A1 SEARCH " + key + " \"2,*\" UID 1:*\r\n");
        CHECK(s({key, "1:5"}).bytes == "A1 SEARCH " + key + " 1:5\r\n");  // an atom: a valid astring
    }
    CHECK(s({"HEADER", "*", "1:*"}).bytes == "A1 SEARCH HEADER \"*\" \"1:*\"\r\n");
    CHECK(s({"HEADER", "X", "y", "1:*"}).bytes == "A1 SEARCH HEADER X y 1:*\r\n");
    CHECK(s({"SUBJECT", "SUBJECT", "*"}).bytes == "A1 SEARCH SUBJECT SUBJECT *\r\n");  // the argument is no key
    CHECK(s({"NOT", {"SUBJECT", "*"}, "*"}).bytes == "A1 SEARCH NOT (SUBJECT \"*\") *\r\n");
    CHECK(s({"SMALLER", 5, "1:*"}).bytes == "A1 SEARCH SMALLER 5 1:*\r\n");

    // 8-bit text: a literal, and CHARSET UTF-8 when no charset was given.
    auto utf8 = s({"SUBJECT", "héllo"});
    CHECK(utf8.bytes == "A1 SEARCH CHARSET UTF-8 SUBJECT {6}\r\nhéllo\r\n");
    CHECK(utf8.sync_points == std::vector<std::size_t>{std::string("A1 SEARCH CHARSET UTF-8 SUBJECT {6}\r\n").size()});
    auto nested = s({"OR", {"SUBJECT", "é"}, {"FROM", "x"}});
    CHECK(nested.bytes == "A1 SEARCH CHARSET UTF-8 OR (SUBJECT {2}\r\né) (FROM x)\r\n");
    CHECK(s({"SUBJECT", "héllo"}, "ISO-8859-1").bytes == "A1 SEARCH CHARSET ISO-8859-1 SUBJECT {6}\r\nhéllo\r\n");
    CHECK(s({"ALL"}, "UTF-8").bytes == "A1 SEARCH CHARSET UTF-8 ALL\r\n");
    // CR/LF without 8-bit: a literal but no charset.
    CHECK(s({"BODY", "a\r\nb"}).bytes == "A1 SEARCH BODY {4}\r\na\r\nb\r\n");

    // A raw string passes through unchanged.
    CHECK(s("SINCE 1-Feb-2020 NOT SEEN").bytes == "A1 SEARCH SINCE 1-Feb-2020 NOT SEEN\r\n");
    CHECK(s(std::string("SUBJECT \"a b\"")).bytes == "A1 SEARCH SUBJECT \"a b\"\r\n");
    CHECK(s("ALL", "US-ASCII").bytes == "A1 SEARCH CHARSET US-ASCII ALL\r\n");

    auto throws = [](search_criteria c) {
        command_builder b("A1", "SEARCH");
        CHECK_THROWS_AS(b.search(c), std::invalid_argument);
    };
    throws(std::vector<search_item>{});
    throws({"NOT", search_item::list{}});
    throws({"SMALLER", -1});
    throws({"SINCE", 2023y / February / 29});
    throws("");
    throws("SUBJECT a\r\nA2 DELETE INBOX");
    throws("SUBJECT a\nb");
    throws("SUBJECT h\xc3\xa9llo");
    throws(std::string("SUBJECT a\0b", 11));
    throws("SUBJECT {5}");
    throws("SUBJECT \"unterminated");
}

TEST_CASE("no argument can inject a command line", "[encoder]") {
    const std::vector<std::string> hostile = {
        "\r\nA2 DELETE INBOX",
        "x\r\nA2 DELETE INBOX\r\n",
        "\r",
        "\n",
        "\r\n",
        std::string("\0", 1),
        std::string("a\0\r\nA2 LOGOUT", 13),
        "\"",
        "\"\r\nA2 DELETE INBOX\r\n\"",
        "\\",
        "\\\"",
        "{5}",
        "{5}\r\n",
        "x {5}\r\n",
        "{99999999999}",
        "~{3}\r\nabc",
        "}",
        "(",
        ")",
        "]",
        "%*",
        "NIL",
        "",
        "é\r\nA2 DELETE INBOX",
        "\xff\xfe",
        "\x80",
        "a\tb",
        "\x1b[31m",
        std::string(5000, '\n'),
        "ok",
    };
    const literal_support lit_modes[] = {{}, {true, false, false}, {false, true, false}, {false, false, true}};
    for (const auto& lits : lit_modes) {
        for (const auto& h : hostile) {
            INFO("hostile: " << h);
            std::vector<std::function<void(command_builder&)>> kinds = {
                [&](auto& b) { b.astring(h); },
                [&](auto& b) { b.string(h); },
                [&](auto& b) { b.secret(h); },
                [&](auto& b) { b.literal(h); },
                [&](auto& b) { b.literal(h, true); },
                [&](auto& b) { b.astring(h).astring(h).string(h); },
                [&](auto& b) { b.open_paren().astring(h).close_paren().string(h); },
                [&](auto& b) { b.search({"SUBJECT", h, "OR", {"FROM", h}, {"TO", h}}); },
                [&](auto& b) { b.search({"TEXT", h}, "UTF-8"); },
            };
            const bool has_nul = h.find('\0') != std::string::npos;
            for (std::size_t k = 0; k < kinds.size(); ++k) {
                // A NUL travels only in a literal8 (kinds[4] with BINARY).
                if (has_nul && !(k == 4 && lits.binary)) {
                    CHECK_THROWS_AS(build(kinds[k], lits), std::invalid_argument);
                    continue;
                }
                auto cmd = build(kinds[k], lits);
                check_one_command(cmd);
                // Every hostile text naming a command has CR, LF, NUL or 8-bit
                // bytes, so it went into a literal, which the log form hides.
                CHECK(cmd.redacted.find("DELETE") == std::string::npos);
                CHECK(cmd.redacted.find("LOGOUT") == std::string::npos);
            }
            // Kinds that refuse unsafe text must refuse, never pass it on.
            std::vector<std::function<void(command_builder&)>> strict = {
                [&](auto& b) { b.atom(h); },
                [&](auto& b) { b.raw(h); },
                [&](auto& b) { b.flag_list({h}); },
                [&](auto& b) { b.search(search_criteria(h)); },
                [&](auto& b) { b.set(sequence_set(h)); },
            };
            for (auto& kind : strict) {
                command_builder b("A1", "X", lits);
                try {
                    kind(b);
                } catch (const std::invalid_argument&) {
                    continue;
                }
                check_one_command(std::move(b).finish());
            }
            // Mailbox names: UTF-7 makes them safe, or invalid UTF-8 is refused.
            try {
                check_one_command(build([&](auto& b) { b.mailbox(h); }, lits));
            } catch (const std::invalid_argument&) {
                CHECK_THROWS(imapclient::encode_utf7(h));
            }
        }
    }
}
