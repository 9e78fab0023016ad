// imap-backup's work: every folder (or the ones asked for) into Maildirs,
// incrementally: only UIDs above the last one saved are fetched, and a
// changed UIDVALIDITY starts the folder over.
#pragma once

#include <imapclient/client.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace backup {

struct options {
    std::filesystem::path root;
    std::vector<std::string> folders;  // empty: every selectable folder
    /// Messages per UID FETCH: the memory held at once is about this many
    /// messages (one command's answer), the round trips one per batch.
    std::size_t batch = 100;
};

struct folder_report {
    std::string folder;
    std::size_t saved = 0;         // messages written this run
    std::uint64_t bytes = 0;       // their size
    std::size_t already = 0;       // UIDs that were saved before
    bool restarted = false;        // UIDVALIDITY changed: old copies moved aside
    std::string error;             // the folder could not be backed up (the others go on)
};

/// Backs up and reports each folder through `on_folder` as it finishes.
/// Errors that end the connection propagate (the state saved so far lets a
/// re-run resume); a folder the server refuses (SELECT NO) is reported and
/// skipped.
boost::asio::awaitable<void> run(imapclient::client& c, const options& o,
                                 std::function<void(const folder_report&)> on_folder);

}  // namespace backup
