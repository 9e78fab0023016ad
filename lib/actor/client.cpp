// The public face of imapclient::client: construction, accessors, and the
// event wait; the operations reach the connection through client::run()
// (lib/actor/run.hpp).
#include "actor/launch.hpp"
#include "operations/mailboxes.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

namespace imapclient {

namespace asio = boost::asio;
using detail::complete_now;

client::client(executor_type executor, client_options options)
    : executor_(executor), impl_(std::make_shared<impl>(std::move(executor), std::move(options))) {
    impl_->register_with_context();
}
client::client(client&& other) noexcept : executor_(other.executor_), impl_(std::move(other.impl_)) {}
client& client::operator=(client&& other) noexcept {
    if (this != &other) {
        shutdown();
        executor_ = other.executor_;
        impl_ = std::move(other.impl_);
    }
    return *this;
}
client::~client() { shutdown(); }

void client::shutdown() {
    if (!impl_) return;
    asio::post(impl_->strand_, [self = impl_] { self->close(make_error_code(errc::not_connected), "shut down"); });
}

client::executor_type client::get_executor() const noexcept {
    // A moved-from client still completes operations (with not_connected).
    if (!impl_) return executor_;
    return impl_->strand_;
}
const client_options& client::options() const noexcept {
    static const client_options none;
    return impl_ ? impl_->opts_ : none;
}
std::vector<std::string> client::capabilities() const {
    if (!impl_) return {};
    return {impl_->engine_.capabilities().begin(), impl_->engine_.capabilities().end()};
}
command_metrics client::metrics() const {
    if (!impl_) return {};
    return impl_->metrics_->snapshot();
}
bool client::has_capability(std::string_view c) const { return impl_ && impl_->engine_.has_capability(c); }
std::string client::welcome() const {
    if (!impl_) return {};
    auto& g = impl_->engine_.greeting();
    return g ? g->text : std::string();
}
const mailbox_state& client::mailbox() const noexcept {
    static const mailbox_state none;
    return impl_ ? impl_->engine_.mailbox() : none;
}
bool client::use_uid() const noexcept { return impl_ && impl_->use_uid_; }
void client::set_use_uid(bool on) noexcept {
    if (impl_) impl_->use_uid_ = on;
}

void client::start_next_event(result_handler<event> h) {
    if (!impl_) return complete_now(std::move(h), errc::not_connected, "the client was moved from");
    // wait_event() assigns and clears the handler's slot on the strand.
    auto bridged = detail::bridge_cancellation(std::move(h), impl_->strand_);
    asio::dispatch(impl_->strand_, [self = impl_, h = std::move(bridged)]() mutable { self->wait_event(std::move(h)); });
}

bool client::is_enabled(std::string_view capability) const {
    return impl_ && impl_->engine_.is_enabled(capability);
}

bool client::is_compressed() const { return impl_ && impl_->inflater_ != nullptr; }

std::optional<std::string> client::event_mailbox(const event& e) const {
    const auto* r = std::get_if<response>(&e);
    if (!r) return std::nullopt;
    const std::string* wire = nullptr;
    if (auto* s = std::get_if<status_data>(r)) wire = &s->mailbox;
    else if (auto* l = std::get_if<list_data>(r)) wire = &l->name;
    else if (auto* m = std::get_if<metadata_data>(r)) wire = &m->mailbox;
    if (!wire) return std::nullopt;
    return operations::commands::folder_name_out(*wire, impl_->names_in_utf7());
}

}  // namespace imapclient
