#include "engine/commands_condstore.hpp"

#include <stdexcept>

namespace imapclient::engine::commands {

namespace {

using wire::command_builder;
using wire::literal_support;

// A set the server must read as concrete ids: "*" and "$" would make the
// QRESYNC parameter mean something else than the client's cache.
void check_concrete(const sequence_set& s, const char* what) {
    if (s.empty()) throw std::invalid_argument(std::string("QRESYNC: empty ") + what);
    if (s.str().find_first_of("*$") != std::string::npos)
        throw std::invalid_argument(std::string("QRESYNC: ") + what + " must name concrete ids, not '*' or '$'");
}

void check_params(const qresync_params& p) {
    if (p.uid_validity == 0) throw std::invalid_argument("QRESYNC: uid_validity must be non-zero");
    if (p.mod_seq == 0 || p.mod_seq > max_mod_seq)
        throw std::invalid_argument("QRESYNC: mod_seq must be between 1 and 2^63-1");
    if (p.known_uids) check_concrete(*p.known_uids, "known_uids");
    if (p.known_sequence_match) {
        const auto& m = *p.known_sequence_match;
        check_concrete(m.sequence_numbers, "sequence numbers of the sequence match");
        check_concrete(m.uids, "UIDs of the sequence match");
        // RFC 7162 3.2.5.2: both sets list the same messages, pairwise.
        if (m.sequence_numbers.expand().size() != m.uids.expand().size())
            throw std::invalid_argument("QRESYNC: the sequence match's sets name different numbers of messages");
    }
}

}  // namespace

command_request select_qresync(std::string mailbox, const qresync_params& params, bool readonly, bool encode) {
    // Validated now, so that a bad request fails before anything is queued.
    check_params(params);
    // SELECT's routing rules (a barrier that resets the mailbox state),
    // with a build of its own for the parameter.
    command_request r = select(std::string(), readonly, encode);
    r.build = [mailbox = std::move(mailbox), verb = r.name, params, encode](std::string_view tag,
                                                                          const literal_support& l) {
        command_builder b(tag, verb, l);
        b.mailbox(mailbox, encode);
        b.open_paren().atom("QRESYNC").open_paren().number(params.uid_validity).number(params.mod_seq);
        if (params.known_uids) b.set(*params.known_uids);
        if (params.known_sequence_match) {
            b.open_paren().set(params.known_sequence_match->sequence_numbers);
            b.set(params.known_sequence_match->uids).close_paren();
        }
        b.close_paren().close_paren();
        return std::move(b).finish();
    };
    r.collects |= kind_bit<fetch_data>() | kind_bit<vanished_data>();
    r.earlier_vanished_only = true;
    return r;
}

command_request fetch_changed_since(const sequence_set& set, std::vector<std::string> items, std::uint64_t mod_seq,
                                    bool vanished, bool uid) {
    if (vanished && !uid) throw std::invalid_argument("the VANISHED fetch modifier needs UID FETCH");
    if (mod_seq > max_mod_seq) throw std::invalid_argument("CHANGEDSINCE: mod_seq above 2^63-1");
    std::vector<std::string> modifiers{"CHANGEDSINCE " + std::to_string(mod_seq)};
    if (vanished) modifiers.back() += " VANISHED";
    command_request r = fetch(set, items, modifiers, uid);
    if (vanished) {
        r.collects |= kind_bit<vanished_data>();
        r.earlier_vanished_only = true;
        r.exclusive = true;
    }
    return r;
}

command_request store_unchanged_since(const sequence_set& set, flag_change change, std::vector<std::string> flags,
                                      std::uint64_t unchanged_since, bool silent, bool uid) {
    if (unchanged_since > max_mod_seq) throw std::invalid_argument("UNCHANGEDSINCE: mod_seq above 2^63-1");
    std::string item = change == flag_change::add ? "+FLAGS" : change == flag_change::remove ? "-FLAGS" : "FLAGS";
    if (silent) item += ".SILENT";
    command_request r;
    r.name = uid ? "UID STORE" : "STORE";
    r.build = [set, item = std::move(item), flags = std::move(flags), unchanged_since, uid](
                  std::string_view tag, const literal_support& l) {
        command_builder b(tag, uid ? "UID" : "STORE", l);
        if (uid) b.atom("STORE");
        b.set(set).open_paren().atom("UNCHANGEDSINCE").number(unchanged_since).close_paren();
        b.atom(item).flag_list(flags);
        return std::move(b).finish();
    };
    // Even a silent conditional STORE gets "* n FETCH (UID u MODSEQ (m))".
    r.collects = kind_bit<fetch_data>();
    if (uid) r.uid_ranges = uid_ranges(set);
    else r.exclusive = true;
    return r;
}

}  // namespace imapclient::engine::commands
