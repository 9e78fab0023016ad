// How the results of one operation's pieces add up (see split.hpp).
#include "operations/split.hpp"

namespace imapclient::operations {

namespace {

template <typename Map>
void add_all(Map& into, Map&& piece) {
    for (auto& [key, value] : piece) into.insert_or_assign(key, std::move(value));
}

template <typename T>
void append(std::vector<T>& into, std::vector<T>&& piece) {
    into.insert(into.end(), std::make_move_iterator(piece.begin()), std::make_move_iterator(piece.end()));
}

}  // namespace

void merge_piece(fetch_result& into, fetch_result&& piece) {
    add_all(into.messages, std::move(piece.messages));
    into.status = std::move(piece.status);
}

void merge_piece(flags_result& into, flags_result&& piece) {
    add_all(into.messages, std::move(piece.messages));
    into.status = std::move(piece.status);
}

void merge_piece(copy_result& into, copy_result&& piece) {
    if (piece.uid_validity) into.uid_validity = piece.uid_validity;
    append(into.source_uids, std::move(piece.source_uids));
    append(into.dest_uids, std::move(piece.dest_uids));
    into.moved_by_copy = into.moved_by_copy || piece.moved_by_copy;
    into.left_in_source = into.left_in_source || piece.left_in_source;
    into.status = std::move(piece.status);
}

void merge_piece(expunge_result& into, expunge_result&& piece) {
    append(into.expunged, std::move(piece.expunged));
    append(into.vanished, std::move(piece.vanished));
    into.status = std::move(piece.status);
}

void merge_piece(changes_result& into, changes_result&& piece) {
    add_all(into.messages, std::move(piece.messages));
    append(into.vanished, std::move(piece.vanished));
    into.status = std::move(piece.status);
}

void merge_piece(conditional_store_result& into, conditional_store_result&& piece) {
    add_all(into.flags, std::move(piece.flags));
    add_all(into.modseqs, std::move(piece.modseqs));
    append(into.modified, std::move(piece.modified));
    into.status = std::move(piece.status);
}

}  // namespace imapclient::operations
