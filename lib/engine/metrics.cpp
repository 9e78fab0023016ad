#include "engine/metrics.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>

namespace imapclient {

std::chrono::nanoseconds command_stats::quantile(double q) const noexcept {
    const std::uint64_t n = samples();
    if (n == 0) return std::chrono::nanoseconds(0);
    // The rank of the q-quantile among the samples, 1-based, at least 1.
    auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(n)));
    rank = std::clamp<std::uint64_t>(rank, 1, n);
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < latency_bucket_bounds.size(); ++i) {
        seen += buckets[i];
        if (seen >= rank) return std::min<std::chrono::nanoseconds>(latency_bucket_bounds[i], max_latency);
    }
    return max_latency;
}

const command_stats* command_metrics::find(std::string_view name) const noexcept {
    auto it = std::find_if(commands.begin(), commands.end(), [name](const command_stats& s) { return s.name == name; });
    return it == commands.end() ? nullptr : &*it;
}

command_metrics& command_metrics::operator+=(const command_metrics& more) {
    commands_sent += more.commands_sent;
    bytes_written += more.bytes_written;
    bytes_read += more.bytes_read;
    std::map<std::string, command_stats, std::less<>> named;
    command_stats other;
    other.name = other_name;
    auto add = [&](const command_stats& s) {
        command_stats* into = &other;
        if (s.name != other_name) {
            if (auto it = named.find(s.name); it != named.end()) into = &it->second;
            else if (named.size() < max_names) into = &named.emplace(s.name, command_stats{.name = s.name}).first->second;
        }
        into->ok += s.ok;
        into->no += s.no;
        into->bad += s.bad;
        into->aborted += s.aborted;
        into->refused += s.refused;
        into->total_latency += s.total_latency;
        into->max_latency = std::max(into->max_latency, s.max_latency);
        for (std::size_t i = 0; i < s.buckets.size(); ++i) into->buckets[i] += s.buckets[i];
    };
    for (const auto& s : commands) add(s);
    for (const auto& s : more.commands) add(s);
    commands.clear();
    for (auto& [name, s] : named) commands.push_back(std::move(s));
    if (other.sent() + other.refused > 0) commands.push_back(std::move(other));
    return *this;
}

}  // namespace imapclient

namespace imapclient::engine {

namespace {

// Longer words are cut: a raw_command() line is the caller's, not a name.
constexpr std::size_t max_word = 32;

std::string_view next_word(std::string_view& line) {
    const auto begin = line.find_first_not_of(' ');
    if (begin == std::string_view::npos) return line = {};
    line.remove_prefix(begin);
    const auto end = std::min(line.find_first_of(" \r\n"), line.size());
    std::string_view word = line.substr(0, end);
    line.remove_prefix(end);
    return word;
}

std::string upper(std::string_view word) {
    std::string out(word.substr(0, max_word));
    for (char& ch : out) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    return out;
}

}  // namespace

metrics_recorder::metrics_recorder(std::function<clock::time_point()> now) : now_(std::move(now)) {
    other_.name = command_metrics::other_name;
}

std::string metrics_recorder::name_of(std::string_view line, bool skip_tag) {
    if (skip_tag) next_word(line);
    std::string name = upper(next_word(line));
    if (name == "UID") {
        std::string second = upper(next_word(line));
        if (!second.empty()) name += " " + second;
    }
    return name;
}

command_stats& metrics_recorder::entry(const std::string& name) {
    if (auto it = by_name_.find(name); it != by_name_.end()) return it->second;
    if (by_name_.size() >= command_metrics::max_names || name == command_metrics::other_name) return other_;
    command_stats& s = by_name_[name];
    s.name = name;
    return s;
}

void metrics_recorder::sent() {
    std::lock_guard lock(mutex_);
    ++totals_.commands_sent;
}

void metrics_recorder::answered(const std::string& name, status_kind status, clock::duration latency) {
    std::lock_guard lock(mutex_);
    command_stats& s = entry(name);
    if (status == status_kind::no) ++s.no;
    else if (status == status_kind::bad) ++s.bad;
    else ++s.ok;
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(latency);
    s.total_latency += ns;
    s.max_latency = std::max(s.max_latency, ns);
    auto bucket = std::find_if(latency_bucket_bounds.begin(), latency_bucket_bounds.end(),
                               [ns](std::chrono::milliseconds bound) { return ns <= bound; });
    ++s.buckets[static_cast<std::size_t>(bucket - latency_bucket_bounds.begin())];
}

void metrics_recorder::aborted(const std::string& name) {
    std::lock_guard lock(mutex_);
    ++entry(name).aborted;
}

void metrics_recorder::refused(const std::string& name) {
    std::lock_guard lock(mutex_);
    ++entry(name).refused;
}

void metrics_recorder::bytes_written(std::size_t n) {
    std::lock_guard lock(mutex_);
    totals_.bytes_written += n;
}

void metrics_recorder::bytes_read(std::size_t n) {
    std::lock_guard lock(mutex_);
    totals_.bytes_read += n;
}

command_metrics metrics_recorder::snapshot() const {
    std::lock_guard lock(mutex_);
    command_metrics m = totals_;
    m.commands.reserve(by_name_.size() + 1);
    for (const auto& [name, s] : by_name_) m.commands.push_back(s);
    if (other_.sent() + other_.refused > 0) m.commands.push_back(other_);
    return m;
}

}  // namespace imapclient::engine
