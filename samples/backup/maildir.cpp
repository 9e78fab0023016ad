#include "maildir.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace backup {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view state_file = ".imap-backup-state";

void write_file(const fs::path& path, std::string_view bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) throw std::runtime_error("cannot write " + path.string());
}

// %XX for a byte of a folder name that may not, or should not, stand in a
// file name: '/', NUL and '%' itself anywhere; '.' at the start (".", ".."
// and the backup's own hidden entries); the first letter of "cur", "new"
// and "tmp" (a child folder of that name would land in its parent's
// Maildir). "" becomes "%".
std::string escape_component(std::string_view name) {
    if (name.empty()) return "%";
    static constexpr char hex[] = "0123456789ABCDEF";
    const bool clashes = name == "cur" || name == "new" || name == "tmp";
    std::string out;
    for (std::size_t i = 0; i < name.size(); ++i) {
        const auto ch = static_cast<unsigned char>(name[i]);
        const bool escape = ch == '/' || ch == '%' || ch == '\0' || (i == 0 && (ch == '.' || clashes));
        if (escape) {
            out += '%';
            out += hex[ch >> 4];
            out += hex[ch & 15];
        } else {
            out += static_cast<char>(ch);
        }
    }
    return out;
}

}  // namespace

std::string maildir_flags(const std::vector<std::string>& imap_flags) {
    static constexpr std::pair<std::string_view, char> letters[] = {
        {"\\Draft", 'D'}, {"\\Flagged", 'F'}, {"\\Answered", 'R'}, {"\\Seen", 'S'}, {"\\Deleted", 'T'}};
    std::string out;
    for (const auto& [flag, letter] : letters) {
        const bool set = std::any_of(imap_flags.begin(), imap_flags.end(), [&](const std::string& f) {
            return f.size() == flag.size() && std::equal(f.begin(), f.end(), flag.begin(), [](char a, char b) {
                       return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
                   });
        });
        if (set) out += letter;
    }
    return out;
}

fs::path folder_path(const fs::path& root, std::string_view folder, std::optional<char> delimiter) {
    fs::path out = root;
    while (true) {
        const auto cut = delimiter ? folder.find(*delimiter) : std::string_view::npos;
        out /= escape_component(folder.substr(0, cut));
        if (cut == std::string_view::npos) break;
        folder.remove_prefix(cut + 1);
    }
    return out;
}

maildir::maildir(fs::path dir) : dir_(std::move(dir)) { create(); }

void maildir::create() const {
    for (const char* sub : {"cur", "new", "tmp"}) fs::create_directories(dir_ / sub);
}

folder_state maildir::load_state() const {
    std::ifstream in(dir_ / state_file);
    folder_state s;
    if (in && !(in >> s.uid_validity >> s.last_uid)) throw std::runtime_error("corrupt " + (dir_ / state_file).string());
    return s;
}

void maildir::save_state(const folder_state& s) const {
    const fs::path tmp = dir_ / "tmp" / state_file;
    write_file(tmp, std::to_string(s.uid_validity) + " " + std::to_string(s.last_uid) + "\n");
    fs::rename(tmp, dir_ / state_file);
}

namespace {
std::string base_name(const folder_state& where, std::uint32_t uid) {
    return std::to_string(uid) + "." + std::to_string(where.uid_validity) + ".imap-backup";
}
}  // namespace

fs::path maildir::tmp_path(const folder_state& where, std::uint32_t uid) const {
    return dir_ / "tmp" / base_name(where, uid);
}

void maildir::store(const folder_state& where, std::uint32_t uid, std::string_view message,
                    const std::vector<std::string>& flags, std::optional<imapclient::datetime> internal_date) const {
    write_file(tmp_path(where, uid), message);
    commit(where, uid, flags, internal_date);
}

void maildir::commit(const folder_state& where, std::uint32_t uid, const std::vector<std::string>& flags,
                     std::optional<imapclient::datetime> internal_date) const {
    const fs::path tmp = tmp_path(where, uid);
    if (internal_date) {
        const auto when = std::chrono::file_clock::from_sys(internal_date->utc);
        std::error_code ignored;  // a file system without mtimes keeps the copy anyway
        fs::last_write_time(tmp, when, ignored);
    }
    fs::rename(tmp, dir_ / "cur" / (base_name(where, uid) + ":2," + maildir_flags(flags)));
}

void maildir::retire(std::uint32_t old_uid_validity) const {
    // Only this folder's own entries move: child folders live in the same
    // directory and keep theirs.
    const fs::path aside = dir_ / (".uidvalidity-" + std::to_string(old_uid_validity));
    fs::create_directories(aside);
    for (const char* sub : {"cur", "new", "tmp"}) fs::rename(dir_ / sub, aside / sub);
    if (fs::exists(dir_ / state_file)) fs::rename(dir_ / state_file, aside / state_file);
    create();
}

}  // namespace backup
