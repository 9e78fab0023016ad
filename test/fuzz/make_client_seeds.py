#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_client (test/fuzz/corpus-fuzz_client/).

Each seed is a realistic server side of a session, in the layout that
test/fuzz/fuzz_client.cpp documents: a flags byte, 7 operation bytes, then
the server's chunks separated by 0x01 (0x02 = the tag of the answered
command). The replies are modelled on what Dovecot 2.3 sends (its
greeting, capability list, SELECT and FETCH replies) plus some quirks of
QUIRKS.md (split FETCH data, untagged data in odd places, BYE mid-literal).
Rerun after changing the operation codes in fuzz_client.cpp.
"""
import os
import sys

OPS = dict(noop=0, select=1, examine=2, fetch_small=3, fetch_big=4, fetch_modseq=5, search=6,
           search_utf8=7, append=8, append_8bit=9, idle=10, listen=11, pipelined=12, raw_cap=13,
           close=14, logout=15, events=16, cancelled_fetch=17)
TINY, DEBUG, STARTTLS, SKIP_LOGIN, SEQ_IDS, NO_TIMEOUT, ON_STRAND = 1, 2, 4, 8, 16, 32, 64

CAPS = ("IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT SORT=DISPLAY THREAD=REFERENCES "
        "MULTIAPPEND URL-PARTIAL CATENATE UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED "
        "I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH ESORT SEARCHRES WITHIN CONTEXT=SEARCH LIST-STATUS "
        "BINARY MOVE SNIPPET=FUZZY PREVIEW=FUZZY STATUS=SIZE SAVEDATE SPECIAL-USE")
GREETING = f"* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE STARTTLS AUTH=PLAIN] Dovecot ready.\r\n"
LOGIN_OK = f"\x02 OK [CAPABILITY {CAPS}] Logged in\r\n"
SELECT = ("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
          "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags permitted.\r\n"
          "* 3 EXISTS\r\n* 0 RECENT\r\n* OK [UNSEEN 2] First unseen.\r\n"
          "* OK [UIDVALIDITY 1700000000] UIDs valid\r\n* OK [UIDNEXT 4] Predicted next UID\r\n"
          "* OK [HIGHESTMODSEQ 7] Highest\r\n\x02 OK [READ-WRITE] Select completed (0.001 + 0.000 secs).\r\n")
EXAMINE = SELECT.replace("[READ-WRITE]", "[READ-ONLY]").replace("Select", "Examine")
FETCH_SMALL = ('* 1 FETCH (UID 1 FLAGS (\\Seen) RFC822.SIZE 171 INTERNALDATE "07-Feb-1994 21:52:25 -0800")\r\n'
               '* 2 FETCH (UID 2 FLAGS () RFC822.SIZE 2345 INTERNALDATE "17-Jul-1996 02:44:25 -0700")\r\n'
               '* 3 FETCH (UID 3 FLAGS (\\Flagged $Forwarded) RFC822.SIZE 512 INTERNALDATE " 1-Jan-2024 00:00:00 +0000")\r\n'
               "\x02 OK Fetch completed (0.001 + 0.000 secs).\r\n")
MSG = "From: Tester <tester@example.com>\r\nSubject: hello\r\n\r\nbody\r\n"
FETCH_BIG = ('* 1 FETCH (UID 1 ENVELOPE ("Mon, 7 Feb 1994 21:52:25 -0800" "=?utf-8?q?caf=C3=A9?=" '
             '(("Tester" NIL "tester" "example.com")) (("Tester" NIL "tester" "example.com")) '
             '(("Tester" NIL "tester" "example.com")) ((NIL NIL "alice" "example.com")) NIL NIL NIL '
             '"<hello@example.com>") BODYSTRUCTURE ("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 6 1 '
             'NIL NIL NIL NIL) BODY[] {%d}\r\n%s BODY[HEADER.FIELDS (SUBJECT)] {18}\r\nSubject: hello\r\n\r\n)\r\n'
             % (len(MSG), MSG) +
             '* 2 FETCH (UID 2 BODYSTRUCTURE (("text" "plain" ("charset" "utf-8") NIL NIL "quoted-printable" 10 1 NIL NIL NIL NIL)'
             '("application" "pdf" ("name" "a.pdf") NIL NIL "base64" 2000 NIL ("attachment" ("filename" "a.pdf")) NIL NIL) '
             '"mixed" ("boundary" "b1") NIL NIL NIL) ENVELOPE (NIL "" NIL NIL NIL NIL NIL NIL NIL NIL) BODY[] "" '
             'BODY[HEADER.FIELDS (SUBJECT)] "")\r\n'
             "\x02 OK Fetch completed.\r\n")
FETCH_MODSEQ = ("* 1 FETCH (UID 1 MODSEQ (5) FLAGS (\\Seen))\r\n* 3 FETCH (UID 3 MODSEQ (7) FLAGS ())\r\n"
                "\x02 OK Fetch completed.\r\n")
SEARCH = "* SEARCH 1 2 3\r\n\x02 OK Search completed (0.001 + 0.000 secs).\r\n"
APPEND_CONT = "+ OK\r\n"
APPEND_OK = "\x02 OK [APPENDUID 1700000000 4] Append completed (0.001 + 0.000 secs).\r\n"
NOOP = "* 4 EXISTS\r\n* 1 RECENT\r\n* 2 FETCH (FLAGS (\\Seen))\r\n\x02 OK NOOP completed.\r\n"
CAPA = f"* CAPABILITY {CAPS}\r\n\x02 OK Capability completed.\r\n"
CLOSE = "\x02 OK Close completed.\r\n"
LOGOUT = "* BYE Logging out\r\n\x02 OK Logout completed.\r\n"


def seed(name, flags, ops, chunks):
    ops = [OPS[o] for o in ops] + [OPS["noop"]] * (7 - len(ops))
    assert len(ops) == 7
    data = bytes([flags] + ops) + b"\x01".join(c.encode("latin-1") for c in chunks)
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus-fuzz_client")
os.makedirs(OUT, exist_ok=True)

seed("session-select-fetch-logout", 0, ["select", "fetch_small", "fetch_big", "search", "logout"],
     [GREETING, LOGIN_OK, SELECT, FETCH_SMALL, FETCH_BIG, SEARCH, LOGOUT])
seed("append-sync-literal", 0, ["append", "append_8bit", "noop"],
     [GREETING, LOGIN_OK, APPEND_CONT, APPEND_OK, APPEND_CONT, APPEND_OK, NOOP, "\x02 OK\r\n"])
seed("append-no-continuation", 0, ["append"],
     [GREETING, LOGIN_OK, "\x02 NO [OVERQUOTA] Quota exceeded (mailbox for user is full)\r\n", "\x02 OK\r\n"])
seed("idle-exists-expunge", 0, ["select", "idle", "fetch_small"],
     [GREETING, LOGIN_OK, SELECT, "+ idling\r\n", "* 4 EXISTS\r\n* 2 EXPUNGE\r\n* OK Still here\r\n",
      "\x02 OK Idle completed (0.001 + 2.000 secs).\r\n", FETCH_SMALL, "\x02 OK\r\n"])
seed("listen-renew-and-push", ON_STRAND, ["select", "listen", "noop"],
     [GREETING, LOGIN_OK, SELECT, "+ idling\r\n", "* 5 EXISTS\r\n", "\x02 OK Idle completed.\r\n",
      "+ idling\r\n", "\x02 OK Idle completed.\r\n", "+ idling\r\n", "\x02 OK Idle completed.\r\n", NOOP])
seed("pipelined", ON_STRAND, ["select", "pipelined", "pipelined"],
     [GREETING, LOGIN_OK, SELECT, FETCH_SMALL.replace("* 3 FETCH", "* 9 FETCH"), NOOP, SEARCH,
      FETCH_SMALL, NOOP, SEARCH, "\x02 OK\r\n"])
seed("preauth-examine-modseq", SKIP_LOGIN, ["examine", "fetch_modseq", "close", "raw_cap"],
     [f"* PREAUTH [CAPABILITY {CAPS}] Logged in as alice\r\n", EXAMINE, FETCH_MODSEQ, CLOSE, CAPA, "\x02 OK\r\n"])
seed("starttls-refused", STARTTLS, ["noop"],
     [GREETING, "\x02 NO [UNAVAILABLE] TLS unavailable\r\n"])
seed("starttls-ok-garbage-handshake", STARTTLS, ["noop"],
     [GREETING, "\x02 OK Begin TLS negotiation now.\r\n* OK injected\r\n", "\x16\x03\x01\x00\x05hello"])
seed("bye-mid-fetch", DEBUG, ["select", "fetch_big", "noop"],
     [GREETING, LOGIN_OK, SELECT, "* 1 FETCH (UID 1 BODY[] {500}\r\nFrom: x\r\n", "* BYE Server shutting down\r\n"])
seed("tiny-limits-long-line", TINY, ["select", "fetch_big", "events"],
     [GREETING, LOGIN_OK, SELECT, "* 1 FETCH (UID 1 BODY[] {100000}\r\n" + "x" * 300, "\x02 OK\r\n"])
seed("event-flood-tiny-queue", TINY | NO_TIMEOUT, ["select", "noop", "events", "idle", "events"],
     [GREETING, LOGIN_OK, SELECT, "".join(f"* {i} EXISTS\r\n" for i in range(4, 20)) + "\x02 OK\r\n",
      "+ idling\r\n", "* 20 EXISTS\r\n* 3 EXPUNGE\r\n* 1 FETCH (FLAGS (\\Deleted))\r\n", "\x02 OK\r\n"])
seed("sequence-ids-search-utf8", SEQ_IDS, ["select", "search_utf8", "fetch_small", "cancelled_fetch", "noop"],
     [GREETING, LOGIN_OK, SELECT, "+ go ahead\r\n", SEARCH, FETCH_SMALL.replace("UID 1 ", ""),
      FETCH_BIG, NOOP])
seed("quirks-untagged-in-odd-places", 0, ["select", "fetch_small", "noop"],
     [GREETING, "* CAPABILITY IMAP4rev1 IDLE\r\n\x02 OK Logged in\r\n", "* OK [ALERT] System shutdown in 10 minutes\r\n" + SELECT,
      "* 1 FETCH (FLAGS (\\Seen) UID 1)\r\n* 1 FETCH (RFC822.SIZE 44)\r\n* 2 FETCH (UID 2 FLAGS (\\Seen \\Recent) INTERNALDATE \"7-Feb-1994 21:52:25 -0800\")\r\n\x02 OK done\r\n",
      "* 3 EXPUNGE\r\n* VANISHED (EARLIER) 5:9\r\n\x02 BAD [CLIENTBUG] nope\r\n"])
seed("literal-plus-append", 0, ["append", "select"],
     [GREETING, f"\x02 OK [CAPABILITY {CAPS} LITERAL+] Logged in\r\n", "", APPEND_OK, SELECT])
seed("greeting-without-capability", 0, ["logout"],
     ["* OK IMAP4rev1 ready\r\n", CAPA, LOGIN_OK, LOGOUT])
seed("forged-tag-and-bad-framing", 0, ["select", "fetch_small"],
     [GREETING, LOGIN_OK, "Z99 OK forged\r\n" + SELECT, "* 1 FETCH (UID 1 BODY[] {-1}\r\n\x02 OK\r\n"])
print(f"wrote {len(os.listdir(OUT))} seeds to {OUT}")
