// Runs the operations layer's state machines against a scripted server
// (engine_script.hpp), as the actor's loop would: for the unit tests of
// test/unit/operations/.
#pragma once

#include "engine_script.hpp"
#include "operations/extensions.hpp"
#include "operations/flags.hpp"
#include "operations/mailboxes.hpp"
#include "operations/messages.hpp"
#include "operations/session.hpp"

namespace operation_driver {

using namespace engine_script;
namespace op = imapclient::operations;

struct settings {
    bool use_uid = true;
    bool tls = true;
    std::size_t max_command_length = 8192;
};

inline op::context context_of(const script& s, settings st = {}) {
    return op::context{.engine = s.eng,
                       .use_uid = st.use_uid,
                       .folder_encode = true,
                       .normalise_times = false,
                       .tls = st.tls,
                       .allow_plaintext_login = false,
                       .max_command_length = st.max_command_length};
}

// Runs an operation to its end as the actor's loop does: each command it
// asks for is submitted and written, and the server answers with the next
// of `replies` ("$T" stands for the command's tag). Returns the command
// lines written, in order.
template <typename R>
std::vector<std::string> drive(script& s, op::operation<R>& o, std::vector<std::string> replies, settings st = {}) {
    std::vector<std::string> written;
    std::optional<completion> last;
    std::size_t next_reply = 0;
    for (;;) {
        auto req = o.resume(context_of(s, st), last ? &*last : nullptr);
        if (!req) break;
        const auto id = s.submit(std::move(*req));
        const std::string w = s.flush();
        if (!s.completed(id)) {
            REQUIRE(!w.empty());
            written.push_back(w.substr(w.find(' ') + 1));
            REQUIRE(next_reply < replies.size());
            std::string reply = replies[next_reply++];
            const std::string tag = w.substr(0, w.find(' '));
            for (auto at = reply.find("$T"); at != std::string::npos; at = reply.find("$T")) reply.replace(at, 2, tag);
            s.server(reply);
        }
        last = s.result(id);
    }
    CHECK(next_reply == replies.size());
    return written;
}

inline void authenticated(script& s, std::string_view caps = "IMAP4rev1") {
    s.server("* PREAUTH [CAPABILITY " + std::string(caps) + "] hi\r\n");
    REQUIRE(s.eng.state() == session_state::authenticated);
}

inline void selected(script& s, std::string_view caps = "IMAP4rev1", bool readonly = false) {
    authenticated(s, caps);
    auto c = s.run(cmd::select("INBOX", readonly), readonly ? "A1 EXAMINE INBOX\r\n" : "A1 SELECT INBOX\r\n",
                   "* 3 EXISTS\r\n* OK [UIDVALIDITY 7] v\r\n");
    REQUIRE(!c.ec);
}


}  // namespace operation_driver
