#include "operations/encoding.hpp"

namespace imapclient::operations::commands {

command_request simple(std::string name) {
    command_request r;
    r.build = [name](std::string_view tag, const literal_support& l) {
        command_builder b(tag, name, l);
        return std::move(b).finish();
    };
    r.name = std::move(name);
    return r;
}

command_request one_mailbox(std::string name, std::string mailbox, bool encode) {
    command_request r;
    r.build = [name, mailbox = std::move(mailbox), encode](std::string_view tag, const literal_support& l) {
        command_builder b(tag, name, l);
        b.mailbox(mailbox, encode);
        return std::move(b).finish();
    };
    r.name = std::move(name);
    return r;
}

command_builder start_command(std::string_view tag, std::string_view verb, bool uid, const literal_support& l) {
    command_builder b(tag, uid ? "UID" : verb, l);
    if (uid) b.atom(verb);
    return b;
}

}  // namespace imapclient::operations::commands
