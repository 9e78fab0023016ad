// Session operations: LOGIN, AUTHENTICATE, LOGOUT, NOOP, CAPABILITY,
// ENABLE, ID and raw commands. Each: what it needs, what it sends, what it
// returns.
#include "operations/session.hpp"

#include "text/base64.hpp"

#include <memory>
#include <stdexcept>

#include <variant>

namespace imapclient::operations::commands {

command_request capability() {
    auto r = simple("CAPABILITY");
    r.collects = kind_bit<capability_data>();
    return r;
}

command_request noop() {
    return simple("NOOP");
}

command_request logout() {
    auto r = simple("LOGOUT");
    r.kind = command_kind::logout;
    r.exclusive = true;
    return r;
}

command_request starttls() {
    auto r = simple("STARTTLS");
    r.exclusive = true;
    r.kind = command_kind::starttls;
    return r;
}

command_request login(std::string user, std::string password) {
    command_request r;
    r.name = "LOGIN";
    r.build = [user = std::move(user), password = std::move(password)](std::string_view tag, const literal_support& l) {
        command_builder b(tag, "LOGIN", l);
        b.secret(user).secret(password);
        return std::move(b).finish();
    };
    r.exclusive = true;
    r.kind = command_kind::authenticate;
    return r;
}

command_request authenticate(sasl_mechanism mechanism, bool initial_response) {
    if (mechanism.name.empty() || !wire::is_atom(mechanism.name))
        throw std::invalid_argument("SASL mechanism name is not an atom: " + mechanism.name);
    if (!mechanism.step) throw std::invalid_argument("SASL mechanism " + mechanism.name + " has no step function");
    struct exchange {
        sasl_mechanism mech;
        bool first_sent = false;  // the client-first message went out
    };
    auto x = std::make_shared<exchange>(exchange{std::move(mechanism)});
    const bool with_ir = initial_response && x->mech.client_first;

    command_request r;
    r.name = "AUTHENTICATE " + x->mech.name;
    r.build = [x, with_ir](std::string_view tag, const literal_support& l) {
        command_builder b(tag, "AUTHENTICATE", l);
        b.atom(x->mech.name);
        if (with_ir) {
            auto first = x->mech.step({});
            x->first_sent = true;
            if (!first) throw std::invalid_argument("SASL mechanism " + x->mech.name + " gave no initial response");
            // RFC 4959: an empty initial response is sent as "=".
            if (first->empty())
                b.raw("=");
            else if (x->mech.secret)
                b.secret(text::base64_encode(*first));
            else
                b.raw(text::base64_encode(*first));
        }
        return std::move(b).finish();
    };
    r.on_continuation = [x](std::string_view challenge_text) -> std::optional<std::string> {
        std::optional<std::string> reply;
        if (x->mech.client_first && !x->first_sent) {
            // No SASL-IR: the server's first "+" (empty) asks for the
            // client's first message.
            x->first_sent = true;
            reply = x->mech.step({});
        } else if (auto challenge = text::base64_decode(challenge_text)) {
            reply = x->mech.step(*challenge);
        }
        // "*" cancels (RFC 9051 6.2.2); the server then answers BAD.
        if (!reply) return std::string("*\r\n");
        return text::base64_encode(*reply) + "\r\n";
    };
    r.exclusive = true;
    r.kind = command_kind::authenticate;
    r.collects = kind_bit<capability_data>();
    return r;
}

command_request enable(std::vector<std::string> capabilities) {
    if (capabilities.empty()) throw std::invalid_argument("ENABLE needs at least one capability");
    for (auto& c : capabilities)
        if (!wire::is_atom(c)) throw std::invalid_argument("not a capability name: " + c);
    command_request r;
    r.name = "ENABLE";
    r.enables = capabilities;
    r.build = [caps = std::move(capabilities)](std::string_view tag, const literal_support& l) {
        command_builder b(tag, "ENABLE", l);
        for (auto& c : caps) b.atom(c);
        return std::move(b).finish();
    };
    // ENABLE changes what the server sends from now on: nothing may be in
    // flight across it.
    r.exclusive = true;
    r.collects = kind_bit<enabled_data>();
    return r;
}

command_request id(std::vector<std::pair<std::string, std::string>> parameters) {
    command_request r;
    r.name = "ID";
    r.build = [params = std::move(parameters)](std::string_view tag, const literal_support& l) {
        command_builder b(tag, "ID", l);
        if (params.empty()) {
            b.atom("NIL");
        } else {
            b.open_paren();
            for (auto& [k, v] : params) b.string(k).string(v);
            b.close_paren();
        }
        return std::move(b).finish();
    };
    r.collects = kind_bit<id_data>();
    return r;
}

id_result to_id_result(engine::completion& c) {
    id_result r;
    each<id_data>(c.responses, [&](id_data& d) { r.fields = std::move(d.fields); });
    r.status = c.status;
    return r;
}

command_request compress_deflate() {
    command_request r;
    r.name = "COMPRESS";
    r.build = [](std::string_view tag, const literal_support& l) {
        command_builder b(tag, "COMPRESS", l);
        b.atom("DEFLATE");
        return std::move(b).finish();
    };
    // RFC 4978 3: nothing else may be sent until its result has come.
    r.exclusive = true;
    r.kind = command_kind::compress;
    return r;
}

command_request raw(std::string line) {
    command_request r;
    const auto space = line.find(' ');
    r.name = line.substr(0, space);
    std::string rest = space == std::string::npos ? std::string() : line.substr(space + 1);
    r.build = [name = r.name, rest = std::move(rest)](std::string_view tag, const literal_support& l) {
        command_builder b(tag, name, l);
        if (!rest.empty()) b.raw(rest);
        return std::move(b).finish();
    };
    r.exclusive = true;
    r.collects = ~std::uint64_t{0} & ~kind_bit<continuation_request>();
    return r;
}

}  // namespace imapclient::operations::commands

namespace imapclient::operations {

using engine::command_request;
using engine::completion;

namespace {

// Credentials in clear text only with the user's consent, and never when
// the server says LOGINDISABLED.
std::optional<engine::refusal> plaintext_refusal(const context& ctx, const char* what) {
    if (!ctx.tls && !ctx.allow_plaintext_login)
        return engine::refusal{make_error_code(errc::plaintext_login_refused),
                               std::string("no TLS; set allow_plaintext_login to send ") + what + " in clear text"};
    return std::nullopt;
}

// LOGIN and AUTHENTICATE: refused up front without TLS (unless allowed) or
// the mechanism; NO is a failed login, and the new capabilities are asked
// for when the OK did not carry them (RFC 9051 6.2.2 allows either).
class authentication final : public operation<command_result> {
public:
    explicit authentication(std::variant<ops::login, ops::authenticate> op) : op_(std::move(op)) {}

    std::optional<command_request> resume(const context& ctx, completion* last) override {
        switch (step_++) {
            case 0: {
                if (auto r = refusal(ctx)) {
                    result = refused<command_result>(*r);
                    return std::nullopt;
                }
                if (auto* login = std::get_if<ops::login>(&op_))
                    return commands::login(std::move(login->username), std::move(login->password));
                auto& mech = std::get<ops::authenticate>(op_).mechanism;
                cancel_reason_ = mech.cancel_reason;
                return commands::authenticate(std::move(mech), ctx.engine.has_capability("SASL-IR"));
            }
            case 1:
                if (cancel_reason_ && !cancel_reason_->empty()) {
                    // The mechanism cancelled ("*"): the login failed, for its
                    // reason, whatever the server answered. A server that says OK
                    // to a cancelled exchange (SCRAM: one that could not prove it
                    // knows the password) keeps no connection.
                    const auto ec = make_error_code(errc::sasl_cancelled);
                    if (!last->ec) close_connection = engine::refusal{ec, *cancel_reason_};
                    last->status.text = *cancel_reason_;
                    result = {ec, command_result{last->status, {}}};
                    return std::nullopt;
                }
                if (last->ec == make_error_code(errc::no)) last->ec = make_error_code(errc::login_failed);
                result = with_status(*last, with_responses(*last));
                if (result.first || !ctx.engine.capabilities().empty()) return std::nullopt;
                return commands::capability();
            default:
                // CAPABILITY's failure (the connection is gone) is the login's.
                if (last->ec) result = with_status<command_result>(*last);
                return std::nullopt;
        }
    }

private:
    std::optional<engine::refusal> refusal(const context& ctx) const {
        if (auto r = ctx.engine.check(needs_connection())) return r;
        if (std::holds_alternative<ops::login>(op_)) {
            if (auto r = plaintext_refusal(ctx, "the password")) return r;
            if (ctx.engine.has_capability("LOGINDISABLED"))
                return engine::refusal{make_error_code(errc::plaintext_login_refused),
                                       "the server announces LOGINDISABLED"};
            return std::nullopt;
        }
        if (auto r = plaintext_refusal(ctx, "credentials")) return r;
        const auto& name = std::get<ops::authenticate>(op_).mechanism.name;
        return ctx.engine.check(needs_capability("AUTH=" + name, engine::session_level::connected));
    }

    std::variant<ops::login, ops::authenticate> op_;
    std::shared_ptr<std::string> cancel_reason_;
    int step_ = 0;
};

}  // namespace

algorithm_ptr<ops::login> make_algorithm(ops::login op) {
    return std::make_unique<authentication>(std::move(op));
}
algorithm_ptr<ops::authenticate> make_algorithm(ops::authenticate op) {
    return std::make_unique<authentication>(std::move(op));
}

// ---- LOGOUT: the connection closes after its OK ---------------------------

namespace {

class logout_algorithm final : public operation<command_result> {
public:
    std::optional<command_request> resume(const context&, completion* last) override {
        if (!last) {
            auto req = commands::logout();
            req.needs = needs_connection();
            req.sees_unsolicited = true;  // the BYE, for one
            return req;
        }
        result = with_status(*last, with_responses(*last));
        if (!last->ec) close_connection = engine::refusal{make_error_code(errc::not_connected), "logged out"};
        return std::nullopt;
    }
};

}  // namespace

algorithm_ptr<ops::logout> make_algorithm(ops::logout) {
    return std::make_unique<logout_algorithm>();
}

// ---- NOOP, CAPABILITY, raw commands: the untagged data is the result -------

template <>
struct one_command_rules<ops::noop> {
    static engine::preconditions needs(const ops::noop&, const context&) { return needs_connection(); }
    static std::optional<command_request> command(const ops::noop&, const context&) { return commands::noop(); }
    static command_result decode(const ops::noop&, completion& c, const context&) { return with_responses(c); }
};
algorithm_ptr<ops::noop> make_algorithm(ops::noop op) {
    return one(op);
}

template <>
struct one_command_rules<ops::capability> {
    static engine::preconditions needs(const ops::capability&, const context&) { return needs_connection(); }
    static std::optional<command_request> command(const ops::capability&, const context&) {
        return commands::capability();
    }
    static command_result decode(const ops::capability&, completion& c, const context&) { return with_responses(c); }
};
algorithm_ptr<ops::capability> make_algorithm(ops::capability op) {
    return one(op);
}

template <>
struct one_command_rules<ops::raw_command> {
    static engine::preconditions needs(const ops::raw_command&, const context&) { return needs_connection(); }
    static std::optional<command_request> command(const ops::raw_command& op, const context&) {
        return commands::raw(op.command_line);
    }
    static command_result decode(const ops::raw_command&, completion& c, const context&) { return with_responses(c); }
};
algorithm_ptr<ops::raw_command> make_algorithm(ops::raw_command op) {
    return one(std::move(op));
}

// ---- ENABLE and ID: refused up front unless offered -----------------------

template <>
struct one_command_rules<ops::enable> {
    static engine::preconditions needs(const ops::enable&, const context&) {
        return needs_capability("ENABLE", engine::session_level::connected);
    }
    static std::optional<command_request> command(const ops::enable& op, const context&) {
        return commands::enable(op.capabilities);
    }
    static enable_result decode(const ops::enable&, completion& c, const context&) {
        return {gather(c.responses, &enabled_data::capabilities), {}};
    }
};
algorithm_ptr<ops::enable> make_algorithm(ops::enable op) {
    return one(std::move(op));
}

template <>
struct one_command_rules<ops::id> {
    static engine::preconditions needs(const ops::id&, const context&) {
        return needs_capability("ID", engine::session_level::connected);
    }
    static std::optional<command_request> command(const ops::id& op, const context&) {
        return commands::id(op.parameters);
    }
    static id_result decode(const ops::id&, completion& c, const context&) { return commands::to_id_result(c); }
};
algorithm_ptr<ops::id> make_algorithm(ops::id op) {
    return one(std::move(op));
}

}  // namespace imapclient::operations
