// imap-backup's progress: on a terminal one status line rewritten in place
// (per folder and overall: messages and bytes done, rate, ETA); otherwise
// plain log lines, one per folder and one every 10 seconds; a summary at
// the end either way.
#pragma once

#include "backup.hpp"

#include <chrono>
#include <cstdio>
#include <string>

namespace backup {

/// "INBOX: 120/2000 msgs, 12.3/200.0 MB | all: 1/4 folders, 120/5000 msgs,
/// 12.3/900.0 MB, 4.5 MB/s, ETA 3:17" (rate and ETA once something came).
std::string progress_line(const progress& p, double elapsed_seconds);

/// "1:02:03", "3:17".
std::string clock_text(double seconds);

class progress_printer {
public:
    progress_printer(std::FILE* out, bool terminal);
    void update(const progress& p);
    void folder_done(const folder_report& r);
    /// The last line: what was saved, how fast, how many folders failed.
    void summary();
    int failed_folders() const noexcept { return failed_; }

private:
    double elapsed() const;
    void clear_line();

    std::FILE* out_;
    bool terminal_;
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
    std::chrono::steady_clock::time_point last_print_{};
    progress last_;
    bool line_shown_ = false;
    int failed_ = 0;
    std::size_t saved_ = 0;
    std::uint64_t bytes_ = 0;
};

}  // namespace backup
