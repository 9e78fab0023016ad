// A forked child for the checks whose failure would kill the process (a
// null dereference, SIGPIPE).
#pragma once

#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <functional>

namespace test {

// Runs `body` in a forked child and returns its wait status: a defect that
// kills the process must fail one test, not the whole test program.
inline int in_child(const std::function<int()>& body) {
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid == 0) {
        // Die of the signal itself: Catch's fatal-condition handler would
        // report (and count) a failure from inside the child.
        for (int sig : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGPIPE}) ::signal(sig, SIG_DFL);
        int rc = 3;
        try {
            rc = body();
        } catch (...) {
            rc = 4;
        }
        ::_exit(rc);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return status;
}

}  // namespace test
