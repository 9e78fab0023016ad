// Credential providers and the choice of a mechanism for them
// (credentials.hpp).
#include <imapclient/credentials.hpp>
#include <imapclient/response.hpp>

#include <algorithm>

namespace imapclient {

namespace {

bool offers(const std::vector<std::string>& capabilities, std::string_view cap) {
    return std::any_of(capabilities.begin(), capabilities.end(),
                       [&](const std::string& c) { return iequals(c, cap); });
}

}  // namespace

credential_provider fixed_credentials(credentials c) {
    return [c = std::move(c)](credential_request) -> boost::asio::awaitable<credentials> { co_return c; };
}

std::optional<std::string> choose_mechanism(const std::vector<std::string>& capabilities, const credentials& c) {
    if (!c.mechanism.empty()) return c.mechanism;
    auto first_offered = [&](std::initializer_list<const char*> names) -> std::optional<std::string> {
        for (const char* name : names)
            if (offers(capabilities, std::string("AUTH=") + name)) return std::string(name);
        return std::nullopt;
    };
    if (!c.access_token.empty()) return first_offered({"OAUTHBEARER", "XOAUTH2"});
    if (c.password.empty()) return first_offered({"EXTERNAL"});
    // Strongest first: SCRAM never sends the password and checks the server;
    // PLAIN and LOGIN send it (inside TLS). Without any AUTH= that fits, the
    // LOGIN command, which every IMAP server has unless it says LOGINDISABLED.
    if (auto m = first_offered({"SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN", "LOGIN"})) return m;
    if (offers(capabilities, "LOGINDISABLED")) return std::nullopt;
    return std::string("LOGIN-COMMAND");
}

}  // namespace imapclient
