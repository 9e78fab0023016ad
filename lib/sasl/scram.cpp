// SCRAM-SHA-1 and SCRAM-SHA-256 (RFC 5802, RFC 7677), client side, without
// channel binding. The exchange:
//   client-first  n,,n=USER,r=CNONCE
//   server-first  r=CNONCE+SNONCE,s=SALT,i=ITERATIONS
//   client-final  c=biws,r=CNONCE+SNONCE,p=PROOF
//   server-final  v=SERVER_SIGNATURE     (checked: the server knows the password too)
// then the client's empty response and the server's tagged OK.
#include "sasl/scram.hpp"

#include "sasl/saslprep.hpp"
#include "text/base64.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <utility>

namespace imapclient::detail {

namespace {

using bytes = std::string;

const EVP_MD* digest(scram_hash h) { return h == scram_hash::sha1 ? EVP_sha1() : EVP_sha256(); }

bytes hmac(const EVP_MD* md, std::string_view key, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!HMAC(md, key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
              data.size(), out, &len))
        throw std::runtime_error("SCRAM: HMAC failed");
    return bytes(reinterpret_cast<char*>(out), len);
}

bytes hash(const EVP_MD* md, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!EVP_Digest(data.data(), data.size(), out, &len, md, nullptr)) throw std::runtime_error("SCRAM: hash failed");
    return bytes(reinterpret_cast<char*>(out), len);
}

// Hi() of RFC 5802 is PBKDF2 with HMAC and one block of output.
bytes salted_password(const EVP_MD* md, std::string_view password, std::string_view salt, unsigned iterations) {
    bytes out(static_cast<std::size_t>(EVP_MD_get_size(md)), '\0');
    if (!PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                           reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()),
                           static_cast<int>(iterations), md, static_cast<int>(out.size()),
                           reinterpret_cast<unsigned char*>(out.data())))
        throw std::runtime_error("SCRAM: PBKDF2 failed");
    return out;
}

bytes xor_bytes(bytes a, std::string_view b) {
    for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) a[i] = static_cast<char>(a[i] ^ b[i]);
    return a;
}

// The value of attribute `key` ("r", "s", "i", "v", "e") in a
// comma-separated message; nullopt when absent.
std::optional<std::string_view> attribute(std::string_view message, char key) {
    while (!message.empty()) {
        const auto comma = message.find(',');
        std::string_view part = message.substr(0, comma);
        if (part.size() >= 2 && part[0] == key && part[1] == '=') return part.substr(2);
        if (comma == std::string_view::npos) break;
        message.remove_prefix(comma + 1);
    }
    return std::nullopt;
}

struct exchange {
    const EVP_MD* md = nullptr;
    std::string username, password, authzid, client_nonce;
    unsigned max_iterations = 0;
    enum { start, sent_first, sent_final, done } state = start;
    std::string client_first_bare;
    bytes expected_server_signature;
    std::shared_ptr<std::string> reason;

    std::optional<std::string> fail(std::string why) {
        *reason = "SCRAM: " + std::move(why);
        state = done;
        return std::nullopt;
    }

    std::string gs2_header() const { return authzid.empty() ? "n,," : "n,a=" + saslname(authzid) + ","; }

    std::optional<std::string> step(std::string_view challenge) {
        switch (state) {
        case start:
            client_first_bare = "n=" + saslname(username) + ",r=" + client_nonce;
            state = sent_first;
            return gs2_header() + client_first_bare;
        case sent_first: return client_final(challenge);
        case sent_final: return check_server_final(challenge);
        case done: break;
        }
        // A failed exchange keeps its first reason.
        if (!reason->empty()) return std::nullopt;
        return fail("unexpected challenge after the exchange ended");
    }

    std::optional<std::string> client_final(std::string_view server_first) {
        if (auto e = attribute(server_first, 'e')) return fail("the server refused: " + std::string(*e));
        if (server_first.rfind("m=", 0) == 0) return fail("the server requires an extension this client lacks");
        const auto nonce = attribute(server_first, 'r');
        const auto salt_b64 = attribute(server_first, 's');
        const auto iter_text = attribute(server_first, 'i');
        if (!nonce || !salt_b64 || !iter_text) return fail("malformed server-first message");
        if (nonce->size() <= client_nonce.size() || nonce->compare(0, client_nonce.size(), client_nonce) != 0)
            return fail("the server's nonce does not extend the client's");
        const auto salt = text::base64_decode(*salt_b64);
        if (!salt || salt->empty()) return fail("malformed salt");
        unsigned long iterations = 0;
        if (iter_text->empty() || iter_text->size() > 9 ||
            iter_text->find_first_not_of("0123456789") != std::string_view::npos)
            return fail("malformed iteration count");
        iterations = std::stoul(std::string(*iter_text));
        if (iterations < 4096) return fail("iteration count " + std::to_string(iterations) + " is below 4096");
        if (iterations > max_iterations)
            return fail("iteration count " + std::to_string(iterations) + " is above the limit of " +
                        std::to_string(max_iterations));

        const std::string channel_binding = text::base64_encode(gs2_header());
        const std::string final_without_proof = "c=" + channel_binding + ",r=" + std::string(*nonce);
        const std::string auth_message =
            client_first_bare + "," + std::string(server_first) + "," + final_without_proof;

        const bytes salted = salted_password(md, password, *salt, static_cast<unsigned>(iterations));
        const bytes client_key = hmac(md, salted, "Client Key");
        const bytes stored_key = hash(md, client_key);
        const bytes client_signature = hmac(md, stored_key, auth_message);
        const bytes proof = xor_bytes(client_key, client_signature);
        expected_server_signature = hmac(md, hmac(md, salted, "Server Key"), auth_message);
        state = sent_final;
        return final_without_proof + ",p=" + text::base64_encode(proof);
    }

    std::optional<std::string> check_server_final(std::string_view server_final) {
        if (auto e = attribute(server_final, 'e')) return fail("the server refused: " + std::string(*e));
        const auto v = attribute(server_final, 'v');
        const auto signature = v ? text::base64_decode(*v) : std::nullopt;
        if (!signature || signature->size() != expected_server_signature.size() ||
            CRYPTO_memcmp(signature->data(), expected_server_signature.data(), signature->size()) != 0)
            return fail("the server's signature does not match: it does not know the password");
        state = done;
        return std::string();  // the empty response; the server answers OK
    }
};

}  // namespace

std::string saslname(std::string_view name) {
    std::string out;
    for (char ch : name) {
        if (ch == '=') out += "=3D";
        else if (ch == ',') out += "=2C";
        else out += ch;
    }
    return out;
}

sasl_mechanism scram(scram_hash hash_kind, std::string username, std::string password,
                     std::string authorization_identity, std::string client_nonce, unsigned max_iterations) {
    sasl_mechanism m;
    m.name = hash_kind == scram_hash::sha1 ? "SCRAM-SHA-1" : "SCRAM-SHA-256";
    m.cancel_reason = std::make_shared<std::string>();
    auto x = std::make_shared<exchange>();
    x->md = digest(hash_kind);
    // RFC 5802 5.1: the name and the password are SASLprep'd (the
    // authorization identity is sent as given).
    x->username = saslprep(username, "user name");
    x->password = saslprep(password, "password");
    x->authzid = std::move(authorization_identity);
    x->client_nonce = std::move(client_nonce);
    x->max_iterations = max_iterations;
    x->reason = m.cancel_reason;
    m.step = [x](std::string_view challenge) { return x->step(challenge); };
    // The proof is derived from the password but does not reveal it; the
    // log still shows it redacted, as every authentication response.
    m.secret = true;
    return m;
}

}  // namespace imapclient::detail
