// samples/backup (imap-backup) against Dovecot and Cyrus: the files it
// writes are the server's bytes, flags and dates; re-runs fetch only what
// is new; a new UIDVALIDITY starts the folder over with the old copies kept;
// no folder name leaves the destination.
#include "harness.hpp"
#include "maildir.hpp"
#include "progress.hpp"

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
