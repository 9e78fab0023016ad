#include "pool/throttle.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <string>
#include <string_view>

namespace imapclient::detail {

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

}  // namespace

std::optional<std::chrono::milliseconds> throttling(const status_response& reply) {
    const std::string text = lower(reply.text);
    std::optional<std::chrono::milliseconds> found;
    if (reply.code) {
        const std::string code = lower(reply.code->name);
        if (code == "throttled" || code == "unavailable" || code == "limit") found = std::chrono::milliseconds(0);
    }
    for (std::string_view phrase : {"too many", "maximum number of connections", "throttl", "backoff time"})
        if (text.find(phrase) != std::string::npos) found = std::chrono::milliseconds(0);
    // "Suggested Backoff Time: 1234 milliseconds"
    if (auto at = text.find("backoff time:"); at != std::string::npos) {
        std::string_view rest = std::string_view(text).substr(at + 13);
        while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
        unsigned long ms = 0;
        auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), ms);
        if (ec == std::errc() && end != rest.data()) found = std::chrono::milliseconds(std::min(ms, 600'000ul));
    }
    return found;
}

}  // namespace imapclient::detail
