#include "password.hpp"

#include <cstdio>

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

namespace shell {

std::optional<std::string> ask(const std::string& prompt, bool echo) {
    const int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    (void)!::write(fd, prompt.data(), prompt.size());
    termios saved{};
    const bool have_termios = ::tcgetattr(fd, &saved) == 0;
    if (!echo && have_termios) {
        termios quiet = saved;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        ::tcsetattr(fd, TCSAFLUSH, &quiet);
    }
    std::string line;
    bool got_newline = false;
    char c;
    while (::read(fd, &c, 1) == 1) {
        if (c == '\n') {
            got_newline = true;
            break;
        }
        line += c;
    }
    if (!echo && have_termios) {
        ::tcsetattr(fd, TCSAFLUSH, &saved);
        (void)!::write(fd, "\n", 1);
    }
    ::close(fd);
    if (!got_newline && line.empty()) return std::nullopt;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
}

}  // namespace shell
