# raw_fetch.py PORT USER PASSWORD FOLDER OUT
#
# The floor of an IMAP fetch without a client library: LOGIN, EXAMINE, then
# FETCH 1 (BODY.PEEK[]) read straight off the socket into one reused 1 MiB
# buffer and written to OUT (/dev/null or a file). What is left is the
# server's own work and loopback TCP. One JSON line, as stream_bench prints.
import json, resource, socket, sys, time

port, user, password, folder, out = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
s = socket.create_connection(("127.0.0.1", port))
f = s.makefile("rb")


def command(tag, line):
    s.sendall(f"{tag} {line}\r\n".encode())
    while True:
        reply = f.readline()
        if not reply:
            sys.exit("raw_fetch: connection closed")
        if reply.startswith(tag.encode()):
            if b" OK" not in reply[:8]:
                sys.exit(f"raw_fetch: {reply!r}")
            return


f.readline()
command("a1", f"LOGIN {user} {password}")
command("a2", f"EXAMINE {folder}")
s.sendall(b"a3 FETCH 1 (BODY.PEEK[])\r\n")
t0 = time.monotonic()
head = f.readline()
n = int(head[head.rindex(b"{") + 1:head.rindex(b"}")])
buf = bytearray(1 << 20)
view = memoryview(buf)
left = n
with open(out, "wb", buffering=0) as sink:
    while left:
        got = f.readinto(view[:min(left, len(buf))])
        if not got:
            sys.exit("raw_fetch: connection closed mid-literal")
        sink.write(view[:got])
        left -= got
while not f.readline().startswith(b"a3 "):
    pass
seconds = time.monotonic() - t0
print(json.dumps({"client": "raw socket", "work": "fetch", "out": out, "bytes": n, "seconds": round(seconds, 3),
                  "mb_per_s": round(n / seconds / 1e6, 1),
                  "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
