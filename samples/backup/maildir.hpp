// Where imap-backup puts a folder: a Maildir (cur/ new/ tmp/, the format
// mutt, mbsync and Dovecot read), one per IMAP folder, and next to it the
// backup's state: the folder's UIDVALIDITY and the highest UID saved.
#pragma once

#include <imapclient/types.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace backup {

struct folder_state {
    std::uint32_t uid_validity = 0;  // 0: nothing saved yet
    std::uint32_t last_uid = 0;      // every UID up to this one is saved
};

/// Maildir's flag letters for IMAP's system flags (\Draft D, \Flagged F,
/// \Answered R, \Seen S, \Deleted T), in ASCII order as Maildir requires.
/// Keywords have no letter and are not kept.
std::string maildir_flags(const std::vector<std::string>& imap_flags);

/// A folder's directory under `root`: one directory per hierarchy level
/// (split at the server's delimiter), its Maildir's cur/ new/ tmp/ inside,
/// next to its child folders. Bytes that cannot be part of a file name
/// ('/', NUL, '%'), a leading '.' and child names that would clash with
/// cur/new/tmp are %-escaped, so no server-chosen name leaves `root` or
/// lands in another folder.
std::filesystem::path folder_path(const std::filesystem::path& root, std::string_view folder,
                                  std::optional<char> delimiter);

class maildir {
public:
    /// Creates dir/cur, dir/new and dir/tmp when missing.
    explicit maildir(std::filesystem::path dir);

    /// The saved state; {} when there is none.
    folder_state load_state() const;
    /// Written to a temporary file and renamed: a crash leaves the old
    /// state or the new one, never half of one.
    void save_state(const folder_state& s) const;

    /// One message, written to tmp/ and renamed into cur/ as
    /// "UID.UIDVALIDITY.imap-backup:2,FLAGS" (a re-run after a crash
    /// overwrites the same name instead of adding a copy). Its
    /// modification time is the message's INTERNALDATE.
    void store(const folder_state& where, std::uint32_t uid, std::string_view message,
               const std::vector<std::string>& flags, std::optional<imapclient::datetime> internal_date) const;
    /// The same in two steps, for a message streamed to disk: where in tmp/
    /// to write it, then the rename into cur/ once it is whole (an
    /// interrupted run leaves at most a file in tmp/, never half a message
    /// in cur/).
    std::filesystem::path tmp_path(const folder_state& where, std::uint32_t uid) const;
    void commit(const folder_state& where, std::uint32_t uid, const std::vector<std::string>& flags,
                std::optional<imapclient::datetime> internal_date) const;

    /// The folder's UIDVALIDITY changed: its UIDs now name other messages.
    /// The old copies (and state) move aside to DIR/.uidvalidity-N/ and a
    /// fresh Maildir starts.
    void retire(std::uint32_t old_uid_validity) const;

    const std::filesystem::path& dir() const noexcept { return dir_; }

private:
    void create() const;
    std::filesystem::path dir_;
};

}  // namespace backup
