// A Dovecot of its own that the test freezes and then kills: every pending
// call must fail promptly with an abort error, nothing may hang.
#include "harness.hpp"

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

// The pids of a process tree, read from /proc.
std::vector<int> process_tree(int root) {
    std::vector<int> tree{root};
    for (std::size_t i = 0; i < tree.size(); ++i) {
        for (auto& entry : std::filesystem::directory_iterator("/proc")) {
            const std::string name = entry.path().filename();
            if (name.find_first_not_of("0123456789") != std::string::npos) continue;
            std::ifstream stat(entry.path() / "stat");
            std::string line;
            std::getline(stat, line);
            auto close = line.rfind(')');
            if (close == std::string::npos) continue;
            std::istringstream rest(line.substr(close + 2));
            char state;
            int ppid;
            rest >> state >> ppid;
            if (ppid == tree[i]) tree.push_back(std::stoi(name));
        }
    }
    return tree;
}

struct private_dovecot {
    std::string dir = "/tmp/imapclient-death-" + std::to_string(::getpid());
    std::string script = std::string(SOURCE_ROOT) + "/test/servers/dovecot.sh";
    test::server_env env;
    private_dovecot() {
        REQUIRE(std::system(("bash " + script + " start " + dir + " >/dev/null").c_str()) == 0);
        std::ifstream in(dir + "/env");
        std::string line;
        while (std::getline(in, line)) {
            auto eq = line.find('=');
            auto key = line.substr(0, eq), value = line.substr(eq + 1);
            if (key == "IMAP_HOST") env.host = value;
            if (key == "IMAP_PORT") env.port = static_cast<std::uint16_t>(std::stoi(value));
        }
        REQUIRE(env.port != 0);
    }
    ~private_dovecot() {
        std::system(("bash " + script + " stop " + dir + " >/dev/null 2>&1").c_str());
        std::filesystem::remove_all(dir);
    }
    int master_pid() {
        std::ifstream in(dir + "/run/master.pid");
        int pid = 0;
        in >> pid;
        return pid;
    }
    void signal_all(int sig) {
        for (int pid : process_tree(master_pid())) ::kill(pid, sig);
    }
};

}  // namespace

TEST_CASE("a killed server fails every pending call promptly", "[live][dovecot][connection_loss]") {
    private_dovecot server;
    test::run([&]() -> asio::awaitable<void> {
        auto ex = co_await asio::this_coro::executor;
        auto o = test::plain_options(server.env);
        o.timeout = 60s;  // the failure must come from the dead socket, not a timeout
        imapclient::client c(ex, o);
        co_await c.connect();
        co_await c.login("alice", "alicepass");
        co_await c.select_folder("INBOX");

        server.signal_all(SIGSTOP);  // the server stops answering...
        constexpr int n = 20;
        int failed = 0, succeeded = 0;
        std::vector<imapclient::error_code> codes;
        std::vector<std::string> items{"FLAGS"};
        for (int i = 0; i < n; ++i) {
            auto on_done = [&](std::exception_ptr, std::tuple<imapclient::error_code, imapclient::command_result> r) {
                if (std::get<0>(r)) {
                    ++failed;
                    codes.push_back(std::get<0>(r));
                } else {
                    ++succeeded;
                }
            };
            asio::co_spawn(ex, c.noop(asio::as_tuple(asio::use_awaitable)), on_done);
        }
        co_await test::sleep_for(300ms);
        CHECK(failed + succeeded == 0);  // all pending

        const auto killed = std::chrono::steady_clock::now();
        server.signal_all(SIGKILL);  // ...and dies
        while (failed + succeeded < n && std::chrono::steady_clock::now() - killed < 10s)
            co_await test::sleep_for(5ms);
        const auto took = std::chrono::steady_clock::now() - killed;
        CHECK(failed == n);
        CHECK(took < 2s);
        for (auto& ec : codes) CHECK(imapclient::is_abort(ec));
        // And the connection says so from now on.
        auto [ec, r] = co_await c.noop(asio::as_tuple(asio::use_awaitable));
        CHECK(ec == imapclient::make_error_code(imapclient::errc::not_connected));
    });
}
