// samples/backup (imap-backup) against Dovecot and Cyrus: the files it
// writes are the server's bytes, flags and dates; re-runs fetch only what
// is new; a new UIDVALIDITY starts the folder over with the old copies kept;
// no folder name leaves the destination. Its command line, --config file
// and sign-in options without a server.
#include "backup_cli.hpp"
#include "harness.hpp"
#include "oauth_server.hpp"
#include "private_dovecot.hpp"
#include "proxy_server.hpp"
#include "maildir.hpp"
#include "progress.hpp"
#include "signin.hpp"
#include "tls_server.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

using imapclient::client;
namespace asio = boost::asio;
namespace fs = std::filesystem;

namespace {

struct run_result {
    int status = -1;
    std::string output;
};

// Runs imap-backup against `env` as alice, with the given folders.
run_result run_backup(const test::server_env& env, const fs::path& dest, const std::vector<std::string>& folders,
                      const std::string& extra = {}) {
    std::string cmd = "IMAP_PASSWORD=alicepass timeout 60 " + std::string(BUILD_ROOT) + "/samples/backup/imap-backup " +
                      env.host + " " + std::to_string(env.port) + " alice '" + dest.string() + "' --plain --batch 2 " + extra;
    for (const auto& f : folders) cmd += " --folder '" + f + "'";
    cmd += " 2>&1";
    run_result r;
    FILE* p = ::popen(cmd.c_str(), "r");
    REQUIRE(p);
    char buf[4096];
    while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) r.output.append(buf, n);
    const int status = ::pclose(p);
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

std::map<std::string, std::string> files_in(const fs::path& dir) {
    std::map<std::string, std::string> out;
    if (!fs::exists(dir)) return out;
    for (const auto& e : fs::directory_iterator(dir)) {
        std::ifstream in(e.path(), std::ios::binary);
        std::ostringstream s;
        s << in.rdbuf();
        out[e.path().filename().string()] = s.str();
    }
    return out;
}

void remove_folder(const test::server_env& env, const std::string& folder) {
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, test::plain_options(env));
        co_await c.connect();
        co_await c.login("alice", "alicepass");
        co_await c.delete_folder(folder);
        co_await c.logout();
    });
}

}  // namespace

TEST_CASE("imap-backup: Maildir copies, incremental re-runs, a new UIDVALIDITY", "[live][backup][sample]") {
    auto kind = GENERATE(test::server_kind::dovecot, test::server_kind::cyrus);
    auto env = test::real_server(kind);
    INFO(test::name_of(kind));
    const std::string folder = test::unique_name("backup");
    const std::string child = folder + "/cur";  // a child named like a Maildir directory
    const fs::path dest = fs::temp_directory_path() / test::unique_name("imap-backup-dest");
    std::vector<std::string> sent;
    std::uint32_t first_validity = 0;
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, test::plain_options(env));
        co_await c.connect();
        co_await c.login("alice", "alicepass");
        co_await c.create_folder(folder);
        co_await c.create_folder(child);
        for (int i = 0; i < 5; ++i) sent.push_back(test::make_message("backup-" + std::to_string(i), "body " + std::to_string(i)));
        const std::vector<std::string> seen{"\\Seen"};
        const std::vector<std::string> seen_flagged{"\\Seen", "\\Flagged", "$Keyword"};
        const std::vector<std::string> none;
        imapclient::datetime when;
        when.utc = std::chrono::sys_days{std::chrono::year{2001} / 2 / 3} + std::chrono::hours{4};
        co_await c.append(folder, sent[0], seen, when);
        co_await c.append(folder, sent[1], seen_flagged, when);
        co_await c.append(folder, sent[2], none, when);
        co_await c.append(folder, sent[3], none, when);
        co_await c.append(folder, sent[4], none, when);
        co_await c.append(child, test::make_message("child", "c"));
        auto st = co_await c.select_folder(folder, true);
        first_validity = st.uid_validity.value_or(0);
        co_await c.logout();
    });

    // First run: everything, in batches of 2.
    auto first = run_backup(env, dest, {folder, child, "no-such-folder"});
    INFO(first.output);
    CHECK(first.status == 3);  // the missing folder is reported, the others saved
    CHECK(first.output.find("no-such-folder: NOT SAVED") != std::string::npos);
    const fs::path box = backup::folder_path(dest, folder, '/');
    auto files = files_in(box / "cur");
    REQUIRE(files.size() == 5);
    std::multiset<std::string> contents;
    for (const auto& [name, bytes] : files) contents.insert(bytes);
    CHECK(contents == std::multiset<std::string>(sent.begin(), sent.end()));
    // Names: UID.UIDVALIDITY.imap-backup:2,FLAGS; flags as Maildir letters.
    const std::string v = std::to_string(first_validity);
    CHECK(files.count("1." + v + ".imap-backup:2,S") == 1);
    CHECK(files.count("2." + v + ".imap-backup:2,FS") == 1);
    CHECK(files.count("3." + v + ".imap-backup:2,") == 1);
    CHECK(files.at("2." + v + ".imap-backup:2,FS") == sent[1]);
    // mtime = INTERNALDATE
    const auto mtime = fs::last_write_time(box / "cur" / ("1." + v + ".imap-backup:2,S"));
    CHECK(std::chrono::file_clock::to_sys(mtime) ==
          std::chrono::sys_days{std::chrono::year{2001} / 2 / 3} + std::chrono::hours{4});
    // The child named "cur" is a directory of its own, not the parent's cur/.
    const fs::path child_box = backup::folder_path(dest, child, '/');
    CHECK(child_box == box / "%63ur");
    CHECK(files_in(child_box / "cur").size() == 1);

    // Second run: nothing new.
    auto second = run_backup(env, dest, {folder});
    INFO(second.output);
    CHECK(second.status == 0);
    CHECK(second.output.find(folder + ": 0 new (0 bytes), 5 saved before") != std::string::npos);

    // One more message: only it is fetched.
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, test::plain_options(env));
        co_await c.connect();
        co_await c.login("alice", "alicepass");
        co_await c.append(folder, test::make_message("backup-late", "late"));
        co_await c.logout();
    });
    auto third = run_backup(env, dest, {folder});
    INFO(third.output);
    CHECK(third.status == 0);
    CHECK(third.output.find(folder + ": 1 new") != std::string::npos);
    CHECK(files_in(box / "cur").size() == 6);

    // The folder deleted and created again: a new UIDVALIDITY. The old
    // copies move aside, the new folder's one message is saved.
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, test::plain_options(env));
        co_await c.connect();
        co_await c.login("alice", "alicepass");
        co_await c.delete_folder(child);
        co_await c.delete_folder(folder);
        co_await c.create_folder(folder);
        co_await c.append(folder, test::make_message("backup-reborn", "new"));
        auto st = co_await c.select_folder(folder, true);
        CHECK(st.uid_validity.value_or(0) != first_validity);
        co_await c.unselect_folder();  // Dovecot disconnects a session whose selected folder is deleted
        co_await c.delete_folder(folder);
        co_await c.create_folder(folder);  // empty again, so the test leaves nothing behind but this
        co_await c.append(folder, test::make_message("backup-reborn", "new"));
        co_await c.logout();
    });
    auto fourth = run_backup(env, dest, {folder});
    INFO(fourth.output);
    CHECK(fourth.status == 0);
    CHECK(fourth.output.find("UIDVALIDITY changed") != std::string::npos);
    CHECK(files_in(box / "cur").size() == 1);
    CHECK(files_in(box / (".uidvalidity-" + v) / "cur").size() == 6);

    remove_folder(env, folder);
    fs::remove_all(dest);
}

TEST_CASE("imap-backup: no folder name leaves the destination or lands in another folder", "[backup]") {
    const fs::path root = "/backup-root";
    CHECK(backup::folder_path(root, "INBOX", '/') == root / "INBOX");
    CHECK(backup::folder_path(root, "a/b/c", '/') == root / "a" / "b" / "c");
    CHECK(backup::folder_path(root, "a.b", '.') == root / "a" / "b");
    CHECK(backup::folder_path(root, "a/b", '.') == root / "a%2Fb");  // '/' is not this server's delimiter
    CHECK(backup::folder_path(root, "a/b", std::nullopt) == root / "a%2Fb");
    CHECK(backup::folder_path(root, "../etc", '/') == root / "%2E." / "etc");
    CHECK(backup::folder_path(root, "..", '/') == root / "%2E.");
    CHECK(backup::folder_path(root, "a/../../b", '/') == root / "a" / "%2E." / "%2E." / "b");
    CHECK(backup::folder_path(root, "/abs", '/') == root / "%" / "abs");
    CHECK(backup::folder_path(root, "a//b", '/') == root / "a" / "%" / "b");
    CHECK(backup::folder_path(root, ".hidden", '/') == root / "%2Ehidden");
    CHECK(backup::folder_path(root, "x/new", '/') == root / "x" / "%6Eew");
    CHECK(backup::folder_path(root, "x/tmp/y", '/') == root / "x" / "%74mp" / "y");
    CHECK(backup::folder_path(root, "x/curious", '/') == root / "x" / "curious");
    CHECK(backup::folder_path(root, "100%", '/') == root / "100%25");
    CHECK(backup::folder_path(root, std::string("nul\0byte", 8), '/') == root / "nul%00byte");
    CHECK(backup::maildir_flags({"\\Seen", "\\Answered", "\\Draft", "\\Flagged", "\\Deleted", "$Junk"}) == "DFRST");
    CHECK(backup::maildir_flags({"\\seen"}) == "S");
    CHECK(backup::maildir_flags({}).empty());
}

TEST_CASE("imap-backup: big messages streamed through tmp/, small ones batched by bytes; progress and summary",
          "[live][backup][sample]") {
    auto env = test::dovecot();
    const std::string folder = test::unique_name("backup-stream");
    const fs::path dest = fs::temp_directory_path() / test::unique_name("imap-backup-stream");
    std::vector<std::string> sent;
    test::run([&]() -> asio::awaitable<void> {
        client c(co_await asio::this_coro::executor, test::plain_options(env));
        co_await c.connect();
        co_await c.login("alice", "alicepass");
        co_await c.create_folder(folder);
        sent.push_back(test::make_message("small-1", "a"));
        sent.push_back(test::make_message("big", std::string(300000, 'x')));
        sent.push_back(test::make_message("small-2", "b"));
        sent.push_back(test::make_message("medium", std::string(900, 'y')));
        sent.push_back(test::make_message("small-3", "c"));
        for (const auto& m : sent) co_await c.append(folder, m);
        co_await c.logout();
    });
    // 1000 bytes: "big" is streamed; the batch budget splits the small ones.
    // A bad --deadline is refused before anything is sent.
    auto refused = run_backup(env, dest, {folder}, "--deadline 0");
    CHECK(refused.status == 2);
    CHECK(refused.output.find("--deadline SECONDS") != std::string::npos);
    auto r = run_backup(env, dest, {folder}, "--stream-above 1000 --batch-bytes 1200 --timeout 20 --deadline 30.5");
    INFO(r.output);
    CHECK(r.status == 0);
    CHECK(r.output.find(folder + ": 5 new") != std::string::npos);
    CHECK(r.output.find("total: 5 new messages") != std::string::npos);
    const fs::path box = backup::folder_path(dest, folder, '/');
    auto files = files_in(box / "cur");
    std::multiset<std::string> contents;
    for (const auto& [name, bytes] : files) contents.insert(bytes);
    CHECK(contents == std::multiset<std::string>(sent.begin(), sent.end()));
    CHECK(files_in(box / "tmp").empty());
    remove_folder(env, folder);
    fs::remove_all(dest);
}

TEST_CASE("imap-backup: OAuth2 tokens from the endpoint and the connection through an HTTP proxy",
          "[live][backup][oauth2][proxy]") {
    test::oauth_server tokens;
    test::proxy_server proxy;
    test::private_dovecot dovecot({{"DOVECOT_OAUTH2_INTROSPECTION_URL", tokens.introspect_url}});
    REQUIRE(std::system(("bash " + dovecot.script + " seed " + dovecot.dir + " alice 3 >/dev/null").c_str()) == 0);
    const fs::path dest = fs::temp_directory_path() / test::unique_name("imap-backup-oauth2");
    const std::string cache = (fs::temp_directory_path() / test::unique_name("imap-backup-token")).string();
    const std::string sign_in = "--oauth2-token-endpoint " + tokens.token_url +
                                " --oauth2-client-id imapclient-test --oauth2-client-secret test-secret"
                                " --oauth2-scope mail --oauth2-refresh-token alice-refresh --oauth2-ca-file " +
                                tokens.ca + " --oauth2-token-cache " + cache + " --proxy http://proxyuser:proxypass@127.0.0.1:" +
                                std::to_string(proxy.http_auth_port);
    auto r = run_backup(dovecot.env, dest, {"INBOX"}, sign_in);
    INFO(r.output);
    CHECK(r.status == 0);
    CHECK(r.output.find("INBOX: 3 new") != std::string::npos);
    CHECK(files_in(backup::folder_path(dest, "INBOX", '/') / "cur").size() == 3);
    CHECK(tokens.stat("refresh_grants") == 1);
    CHECK(proxy.stat("http_tunnels") == 2);  // IMAP, and the token endpoint
    // A revoked grant: the run fails with the endpoint's reason.
    tokens.admin("revoke", R"({"refresh_token":"alice-refresh"})");
    auto revoked = run_backup(dovecot.env, dest, {"INBOX"}, sign_in);
    CHECK(revoked.status != 0);
    CHECK(revoked.output.find("invalid_grant") != std::string::npos);
    fs::remove_all(dest);
    fs::remove(cache);
}

TEST_CASE("imap-backup: the progress line says what is done, the rate and the time left", "[backup]") {
    backup::progress p;
    p.folder = "INBOX";
    p.folder_done = 120;
    p.folder_total = 2000;
    p.folder_bytes_done = 12'300'000;
    p.folder_bytes_total = 200'000'000;
    p.folders_done = 1;
    p.folders_total = 4;
    p.done = 150;
    p.total = 5000;
    p.bytes_done = 45'000'000;
    p.bytes_total = 945'000'000;
    CHECK(backup::progress_line(p, 10.0) ==
          "INBOX: 120/2000 msgs, 12.3/200.0 MB | all: 1/4 folders, 150/5000 msgs, 45.0/945.0 MB, 4.5 MB/s, ETA 3:20");
    // Nothing yet: no rate, no guess.
    p.bytes_done = 0;
    CHECK(backup::progress_line(p, 10.0).find("MB/s") == std::string::npos);
    CHECK(backup::clock_text(3723) == "1:02:03");
    CHECK(backup::clock_text(59.6) == "1:00");
}

TEST_CASE("imap-backup: the command line, --config and the sign-in options", "[backup]") {
    using std::chrono::milliseconds;
    const shell::settings no_file;
    // HOST PORT USER DEST, options anywhere; --timeout is the server's silence only.
    auto cli = backup::parse_command_line({"imap.example.com", "143", "alice", "/backup", "--starttls", "--folder",
                                           "INBOX", "--batch", "7", "--timeout", "20", "--deadline=30.5",
                                           "--auth-mechanism", "scram-sha-1", "--proxy", "socks5h://p.example:1080"});
    CHECK(cli.backup.root == "/backup");
    CHECK(cli.backup.folders == std::vector<std::string>{"INBOX"});
    CHECK(cli.backup.batch == 7);
    auto s = backup::resolve(cli, no_file, "alicepass");
    CHECK(s.connection.options.host == "imap.example.com");
    CHECK(s.connection.options.port == 143);
    CHECK(s.connection.options.security == imapclient::security::starttls);
    CHECK_FALSE(s.connection.options.allow_plaintext_login);
    CHECK(s.connection.options.timeout == milliseconds(20000));
    CHECK(s.connection.options.connect_timeout == imapclient::client_options{}.connect_timeout);
    CHECK(s.connection.options.deadline == milliseconds(30500));
    CHECK(s.connection.options.proxy.type == imapclient::proxy_settings::kind::socks5);
    CHECK(s.connection.username == "alice");
    CHECK(s.connection.password == "alicepass");
    CHECK(s.connection.signin.mechanism == "SCRAM-SHA-1");
    asio::io_context io;
    CHECK(shell::install_credentials(io.get_executor(), s.connection) == nullptr);
    CHECK(s.connection.options.credentials);
    CHECK(backup::resolve(backup::parse_command_line({"h", "0", "u", "d", "--plain"}), no_file, "pw")
              .connection.options.allow_plaintext_login);

    // No IMAP_PASSWORD: a usage error, unless OAuth2 or a client certificate signs in.
    CHECK_THROWS_AS(backup::resolve(backup::parse_command_line({"h", "993", "u", "d"}), no_file, nullptr),
                    shell::usage_error);
    test::temp_dir dir;
    const std::string flow = "oauth2_token_endpoint = https://t.example/token\noauth2_client_id = c\n"
                             "oauth2_refresh_token = r\noauth2_token_cache =\n";
    auto oauth_cli = backup::parse_command_line({"h", "993", "u", "d", "--config", dir.write("flow.ini", flow)});
    auto oauth = backup::resolve(oauth_cli, shell::read_ini_file(*oauth_cli.config_file), nullptr);
    REQUIRE(oauth.connection.signin.oauth2);
    CHECK(oauth.connection.signin.oauth2->username == "u");
    CHECK(oauth.connection.signin.oauth2->refresh_token == "r");
    auto oauth_client = shell::install_credentials(io.get_executor(), oauth.connection);
    CHECK(oauth_client != nullptr);
    CHECK(oauth.connection.options.credentials);
    // The flow without a refresh token and without --oauth2-device-login.
    const std::string no_token =
        "oauth2_token_endpoint = https://t.example/token\noauth2_client_id = c\noauth2_device_endpoint = "
        "https://t.example/device\noauth2_token_cache = " + dir.path() + "/none.json\n";
    auto no_token_cli = backup::parse_command_line({"h", "993", "u", "d", "--config", dir.write("nt.ini", no_token)});
    auto pending = backup::resolve(no_token_cli, shell::read_ini_file(*no_token_cli.config_file), nullptr);
    CHECK_THROWS_AS(shell::install_credentials(io.get_executor(), pending.connection), shell::usage_error);
    auto device_cli = backup::parse_command_line(
        {"h", "993", "u", "d", "--config", dir.path() + "/nt.ini", "--oauth2-device-login"});
    auto device = backup::resolve(device_cli, shell::read_ini_file(*device_cli.config_file), nullptr);
    CHECK(device.connection.signin.device_login);
    CHECK(shell::install_credentials(io.get_executor(), device.connection) != nullptr);
    // The default token cache is imap-backup's.
    auto cached = backup::resolve(
        backup::parse_command_line({"imap.example.com", "993", "u", "d", "--oauth2-token-endpoint",
                                    "https://t.example/token", "--oauth2-client-id", "c"}),
        no_file, nullptr);
    CHECK(cached.connection.signin.oauth2->token_cache ==
          shell::default_token_cache("imap-backup", "u", "imap.example.com", std::getenv("XDG_CACHE_HOME"),
                                     std::getenv("HOME"))
              .value_or(""));

    // A client certificate: EXTERNAL, no user or password needed.
    const auto ca = test::make_certificate({.common_name = "CA", .is_ca = true}, nullptr);
    const auto me = test::make_certificate({.common_name = "alice"}, &ca);
    const std::string pem = dir.write("me.pem", me.cert_pem + me.key_pem);
    const std::string cert_ini = dir.write("cert.ini", "[main]\nhost = imap.example.com\nport = 993\nclient_cert = " +
                                                           pem + "\n");
    auto cert_cli = backup::parse_command_line({"--config", cert_ini, "/backup"});
    CHECK(cert_cli.backup.root == "/backup");
    auto cert = backup::resolve(cert_cli, shell::read_ini_file(cert_ini), nullptr);
    CHECK(cert.connection.options.host == "imap.example.com");
    CHECK(cert.connection.options.ssl_context != nullptr);
    CHECK(shell::install_credentials(io.get_executor(), cert.connection) == nullptr);
    CHECK(cert.connection.options.credentials);

    // --config: the command line over IMAP_PASSWORD over the file.
    const std::string account = dir.write("account.ini", "host = file-host\nport = 1993\nusername = file-user\n"
                                                         "password = file-pass\nssl = false\nstarttls = true\n");
    auto from_file = backup::resolve(backup::parse_command_line({"--config", account, "d"}),
                                     shell::read_ini_file(account), nullptr);
    CHECK(from_file.connection.options.host == "file-host");
    CHECK(from_file.connection.options.port == 1993);
    CHECK(from_file.connection.options.security == imapclient::security::starttls);
    CHECK(from_file.connection.username == "file-user");
    CHECK(from_file.connection.password == "file-pass");
    auto overridden = backup::resolve(backup::parse_command_line({"cli-host", "143", "cli-user", "d", "--config",
                                                                  account, "--tls"}),
                                      shell::read_ini_file(account), "env-pass");
    CHECK(overridden.connection.options.host == "cli-host");
    CHECK(overridden.connection.options.port == 143);
    CHECK(overridden.connection.options.security == imapclient::security::tls);
    CHECK(overridden.connection.username == "cli-user");
    CHECK(overridden.connection.password == "env-pass");

    // Refusals.
    for (const auto& bad : std::vector<std::vector<std::string>>{
             {"h", "993", "u"},                       // no DEST
             {"d"},                                   // DEST alone needs --config
             {"h", "port", "u", "d"},
             {"h", "99999", "u", "d"},
             {"h", "993", "u", "d", "--batch", "0"},
             {"h", "993", "u", "d", "--batch-bytes", "x"},
             {"h", "993", "u", "d", "--deadline", "0"},
             {"h", "993", "u", "d", "--tls", "--plain"},
             {"h", "993", "u", "d", "--frobnicate"},
             {"h", "993", "u", "d", "--proxy", "ftp://p.example"},
             {"h", "993", "u", "d", "--auth-mechanism", "NOT A NAME"},
             {"h", "993", "u", "d", "--oauth2-device-login=1"},
         }) {
        INFO(bad.back());
        CHECK_THROWS_AS(backup::parse_command_line(bad), shell::usage_error);
    }
    try {
        (void)backup::parse_command_line({"h", "993", "u", "d", "--proxy", "gopher://p.example"});
        FAIL("accepted");
    } catch (const shell::usage_error& e) {
        CHECK(std::string(e.what()).find("--proxy: ") == 0);
        CHECK(std::string(e.what()).find("proxy URL") != std::string::npos);
    }
    // Sign-in settings that do not make a flow; no user without a certificate.
    CHECK_THROWS_AS(backup::resolve(backup::parse_command_line({"h", "993", "u", "d", "--oauth2-client-id", "c"}),
                                    no_file, nullptr),
                    shell::usage_error);
    const std::string hostonly = dir.write("hostonly.ini", "host = h\n");
    CHECK_THROWS_AS(backup::resolve(backup::parse_command_line({"--config", hostonly, "d"}),
                                    shell::read_ini_file(hostonly), "pw"),
                    shell::usage_error);
    CHECK(backup::parse_command_line({"--help"}).help);

    const auto usage = backup::usage_text();
    for (const char* option : {"--config FILE", "--auth-mechanism", "--proxy", "--client-cert", "--client-key",
                               "--oauth2-token-endpoint", "--oauth2-client-id", "--oauth2-device-login",
                               "--oauth2-token-cache", "/imap-backup/USER@HOST.json", "--deadline SECONDS"}) {
        INFO(option);
        CHECK(usage.find(option) != std::string::npos);
    }
    CHECK(backup::usage_synopsis().find("--deadline SECONDS") != std::string::npos);
}
