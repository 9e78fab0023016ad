// A Dovecot of a test's own, which it may freeze, kill and start again
// (the shared one of scripts/test.sh must stay up for the other tests).
#pragma once

#include "harness.hpp"

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <signal.h>
#include <unistd.h>

namespace test {

// The pids of a process tree, read from /proc.
inline std::vector<int> process_tree(int root) {
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
    std::string dir = test::unique_name("/tmp/imapclient-private");
    std::string script = std::string(SOURCE_ROOT) + "/test/servers/dovecot.sh";
    test::server_env env;
    /// `capabilities`: what it offers after login instead of its own
    /// (DOVECOT_IMAP_CAPABILITY), e.g. a list without MOVE.
    explicit private_dovecot(const std::string& capabilities = {}) {
        const std::string offer = capabilities.empty() ? "" : "DOVECOT_IMAP_CAPABILITY='" + capabilities + "' ";
        REQUIRE(std::system((offer + "bash " + script + " start " + dir + " >/dev/null").c_str()) == 0);
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
    /// Starts it again after a kill, on the same ports and mail.
    void restart() {
        // A killed master lingers until it is reaped; its pid file would
        // make the new one refuse to start ("already running").
        const int old = master_pid();
        for (int i = 0; i < 300 && old > 0 && ::kill(old, 0) == 0; ++i) ::usleep(10'000);
        std::filesystem::remove(dir + "/run/master.pid");
        REQUIRE(std::system(("dovecot -c " + dir + "/dovecot.conf").c_str()) == 0);
    }
};


}  // namespace test
