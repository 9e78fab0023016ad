// Small helpers shared by the benchmark programs: the machine description,
// medians, and waiting for a group of coroutines.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace bench {

inline std::string cpu_model() {
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("model name", 0) == 0) {
            auto colon = line.find(':');
            if (colon != std::string::npos) return line.substr(line.find_first_not_of(" \t", colon + 1));
        }
    }
    return "unknown";
}

inline std::string load_average() {
    std::ifstream in("/proc/loadavg");
    std::string a, b, c;
    in >> a >> b >> c;
    return a + " " + b + " " + c;
}

/// One line naming the machine; the figures mean little without it, and
/// the load average tells whether other work shared the cores.
inline void print_machine() {
    std::printf("machine: nproc=%u, cpu=\"%s\", loadavg=%s\n", std::thread::hardware_concurrency(),
                cpu_model().c_str(), load_average().c_str());
}

inline double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    auto n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/// Counts outstanding coroutines; wait() returns when the count is zero.
/// Everything runs on one single-threaded executor, so no atomics.
class latch {
public:
    explicit latch(boost::asio::any_io_executor ex) : timer_(ex) {}
    void add(std::size_t n = 1) { count_ += n; }
    void done() {
        if (--count_ == 0) timer_.cancel();
    }
    boost::asio::awaitable<void> wait() {
        while (count_ > 0) {
            timer_.expires_at(boost::asio::steady_timer::time_point::max());
            co_await timer_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
        }
    }

private:
    boost::asio::steady_timer timer_;
    std::size_t count_ = 0;
};

}  // namespace bench
