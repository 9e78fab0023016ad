// imap-shell (samples/shell): its JSON encoding and argument conversions
// (the shell's core library, no server), and the program itself driven in
// scripted mode against Dovecot: one JSON line per call, errors typed,
// config files, connection and TLS failures.
#include "harness.hpp"
#include "oauth_server.hpp"
#include "private_dovecot.hpp"
#include "proxy_server.hpp"

#include "codec.hpp"
#include "completion.hpp"
#include "config.hpp"
#include "iso_time.hpp"
#include "json_args.hpp"
#include "json_encode.hpp"
#include "line_parser.hpp"
#include "signin.hpp"
#include "tls_server.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <unistd.h>

extern char** environ;

namespace json = boost::json;
namespace ic = imapclient;
using namespace std::chrono_literals;

namespace {

// ---- a child process with pipes --------------------------------------------

struct child {
    pid_t pid = -1;
    int in = -1, out = -1, err = -1;
    std::string out_buf, err_buf;

    child(const std::vector<std::string>& args, const std::vector<std::string>& extra_env = {}) {
        int pin[2], pout[2], perr[2];
        REQUIRE(::pipe2(pin, O_CLOEXEC) == 0);
        REQUIRE(::pipe2(pout, O_CLOEXEC) == 0);
        REQUIRE(::pipe2(perr, O_CLOEXEC) == 0);
        std::vector<std::string> env_strings;
        for (char** e = environ; *e; ++e) {
            std::string_view kv(*e);
            bool overridden = false;
            for (const auto& x : extra_env)
                if (kv.substr(0, kv.find('=') + 1) == std::string_view(x).substr(0, x.find('=') + 1)) overridden = true;
            if (!overridden) env_strings.emplace_back(kv);
        }
        for (const auto& x : extra_env) env_strings.push_back(x);
        std::vector<char*> argv, envp;
        for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        for (const auto& e : env_strings) envp.push_back(const_cast<char*>(e.c_str()));
        envp.push_back(nullptr);
        pid = ::fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            ::dup2(pin[0], 0);
            ::dup2(pout[1], 1);
            ::dup2(perr[1], 2);
            ::execve(argv[0], argv.data(), envp.data());
            ::_exit(127);
        }
        ::close(pin[0]);
        ::close(pout[1]);
        ::close(perr[1]);
        in = pin[1];
        out = pout[0];
        err = perr[0];
    }
    ~child() {
        close_stdin();
        if (pid > 0) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
        }
        if (out >= 0) ::close(out);
        if (err >= 0) ::close(err);
    }

    void send(const std::string& text) {
        std::size_t done = 0;
        while (done < text.size()) {
            const auto n = ::write(in, text.data() + done, text.size() - done);
            REQUIRE(n > 0);
            done += static_cast<std::size_t>(n);
        }
    }
    void close_stdin() {
        if (in >= 0) ::close(in);
        in = -1;
    }

    // Reads what is available on stdout/stderr, waiting up to `wait`.
    // Returns false once both are at end of file.
    bool pump(std::chrono::milliseconds wait) {
        pollfd fds[2] = {{out, POLLIN, 0}, {err, POLLIN, 0}};
        const int n = ::poll(fds, 2, static_cast<int>(wait.count()));
        if (n <= 0) return out >= 0 || err >= 0;
        char buf[4096];
        for (int i = 0; i < 2; ++i) {
            int& fd = i == 0 ? out : err;
            if (fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            const auto r = ::read(fd, buf, sizeof buf);
            if (r <= 0) {
                ::close(fd);
                fd = -1;
                fds[i].fd = -1;
            } else {
                (i == 0 ? out_buf : err_buf).append(buf, static_cast<std::size_t>(r));
            }
        }
        return out >= 0 || err >= 0;
    }

    /// The next stdout line, waiting at most `limit`; nullopt on timeout/EOF.
    std::optional<std::string> read_line(std::chrono::milliseconds limit) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (true) {
            if (auto nl = out_buf.find('\n'); nl != std::string::npos) {
                std::string line = out_buf.substr(0, nl);
                out_buf.erase(0, nl + 1);
                return line;
            }
            const auto now = std::chrono::steady_clock::now();
            if (now >= deadline || out < 0) return std::nullopt;
            pump(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now));
        }
    }

    /// Waits for the exit (everything read); -1 if it did not exit in time.
    int wait_exit(std::chrono::seconds limit) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while ((out >= 0 || err >= 0) && std::chrono::steady_clock::now() < deadline) pump(100ms);
        int status = 0;
        while (std::chrono::steady_clock::now() < deadline) {
            const pid_t r = ::waitpid(pid, &status, WNOHANG);
            if (r == pid) {
                pid = -1;
                return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            }
            std::this_thread::sleep_for(20ms);
        }
        return -1;
    }
};

std::string shell_path() { return std::string(BUILD_ROOT) + "/samples/shell/imap-shell"; }

struct shell_run {
    int status = -1;
    std::vector<json::value> lines;
    std::string out, err;
};

// Runs imap-shell with `script` on stdin and parses every stdout line as JSON.
shell_run run_shell(std::vector<std::string> args, const std::string& script,
                    const std::vector<std::string>& env = {}, std::chrono::seconds limit = 60s) {
    args.insert(args.begin(), shell_path());
    child c(args, env);
    c.send(script);
    c.close_stdin();
    shell_run r;
    r.status = c.wait_exit(limit);
    r.out = c.out_buf;
    r.err = c.err_buf;
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    REQUIRE(r.status != -1);  // otherwise: the shell hung
    std::istringstream in(r.out);
    std::string line;
    while (std::getline(in, line)) {
        boost::system::error_code ec;
        auto v = json::parse(line, ec);
        INFO("line: " << line);
        REQUIRE_FALSE(ec);
        r.lines.push_back(std::move(v));
    }
    return r;
}

std::vector<std::string> plain_args(const test::server_env& e, std::string user = "alice",
                                    std::string pass = "alicepass") {
    return {"-H", e.host, "-P", std::to_string(e.port), "--plain", "-u", std::move(user), "-p", std::move(pass),
            "--timeout", "20", "--script", "-"};
}

const json::value& result_of(const json::value& line) {
    INFO(json::serialize(line));
    REQUIRE(line.at("ok").as_bool());
    return line.at("result");
}

std::string error_type(const json::value& line) {
    INFO(json::serialize(line));
    REQUIRE_FALSE(line.at("ok").as_bool());
    return std::string(line.at("error").at("type").as_string());
}

std::string str(const json::value& v) { return std::string(v.as_string()); }

std::string json_line(const json::value& call) { return json::serialize(call) + "\n"; }

// A TCP port on loopback that nothing listens on.
std::uint16_t closed_port() {
    const int s = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(s >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t len = sizeof a;
    REQUIRE(::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    ::close(s);
    return ntohs(a.sin_port);
}

std::string temp_file(const std::string& stem, const std::string& content) {
    const std::string path = "/tmp/imap-shell-test-" + std::to_string(::getpid()) + "-" + stem;
    std::ofstream f(path, std::ios::binary);
    f << content;
    return path;
}

}  // namespace

// ---- the core library: encoding --------------------------------------------

TEST_CASE("shell JSON: byte strings are JSON strings only when valid UTF-8", "[shell][shell-json]") {
    CHECK(shell::bytes_to_json("INBOX") == json::value("INBOX"));
    CHECK(shell::bytes_to_json("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80") ==
          json::value("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80"));
    CHECK(shell::bytes_to_json(std::string("a\0b", 3)) == json::value(json::string(std::string_view("a\0b", 3))));
    CHECK(shell::bytes_to_json("") == json::value(""));
    // Latin-1, overlong '/', a UTF-16 surrogate, past U+10FFFF, truncated
    // sequences, a stray continuation byte: all base64.
    const std::vector<std::pair<std::string, std::string>> invalid{
        {"caf\xe9", "Y2Fm6Q=="},     {"\xc0\xaf", "wK8="},         {"\xed\xa0\x80", "7aCA"},
        {"\xf4\x90\x80\x80", "9JCAgA=="}, {"\xe2\x82", "4oI="},     {"\x80", "gA=="},
        {"ok\xf0\x9f\x98", "b2vwn5g="}, {"\xff\xfe", "//4="},      {"\xe0\x80\x80", "4ICA"},
    };
    for (const auto& [bytes, b64] : invalid) {
        INFO("bytes of size " << bytes.size());
        CHECK_FALSE(shell::is_valid_utf8(bytes));
        CHECK(shell::bytes_to_json(bytes) == json::value(json::object{{"base64", b64}}));
    }
}

TEST_CASE("shell JSON: base64 round trips and refuses malformed text", "[shell][shell-json]") {
    std::mt19937 rng(42);
    for (std::size_t len = 0; len < 40; ++len) {
        std::string bytes;
        for (std::size_t i = 0; i < len; ++i) bytes += static_cast<char>(rng() & 0xFF);
        const auto text = shell::base64_encode(bytes);
        CHECK(text.size() == (len + 2) / 3 * 4);
        auto back = shell::base64_decode(text);
        REQUIRE(back);
        CHECK(*back == bytes);
    }
    CHECK(shell::base64_encode("foobar") == "Zm9vYmFy");
    CHECK(shell::base64_encode("fooba") == "Zm9vYmE=");
    CHECK(shell::base64_encode("foob") == "Zm9vYg==");
    for (const char* bad : {"abc", "ab=c", "a===", "====", "Zm9v!mFy", "Zm9vYg=", "Zm9vYh==", "Zm9vYmF=", "Zg==Zg==",
                            "Zm9v YmFy"}) {
        INFO(bad);
        CHECK_FALSE(shell::base64_decode(bad));
    }
}

TEST_CASE("shell JSON: dates are ISO 8601 with the offset they carry", "[shell][shell-json]") {
    using namespace std::chrono;
    ic::datetime d;
    d.utc = sys_days{1996y / July / 17} + 9h + 44min + 25s;
    d.offset = minutes{-420};
    CHECK(shell::format_iso(d) == "1996-07-17T02:44:25-07:00");
    d.offset = minutes{330};
    CHECK(shell::format_iso(d) == "1996-07-17T15:14:25+05:30");
    d.offset = minutes{0};
    CHECK(shell::format_iso(d) == "1996-07-17T09:44:25+00:00");
    d.offset = minutes{-30};
    CHECK(shell::format_iso(d) == "1996-07-17T09:14:25-00:30");
    // Crossing midnight and a year backwards.
    d.utc = sys_days{2000y / January / 1} + 0h + 10min;
    d.offset = minutes{-60};
    CHECK(shell::format_iso(d) == "1999-12-31T23:10:00-01:00");
    CHECK(shell::to_json(d) == json::value("1999-12-31T23:10:00-01:00"));

    for (const char* text : {"1996-07-17T02:44:25-07:00", "2024-02-29T23:59:59+14:00", "1970-01-01T00:00:00+00:00",
                             "2001-09-09T01:46:40-00:30"}) {
        auto p = shell::parse_iso(text);
        REQUIRE(p);
        CHECK(shell::format_iso(*p) == text);
    }
    auto z = shell::parse_iso("2024-02-01T10:00:00Z");
    REQUIRE(z);
    CHECK(z->offset == minutes{0});
    CHECK(z->utc == sys_days{2024y / February / 1} + 10h);
    auto compact = shell::parse_iso("2024-02-01 10:00:00.123+0130");
    REQUIRE(compact);
    CHECK(compact->offset == minutes{90});
    CHECK(compact->utc == sys_days{2024y / February / 1} + 8h + 30min);
    CHECK(shell::parse_iso("2024-02-01T10:00:00")->offset == minutes{0});
    for (const char* bad : {"2024-02-30T00:00:00Z", "2023-02-29T00:00:00Z", "2024-01-01T24:00:00Z", "2024-01-01",
                            "2024-01-01T10:00:00+25:00", "2024-01-01T10:00:00Z junk", "24-01-01T10:00:00Z",
                            "2024-13-01T10:00:00Z", "2024-01-01T10:60:00Z", "", "2024-01-01T10:00:00."}) {
        INFO(bad);
        CHECK_FALSE(shell::parse_iso(bad));
    }
}

TEST_CASE("shell JSON: envelopes, fetch results, threads and raw values use Python IMAPClient's shapes",
          "[shell][shell-json]") {
    ic::envelope e;
    e.subject = "caf\xe9";  // Latin-1 from a broken mailer
    e.from.push_back({"Tester", std::nullopt, "tester", "example.com"});
    e.to.push_back({std::nullopt, std::nullopt, "undisclosed", std::nullopt});  // a group start
    e.message_id = "<x@y>";
    ic::datetime when;
    when.utc = std::chrono::sys_days{std::chrono::year{1994} / 2 / 8} + std::chrono::hours{5} +
               std::chrono::minutes{52} + std::chrono::seconds{25};
    when.offset = std::chrono::minutes{-480};
    e.date = when;
    const auto j = shell::to_json(e);
    const auto& o = j.as_object();
    for (const char* key : {"date", "subject", "from_", "sender", "reply_to", "to", "cc", "bcc", "in_reply_to",
                            "message_id"})
        CHECK(o.contains(key));
    CHECK(o.size() == 10);
    CHECK(o.at("date") == json::value("1994-02-07T21:52:25-08:00"));
    CHECK(o.at("subject") == json::value(json::object{{"base64", "Y2Fm6Q=="}}));
    CHECK(o.at("from_") == json::parse(R"([{"name":"Tester","route":null,"mailbox":"tester","host":"example.com"}])"));
    CHECK(o.at("to").at(0).at("host").is_null());
    CHECK(o.at("in_reply_to").is_null());
    CHECK(o.at("sender").as_array().empty());

    ic::fetch_result fr;
    auto& m = fr.messages[42];
    m.seq = 3;
    m.uid = 42;
    m.flags = std::vector<std::string>{"\\Seen"};
    m.size = 1234;
    m.sections.push_back({"BODY[]", 0, std::string("\xff\x00z", 3)});
    m.sections.push_back({"BODY[HEADER.FIELDS (SUBJECT)]", std::nullopt, std::string("Subject: x\r\n")});
    m.other.push_back({"X-FOO", ic::raw_value{ic::raw_value::kind::number, "123456789012345678901234567890", {}}});
    fr.messages[7].seq = 1;
    const auto fj = shell::to_json(fr);
    CHECK(fj.as_object().size() == 2);
    const auto& msg = fj.at("42");
    CHECK(msg.at("seq") == 3);
    CHECK(msg.at("uid") == 42);
    CHECK(msg.at("flags") == json::parse(R"(["\\Seen"])"));
    CHECK(msg.at("size") == 1234);
    CHECK(msg.at("sections").at("BODY[]<0>") == json::value(json::object{{"base64", "/wB6"}}));
    CHECK(msg.at("sections").at("BODY[HEADER.FIELDS (SUBJECT)]") == json::value("Subject: x\r\n"));
    CHECK(msg.at("other").at("X-FOO") == json::value("123456789012345678901234567890"));  // beyond 64 bits: text
    CHECK_FALSE(msg.as_object().contains("envelope"));  // not fetched: absent
    CHECK(fj.at("7").as_object().size() == 1);

    // "(3 6 (4 23)(44 7 96))" is Python IMAPClient's (3, 6, (4, 23), (44, 7, 96)).
    ic::thread_result tr;
    tr.threads.push_back({{3, 6}, {{{4, 23}, {}}, {{44, 7, 96}, {}}}});
    tr.threads.push_back({{2}, {}});
    CHECK(shell::to_json(tr).at("threads") == json::parse("[[3,6,[4,23],[44,7,96]],[2]]"));

    ic::raw_value list{ic::raw_value::kind::list, {}, {{ic::raw_value::kind::nil, {}, {}},
                                                       {ic::raw_value::kind::number, "17", {}},
                                                       {ic::raw_value::kind::atom, "\\Seen", {}}}};
    CHECK(shell::to_json(list) == json::parse(R"([null,17,"\\Seen"])"));

    ic::flags_result flags;
    flags.messages[5] = {"\\Deleted", "$Label"};
    CHECK(shell::to_json(flags) == json::parse(R"({"5":["\\Deleted","$Label"]})"));

    ic::event closed = ic::connection_closed{ic::make_error_code(ic::errc::bye), "bye"};
    CHECK(shell::to_json(closed).at("type") == json::value("connection_closed"));
    ic::event exists = ic::response{ic::exists_data{9}};
    CHECK(shell::to_json(exists) == json::parse(R"({"type":"exists","count":9})"));
}

// ---- the core library: arguments ---------------------------------------------

TEST_CASE("shell arguments: positional, keywords, and refusals", "[shell][shell-json]") {
    auto c = shell::parse_call(json::parse(R"(["select_folder", "INBOX", {"readonly": true}])"));
    CHECK(c.method() == "select_folder");
    CHECK(c.need<std::string>(0, "folder") == "INBOX");
    CHECK(c.get<bool>(1, "readonly", false));
    CHECK_NOTHROW(c.done());

    auto unknown = shell::parse_call(json::parse(R"(["select_folder", "INBOX", {"read_only": true}])"));
    (void)unknown.need<std::string>(0, "folder");
    (void)unknown.get<bool>(1, "readonly", false);
    CHECK_THROWS_AS(unknown.done(), shell::invalid_argument);

    auto extra = shell::parse_call(json::parse(R"(["noop", 1])"));
    CHECK_THROWS_AS(extra.done(), shell::invalid_argument);

    auto twice = shell::parse_call(json::parse(R"(["select_folder", "INBOX", {"folder": "X"}])"));
    CHECK_THROWS_AS(twice.need<std::string>(0, "folder"), shell::invalid_argument);

    auto missing = shell::parse_call(json::parse(R"(["fetch", "1:*"])"));
    (void)missing.need<ic::sequence_set>(0, "messages");
    CHECK_THROWS_AS(missing.need<std::vector<std::string>>(1, "data"), shell::invalid_argument);

    for (const char* bad : {R"([])", R"({"method": "noop"})", R"([3])", R"("noop")"}) {
        INFO(bad);
        CHECK_THROWS_AS(shell::parse_call(json::parse(bad)), shell::invalid_argument);
    }
    // A trailing {"base64": ...} is a value, not keywords.
    auto b64 = shell::parse_call(json::parse(R"(["append", "INBOX", {"base64": "/w=="}])"));
    CHECK(b64.need<std::string>(1, "msg") == "\xff");
}

TEST_CASE("shell arguments: conversions to the client's types", "[shell][shell-json]") {
    using shell::convert;
    CHECK(convert<ic::sequence_set>(json::value(3), "m").str() == "3");
    CHECK(convert<ic::sequence_set>(json::value("5:3"), "m").str() == "3:5");
    CHECK(convert<ic::sequence_set>(json::parse("[4,1,2,3,9]"), "m").str() == "1:4,9");
    for (const char* bad : {"0", "-1", "\"abc\"", "\"\"", "[]", "[0]", "[1,\"x\"]", "true", "4294967296", "1.5"}) {
        INFO(bad);
        CHECK_THROWS_AS(convert<ic::sequence_set>(json::parse(bad), "m"), shell::invalid_argument);
    }
    CHECK(convert<std::vector<std::string>>(json::value("FLAGS"), "d") == std::vector<std::string>{"FLAGS"});
    CHECK(convert<std::string>(json::value(2024), "f") == "2024");
    CHECK(convert<std::string>(json::parse(R"({"base64": "4oKs"})"), "f") == "\xe2\x82\xac");
    CHECK_THROWS_AS(convert<std::string>(json::parse(R"({"base64": "4oK"})"), "f"), shell::invalid_argument);
    CHECK_THROWS_AS(convert<std::string>(json::parse("null"), "f"), shell::invalid_argument);
    CHECK_THROWS_AS(convert<bool>(json::parse("1"), "b"), shell::invalid_argument);

    auto raw = convert<ic::search_criteria>(json::value("NOT DELETED"), "c");
    CHECK(raw.is_raw());
    CHECK(raw.raw() == "NOT DELETED");
    auto items = convert<ic::search_criteria>(json::parse(R"(["OR", ["SMALLER", 100], ["SINCE", {"date": "2024-02-01"}]])"), "c");
    REQUIRE_FALSE(items.is_raw());
    REQUIRE(items.items().size() == 3);
    const auto& nested = std::get<ic::search_item::list>(items.items()[2].value);
    REQUIRE(nested.size() == 2);
    CHECK(std::get<std::chrono::year_month_day>(nested[1].value) ==
          std::chrono::year_month_day{std::chrono::year{2024}, std::chrono::month{2}, std::chrono::day{1}});
    CHECK(std::get<std::int64_t>(std::get<ic::search_item::list>(items.items()[1].value)[1].value) == 100);
    CHECK_THROWS_AS(convert<ic::search_criteria>(json::parse(R"([{"date": "2024-02-30"}])"), "c"),
                    shell::invalid_argument);
    CHECK_THROWS_AS(convert<ic::search_criteria>(json::parse("7"), "c"), shell::invalid_argument);

    auto when = convert<ic::datetime>(json::value("2020-01-02T03:04:05+05:30"), "t");
    CHECK(when.offset == std::chrono::minutes{330});
    CHECK_THROWS_AS(convert<ic::datetime>(json::value("yesterday"), "t"), shell::invalid_argument);

    auto quotas = convert<std::vector<ic::quota>>(json::parse(R"([{"quota_root": "", "resource": "STORAGE", "limit": 1024}, ["x", "MESSAGE", 5]])"), "q");
    REQUIRE(quotas.size() == 2);
    CHECK(quotas[0].resource == "STORAGE");
    CHECK(quotas[0].limit == 1024);
    CHECK(quotas[1].quota_root == "x");
    CHECK_THROWS_AS(convert<std::vector<ic::quota>>(json::parse(R"([{"resource": "STORAGE"}])"), "q"),
                    shell::invalid_argument);

    auto msgs = convert<std::vector<ic::client::append_message>>(
        json::parse(R"(["plain text", {"msg": "m2", "flags": ["\\Seen"], "msg_time": "2020-01-01T00:00:00Z"}])"), "m");
    REQUIRE(msgs.size() == 2);
    CHECK(msgs[1].flags == std::vector<std::string>{"\\Seen"});
    CHECK(msgs[1].msg_time.has_value());
    CHECK_THROWS_AS(convert<shell::seconds>(json::value(-1), "t"), shell::invalid_argument);
    CHECK(convert<shell::seconds>(json::value(0.5), "t").count() == 0.5);
}

TEST_CASE("shell interactive lines: words, JSON values and keywords", "[shell][shell-json]") {
    CHECK(shell::parse_line("select_folder INBOX readonly=true") ==
          json::parse(R"(["select_folder", "INBOX", {"readonly": true}])"));
    CHECK(shell::parse_line("  fetch 1:* [\"FLAGS\", \"ENVELOPE\"]  ") ==
          json::parse(R"(["fetch", "1:*", ["FLAGS", "ENVELOPE"]])"));
    CHECK(shell::parse_line("search \"NOT DELETED\"") == json::parse(R"(["search", "NOT DELETED"])"));
    CHECK(shell::parse_line("fetch 3 FLAGS") == json::parse(R"(["fetch", 3, "FLAGS"])"));
    CHECK(shell::parse_line("use_uid false") == json::parse(R"(["use_uid", false])"));
    CHECK(shell::parse_line("noop") == json::parse(R"(["noop"])"));
    CHECK(shell::parse_line("[\"noop\"]") == json::parse(R"(["noop"])"));
    CHECK(shell::parse_line("create_folder a=b") == json::parse(R"(["create_folder", {"a": "b"}])"));
    CHECK(shell::parse_line("create_folder =x") == json::parse(R"(["create_folder", "=x"])"));
    for (const char* bad : {"fetch 1 [\"FLAGS\"", "search \"unterminated", "a b=1 c", "[\"noop\"", "x b=1 b=2",
                            "fetch 1 [1]x"}) {
        INFO(bad);
        CHECK_THROWS_AS(shell::parse_line(bad), shell::invalid_argument);
    }
}

TEST_CASE("shell config: Python IMAPClient's INI keys, precedence and refusals", "[shell][shell-json]") {
    auto s = shell::parse_ini(
        "# comment\n[DEFAULT]\nhost = imap.example.com\nport: 1143\nssl = false\nstarttls = yes\n"
        "ssl_ca_file = /x/ca.pem\ntimeout = 7.5\nusername = alice\npassword = secret\n[alternate]\nhost = other\n",
        "t.ini");
    CHECK(s.host == "imap.example.com");
    CHECK(s.port == 1143);
    CHECK(s.security == ic::security::starttls);
    CHECK(s.ca_file == "/x/ca.pem");
    CHECK(s.timeout == 7.5);
    CHECK(s.username == "alice");
    CHECK(shell::parse_ini("[main]\nssl = off\n", "t").security == ic::security::plain);
    CHECK(shell::parse_ini("ssl = 1\n", "t").security == ic::security::tls);
    CHECK_FALSE(shell::parse_ini("host = h\n", "t").security.has_value());
    for (const char* bad : {"bogus = 1\n", "port = 0\n", "port = 99999\n", "ssl = maybe\n", "timeout = -3\n",
                            "[DEFAULT\n", "just words\n", "ssl = true\nstarttls = true\n", "stream = true\n"}) {
        INFO(bad);
        CHECK_THROWS_AS(shell::parse_ini(bad, "t"), shell::usage_error);
    }

    auto cli = shell::parse_command_line({"-H", "cli-host", "--plain", "-u", "bob"});
    auto merged = shell::merge(cli, s);
    CHECK(merged.host == "cli-host");
    CHECK(merged.security == ic::security::plain);
    CHECK(merged.username == "bob");
    CHECK(merged.password == "secret");
    CHECK(merged.port == 1143);

    CHECK_THROWS_AS(shell::resolve(merged), shell::usage_error);  // /x/ca.pem does not exist
    merged.ca_file.reset();
    auto resolved = shell::resolve(merged);
    CHECK(resolved.options.allow_plaintext_login);  // --plain is the consent
    CHECK(resolved.options.timeout == std::chrono::milliseconds(7500));
    auto tls = shell::resolve(shell::parse_command_line({"-H", "h"}));
    CHECK(tls.options.security == ic::security::tls);  // Python IMAPClient's default
    CHECK_FALSE(tls.options.allow_plaintext_login);
    CHECK_FALSE(shell::resolve(shell::parse_command_line({"-H", "h", "--starttls"})).options.allow_plaintext_login);

    CHECK_THROWS_AS(shell::parse_command_line({"--tls", "--plain"}), shell::usage_error);
    CHECK_THROWS_AS(shell::parse_command_line({"-P"}), shell::usage_error);
    CHECK_THROWS_AS(shell::parse_command_line({"--frobnicate"}), shell::usage_error);
    CHECK_THROWS_AS(shell::parse_command_line({"--plain=yes"}), shell::usage_error);
    CHECK_THROWS_AS(shell::resolve(shell::parse_command_line({"-u", "x"})), shell::usage_error);  // no host
    CHECK_THROWS_AS(shell::resolve(shell::merge(shell::parse_command_line({"-H", "h"}),
                                                shell::parse_ini("ssl_check_hostname = false\n", "t"))),
                    shell::usage_error);
    CHECK_NOTHROW(shell::resolve(shell::merge(shell::parse_command_line({"-H", "h", "--insecure"}),
                                              shell::parse_ini("ssl_check_hostname = false\n", "t"))));
    CHECK_THROWS_AS(shell::resolve(shell::merge(shell::parse_command_line({"-H", "h", "-u", "a"}),
                                                shell::parse_ini("oauth2 = true\noauth2_refresh_token = r\n", "t"))),
                    shell::usage_error);
    auto oauth = shell::resolve(shell::merge(shell::parse_command_line({"-H", "h", "-u", "a"}),
                                             shell::parse_ini("oauth2 = true\noauth2_access_token = tok\n", "t")));
    CHECK(oauth.oauth2_access_token == "tok");
}

TEST_CASE("shell config: --connect-timeout and --read-timeout, and --timeout for both", "[shell][shell-json]") {
    using std::chrono::milliseconds;
    // One source: the specific option wins over --timeout, in any order.
    auto both = shell::parse_command_line({"--connect-timeout", "3", "--read-timeout=4.5"});
    CHECK(both.connect_timeout == 3.0);
    CHECK(both.read_timeout == 4.5);
    CHECK_FALSE(both.timeout.has_value());
    auto general = shell::parse_command_line({"--timeout", "5"});
    CHECK(general.timeout == 5.0);
    CHECK(general.connect_timeout == 5.0);
    CHECK(general.read_timeout == 5.0);
    auto connect_first = shell::parse_command_line({"--connect-timeout", "2", "--timeout", "5"});
    CHECK(connect_first.connect_timeout == 2.0);
    CHECK(connect_first.read_timeout == 5.0);
    auto read_last = shell::parse_command_line({"--timeout", "5", "--read-timeout", "9"});
    CHECK(read_last.connect_timeout == 5.0);
    CHECK(read_last.read_timeout == 9.0);
    for (const auto& bad : std::vector<std::vector<std::string>>{{"--connect-timeout", "0"},
                                                                 {"--read-timeout", "x"},
                                                                 {"--connect-timeout"},
                                                                 {"--read-timeout", "86401"},
                                                                 {"--connect-timeout=-1"}}) {
        INFO(bad[0]);
        CHECK_THROWS_AS(shell::parse_command_line(bad), shell::usage_error);
    }

    auto ini = shell::parse_ini("connect_timeout = 3\nread_timeout = 40\n", "t");
    CHECK(ini.connect_timeout == 3.0);
    CHECK(ini.read_timeout == 40.0);
    auto ini_general = shell::parse_ini("[main]\nconnect_timeout: 2\ntimeout = 10\n", "t");
    CHECK(ini_general.connect_timeout == 2.0);  // the specific key, whatever the order
    CHECK(ini_general.read_timeout == 10.0);
    for (const char* bad : {"read_timeout = -1\n", "connect_timeout = 90000\n", "connect_timeout =\n"}) {
        INFO(bad);
        CHECK_THROWS_AS(shell::parse_ini(bad, "t"), shell::usage_error);
    }

    // The resolved client_options, across the two sources: the command line
    // wins, its --timeout included over the file's specific keys.
    const auto resolved = [](const std::vector<std::string>& options, const std::string& file) {
        std::vector<std::string> cli{"-H", "h"};
        cli.insert(cli.end(), options.begin(), options.end());
        return shell::resolve(shell::merge(shell::parse_command_line(cli), shell::parse_ini(file, "t"))).options;
    };
    auto o = resolved({"--connect-timeout", "2", "--read-timeout", "10"}, "");
    CHECK(o.connect_timeout == milliseconds(2000));
    CHECK(o.timeout == milliseconds(10000));
    o = resolved({"--timeout", "5"}, "timeout = 10\nconnect_timeout = 2\n");
    CHECK(o.connect_timeout == milliseconds(5000));
    CHECK(o.timeout == milliseconds(5000));
    o = resolved({"--connect-timeout", "1.5"}, "timeout = 10\n");
    CHECK(o.connect_timeout == milliseconds(1500));
    CHECK(o.timeout == milliseconds(10000));
    o = resolved({"--read-timeout", "7"}, "connect_timeout = 3\n");
    CHECK(o.connect_timeout == milliseconds(3000));
    CHECK(o.timeout == milliseconds(7000));
    o = resolved({}, "connect_timeout = 3\nread_timeout = 40\n");
    CHECK(o.connect_timeout == milliseconds(3000));
    CHECK(o.timeout == milliseconds(40000));
    o = resolved({}, "timeout = 0.25\n");
    CHECK(o.connect_timeout == milliseconds(250));
    CHECK(o.timeout == milliseconds(250));
    o = resolved({}, "");
    CHECK(o.connect_timeout == ic::client_options{}.connect_timeout);  // the library's defaults
    CHECK(o.timeout == ic::client_options{}.timeout);
    // Settings made by hand with only `timeout` still set both.
    shell::settings by_hand;
    by_hand.host = "h";
    by_hand.timeout = 2;
    CHECK(shell::resolve(by_hand).options.connect_timeout == milliseconds(2000));
    CHECK(shell::resolve(by_hand).options.timeout == milliseconds(2000));

    const auto usage = shell::usage_text();
    CHECK(usage.find("--connect-timeout") != std::string::npos);
    CHECK(usage.find("--read-timeout") != std::string::npos);
    CHECK(usage.find("read_timeout") != std::string::npos);
}

TEST_CASE("shell config: --deadline and the INI deadline reach client_options::deadline", "[shell][shell-json]") {
    CHECK(shell::resolve(shell::parse_command_line({"-H", "h", "--deadline", "2.5"})).options.deadline ==
          std::chrono::milliseconds(2500));
    CHECK(shell::resolve(shell::parse_ini("host = h\ndeadline = 7\n", "f.ini")).options.deadline ==
          std::chrono::milliseconds(7000));
    CHECK(shell::resolve(shell::parse_command_line({"-H", "h"})).options.deadline == std::chrono::milliseconds(0));
    CHECK_THROWS_AS(shell::parse_command_line({"--deadline", "0"}), shell::usage_error);
    CHECK(shell::usage_text().find("--deadline SECONDS") != std::string::npos);
}

// ---- sign-in settings (signin.hpp): no server -----------------------------------

namespace {

// What a credential provider returns for a first sign-in.
ic::credentials first_credentials(const ic::credential_provider& provider) {
    REQUIRE(provider);
    ic::credentials got;
    test::run([&]() -> boost::asio::awaitable<void> {
        ic::credential_request request;
        request.host = "h";
        got = co_await provider(request);
    });
    return got;
}

shell::shell_config resolve_args(const std::vector<std::string>& args, const std::string& ini = {}) {
    return shell::resolve(shell::merge(shell::parse_command_line(args), shell::parse_ini(ini, "t.ini")));
}

}  // namespace

TEST_CASE("shell config: auth_mechanism, proxy and their refusals, on the command line and in the INI file",
          "[shell][shell-json]") {
    CHECK(shell::parse_command_line({"--auth-mechanism", "scram-sha-256"}).signin.auth_mechanism == "SCRAM-SHA-256");
    CHECK(shell::parse_command_line({"--auth-mechanism=login-command"}).signin.auth_mechanism == "LOGIN-COMMAND");
    CHECK(shell::parse_command_line({"--auth-mechanism="}).signin.auth_mechanism == "");  // the best offered
    CHECK(shell::parse_ini("auth_mechanism = XOAUTH2\n", "t").signin.auth_mechanism == "XOAUTH2");
    for (const auto& bad : std::vector<std::vector<std::string>>{{"--auth-mechanism", "PLAIN LOGIN"},
                                                                 {"--auth-mechanism", "SCRAM-SHA-256-PLUS-AND-MORE"},
                                                                 {"--auth-mechanism"},
                                                                 {"--oauth2-device-login=yes"}}) {
        INFO(bad[0]);
        CHECK_THROWS_AS(shell::parse_command_line(bad), shell::usage_error);
    }
    CHECK_THROWS_AS(shell::parse_ini("auth_mechanism = P/LAIN\n", "t"), shell::usage_error);

    auto socks = shell::parse_command_line({"--proxy", "socks5h://proxy.example:1080"});
    REQUIRE(socks.signin.proxy);
    CHECK(socks.signin.proxy->type == ic::proxy_settings::kind::socks5);
    CHECK(socks.signin.proxy->host == "proxy.example");
    CHECK(socks.signin.proxy->port == 1080);
    CHECK(socks.signin.proxy->remote_dns);
    auto http = shell::parse_ini("proxy = http://u:pw@proxy.example:3128\n", "t");
    REQUIRE(http.signin.proxy);
    CHECK(http.signin.proxy->type == ic::proxy_settings::kind::http_connect);
    CHECK(http.signin.proxy->username == "u");
    CHECK(http.signin.proxy->password == "pw");
    // The command line wins; an empty --proxy= turns the file's off.
    auto o = resolve_args({"-H", "h", "--proxy", "socks5://s.example:9050"}, "proxy = http://proxy.example:3128\n")
                 .options;
    CHECK(o.proxy.type == ic::proxy_settings::kind::socks5);
    CHECK(o.proxy.host == "s.example");
    CHECK(resolve_args({"-H", "h", "--proxy="}, "proxy = http://proxy.example:3128\n").options.proxy.type ==
          ic::proxy_settings::kind::none);
    CHECK(resolve_args({"-H", "h"}).options.proxy.type == ic::proxy_settings::kind::none);
    // A bad URL is a usage error carrying the parser's message and where it was.
    for (const char* bad : {"ftp://proxy.example:21", "proxy.example:3128", "http://", "socks5://host:notaport"}) {
        INFO(bad);
        try {
            (void)shell::parse_command_line({"--proxy", bad});
            FAIL("accepted");
        } catch (const shell::usage_error& e) {
            CHECK(std::string(e.what()).find("--proxy: ") == 0);
            CHECK(std::string(e.what()).find("proxy URL") != std::string::npos);  // the parser's message
        }
        try {
            (void)shell::parse_ini(std::string("# x\nproxy = ") + bad + "\n", "f.ini");
            FAIL("accepted");
        } catch (const shell::usage_error& e) {
            CHECK(std::string(e.what()).find("f.ini:2: ") == 0);
            CHECK(std::string(e.what()).find("proxy URL") != std::string::npos);
        }
    }

    const auto usage = shell::usage_text();
    for (const char* option : {"--auth-mechanism", "--proxy", "--client-cert", "--client-key", "--oauth2-token-endpoint",
                               "--oauth2-device-endpoint", "--oauth2-client-id", "--oauth2-client-secret",
                               "--oauth2-scope", "--oauth2-refresh-token", "--oauth2-token-cache", "--oauth2-ca-file",
                               "--oauth2-device-login", "/imap-shell/USER@HOST.json"}) {
        INFO(option);
        CHECK(usage.find(option) != std::string::npos);
    }
}

TEST_CASE("shell config: credentials for sign_in(): password, static token, EXTERNAL; when a password is needed",
          "[shell][shell-json]") {
    auto pw = resolve_args({"-H", "h", "-u", "alice", "-p", "secret", "--auth-mechanism", "plain"});
    CHECK_FALSE(shell::needs_password(pw));
    boost::asio::io_context io;
    CHECK(shell::install_credentials(io.get_executor(), pw) == nullptr);
    auto c = first_credentials(pw.options.credentials);
    CHECK(c.username == "alice");
    CHECK(c.password == "secret");
    CHECK(c.access_token.empty());
    CHECK(c.mechanism == "PLAIN");

    // Python IMAPClient's oauth2 + oauth2_access_token: a static token.
    auto token = resolve_args({"-H", "h", "-u", "alice"}, "oauth2 = true\noauth2_access_token = tok\n");
    CHECK_FALSE(shell::needs_password(token));
    CHECK(shell::install_credentials(io.get_executor(), token) == nullptr);
    c = first_credentials(token.options.credentials);
    CHECK(c.access_token == "tok");
    CHECK(c.password.empty());
    CHECK(c.mechanism.empty());  // the best offered: OAUTHBEARER, else XOAUTH2

    // A username alone: a password must be asked for; nothing to sign in with yet.
    auto user = resolve_args({"-H", "h", "-u", "alice"});
    CHECK(shell::needs_password(user));
    CHECK(shell::install_credentials(io.get_executor(), user) == nullptr);
    CHECK_FALSE(user.options.credentials);  // a script without credentials only connects
    CHECK_FALSE(resolve_args({"-H", "h"}).options.credentials);

    // EXTERNAL asked for: neither password nor token.
    auto external = resolve_args({"-H", "h", "--auth-mechanism", "external"});
    CHECK_FALSE(shell::needs_password(external));
    CHECK(shell::install_credentials(io.get_executor(), external) == nullptr);
    c = first_credentials(external.options.credentials);
    CHECK(c.mechanism == "EXTERNAL");
    CHECK(c.password.empty());
    CHECK(c.access_token.empty());

    // A client certificate: on the context the shell builds (the default
    // one, or --insecure's, or --ca-file's), and EXTERNAL without a password.
    test::temp_dir dir;
    const auto ca = test::make_certificate({.common_name = "test CA", .is_ca = true}, nullptr);
    const auto me = test::make_certificate({.common_name = "alice"}, &ca);
    const auto other = test::make_certificate({.common_name = "bob"}, &ca);
    const std::string cert = dir.write("alice.pem", me.cert_pem);
    const std::string key = dir.write("alice.key", me.key_pem);
    const std::string both = dir.write("alice-both.pem", me.cert_pem + me.key_pem);
    const std::string ca_file = dir.write("ca.pem", ca.cert_pem);
    const std::string wrong_key = dir.write("bob.key", other.key_pem);
    for (const auto& tls : std::vector<std::vector<std::string>>{{}, {"--insecure"}, {"--ca-file", ca_file}}) {
        INFO(tls.size());
        std::vector<std::string> args{"-H", "h", "--client-cert", cert, "--client-key", key};
        args.insert(args.end(), tls.begin(), tls.end());
        auto cc = resolve_args(args);
        CHECK(cc.options.ssl_context != nullptr);
        CHECK(cc.signin.client_cert == cert);
        CHECK_FALSE(shell::needs_password(cc));
        CHECK(shell::install_credentials(io.get_executor(), cc) == nullptr);
        c = first_credentials(cc.options.credentials);
        CHECK(c.password.empty());
        CHECK(c.access_token.empty());
        CHECK(c.mechanism.empty());  // choose_mechanism(): EXTERNAL
    }
    auto combined = resolve_args({"-H", "h"}, "client_cert = " + both + "\n");  // the key in the same file
    CHECK(combined.signin.client_key == both);
    // A client certificate and a password: the password wins (PLAIN, SCRAM).
    auto cert_and_pw = resolve_args({"-H", "h", "-u", "a", "-p", "pw", "--client-cert", both});
    CHECK_FALSE(shell::needs_password(cert_and_pw));
    CHECK(shell::install_credentials(io.get_executor(), cert_and_pw) == nullptr);
    CHECK(first_credentials(cert_and_pw.options.credentials).password == "pw");
    // ... and a mechanism that needs one asks for it.
    CHECK(shell::needs_password(resolve_args({"-H", "h", "-u", "a", "--client-cert", both, "--auth-mechanism", "PLAIN"})));
    CHECK_THROWS_AS(resolve_args({"-H", "h", "--client-cert", cert, "--client-key", wrong_key}), shell::usage_error);
    CHECK_THROWS_AS(resolve_args({"-H", "h", "--client-cert", dir.path() + "/missing.pem"}), shell::usage_error);
    CHECK_THROWS_AS(resolve_args({"-H", "h", "--client-key", key}), shell::usage_error);  // no certificate
}

TEST_CASE("shell config: the OAuth2 flow's settings, its refusals, and the token cache's default place",
          "[shell][shell-json]") {
    test::temp_dir dir;
    const std::string cache = dir.path() + "/cache/alice.json";  // no such file: no refresh token cached
    const std::string ini = "[DEFAULT]\nusername = alice@example.com\n"
                            "oauth2_token_endpoint = https://login.example.com/token\n"
                            "oauth2_device_endpoint = https://login.example.com/device\n"
                            "oauth2_client_id = the-client\noauth2_client_secret = the-secret\n"
                            "oauth2_scope = https://mail.example.com/  offline_access\n"
                            "oauth2_token_cache = " + cache + "\nproxy = socks5h://proxy.example:1080\n";
    auto flow = resolve_args({"-H", "imap.example.com", "--auth-mechanism", "xoauth2"}, ini);
    REQUIRE(flow.signin.oauth2);
    const auto& a = *flow.signin.oauth2;
    CHECK(a.token_endpoint == "https://login.example.com/token");
    CHECK(a.device_authorization_endpoint == "https://login.example.com/device");
    CHECK(a.client_id == "the-client");
    CHECK(a.client_secret == "the-secret");
    CHECK(a.scopes == std::vector<std::string>{"https://mail.example.com/", "offline_access"});
    CHECK(a.refresh_token.empty());
    CHECK(a.username == "alice@example.com");
    CHECK(a.token_cache == cache);
    CHECK(a.proxy.host == "proxy.example");  // the endpoints go through the proxy too
    CHECK(a.ssl_context == nullptr);         // the system store
    CHECK_FALSE(flow.signin.device_login);
    CHECK_FALSE(shell::needs_password(flow));

    // No refresh token (none given, none cached) and no --oauth2-device-login.
    boost::asio::io_context io;
    try {
        (void)shell::install_credentials(io.get_executor(), flow);
        FAIL("no usage error");
    } catch (const shell::usage_error& e) {
        CHECK(std::string(e.what()).find("--oauth2-device-login") != std::string::npos);
    }
    // With it: an oauth2_client behind the credentials (the grant runs later).
    auto device = resolve_args({"-H", "imap.example.com", "--oauth2-device-login"}, ini);
    CHECK(device.signin.device_login);
    auto oauth = shell::install_credentials(io.get_executor(), device);
    REQUIRE(oauth);
    CHECK_FALSE(oauth->has_refresh_token());
    CHECK(device.options.credentials);
    // A refresh token given: nothing to ask the user; the command line wins.
    const std::string oauth_ca =
        dir.write("oauth-ca.pem", test::make_certificate({.common_name = "CA", .is_ca = true}, nullptr).cert_pem);
    auto refresh = resolve_args({"-H", "imap.example.com", "--oauth2-refresh-token", "rt-cli", "--oauth2-client-id",
                                 "cli-client", "--oauth2-ca-file", oauth_ca},
                                ini + "oauth2_refresh_token = rt-file\noauth2_access_token = static\noauth2 = true\n");
    REQUIRE(refresh.signin.oauth2);
    CHECK(refresh.signin.oauth2->refresh_token == "rt-cli");
    CHECK(refresh.signin.oauth2->client_id == "cli-client");
    CHECK(refresh.signin.oauth2->ssl_context != nullptr);
    CHECK_FALSE(refresh.oauth2_access_token.has_value());  // the flow wins over a static token
    auto refreshing = shell::install_credentials(io.get_executor(), refresh);
    REQUIRE(refreshing);
    CHECK(refreshing->has_refresh_token());

    // Python IMAPClient's keys for Gmail: the token endpoint is known.
    auto gmail = resolve_args({"-H", "imap.gmail.com", "-u", "me@gmail.com"},
                              "oauth2 = true\noauth2_client_id = id\noauth2_client_secret = s\n"
                              "oauth2_refresh_token = r\n");
    REQUIRE(gmail.signin.oauth2);
    CHECK(gmail.signin.oauth2->token_endpoint == "https://accounts.google.com/o/oauth2/token");

    // Refusals.
    const std::string flow_keys = "oauth2_token_endpoint = https://t.example/token\noauth2_client_id = c\n";
    for (const auto& [args, file] : std::vector<std::pair<std::vector<std::string>, std::string>>{
             {{"-H", "h", "-u", "a"}, "oauth2_client_id = c\n"},                 // no token endpoint (unknown host)
             {{"-H", "h", "-u", "a"}, "oauth2_refresh_token = r\n"},             // no client id
             {{"-H", "h", "-u", "a"}, "oauth2 = true\noauth2_client_secret = s\n"},
             {{"-H", "h", "-u", "a"}, "oauth2 = true\n"},                        // neither a token nor the flow
             {{"-H", "h"}, flow_keys},                                           // no username
             {{"-H", "h", "-u", "a", "--oauth2-device-login"}, flow_keys},       // no device endpoint
             {{"-H", "h", "-u", "a", "--oauth2-device-login"}, ""},              // no flow at all
             {{"-H", "h", "-u", "a", "--oauth2-ca-file", dir.path() + "/none.pem"}, flow_keys},
         }) {
        INFO(file);
        CHECK_THROWS_AS(resolve_args(args, file), shell::usage_error);
    }

    // The token cache's default place.
    CHECK(shell::default_token_cache("imap-shell", "alice", "imap.example.com", "/xdg", "/home/a") ==
          "/xdg/imap-shell/alice@imap.example.com.json");
    CHECK(shell::default_token_cache("imap-shell", "alice", "h", "/xdg/", "/home/a") == "/xdg/imap-shell/alice@h.json");
    CHECK(shell::default_token_cache("imap-shell", "alice", "h", nullptr, "/home/a") ==
          "/home/a/.cache/imap-shell/alice@h.json");
    CHECK(shell::default_token_cache("imap-backup", "alice", "h", "", "/home/a/") ==
          "/home/a/.cache/imap-backup/alice@h.json");
    CHECK(shell::default_token_cache("imap-shell", "alice", "h", "relative", "/home/a") ==
          "/home/a/.cache/imap-shell/alice@h.json");  // XDG: absolute paths only
    CHECK(shell::default_token_cache("imap-shell", "a/../b", "h", "/x", nullptr) == "/x/imap-shell/a_.._b@h.json");
    CHECK_FALSE(shell::default_token_cache("imap-shell", "a", "h", nullptr, nullptr).has_value());
    auto defaulted = resolve_args({"-H", "imap.example.com", "-u", "bob"}, flow_keys);
    REQUIRE(defaulted.signin.oauth2);
    CHECK(defaulted.signin.oauth2->token_cache ==
          shell::default_token_cache("imap-shell", "bob", "imap.example.com", std::getenv("XDG_CACHE_HOME"),
                                     std::getenv("HOME"))
              .value_or(""));
    auto for_backup = shell::resolve(
        shell::merge(shell::parse_command_line({"-H", "imap.example.com", "-u", "bob"}), shell::parse_ini(flow_keys, "t")),
        "imap-backup");
    CHECK(for_backup.signin.oauth2->token_cache ==
          shell::default_token_cache("imap-backup", "bob", "imap.example.com", std::getenv("XDG_CACHE_HOME"),
                                     std::getenv("HOME"))
              .value_or(""));
    // An empty oauth2_token_cache: none.
    CHECK(resolve_args({"-H", "h", "-u", "a", "--oauth2-token-cache="}, flow_keys).signin.oauth2->token_cache.empty());

    ic::device_authorization d;
    d.verification_uri = "https://login.example.com/device";
    d.user_code = "WDJB-MJHT";
    CHECK(shell::device_login_prompt(d) ==
          "To sign in, open https://login.example.com/device and enter the code WDJB-MJHT\n");
}

TEST_CASE("shell JSON: QRESYNC, CHANGEDSINCE and UNCHANGEDSINCE results and arguments", "[shell][shell-json]") {
    ic::qresync_select_result q;
    q.exists = 3;
    q.uid_validity = 77;
    q.highest_modseq = 12;
    q.vanished = {4, 5};
    auto& changed = q.changed[2];
    changed.seq = 1;
    changed.uid = 2;
    changed.flags = std::vector<std::string>{"\\Seen"};
    changed.modseq = 11;
    const auto qj = shell::to_json(q);
    CHECK(qj.at("exists") == 3);
    CHECK(qj.at("uid_validity") == 77);
    CHECK(qj.at("highest_modseq") == 12);
    CHECK(qj.at("readonly") == false);
    CHECK(qj.at("permanent_flags").is_array());
    CHECK(qj.at("uid_validity_changed") == false);
    CHECK(qj.at("vanished") == json::parse("[4,5]"));
    CHECK(qj.at("changed") == json::parse(R"({"2":{"seq":1,"uid":2,"flags":["\\Seen"],"modseq":11}})"));
    CHECK(qj.at("status").is_object());

    ic::changes_result c;
    c.messages[9].seq = 4;
    c.messages[9].uid = 9;
    c.messages[9].modseq = 20;
    c.vanished = {3};
    const auto cj = shell::to_json(c);
    CHECK(cj.at("messages") == json::parse(R"({"9":{"seq":4,"uid":9,"modseq":20}})"));
    CHECK(cj.at("vanished") == json::parse("[3]"));
    CHECK(cj.at("status").is_object());

    ic::conditional_store_result st;
    st.flags[2] = {"$Done"};
    st.modseqs[2] = 21;
    st.modified = {1, 3};
    const auto sj = shell::to_json(st);
    CHECK(sj.at("flags") == json::parse(R"({"2":["$Done"]})"));
    CHECK(sj.at("modseqs") == json::parse(R"({"2":21})"));
    CHECK(sj.at("modified") == json::parse("[1,3]"));
    CHECK(sj.at("status").is_object());

    using shell::convert;
    CHECK(convert<ic::flag_change>(json::value("add"), "change") == ic::flag_change::add);
    CHECK(convert<ic::flag_change>(json::value("remove"), "change") == ic::flag_change::remove);
    CHECK(convert<ic::flag_change>(json::value("set"), "change") == ic::flag_change::set);
    for (const char* bad : {"\"toggle\"", "\"ADD\"", "1", "null", "[\"add\"]"}) {
        INFO(bad);
        CHECK_THROWS_AS(convert<ic::flag_change>(json::parse(bad), "change"), shell::invalid_argument);
    }
    using match = ic::qresync_params::sequence_match;
    auto m = convert<match>(json::parse(R"([[2,1], "5:6"])"), "sequence_match");
    CHECK(m.sequence_numbers.str() == "1:2");
    CHECK(m.uids.str() == "5:6");
    auto named = convert<match>(json::parse(R"({"sequence_numbers": 1, "uids": 7})"), "sequence_match");
    CHECK(named.uids.str() == "7");
    for (const char* bad : {"[1]", "[1, 2, 3]", R"({"uids": 1})", R"({"seqs": 1, "uids": 2})", "[0, 1]", "\"1:2\""}) {
        INFO(bad);
        CHECK_THROWS_AS(convert<match>(json::parse(bad), "sequence_match"), shell::invalid_argument);
    }
}

// ---- the core library: completion and history ------------------------------

TEST_CASE("shell completion: the word under the cursor, by the line parser's rules", "[shell][shell-json]") {
    CHECK(shell::word_start("") == 0);
    CHECK(shell::word_start("sel") == 0);
    CHECK(shell::word_start("  sel") == 2);
    CHECK(shell::word_start("select_folder ") == 14);
    CHECK(shell::word_start("select_folder IN") == 14);
    CHECK(shell::word_start("select_folder \"Sent It") == 14);       // an open JSON string is one word
    CHECK(shell::word_start("select_folder \"Sent Items\"") == 14);
    CHECK(shell::word_start("select_folder \"Sent Items\" ") == 27);  // after a blank: a new word
    CHECK(shell::word_start("select_folder \"a\\\" b c") == 14);      // an escaped quote does not close it
    CHECK(shell::word_start("rename_folder \"A B\" \"C") == 20);
    CHECK(shell::word_start("select_folder folder=\"Sent It") == 14);  // a keyword's value
    CHECK(shell::word_start("fetch 1 [\"FLAGS\", \"ENV") == 8);        // an open array
    CHECK(shell::word_start("fetch 1 [\"FLAGS\"] x") == 18);
}

TEST_CASE("shell completion: commands, methods after help, folders elsewhere", "[shell][shell-json]") {
    using v = std::vector<std::string>;
    const v methods{"fetch", "fetch_changed_since", "select_folder", "select_folder_qresync", "search"};
    const v folders{"INBOX", "INBOX/Sub", "Sent Items", "Sent", "Say \"hi\"", "2024", "true", "a=b", "Entw\xc3\xbcrfe",
                    "bad\xff"};

    CHECK(shell::completion_for("") == shell::completion_kind::command);
    CHECK(shell::completion_for("  ") == shell::completion_kind::command);
    CHECK(shell::completion_for("help ") == shell::completion_kind::method);
    CHECK(shell::completion_for("help fetch ") == shell::completion_kind::none);
    CHECK(shell::completion_for("quit ") == shell::completion_kind::none);
    CHECK(shell::completion_for("[\"select_folder\", ") == shell::completion_kind::none);
    CHECK(shell::completion_for("select_folder ") == shell::completion_kind::folder);
    CHECK(shell::completion_for("rename_folder \"A B\" ") == shell::completion_kind::folder);

    // The first word: methods plus help, quit and exit.
    CHECK(shell::complete("", "sel", methods, folders) == v{"select_folder", "select_folder_qresync"});
    CHECK(shell::complete("", "se", methods, folders) == v{"search", "select_folder", "select_folder_qresync"});
    CHECK(shell::complete("", "he", methods, folders) == v{"help"});
    CHECK(shell::complete("", "q", methods, folders) == v{"quit"});
    CHECK(shell::complete("", "e", methods, folders) == v{"exit"});
    CHECK(shell::complete("", "", methods, folders).size() == methods.size() + 3);
    CHECK(shell::complete("", "nope", methods, folders).empty());
    CHECK(shell::complete("", "[\"se", methods, folders).empty());
    // After help: method names only.
    CHECK(shell::complete("help ", "fetch", methods, folders) == v{"fetch", "fetch_changed_since"});
    CHECK(shell::complete("help ", "q", methods, folders).empty());
    CHECK(shell::complete("help fetch ", "", methods, folders).empty());

    // Folders: bare when the line parser reads them back as they are, JSON
    // strings otherwise (blanks, quotes, JSON values, keyword shapes).
    CHECK(shell::folder_word("INBOX") == "INBOX");
    CHECK(shell::folder_word("Archive/2023") == "Archive/2023");
    CHECK(shell::folder_word("Entw\xc3\xbcrfe") == "Entw\xc3\xbcrfe");
    CHECK(shell::folder_word("Sent Items") == "\"Sent Items\"");
    CHECK(shell::folder_word("Say \"hi\"") == "\"Say \\\"hi\\\"\"");
    CHECK(shell::folder_word("2024") == "\"2024\"");
    CHECK(shell::folder_word("true") == "\"true\"");
    CHECK(shell::folder_word("null") == "\"null\"");
    CHECK(shell::folder_word("a=b") == "\"a=b\"");
    CHECK(shell::folder_word("[x]") == "\"[x]\"");
    CHECK(shell::folder_word("tab\there") == "\"tab\\there\"");
    for (const char* name : {"Sent Items", "Say \"hi\"", "2024", "a=b", "INBOX", "Entw\xc3\xbcrfe"}) {
        // What the completion writes, the line parser reads back as the name.
        INFO(name);
        const auto call = shell::parse_line("select_folder " + shell::folder_word(name));
        CHECK(call.at(1) == json::value(name));
    }

    CHECK(shell::complete("select_folder ", "IN", methods, folders) == v{"INBOX", "INBOX/Sub"});
    CHECK(shell::complete("select_folder ", "Sent", methods, folders) == v{"\"Sent Items\"", "Sent"});
    CHECK(shell::complete("select_folder ", "\"Sent", methods, folders) == v{"\"Sent Items\"", "\"Sent\""});
    CHECK(shell::complete("select_folder ", "\"Sent It", methods, folders) == v{"\"Sent Items\""});
    CHECK(shell::complete("select_folder ", "Say", methods, folders) == v{"\"Say \\\"hi\\\"\""});
    CHECK(shell::complete("select_folder ", "Entw", methods, folders) == v{"Entw\xc3\xbcrfe"});
    CHECK(shell::complete("select_folder ", "bad", methods, folders).empty());  // not valid UTF-8: left out
    CHECK(shell::complete("select_folder ", "", methods, folders).size() == folders.size() - 1);
    CHECK(shell::complete("select_folder ", "folder=IN", methods, folders) == v{"folder=INBOX", "folder=INBOX/Sub"});
    CHECK(shell::complete("select_folder ", "folder=\"Sent I", methods, folders) == v{"folder=\"Sent Items\""});
    CHECK(shell::complete("rename_folder INBOX ", "Se", methods, folders) == v{"\"Sent Items\"", "Sent"});
    CHECK(shell::complete("select_folder ", "IN", methods, {}).empty());
    CHECK(shell::complete("[\"select_folder\", ", "\"IN", methods, folders).empty());

    // What libedit inserts when there are several: their common start, never
    // half a UTF-8 character.
    CHECK(shell::common_prefix({}).empty());
    CHECK(shell::common_prefix({"INBOX"}) == "INBOX");
    CHECK(shell::common_prefix({"INBOX", "INBOX/Sub"}) == "INBOX");
    CHECK(shell::common_prefix({"\"Sent Items\"", "\"Sent Mail\""}) == "\"Sent ");
    CHECK(shell::common_prefix({"Entw\xc3\xbcrfe", "Entw\xc3\xa4sser"}) == "Entw");
    CHECK(shell::common_prefix({"a\xe2\x82\xac", "a\xe2\x82\xad"}) == "a");
    CHECK(shell::common_prefix({"abc", "xyz"}).empty());
}

TEST_CASE("shell completion: the folder list is fetched once, again after a folder changed, never in IDLE",
          "[shell][shell-json]") {
    shell::folder_cache cache;
    CHECK(cache.needs_fetch());  // nothing fetched yet
    cache.store({"INBOX", "Sent"});
    CHECK_FALSE(cache.needs_fetch());
    CHECK(cache.folders() == std::vector<std::string>{"INBOX", "Sent"});
    cache.after_call("select_folder", true);
    cache.after_call("list_folders", true);
    CHECK_FALSE(cache.needs_fetch());
    for (const char* changes : {"create_folder", "delete_folder", "rename_folder"}) {
        INFO(changes);
        cache.after_call(changes, false, "error");  // refused by the server: nothing changed
        CHECK_FALSE(cache.needs_fetch());
        cache.after_call(changes, true);
        CHECK(cache.needs_fetch());
        cache.store({"INBOX"});
        CHECK_FALSE(cache.needs_fetch());
    }
    // A failed fetch keeps the old list and is not retried at every Tab.
    cache.after_call("create_folder", true);
    cache.fetch_failed();
    CHECK_FALSE(cache.needs_fetch());
    CHECK(cache.folders() == std::vector<std::string>{"INBOX"});

    // While idling, a LIST would end the IDLE: no fetch until a command ends it.
    shell::folder_cache idle;
    idle.after_call("idle", true);
    CHECK_FALSE(idle.needs_fetch());
    idle.after_call("idle_check", true);
    idle.after_call("capabilities", true);
    idle.after_call("bogus", false, "invalid_argument");  // refused before sending
    CHECK_FALSE(idle.needs_fetch());
    idle.after_call("idle_done", true);
    CHECK(idle.needs_fetch());
    idle.store({"INBOX"});
    idle.after_call("idle", true);
    idle.after_call("create_folder", true);  // ends the IDLE (and changes the folders)
    CHECK(idle.needs_fetch());
    idle.after_call("idle", false, "error");  // the server refused IDLE
    CHECK(idle.needs_fetch());
}

TEST_CASE("shell history: what is kept, and where the file is", "[shell][shell-json]") {
    for (const char* kept : {"select_folder INBOX", "fetch 1:* [\"FLAGS\"]", "search [\"SUBJECT\", \"hello\"]",
                             "[\"noop\"]", "help fetch", "refresh_capabilities"}) {
        INFO(kept);
        CHECK(shell::keep_in_history(kept));
    }
    for (const char* dropped :
         {"", "   ", "login alice secret", "  LOGIN alice s3cret", "[\"login\", \"alice\", \"pw\"]",
          "plain_login alice pw", "oauth2_login alice ya29.tok", "oauthbearer_login alice abc",
          "oauth_login https://x t s", "raw_command \"AUTHENTICATE PLAIN AGFsaWNlAHB3\"", "help login",
          "id_ {\"password\": \"x\"}", "select_folder MyPassword", "append Tokens x", "starttls ca_file=/secret/ca.pem",
          "id_ {\"credentials\": \"x\"}", "raw_command \"X-REFRESH-TOKEN abc\""}) {
        INFO(dropped);
        CHECK_FALSE(shell::keep_in_history(dropped));
    }

    CHECK(shell::history_file_path("/x/h", "/state", "/home/a") == "/x/h");
    CHECK(shell::history_file_path(nullptr, "/state", "/home/a") == "/state/imap-shell/history");
    CHECK(shell::history_file_path("", "/state/", "/home/a") == "/state/imap-shell/history");
    CHECK(shell::history_file_path(nullptr, nullptr, "/home/a") == "/home/a/.local/state/imap-shell/history");
    CHECK(shell::history_file_path(nullptr, "", "/home/a") == "/home/a/.local/state/imap-shell/history");
    CHECK(shell::history_file_path(nullptr, "relative/state", "/home/a") ==
          "/home/a/.local/state/imap-shell/history");  // XDG: absolute paths only
    CHECK_FALSE(shell::history_file_path(nullptr, nullptr, nullptr).has_value());
    CHECK_FALSE(shell::history_file_path("", "", "").has_value());
}

// ---- the program against Dovecot ---------------------------------------------

TEST_CASE("imap-shell --script: a session against Dovecot, one typed JSON line per call", "[live][shell][dovecot]") {
    auto env = test::dovecot();
    const std::string folder = test::unique_name("shell");
    const std::string latin1 =
        "From: =?utf-8?q?J=C3=B6rg?= <joerg@example.com>\r\nTo: alice@example.com\r\nSubject: caf\xe9\r\n"
        "Date: Tue, 1 Mar 2022 10:00:00 +0100\r\nMessage-ID: <latin1@example.com>\r\n\r\nbody\r\n";
    const std::vector<json::value> calls{
        json::parse(R"(["fetch", 1, ["FLAGS"]])"),                                   // 0 nothing selected
        json::array{"create_folder", folder},                                        // 1
        json::array{"append", folder, test::make_message("shell-one", "first"), json::array{"\\Flagged"},
                    "2020-01-02T03:04:05+05:30"},                                    // 2
        json::array{"append", folder, json::object{{"base64", shell::base64_encode(latin1)}}},  // 3
        json::array{"select_folder", folder},                                        // 4
        json::parse(R"(["search", ["NOT", "DELETED"]])"),                             // 5
        json::parse(R"(["search", "SUBJECT shell-one"])"),                            // 6
        json::parse(R"(["fetch", "1:*", ["FLAGS", "ENVELOPE", "INTERNALDATE", "RFC822.SIZE"]])"),  // 7
        json::parse(R"(["add_flags", "1:*", ["\\Seen"]])"),                           // 8
        json::parse(R"(["get_flags", "1:*"])"),                                       // 9
        json::array{"folder_status", folder},                                        // 10
        json::array{"list_folders", "", folder},                                     // 11
        json::parse(R"(["bogus_method"])"),                                          // 12
        json::parse(R"(["fetch", "1:*"])"),                                          // 13 missing data
        json::parse(R"(["fetch", "1:*", ["FLAGS"], {"modifers": []}])"),             // 14 unknown keyword
        json::parse(R"(["fetch", "0", ["FLAGS"]])"),                                 // 15 bad ids
        json::parse(R"(["gmail_search", "has:attachment"])"),                        // 16 no X-GM-EXT-1
        json::parse(R"(["use_uid", false])"),                                        // 17
        json::parse(R"(["fetch", 2, "BODY.PEEK[HEADER.FIELDS (SUBJECT)]"])"),        // 18 by sequence number
        json::parse(R"(["use_uid"])"),                                               // 19
        json::array{"select_folder", folder, json::object{{"readonly", true}}},      // 20
        json::parse(R"(["add_flags", 1, ["\\Deleted"]])"),                           // 21 read-only
        json::parse(R"(["select_folder", "no-such-folder-here"])"),                   // 22 NO
        json::parse(R"(["noop"])"),                                                  // 23 still fine
        json::parse(R"(["has_capability", "imap4rev1"])"),                           // 24
        json::array{"delete_folder", folder},                                        // 25
        json::parse(R"(["logout"])"),                                                // 26
    };
    std::string script = "# comments and blank lines are skipped\n\n";
    for (const auto& c : calls) script += json_line(c);
    script.insert(script.find("[\"bogus_method\"]"), "{oops\n");  // bad JSON before call 12
    // A fixed zone for the child: fetched dates are normalised to local time.
    auto r = run_shell(plain_args(env), script, {"TZ=XST-5:30"});
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    CHECK(r.status == 0);
    REQUIRE(r.lines.size() == calls.size() + 1);
    std::vector<json::value> out = r.lines;
    // The bad JSON line got its own error line, right before call 12's.
    CHECK(error_type(out[12]) == "invalid_argument");
    CHECK(str(out[12].at("error").at("message")).find("bad JSON") != std::string::npos);
    out.erase(out.begin() + 12);

    CHECK(error_type(out[0]) == "illegal_state");
    CHECK(result_of(out[1]).at("status").at("status") == json::value("OK"));
    const auto uid1 = result_of(out[2]).at("uid");
    const auto uid2 = result_of(out[3]).at("uid");
    REQUIRE(uid1.is_number());  // Dovecot has UIDPLUS
    REQUIRE(uid2.is_number());
    const auto& sel = result_of(out[4]);
    CHECK(sel.at("exists") == 2);
    CHECK(sel.at("readonly") == false);
    CHECK(sel.at("uid_validity").is_number());
    CHECK(result_of(out[5]).at("ids") == json::array{uid1, uid2});
    CHECK(result_of(out[6]).at("ids") == json::array{uid1});

    const auto& fetched = result_of(out[7]).as_object();
    REQUIRE(fetched.size() == 2);
    const std::string k1 = json::serialize(uid1), k2 = json::serialize(uid2);
    REQUIRE(fetched.contains(k1));
    REQUIRE(fetched.contains(k2));
    const auto& m1 = fetched.at(k1);
    CHECK(m1.at("seq") == 1);
    CHECK(m1.at("uid") == uid1);
    const auto& f1 = m1.at("flags").as_array();  // Dovecot adds \Recent too
    CHECK(std::find(f1.begin(), f1.end(), json::value("\\Flagged")) != f1.end());
    CHECK(std::find(f1.begin(), f1.end(), json::value("\\Seen")) == f1.end());
    // 2020-01-02T03:04:05+05:30 appended, read back in the child's zone.
    CHECK(m1.at("internal_date") == json::value("2020-01-02T03:04:05+05:30"));
    CHECK(m1.at("size").is_number());
    const auto& e1 = m1.at("envelope");
    CHECK(e1.at("subject") == json::value("shell-one"));
    CHECK(e1.at("date") == json::value("1994-02-08T11:22:25+05:30"));  // -0800 in the message
    CHECK(e1.at("from_") ==
          json::parse(R"([{"name":"Tester","route":null,"mailbox":"tester","host":"example.com"}])"));
    CHECK(e1.at("to").at(0).at("mailbox") == json::value("alice"));
    CHECK(e1.at("message_id") == json::value("<shell-one@example.com>"));
    CHECK(e1.at("in_reply_to").is_null());
    const auto& e2 = fetched.at(k2).at("envelope");
    CHECK(e2.at("subject") == json::value(json::object{{"base64", shell::base64_encode("caf\xe9")}}));
    CHECK(e2.at("from_").at(0).at("name") == json::value("=?utf-8?q?J=C3=B6rg?="));  // raw, as Python IMAPClient keeps it
    CHECK(e2.at("date") == json::value("2022-03-01T14:30:00+05:30"));

    const auto& stored = result_of(out[8]).as_object();
    CHECK(stored.size() == 2);
    const auto& flags = result_of(out[9]);
    for (const auto& k : {k1, k2}) {
        const auto& f = flags.at(k).as_array();
        CHECK(std::find(f.begin(), f.end(), json::value("\\Seen")) != f.end());
    }
    CHECK(std::find(flags.at(k1).as_array().begin(), flags.at(k1).as_array().end(), json::value("\\Flagged")) !=
          flags.at(k1).as_array().end());
    const auto& status = result_of(out[10]);
    CHECK(status.at("messages") == 2);
    CHECK(status.at("unseen") == 0);
    CHECK(status.at("uid_next").is_number());
    const auto& folders = result_of(out[11]).at("folders").as_array();
    REQUIRE(folders.size() == 1);
    CHECK(folders[0].at("name") == json::value(folder));
    CHECK(folders[0].at("flags").is_array());

    CHECK(error_type(out[12]) == "invalid_argument");  // unknown method
    CHECK(str(out[12].at("error").at("message")).find("bogus_method") != std::string::npos);
    CHECK(error_type(out[13]) == "invalid_argument");
    CHECK(str(out[13].at("error").at("message")).find("data") != std::string::npos);
    CHECK(error_type(out[14]) == "invalid_argument");
    CHECK(str(out[14].at("error").at("message")).find("modifers") != std::string::npos);
    CHECK(error_type(out[15]) == "invalid_argument");
    CHECK(error_type(out[16]) == "capability_error");

    CHECK(result_of(out[17]) == false);
    const auto& by_seq = result_of(out[18]).as_object();
    REQUIRE(by_seq.size() == 1);
    REQUIRE(by_seq.contains("2"));
    CHECK(by_seq.at("2").at("sections").at("BODY[HEADER.FIELDS (SUBJECT)]") ==
          json::value(json::object{{"base64", shell::base64_encode("Subject: caf\xe9\r\n\r\n")}}));
    CHECK(result_of(out[19]) == false);
    CHECK(result_of(out[20]).at("readonly") == true);
    CHECK(error_type(out[21]) == "readonly_folder");
    CHECK(error_type(out[22]) == "error");
    CHECK(out[22].at("error").at("reply").at("status") == json::value("NO"));
    CHECK(result_of(out[23]).at("status").at("status") == json::value("OK"));
    CHECK(result_of(out[24]) == true);
    CHECK(result_of(out[25]).at("status").at("status") == json::value("OK"));
    CHECK(result_of(out[26]).at("status").at("status") == json::value("OK"));
}

TEST_CASE("imap-shell --script: each line is answered as soon as its call completes", "[live][shell][dovecot]") {
    auto env = test::dovecot();
    auto args = plain_args(env);
    args.insert(args.begin(), shell_path());
    child c(args);
    // stdin stays open: the answer must come before the next line is sent.
    c.send("[\"noop\"]\n");
    auto l1 = c.read_line(15s);
    REQUIRE(l1);
    CHECK(result_of(json::parse(*l1)).at("status").at("status") == json::value("OK"));
    c.send("select_folder INBOX\n");  // not JSON: an error line, and the shell goes on
    auto l2 = c.read_line(15s);
    REQUIRE(l2);
    CHECK(error_type(json::parse(*l2)) == "invalid_argument");
    c.send("[\"select_folder\", \"INBOX\", {\"readonly\": true}]\n");
    auto l3 = c.read_line(15s);
    REQUIRE(l3);
    CHECK(result_of(json::parse(*l3)).at("readonly") == true);
    c.send("[\"idle\"]\n[\"idle_check\", 0.2]\n[\"idle_done\"]\n");
    for (int i = 0; i < 3; ++i) {
        auto l = c.read_line(15s);
        REQUIRE(l);
        INFO(*l);
        CHECK(json::parse(*l).at("ok") == true);
    }
    c.close_stdin();
    CHECK(c.wait_exit(30s) == 0);
    CHECK_FALSE(c.read_line(1s));  // nothing more: one line per call
}

TEST_CASE("imap-shell interactive mode: words in, readable JSON out", "[live][shell][dovecot]") {
    auto env = test::dovecot();
    auto args = plain_args(env);
    args.resize(args.size() - 2);  // no --script
    args.insert(args.begin(), shell_path());
    child c(args);
    c.send("select_folder INBOX readonly=true\nhelp fetch\nbogus 1\nuse_uid\nquit\n");
    c.close_stdin();
    CHECK(c.wait_exit(30s) == 0);
    INFO(c.out_buf);
    CHECK(c.out_buf.find("\"readonly\": true") != std::string::npos);
    CHECK(c.out_buf.find("fetch(messages, data, modifiers=null)") != std::string::npos);
    CHECK(c.out_buf.find("error (invalid_argument): unknown method 'bogus'") != std::string::npos);
    CHECK(c.out_buf.find("\ntrue\n") != std::string::npos);
}

TEST_CASE("imap-shell -f: Python IMAPClient's INI file, STARTTLS and the command line over it",
          "[live][shell][dovecot]") {
    auto env = test::dovecot();
    const std::string ini = temp_file("good.ini", "[DEFAULT]\nhost = localhost\nport = " + std::to_string(env.port) +
                                                      "\nssl = false\nstarttls = true\nssl_ca_file = " + env.ca +
                                                      "\nusername = alice\npassword = wrong\ntimeout = 20\n");
    // The file's password is wrong; the command line's wins.
    auto r = run_shell({"-f", ini, "-p", "alicepass", "--debug", "3", "--script", "-"},
                       "[\"select_folder\", \"INBOX\", {\"readonly\": true}]\n[\"has_capability\", \"STARTTLS\"]\n");
    CHECK(r.status == 0);
    REQUIRE(r.lines.size() == 2);
    CHECK(result_of(r.lines[0]).at("readonly") == true);
    CHECK(result_of(r.lines[1]) == false);  // over TLS the server no longer offers it
    CHECK(r.err.find("STARTTLS") != std::string::npos);  // the debug log shows the upgrade

    // Without the override the file's wrong password fails the login: a
    // JSON error line and a non-zero exit, nothing run.
    auto bad = run_shell({"-f", ini, "--script", "-"}, "[\"noop\"]\n");
    CHECK(bad.status == 1);
    REQUIRE(bad.lines.size() == 1);
    CHECK(error_type(bad.lines[0]) == "login_error");

    const std::string broken = temp_file("bad.ini", "[DEFAULT]\nhost = localhost\nsmtp_port = 25\n");
    auto unknown = run_shell({"-f", broken, "--script", "-"}, "[\"noop\"]\n");
    CHECK(unknown.status == 2);
    REQUIRE(unknown.lines.size() == 1);
    CHECK(error_type(unknown.lines[0]) == "invalid_argument");
    CHECK(str(unknown.lines[0].at("error").at("message")).find("smtp_port") != std::string::npos);
    std::remove(ini.c_str());
    std::remove(broken.c_str());
}

TEST_CASE("imap-shell: OAuth2 from the INI file, through a SOCKS5 proxy, tokens validated by Dovecot",
          "[live][shell][oauth2][proxy]") {
    test::oauth_server tokens;
    test::proxy_server proxy;
    test::private_dovecot dovecot({{"DOVECOT_OAUTH2_INTROSPECTION_URL", tokens.introspect_url}});
    const std::string cache = temp_file("token-cache.json", "");
    std::remove(cache.c_str());
    const std::string ini = temp_file(
        "oauth.ini", "[DEFAULT]\nhost = localhost\nport = " + std::to_string(dovecot.env.tls_port) +
                         "\nssl = true\nssl_ca_file = " + dovecot.env.ca + "\nusername = alice\ntimeout = 20\n" +
                         "proxy = socks5h://proxyuser:proxypass@127.0.0.1:" + std::to_string(proxy.socks_auth_port) +
                         "\noauth2_token_endpoint = " + tokens.token_url +
                         "\noauth2_client_id = imapclient-test\noauth2_client_secret = test-secret" +
                         "\noauth2_scope = mail\noauth2_refresh_token = alice-refresh\noauth2_ca_file = " + tokens.ca +
                         "\noauth2_token_cache = " + cache + "\n");
    auto r = run_shell({"-f", ini, "--debug", "3", "--script", "-"},
                       "[\"select_folder\", \"INBOX\", {\"readonly\": true}]\n[\"noop\"]\n");
    CHECK(r.status == 0);
    REQUIRE(r.lines.size() == 2);
    CHECK(result_of(r.lines[0]).at("readonly") == true);
    CHECK(r.err.find("AUTHENTICATE OAUTHBEARER") != std::string::npos);
    CHECK(tokens.stat("refresh_grants") == 1);
    CHECK(proxy.stat("socks_tunnels") == 2);  // IMAP, and the token endpoint
    struct stat st {};
    REQUIRE(::stat(cache.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);

    // A second run takes the cached token; after the server stopped
    // accepting it, it refreshes by itself. A revoked grant is a login error.
    tokens.admin("expire");
    auto again = run_shell({"-f", ini, "--script", "-"}, "[\"noop\"]\n");
    CHECK(again.status == 0);
    CHECK(tokens.stat("refresh_grants") == 2);
    tokens.admin("revoke", R"({"refresh_token":"alice-refresh"})");
    auto revoked = run_shell({"-f", ini, "--script", "-"}, "[\"noop\"]\n");
    CHECK(revoked.status == 1);
    REQUIRE(revoked.lines.size() == 1);
    CHECK(error_type(revoked.lines[0]) == "login_error");
    CHECK(str(revoked.lines[0].at("error").at("message")).find("invalid_grant") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(cache));  // a dead grant is not kept for the next run
    std::remove(ini.c_str());
    std::remove(cache.c_str());
}

TEST_CASE("imap-shell: connection refused is a JSON error line and a non-zero exit", "[shell]") {
    const auto port = closed_port();
    auto r = run_shell({"-H", "127.0.0.1", "-P", std::to_string(port), "--plain", "-u", "a", "-p", "b", "--timeout",
                        "5", "--script", "-"},
                       "[\"noop\"]\n[\"noop\"]\n");
    CHECK(r.status == 1);
    REQUIRE(r.lines.size() == 1);  // the script never ran
    CHECK(r.lines[0].at("ok") == false);
    CHECK_FALSE(error_type(r.lines[0]).empty());
    CHECK(str(r.lines[0].at("error").at("message")).find("efused") != std::string::npos);
}

TEST_CASE("imap-shell: --tls and --starttls with an untrusted certificate are refused, never clear text",
          "[live][shell][dovecot]") {
    auto env = test::dovecot();
    auto wrong_ca = test::cyrus().ca;  // another throwaway CA
    struct setup {
        const char* name;
        std::vector<std::string> args;
    };
    const std::vector<setup> setups{
        {"--tls, another CA", {"--tls", "-P", std::to_string(env.tls_port), "--ca-file", wrong_ca}},
        {"--tls, system store", {"--tls", "-P", std::to_string(env.tls_port)}},
        {"--starttls, another CA", {"--starttls", "-P", std::to_string(env.port), "--ca-file", wrong_ca}},
        {"--starttls, system store", {"--starttls", "-P", std::to_string(env.port)}},
    };
    for (const auto& s : setups) {
        INFO(s.name);
        std::vector<std::string> args{"-H", "localhost", "-u", "alice", "-p", "alicepass", "--timeout", "10",
                                      "--debug", "3", "--script", "-"};
        args.insert(args.end(), s.args.begin(), s.args.end());
        auto r = run_shell(args, "[\"noop\"]\n");
        INFO("stderr: " << r.err);
        CHECK(r.status == 1);
        REQUIRE(r.lines.size() == 1);
        CHECK(r.lines[0].at("ok") == false);
        // The debug log shows every command sent: no LOGIN or AUTHENTICATE ever went out.
        CHECK(r.err.find("LOGIN") == std::string::npos);
        CHECK(r.err.find("AUTHENTICATE") == std::string::npos);
        CHECK(r.err.find("alicepass") == std::string::npos);
    }
    // The right CA works over both.
    for (const auto& mode : {std::vector<std::string>{"--tls", "-P", std::to_string(env.tls_port)},
                             std::vector<std::string>{"--starttls", "-P", std::to_string(env.port)}}) {
        std::vector<std::string> args{"-H", "localhost", "-u", "alice", "-p", "alicepass", "--ca-file", env.ca,
                                      "--timeout", "10", "--script", "-"};
        args.insert(args.end(), mode.begin(), mode.end());
        auto r = run_shell(args, "[\"noop\"]\n");
        CHECK(r.status == 0);
        REQUIRE(r.lines.size() == 1);
        CHECK(r.lines[0].at("ok") == true);
    }
}

TEST_CASE("imap-shell: every client method is reachable by name", "[live][shell][dovecot]") {
    // A keyword no method has: each method must refuse it (or a missing
    // argument) by name, before sending anything; "unknown method" would
    // mean it is not wired.
    const std::vector<std::string> methods{
        "logout", "shutdown", "noop", "refresh_capabilities", "capabilities", "has_capability", "welcome", "metrics", "login",
        "sign_in", "plain_login", "oauth2_login", "oauthbearer_login", "oauth_login", "starttls", "enable", "id_",
        "raw_command", "use_uid", "mailbox", "next_event", "select_folder", "close_folder", "unselect_folder",
        "list_folders", "list_sub_folders", "xlist_folders", "find_special_folder", "folder_exists",
        "folder_status", "create_folder", "delete_folder", "rename_folder", "subscribe_folder",
        "unsubscribe_folder", "namespace", "search", "sort", "thread", "gmail_search", "fetch", "fetch_to_file",
        "download", "append",
        "append_file", "multiappend", "copy", "move", "expunge", "uid_expunge", "get_flags", "add_flags", "remove_flags",
        "set_flags", "delete_messages", "get_gmail_labels", "add_gmail_labels", "remove_gmail_labels",
        "set_gmail_labels", "getacl", "setacl", "get_quota", "get_quota_root", "set_quota", "idle", "idle_check",
        "idle_done", "listen", "lease_folder", "release_lease", "leases", "compress", "select_folder_qresync",
        "fetch_changed_since", "store_unchanged_since", "esearch", "esort", "list_extended", "create_special_folder",
        "get_quota_by_root", "get_metadata", "set_metadata", "notify"};
    std::string script;
    for (const auto& m : methods) script += json_line(json::array{m, json::object{{"zz_no_such_keyword", 1}}});
    script += "[\"sasl_login\", \"PLAIN\"]\n[\"noop\"]\n";
    auto r = run_shell(plain_args(test::dovecot()), script);
    CHECK(r.status == 0);
    REQUIRE(r.lines.size() == methods.size() + 2);
    for (std::size_t i = 0; i < methods.size(); ++i) {
        INFO(methods[i] << ": " << json::serialize(r.lines[i]));
        CHECK(error_type(r.lines[i]) == "invalid_argument");
        const auto msg = str(r.lines[i].at("error").at("message"));
        CHECK(msg.find("unknown method") == std::string::npos);
        CHECK((msg.find("zz_no_such_keyword") != std::string::npos || msg.find("missing argument") != std::string::npos));
    }
    CHECK(error_type(r.lines[methods.size()]) == "invalid_argument");
    CHECK(str(r.lines[methods.size()].at("error").at("message")).find("not reachable") != std::string::npos);
    CHECK(result_of(r.lines.back()).at("status").at("status") == json::value("OK"));  // nothing was sent meanwhile
}

TEST_CASE("imap-shell --script: ESEARCH, LIST-STATUS, METADATA, GETQUOTA by root and NOTIFY", "[live][shell][dovecot]") {
    const std::string folder = test::unique_name("shell-ext");
    std::string script;
    script += json_line(json::array{"create_folder", folder});                                         // 0
    script += json_line(json::array{"append", folder, "Subject: a\r\n\r\nx\r\n"});                  // 1
    script += json_line(json::array{"append", folder, "Subject: b\r\n\r\ny\r\n", json::array{"\\Seen"}});  // 2
    script += json_line(json::array{"select_folder", folder});                                         // 3
    script += json_line(json::array{"esearch", "ALL", json::array{"COUNT", "MIN", "ALL"}});           // 4
    script += json_line(json::array{"esearch", "UNSEEN", json::array{"SAVE"}});                       // 5
    script += json_line(json::array{"get_flags", "$"});                                                // 6
    // A last object is the keywords: options and entries go by name.
    const json::object options{{"patterns", json::array{folder}}, {"status", json::array{"MESSAGES", "UNSEEN"}}};
    script += json_line(json::array{"list_extended", "", json::object{{"options", options}}});        // 7
    const json::object comment{{"/private/comment", "hi"}};
    script += json_line(json::array{"set_metadata", folder, json::object{{"entries", comment}}});     // 8
    script += json_line(json::array{"get_metadata", folder, json::array{"/private/comment"}});         // 9
    script += json_line(json::array{"get_quota_by_root", "User quota"});                              // 10
    script += json_line(json::array{"create_special_folder", folder + "-a", json::array{"\\Archive"}});  // 11
    script += json_line(json::array{"esearch", "ALL", json::array{"MOST"}});                          // 12
    const json::array groups{json::object{{"target", "mailboxes"}, {"mailboxes", json::array{folder}},
                                          {"events", json::array{"MessageNew"}}}};
    script += json_line(json::array{"close_folder"});                                                  // 13
    script += json_line(json::array{"notify", groups, true});                                          // 14
    script += json_line(json::array{"notify"});                                                        // 15
    script += json_line(json::array{"delete_folder", folder});                                         // 16
    auto r = run_shell(plain_args(test::dovecot()), script);
    CHECK(r.status == 0);
    REQUIRE(r.lines.size() == 17);
    for (int i : {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 13, 14, 15, 16}) {
        INFO(i << ": " << json::serialize(r.lines[i]));
        CHECK(r.lines[i].at("ok").as_bool());
    }
    const auto& counted = result_of(r.lines[4]);
    CHECK(counted.at("count").to_number<int>() == 2);
    CHECK(str(counted.at("all")).find(':') != std::string::npos);  // a compact set, "1:2"
    CHECK(result_of(r.lines[6]).as_object().size() == 1);           // "$": the one unseen message
    const auto& folders = result_of(r.lines[7]).at("folders").as_array();
    REQUIRE(folders.size() == 1);
    CHECK(folders[0].at("status").at("messages").to_number<int>() == 2);
    CHECK(folders[0].at("status").at("unseen").to_number<int>() == 1);
    CHECK(result_of(r.lines[9]).at("entries").at("/private/comment") == json::value("hi"));
    CHECK(!result_of(r.lines[10]).at("quotas").as_array().empty());
    CHECK(error_type(r.lines[11]) == "capability_error");  // Dovecot has no CREATE-SPECIAL-USE
    CHECK(error_type(r.lines[12]) == "invalid_argument");
    CHECK(result_of(r.lines[14]).at("mailboxes").at(folder).at("messages").to_number<int>() == 2);
}

TEST_CASE("imap-shell --script: metrics counts the commands the session sent", "[live][shell][dovecot]") {
    auto r = run_shell(plain_args(test::dovecot()), "[\"noop\"]\n[\"noop\"]\n[\"metrics\"]\n");
    CHECK(r.status == 0);
    REQUIRE(r.lines.size() == 3);
    const auto& m = result_of(r.lines[2]).as_object();
    CHECK(m.at("bytes_read").to_number<std::uint64_t>() > 0);
    CHECK(m.at("bucket_bounds_ms").as_array().size() == imapclient::latency_bucket_bounds.size());
    std::map<std::string, json::object> by_name;
    for (const auto& c : m.at("commands").as_array()) by_name[str(c.at("name"))] = c.as_object();
    REQUIRE(by_name.count("NOOP") == 1);
    CHECK(by_name["NOOP"].at("ok").to_number<int>() == 2);
    CHECK(by_name["NOOP"].at("buckets").as_array().size() == imapclient::latency_bucket_bounds.size() + 1);
    // The shell signed in with -u: sign_in(), the best mechanism Dovecot
    // offers (AUTHENTICATE), the LOGIN command only when it offers none.
    int sign_ins = 0;
    for (const char* name : {"AUTHENTICATE", "LOGIN"})
        if (by_name.count(name)) sign_ins += by_name[name].at("ok").to_number<int>();
    CHECK(sign_ins == 1);
}

TEST_CASE("imap-shell --script: folder leases, and calls that name one with lease=N", "[live][shell][dovecot]") {
    auto env = test::dovecot();
    const std::string a = test::unique_name("shell-lease-a"), b = test::unique_name("shell-lease-b");
    const std::vector<json::value> calls{
        json::array{"create_folder", a},                                                        // 0
        json::array{"create_folder", b},                                                        // 1
        json::array{"append", a, "Subject: in-a\r\n\r\nx\r\n"},                              // 2
        json::array{"append", b, "Subject: in-b\r\n\r\ny\r\n"},                              // 3
        json::array{"lease_folder", a},                                                         // 4 -> lease 1
        json::parse(R"(["fetch", "1:*", ["ENVELOPE"], {"lease": 1}])"),                         // 5
        json::array{"select_folder", b},                                                        // 6 plain: ends lease 1's selection
        json::parse(R"(["fetch", "1:*", ["ENVELOPE"], {"lease": 1}])"),                         // 7 refused
        json::parse(R"(["release_lease", 1])"),                                                 // 8
        json::array{"lease_folder", b, json::object{{"readonly", true}}},                       // 9 -> lease 2
        json::parse(R"(["search", "ALL", {"lease": 2}])"),                                      // 10
        json::parse(R"(["leases"])"),                                                           // 11
        json::parse(R"(["search", "ALL", {"lease": 7}])"),                                      // 12 no such lease
        json::array{"append", a, "Subject: z\r\n\r\nz\r\n", json::object{{"lease", 2}}},     // 13 not a mailbox method
        json::parse(R"(["release_lease", 2])"),                                                 // 14
        json::parse(R"(["release_lease", 2])"),                                                 // 15 released already
        json::parse(R"(["unselect_folder"])"),                                                  // 16
        json::array{"delete_folder", a},                                                        // 17
        json::array{"delete_folder", b},                                                        // 18
    };
    std::string script;
    for (const auto& c : calls) script += json_line(c);
    auto r = run_shell(plain_args(env), script);
    CHECK(r.status == 0);
    REQUIRE(r.lines.size() == calls.size());
    const auto& l = r.lines;
    CHECK(result_of(l[4]).at("lease") == 1);
    CHECK(result_of(l[4]).at("folder") == json::value(a));
    CHECK(result_of(l[4]).at("exists") == 1);
    CHECK(result_of(l[5]).at("1").at("envelope").at("subject") == json::value("in-a"));
    INFO(json::serialize(l[7]));
    CHECK(error_type(l[7]) == "illegal_state");
    CHECK(str(l[7].at("error").at("message")).find("no longer selected") != std::string::npos);
    CHECK(result_of(l[8]) == true);
    CHECK(result_of(l[9]).at("lease") == 2);
    CHECK(result_of(l[9]).at("readonly") == true);
    CHECK(result_of(l[10]).at("ids") == json::parse("[1]"));
    CHECK(result_of(l[11]) == json::object{{"2", b}});
    CHECK(error_type(l[12]) == "invalid_argument");
    CHECK(error_type(l[13]) == "invalid_argument");
    CHECK(result_of(l[14]) == true);
    CHECK(error_type(l[15]) == "invalid_argument");
    CHECK(result_of(l[18]).at("status").at("status") == json::value("OK"));
}

TEST_CASE("imap-shell --script: the other methods against Dovecot", "[live][shell][dovecot]") {
    auto env = test::dovecot();
    const std::string folder = test::unique_name("shell-more");
    const std::vector<json::value> calls{
        json::array{"create_folder", folder},                                                          // 0
        json::array{"multiappend", folder,
                    json::parse(R"(["Subject: b\r\n\r\nx\r\n", {"msg": "Subject: a\r\n\r\ny\r\n", "flags": ["\\Seen"]}])")},  // 1
        json::array{"select_folder", folder},                                                          // 2
        json::parse(R"(["sort", ["SUBJECT"]])"),                                                        // 3
        json::parse(R"(["thread", "REFERENCES", "ALL"])"),                                              // 4
        json::parse(R"(["namespace"])"),                                                                // 5
        json::array{"getacl", folder},                                                                 // 6
        json::array{"setacl", folder, "bob", "lr"},                                                    // 7
        json::array{"getacl", folder},                                                                 // 8
        json::parse(R"(["get_quota_root", "INBOX"])"),                                                  // 9
        json::parse(R"(["get_quota"])"),                                                                // 10
        json::array{"folder_exists", folder},                                                          // 11
        json::parse(R"(["folder_exists", "surely-not-a-folder"])"),                                     // 12
        json::parse(R"(["find_special_folder", "\\Trash"])"),                                           // 13
        json::parse(R"(["enable", "CONDSTORE"])"),                                                      // 14
        json::parse(R"(["id_", {"parameters": {"name": "imap-shell"}}])"),                              // 15
        json::parse(R"(["remove_flags", 2, ["\\Seen"]])"),                                              // 16
        json::parse(R"(["set_flags", 2, ["$Work"], {"silent": true}])"),                                // 17
        json::parse(R"(["get_flags", 2])"),                                                             // 18
        json::parse(R"(["delete_messages", [1, 2]])"),                                                  // 19
        json::parse(R"(["uid_expunge", [1]])"),                                                         // 20 UIDPLUS
        json::parse(R"(["expunge"])"),                                                                  // 21 the rest
        json::parse(R"(["raw_command", "CHECK"])"),                                                     // 22
        json::parse(R"(["mailbox"])"),                                                                  // 23
        json::parse(R"(["idle"])"),                                                                     // 24
        json::parse(R"(["idle_check", 0.2])"),                                                          // 25
        json::parse(R"(["idle_done"])"),                                                                // 26
        json::parse(R"(["get_gmail_labels", 1])"),                                                      // 27 no X-GM-EXT-1
        json::parse(R"(["unselect_folder"])"),                                                          // 28
        json::array{"subscribe_folder", folder},                                                       // 29
        json::array{"list_sub_folders", "", folder},                                                   // 30
        json::array{"unsubscribe_folder", folder},                                                     // 31
        json::array{"rename_folder", folder, folder + "-renamed"},                                     // 32
        json::array{"folder_status", folder + "-renamed", json::array{"MESSAGES"}},                    // 33
        json::array{"delete_folder", folder + "-renamed"},                                             // 34
        json::parse(R"(["logout"])"),                                                                   // 35
        json::parse(R"(["noop"])"),                                                                     // 36 after logout
    };
    std::string script;
    for (const auto& c : calls) script += json_line(c);
    auto r = run_shell(plain_args(env), script);
    CHECK(r.status == 0);  // the connection ended by logout, not lost
    REQUIRE(r.lines.size() == calls.size());
    const auto& l = r.lines;
    CHECK(result_of(l[1]).at("uids") == json::parse("[1,2]"));
    CHECK(result_of(l[3]).at("ids") == json::parse("[2,1]"));  // "a" sorts before "b"
    CHECK(result_of(l[4]).at("threads") == json::parse("[[1],[2]]"));
    CHECK(result_of(l[5]).at("personal").at(0).at("delimiter") == json::value("/"));
    CHECK(result_of(l[7]).at("status").at("status") == json::value("OK"));
    const auto& acl = result_of(l[8]).at("entries").as_array();
    CHECK(std::find(acl.begin(), acl.end(), json::parse(R"(["bob","lr"])")) != acl.end());
    CHECK(result_of(l[9]).at("quota_roots").as_array().size() >= 1);
    CHECK(result_of(l[10]).at("quotas").at(0).at("resource") == json::value("STORAGE"));
    CHECK(result_of(l[11]) == true);
    CHECK(result_of(l[12]) == false);
    CHECK(result_of(l[13]) == json::value("Trash"));
    CHECK(result_of(l[14]).at("enabled") == json::parse(R"(["CONDSTORE"])"));
    CHECK(result_of(l[15]).at("fields").is_array());
    CHECK(result_of(l[16]).at("2").is_array());
    CHECK(result_of(l[17]).as_object().empty());  // silent
    const auto& f2 = result_of(l[18]).at("2").as_array();
    CHECK(std::find(f2.begin(), f2.end(), json::value("$Work")) != f2.end());
    CHECK(result_of(l[19]).at("1").is_array());
    CHECK(result_of(l[20]).at("expunged") == json::parse("[1]"));  // UID 1 was message 1
    CHECK(result_of(l[21]).at("expunged") == json::parse("[1]"));  // UID 2, message 1 by then
    CHECK(result_of(l[22]).at("status").at("status") == json::value("OK"));
    CHECK(result_of(l[23]).at("selected") == true);
    CHECK(result_of(l[23]).at("exists") == 0);
    CHECK(result_of(l[24]).at("status").at("status") == json::value("OK"));
    CHECK(result_of(l[25]).at("events").is_array());
    CHECK(result_of(l[26]).at("status").at("status") == json::value("OK"));
    CHECK(error_type(l[27]) == "capability_error");
    CHECK(result_of(l[28]).at("status").at("status") == json::value("OK"));
    CHECK(result_of(l[30]).at("folders").at(0).at("name") == json::value(folder));
    CHECK(result_of(l[32]).at("status").at("status") == json::value("OK"));
    CHECK(result_of(l[33]).at("messages") == 0);
    CHECK(result_of(l[34]).at("status").at("status") == json::value("OK"));
    CHECK(result_of(l[35]).at("status").at("status") == json::value("OK"));
    CHECK(error_type(l[36]) == "abort_error");
}

TEST_CASE("imap-shell --script without -u: STARTTLS, SASL logins and login failures from the script",
          "[live][shell][dovecot]") {
    auto env = test::dovecot();
    const std::vector<std::string> base{"-H", "localhost", "-P", std::to_string(env.port), "--plain", "--ca-file",
                                        env.ca, "--timeout", "20", "--script", "-"};
    auto tls = run_shell(base, "[\"starttls\"]\n[\"oauth2_login\", \"alice\", \"alice-oauth-token\"]\n"
                               "[\"select_folder\", \"INBOX\", {\"readonly\": true}]\n");
    REQUIRE(tls.lines.size() == 3);
    CHECK(result_of(tls.lines[0]).at("status").at("status") == json::value("OK"));
    CHECK(result_of(tls.lines[1]).at("status").at("status") == json::value("OK"));
    CHECK(result_of(tls.lines[2]).at("readonly") == true);

    auto sasl = run_shell(base, "[\"plain_login\", \"alice\", \"wrong\"]\n[\"oauthbearer_login\", \"alice\", "
                                "\"alice-oauth-token\"]\n[\"has_capability\", \"IMAP4rev1\"]\n");
    REQUIRE(sasl.lines.size() == 3);
    CHECK(error_type(sasl.lines[0]) == "login_error");
    CHECK(result_of(sasl.lines[1]).at("status").at("status") == json::value("OK"));
    CHECK(result_of(sasl.lines[2]) == true);

    // sign_in from the script: the best mechanism Dovecot offers for a
    // password, then for a token.
    auto signed_in = run_shell(base, "[\"sign_in\", \"alice\", \"alicepass\"]\n");
    REQUIRE(signed_in.lines.size() == 1);
    CHECK(result_of(signed_in.lines[0]).at("mechanism") == json::value("SCRAM-SHA-256"));
    auto by_token = run_shell(base, "[\"sign_in\", {\"username\": \"alice\", \"access_token\": \"alice-oauth-token\"}]\n");
    REQUIRE(by_token.lines.size() == 1);
    CHECK(result_of(by_token.lines[0]).at("mechanism") == json::value("OAUTHBEARER"));

    // Without --plain, a clear-text login is refused by the client itself.
    auto refused = run_shell({"-H", "localhost", "-P", std::to_string(env.port), "--starttls", "--ca-file", env.ca,
                              "--script", "-"},
                             "[\"login\", \"alice\", \"alicepass\"]\n[\"noop\"]\n");
    REQUIRE(refused.lines.size() == 2);
    CHECK(result_of(refused.lines[0]).at("status").at("status") == json::value("OK"));  // over STARTTLS: fine
    CHECK(result_of(refused.lines[1]).at("status").at("status") == json::value("OK"));
}

// Once known failures seen through the shell: COPY/MOVE's completion
// corrupted memory (GCC 12 miscompiled a ternary inside co_await in
// do_copy), and a next_event() cancelled by a timer recursed until the
// stack overflowed (bridge_cancellation).
TEST_CASE("imap-shell: copy, move, next_event with a timeout and listen", "[live][shell][dovecot]") {
    auto env = test::dovecot();
    const std::string folder = test::unique_name("shell-copy");
    const std::vector<json::value> calls{
        json::array{"create_folder", folder},
        json::array{"append", folder, "Subject: c\r\n\r\nx\r\n"},
        json::array{"select_folder", folder},
        json::array{"copy", 1, folder},
        json::array{"move", 1, folder},
        json::parse(R"(["next_event", 0.2])"),
        json::parse(R"(["listen", 0.5])"),
        json::array{"close_folder"},
        json::array{"delete_folder", folder},
    };
    std::string script;
    for (const auto& c : calls) script += json_line(c);
    auto r = run_shell(plain_args(env), script);
    CHECK(r.status == 0);
    REQUIRE(r.lines.size() == calls.size());
    CHECK(result_of(r.lines[3]).at("dest_uids") == json::parse("[2]"));
    CHECK(result_of(r.lines[4]).at("dest_uids") == json::parse("[3]"));
    CHECK(r.lines[5].at("ok") == true);
    CHECK(result_of(r.lines[6]).at("events").is_array());
    CHECK(r.lines[8].at("ok") == true);
}

TEST_CASE("imap-shell: append_file streams a file in, fetch_to_file and download stream it back; an unreadable path "
          "is refused before anything is sent",
          "[live][shell][dovecot][stream-append]") {
    auto env = test::dovecot();
    const std::string folder = test::unique_name("shell-file");
    std::string message = "Subject: from a file\r\n\r\n";
    for (int i = 0; i < 2000; ++i) message += "line " + std::to_string(i) + " of a streamed message\r\n";
    const auto path = std::filesystem::temp_directory_path() / (folder + ".eml");
    const auto back = std::filesystem::temp_directory_path() / (folder + ".back.eml");
    const auto pieces = std::filesystem::temp_directory_path() / (folder + ".pieces.eml");
    const auto missing = std::filesystem::temp_directory_path() / (folder + ".missing.eml");
    std::ofstream(path, std::ios::binary) << message;
    const std::vector<json::value> calls{
        json::array{"create_folder", folder},
        json::array{"append_file", folder, path.string(), json::array{"\\Seen"}},
        json::array{"append_file", folder, "/nonexistent/dir/x.eml"},
        json::array{"select_folder", folder},
        json::parse(R"(["fetch", 1, ["BODY.PEEK[]", "FLAGS"]])"),
        json::array{"fetch_to_file", 1, back.string()},
        json::array{"download", 1, pieces.string(), 0, 10000},
        json::array{"fetch_to_file", 99, missing.string()},
        json::array{"close_folder"},
        json::array{"delete_folder", folder},
    };
    std::string script;
    for (const auto& c : calls) script += json_line(c);
    auto r = run_shell(plain_args(env), script);
    std::filesystem::remove(path);
    auto slurp = [](const std::filesystem::path& p) {
        std::ifstream in(p, std::ios::binary);
        return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    };
    // Streamed back into files: the same bytes, whole or in 10000-byte pieces.
    CHECK(slurp(back) == message);
    CHECK(slurp(pieces) == message);
    CHECK(result_of(r.lines[5]).at("bytes") == json::value(message.size()));
    CHECK(result_of(r.lines[6]).at("bytes") == json::value(message.size()));
    CHECK(error_type(r.lines[7]) == "error");
    CHECK(str(r.lines[7].at("error").at("message")).find("no such message") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(missing));  // nothing half-written is left
    std::filesystem::remove(back);
    std::filesystem::remove(pieces);
    CHECK(r.status == 0);
    REQUIRE(r.lines.size() == calls.size());
    CHECK(result_of(r.lines[1]).at("uid") == json::value(1));
    CHECK(error_type(r.lines[2]) == "invalid_argument");
    CHECK(result_of(r.lines[3]).at("exists") == json::value(1));
    const auto& m = result_of(r.lines[4]).at("1");
    INFO(json::serialize(m));
    CHECK(json::serialize(m.at("flags")).find("\\\\Seen") != std::string::npos);
    CHECK(json::serialize(m).find("line 1999 of a streamed message") != std::string::npos);
    CHECK(r.lines[9].at("ok") == true);
}

TEST_CASE("imap-shell --script: compress, then the session goes on compressed; the two timeouts from the command "
          "line",
          "[live][shell][dovecot][compress]") {
    auto env = test::dovecot();
    auto r = run_shell({"-H", env.host, "-P", std::to_string(env.port), "--plain", "-u", "alice", "-p", "alicepass",
                        "--connect-timeout", "10", "--read-timeout", "20", "--script", "-"},
                       "[\"has_capability\", \"COMPRESS=DEFLATE\"]\n"
                       "[\"compress\"]\n"
                       "[\"noop\"]\n"
                       "[\"list_folders\", \"\", \"INBOX\"]\n"
                       "[\"select_folder\", \"INBOX\", {\"readonly\": true}]\n"
                       "[\"compress\"]\n"
                       "[\"search\", \"ALL\"]\n"
                       "[\"logout\"]\n");
    CHECK(r.status == 0);
    REQUIRE(r.lines.size() == 8);
    REQUIRE(result_of(r.lines[0]) == true);  // Dovecot's imap_zlib offers it once logged in
    CHECK(result_of(r.lines[1]).at("status").at("status") == json::value("OK"));
    CHECK(result_of(r.lines[1]).at("compressed") == true);
    CHECK(result_of(r.lines[2]).at("status").at("status") == json::value("OK"));
    CHECK(result_of(r.lines[3]).at("folders").at(0).at("name") == json::value("INBOX"));
    CHECK(result_of(r.lines[4]).at("readonly") == true);
    CHECK(error_type(r.lines[5]) == "illegal_state");  // already on: refused, the connection stays usable
    CHECK(result_of(r.lines[6]).at("ids").is_array());
    CHECK(result_of(r.lines[7]).at("status").at("status") == json::value("OK"));
}

TEST_CASE("imap-shell --script: CONDSTORE and QRESYNC: fetch_changed_since, select_folder_qresync and "
          "store_unchanged_since against Dovecot",
          "[live][shell][dovecot][qresync]") {
    auto env = test::dovecot();
    const std::string folder = test::unique_name("shell-qresync");
    auto args = plain_args(env);
    args.insert(args.begin(), shell_path());
    child c(args);
    // One call at a time: later calls use the numbers earlier ones returned.
    const auto call = [&](const json::value& v) {
        INFO("call: " << json::serialize(v));
        c.send(json_line(v));
        auto l = c.read_line(20s);
        INFO("stderr: " << c.err_buf);
        REQUIRE(l);
        return json::parse(*l);
    };
    const auto has = [](const json::value& list, const char* item) {
        const auto& a = list.as_array();
        return std::find(a.begin(), a.end(), json::value(item)) != a.end();
    };

    const auto enabled = call(json::parse(R"(["enable", "QRESYNC"])"));
    CHECK(has(result_of(enabled).at("enabled"), "QRESYNC"));
    CHECK(call(json::array{"create_folder", folder}).at("ok") == true);
    CHECK(call(json::array{"append", folder, test::make_message("qr-one", "first")}).at("ok") == true);
    CHECK(call(json::array{"append", folder, test::make_message("qr-two", "second")}).at("ok") == true);
    const auto selected = call(json::array{"select_folder", folder});
    const auto& sel = result_of(selected);
    REQUIRE(sel.at("uid_validity").is_number());
    REQUIRE(sel.at("highest_modseq").is_number());
    const auto validity = sel.at("uid_validity").to_number<std::uint64_t>();
    const auto modseq = sel.at("highest_modseq").to_number<std::uint64_t>();

    // UID 1 changes after `modseq`; UID 2 does not.
    CHECK(call(json::parse(R"(["add_flags", 1, ["$Changed"]])")).at("ok") == true);

    // FETCH (CHANGEDSINCE): only UID 1, with its new modseq.
    const auto since = call(json::array{"fetch_changed_since", "1:*", modseq});
    const auto& changes = result_of(since);
    const auto& messages = changes.at("messages").as_object();
    REQUIRE(messages.size() == 1);
    REQUIRE(messages.contains("1"));
    CHECK(has(messages.at("1").at("flags"), "$Changed"));
    CHECK(messages.at("1").at("modseq").to_number<std::uint64_t>() > modseq);
    CHECK(changes.at("vanished").as_array().empty());
    const auto with_vanished = call(json::array{"fetch_changed_since", "1:*", modseq,
                                                json::object{{"data", json::array{"FLAGS"}}, {"vanished", true}}});
    CHECK(result_of(with_vanished).at("messages").as_object().contains("1"));
    CHECK(result_of(with_vanished).at("vanished").as_array().empty());  // nothing was expunged
    CHECK(error_type(call(json::array{"fetch_changed_since", "1:*"})) == "invalid_argument");  // no mod_seq
    CHECK(call(json::parse(R"(["unselect_folder"])")).at("ok") == true);

    // The resync SELECT: a UIDVALIDITY the folder never had voids the cache ...
    const auto stale = call(json::array{"select_folder_qresync", folder, validity + 1, modseq,
                                        json::object{{"readonly", true}}});
    CHECK(result_of(stale).at("uid_validity_changed") == true);
    CHECK(result_of(stale).at("changed").as_object().empty());
    CHECK(result_of(stale).at("readonly") == true);
    CHECK(call(json::parse(R"(["unselect_folder"])")).at("ok") == true);
    // ... the right one reports what changed since `modseq`: UID 1 only.
    const auto back = call(json::array{"select_folder_qresync", folder, validity, modseq,
                                       json::object{{"known_uids", "1:2"}}});
    const auto& resync = result_of(back);
    CHECK(resync.at("uid_validity_changed") == false);
    CHECK(resync.at("exists") == 2);
    CHECK(resync.at("readonly") == false);
    CHECK(resync.at("vanished").as_array().empty());
    const auto& resync_changed = resync.at("changed").as_object();
    REQUIRE(resync_changed.size() == 1);
    REQUIRE(resync_changed.contains("1"));
    CHECK(has(resync_changed.at("1").at("flags"), "$Changed"));
    CHECK(resync_changed.at("1").at("modseq").to_number<std::uint64_t>() > modseq);

    // STORE (UNCHANGEDSINCE) with the stale modseq: UID 1 changed since, so it
    // is reported as modified and not stored; UID 2 is stored.
    const auto stored = call(json::array{"store_unchanged_since", "1:2", json::array{"$Done"}, modseq});
    const auto& st = result_of(stored);
    CHECK(st.at("modified") == json::parse("[1]"));
    REQUIRE(st.at("modseqs").as_object().contains("2"));
    REQUIRE(st.at("flags").as_object().contains("2"));
    CHECK(has(st.at("flags").at("2"), "$Done"));
    const auto now = call(json::parse(R"(["get_flags", "1:2"])"));
    CHECK_FALSE(has(result_of(now).at("1"), "$Done"));
    CHECK(has(result_of(now).at("2"), "$Done"));
    // With the current modseq nothing is refused; change and silent as keywords.
    const auto current = st.at("modseqs").at("2").to_number<std::uint64_t>();
    const auto removed = call(json::array{"store_unchanged_since", 2, json::array{"$Done"}, current,
                                          json::object{{"change", "remove"}, {"silent", true}}});
    CHECK(result_of(removed).at("modified").as_array().empty());
    CHECK(result_of(removed).at("flags").as_object().empty());  // silent
    CHECK(error_type(call(json::array{"store_unchanged_since", 2, json::array{"$X"}, current,
                                      json::object{{"change", "toggle"}}})) == "invalid_argument");

    CHECK(call(json::parse(R"(["unselect_folder"])")).at("ok") == true);  // Dovecot says BYE when the selected folder goes
    CHECK(call(json::array{"delete_folder", folder}).at("ok") == true);
    CHECK(call(json::parse(R"(["logout"])")).at("ok") == true);
    c.close_stdin();
    CHECK(c.wait_exit(30s) == 0);
}

TEST_CASE("imap-shell interactive mode off a terminal: plain lines, no line editor and no history file",
          "[live][shell][dovecot]") {
    auto env = test::dovecot();
    const auto dir = std::filesystem::temp_directory_path() / test::unique_name("shell-history");
    const auto history = dir / "history";
    auto args = plain_args(env);
    args.resize(args.size() - 2);  // no --script
    args.insert(args.begin(), shell_path());
    child c(args, {"IMAP_SHELL_HISTORY=" + history.string(), "XDG_STATE_HOME=" + dir.string()});
    c.send("noop\nselect_folder INBOX readonly=true\nquit\n");
    c.close_stdin();
    CHECK(c.wait_exit(30s) == 0);
    INFO(c.out_buf);
    CHECK(c.out_buf.find("\"readonly\": true") != std::string::npos);
    CHECK(c.out_buf.find("imap> ") == std::string::npos);  // no prompt off a terminal, as before
    CHECK_FALSE(std::filesystem::exists(dir));              // the history is a terminal's only
}
