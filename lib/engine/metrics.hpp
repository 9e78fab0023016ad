// Layer 2: counts what happens to each command for client::metrics().
//
// The engine reports (it sees a command written, answered, aborted or
// refused); the clock is passed in, so the engine stays free of timers and
// tests script time. A mutex guards the counters: client::metrics() may be
// called from any thread while the connection's strand records.
#pragma once

#include <imapclient/metrics.hpp>
#include <imapclient/response.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace imapclient::engine {

class metrics_recorder {
public:
    using clock = std::chrono::steady_clock;
    /// `now` is the clock latencies are measured with (tests give a fake).
    explicit metrics_recorder(std::function<clock::time_point()> now = &clock::now);

    clock::time_point now() const { return now_(); }

    /// The metrics name of a command line ("A1 uid fetch 1:* ..." with
    /// skip_tag, or an operation's name "UID FETCH" without).
    static std::string name_of(std::string_view line, bool skip_tag);

    /// A command's first bytes were handed to the writer.
    void sent();
    void answered(const std::string& name, status_kind status, clock::duration latency);
    void aborted(const std::string& name);
    void refused(const std::string& name);
    void bytes_written(std::size_t n);
    void bytes_read(std::size_t n);

    command_metrics snapshot() const;

private:
    /// The entry of `name`, or "other" once max_names names are taken.
    command_stats& entry(const std::string& name);

    std::function<clock::time_point()> now_;
    mutable std::mutex mutex_;
    std::map<std::string, command_stats, std::less<>> by_name_;
    command_stats other_;
    command_metrics totals_;  // its commands stay empty: by_name_ holds them
};

}  // namespace imapclient::engine
