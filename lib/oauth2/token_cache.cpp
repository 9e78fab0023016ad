#include "oauth2/token_cache.hpp"

#include <imapclient/error.hpp>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <random>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace imapclient::oauth2 {

namespace json = boost::json;

namespace {

constexpr std::size_t max_cache_bytes = 1 << 20;

[[noreturn]] void fail(const std::string& path, error_code ec, std::string_view why) {
    std::string what = "token cache ";
    what += path;
    what += ": ";
    what += why;
    throw error(ec, what);
}

[[noreturn]] void fail_errno(const std::string& path, std::string_view step, int err) {
    const error_code ec(err, boost::system::system_category());
    std::string why(step);
    why += ": ";
    why += ec.message();
    fail(path, ec, why);
}

[[noreturn]] void malformed(const std::string& path, std::string_view why) {
    fail(path, make_error_code(errc::invalid_argument), why);
}

// Closes on scope exit.
struct fd_guard {
    int fd = -1;
    ~fd_guard() {
        if (fd >= 0) ::close(fd);
    }
    int release() {
        const int f = fd;
        fd = -1;
        return f;
    }
};

std::string read_all(const std::string& path, int fd) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) fail_errno(path, "fstat", errno);
    if (!S_ISREG(st.st_mode)) malformed(path, "not a regular file");
    // Another user's file could hold their grant, planted for us to use.
    if (st.st_uid != ::geteuid()) malformed(path, "owned by another user");
    if (static_cast<std::uint64_t>(st.st_size) > max_cache_bytes) malformed(path, "larger than 1 MiB");
    std::string text;
    char buf[4096];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            fail_errno(path, "read", errno);
        }
        if (n == 0) break;
        text.append(buf, static_cast<std::size_t>(n));
        if (text.size() > max_cache_bytes) malformed(path, "larger than 1 MiB");
    }
    return text;
}

std::string string_member(const std::string& path, const json::object& o, const char* key) {
    const json::value* v = o.if_contains(key);
    if (!v || v->is_null()) return {};
    if (!v->is_string()) malformed(path, std::string("\"") + key + "\" is not a string");
    const json::string& s = v->get_string();
    return std::string(s.data(), s.size());
}

void write_all(const std::string& path, int fd, std::string_view text) {
    while (!text.empty()) {
        const ssize_t n = ::write(fd, text.data(), text.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            fail_errno(path, "write", errno);
        }
        text.remove_prefix(static_cast<std::size_t>(n));
    }
}

std::string parent_directory(const std::string& path) {
    const auto slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return path.substr(0, slash);
}

}  // namespace

std::optional<cached_tokens> read_token_cache(const std::string& path) {
    fd_guard file;
    // O_NONBLOCK: a FIFO planted at the path must not block the open (it
    // is refused as not a regular file); O_NOFOLLOW: nor a symbolic link.
    file.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (file.fd < 0) {
        if (errno == ENOENT) return std::nullopt;
        if (errno == ELOOP) malformed(path, "a symbolic link");
        fail_errno(path, "open", errno);
    }
    const std::string text = read_all(path, file.fd);
    json::error_code jec;
    const json::value v = json::parse(json::string_view(text.data(), text.size()), jec);
    if (jec) malformed(path, "not JSON: " + jec.message());
    const json::object* o = v.if_object();
    if (!o) malformed(path, "not a JSON object");
    cached_tokens t;
    t.refresh_token = string_member(path, *o, "refresh_token");
    t.access_token = string_member(path, *o, "access_token");
    t.scope = string_member(path, *o, "scope");
    t.client_id = string_member(path, *o, "client_id");
    t.username = string_member(path, *o, "username");
    if (const json::value* e = o->if_contains("expires_at"); e && !e->is_null()) {
        std::int64_t secs = 0;
        if (const auto* i = e->if_int64()) secs = *i;
        else if (!e->is_uint64()) malformed(path, "\"expires_at\" is not a number of seconds");
        // Before 1970 or after 2242 (a uint64 past INT64_MAX too): nonsense,
        // taken as expired.
        if (secs < 0 || secs > (std::int64_t{1} << 33)) secs = 0;
        t.expires_at = std::chrono::system_clock::time_point(std::chrono::seconds(secs));
    }
    return t;
}

void write_token_cache(const std::string& path, const cached_tokens& tokens) {
    json::object o;
    o["refresh_token"] = tokens.refresh_token;
    o["access_token"] = tokens.access_token;
    o["expires_at"] =
        std::chrono::duration_cast<std::chrono::seconds>(tokens.expires_at.time_since_epoch()).count();
    o["scope"] = tokens.scope;
    o["client_id"] = tokens.client_id;
    o["username"] = tokens.username;
    std::string text = json::serialize(o);
    text += '\n';

    // A new file of our own next to the cache (rename() does not cross file
    // systems), never one someone else prepared: O_EXCL, O_NOFOLLOW.
    std::random_device rd;
    std::string temp;
    fd_guard file;
    for (int attempt = 0; file.fd < 0; ++attempt) {
        const std::uint64_t r = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
        char suffix[40];
        std::snprintf(suffix, sizeof suffix, ".%ld.%016llx.tmp", static_cast<long>(::getpid()),
                      static_cast<unsigned long long>(r));
        temp = path + suffix;
        file.fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (file.fd < 0 && (errno != EEXIST || attempt >= 8)) fail_errno(path, "create " + temp, errno);
    }
    try {
        // The umask may have taken bits from 0600 (never added any): the
        // owner must keep read and write.
        if (::fchmod(file.fd, S_IRUSR | S_IWUSR) != 0) fail_errno(path, "fchmod", errno);
        write_all(path, file.fd, text);
        if (::fsync(file.fd) != 0) fail_errno(path, "fsync", errno);
        if (::close(file.release()) != 0) fail_errno(path, "close", errno);
        if (::rename(temp.c_str(), path.c_str()) != 0) fail_errno(path, "rename", errno);
    } catch (...) {
        ::unlink(temp.c_str());
        throw;
    }
    // The rename itself is durable once the directory is (best effort: some
    // file systems refuse to fsync a directory).
    const std::string dir = parent_directory(path);
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)::fsync(dfd);
        ::close(dfd);
    }
}

}  // namespace imapclient::oauth2
