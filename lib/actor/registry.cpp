// Breaks the reference cycle between a client's impl and its pending
// operations when the execution context shuts down (see actor/actor.hpp).
#include "actor/actor.hpp"

#include <boost/asio/execution/context.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/query.hpp>

#include <algorithm>
#include <mutex>

namespace imapclient {

namespace asio = boost::asio;

namespace {

class client_registry : public asio::execution_context::service {
public:
    static inline asio::execution_context::id id;
    explicit client_registry(asio::execution_context& ctx) : service(ctx) {}

    void add(std::weak_ptr<client::impl> impl) {
        std::lock_guard lock(mutex_);
        impls_.erase(std::remove_if(impls_.begin(), impls_.end(), [](auto& w) { return w.expired(); }),
                     impls_.end());
        impls_.push_back(std::move(impl));
    }

private:
    void shutdown() override {
        std::vector<std::weak_ptr<client::impl>> impls;
        {
            std::lock_guard lock(mutex_);
            impls.swap(impls_);
        }
        for (auto& w : impls)
            if (auto impl = w.lock()) impl->abandon_all();
    }

    std::mutex mutex_;
    std::vector<std::weak_ptr<client::impl>> impls_;
};

}  // namespace

void client::impl::register_with_context() {
    auto& ctx = asio::query(strand_.get_inner_executor(), asio::execution::context);
    asio::use_service<client_registry>(ctx).add(weak_from_this());
}

void client::impl::abandon_all() {
    // Moved out first: destroying a handler destroys its coroutine, which
    // may release the last other reference to this impl.
    auto self = shared_from_this();
    auto waiting = std::move(waiting_);
    waiting_.clear();
    auto waiters = std::move(event_waiters_);
    event_waiters_.clear();
    idle_.reset();
    transport_.close();
    waiting.clear();
    waiters.clear();
}

}  // namespace imapclient
