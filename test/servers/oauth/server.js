"use strict";
// A throwaway OAuth 2.0 authorization server for the sign-in tests: token
// endpoint (refresh-token and device-code grants, RFC 6749 / RFC 8628),
// device authorization endpoint, and token introspection for Dovecot's
// oauth2 passdb. Node's built-in modules only. Started by
// test/servers/oauth.sh; the state lives in memory (a restart forgets all).
//
//   node server.js DIR
//
// Reads DIR/ssl/cert.pem + key.pem, listens on two kernel-chosen ports on
// 127.0.0.1 and, once both listen, writes "OAUTH_PORT=P\nOAUTH_ADMIN_PORT=Q\n"
// to DIR/ports. Logs one line per request to DIR/log/oauth.log.
//
// HTTPS on P (what the client under test talks to):
//   POST /token   grant_type=refresh_token | urn:ietf:params:oauth:grant-type:device_code
//   POST /device  device authorization request
//   GET  /activate  the verification page (text only; approve via the admin port)
// Plain HTTP on Q (the tests and Dovecot):
//   POST /introspect  token=T  ->  {"active":true,"username":...} | {"active":false}
//   POST /admin/...  JSON bodies, see the table `admin` below
//   GET  /admin/stats
//
// Clients: client_id must be "imapclient-test" (form field or HTTP Basic);
// client_secret is optional but, when sent, must be "test-secret".
// Initial refresh tokens: alice-refresh (alice), bob-refresh (bob).
// Static access tokens that are always active: alice-oauth-token,
// bob-oauth-token (the ones dovecot.sh accepts without introspection).

var https = require("https");
var http = require("http");
var crypto = require("crypto");
var fs = require("fs");
var path = require("path");

var dir = process.argv[2];
if (!dir) {
    console.error("usage: node server.js DIR");
    process.exit(2);
}

var CLIENT_ID = "imapclient-test";
var CLIENT_SECRET = "test-secret";
var DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

// ---- state -----------------------------------------------------------------

var config = {
    ttl: 3600,              // access token lifetime, seconds
    deviceTtl: 60,          // device code lifetime, seconds
    deviceInterval: 1,      // polling interval handed out, seconds
    slowDownIncrement: 1,   // interval increase after slow_down (RFC: 5)
    rotate: false,          // refresh grants hand out a new refresh token
};

// refresh token -> {username, scope, revoked}
var refreshTokens = new Map([
    ["alice-refresh", { username: "alice", scope: null, revoked: false }],
    ["bob-refresh", { username: "bob", scope: null, revoked: false }],
]);
// access token -> {username, scope, expires (ms), refresh, revoked}
var accessTokens = new Map();
var staticTokens = new Map([
    ["alice-oauth-token", "alice"],
    ["bob-oauth-token", "bob"],
]);
// device code -> {userCode, scope, expires, interval, lastPoll, state, username, forcedSlowDowns}
var deviceCodes = new Map();
var userCodes = new Map();  // user code -> device code

// behaviour injected through the admin port
var stalls = [];    // [{path, count}]
var failures = [];  // [{path, count, status, body}]
var held = new Set();  // stalled responses, kept open until the client leaves

var stats = {
    tokens_issued: 0,          // access tokens handed out
    refresh_grants: 0,         // successful refresh_token grants
    refresh_failures: 0,       // refresh_token grants answered with an error
    device_authorizations: 0,  // successful POST /device
    device_polls: 0,           // device_code grant requests, any outcome
    device_grants: 0,          // successful device_code grants
    slow_downs: 0,             // slow_down answers
    token_requests: 0,         // every POST /token, stalled and failed ones too
    stalled: 0,                // requests left without an answer
    injected_failures: 0,      // answers from /admin/fail
    introspections: 0,         // POST /introspect
    active_introspections: 0,  // ... answered active: true
};

// ---- helpers ---------------------------------------------------------------

var logFile = path.join(dir, "log", "oauth.log");
fs.mkdirSync(path.dirname(logFile), { recursive: true });
function log(line) {
    fs.appendFileSync(logFile, new Date().toISOString() + " " + line + "\n");
}

function now() {
    return Date.now();
}

function random(bytes) {
    return crypto.randomBytes(bytes).toString("base64url");
}

function newUserCode() {
    var letters = "BCDFGHJKLMNPQRSTVWXZ", code;
    do {
        code = "";
        for (var i = 0; i < 4; i++) code += letters[crypto.randomInt(letters.length)];
        code += "-";
        for (var j = 0; j < 4; j++) code += String(crypto.randomInt(10));
    } while (userCodes.has(code));
    return code;
}

function send(res, status, obj, extraHeaders) {
    var body = JSON.stringify(obj);
    var headers = {
        "Content-Type": "application/json",
        "Content-Length": Buffer.byteLength(body),
        "Cache-Control": "no-store",
        "Pragma": "no-cache",
    };
    Object.assign(headers, extraHeaders || {});
    res.writeHead(status, headers);
    res.end(body);
    res.logged = status;
}

function oauthError(res, status, error, description, extraHeaders) {
    var obj = { error: error };
    if (description) obj.error_description = description;
    send(res, status, obj, extraHeaders);
    res.logged = status + " " + error;
}

function readBody(req) {
    return new Promise(function (resolve, reject) {
        var chunks = [], size = 0;
        req.on("data", function (c) {
            size += c.length;
            if (size > 1 << 20) {
                reject(new Error("body too large"));
                req.destroy();
                return;
            }
            chunks.push(c);
        });
        req.on("end", function () { resolve(Buffer.concat(chunks).toString("utf8")); });
        req.on("error", reject);
    });
}

// The form fields, or a string describing why the body is unacceptable.
function parseForm(req, body) {
    var type = (req.headers["content-type"] || "").split(";")[0].trim().toLowerCase();
    if (type !== "application/x-www-form-urlencoded")
        return "the body must be application/x-www-form-urlencoded (got " + (type || "no Content-Type") + ")";
    var params = new URLSearchParams(body), fields = {};
    for (var [k, v] of params) {
        if (Object.prototype.hasOwnProperty.call(fields, k)) return "parameter " + k + " sent more than once";
        fields[k] = v;
    }
    return fields;
}

// Client authentication (RFC 6749 2.3.1): HTTP Basic or form fields.
// Returns null when acceptable, else sends the error and returns true.
function checkClient(req, res, form) {
    var id = form.client_id, secret = form.client_secret, basic = false;
    var auth = req.headers["authorization"];
    if (auth) {
        var m = /^Basic\s+(\S+)$/i.exec(auth);
        if (!m) {
            oauthError(res, 401, "invalid_client", "unsupported Authorization scheme",
                       { "WWW-Authenticate": 'Basic realm="imapclient-test"' });
            return true;
        }
        var decoded = Buffer.from(m[1], "base64").toString("utf8");
        var colon = decoded.indexOf(":");
        if (colon < 0) {
            oauthError(res, 401, "invalid_client", "malformed Basic credentials",
                       { "WWW-Authenticate": 'Basic realm="imapclient-test"' });
            return true;
        }
        if (secret !== undefined) {
            oauthError(res, 400, "invalid_request", "more than one client authentication method");
            return true;
        }
        var basicId = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, " "));
        if (id !== undefined && id !== basicId) {
            oauthError(res, 400, "invalid_request", "client_id differs from the Authorization header");
            return true;
        }
        id = basicId;
        secret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, " "));
        basic = true;
    }
    if (id === undefined || id === "") {
        oauthError(res, 400, "invalid_request", "missing client_id");
        return true;
    }
    if (id !== CLIENT_ID || (secret !== undefined && secret !== CLIENT_SECRET)) {
        oauthError(res, 401, "invalid_client", "unknown client or wrong client secret",
                   basic ? { "WWW-Authenticate": 'Basic realm="imapclient-test"' } : undefined);
        return true;
    }
    return null;
}

function scopeWithin(requested, granted) {
    if (granted === null) return true;
    var have = new Set(granted.split(" ").filter(Boolean));
    return requested.split(" ").filter(Boolean).every(function (s) { return have.has(s); });
}

function issueAccess(username, scope, refresh) {
    var token = "access-" + random(24);
    accessTokens.set(token, {
        username: username,
        scope: scope,
        expires: now() + config.ttl * 1000,
        refresh: refresh,
        revoked: false,
    });
    stats.tokens_issued++;
    return token;
}

function tokenResponse(username, scope, refresh, withRefresh) {
    var out = {
        access_token: issueAccess(username, scope, refresh),
        token_type: "Bearer",
        expires_in: config.ttl,
        scope: scope,
    };
    if (withRefresh) out.refresh_token = refresh;
    return out;
}

function liveAccess(token) {
    if (staticTokens.has(token)) return staticTokens.get(token);
    var a = accessTokens.get(token);
    if (!a || a.revoked || now() >= a.expires) return null;
    return a.username;
}

// Takes one from the first matching counter of `list`; returns the entry.
function takeInjected(list, p) {
    for (var i = 0; i < list.length; i++) {
        if (list[i].path === p && list[i].count > 0) {
            var e = list[i];
            if (--e.count === 0) list.splice(i, 1);
            return e;
        }
    }
    return null;
}

// ---- the HTTPS endpoints ---------------------------------------------------

function grantRefresh(req, res, form) {
    if (form.refresh_token === undefined || form.refresh_token === "") {
        stats.refresh_failures++;
        return oauthError(res, 400, "invalid_request", "missing refresh_token");
    }
    var r = refreshTokens.get(form.refresh_token);
    if (!r || r.revoked) {
        stats.refresh_failures++;
        return oauthError(res, 400, "invalid_grant", "unknown, expired or revoked refresh token");
    }
    var scope = form.scope !== undefined ? form.scope : (r.scope || "imap");
    if (form.scope !== undefined && !scopeWithin(form.scope, r.scope)) {
        stats.refresh_failures++;
        return oauthError(res, 400, "invalid_scope", "the scope exceeds the one granted");
    }
    stats.refresh_grants++;
    var refresh = form.refresh_token;
    if (config.rotate) {
        // the old one can no longer be used; its access tokens stay valid
        r.revoked = true;
        refresh = "refresh-" + random(18);
        refreshTokens.set(refresh, { username: r.username, scope: r.scope, revoked: false });
    }
    send(res, 200, tokenResponse(r.username, scope, refresh, config.rotate));
    res.logged = "200 refresh for " + r.username;
}

function grantDevice(req, res, form) {
    stats.device_polls++;
    if (!form.device_code) return oauthError(res, 400, "invalid_request", "missing device_code");
    var d = deviceCodes.get(form.device_code);
    if (!d) return oauthError(res, 400, "invalid_grant", "unknown device_code");
    var t = now();
    if (t >= d.expires) return oauthError(res, 400, "expired_token", "the device code has expired");
    if (d.state === "denied") return oauthError(res, 400, "access_denied", "the user denied the request");
    if (d.state === "used") return oauthError(res, 400, "invalid_grant", "the device code was already used");
    // Too fast: measured between polls (the first poll may come at once);
    // 50 ms of slack for clock and scheduling noise.
    var tooFast = d.lastPoll !== null && t - d.lastPoll < d.interval * 1000 - 50;
    d.lastPoll = t;
    if (d.forcedSlowDowns > 0 || tooFast) {
        if (d.forcedSlowDowns > 0) d.forcedSlowDowns--;
        d.interval += config.slowDownIncrement;
        stats.slow_downs++;
        return oauthError(res, 400, "slow_down", "poll every " + d.interval + " s");
    }
    if (d.state === "pending") return oauthError(res, 400, "authorization_pending", "waiting for the user");
    // approved
    d.state = "used";
    var refresh = "refresh-" + random(18);
    refreshTokens.set(refresh, { username: d.username, scope: d.scope, revoked: false });
    stats.device_grants++;
    send(res, 200, tokenResponse(d.username, d.scope || "imap", refresh, true));
    res.logged = "200 device grant for " + d.username;
}

async function onToken(req, res) {
    stats.token_requests++;
    var body = await readBody(req);
    var stall = takeInjected(stalls, "/token");
    if (stall) return holdOpen(req, res);
    var fail = takeInjected(failures, "/token");
    if (fail) return injectFailure(res, fail);
    if (req.method !== "POST")
        return oauthError(res, 405, "invalid_request", "use POST", { "Allow": "POST" });
    var form = parseForm(req, body);
    if (typeof form === "string") return oauthError(res, 400, "invalid_request", form);
    res.grant = form.grant_type;
    if (checkClient(req, res, form)) return;
    if (!form.grant_type) return oauthError(res, 400, "invalid_request", "missing grant_type");
    if (form.grant_type === "refresh_token") return grantRefresh(req, res, form);
    if (form.grant_type === DEVICE_GRANT) return grantDevice(req, res, form);
    oauthError(res, 400, "unsupported_grant_type", "grant_type " + form.grant_type + " is not supported");
}

async function onDevice(req, res, base) {
    var body = await readBody(req);
    var stall = takeInjected(stalls, "/device");
    if (stall) return holdOpen(req, res);
    var fail = takeInjected(failures, "/device");
    if (fail) return injectFailure(res, fail);
    if (req.method !== "POST")
        return oauthError(res, 405, "invalid_request", "use POST", { "Allow": "POST" });
    var form = parseForm(req, body);
    if (typeof form === "string") return oauthError(res, 400, "invalid_request", form);
    if (checkClient(req, res, form)) return;
    var code = random(24), user = newUserCode();
    deviceCodes.set(code, {
        userCode: user,
        scope: form.scope || null,
        expires: now() + config.deviceTtl * 1000,
        interval: config.deviceInterval,
        lastPoll: null,
        state: "pending",
        username: null,
        forcedSlowDowns: 0,
    });
    userCodes.set(user, code);
    stats.device_authorizations++;
    send(res, 200, {
        device_code: code,
        user_code: user,
        verification_uri: base + "/activate",
        verification_uri_complete: base + "/activate?user_code=" + encodeURIComponent(user),
        expires_in: config.deviceTtl,
        interval: config.deviceInterval,
    });
    res.logged = "200 user_code " + user;
}

function onActivate(req, res, url) {
    var code = url.searchParams.get("user_code") || "";
    var text = "imapclient test authorization server\n\n" +
        (code ? "Request " + code + (userCodes.has(code) ? " is waiting for approval.\n" : " is unknown.\n")
              : "Enter the code shown by your device.\n") +
        "(The tests approve requests through the admin port: POST /admin/approve.)\n";
    res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8", "Content-Length": Buffer.byteLength(text) });
    res.end(text);
    res.logged = 200;
}

function holdOpen(req, res) {
    stats.stalled++;
    res.logged = "stalled";
    held.add(res);
    req.socket.setTimeout(0);
    req.socket.on("close", function () { held.delete(res); });
    log("https " + req.method + " " + req.url + " -> stalled (no answer, connection held open)");
}

function injectFailure(res, fail) {
    stats.injected_failures++;
    var body = typeof fail.body === "string" ? fail.body : JSON.stringify(fail.body);
    res.writeHead(fail.status, {
        "Content-Type": fail.contentType,
        "Content-Length": Buffer.byteLength(body),
    });
    res.end(body);
    res.logged = fail.status + " (injected)";
}

// ---- the plain HTTP port: introspection and administration -----------------

async function onIntrospect(req, res) {
    var body = await readBody(req);
    if (req.method !== "POST") return oauthError(res, 405, "invalid_request", "use POST", { "Allow": "POST" });
    var form = parseForm(req, body);
    if (typeof form === "string") return oauthError(res, 400, "invalid_request", form);
    if (!form.token) return oauthError(res, 400, "invalid_request", "missing token");
    stats.introspections++;
    var user = liveAccess(form.token);
    if (user === null) {
        send(res, 200, { active: false });
        res.logged = "200 inactive";
        return;
    }
    stats.active_introspections++;
    var out = { active: true, username: user, client_id: CLIENT_ID, token_type: "Bearer" };
    var a = accessTokens.get(form.token);
    if (a) {
        out.exp = Math.floor(a.expires / 1000);
        out.scope = a.scope;
    }
    send(res, 200, out);
    res.logged = "200 active " + user;
}

function need(obj, key, type) {
    if (typeof obj[key] !== type) throw new Error("missing or non-" + type + " field " + key);
    return obj[key];
}

// POST /admin/<name> with a JSON body; each returns the JSON answer.
var admin = {
    // {"seconds": n}: lifetime of access tokens issued from now on
    ttl: function (b) {
        config.ttl = need(b, "seconds", "number");
        return { ttl: config.ttl };
    },
    // {"expires_in"?, "interval"?, "slow_down_increment"?}: device flow
    // settings for device codes issued from now on (slow_down_increment
    // applies at once)
    device: function (b) {
        if (b.expires_in !== undefined) config.deviceTtl = need(b, "expires_in", "number");
        if (b.interval !== undefined) config.deviceInterval = need(b, "interval", "number");
        if (b.slow_down_increment !== undefined) config.slowDownIncrement = need(b, "slow_down_increment", "number");
        return { expires_in: config.deviceTtl, interval: config.deviceInterval,
                 slow_down_increment: config.slowDownIncrement };
    },
    // {"enabled": bool}: refresh grants return a new refresh token and
    // revoke the one used (refresh token rotation)
    rotate: function (b) {
        config.rotate = need(b, "enabled", "boolean");
        return { rotate: config.rotate };
    },
    // {"user_code", "username"?}: the user (default alice) approves
    approve: function (b) {
        var d = device(b);
        d.state = "approved";
        d.username = typeof b.username === "string" ? b.username : "alice";
        return { approved: b.user_code, username: d.username };
    },
    // {"user_code"}: the user denies
    deny: function (b) {
        var d = device(b);
        d.state = "denied";
        return { denied: b.user_code };
    },
    // {"user_code", "count"?}: the next count (default 1) polls of that
    // code get slow_down whatever their pace
    slow_down: function (b) {
        var d = device(b);
        d.forcedSlowDowns += typeof b.count === "number" ? b.count : 1;
        return { user_code: b.user_code, slow_downs: d.forcedSlowDowns };
    },
    // {"refresh_token"} revokes it and every access token issued from it;
    // {"access_token"} revokes that one alone
    revoke: function (b) {
        var n = 0;
        if (typeof b.refresh_token === "string") {
            var r = refreshTokens.get(b.refresh_token);
            if (!r) throw new Error("unknown refresh token");
            r.revoked = true;
            for (var a of accessTokens.values())
                if (a.refresh === b.refresh_token && !a.revoked) { a.revoked = true; n++; }
            return { revoked_access_tokens: n };
        }
        var t = accessTokens.get(need(b, "access_token", "string"));
        if (!t) throw new Error("unknown access token");
        t.revoked = true;
        return { revoked_access_tokens: 1 };
    },
    // {}: every issued access token is expired now (refresh tokens and the
    // static tokens stay valid)
    expire: function () {
        var t = now(), n = 0;
        for (var a of accessTokens.values()) if (a.expires > t) { a.expires = t; n++; }
        return { expired: n };
    },
    // {"count": n, "path"?: "/token" | "/device"}: the next n requests to
    // that endpoint get no answer, the connection is held open
    stall: function (b) {
        var p = typeof b.path === "string" ? b.path : "/token";
        stalls.push({ path: p, count: need(b, "count", "number") });
        return { stall: p, count: b.count };
    },
    // {"count": n, "status"?: 503, "body"?: {...} | "text", "path"?}: the
    // next n requests to that endpoint get this answer (default 503
    // {"error":"temporarily_unavailable"})
    fail: function (b) {
        var p = typeof b.path === "string" ? b.path : "/token";
        var body = b.body !== undefined ? b.body : { error: "temporarily_unavailable" };
        failures.push({
            path: p,
            count: need(b, "count", "number"),
            status: typeof b.status === "number" ? b.status : 503,
            body: body,
            contentType: typeof body === "string" ? "text/plain" : "application/json",
        });
        return { fail: p, count: b.count };
    },
    // {"username", "scope"?}: a new refresh token (and an access token) for
    // that user
    issue: function (b) {
        var user = need(b, "username", "string");
        var refresh = "refresh-" + random(18);
        var scope = typeof b.scope === "string" ? b.scope : null;
        refreshTokens.set(refresh, { username: user, scope: scope, revoked: false });
        return tokenResponse(user, scope || "imap", refresh, true);
    },
};

function device(b) {
    var code = userCodes.get(need(b, "user_code", "string"));
    if (!code) throw new Error("unknown user_code " + b.user_code);
    return deviceCodes.get(code);
}

async function onAdmin(req, res, name) {
    var body = await readBody(req);
    if (name === "stats") {
        if (req.method !== "GET" && req.method !== "POST") return send(res, 405, { error: "use GET" });
        return send(res, 200, stats);
    }
    if (!Object.prototype.hasOwnProperty.call(admin, name)) return send(res, 404, { error: "no admin command " + name });
    if (req.method !== "POST") return send(res, 405, { error: "use POST" });
    var obj;
    try {
        obj = body.trim() === "" ? {} : JSON.parse(body);
        if (obj === null || typeof obj !== "object") throw new Error("the body must be a JSON object");
        var out = admin[name](obj);
        send(res, 200, out);
        log("admin " + name + " " + body.trim() + " -> " + JSON.stringify(out));
    } catch (e) {
        send(res, 400, { error: e.message });
    }
}

// ---- servers ---------------------------------------------------------------

function handler(kind, routes) {
    return function (req, res) {
        var url = new URL(req.url, "http://127.0.0.1");
        res.on("finish", function () {
            log(kind + " " + req.method + " " + req.url + (res.grant ? " grant_type=" + res.grant : "") +
                " -> " + (res.logged || res.statusCode));
        });
        Promise.resolve()
            .then(function () { return routes(req, res, url); })
            .catch(function (e) {
                log(kind + " " + req.method + " " + req.url + " failed: " + (e && e.stack || e));
                if (!res.headersSent) send(res, 500, { error: "server_error", error_description: String(e) });
            });
    };
}

var tls = {
    key: fs.readFileSync(path.join(dir, "ssl", "key.pem")),
    cert: fs.readFileSync(path.join(dir, "ssl", "cert.pem")),
};
var base = null;

var tokenServer = https.createServer(tls, handler("https", function (req, res, url) {
    if (url.pathname === "/token") return onToken(req, res);
    if (url.pathname === "/device") return onDevice(req, res, base);
    if (url.pathname === "/activate") return onActivate(req, res, url);
    return readBody(req).then(function () { send(res, 404, { error: "not_found" }); });
}));

var adminServer = http.createServer(handler("admin", function (req, res, url) {
    if (url.pathname === "/introspect") return onIntrospect(req, res);
    if (url.pathname.startsWith("/admin/")) return onAdmin(req, res, url.pathname.slice(7));
    return readBody(req).then(function () { send(res, 404, { error: "not_found" }); });
}));

[tokenServer, adminServer].forEach(function (s) {
    // stalled requests must stay open as long as the client waits
    s.requestTimeout = 0;
    s.headersTimeout = 60000;
    s.keepAliveTimeout = 5000;
    s.on("connection", function (sock) { sock.setNoDelay(true); });
});

var listening = 0;
function ready() {
    if (++listening < 2) return;
    var p = tokenServer.address().port, q = adminServer.address().port;
    base = "https://127.0.0.1:" + p;
    var file = path.join(dir, "ports");
    fs.writeFileSync(file + ".tmp", "OAUTH_PORT=" + p + "\nOAUTH_ADMIN_PORT=" + q + "\n");
    fs.renameSync(file + ".tmp", file);
    log("listening: https 127.0.0.1:" + p + ", admin http 127.0.0.1:" + q);
    console.log("oauth: token endpoint https://127.0.0.1:" + p + "/token, admin http://127.0.0.1:" + q);
}
tokenServer.listen(0, "127.0.0.1", ready);
adminServer.listen(0, "127.0.0.1", ready);

process.on("SIGTERM", function () { process.exit(0); });
