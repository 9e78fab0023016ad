// A Dovecot of a test's own, which it may freeze, kill and start again
// (the shared one of scripts/test.sh must stay up for the other tests).
#pragma once

#include "harness.hpp"
#include "oauth_server.hpp"  // read_env_file, shell_quote

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <map>
#include <sstream>
#include <string>
#include <utility>
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
    /// Settings for test/servers/dovecot.sh, as environment assignments:
    /// DOVECOT_IMAP_CAPABILITY, DOVECOT_AUTH_MECHANISMS,
    /// DOVECOT_OAUTH2_INTROSPECTION_URL, DOVECOT_CLIENT_CERTS=1 (see the
    /// script's header).
    using settings = std::vector<std::pair<std::string, std::string>>;

    std::string dir = test::unique_name("/tmp/imapclient-private");
    std::string script = std::string(SOURCE_ROOT) + "/test/servers/dovecot.sh";
    test::server_env env;
    /// Everything in DIR/env: IMAP_HOST, IMAP_PORT, IMAPS_PORT, IMAP_CA,
    /// IMAP_DIR and, with DOVECOT_CLIENT_CERTS=1, IMAP_CLIENT_CA,
    /// IMAP_CLIENT_CERT, IMAP_CLIENT_KEY, IMAP_BAD_CLIENT_CERT,
    /// IMAP_BAD_CLIENT_KEY.
    std::map<std::string, std::string> vars;

    /// `capabilities`: what it offers after login instead of its own
    /// (DOVECOT_IMAP_CAPABILITY), e.g. a list without MOVE.
    explicit private_dovecot(const std::string& capabilities = {})
        : private_dovecot(capabilities.empty() ? settings{} : settings{{"DOVECOT_IMAP_CAPABILITY", capabilities}}) {}
    /// E.g. private_dovecot({{"DOVECOT_CLIENT_CERTS", "1"}}) (this overload
    /// keeps such a braced list from being ambiguous).
    explicit private_dovecot(std::initializer_list<std::pair<std::string, std::string>> extra)
        : private_dovecot(settings(extra)) {}
    explicit private_dovecot(const settings& extra) {
        std::string assignments;
        for (const auto& [key, value] : extra) {
            REQUIRE(!key.empty());
            REQUIRE(key.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == std::string::npos);
            assignments += key + "=" + shell_quote(value) + " ";
        }
        REQUIRE(std::system((assignments + "bash " + script + " start " + dir + " >/dev/null").c_str()) == 0);
        vars = read_env_file(dir + "/env");
        env.host = vars["IMAP_HOST"];
        if (vars.count("IMAP_PORT")) env.port = static_cast<std::uint16_t>(std::stoi(vars["IMAP_PORT"]));
        if (vars.count("IMAPS_PORT")) env.tls_port = static_cast<std::uint16_t>(std::stoi(vars["IMAPS_PORT"]));
        env.ca = vars["IMAP_CA"];
        env.dir = vars["IMAP_DIR"];
        REQUIRE(env.port != 0);
    }
    private_dovecot(const private_dovecot&) = delete;
    private_dovecot& operator=(const private_dovecot&) = delete;
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
