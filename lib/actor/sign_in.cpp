// sign_in(): credentials from a provider (a coroutine: it may fetch a token
// over HTTPS), the mechanism they call for, and one more round with fresh
// credentials when the server refused an access token, which is how an
// expired token shows (Gmail: NO [AUTHENTICATIONFAILED] after a JSON
// error challenge; Microsoft 365: a bare NO).
#include "actor/run.hpp"

#include <boost/asio/this_coro.hpp>

#include <exception>
#include <stdexcept>

namespace imapclient {

namespace asio = boost::asio;
using detail::refuse;

namespace {

struct provided {
    error_code ec;
    std::string text;
    credentials value;
};

// The provider's credentials, or its failure as an error code: an
// exception must not escape into the client's strand.
asio::awaitable<provided> ask(const credential_provider& provider, credential_request request) {
    provided out;
    try {
        out.value = co_await provider(std::move(request));
    } catch (const error& e) {
        out.ec = e.code();
        out.text = e.what();
    } catch (const boost::system::system_error& e) {
        out.ec = e.code();
        out.text = e.what();
    } catch (const std::exception& e) {
        out.ec = make_error_code(errc::credentials_unavailable);
        out.text = e.what();
    } catch (...) {
        out.ec = make_error_code(errc::credentials_unavailable);
        out.text = "an exception that is not a std::exception";
    }
    co_return out;
}

// The LOGIN command or AUTHENTICATE with the named mechanism, built from
// the credentials; throws std::invalid_argument when they lack what it needs.
std::unique_ptr<operations::operation<command_result>> login_operation(const std::string& name,
                                                                       const credentials& c,
                                                                       const client_options& opts,
                                                                       std::shared_ptr<std::string>& server_error) {
    auto needs = [&](const std::string& field, const char* what) {
        if (field.empty()) throw std::invalid_argument(name + " needs " + what + " in the credentials");
    };
    auto authenticate = [&](sasl_mechanism m) {
        server_error = m.server_error;
        return operations::make_algorithm(ops::authenticate{std::move(m)});
    };
    if (iequals(name, "LOGIN-COMMAND")) {
        needs(c.password, "a password");
        return operations::make_algorithm(ops::login{c.username, c.password});
    }
    if (iequals(name, "EXTERNAL")) return authenticate(sasl::external(c.authorization_identity));
    if (iequals(name, "XOAUTH2") || iequals(name, "OAUTHBEARER")) {
        needs(c.access_token, "an access token");
        if (iequals(name, "XOAUTH2")) return authenticate(sasl::xoauth2(c.username, c.access_token));
        return authenticate(sasl::oauthbearer(c.username, c.access_token, opts.host, opts.port));
    }
    needs(c.password, "a password");
    if (iequals(name, "SCRAM-SHA-256"))
        return authenticate(sasl::scram_sha_256(c.username, c.password, c.authorization_identity));
    if (iequals(name, "SCRAM-SHA-1"))
        return authenticate(sasl::scram_sha_1(c.username, c.password, c.authorization_identity));
    if (iequals(name, "PLAIN")) return authenticate(sasl::plain(c.username, c.password, c.authorization_identity));
    if (iequals(name, "LOGIN")) return authenticate(sasl::login(c.username, c.password));
    throw std::invalid_argument("unknown mechanism " + name +
                                " (SCRAM-SHA-256, SCRAM-SHA-1, PLAIN, LOGIN, XOAUTH2, OAUTHBEARER, EXTERNAL, "
                                "LOGIN-COMMAND)");
}

std::string offered_mechanisms(const std::vector<std::string>& capabilities) {
    std::string out;
    for (auto& c : capabilities)
        if (c.size() > 5 && iequals(std::string_view(c).substr(0, 5), "AUTH=")) out += (out.empty() ? "" : " ") + c;
    return out.empty() ? "none" : out;
}

}  // namespace

namespace detail {

asio::awaitable<op_result<sign_in_result>> perform(impl_ptr self, ops::sign_in op) {
    const client_options& opts = self->opts_;
    const credential_provider& provider = op.provider ? op.provider : opts.credentials;
    if (!provider)
        co_return refuse<sign_in_result>(errc::invalid_argument,
                                         "no credentials: pass a provider to sign_in() or set "
                                         "client_options::credentials");
    // A cancellation (or client_options::deadline) while the provider runs
    // ends in a result below, not in an exception from a later co_await.
    co_await asio::this_coro::throw_if_cancelled(false);
    op_result<sign_in_result> out;
    credential_request request;
    request.host = opts.host;
    for (;;) {
        auto asked = co_await ask(provider, request);
        ++out.second.attempts;
        if ((co_await asio::this_coro::cancellation_state).cancelled() != asio::cancellation_type::none) {
            out.first = make_error_code(asio::error::operation_aborted);
            out.second.status.text = "sign_in cancelled";
            co_return out;
        }
        if (asked.ec) {
            out.first = asked.ec;
            out.second.status.text = "credential provider: " + asked.text;
            co_return out;
        }
        if (self->check_state()) co_return refuse<sign_in_result>(errc::not_connected, "not connected");
        const credentials& creds = asked.value;
        std::vector<std::string> caps(self->engine_.capabilities().begin(), self->engine_.capabilities().end());
        auto mechanism = choose_mechanism(caps, creds);
        if (!mechanism) {
            out.first = make_error_code(errc::capability_missing);
            out.second.status.text = "the server offers no mechanism for these credentials (it offers " +
                                     offered_mechanisms(caps) + ")";
            co_return out;
        }
        out.second.mechanism = *mechanism;
        std::shared_ptr<std::string> server_error;
        std::unique_ptr<operations::operation<command_result>> login;
        try {
            login = login_operation(*mechanism, creds, opts, server_error);
        } catch (const std::invalid_argument& e) {
            out.first = make_error_code(errc::invalid_argument);
            out.second.status.text = e.what();
            co_return out;
        }
        auto r = co_await self->authenticate(std::move(login));
        out.first = r.first;
        out.second.status = std::move(r.second.status);
        out.second.responses = std::move(r.second.responses);
        // Only a refused token is worth asking again for: a refused
        // password would be refused again (and cost a failure penalty).
        const bool token_refused = r.first == make_error_code(errc::login_failed) && !creds.access_token.empty();
        if (!token_refused || request.attempt >= op.max_refreshes) co_return out;
        ++request.attempt;
        request.refused_because = out.second.status.text;
        if (server_error && !server_error->empty()) request.refused_because += " " + *server_error;
        self->log(1, "the server refused the access token; asking the credential provider for a fresh one");
    }
}

}  // namespace detail

}  // namespace imapclient
