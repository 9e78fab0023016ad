// Per-command latency metrics of one connection (client::metrics()).
//
// A snapshot of plain counters, cheap to copy, meant to be exported by a
// service (Prometheus, StatsD, logs). No templates and no Asio here: the
// counting lives in the library.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace imapclient {

/// Upper bounds of the latency histogram's buckets; a last, unbounded
/// bucket (+inf) follows them. Fixed, so that snapshots of different
/// connections and processes add up bucket by bucket.
inline constexpr std::array<std::chrono::milliseconds, 13> latency_bucket_bounds = {
    std::chrono::milliseconds(1),    std::chrono::milliseconds(2),    std::chrono::milliseconds(5),
    std::chrono::milliseconds(10),   std::chrono::milliseconds(20),   std::chrono::milliseconds(50),
    std::chrono::milliseconds(100),  std::chrono::milliseconds(200),  std::chrono::milliseconds(500),
    std::chrono::milliseconds(1000), std::chrono::milliseconds(2000), std::chrono::milliseconds(5000),
    std::chrono::milliseconds(10000)};

/// What happened to the commands of one name.
///
/// Every command is counted once, by how it ended:
///  - `ok`, `no`, `bad`: the server answered with that tagged status (a
///    LOGOUT answered by BYE counts as ok). These are the latency samples.
///  - `aborted`: written, but ended without a tagged reply: cancelled after
///    it was written, connection lost, BYE, timeout. Not a latency sample
///    (its time says when the client gave up, not how fast the server was).
///  - `refused`: handed to the connection but never written: the session
///    no longer allowed it when it was queued or reached the wire (the
///    mailbox changed, the connection closed), it could not be encoded, or
///    it was cancelled while queued. A call whose preconditions fail before
///    its command is built (no mailbox selected, capability missing, the
///    usual refusals) sends nothing and is not counted at all.
struct command_stats {
    /// The command word as written (see command_metrics for the rule).
    std::string name;
    std::uint64_t ok = 0, no = 0, bad = 0, aborted = 0, refused = 0;
    /// Over the latency samples (ok + no + bad): latency is the time from
    /// the moment the command's first byte is handed to the writer to its
    /// tagged reply being parsed. For IDLE that is how long it idled.
    std::chrono::nanoseconds total_latency{0};
    std::chrono::nanoseconds max_latency{0};
    /// Plain (not cumulative) counts: buckets[i] counts samples with
    /// latency <= latency_bucket_bounds[i] and above the bound before it;
    /// the last one those above 10 s. For Prometheus, sum them up
    /// (`le` = the bound); their total is samples().
    std::array<std::uint64_t, latency_bucket_bounds.size() + 1> buckets{};

    /// Commands written (everything but `refused`).
    std::uint64_t sent() const noexcept { return ok + no + bad + aborted; }
    std::uint64_t samples() const noexcept { return ok + no + bad; }
    /// An estimate of the q-quantile (0 < q <= 1) of the latency: the upper
    /// bound of the bucket it falls in (max_latency for the last bucket, and
    /// never more than max_latency); zero without samples.
    std::chrono::nanoseconds quantile(double q) const noexcept;
};

/// A snapshot of one connection's commands (client::metrics()).
///
/// Names: the first word after the tag as written, upper-cased; two words
/// when the first is UID ("UID FETCH"). So a fetch is "FETCH" or
/// "UID FETCH", ops::authenticate is "AUTHENTICATE", a raw_command() is its
/// own first word. Commands refused before they were encoded are named the
/// same way from the command's internal name. Names are bounded: the first
/// `max_names` distinct ones get an entry each, anything after them is
/// counted under `other_name` (raw_command() could otherwise make the map
/// grow without end), and a name is cut at 32 characters.
struct command_metrics {
    static constexpr std::size_t max_names = 64;
    static constexpr std::string_view other_name = "other";

    /// One entry per name seen, sorted by name; `other_name` last if used.
    std::vector<command_stats> commands;
    /// Connection-level totals: commands written, bytes written to and read
    /// from the transport (after COMPRESS: the compressed bytes; TLS
    /// framing not included).
    std::uint64_t commands_sent = 0;
    std::uint64_t bytes_written = 0;
    std::uint64_t bytes_read = 0;

    /// The entry of `name` (as above), or nullptr.
    const command_stats* find(std::string_view name) const noexcept;

    /// Adds another connection's counts (pool::metrics() sums its
    /// connections'), entry by entry; the bound on names holds for the sum.
    command_metrics& operator+=(const command_metrics& more);
};

}  // namespace imapclient
