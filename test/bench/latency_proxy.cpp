// latency_proxy LISTEN_PORT TARGET_HOST TARGET_PORT RTT_MS
//
// Forwards 127.0.0.1:LISTEN_PORT to TARGET_HOST:TARGET_PORT, delaying each
// direction by RTT_MS/2 (see latency_proxy.hpp). LISTEN_PORT 0 picks a free
// port. Prints "listening PORT" on stdout once it accepts connections, so a
// script can wait for that line; runs until SIGINT or SIGTERM.
#include "latency_proxy.hpp"

#include <boost/asio/signal_set.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

int main(int argc, char** argv) {
    if (argc != 5) {
        std::fprintf(stderr, "usage: %s LISTEN_PORT TARGET_HOST TARGET_PORT RTT_MS\n", argv[0]);
        return 2;
    }
    try {
        auto listen_port = static_cast<std::uint16_t>(std::stoul(argv[1]));
        auto target_port = static_cast<std::uint16_t>(std::stoul(argv[3]));
        // Fractional milliseconds are accepted ("0.5"): the delay is kept in
        // microseconds.
        auto rtt = std::chrono::microseconds(static_cast<long long>(std::stod(argv[4]) * 1000.0));
        if (rtt.count() < 0) throw std::invalid_argument("RTT_MS must not be negative");
        bench::latency_proxy proxy(listen_port, argv[2], target_port, rtt);
        boost::asio::signal_set signals(proxy.context(), SIGINT, SIGTERM);
        signals.async_wait([&](const boost::system::error_code&, int) { proxy.context().stop(); });
        std::printf("listening %u\n", static_cast<unsigned>(proxy.port()));
        std::fflush(stdout);
        proxy.run();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "latency_proxy: %s\n", e.what());
        return 1;
    }
    return 0;
}
