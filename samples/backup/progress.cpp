#include "progress.hpp"

#include <cmath>

namespace backup {

namespace {

std::string mb(std::uint64_t bytes) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", static_cast<double>(bytes) / 1e6);
    return buf;
}

}  // namespace

std::string clock_text(double seconds) {
    const auto s = static_cast<long long>(std::llround(std::max(0.0, seconds)));
    char buf[32];
    if (s >= 3600) std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
    else std::snprintf(buf, sizeof buf, "%lld:%02lld", s / 60, s % 60);
    return buf;
}

std::string progress_line(const progress& p, double elapsed) {
    std::string line = p.folder + ": " + std::to_string(p.folder_done) + "/" + std::to_string(p.folder_total) +
                       " msgs, " + mb(p.folder_bytes_done) + "/" + mb(p.folder_bytes_total) + " MB | all: " +
                       std::to_string(p.folders_done) + "/" + std::to_string(p.folders_total) + " folders, " +
                       std::to_string(p.done) + "/" + std::to_string(p.total) + " msgs, " + mb(p.bytes_done) + "/" +
                       mb(p.bytes_total) + " MB";
    if (elapsed > 0 && p.bytes_done > 0) {
        const double rate = static_cast<double>(p.bytes_done) / elapsed;
        char buf[32];
        std::snprintf(buf, sizeof buf, ", %.1f MB/s", rate / 1e6);
        line += buf;
        if (p.bytes_total > p.bytes_done) line += ", ETA " + clock_text(static_cast<double>(p.bytes_total - p.bytes_done) / rate);
    }
    return line;
}

progress_printer::progress_printer(std::FILE* out, bool terminal) : out_(out), terminal_(terminal) {}

double progress_printer::elapsed() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void progress_printer::clear_line() {
    if (!line_shown_) return;
    std::fputs("\r\033[K", out_);
    line_shown_ = false;
}

void progress_printer::update(const progress& p) {
    last_ = p;
    const auto now = std::chrono::steady_clock::now();
    // A terminal is redrawn a few times a second; a log gets a line every
    // 10 seconds, so that a long run shows it is alive without flooding.
    const auto every = terminal_ ? std::chrono::milliseconds(200) : std::chrono::milliseconds(10000);
    if (now - last_print_ < every) return;
    last_print_ = now;
    const std::string line = progress_line(p, elapsed());
    if (terminal_) {
        std::fprintf(out_, "\r\033[K%s", line.c_str());
        line_shown_ = true;
    } else {
        std::fprintf(out_, "progress: %s\n", line.c_str());
    }
    std::fflush(out_);
}

void progress_printer::folder_done(const folder_report& r) {
    clear_line();
    if (!r.error.empty()) {
        ++failed_;
        std::fprintf(out_, "%s: NOT SAVED: %s\n", r.folder.c_str(), r.error.c_str());
    } else {
        saved_ += r.saved;
        bytes_ += r.bytes;
        std::fprintf(out_, "%s: %zu new (%llu bytes), %zu saved before%s\n", r.folder.c_str(), r.saved,
                     static_cast<unsigned long long>(r.bytes), r.already,
                     r.restarted ? "; UIDVALIDITY changed, old copies moved aside" : "");
    }
    std::fflush(out_);
    // The next folder's line comes at once.
    last_print_ = {};
}

void progress_printer::summary() {
    clear_line();
    const double s = elapsed();
    std::fprintf(out_, "total: %zu new messages, %llu bytes in %s (%.1f MB/s)%s\n", saved_,
                 static_cast<unsigned long long>(bytes_), clock_text(s).c_str(),
                 s > 0 ? static_cast<double>(bytes_) / s / 1e6 : 0.0,
                 failed_ ? (", " + std::to_string(failed_) + " folder(s) not saved").c_str() : "");
    std::fflush(out_);
}

}  // namespace backup
