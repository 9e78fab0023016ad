#include "engine/commands_session.hpp"

#include "wire/base64.hpp"

#include <memory>
#include <stdexcept>

namespace imapclient::engine::commands {

using wire::command_builder;
using wire::literal_support;

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
            if (first->empty()) b.raw("=");
            else if (x->mech.secret) b.secret(wire::base64_encode(*first));
            else b.raw(wire::base64_encode(*first));
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
        } else if (auto challenge = wire::base64_decode(challenge_text)) {
            reply = x->mech.step(*challenge);
        }
        // "*" cancels (RFC 9051 6.2.2); the server then answers BAD.
        if (!reply) return std::string("*\r\n");
        return wire::base64_encode(*reply) + "\r\n";
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

}  // namespace imapclient::engine::commands
