#!/usr/bin/env python3
"""Test messages for the throwaway servers (used by dovecot.sh and cyrus.sh).

  messages.py maildir MAILDIR N UID GID   write N messages into a Maildir INBOX
  messages.py append HOST PORT USER PASSWORD N   APPEND N messages to INBOX

The first message of each batch is a multipart/mixed one (alternative text
and HTML plus a PDF attachment); the others are small text/plain messages
with varied senders (some RFC 2047 encoded), subjects, dates and flags.
Writing into the Maildir is several times faster than APPEND; Dovecot picks
the files up at its next mailbox sync and numbers them in name order.
"""
import os
import socket
import sys
import time

senders = [
    ('"Alice Example"', "alice", "example.org"),
    ('"Bob O\'Brien"', "bob.obrien", "mail.example.com"),
    ("Carol", "carol", "example.net"),
    ('"=?UTF-8?B?SsO8cmdlbiBNw7xsbGVy?="', "juergen", "example.de"),
    ('"Support Team"', "support+tickets", "help.example.com"),
    ("", "noreply", "notifications.example.org"),
]
topics = ["Quarterly report", "Lunch on Friday?", "Re: build failure on main",
          "Invoice #{n}", "=?UTF-8?Q?Caf=C3=A9_meeting?=", "Fwd: holiday photos",
          "[list] weekly digest {n}", "Password reset", "Meeting notes", "Hello"]
flag_sets = ["", "S", "S", "FS", "RS", "S", "", "DS"]
months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

def simple(i, base):
    name, local, domain = senders[i % len(senders)]
    frm = f"{name} <{local}@{domain}>" if name else f"{local}@{domain}"
    subject = topics[i % len(topics)].format(n=i)
    date = f"{days[i % 7]}, {1 + i % 28} {months[i % 12]} 2023 {i % 24:02d}:{i % 60:02d}:{(7 * i) % 60:02d} +0000"
    body = "".join(f"Line {k} of message {i}: the quick brown fox jumps over the lazy dog.\r\n"
                   for k in range(1 + i % 5))
    return (f"Return-Path: <{local}@{domain}>\r\n"
            f"From: {frm}\r\n"
            f"To: Test User <user@example.org>\r\n"
            + (f"Cc: carol@example.net\r\n" if i % 3 == 0 else "")
            + f"Subject: {subject}\r\n"
            f"Date: {date}\r\n"
            f"Message-ID: <seed-{i}-{base}@example.org>\r\n"
            f"MIME-Version: 1.0\r\n"
            f"Content-Type: text/plain; charset=us-ascii\r\n"
            f"\r\n" + body)

def multipart(i, base):
    b = f"=_boundary_{i}_{base}"
    return (f"From: \"Alice Example\" <alice@example.org>\r\n"
            f"To: bob@mail.example.com, carol@example.net\r\n"
            f"Subject: Multipart test {i} with attachment\r\n"
            f"Date: Wed, 15 Mar 2023 10:00:00 +0100\r\n"
            f"Message-ID: <seed-multipart-{i}-{base}@example.org>\r\n"
            f"MIME-Version: 1.0\r\n"
            f"Content-Type: multipart/mixed; boundary=\"{b}\"\r\n"
            f"\r\n"
            f"This is a multi-part message in MIME format.\r\n"
            f"--{b}\r\n"
            f"Content-Type: multipart/alternative; boundary=\"{b}_alt\"\r\n"
            f"\r\n"
            f"--{b}_alt\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\n"
            f"Content-Transfer-Encoding: quoted-printable\r\n"
            f"\r\n"
            f"Hello, here is the report (caf=C3=A9).\r\n"
            f"--{b}_alt\r\n"
            f"Content-Type: text/html; charset=utf-8\r\n"
            f"\r\n"
            f"<p>Hello, here is the <b>report</b>.</p>\r\n"
            f"--{b}_alt--\r\n"
            f"--{b}\r\n"
            f"Content-Type: application/pdf; name=\"report.pdf\"\r\n"
            f"Content-Disposition: attachment; filename=\"report.pdf\"\r\n"
            f"Content-Transfer-Encoding: base64\r\n"
            f"\r\n"
            f"JVBERi0xLjQKJcOkw7zDtsOfCjIgMCBvYmoKPDwvTGVuZ3RoIDMgMCBSPj4Kc3RyZWFtCg==\r\n"
            f"--{b}--\r\n")



def batch(first, n, base):
    """(bytes, maildir flag letters, IMAP flags) for messages first..first+n-1."""
    imap_names = {"D": "\\Draft", "F": "\\Flagged", "R": "\\Answered", "S": "\\Seen"}
    for k in range(n):
        i = first + k
        text = multipart(i, base) if k == 0 else simple(i, base)
        letters = flag_sets[i % len(flag_sets)] if k else ""
        yield text.encode(), letters, " ".join(imap_names[c] for c in letters)


def to_maildir(root, n, uid, gid):
    home = os.path.dirname(root)
    subs = [os.path.join(root, s) for s in ("cur", "new", "tmp")]
    for p in subs:
        os.makedirs(p, exist_ok=True)
    for p in (home, root, *subs):
        os.chown(p, uid, gid)
    host = socket.gethostname().replace("/", "_").replace(":", "_")
    base = int(time.time()) - n  # ascending times keep the order of UIDs
    first = len(os.listdir(os.path.join(root, "cur")))
    for k, (data, letters, _) in enumerate(batch(first, n, base)):
        t = base + k
        name = f"{t}.M{first + k}P{os.getpid()}.{host},S={len(data)}:2,{letters}"
        tmp = os.path.join(root, "tmp", name)
        with open(tmp, "wb") as f:
            f.write(data)
        os.utime(tmp, (t, t))
        os.chown(tmp, uid, gid)
        os.rename(tmp, os.path.join(root, "cur", name))


def by_append(host, port, user, password, n):
    """APPEND with LITERAL+ (both servers have it), pipelined."""
    s = socket.create_connection((host, port), timeout=60)
    f = s.makefile("rb")
    f.readline()
    def quoted(v):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    s.sendall(f"L LOGIN {quoted(user)} {quoted(password)}\r\n".encode())
    for line in f:
        if line.startswith(b"L "):
            if not line.startswith(b"L OK"):
                sys.exit(f"messages.py: login failed: {line!r}")
            break
    base = int(time.time()) - n
    out = bytearray()
    for k, (data, _, flags) in enumerate(batch(0, n, base)):
        out += f"A{k} APPEND INBOX ({flags}) {{{len(data)}+}}\r\n".encode() + data + b"\r\n"
    out += b"Z LOGOUT\r\n"
    s.sendall(out)
    failures = 0
    for line in f:
        if line[:1] == b"A" and b" OK" not in line[:12]:
            failures += 1
            print(f"messages.py: {line!r}", file=sys.stderr)
        if line.startswith(b"Z "):
            break
    if failures:
        sys.exit(f"messages.py: {failures} APPENDs failed")


if __name__ == "__main__":
    a = sys.argv
    if len(a) == 6 and a[1] == "maildir":
        to_maildir(a[2], int(a[3]), int(a[4]), int(a[5]))
    elif len(a) == 7 and a[1] == "append":
        by_append(a[2], int(a[3]), a[4], a[5], int(a[6]))
    else:
        sys.exit(__doc__)
