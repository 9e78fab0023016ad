"use strict";
// Throwaway proxies for the sign-in tests: HTTP CONNECT (RFC 9110 9.3.6)
// and SOCKS5 (RFC 1928, user/password RFC 1929), with and without
// authentication. Node's built-in modules only. Started by
// test/servers/proxy.sh.
//
//   node proxy.js DIR
//
// Listens on kernel-chosen ports on 127.0.0.1 and, once all listen, writes
// PROXY_HTTP_PORT, PROXY_HTTP_AUTH_PORT, PROXY_SOCKS_PORT,
// PROXY_SOCKS_AUTH_PORT and PROXY_SILENT_PORT (KEY=VALUE lines) to
// DIR/ports. Logs one line per connection to DIR/log/proxy.log.
//
//   http        CONNECT host:port, no authentication
//   http-auth   CONNECT with Proxy-Authorization: Basic proxyuser:proxypass,
//               else 407 + Proxy-Authenticate (and the connection closes)
//   socks       SOCKS5, method 0x00 (no authentication)
//   socks-auth  SOCKS5, method 0x02 (RFC 1929) proxyuser/proxypass
//   silent      accepts and reads, never answers (handshake timeouts)
// SOCKS5: CONNECT only (other commands: reply 0x07); ATYP 1 (IPv4),
// 3 (domain name), 4 (IPv6), others 0x08; target refused 0x05, host
// unreachable 0x04, network unreachable 0x03, other failures 0x01.
// Bytes the client sends right after its request (before the answer) are
// forwarded to the target.
//
// GET /stats on either HTTP port (origin or absolute form) answers JSON:
//   http_tunnels, socks_tunnels   tunnels established
//   refused                       tunnel requests refused for any reason
//   http_auth_failures, socks_auth_failures, connect_failures, bad_requests
//   active                        tunnels open now
//   last_target                   "host:port" of the last tunnel request, as
//                                 the client named it (a name for SOCKS5
//                                 ATYP 3, so remote name resolution shows)
//   last_socks_atyp               ATYP of the last SOCKS5 request
//   bytes_up, bytes_down          through finished and open tunnels

var net = require("net");
var fs = require("fs");
var path = require("path");

var dir = process.argv[2];
if (!dir) {
    console.error("usage: node proxy.js DIR");
    process.exit(2);
}

var USER = "proxyuser", PASS = "proxypass";
var BASIC = "Basic " + Buffer.from(USER + ":" + PASS).toString("base64");

var stats = {
    http_tunnels: 0,
    socks_tunnels: 0,
    refused: 0,
    http_auth_failures: 0,
    socks_auth_failures: 0,
    connect_failures: 0,
    bad_requests: 0,
    active: 0,
    last_target: null,
    last_socks_atyp: null,
    bytes_up: 0,
    bytes_down: 0,
};

var logFile = path.join(dir, "log", "proxy.log");
fs.mkdirSync(path.dirname(logFile), { recursive: true });
function log(kind, sock, line) {
    fs.appendFileSync(logFile, new Date().toISOString() + " " + kind + " " +
        (sock.remoteAddress || "?") + ":" + (sock.remotePort || "?") + " " + line + "\n");
}

// Reads exact byte counts from a socket that is still in flowing mode.
function reader(sock) {
    var buf = Buffer.alloc(0), waiter = null, ended = false;
    function pump() {
        if (!waiter) return;
        var w = waiter;
        if (w.kind === "n" && buf.length >= w.n) {
            waiter = null;
            var out = buf.subarray(0, w.n);
            buf = buf.subarray(w.n);
            w.resolve(out);
        } else if (w.kind === "header") {
            var i = buf.indexOf("\r\n\r\n");
            if (i >= 0) {
                waiter = null;
                var head = buf.subarray(0, i).toString("latin1");
                buf = buf.subarray(i + 4);
                w.resolve(head);
            } else if (buf.length > 16384) {
                waiter = null;
                w.reject(new Error("request header too long"));
            } else if (ended) {
                waiter = null;
                w.reject(new Error("connection closed in the request header"));
            }
        } else if (ended) {
            waiter = null;
            w.reject(new Error("connection closed in the handshake"));
        }
    }
    function onData(c) { buf = Buffer.concat([buf, c]); pump(); }
    function onEnd() { ended = true; pump(); }
    sock.on("data", onData);
    sock.on("end", onEnd);
    sock.on("close", onEnd);
    return {
        take: function (n) {
            return new Promise(function (resolve, reject) { waiter = { kind: "n", n: n, resolve: resolve, reject: reject }; pump(); });
        },
        header: function () {
            return new Promise(function (resolve, reject) { waiter = { kind: "header", resolve: resolve, reject: reject }; pump(); });
        },
        // stops reading; returns what was read beyond the handshake
        detach: function () {
            sock.removeListener("data", onData);
            sock.removeListener("end", onEnd);
            sock.removeListener("close", onEnd);
            sock.pause();
            var rest = buf;
            buf = Buffer.alloc(0);
            return rest;
        },
    };
}

// Connects to host:port; resolves with the socket or rejects with the error.
function dial(host, port) {
    return new Promise(function (resolve, reject) {
        var t = net.connect({ host: host, port: port });
        var timer = setTimeout(function () {
            var e = new Error("connect timeout");
            e.code = "ETIMEDOUT";
            t.destroy();
            reject(e);
        }, 10000);
        t.once("connect", function () { clearTimeout(timer); t.removeAllListeners("error"); resolve(t); });
        t.once("error", function (e) { clearTimeout(timer); reject(e); });
    });
}

// Pipes both ways; `rest` (client bytes read beyond the handshake) first.
function splice(kind, client, target, rest, what) {
    client.setNoDelay(true);
    target.setNoDelay(true);
    stats.active++;
    var up = 0, down = 0, closed = false;
    if (rest.length) { target.write(rest); up += rest.length; stats.bytes_up += rest.length; }
    client.on("data", function (c) { up += c.length; stats.bytes_up += c.length; });
    target.on("data", function (c) { down += c.length; stats.bytes_down += c.length; });
    client.pipe(target);
    target.pipe(client);
    client.resume();
    function close() {
        if (closed) return;
        closed = true;
        stats.active--;
        client.destroy();
        target.destroy();
        log(kind, client, "tunnel to " + what + " closed (" + up + " bytes up, " + down + " down)");
    }
    client.on("error", close);
    target.on("error", close);
    client.on("close", close);
    target.on("close", close);
}

// ---- HTTP CONNECT ----------------------------------------------------------

function httpAnswer(sock, status, reason, headers, body) {
    body = body || "";
    var h = "HTTP/1.1 " + status + " " + reason + "\r\n";
    (headers || []).forEach(function (x) { h += x + "\r\n"; });
    h += "Content-Length: " + Buffer.byteLength(body) + "\r\nConnection: close\r\n\r\n";
    sock.end(h + body);
}

function splitHostPort(s) {
    var m = /^\[([^\]]+)\]:(\d+)$/.exec(s) || /^([^:\[\]]+):(\d+)$/.exec(s);
    if (!m) return null;
    var port = Number(m[2]);
    if (port < 1 || port > 65535) return null;
    return { host: m[1], port: port };
}

function httpProxy(requireAuth) {
    var kind = requireAuth ? "http-auth" : "http";
    return async function (sock) {
        sock.on("error", function () {});
        var r = reader(sock), head;
        try {
            head = await r.header();
        } catch (e) {
            log(kind, sock, "no request: " + e.message);
            return sock.destroy();
        }
        var lines = head.split("\r\n"), first = lines[0];
        var m = /^(\S+) (\S+) HTTP\/1\.[01]$/.exec(first);
        if (!m) {
            stats.bad_requests++;
            stats.refused++;
            log(kind, sock, JSON.stringify(first) + " -> 400");
            return httpAnswer(sock, 400, "Bad Request");
        }
        var method = m[1], target = m[2];
        var headers = {};
        lines.slice(1).forEach(function (l) {
            var i = l.indexOf(":");
            if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
        });
        if (method === "GET" && (target === "/stats" || /^http:\/\/[^/]+\/stats$/.test(target))) {
            log(kind, sock, first + " -> 200");
            return httpAnswer(sock, 200, "OK", ["Content-Type: application/json"], JSON.stringify(stats));
        }
        if (method !== "CONNECT") {
            stats.bad_requests++;
            stats.refused++;
            log(kind, sock, first + " -> 405");
            return httpAnswer(sock, 405, "Method Not Allowed", ["Allow: CONNECT"]);
        }
        var hp = splitHostPort(target);
        stats.last_target = target;
        if (!hp) {
            stats.bad_requests++;
            stats.refused++;
            log(kind, sock, first + " -> 400");
            return httpAnswer(sock, 400, "Bad Request");
        }
        if (requireAuth && headers["proxy-authorization"] !== BASIC) {
            stats.http_auth_failures++;
            stats.refused++;
            log(kind, sock, first + " -> 407" + (headers["proxy-authorization"] ? " (wrong credentials)" : ""));
            return httpAnswer(sock, 407, "Proxy Authentication Required",
                              ['Proxy-Authenticate: Basic realm="imapclient-test"']);
        }
        var t;
        try {
            t = await dial(hp.host, hp.port);
        } catch (e) {
            stats.connect_failures++;
            stats.refused++;
            log(kind, sock, first + " -> 502 (" + (e.code || e.message) + ")");
            return httpAnswer(sock, 502, "Bad Gateway", [], "cannot connect to " + target + ": " + (e.code || e.message) + "\n");
        }
        if (sock.destroyed) return t.destroy();
        stats.http_tunnels++;
        log(kind, sock, first + " -> 200");
        sock.write("HTTP/1.1 200 Connection established\r\n\r\n");
        splice(kind, sock, t, r.detach(), target);
    };
}

// ---- SOCKS5 ----------------------------------------------------------------

function socksReply(code, bound) {
    // VER REP RSV ATYP BND.ADDR BND.PORT
    var addr = Buffer.from([0, 0, 0, 0]), atyp = 1, port = 0;
    if (bound && net.isIPv4(bound.address)) {
        addr = Buffer.from(bound.address.split(".").map(Number));
        port = bound.port;
    } else if (bound && net.isIPv6(bound.address)) {
        atyp = 4;
        addr = ipv6Bytes(bound.address);
        port = bound.port;
    }
    return Buffer.concat([Buffer.from([5, code, 0, atyp]), addr, Buffer.from([port >> 8, port & 255])]);
}

function ipv6Bytes(a) {
    a = a.split("%")[0];
    var m = /^(.*:)(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(a);  // embedded IPv4 at the end
    if (m) a = m[1] + ((m[2] << 8) | m[3]).toString(16) + ":" + ((m[4] << 8) | m[5]).toString(16);
    var halves = a.split("::");
    var head = halves[0] ? halves[0].split(":") : [];
    var tail = halves.length > 1 && halves[1] ? halves[1].split(":") : [];
    var fill = halves.length > 1 ? 8 - head.length - tail.length : 0;
    var groups = head.concat(new Array(fill).fill("0"), tail);
    var b = Buffer.alloc(16);
    groups.forEach(function (g, i) { b.writeUInt16BE(parseInt(g, 16), 2 * i); });
    return b;
}

function ipv6Text(b) {
    var parts = [];
    for (var i = 0; i < 16; i += 2) parts.push(b.readUInt16BE(i).toString(16));
    return parts.join(":");
}

function socksCode(e) {
    switch (e.code) {
    case "ECONNREFUSED": return 5;
    case "ENETUNREACH": return 3;
    case "EHOSTUNREACH": case "ENOTFOUND": case "EAI_AGAIN": case "ETIMEDOUT": return 4;
    default: return 1;
    }
}

function socksProxy(requireAuth) {
    var kind = requireAuth ? "socks-auth" : "socks";
    return async function (sock) {
        sock.on("error", function () {});
        var r = reader(sock);
        var refuse = function (why, bytes, counter) {
            if (counter) stats[counter]++;
            stats.refused++;
            log(kind, sock, why);
            if (bytes) sock.end(bytes); else sock.destroy();
        };
        try {
            var hello = await r.take(2);
            if (hello[0] !== 5) return refuse("not SOCKS5 (version " + hello[0] + ")", null, "bad_requests");
            var methods = Array.from(await r.take(hello[1]));
            var want = requireAuth ? 2 : 0;
            if (methods.indexOf(want) < 0)
                return refuse("no acceptable method in [" + methods + "]", Buffer.from([5, 0xff]),
                              requireAuth ? "socks_auth_failures" : "bad_requests");
            sock.write(Buffer.from([5, want]));
            if (requireAuth) {
                var ver = (await r.take(1))[0];
                var ulen = (await r.take(1))[0];
                var user = (await r.take(ulen)).toString("utf8");
                var plen = (await r.take(1))[0];
                var pass = (await r.take(plen)).toString("utf8");
                if (ver !== 1 || user !== USER || pass !== PASS)
                    return refuse("authentication failed for " + JSON.stringify(user), Buffer.from([1, 1]),
                                  "socks_auth_failures");
                sock.write(Buffer.from([1, 0]));
            }
            var req = await r.take(4);
            if (req[0] !== 5) return refuse("bad request version " + req[0], socksReply(1), "bad_requests");
            var cmd = req[1], atyp = req[3], host;
            stats.last_socks_atyp = atyp;
            if (atyp === 1) host = Array.from(await r.take(4)).join(".");
            else if (atyp === 3) host = (await r.take((await r.take(1))[0])).toString("latin1");
            else if (atyp === 4) host = ipv6Text(await r.take(16));
            else return refuse("address type " + atyp + " not supported", socksReply(8), "bad_requests");
            var pb = await r.take(2), port = (pb[0] << 8) | pb[1];
            var what = (atyp === 4 ? "[" + host + "]" : host) + ":" + port;
            stats.last_target = what;
            if (cmd !== 1) return refuse("command " + cmd + " to " + what + " not supported", socksReply(7), "bad_requests");
            var t;
            try {
                t = await dial(host, port);
            } catch (e) {
                return refuse("CONNECT " + what + " (ATYP " + atyp + ") failed: " + (e.code || e.message),
                              socksReply(socksCode(e)), "connect_failures");
            }
            if (sock.destroyed) return t.destroy();
            stats.socks_tunnels++;
            log(kind, sock, "CONNECT " + what + " (ATYP " + atyp + ") -> 0");
            sock.write(socksReply(0, { address: t.localAddress, port: t.localPort }));
            splice(kind, sock, t, r.detach(), what);
        } catch (e) {
            log(kind, sock, "handshake ended: " + e.message);
            sock.destroy();
        }
    };
}

// ---- the silent one --------------------------------------------------------

function silent(sock) {
    sock.on("error", function () {});
    sock.on("data", function () {});
    log("silent", sock, "accepted; never answering");
}

// ---- listeners -------------------------------------------------------------

var servers = [
    ["PROXY_HTTP_PORT", net.createServer(httpProxy(false))],
    ["PROXY_HTTP_AUTH_PORT", net.createServer(httpProxy(true))],
    ["PROXY_SOCKS_PORT", net.createServer(socksProxy(false))],
    ["PROXY_SOCKS_AUTH_PORT", net.createServer(socksProxy(true))],
    ["PROXY_SILENT_PORT", net.createServer(silent)],
];
var listening = 0;
servers.forEach(function (entry) {
    entry[1].listen(0, "127.0.0.1", function () {
        if (++listening < servers.length) return;
        var text = servers.map(function (e) { return e[0] + "=" + e[1].address().port + "\n"; }).join("");
        var file = path.join(dir, "ports");
        fs.writeFileSync(file + ".tmp", text);
        fs.renameSync(file + ".tmp", file);
        fs.appendFileSync(logFile, new Date().toISOString() + " listening: " + text.trim().replace(/\n/g, " ") + "\n");
        console.log("proxy: " + text.trim().replace(/\n/g, " "));
    });
});

process.on("SIGTERM", function () { process.exit(0); });
