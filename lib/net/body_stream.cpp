// The ready-made sinks and sources of body_stream.hpp.
#include <imapclient/body_stream.hpp>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>

#include <cerrno>
#include <cstring>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace imapclient {

namespace asio = boost::asio;

namespace {

error_code last_os_error() {
    return {errno, boost::system::system_category()};
}

// Completes a handler through its associated executor. Boost 1.81's
// any_completion_executor cannot be required to be non-blocking, which
// post() insists on, so this is a dispatch: the handler may run inside the
// call that received it when that call runs on the handler's executor. The
// library awaits sources and sinks with use_awaitable, whose initiation
// runs once the coroutine is suspended, so that is safe there.
template <typename Handler, typename... Args>
void complete_later(Handler handler, Args... args) {
    auto ex = asio::get_associated_executor(handler);
    asio::dispatch(asio::bind_executor(ex, [h = std::move(handler), args...]() mutable { std::move(h)(args...); }));
}

// Writes all of `chunk` to `fd`, retrying short writes and EINTR.
error_code write_all(int fd, std::string_view chunk) {
    while (!chunk.empty()) {
        ssize_t n = ::write(fd, chunk.data(), chunk.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return last_os_error();
        }
        chunk.remove_prefix(static_cast<std::size_t>(n));
    }
    return {};
}

class fd_sink_impl : public body_sink {
public:
    explicit fd_sink_impl(int fd) : fd_(fd) {}
    void async_write(std::string_view chunk, write_handler handler) override {
        complete_later(std::move(handler), write_all(fd_, chunk));
    }

private:
    int fd_;
};

class file_sink_impl : public body_sink {
public:
    file_sink_impl(std::filesystem::path path, bool append) : path_(std::move(path)), append_(append) {
        int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC);
        fd_ = ::open(path_.c_str(), flags, 0600);
        if (fd_ < 0) throw boost::system::system_error(last_os_error(), "cannot open " + path_.string());
    }
    ~file_sink_impl() override { close_file(); }

    void async_write(std::string_view chunk, write_handler handler) override {
        complete_later(std::move(handler), write_all(fd_, chunk));
    }
    void finish(error_code ec) override {
        close_file();
        // A message cut short is worse than none: nobody can tell it apart
        // from a whole one. A resumed download keeps what it has.
        if (ec && !append_) ::unlink(path_.c_str());
    }

private:
    void close_file() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }
    std::filesystem::path path_;
    bool append_;
    int fd_ = -1;
};

class coroutine_sink_impl : public body_sink {
public:
    coroutine_sink_impl(asio::any_io_executor ex, std::function<asio::awaitable<void>(std::string_view)> write)
        : ex_(std::move(ex)), write_(std::move(write)) {}

    void async_write(std::string_view chunk, write_handler handler) override {
        asio::co_spawn(ex_, write_(chunk), [h = std::move(handler)](std::exception_ptr e) mutable {
            error_code ec;
            if (e) {
                try {
                    std::rethrow_exception(e);
                } catch (const boost::system::system_error& se) {
                    ec = se.code();
                } catch (const std::system_error& se) {
                    ec = error_code(se.code().value(), boost::system::generic_category());
                } catch (...) {
                    ec = make_error_code(errc::stream_failed);
                }
            }
            std::move(h)(ec);
        });
    }

private:
    asio::any_io_executor ex_;
    std::function<asio::awaitable<void>(std::string_view)> write_;
};

class string_sink_impl : public body_sink {
public:
    string_sink_impl(std::shared_ptr<std::string> out, std::size_t max) : out_(std::move(out)), max_(max) {}
    void async_write(std::string_view chunk, write_handler handler) override {
        error_code ec;
        if (out_->size() + chunk.size() > max_) ec = make_error_code(errc::limit_exceeded);
        else out_->append(chunk);
        complete_later(std::move(handler), ec);
    }

private:
    std::shared_ptr<std::string> out_;
    std::size_t max_;
};

class file_source_impl : public body_source {
public:
    file_source_impl(const std::filesystem::path& path, std::uint64_t offset) {
        fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd_ < 0) throw boost::system::system_error(last_os_error(), "cannot open " + path.string());
        struct stat st {};
        error_code ec;
        if (::fstat(fd_, &st) != 0) ec = last_os_error();
        else if (!S_ISREG(st.st_mode) || static_cast<std::uint64_t>(st.st_size) < offset)
            ec = make_error_code(errc::invalid_argument);
        else if (::lseek(fd_, static_cast<off_t>(offset), SEEK_SET) < 0) ec = last_os_error();
        if (ec) {
            ::close(fd_);
            throw boost::system::system_error(ec, path.string() + " is no regular file of at least the offset's size");
        }
        size_ = static_cast<std::uint64_t>(st.st_size) - offset;
    }
    ~file_source_impl() override {
        if (fd_ >= 0) ::close(fd_);
    }

    std::uint64_t size() const override { return size_; }
    void async_read_some(asio::mutable_buffer buffer, read_handler handler) override {
        ssize_t n;
        do n = ::read(fd_, buffer.data(), buffer.size());
        while (n < 0 && errno == EINTR);
        if (n < 0) return complete_later(std::move(handler), last_os_error(), std::size_t{0});
        if (n == 0 && buffer.size() > 0) {
            // Shorter than it was when opened: the announced literal cannot
            // be completed.
            return complete_later(std::move(handler), error_code(asio::error::eof), std::size_t{0});
        }
        complete_later(std::move(handler), error_code{}, static_cast<std::size_t>(n));
    }

private:
    int fd_ = -1;
    std::uint64_t size_ = 0;
};

class string_source_impl : public body_source {
public:
    explicit string_source_impl(std::string s) : data_(std::move(s)) {}
    std::uint64_t size() const override { return data_.size(); }
    void async_read_some(asio::mutable_buffer buffer, read_handler handler) override {
        std::size_t n = std::min(buffer.size(), data_.size() - pos_);
        std::memcpy(buffer.data(), data_.data() + pos_, n);
        pos_ += n;
        error_code ec;
        if (n == 0 && buffer.size() > 0) ec = asio::error::eof;
        complete_later(std::move(handler), ec, n);
    }

private:
    std::string data_;
    std::size_t pos_ = 0;
};

}  // namespace

std::shared_ptr<body_sink> file_sink(std::filesystem::path path, bool append) {
    return std::make_shared<file_sink_impl>(std::move(path), append);
}

std::shared_ptr<body_sink> fd_sink(int fd) {
    return std::make_shared<fd_sink_impl>(fd);
}

std::shared_ptr<body_sink> coroutine_sink(asio::any_io_executor executor,
                                          std::function<asio::awaitable<void>(std::string_view)> write) {
    return std::make_shared<coroutine_sink_impl>(std::move(executor), std::move(write));
}

std::shared_ptr<body_sink> string_sink(std::shared_ptr<std::string> out, std::size_t max_bytes) {
    return std::make_shared<string_sink_impl>(std::move(out), max_bytes);
}

std::shared_ptr<body_source> file_source(std::filesystem::path path, std::uint64_t offset) {
    return std::make_shared<file_source_impl>(path, offset);
}

std::shared_ptr<body_source> string_source(std::string message) {
    return std::make_shared<string_source_impl>(std::move(message));
}

}  // namespace imapclient
