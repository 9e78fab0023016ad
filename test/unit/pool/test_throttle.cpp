// Which answers to a connection attempt mean "slow down" (pool back-off).
#include "pool/throttle.hpp"

#include <catch2/catch.hpp>

using imapclient::detail::throttling;
using namespace std::chrono_literals;

namespace {

imapclient::status_response reply(std::string text, std::string code = {}) {
    imapclient::status_response s;
    s.text = std::move(text);
    if (!code.empty()) {
        s.code.emplace();
        s.code->name = std::move(code);
    }
    return s;
}

}  // namespace

TEST_CASE("throttling: the answers servers give to too many connections", "[pool]") {
    CHECK(throttling(reply("Too many simultaneous connections")) == 0ms);
    CHECK(throttling(reply("Maximum number of connections from user+IP exceeded (mail_max_userip_connections=10)")) ==
          0ms);
    CHECK(throttling(reply("Account is temporarily unavailable", "THROTTLED")) == 0ms);
    CHECK(throttling(reply("try later", "UNAVAILABLE")) == 0ms);
    CHECK(throttling(reply("too many logins", "LIMIT")) == 0ms);
    CHECK(throttling(reply("User is authenticated but not connected. Suggested Backoff Time: 1234 milliseconds")) ==
          1234ms);
    // A suggestion is bounded (a hostile server cannot park the pool for days).
    CHECK(throttling(reply("Suggested Backoff Time: 99999999999 milliseconds")) == 600'000ms);
}

TEST_CASE("throttling: other failures are not throttling", "[pool]") {
    CHECK(throttling(reply("Authentication failed.", "AUTHENTICATIONFAILED")) == std::nullopt);
    CHECK(throttling(reply("connection refused")) == std::nullopt);
    CHECK(throttling(reply("")) == std::nullopt);
}
