// The server's half of command framing, for tests that check what the
// client put on the wire: reads one command as a strict server would (a
// tagged line, and for each literal header "{n}" / "{n+}" at a line's end
// the literal's bytes and the line that continues the command), answering
// "+" to synchronizing literals, then splits it into tokens.
#pragma once

#include "fake_server.hpp"

#include <optional>
#include <string>
#include <vector>

namespace test {

enum class token_kind { atom, quoted, literal, open, close };

struct token {
    token_kind kind;
    std::string text;  // decoded: quoted strings unescaped, literal bytes
};

struct parsed_command {
    std::string tag;
    /// The command's lines as received, without CRLF or literal data.
    std::vector<std::string> lines;
    int literals = 0;
    /// Everything after the tag: the command name is tokens[0].
    std::vector<token> tokens;
    /// Empty when the tokens follow the IMAP grammar (SP-separated atoms,
    /// quoted strings, literals, balanced parentheses).
    std::string grammar_error;

    /// "LOGIN", "SELECT", "UID SEARCH", ... (upper-cased).
    std::string name() const;
    /// tokens[i] as an astring (atom of ASTRING-CHARs, quoted or literal);
    /// nullopt for anything else, or an atom with characters an astring
    /// cannot have.
    std::optional<std::string> string_at(std::size_t i) const;
    /// tokens[i] when it is an atom (a flag's leading "\" allowed), else "".
    std::string atom_at(std::size_t i) const;
};

/// Reads one command. Framing errors, which would let a client inject
/// commands (NUL, CR, LF or an 8-bit byte in a line, a non-synchronizing literal
/// the server did not offer, literal data sent before "+", a bad tag),
/// throw std::runtime_error; grammar errors land in grammar_error.
parsed_command read_command(fake_connection& c, bool literal_plus_offered);

}  // namespace test
