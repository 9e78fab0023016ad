// SCRAM (RFC 5802, RFC 7677) with the client nonce as a parameter, so that
// tests can replay the RFCs' example exchanges. sasl::scram_sha_256() and
// sasl::scram_sha_1() call it with a random nonce.
#pragma once

#include <imapclient/sasl.hpp>

#include <string>
#include <string_view>

namespace imapclient::detail {

/// A name as a GS2/SCRAM saslname: "=" and "," escaped as "=3D" and "=2C"
/// (RFC 5801, RFC 5802 5.1); OAUTHBEARER's authzid uses it too.
std::string saslname(std::string_view name);

enum class scram_hash { sha1, sha256 };

/// "SCRAM-SHA-1" or "SCRAM-SHA-256", without channel binding ("n,,").
/// The step function refuses (returns nullopt, the exchange is cancelled
/// with "*", cancel_reason says why) a server nonce that does not extend
/// ours, an iteration count below 4096 (RFC 7677 section 4) or above
/// max_iterations (the key derivation runs on the client's strand), a
/// server error ("e="), a malformed message, and a server signature that
/// does not match: a server that does not know the password.
sasl_mechanism scram(scram_hash hash, std::string username, std::string password, std::string authorization_identity,
                     std::string client_nonce, unsigned max_iterations);

}  // namespace imapclient::detail
