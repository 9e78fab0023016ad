// OAuth2 (oauth2.hpp): oauth2_settings::token_cache, the file that keeps
// the refresh token and the current access token across runs. JSON:
//   {"refresh_token": "...", "access_token": "...", "expires_at": 1700000000,
//    "scope": "...", "client_id": "...", "username": "..."}
// (expires_at in Unix seconds). It is replaced atomically (a temporary file
// in the same directory, created 0600 whatever the umask, fsync'ed, renamed
// over it), so a crash leaves the old file or the new one, and the file is
// readable by its owner only. A file other users can read is still read (its
// permissions are the user's business); the next write replaces it with a
// 0600 one.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace imapclient::oauth2 {

struct cached_tokens {
    std::string refresh_token;
    std::string access_token;
    std::chrono::system_clock::time_point expires_at{};
    std::string scope;
    /// Whose tokens these are: a cache for another client or user is not
    /// used (the caller compares).
    std::string client_id;
    std::string username;
};

/// The cache at `path`; nullopt when there is no such file. Throws
/// imapclient::error "token cache <path>: ..." when it cannot be read (its
/// errno's code) or is not such a JSON object (errc::invalid_argument);
/// missing members are empty (expires_at: the epoch, i.e. expired).
std::optional<cached_tokens> read_token_cache(const std::string& path);

/// Replaces the cache at `path` (see above). Throws imapclient::error
/// "token cache <path>: ..." with errno's code when it cannot; the old file
/// is then untouched and no temporary file is left.
void write_token_cache(const std::string& path, const cached_tokens& tokens);

}  // namespace imapclient::oauth2
