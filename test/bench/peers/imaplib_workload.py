#!/usr/bin/env python3
"""imaplib_workload.py PORT USER PASSWORD WORK N

The workload of test/bench/workload.cpp driven by Python's imaplib (stdlib),
same command line, same JSON line. Set-up (LOGIN, EXAMINE INBOX, UID SEARCH
ALL) is not timed. imaplib cannot pipeline, so `small` runs its N fetches one
after another: that is what a user of imaplib gets. `bytes` is, as in
workload.cpp, the sum of RFC822.SIZE values (headers) or of BODY[] literal
lengths (bodies, small).
"""
import imaplib, json, re, sys, time

def uid_set(ids):
    """Ascending runs as "a:b", so that 2000 UIDs fit in a short line."""
    out, i = [], 0
    while i < len(ids):
        j = i
        while j + 1 < len(ids) and ids[j + 1] == ids[j] + 1:
            j += 1
        out.append(str(ids[i]) if i == j else f"{ids[i]}:{ids[j]}")
        i = j + 1
    return ",".join(out)

def main(port, user, password, work, n):
    m = imaplib.IMAP4("127.0.0.1", int(port))
    m.login(user, password)
    m.select("INBOX", readonly=True)
    uids = [int(x) for x in m.uid("SEARCH", "ALL")[1][0].split()][: int(n)]
    got = size = 0
    t0 = time.perf_counter()
    if work == "headers":
        typ, data = m.uid("FETCH", uid_set(uids), "(UID FLAGS RFC822.SIZE ENVELOPE)")
        for item in data:  # a tuple when the envelope holds a literal
            head = item[0] if isinstance(item, tuple) else item
            s = re.search(rb"RFC822\.SIZE (\d+)", head)
            if s and re.match(rb"\d+ \(", head):
                got, size = got + 1, size + int(s.group(1))
    elif work in ("bodies", "small"):
        sets = [uid_set(uids)] if work == "bodies" else [str(u) for u in uids]
        for s in sets:
            typ, data = m.uid("FETCH", s, "(BODY.PEEK[])")
            for item in data:
                if isinstance(item, tuple):
                    got, size = got + 1, size + len(item[1])
    else:
        sys.exit("WORK must be headers, bodies or small")
    wall = time.perf_counter() - t0
    if typ != "OK" or got != len(uids) or len(uids) != int(n):
        sys.exit(f"imaplib_workload: got {got} of {n} messages ({typ})")
    print(json.dumps({"client": "imaplib", "work": work, "n": int(n), "bytes": size, "wall_s": round(wall, 6)}))
    m.logout()

if __name__ == "__main__":
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    main(*sys.argv[1:])
