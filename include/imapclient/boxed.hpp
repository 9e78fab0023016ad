// An optional value kept on the heap. Used for the large, often absent
// members of fetch_data (ENVELOPE, BODYSTRUCTURE): an inline std::optional
// made every response ~2.3 KB, and moving thousands of them through queues
// cost more than parsing them. It reads like std::optional: `if (m.envelope)`,
// `m.envelope->subject`, `*m.bodystructure`.
#pragma once

#include <memory>
#include <optional>
#include <utility>

namespace imapclient {

template <typename T>
class boxed {
public:
    boxed() noexcept = default;
    boxed(std::nullopt_t) noexcept {}
    boxed(T value) : p_(std::make_unique<T>(std::move(value))) {}
    boxed(const boxed& o) : p_(o.p_ ? std::make_unique<T>(*o.p_) : nullptr) {}
    boxed(boxed&&) noexcept = default;
    boxed& operator=(const boxed& o) {
        if (this != &o) p_ = o.p_ ? std::make_unique<T>(*o.p_) : nullptr;
        return *this;
    }
    boxed& operator=(boxed&&) noexcept = default;
    boxed& operator=(std::nullopt_t) noexcept {
        p_.reset();
        return *this;
    }
    boxed& operator=(T value) {
        p_ = std::make_unique<T>(std::move(value));
        return *this;
    }
    boxed& operator=(std::optional<T> value) {
        if (value) p_ = std::make_unique<T>(std::move(*value));
        else p_.reset();
        return *this;
    }

    template <typename... Args>
    T& emplace(Args&&... args) {
        p_ = std::make_unique<T>(std::forward<Args>(args)...);
        return *p_;
    }
    void reset() noexcept { p_.reset(); }

    bool has_value() const noexcept { return p_ != nullptr; }
    explicit operator bool() const noexcept { return has_value(); }
    T& operator*() & { return *p_; }
    const T& operator*() const& { return *p_; }
    T* operator->() { return p_.get(); }
    const T* operator->() const { return p_.get(); }
    T& value() & {
        if (!p_) throw std::bad_optional_access();
        return *p_;
    }
    const T& value() const& {
        if (!p_) throw std::bad_optional_access();
        return *p_;
    }

    friend bool operator==(const boxed& a, const boxed& b) {
        return a.has_value() == b.has_value() && (!a.has_value() || *a == *b);
    }
    friend bool operator==(const boxed& a, std::nullopt_t) { return !a.has_value(); }

private:
    std::unique_ptr<T> p_;
};

}  // namespace imapclient
