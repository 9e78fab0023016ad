#include "config.hpp"

#include <boost/asio/ssl/context.hpp>

#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string_view>

namespace shell {

namespace ic = imapclient;

namespace {

std::string trim(std::string_view s) {
    std::size_t b = 0, e = s.size();
    while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
    return std::string(s.substr(b, e - b));
}

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::uint16_t parse_port(const std::string& v, const std::string& where) {
    unsigned n = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc{} || p != v.data() + v.size() || n == 0 || n > 65535)
        throw usage_error(where + ": port must be a number from 1 to 65535, not '" + v + "'");
    return static_cast<std::uint16_t>(n);
}

double parse_seconds(const std::string& v, const std::string& where) {
    char* end = nullptr;
    const double d = std::strtod(v.c_str(), &end);
    if (v.empty() || *end != '\0' || !(d > 0) || d > 86400)
        throw usage_error(where + ": timeout must be a number of seconds (0 < t <= 86400), not '" + v + "'");
    return d;
}

int parse_int(const std::string& v, const std::string& where) {
    int n = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc{} || p != v.data() + v.size() || n < 0 || n > 5)
        throw usage_error(where + ": debug level must be 0 to 5, not '" + v + "'");
    return n;
}

// configparser's getboolean() words.
bool parse_bool(const std::string& v, const std::string& where) {
    const auto l = lower(v);
    if (l == "1" || l == "yes" || l == "true" || l == "on") return true;
    if (l == "0" || l == "no" || l == "false" || l == "off") return false;
    throw usage_error(where + ": expected a boolean (true/false, yes/no, on/off, 1/0), not '" + v + "'");
}

// Within one source, --connect-timeout / --read-timeout (or their INI
// keys) win over --timeout, which sets whichever of them is not given.
void settle_timeouts(settings& s) {
    if (!s.timeout) return;
    if (!s.connect_timeout) s.connect_timeout = s.timeout;
    if (!s.read_timeout) s.read_timeout = s.timeout;
}

std::chrono::milliseconds to_ms(double seconds) {
    return std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
}

}  // namespace

std::string usage_text() {
    return R"(usage: imap-shell -H HOST [-P PORT] [-u USER] [-p PASSWORD]
                  [--tls | --starttls | --plain] [--ca-file FILE] [--insecure]
                  [--timeout SECONDS] [--connect-timeout SECONDS] [--read-timeout SECONDS]
                  [--deadline SECONDS] [-f CONFIG.ini] [--debug N] [--script FILE|-]
                  [--auth-mechanism NAME] [--proxy URL] [--client-cert FILE [--client-key FILE]]
                  [--oauth2-... (see below)] [--oauth2-device-login]

  -H, --host HOST        server to connect to
  -P, --port PORT        port (default 993 with --tls, 143 otherwise)
  -u, --username USER    log in as USER (prompted for interactively if absent,
                         unless a client certificate is given; in script mode,
                         no login: the script may call login)
  -p, --password PASS    password (prompted for without echo if absent and
                         needed: not with OAuth2 or a client certificate)
      --tls              implicit TLS (the default)
      --starttls         plain connection upgraded with STARTTLS; never falls back
      --plain            no TLS at all: your explicit consent to a clear-text login
      --ca-file FILE     trust the CAs in this PEM file instead of the system store
      --insecure         do not verify the server's certificate (testing only)
      --timeout SECONDS  both timeouts below (Python IMAPClient's timeout)
      --connect-timeout SECONDS
                         how long connecting (TCP and TLS) may take (default 30);
                         wins over --timeout
      --read-timeout SECONDS
                         how long the server may stay silent while a command
                         waits for it (default 120); wins over --timeout
      --deadline SECONDS how long one call may take in all, however steadily
                         the server sends (default: no limit; listen,
                         idle_check and lease_folder are not bounded by it)
  -f, --file FILE        Python IMAPClient's INI config ([DEFAULT] or [main]: host, port,
                         ssl, starttls, ssl_check_hostname, ssl_verify_cert,
                         ssl_ca_file, timeout, connect_timeout, read_timeout, deadline,
                         username, password, oauth2, oauth2_access_token (a static
                         OAuth2 access token), and the sign-in keys below); the
                         command line wins (its --timeout over the file's
                         connect_timeout and read_timeout too)
      --debug N          library debug log to stderr (0-5; 3 shows commands)
      --script FILE      scripted mode: one JSON array per line
                         ["method", arg, ..., {"keyword": value}] -> one JSON line
                         per call; "-" reads standard input
  -h, --help             this text; type "help" in the shell for the methods

)" + signin_usage_text("imap-shell") + R"(
The shell signs in (the best mechanism the server offers, or
--auth-mechanism) when it has a username or a client certificate; in script
mode without either it only connects.

On a terminal, lines are edited (libedit) with a history, kept in
$IMAP_SHELL_HISTORY, else $XDG_STATE_HOME/imap-shell/history, else
~/.local/state/imap-shell/history (lines about logins, passwords, tokens and
credentials are left out), and Tab completes methods and folder names.
)";
}

bool option_reader::next() {
    if (started_) ++i_;
    started_ = true;
    if (i_ >= args_.size()) return false;
    const std::string& a = args_[i_];
    name_ = a;
    inline_value_.clear();
    has_inline_ = false;
    if (a.rfind("--", 0) == 0) {
        if (auto eq = a.find('='); eq != std::string::npos) {
            name_ = a.substr(0, eq);
            inline_value_ = a.substr(eq + 1);
            has_inline_ = true;
        }
    }
    return true;
}

std::string option_reader::value() {
    if (has_inline_) return inline_value_;
    if (i_ + 1 >= args_.size()) throw usage_error("option " + name_ + " needs a value");
    return args_[++i_];
}

void option_reader::no_value() const {
    if (has_inline_) throw usage_error("option " + name_ + " takes no value");
}

void set_security(settings& s, ic::security kind) {
    if (s.security && *s.security != kind) throw usage_error("--tls, --starttls and --plain are mutually exclusive");
    s.security = kind;
}

settings parse_command_line(const std::vector<std::string>& args) {
    settings s;
    option_reader r(args);
    while (r.next()) {
        const std::string& opt = r.name();
        const auto value = [&] { return r.value(); };
        const auto flag = [&](auto set) {
            r.no_value();
            set();
        };
        if (opt == "-H" || opt == "--host") s.host = value();
        else if (opt == "-P" || opt == "--port") s.port = parse_port(value(), "--port");
        else if (opt == "-u" || opt == "--username") s.username = value();
        else if (opt == "-p" || opt == "--password") s.password = value();
        else if (opt == "--tls" || opt == "--ssl") flag([&] { set_security(s, ic::security::tls); });
        else if (opt == "--starttls") flag([&] { set_security(s, ic::security::starttls); });
        else if (opt == "--plain") flag([&] { set_security(s, ic::security::plain); });
        else if (opt == "--ca-file") s.ca_file = value();
        else if (opt == "--insecure") flag([&] { s.verify_cert = false, s.check_hostname = false; });
        else if (opt == "--timeout") s.timeout = parse_seconds(value(), "--timeout");
        else if (opt == "--connect-timeout") s.connect_timeout = parse_seconds(value(), "--connect-timeout");
        else if (opt == "--read-timeout") s.read_timeout = parse_seconds(value(), "--read-timeout");
        else if (opt == "--deadline") s.deadline = parse_seconds(value(), "--deadline");
        else if (opt == "-f" || opt == "--file") s.config_file = value();
        else if (opt == "--debug") s.debug = parse_int(value(), "--debug");
        else if (opt == "--script") s.script = value();
        else if (opt == "-h" || opt == "--help") flag([&] { s.help = true; });
        else if (is_signin_flag(opt)) flag([&] { take_signin_option(s.signin, opt, value); });
        else if (!take_signin_option(s.signin, opt, value)) throw usage_error("unknown option '" + r.word() + "'");
    }
    settle_timeouts(s);
    return s;
}

settings parse_ini(const std::string& text, const std::string& source) {
    settings s;
    std::istringstream in(text);
    std::string line;
    std::string section;  // "" before any header
    int number = 0;
    bool ssl_given = false, ssl = true, starttls = false;
    while (std::getline(in, line)) {
        ++number;
        const std::string where = source + ":" + std::to_string(number);
        const std::string t = trim(line);
        if (t.empty() || t[0] == '#' || t[0] == ';') continue;
        if (t.front() == '[') {
            if (t.back() != ']') throw usage_error(where + ": malformed section header");
            section = trim(std::string_view(t).substr(1, t.size() - 2));
            continue;
        }
        const auto sep = t.find_first_of("=:");
        if (sep == std::string::npos) throw usage_error(where + ": expected 'key = value'");
        const std::string key = lower(trim(std::string_view(t).substr(0, sep)));
        const std::string value = trim(std::string_view(t).substr(sep + 1));
        if (!(section.empty() || section == "DEFAULT" || lower(section) == "main")) continue;
        if (key == "host") s.host = value;
        else if (key == "port") s.port = parse_port(value, where);
        else if (key == "ssl") ssl_given = true, ssl = parse_bool(value, where);
        else if (key == "starttls") starttls = parse_bool(value, where);
        else if (key == "ssl_check_hostname") s.check_hostname = parse_bool(value, where);
        else if (key == "ssl_verify_cert") s.verify_cert = parse_bool(value, where);
        else if (key == "ssl_ca_file") s.ca_file = value;
        else if (key == "timeout") s.timeout = parse_seconds(value, where);
        else if (key == "connect_timeout") s.connect_timeout = parse_seconds(value, where);
        else if (key == "read_timeout") s.read_timeout = parse_seconds(value, where);
        else if (key == "deadline") s.deadline = parse_seconds(value, where);
        else if (key == "username") s.username = value;
        else if (key == "password") s.password = value;
        else if (key == "oauth2") s.oauth2 = parse_bool(value, where);
        else if (key == "oauth2_access_token") s.oauth2_access_token = value;
        else if (take_signin_key(s.signin, key, value, where)) continue;
        else if (key == "stream" || key == "expect_failure") {
            // Python IMAPClient's live-test keys: nothing to do for an interactive shell.
            if (key == "stream" && parse_bool(value, where))
                throw usage_error(where + ": stream mode is not supported by the shell");
        } else {
            throw usage_error(where + ": unknown key '" + key + "'");
        }
    }
    // Python IMAPClient's two booleans: ssl wins; ssl = false with starttls upgrades;
    // ssl = false alone is a deliberate clear-text setup (as in Python IMAPClient).
    if (starttls && (!ssl_given || !ssl)) s.security = ic::security::starttls;
    else if (ssl_given) s.security = ssl ? ic::security::tls : ic::security::plain;
    if (starttls && ssl_given && ssl)
        throw usage_error(source + ": ssl = true and starttls = true contradict each other");
    settle_timeouts(s);
    return s;
}

settings read_ini_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw usage_error("cannot read config file '" + path + "'");
    std::ostringstream text;
    text << in.rdbuf();
    return parse_ini(text.str(), path);
}

settings from_environment() {
    settings s;
    if (const char* u = std::getenv("imapclient_username"); u && *u) s.username = u;
    if (const char* p = std::getenv("imapclient_password"); p && *p) s.password = p;
    return s;
}

settings merge(const settings& over, const settings& under) {
    settings m = under;
    const auto take = [](auto& dst, const auto& src) {
        if (src) dst = src;
    };
    take(m.host, over.host);
    take(m.port, over.port);
    take(m.security, over.security);
    take(m.ca_file, over.ca_file);
    take(m.verify_cert, over.verify_cert);
    take(m.check_hostname, over.check_hostname);
    take(m.timeout, over.timeout);
    take(m.connect_timeout, over.connect_timeout);
    take(m.read_timeout, over.read_timeout);
    take(m.deadline, over.deadline);
    take(m.username, over.username);
    take(m.password, over.password);
    take(m.oauth2, over.oauth2);
    take(m.oauth2_access_token, over.oauth2_access_token);
    take(m.debug, over.debug);
    take(m.config_file, over.config_file);
    take(m.script, over.script);
    m.signin = merge(over.signin, under.signin);
    m.help = over.help || under.help;
    return m;
}

shell_config resolve(const settings& s, std::string_view tool) {
    shell_config c;
    if (!s.host || s.host->empty()) throw usage_error("no host: give -H HOST or host = ... in the config file");
    auto& o = c.options;
    o.host = *s.host;
    o.security = s.security.value_or(ic::security::tls);
    o.port = s.port.value_or(0);
    // --plain (or ssl = false) is the user's explicit consent to clear text.
    o.allow_plaintext_login = o.security == ic::security::plain;
    // The specific settings, else `timeout` (settings built without
    // parse_command_line() / parse_ini() may carry only that), else the
    // library's defaults.
    if (auto t = s.connect_timeout ? s.connect_timeout : s.timeout) o.connect_timeout = to_ms(*t);
    if (auto t = s.read_timeout ? s.read_timeout : s.timeout) o.timeout = to_ms(*t);
    if (s.deadline) o.deadline = to_ms(*s.deadline);
    o.debug = s.debug.value_or(0);

    const bool verify = s.verify_cert.value_or(true);
    const bool check_name = s.check_hostname.value_or(true);
    if (verify && !check_name)
        throw usage_error(
            "ssl_check_hostname = false needs ssl_verify_cert = false too: the library always checks the name "
            "of a certificate it verifies");
    if (!verify) {
        namespace ssl = boost::asio::ssl;
        auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
        ctx->set_verify_mode(ssl::verify_none);
        o.ssl_context = std::move(ctx);
    } else if (s.ca_file) {
        try {
            o.ssl_context = ic::create_default_context(*s.ca_file);
        } catch (const std::exception& e) {
            throw usage_error("cannot load CA file '" + *s.ca_file + "': " + e.what());
        }
    }

    c.username = s.username;
    c.password = s.password;
    // The proxy, the client certificate (on the context chosen above) and
    // the OAuth2 flow, which wins over a static access token and a password.
    c.signin = resolve_signin(s.signin, tool, o, s.username);
    if (!c.signin.oauth2 && (s.oauth2.value_or(false) || s.oauth2_access_token)) {
        if (!s.oauth2_access_token)
            throw usage_error(
                "oauth2 = true needs oauth2_access_token (a static token), or oauth2_token_endpoint and "
                "oauth2_client_id for tokens fetched and refreshed (then once --oauth2-device-login, or "
                "oauth2_refresh_token)");
        if (!s.username) throw usage_error("oauth2 needs a username");
        c.oauth2_access_token = s.oauth2_access_token;
    }
    c.script = s.script;
    return c;
}

}  // namespace shell
