// Message sets too long for one command line (client_options::
// max_command_length): the operation runs once per piece of its set, one
// piece after the other, and the pieces' results merge into one. Servers
// cut or refuse long lines (RFC 7162 3.1.2 asks clients to stay under 8192
// octets), and a set of scattered UIDs from a search easily passes that.
#pragma once

#include "operations/operation.hpp"

#include <imapclient/ops/extensions.hpp>
#include <imapclient/ops/flags.hpp>
#include <imapclient/ops/messages.hpp>

#include <cstddef>
#include <optional>
#include <utility>
#include <vector>

namespace imapclient::operations {

/// The room a message set has on one line: the rest of the command (tag,
/// verb, items, flags) is given 1024 bytes.
inline std::size_t set_budget(const context& ctx) {
    return ctx.max_command_length > 2048 ? ctx.max_command_length - 1024 : 1024;
}

/// Adds a later piece's result to the ones before: messages by key, lists
/// appended in order; the reply is the latest piece's.
void merge_piece(fetch_result& into, fetch_result&& piece);
void merge_piece(flags_result& into, flags_result&& piece);
void merge_piece(copy_result& into, copy_result&& piece);
void merge_piece(expunge_result& into, expunge_result&& piece);
void merge_piece(changes_result& into, changes_result&& piece);
void merge_piece(conditional_store_result& into, conditional_store_result&& piece);

/// The message set an operation acts on (null: none, EXPUNGE of all).
template <typename Op>
sequence_set* message_set(Op& op) {
    if constexpr (requires { op.messages.has_value(); })
        return op.messages ? &*op.messages : nullptr;
    else
        return &op.messages;
}

/// Runs `make(op)` once per piece of the op's message set; the first piece
/// that fails ends it, with the pieces before it in the result.
/// Whether a set of sequence numbers may be split too: not for a MOVE,
/// whose later pieces would name other messages once the first has
/// expunged some (UIDs do not shift).
enum class pieces { any_set, only_by_uid };

template <typename Op, typename Make>
class in_pieces final : public operation<typename Op::result_type> {
public:
    in_pieces(Op op, Make make, pieces rule) : op_(std::move(op)), make_(std::move(make)), rule_(rule) {}

    std::optional<engine::command_request> resume(const context& ctx, engine::completion* last) override {
        if (!inner_) {
            const sequence_set* set = message_set(op_);
            const bool may_split = ctx.use_uid || rule_ == pieces::any_set;
            if (may_split && set && set->str().size() > set_budget(ctx)) pieces_ = set->split(set_budget(ctx));
            start_next();
        }
        for (;;) {
            if (auto next = inner_->resume(ctx, last)) return next;
            if (inner_->close_connection) this->close_connection = inner_->close_connection;
            if (first_) {
                this->result = std::move(inner_->result);
                first_ = false;
            } else {
                merge_piece(this->result.second, std::move(inner_->result.second));
                this->result.first = inner_->result.first;
            }
            if (this->result.first || next_ >= pieces_.size()) return std::nullopt;
            start_next();
            last = nullptr;
        }
    }

private:
    void start_next() {
        Op piece = op_;
        if (!pieces_.empty()) *message_set(piece) = std::move(pieces_[next_++]);
        inner_ = make_(std::move(piece));
    }

    Op op_;
    Make make_;
    pieces rule_;
    std::vector<sequence_set> pieces_;  // empty: the set fits, op_ runs whole
    std::size_t next_ = 0;
    bool first_ = true;
    algorithm_ptr<Op> inner_;
};

/// `make(op)`, in pieces when its message set is too long for one line.
template <typename Op, typename Make>
algorithm_ptr<Op> in_pieces_of_set(Op op, Make make, pieces rule = pieces::any_set) {
    return std::make_unique<in_pieces<Op, Make>>(std::move(op), std::move(make), rule);
}

}  // namespace imapclient::operations
