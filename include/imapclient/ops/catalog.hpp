// Every operation of imapclient::ops, listed once, by where it may run:
// the library compiles each from these lists (client::run, folder leases,
// the pool), and the traits below are generated from them.
//
//   ops::runs_in_mailbox<Op>         a folder lease runs it (folder_lease::run,
//                                    pool_lease::run)
//   ops::runs_on_any_connection<Op>  pool::run() takes it: it needs no mailbox
//   ops::only_reads<Op>              sending it twice changes nothing that
//                                    matters (a FETCH of BODY[] may set \Seen
//                                    twice), so the pool may send it again
//                                    after a connection loss
//                                    (pool_options::retry_reads)
#pragma once

#include <imapclient/results.hpp>

/// Only on a client of its own: the session's state (connect, login,
/// ENABLE, ...) or the selection itself (SELECT, CLOSE, ...).
#define IMAPCLIENT_CLIENT_OPERATIONS(X)                                                          \
    X(connect) X(login) X(authenticate) X(sign_in) X(logout) X(capability) X(starttls) X(compress) X(enable) \
    X(id) X(raw_command) X(select_folder) X(close_folder) X(unselect_folder) X(lease_folder)      \
    X(select_folder_qresync) X(notify)
/// Work in the selected mailbox and only read: a client, or a lease.
#define IMAPCLIENT_MAILBOX_READING_OPERATIONS(X)                                              \
    X(search) X(sort) X(thread) X(gmail_search) X(fetch) X(get_flags) X(get_gmail_labels) \
    X(fetch_changed_since) X(esearch) X(esort)
/// Work in the selected mailbox and only read, but into a caller's sink:
/// never sent twice (the sink has part of it), so not counted as reading.
#define IMAPCLIENT_MAILBOX_STREAMING_OPERATIONS(X) X(stream_fetch) X(download)
/// Work in the selected mailbox and change it (or, IDLE, wait in it): a
/// client, or a lease.
#define IMAPCLIENT_MAILBOX_WRITING_OPERATIONS(X)                                                    \
    X(copy) X(move) X(expunge) X(uid_expunge) X(store_flags) X(store_gmail_labels)              \
    X(store_unchanged_since) X(idle) X(idle_check) X(idle_done) X(listen)
/// Need no mailbox and only read: a client, or any connection of a pool.
#define IMAPCLIENT_READING_OPERATIONS(X)                                                     \
    X(list_folders) X(find_special_folder) X(folder_exists) X(folder_status) X(namespace_) \
    X(getacl) X(get_quota) X(get_quota_root) X(get_quota_by_root) X(list_extended) X(get_metadata)
/// Need no mailbox and change something: a client, or any connection of a pool.
#define IMAPCLIENT_WRITING_OPERATIONS(X)                                                           \
    X(create_folder) X(delete_folder) X(rename_folder) X(subscribe_folder) X(unsubscribe_folder) \
    X(append) X(multiappend) X(stream_append) X(stream_multiappend) X(setacl) X(set_quota) \
    X(set_metadata)
/// Anywhere: in a lease and on any connection (NOOP only reads).
#define IMAPCLIENT_ANYWHERE_OPERATIONS(X) X(noop)

#define IMAPCLIENT_ALL_OPERATIONS(X)                                                   \
    IMAPCLIENT_CLIENT_OPERATIONS(X) IMAPCLIENT_LEASED_OPERATIONS(X) \
    IMAPCLIENT_READING_OPERATIONS(X) IMAPCLIENT_WRITING_OPERATIONS(X)
#define IMAPCLIENT_LEASED_OPERATIONS(X)                                                   \
    IMAPCLIENT_MAILBOX_READING_OPERATIONS(X) IMAPCLIENT_MAILBOX_STREAMING_OPERATIONS(X) \
    IMAPCLIENT_MAILBOX_WRITING_OPERATIONS(X) \
    IMAPCLIENT_ANYWHERE_OPERATIONS(X)
#define IMAPCLIENT_POOL_OPERATIONS(X) \
    IMAPCLIENT_READING_OPERATIONS(X) IMAPCLIENT_WRITING_OPERATIONS(X) IMAPCLIENT_ANYWHERE_OPERATIONS(X)

namespace imapclient::ops {

template <typename Op>
inline constexpr bool runs_in_mailbox = false;
template <typename Op>
inline constexpr bool runs_on_any_connection = false;
template <typename Op>
inline constexpr bool only_reads = false;

#define IMAPCLIENT_TRAIT_(trait, op) template <> inline constexpr bool trait<op> = true;
#define IMAPCLIENT_IN_MAILBOX_(op) IMAPCLIENT_TRAIT_(runs_in_mailbox, op)
#define IMAPCLIENT_ANY_CONNECTION_(op) IMAPCLIENT_TRAIT_(runs_on_any_connection, op)
#define IMAPCLIENT_ONLY_READS_(op) IMAPCLIENT_TRAIT_(only_reads, op)
IMAPCLIENT_LEASED_OPERATIONS(IMAPCLIENT_IN_MAILBOX_)
IMAPCLIENT_POOL_OPERATIONS(IMAPCLIENT_ANY_CONNECTION_)
IMAPCLIENT_READING_OPERATIONS(IMAPCLIENT_ONLY_READS_)
IMAPCLIENT_MAILBOX_READING_OPERATIONS(IMAPCLIENT_ONLY_READS_)
IMAPCLIENT_ANYWHERE_OPERATIONS(IMAPCLIENT_ONLY_READS_)
#undef IMAPCLIENT_ONLY_READS_
#undef IMAPCLIENT_ANY_CONNECTION_
#undef IMAPCLIENT_IN_MAILBOX_
#undef IMAPCLIENT_TRAIT_

}  // namespace imapclient::ops
