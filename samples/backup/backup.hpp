// imap-backup's work: every folder (or the ones asked for) into Maildirs,
// incrementally: only UIDs above the last one saved are fetched, and a
// changed UIDVALIDITY starts the folder over. Memory does not depend on
// message sizes: small messages come in batches bounded in count and bytes,
// bigger ones are streamed straight into the Maildir's tmp/ and renamed
// into cur/ once whole.
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
    /// Messages per UID FETCH of sizes, flags and dates, and at most per
    /// FETCH of bodies held in memory.
    std::size_t batch = 100;
    /// A FETCH of bodies in memory asks for at most this many bytes (one
    /// message over it is streamed instead).
    std::uint64_t batch_bytes = 16u << 20;
    /// Messages bigger than this are streamed to disk, one at a time.
    std::uint64_t stream_above = 1u << 20;
};

struct folder_report {
    std::string folder;
    std::size_t saved = 0;         // messages written this run
    std::uint64_t bytes = 0;       // their size
    std::size_t already = 0;       // messages that were saved before
    bool restarted = false;        // UIDVALIDITY changed: old copies moved aside
    std::string error;             // the folder could not be backed up (the others go on)
};

/// Where the run is; totals are what the run found to fetch when it
/// started (messages expunged meanwhile are never done).
struct progress {
    std::string folder;
    std::size_t folder_done = 0, folder_total = 0;              // messages
    std::uint64_t folder_bytes_done = 0, folder_bytes_total = 0;
    std::size_t folders_done = 0, folders_total = 0;
    std::size_t done = 0, total = 0;                            // messages, all folders
    std::uint64_t bytes_done = 0, bytes_total = 0;
};

/// Backs up and reports each folder through `on_folder` as it finishes,
/// and the progress after each message (and as each folder starts) through
/// `on_progress` (may be empty). Errors that end the connection propagate
/// (the state saved so far lets a re-run resume); a folder the server
/// refuses (SELECT NO) is reported and skipped.
boost::asio::awaitable<void> run(imapclient::client& c, const options& o,
                                 std::function<void(const folder_report&)> on_folder,
                                 std::function<void(const progress&)> on_progress = {});

}  // namespace backup
