// The operations layer without sockets: preconditions checked by the engine
// when a command is submitted, and each kind of operation state machine
// (one command, several commands, refusals, closing the connection) run
// against a scripted server.
#include "operation_driver.hpp"

using namespace engine_script;
using namespace operation_driver;


// ---- preconditions ----------------------------------------------------------

TEST_CASE("preconditions: each rule refuses with its own error, before anything is written", "[preconditions]") {
    script s;
    preconditions none;
    CHECK_FALSE(s.eng.check(none));  // nothing asked: the engine's own tests submit before a greeting

    preconditions connected{.level = session_level::connected};
    auto r = s.eng.check(connected);
    REQUIRE(r);
    CHECK(r->ec == ec_of(errc::not_connected));

    s.greet("IMAP4rev1 STARTTLS");
    CHECK_FALSE(s.eng.check(connected));
    preconditions before_login{.level = session_level::not_authenticated};
    CHECK_FALSE(s.eng.check(before_login));
    preconditions logged_in{.level = session_level::authenticated, .what = "COMPRESS"};
    r = s.eng.check(logged_in);
    REQUIRE(r);
    CHECK(r->ec == ec_of(errc::illegal_state));
    CHECK(r->text == "COMPRESS is only allowed once logged in");

    preconditions in_mailbox{.level = session_level::selected};
    r = s.eng.check(in_mailbox);
    REQUIRE(r);
    CHECK(r->ec == ec_of(errc::illegal_state));
    CHECK(r->text == "no mailbox selected");

    preconditions offered{.level = session_level::connected, .capability = {"MOVE"}};
    r = s.eng.check(offered);
    REQUIRE(r);
    CHECK(r->ec == ec_of(errc::capability_missing));
    CHECK(r->text == "the server does not offer MOVE");
    preconditions either{.level = session_level::connected, .capability = {"CONDSTORE", "STARTTLS"}};
    CHECK_FALSE(s.eng.check(either));  // one of them is enough
}

TEST_CASE("preconditions: ENABLEd extensions, writable mailboxes, a closed connection", "[preconditions]") {
    script s;
    selected(s, "IMAP4rev1 QRESYNC ENABLE", true);
    preconditions qresync{.level = session_level::connected, .capability = {"QRESYNC"}, .enabled = "QRESYNC"};
    auto r = s.eng.check(qresync);
    REQUIRE(r);
    CHECK(r->ec == ec_of(errc::illegal_state));
    CHECK(r->text == "QRESYNC is not enabled: call enable({\"QRESYNC\"}) first");

    preconditions writable{.level = session_level::selected, .writable = true, .what = "STORE"};
    r = s.eng.check(writable);
    REQUIRE(r);
    CHECK(r->ec == ec_of(errc::read_only));
    CHECK(r->text == "the mailbox is selected read-only: STORE refused");

    s.fail(ec_of(errc::timeout), "silence");
    r = s.eng.check(preconditions{.level = session_level::connected});
    REQUIRE(r);
    CHECK(r->ec == ec_of(errc::timeout));  // the close reason, not a generic code
}

TEST_CASE("preconditions: a submitted command that fails them completes at once and writes nothing",
          "[preconditions]") {
    script s;
    authenticated(s);
    auto req = cmd::fetch(sequence_set("1:3"), {"FLAGS"}, {}, true);
    req.needs = op::needs_selected();
    const auto id = s.submit(std::move(req));
    CHECK(s.flush().empty());
    const auto& c = s.result(id);
    CHECK(c.ec == ec_of(errc::illegal_state));
    CHECK(c.status.text == "no mailbox selected");
    // The session is unharmed, and the refused command used no tag.
    auto ok = s.run(cmd::noop(), "A1 NOOP\r\n");
    CHECK(!ok.ec);
}

// ---- one-command operations ------------------------------------------------

TEST_CASE("operations: FETCH split over several responses is merged into one message", "[operations]") {
    script s;
    selected(s);
    auto o = op::make_algorithm(ops::fetch{sequence_set("5"), {"FLAGS", "ENVELOPE"}, {}});
    auto lines = drive(s, *o,
                       {"* 1 FETCH (UID 5 FLAGS (\\Seen))\r\n"
                        "* 1 FETCH (UID 5 ENVELOPE (NIL \"Hi\" NIL NIL NIL NIL NIL NIL NIL NIL))\r\n"
                        "$T OK done\r\n"});
    CHECK(lines == std::vector<std::string>{"UID FETCH 5 (FLAGS ENVELOPE)\r\n"});
    REQUIRE(!o->result.first);
    REQUIRE(o->result.second.messages.size() == 1);
    const auto& m = o->result.second.messages.at(5);
    REQUIRE(m.flags);
    CHECK(*m.flags == std::vector<std::string>{"\\Seen"});
    REQUIRE(m.envelope);
    CHECK(m.envelope->subject == "Hi");
    CHECK(o->result.second.status.text == "done");
}

TEST_CASE("operations: search() keeps an ESEARCH answer", "[operations]") {
    script s;
    selected(s);
    auto o = op::make_algorithm(ops::search{"ALL", {}});
    drive(s, *o, {"* ESEARCH (TAG \"$T\") UID ALL 1:3,7\r\n$T OK done\r\n"});
    CHECK(o->result.second.ids == std::vector<std::uint32_t>{1, 2, 3, 7});
}

TEST_CASE("operations: refusals come from the preconditions, before anything is sent", "[operations]") {
    script s;
    selected(s, "IMAP4rev1", true);  // EXAMINEd, no MOVE, no UIDPLUS
    auto move = op::make_algorithm(ops::move{sequence_set("1"), "Archive"});
    CHECK(drive(s, *move, {}).empty());
    CHECK(move->result.first == ec_of(errc::read_only));

    auto store = op::make_algorithm(ops::store_flags{sequence_set("1"), flag_change::add, {"\\Seen"}, false});
    CHECK(drive(s, *store, {}).empty());
    CHECK(store->result.first == ec_of(errc::read_only));

    auto expunge = op::make_algorithm(ops::expunge{sequence_set("1")});
    CHECK(drive(s, *expunge, {}).empty());
    CHECK(expunge->result.first == ec_of(errc::capability_missing));
    CHECK(s.written.find("EXPUNGE") == std::string::npos);
}

TEST_CASE("operations: an empty message set asks nothing but still checks the session", "[operations]") {
    script s;
    authenticated(s);
    auto not_selected = op::make_algorithm(ops::store_flags{sequence_set(), flag_change::add, {"\\Seen"}, false});
    CHECK(drive(s, *not_selected, {}).empty());
    CHECK(not_selected->result.first == ec_of(errc::illegal_state));

    script t;
    selected(t);
    auto empty = op::make_algorithm(ops::store_flags{sequence_set(), flag_change::add, {"\\Seen"}, false});
    CHECK(drive(t, *empty, {}).empty());
    CHECK(!empty->result.first);
    CHECK(empty->result.second.messages.empty());
}

// ---- operations of several commands -----------------------------------------

TEST_CASE("operations: LOGIN asks for the capabilities only when its OK did not carry them", "[operations]") {
    SECTION("OK with [CAPABILITY]: one command") {
        script s;
        s.greet();
        auto o = op::make_algorithm(ops::login{"u", "p"});
        auto lines = drive(s, *o, {"$T OK [CAPABILITY IMAP4rev1 IDLE] in\r\n"});
        CHECK(lines.size() == 1);
        CHECK(!o->result.first);
        CHECK(s.eng.has_capability("IDLE"));
    }
    SECTION("untagged CAPABILITY before the OK (Gmail, Yandex): one command") {
        script s;
        s.greet("IMAP4rev1 AUTH=PLAIN");
        auto o = op::make_algorithm(ops::login{"u", "p"});
        auto lines = drive(s, *o, {"* CAPABILITY IMAP4rev1 X-GM-EXT-1 MOVE\r\n$T OK u authenticated (Success)\r\n"});
        CHECK(lines.size() == 1);
        CHECK(!o->result.first);
        CHECK(s.eng.has_capability("X-GM-EXT-1"));
        CHECK_FALSE(s.eng.has_capability("AUTH=PLAIN"));
    }
    SECTION("plain OK: CAPABILITY follows") {
        script s;
        s.greet();
        auto o = op::make_algorithm(ops::login{"u", "p"});
        auto lines = drive(s, *o, {"$T OK in\r\n", "* CAPABILITY IMAP4rev1 MOVE\r\n$T OK\r\n"});
        REQUIRE(lines.size() == 2);
        CHECK(lines[1] == "CAPABILITY\r\n");
        CHECK(o->result.second.status.text == "in");
        CHECK(s.eng.has_capability("MOVE"));
    }
    SECTION("NO is login_failed") {
        script s;
        s.greet();
        auto o = op::make_algorithm(ops::login{"u", "p"});
        drive(s, *o, {"$T NO [AUTHENTICATIONFAILED] bad\r\n"});
        CHECK(o->result.first == ec_of(errc::login_failed));
        CHECK(o->result.second.status.text == "bad");
    }
    SECTION("without TLS and without consent: refused, nothing sent") {
        script s;
        s.greet();
        auto o = op::make_algorithm(ops::login{"u", "p"});
        CHECK(drive(s, *o, {}, settings{.tls = false}).empty());
        CHECK(o->result.first == ec_of(errc::plaintext_login_refused));
    }
}

TEST_CASE("operations: LOGOUT asks for the connection to be closed after its OK", "[operations]") {
    script s;
    authenticated(s);
    auto o = op::make_algorithm(ops::logout{});
    drive(s, *o, {"* BYE bye\r\n$T OK out\r\n"});
    CHECK(!o->result.first);
    REQUIRE(o->close_connection);
    CHECK(o->close_connection->ec == ec_of(errc::not_connected));
}

TEST_CASE("operations: UNSELECT's fallback examines an impossible name, then CLOSE if it existed", "[operations]") {
    SECTION("NO: nothing is selected, done") {
        script s;
        selected(s);
        auto o = op::make_algorithm(ops::unselect_folder{});
        auto lines = drive(s, *o, {"$T NO no such mailbox\r\n"});
        REQUIRE(lines.size() == 1);
        CHECK(lines[0].rfind("EXAMINE imapclient-unselect-", 0) == 0);
        CHECK(!o->result.first);
        CHECK(s.eng.state() == session_state::authenticated);
    }
    SECTION("OK: CLOSE deselects it") {
        script s;
        selected(s);
        auto o = op::make_algorithm(ops::unselect_folder{});
        auto lines = drive(s, *o, {"* 0 EXISTS\r\n$T OK [READ-ONLY] examined\r\n", "$T OK closed\r\n"});
        REQUIRE(lines.size() == 2);
        CHECK(lines[1] == "CLOSE\r\n");
        CHECK(o->result.second.status.text == "closed");
    }
    SECTION("with UNSELECT: one command") {
        script s;
        selected(s, "IMAP4rev1 UNSELECT");
        auto o = op::make_algorithm(ops::unselect_folder{});
        CHECK(drive(s, *o, {"$T OK\r\n"}) == std::vector<std::string>{"UNSELECT\r\n"});
    }
}

TEST_CASE("operations: find_special_folder goes LIST, XLIST, NAMESPACE, common names", "[operations]") {
    script s;
    authenticated(s, "IMAP4rev1 XLIST NAMESPACE");
    auto o = op::make_algorithm(ops::find_special_folder{"\\Sent"});
    auto lines =
        drive(s, *o,
              {"* LIST () \"/\" INBOX\r\n* LIST () \"/\" \"INBOX/Sent Items\"\r\n$T OK\r\n",
               "* XLIST (\\Inbox) \"/\" INBOX\r\n$T OK\r\n", "* NAMESPACE ((\"INBOX/\" \"/\")) NIL NIL\r\n$T OK\r\n"});
    CHECK(lines == std::vector<std::string>{"LIST \"\" \"*\"\r\n", "XLIST \"\" \"*\"\r\n", "NAMESPACE\r\n"});
    REQUIRE(o->result.second);
    CHECK(*o->result.second == "INBOX/Sent Items");
}

TEST_CASE("operations: set_quota sends one SETQUOTA per root, and GETQUOTA when the reply had no QUOTA",
          "[operations]") {
    script s;
    authenticated(s, "IMAP4rev1 QUOTA");
    auto o =
        op::make_algorithm(ops::set_quota{{{"a", "STORAGE", 0, 100}, {"b", "STORAGE", 0, 5}, {"a", "MESSAGE", 0, 9}}});
    auto lines = drive(
        s, *o,
        {"* QUOTA a (STORAGE 1 100 MESSAGE 2 9)\r\n$T OK\r\n", "$T OK\r\n", "* QUOTA b (STORAGE 0 5)\r\n$T OK\r\n"});
    CHECK(lines == std::vector<std::string>{"SETQUOTA a (STORAGE 100 MESSAGE 9)\r\n", "SETQUOTA b (STORAGE 5)\r\n",
                                            "GETQUOTA b\r\n"});
    CHECK(!o->result.first);
    CHECK(o->result.second.quotas.size() == 3);
}

TEST_CASE("operations: a command of a multi-command operation that fails ends it with that error", "[operations]") {
    script s;
    authenticated(s, "IMAP4rev1 QUOTA");
    auto o = op::make_algorithm(ops::set_quota{{{"a", "STORAGE", 0, 100}, {"b", "STORAGE", 0, 5}}});
    auto lines = drive(s, *o, {"$T NO [OVERQUOTA] not allowed\r\n"});
    CHECK(lines.size() == 1);
    CHECK(o->result.first == ec_of(errc::no));
    CHECK(o->result.second.status.text == "not allowed");
}

// ---- what other clients' test suites found -----------------------------------

TEST_CASE("operations: noop() returns the unsolicited data that came while it ran", "[operations]") {
    script s;
    selected(s);
    auto o = op::make_algorithm(ops::noop{});
    drive(s, *o, {"* 4 EXISTS\r\n* 1 RECENT\r\n$T OK NOOP completed\r\n"});
    REQUIRE(!o->result.first);
    const auto& r = o->result.second.responses;
    REQUIRE(r.size() == 2);
    CHECK(std::get<exists_data>(r[0]).count == 4);  // Python IMAPClient's (4, EXISTS)
    CHECK(std::get<recent_data>(r[1]).count == 1);
    CHECK(s.events().size() == 2);  // the listeners see it too
    CHECK(s.eng.mailbox().exists == 4);
    // The same for the other commands whose result is command_result.
    auto create = op::make_algorithm(ops::create_folder{"New"});
    drive(s, *create, {"* 5 EXISTS\r\n$T OK created\r\n"});
    REQUIRE(create->result.second.responses.size() == 1);
    CHECK(std::get<exists_data>(create->result.second.responses[0]).count == 5);
}

TEST_CASE("operations: LOGOUT answered by BYE alone is done, with the BYE", "[operations]") {
    script s;
    selected(s);
    auto o = op::make_algorithm(ops::logout{});
    drive(s, *o, {"* BYE IMAP4rev1 Server logging out\r\n"});
    CHECK(!o->result.first);
    CHECK(o->result.second.status.status == status_kind::bye);
    REQUIRE(o->result.second.responses.size() == 1);
    CHECK(std::holds_alternative<status_response>(o->result.second.responses[0]));
    REQUIRE(o->close_connection);
}

TEST_CASE("operations: folder_status() keeps the items that are not numbers", "[operations]") {
    script s;
    authenticated(s);
    auto o = op::make_algorithm(ops::folder_status{"INBOX", {"MESSAGES", "MAILBOXID", "APPENDLIMIT", "X-FOO"}});
    drive(s, *o, {"* STATUS \"INBOX\" (MESSAGES 60 MAILBOXID (d0f3b017) APPENDLIMIT NIL X-FOO (a b))\r\n$T OK\r\n"});
    const auto& r = o->result.second;
    CHECK(r.messages == 60u);
    CHECK(r.mailbox_id == "d0f3b017");
    CHECK_FALSE(r.append_limit);  // NIL: no limit
    REQUIRE(r.other.size() == 3);
    CHECK(r.other[1].first == "APPENDLIMIT");
    CHECK(r.other[1].second.is_nil());
    CHECK(r.other[2].first == "X-FOO");
    CHECK(r.other[2].second.items.size() == 2);
    auto n = op::make_algorithm(ops::folder_status{"INBOX", {"APPENDLIMIT"}});
    drive(s, *n, {"* STATUS INBOX (APPENDLIMIT 35651584)\r\n$T OK\r\n"});
    CHECK(n->result.second.append_limit == 35651584u);
    CHECK(n->result.second.other.empty());
}

TEST_CASE("operations: search() sets ids out of range aside and says so", "[operations]") {
    script s;
    selected(s);
    auto o = op::make_algorithm(ops::search{"ALL", {}});
    drive(s, *o, {"* SEARCH 3 -1 4294967301 9\r\n$T OK done\r\n"});
    CHECK(o->result.second.ids == std::vector<std::uint32_t>{3, 9});
    CHECK(o->result.second.invalid_ids == std::vector<std::string>{"-1", "4294967301"});
    auto e = op::make_algorithm(ops::search{"ALL", {}});
    drive(s, *e, {"* ESEARCH (TAG \"$T\") UID ALL 1:x\r\n$T OK done\r\n"});
    CHECK(e->result.second.ids.empty());
    CHECK(e->result.second.invalid_ids == std::vector<std::string>{"1:x"});
    // ESEARCH with PARTIAL (RFC 9394): the ids of the range that came.
    auto p = op::make_algorithm(ops::search{"ALL", {}});
    drive(s, *p, {"* ESEARCH (TAG \"$T\") UID PARTIAL (1:3 4:5,9)\r\n$T OK done\r\n"});
    CHECK(p->result.second.ids == std::vector<std::uint32_t>{4, 5, 9});
    auto none = op::make_algorithm(ops::search{"ALL", {}});
    drive(s, *none, {"* ESEARCH (TAG \"$T\") UID PARTIAL (1:3 NIL)\r\n$T OK done\r\n"});
    CHECK(none->result.second.ids.empty());
    CHECK(none->result.second.invalid_ids.empty());
}

TEST_CASE("operations: a UID FETCH answer in two parts is one message", "[operations]") {
    script s;
    selected(s, "IMAP4rev1 CONDSTORE");
    auto o = op::make_algorithm(ops::fetch{sequence_set("5"), {"FLAGS", "MODSEQ"}, {}});
    drive(s, *o, {"* 1 FETCH (UID 5 FLAGS (\\Seen))\r\n* 1 FETCH (MODSEQ (3))\r\n$T OK done\r\n"});
    REQUIRE(o->result.second.messages.size() == 1);
    const auto& m = o->result.second.messages.at(5);
    CHECK(m.modseq == 3u);
    REQUIRE(m.flags);
    CHECK(s.events().empty());
}

TEST_CASE("operations: a FETCH item that cannot be read leaves the message in the result", "[operations]") {
    script s;
    selected(s);
    auto o = op::make_algorithm(ops::fetch{sequence_set("3016"), {"BODY.PEEK[2.MIME]", "BODY.PEEK[2]"}, {}});
    drive(s, *o, {"* 1 FETCH (UID 3016 BODY[2.MIME] {2}\r\nhi BODY[2] )\r\n$T OK FETCH Completed.\r\n"});
    REQUIRE(o->result.second.messages.count(3016) == 1);
    const auto& m = o->result.second.messages.at(3016);
    REQUIRE(m.section("BODY[2.MIME]"));
    CHECK(m.section("BODY[2.MIME]")->data == "hi");
    REQUIRE(m.unreadable.size() == 1);
    CHECK(m.unreadable[0].item == "BODY[2]");
}

TEST_CASE("operations: MOVE without the capability is COPY, STORE \\Deleted and UID EXPUNGE of just those", "[operations]") {
    script s;
    selected(s, "IMAP4rev1 UIDPLUS");
    auto o = op::make_algorithm(ops::move{sequence_set("1:2"), "Trash"});
    auto lines = drive(s, *o,
                       {"$T OK [COPYUID 7 1:2 5:6] copied\r\n", "$T OK stored\r\n",
                        "* 1 EXPUNGE\r\n* 1 EXPUNGE\r\n$T OK expunged\r\n"});
    REQUIRE(lines.size() == 3);
    CHECK(lines[0].find("UID COPY 1:2 Trash") != std::string::npos);
    CHECK(lines[1].find("UID STORE 1:2 +FLAGS.SILENT (\\Deleted)") != std::string::npos);
    CHECK(lines[2].find("UID EXPUNGE 1:2") != std::string::npos);
    CHECK(o->result.first == error_code{});
    CHECK(o->result.second.moved_by_copy);
    CHECK(!o->result.second.left_in_source);
    CHECK(o->result.second.source_uids == std::vector<std::uint32_t>{1, 2});
    CHECK(o->result.second.dest_uids == std::vector<std::uint32_t>{5, 6});
}

TEST_CASE("operations: MOVE by COPY without UIDPLUS leaves the originals; a refused STORE is reported, the move stands",
          "[operations]") {
    {
        script s;
        selected(s, "IMAP4rev1");
        auto o = op::make_algorithm(ops::move{sequence_set("3"), "Trash"});
        auto lines = drive(s, *o, {"$T OK copied\r\n"});
        REQUIRE(lines.size() == 1);  // no COPYUID: the copies cannot be named, nothing is marked
        CHECK(o->result.first == error_code{});
        CHECK(o->result.second.moved_by_copy);
        CHECK(o->result.second.left_in_source);
    }
    {
        script s;
        selected(s, "IMAP4rev1 UIDPLUS");
        auto o = op::make_algorithm(ops::move{sequence_set("3:*"), "Trash"});
        auto lines = drive(s, *o, {"$T OK [COPYUID 7 3:4 9:10] copied\r\n", "$T NO [CANNOT] not now\r\n"});
        REQUIRE(lines.size() == 2);
        // Exactly the UIDs copied, not "3:*" again (a new message would match).
        CHECK(lines[1].find("UID STORE 3:4 +FLAGS.SILENT") != std::string::npos);
        CHECK(o->result.first == error_code{});
        CHECK(o->result.second.status.text == "not now");
        CHECK(o->result.second.left_in_source);
        CHECK(o->result.second.dest_uids == std::vector<std::uint32_t>{9, 10});
    }
    {
        script s;
        selected(s, "IMAP4rev1 UIDPLUS");
        auto o = op::make_algorithm(ops::move{sequence_set("3"), "Nowhere"});
        auto lines = drive(s, *o, {"$T NO [TRYCREATE] no such folder\r\n"});
        REQUIRE(lines.size() == 1);  // nothing copied: nothing else done
        CHECK(o->result.first == ec_of(errc::no));
        CHECK(!o->result.second.left_in_source);
    }
}
