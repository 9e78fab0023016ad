#include "net/deflate_stream.hpp"

#include <zlib.h>

#include <algorithm>
#include <climits>
#include <new>

namespace imapclient::net {

namespace {

// zlib counts in uInt: larger spans go through in slices.
constexpr std::size_t max_slice = UINT_MAX;

// RFC 4978 4: raw DEFLATE, no zlib header. The server may use the largest
// window, so the inflater must accept it.
constexpr int inflate_window_bits = -15;
// Our own stream may use a smaller window (any RFC 1951 decoder reads it):
// 4 KiB and memLevel 5 cost 16 + 16 KiB instead of zlib's default 256 KiB.
constexpr int deflate_window_bits = -12;
constexpr int deflate_mem_level = 5;

constexpr std::size_t deflate_out_chunk = 4096;

std::string zlib_message(const z_stream& z, int rc) {
    if (z.msg) return z.msg;
    switch (rc) {
    case Z_MEM_ERROR: return "out of memory";
    case Z_DATA_ERROR: return "invalid data";
    case Z_STREAM_ERROR: return "inconsistent stream state";
    case Z_NEED_DICT: return "a preset dictionary is required";
    default: return "zlib error " + std::to_string(rc);
    }
}

}  // namespace

struct inflater::state {
    z_stream z{};
    bool ready = false;
    ~state() {
        if (ready) ::inflateEnd(&z);
    }
};

struct deflater::state {
    z_stream z{};
    bool ready = false;
    ~state() {
        if (ready) ::deflateEnd(&z);
    }
};

inflater::inflater() : z_(std::make_unique<state>()) {
    const int rc = ::inflateInit2(&z_->z, inflate_window_bits);
    if (rc != Z_OK) error_ = "cannot start decompression: " + zlib_message(z_->z, rc);
    else z_->ready = true;
}

inflater::~inflater() = default;

inflater::result inflater::inflate(std::string_view in, std::span<char> out) {
    result r;
    if (!error_.empty()) {
        r.error = error_;
        return r;
    }
    if (finished_) {
        // The server ended its stream with a final block; RFC 4978 has the
        // stream last as long as the connection, so bytes after it cannot
        // be decoded and must not be taken as clear text either.
        if (!in.empty()) r.error = error_ = "data after the end of the compressed stream";
        return r;
    }
    z_stream& z = z_->z;
    const std::size_t in_size = std::min(in.size(), max_slice);
    const std::size_t out_size = std::min(out.size(), max_slice);
    if (out_size == 0) return r;
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = static_cast<uInt>(in_size);
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out_size);
    const int rc = ::inflate(&z, Z_SYNC_FLUSH);
    r.consumed = in_size - z.avail_in;
    r.produced = out_size - z.avail_out;
    total_in_ += r.consumed;
    total_out_ += r.produced;
    z.next_in = nullptr;
    z.next_out = nullptr;
    switch (rc) {
    case Z_OK: break;
    case Z_BUF_ERROR: break;  // no progress possible: needs more input (or room)
    case Z_STREAM_END:
        finished_ = true;
        if (r.consumed < in.size()) r.error = error_ = "data after the end of the compressed stream";
        break;
    default:
        // Z_DATA_ERROR (corrupt), Z_NEED_DICT (impossible in raw DEFLATE,
        // so corrupt too), Z_MEM_ERROR.
        r.error = error_ = "corrupt compressed data from the server (" + zlib_message(z, rc) + ")";
        break;
    }
    return r;
}

deflater::deflater(int level) : z_(std::make_unique<state>()) {
    const int rc = ::deflateInit2(&z_->z, std::clamp(level, 0, 9), Z_DEFLATED, deflate_window_bits,
                                  deflate_mem_level, Z_DEFAULT_STRATEGY);
    if (rc != Z_OK) error_ = "cannot start compression: " + zlib_message(z_->z, rc);
    else z_->ready = true;
}

deflater::~deflater() = default;

bool deflater::deflate(std::span<const std::string_view> data, std::string& out) {
    if (!error_.empty()) return false;
    z_stream& z = z_->z;
    const std::size_t start = out.size();
    // Runs deflate with `flush` until it has taken all of z.avail_in and has
    // room left over (a full output buffer may hide more pending output).
    auto run = [&](int flush) {
        for (;;) {
            const std::size_t base = out.size();
            out.resize(base + deflate_out_chunk);
            z.next_out = reinterpret_cast<Bytef*>(out.data() + base);
            z.avail_out = static_cast<uInt>(deflate_out_chunk);
            const int rc = ::deflate(&z, flush);
            out.resize(base + deflate_out_chunk - z.avail_out);
            // Z_BUF_ERROR only says "no progress": nothing was left to do.
            if (rc != Z_OK && rc != Z_BUF_ERROR) {
                error_ = "compression failed: " + zlib_message(z, rc);
                return false;
            }
            if (z.avail_in == 0 && z.avail_out != 0) return true;
        }
    };
    for (std::string_view piece : data) {
        while (!piece.empty()) {
            const std::size_t n = std::min(piece.size(), max_slice);
            z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(piece.data()));
            z.avail_in = static_cast<uInt>(n);
            if (!run(Z_NO_FLUSH)) return false;
            total_in_ += n;
            piece.remove_prefix(n);
        }
    }
    z.next_in = nullptr;
    z.avail_in = 0;
    if (!run(Z_SYNC_FLUSH)) return false;
    z.next_out = nullptr;
    total_out_ += out.size() - start;
    return true;
}

}  // namespace imapclient::net
