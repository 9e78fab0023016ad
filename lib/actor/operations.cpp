// Every operation of imapclient::ops, one line each: client::start<Op> is
// compiled here for each of them (client.hpp declares it only).
#include "actor/run.hpp"

namespace imapclient {

#define IMAPCLIENT_OPERATION(op)                                                                  \
    template void client::start<ops::op>(const std::shared_ptr<impl>&, ops::op, result_handler<ops::op::result_type>);
// And those a folder lease runs (ops::runs_in_mailbox).
#define IMAPCLIENT_LEASED_OPERATION(op)                                                           \
    IMAPCLIENT_OPERATION(op)                                                                      \
    template void client::start<ops::leased<ops::op>>(const std::shared_ptr<impl>&, ops::leased<ops::op>, \
                                                      result_handler<ops::op::result_type>);

// session
IMAPCLIENT_OPERATION(connect)
IMAPCLIENT_OPERATION(login)
IMAPCLIENT_OPERATION(authenticate)
IMAPCLIENT_OPERATION(logout)
IMAPCLIENT_LEASED_OPERATION(noop)
IMAPCLIENT_OPERATION(capability)
IMAPCLIENT_OPERATION(starttls)
IMAPCLIENT_OPERATION(compress)
IMAPCLIENT_OPERATION(enable)
IMAPCLIENT_OPERATION(id)
IMAPCLIENT_OPERATION(raw_command)
// mailboxes
IMAPCLIENT_OPERATION(select_folder)
IMAPCLIENT_OPERATION(close_folder)
IMAPCLIENT_OPERATION(unselect_folder)
IMAPCLIENT_OPERATION(list_folders)
IMAPCLIENT_OPERATION(find_special_folder)
IMAPCLIENT_OPERATION(folder_exists)
IMAPCLIENT_OPERATION(folder_status)
IMAPCLIENT_OPERATION(create_folder)
IMAPCLIENT_OPERATION(delete_folder)
IMAPCLIENT_OPERATION(rename_folder)
IMAPCLIENT_OPERATION(subscribe_folder)
IMAPCLIENT_OPERATION(unsubscribe_folder)
IMAPCLIENT_OPERATION(namespace_)
IMAPCLIENT_OPERATION(lease_folder)
// messages
IMAPCLIENT_LEASED_OPERATION(search)
IMAPCLIENT_LEASED_OPERATION(sort)
IMAPCLIENT_LEASED_OPERATION(thread)
IMAPCLIENT_LEASED_OPERATION(gmail_search)
IMAPCLIENT_LEASED_OPERATION(fetch)
IMAPCLIENT_OPERATION(append)
IMAPCLIENT_OPERATION(multiappend)
IMAPCLIENT_LEASED_OPERATION(copy)
IMAPCLIENT_LEASED_OPERATION(move)
IMAPCLIENT_LEASED_OPERATION(expunge)
IMAPCLIENT_LEASED_OPERATION(uid_expunge)
// flags
IMAPCLIENT_LEASED_OPERATION(get_flags)
IMAPCLIENT_LEASED_OPERATION(store_flags)
IMAPCLIENT_LEASED_OPERATION(get_gmail_labels)
IMAPCLIENT_LEASED_OPERATION(store_gmail_labels)
// extensions
IMAPCLIENT_OPERATION(select_folder_qresync)
IMAPCLIENT_LEASED_OPERATION(fetch_changed_since)
IMAPCLIENT_LEASED_OPERATION(store_unchanged_since)
IMAPCLIENT_OPERATION(getacl)
IMAPCLIENT_OPERATION(setacl)
IMAPCLIENT_OPERATION(get_quota)
IMAPCLIENT_OPERATION(get_quota_root)
IMAPCLIENT_OPERATION(set_quota)
IMAPCLIENT_OPERATION(idle)
IMAPCLIENT_OPERATION(idle_check)
IMAPCLIENT_OPERATION(idle_done)
IMAPCLIENT_OPERATION(listen)

#undef IMAPCLIENT_LEASED_OPERATION
#undef IMAPCLIENT_OPERATION

}  // namespace imapclient
