#include "backup_cli.hpp"

#include "signin.hpp"

#include <charconv>
#include <cstdlib>

namespace backup {

namespace ic = imapclient;
using shell::usage_error;

namespace {

std::uint16_t parse_port(const std::string& v) {
    unsigned n = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (v.empty() || ec != std::errc{} || p != v.data() + v.size() || n > 65535)
        throw usage_error("PORT must be a number from 1 to 65535 (0: the default), not '" + v + "'");
    return static_cast<std::uint16_t>(n);
}

std::uint64_t parse_count(const std::string& v, const std::string& option, std::uint64_t min) {
    std::uint64_t n = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (v.empty() || ec != std::errc{} || p != v.data() + v.size() || n < min)
        throw usage_error(option + " must be a whole number" + (min ? " above 0" : "") + ", not '" + v + "'");
    return n;
}

// Whole or fractional seconds, more than zero, at most a day.
double parse_seconds(const std::string& v, const std::string& option) {
    char* end = nullptr;
    const double s = std::strtod(v.c_str(), &end);
    if (v.empty() || *end != '\0' || !(s > 0) || s > 86400)
        throw usage_error(option + " SECONDS must be more than 0 and at most 86400, not '" + v + "'");
    return s;
}

}  // namespace

std::string usage_synopsis() {
    return R"(usage: IMAP_PASSWORD=... imap-backup HOST PORT USER DEST [--tls|--starttls|--plain] [--ca-file F]
       [--folder NAME]... [--batch N] [--batch-bytes N] [--stream-above N]
       [--timeout SECONDS] [--deadline SECONDS] [--config FILE]
       [--auth-mechanism NAME] [--proxy URL] [--client-cert FILE [--client-key FILE]]
       [--oauth2-... (see --help)] [--oauth2-device-login]
   or: imap-backup --config FILE [options] DEST
)";
}

std::string usage_text() {
    return usage_synopsis() + R"(
Copies the account's mail into Maildirs under DEST, incrementally.

  HOST PORT USER         the server (PORT 0: 993 with --tls, 143 otherwise) and user
  DEST                   the backup's directory
      --tls              implicit TLS (the default)
      --starttls         plain connection upgraded with STARTTLS; never falls back
      --plain            no TLS at all: your explicit consent to a clear-text login
      --ca-file FILE     trust the CAs in this PEM file instead of the system store
      --folder NAME      back up this folder (repeatable; default: every folder)
      --batch N          messages per FETCH (100)
      --batch-bytes N    at most this many bytes per FETCH of bodies (16 MB)
      --stream-above N   stream messages above N bytes to disk (1 MB)
      --timeout SECONDS  how long the server may stay silent (120)
      --deadline SECONDS how long one command may take in all (default: no limit)
      --config FILE      imap-shell's INI file ([DEFAULT] or [main]: host, port, ssl,
                         starttls, ssl_ca_file, ssl_verify_cert, timeout, deadline,
                         username, password, oauth2_access_token, and the sign-in
                         keys below); the command line wins, then IMAP_PASSWORD
  -h, --help             this text

The password comes from IMAP_PASSWORD (not needed with OAuth2 or a client
certificate).

)" + shell::signin_usage_text("imap-backup");
}

command_line parse_command_line(const std::vector<std::string>& args) {
    command_line c;
    std::vector<std::string> positional;
    shell::option_reader r(args);
    while (r.next()) {
        const std::string& opt = r.name();
        if (opt.rfind("--", 0) != 0 && opt != "-h") {
            positional.push_back(r.word());
            continue;
        }
        const auto value = [&] { return r.value(); };
        const auto flag = [&](auto set) {
            r.no_value();
            set();
        };
        if (opt == "--tls") flag([&] { shell::set_security(c.connection, ic::security::tls); });
        else if (opt == "--starttls") flag([&] { shell::set_security(c.connection, ic::security::starttls); });
        // --plain: the consent to a clear-text login
        else if (opt == "--plain") flag([&] { shell::set_security(c.connection, ic::security::plain); });
        else if (opt == "--ca-file") c.connection.ca_file = value();
        else if (opt == "--folder") c.backup.folders.push_back(value());
        else if (opt == "--batch") c.backup.batch = parse_count(value(), opt, 1);
        else if (opt == "--batch-bytes") c.backup.batch_bytes = parse_count(value(), opt, 1);
        else if (opt == "--stream-above") c.backup.stream_above = parse_count(value(), opt, 0);
        else if (opt == "--timeout") c.connection.read_timeout = parse_seconds(value(), opt);
        else if (opt == "--deadline") c.connection.deadline = parse_seconds(value(), opt);
        else if (opt == "--config") c.config_file = value();
        else if (opt == "-h" || opt == "--help") flag([&] { c.help = true; });
        else if (shell::is_signin_flag(opt)) flag([&] { shell::take_signin_option(c.connection.signin, opt, value); });
        else if (!shell::take_signin_option(c.connection.signin, opt, value))
            throw usage_error("unknown option '" + r.word() + "'");
    }
    if (c.help) return c;
    if (positional.size() == 4) {
        c.connection.host = positional[0];
        if (const auto port = parse_port(positional[1])) c.connection.port = port;
        c.connection.username = positional[2];
        c.backup.root = positional[3];
    } else if (positional.size() == 1 && c.config_file) {
        c.backup.root = positional[0];
    } else {
        throw usage_error(c.config_file ? "expected DEST (or HOST PORT USER DEST)" : "expected HOST PORT USER DEST");
    }
    if (c.backup.root.empty()) throw usage_error("DEST must not be empty");
    return c;
}

setup resolve(const command_line& cli, const shell::settings& file, const char* imap_password) {
    shell::settings env;
    if (imap_password) env.password = imap_password;
    const shell::settings m = shell::merge(cli.connection, shell::merge(env, file));
    if (!m.host || m.host->empty())
        throw usage_error("no host: give HOST PORT USER DEST, or host = ... in the --config file");
    if ((!m.username || m.username->empty()) && !m.signin.client_cert)
        throw usage_error("no user: give HOST PORT USER DEST, or username = ... in the --config file");
    setup s;
    s.connection = shell::resolve(m, "imap-backup");
    s.connection.script.reset();
    if (shell::needs_password(s.connection))
        throw usage_error("set IMAP_PASSWORD (or password = ... in the --config file; not needed with OAuth2 or "
                          "a client certificate)");
    s.backup = cli.backup;
    return s;
}

}  // namespace backup
