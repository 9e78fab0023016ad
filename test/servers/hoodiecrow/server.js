"use strict";
// A throwaway Gmail-like IMAP server for the integration tests, built on
// hoodiecrow-imap (an in-memory scriptable IMAP server from npm). Started
// by test/servers/hoodiecrow.sh; nothing is written to disk.
//
//   node server.js PORTS_FILE
//
// Listens on 127.0.0.1 on two kernel-chosen ports and, once both accept,
// writes "GMAIL_PORT=<p1>\nGMAIL_XLIST_PORT=<p2>\n" to PORTS_FILE:
//   GMAIL_PORT        today's Gmail: X-GM-EXT-1, XLIST and SPECIAL-USE
//   GMAIL_XLIST_PORT  Gmail before RFC 6154: X-GM-EXT-1 and XLIST only, so
//                     the special folders can only be found through XLIST
// Each port has its own mailbox tree. Accounts: alice/alicepass and
// bob/bobpass (hoodiecrow shares one mailbox tree between all users);
// XOAUTH2 (SASL-IR only, as hoodiecrow implements it): alice with the
// token alice-oauth-token.
//
// hoodiecrow's X-GM-EXT-1 plugin covers X-GM-MSGID and storing/fetching
// X-GM-LABELS. What Gmail also does and hoodiecrow does not is added here
// as plugins: X-GM-THRID (fetch and search), X-GM-RAW (a subset of
// Gmail's search language), X-GM-LABELS as a search key, the .SILENT
// label stores, Gmail's system label names (\Starred, \Spam, \Draft, no
// label for All Mail) and the XLIST command.

var hoodiecrow = require("hoodiecrow-imap");
var fs = require("fs");

// ---- imap-handler's quoted strings -----------------------------------------

// imap-handler 0.1.12 reads the quoted string "a \"b\"" as 'a \b\': after
// a backslash it keeps the backslash instead of the escaped character
// (right for \\ by chance, wrong for \"). Clients that quote labels with
// quotes in them would then see the server, not themselves, mangle them.
// The command is rewritten so that every \" inside a quoted string becomes
// a placeholder byte that the parser keeps, and the placeholder is turned
// back into a quote in the parsed tree. Literals are copied untouched.
var QUOTE_PLACEHOLDER = "\x01";
(function fixQuotedStrings() {
    var imapHandler = require("imap-handler");
    var parse = imapHandler.parser;

    function protect(data) {
        var out = "", quoted = false, i = 0, m;
        while (i < data.length) {
            var ch = data[i];
            if (quoted) {
                if (ch === "\\" && data[i + 1] === "\"") {
                    out += QUOTE_PLACEHOLDER;
                    i += 2;
                    continue;
                }
                if (ch === "\\" && i + 1 < data.length) {
                    out += ch + data[i + 1];
                    i += 2;
                    continue;
                }
                quoted = ch !== "\"";
                out += ch;
                i++;
                continue;
            }
            if (ch === "\"") {
                quoted = true;
            } else if (ch === "{" && (m = /^\{(\d+)\+?\}\r?\n/.exec(data.substr(i)))) {
                var end = i + m[0].length + Number(m[1]);
                out += data.substring(i, end);
                i = end;
                continue;
            }
            out += ch;
            i++;
        }
        return out;
    }

    function restore(node) {
        if (Array.isArray(node)) {
            node.forEach(restore);
        } else if (node && typeof node === "object") {
            if (node.type === "STRING" && typeof node.value === "string") {
                node.value = node.value.split(QUOTE_PLACEHOLDER).join("\"");
            }
            if (node.attributes) {
                restore(node.attributes);
            }
        }
        return node;
    }

    imapHandler.parser = function(data, options) {
        return restore(parse(protect(String(data)), options));
    };
})();

// ---- helpers -------------------------------------------------------------

// Modified UTF-7 (RFC 3501 5.1.3) to a JS string, for label: queries that
// name a label by its decoded name.
function decodeMutf7(s) {
    return s.replace(/&([^-]*)-/g, function(all, b64) {
        if (!b64) {
            return "&";
        }
        var bytes = Buffer.from(b64.replace(/,/g, "/"), "base64");
        var out = "";
        for (var i = 0; i + 1 < bytes.length; i += 2) {
            out += String.fromCharCode((bytes[i] << 8) | bytes[i + 1]);
        }
        return out;
    });
}

// hoodiecrow hands command arguments over as "binary" strings (one char
// per byte); the query of SEARCH CHARSET UTF-8 is UTF-8.
function utf8(binary) {
    return Buffer.from(String(binary), "binary").toString("utf8");
}

// RFC 2047 encoded words (UTF-8 / ISO-8859-1, B and Q) in a header value.
function decodeWords(value) {
    return value.replace(/=\?([^?]+)\?([bBqQ])\?([^?]*)\?=/g, function(all, charset, enc, text) {
        var bytes;
        if (enc.toUpperCase() === "B") {
            bytes = Buffer.from(text, "base64");
        } else {
            bytes = Buffer.from(text.replace(/_/g, " ").replace(/=([0-9A-Fa-f]{2})/g, function(m, h) {
                return String.fromCharCode(parseInt(h, 16));
            }), "binary");
        }
        return /^utf-?8$/i.test(charset) ? bytes.toString("utf8") : bytes.toString("latin1");
    });
}

// The message's header fields (lower-cased names, unfolded, decoded) and
// its body as text.
function parseMessage(message) {
    if (message._gm) {
        return message._gm;
    }
    var raw = utf8(message.raw || "");
    var split = raw.search(/\r?\n\r?\n/);
    var head = split < 0 ? raw : raw.substr(0, split);
    var body = split < 0 ? "" : raw.substr(split).replace(/^\r?\n\r?\n/, "");
    var headers = {};
    head.replace(/\r?\n[ \t]+/g, " ").split(/\r?\n/).forEach(function(line) {
        var colon = line.indexOf(":");
        if (colon > 0) {
            var name = line.substr(0, colon).trim().toLowerCase();
            headers[name] = (headers[name] ? headers[name] + " " : "") + decodeWords(line.substr(colon + 1).trim());
        }
    });
    Object.defineProperty(message, "_gm", {
        value: { headers: headers, body: body },
        enumerable: false, // kept out of XTOYBIRD STORAGE dumps
        configurable: true
    });
    return message._gm;
}

function contains(haystack, needle) {
    return String(haystack || "").toLowerCase().indexOf(needle.toLowerCase()) >= 0;
}

function labelAtom(label) {
    // The compiler quotes an ATOM that is not a valid atom ("My Label").
    return { type: "ATOM", value: label };
}

// ---- X-GM-THRID, Gmail label names, X-GM-LABELS search and stores --------

function gmailExtras(server) {
    var threadOf = {}; // Message-ID -> X-GM-THRID

    // hoodiecrow's X-GM-EXT-1 plugin implements the items but never
    // announces the capability.
    server.registerCapability("X-GM-EXT-1", function(connection) {
        return connection.state !== "Not Authenticated";
    });

    // After X-GM-EXT-1's handler: it labels a message with its mailbox's
    // path or special-use flag; Gmail's names differ for some of them.
    server.messageHandlers.push(function(srv, message, mailbox) {
        if ("x-gm-label" in mailbox) {
            var stock = mailbox.path.toUpperCase() === "INBOX" ? ["\\Inbox"]
                : [].concat(mailbox["special-use"] || mailbox.path);
            if (!message._gmLabelled) {
                stock.forEach(function(l) { srv.removeFlag(message["X-GM-LABELS"], l); });
                if (mailbox["x-gm-label"]) {
                    srv.ensureFlag(message["X-GM-LABELS"], mailbox["x-gm-label"]);
                }
            }
        }
        Object.defineProperty(message, "_gmLabelled", { value: true, enumerable: false, configurable: true });

        // Gmail threads by references: a reply joins the thread of the
        // message it answers; a new conversation's id is its first message's
        // X-GM-MSGID.
        var h = parseMessage(message).headers;
        if (!message["X-GM-THRID"]) {
            var refs = ((h["in-reply-to"] || "") + " " + (h.references || "")).match(/<[^>]+>/g) || [];
            for (var i = 0; i < refs.length && !message["X-GM-THRID"]; i++) {
                message["X-GM-THRID"] = threadOf[refs[i]];
            }
            message["X-GM-THRID"] = message["X-GM-THRID"] || message["X-GM-MSGID"];
        }
        var id = (h["message-id"] || "").match(/<[^>]+>/);
        if (id && !threadOf[id[0]]) {
            threadOf[id[0]] = message["X-GM-THRID"];
        }
    });

    server.fetchHandlers["X-GM-THRID"] = function(connection, message) {
        return { type: "ATOM", value: message["X-GM-THRID"] };
    };
    server.searchHandlers["X-GM-THRID"] = function(connection, message, index, thrid) {
        return message["X-GM-THRID"] === String(thrid);
    };
    server.searchHandlers["X-GM-LABELS"] = function(connection, message, index, label) {
        return message["X-GM-LABELS"].indexOf(String(label)) >= 0;
    };

    // hoodiecrow has no .SILENT variants for labels: same store, no FETCH.
    ["X-GM-LABELS", "+X-GM-LABELS", "-X-GM-LABELS"].forEach(function(item) {
        var loud = server.storeHandlers[item];
        server.storeHandlers[item + ".SILENT"] = function(connection, message, flags, index, parsed, data) {
            var send = connection.send;
            connection.send = function() {}; // swallow the untagged FETCH
            try {
                loud(connection, message, flags, index, parsed, data);
            } finally {
                connection.send = send;
            }
        };
    });
    // Labels in FETCH as Gmail sends them: atoms, quoted when they are not.
    server.fetchHandlers["X-GM-LABELS"] = function(connection, message) {
        return message["X-GM-LABELS"].map(labelAtom);
    };

    // hoodiecrow sends no untagged SEARCH when nothing matches; Gmail (and
    // RFC 3501) send an empty "* SEARCH".
    server.outputHandlers.push(function(connection, response, description, parsed) {
        if (description !== "SEARCH" && description !== "UID SEARCH") {
            return;
        }
        if (response.tag === "*") {
            parsed.gmSearchSent = true;
        } else if (response.command === "OK" && !parsed.gmSearchSent && connection.socket) {
            connection.socket.write("* SEARCH\r\n");
        }
    });
}

// ---- X-GM-RAW --------------------------------------------------------------

// A subset of Gmail's search language: terms separated by spaces are
// ANDed; "-term" negates; "a OR b" alternates; "quoted phrases"; the
// operators subject: from: to: label: in: is: rfc822msgid: has:; anything
// else matches the subject or the body.
function tokenize(query) {
    var tokens = [], re = /\s*(-?)(?:([a-z0-9]+):)?(?:"([^"]*)"|(\S+))/gi, m;
    while ((m = re.exec(query)) !== null) {
        if (m[0].trim() === "") {
            break;
        }
        tokens.push({ neg: !!m[1], op: (m[2] || "").toLowerCase(), value: m[3] !== undefined ? m[3] : m[4] });
    }
    return tokens;
}

function hasLabel(message, name) {
    var want = name.toLowerCase();
    return message["X-GM-LABELS"].some(function(label) {
        var decoded = decodeMutf7(label).toLowerCase();
        // Gmail writes spaces in label names as "-" in queries.
        return decoded === want || decoded.replace(/ /g, "-") === want || label.toLowerCase() === want;
    });
}

function termMatches(message, t) {
    var p = parseMessage(message), h = p.headers, v = t.value;
    switch (t.op) {
        case "subject": return contains(h.subject, v);
        case "from": return contains(h.from, v);
        case "to": return contains(h.to, v) || contains(h.cc, v);
        case "label": return hasLabel(message, v);
        case "rfc822msgid": return contains(h["message-id"], v);
        case "in":
            if (/^inbox$/i.test(v)) return hasLabel(message, "\\Inbox");
            if (/^(anywhere|all)$/i.test(v)) return true;
            return hasLabel(message, v);
        case "is":
            switch (v.toLowerCase()) {
                case "unread": return message.flags.indexOf("\\Seen") < 0;
                case "read": return message.flags.indexOf("\\Seen") >= 0;
                case "starred": return message.flags.indexOf("\\Flagged") >= 0 || hasLabel(message, "\\Starred");
                case "important": return hasLabel(message, "\\Important");
                default: return false;
            }
        case "has":
            if (/^attachment$/i.test(v)) return /content-disposition:\s*attachment/i.test(utf8(message.raw || ""));
            return false;
        default: {
            var text = t.op ? t.op + ":" + v : v;
            return contains(h.subject, text) || contains(p.body, text);
        }
    }
}

function gmailRaw(server) {
    server.searchHandlers["X-GM-RAW"] = function(connection, message, index, query) {
        var tokens = tokenize(utf8(query));
        if (!tokens.length) {
            return false;
        }
        // OR binds tighter than the implicit AND, as in Gmail.
        var groups = [[]];
        for (var i = 0; i < tokens.length; i++) {
            if (!tokens[i].neg && !tokens[i].op && tokens[i].value === "OR" && i + 1 < tokens.length &&
                groups[groups.length - 1].length) {
                groups[groups.length - 1].push(tokens[++i]);
                continue;
            }
            groups.push([tokens[i]]);
        }
        return groups.filter(function(g) { return g.length; }).every(function(alternatives) {
            return alternatives.some(function(t) {
                return termMatches(message, t) !== t.neg;
            });
        });
    };
}

// ---- XLIST -------------------------------------------------------------------

// XLIST is LIST with Gmail's folder flags (\Inbox, \AllMail, \Sent, ...),
// answered with untagged XLIST lines. A folder's XLIST flag is its "xlist"
// property in the storage below.
function xlist(server) {
    server.registerCapability("XLIST", function(connection) {
        return connection.state !== "Not Authenticated";
    });
    server.setCommandHandler("XLIST", function(connection, parsed, data, callback) {
        var a = parsed.attributes || [];
        var valid = a.length === 2 && a.every(function(x) {
            return x && ["STRING", "LITERAL", "ATOM"].indexOf(x.type) >= 0;
        });
        if (!valid) {
            connection.send({ tag: parsed.tag, command: "BAD",
                attributes: [{ type: "TEXT", value: "XLIST expects 2 string arguments" }] },
                "INVALID COMMAND", parsed, data);
            return callback();
        }
        if (["Authenticated", "Selected"].indexOf(connection.state) < 0) {
            connection.send({ tag: parsed.tag, command: "BAD",
                attributes: [{ type: "TEXT", value: "Log in first" }] }, "XLIST FAILED", parsed, data);
            return callback();
        }
        server.matchFolders(a[0].value, a[1].value).forEach(function(folder) {
            var flags = [].concat(folder.flags, folder.xlist || []).map(function(f) {
                return { type: "ATOM", value: f };
            });
            connection.send({ tag: "*", command: "XLIST",
                attributes: [flags, server.storage[folder.namespace].separator, folder.path] },
                "XLIST ITEM", parsed, data, folder);
        });
        connection.send({ tag: parsed.tag, command: "OK",
            attributes: [{ type: "TEXT", value: "Success" }] }, "XLIST", parsed, data);
        return callback();
    });
}

// ---- the mailbox tree ----------------------------------------------------------

function msg(subject, body, extra) {
    var headers = "From: Gmail Tester <tester@example.com>\r\nTo: alice@example.com\r\n" +
        "Subject: " + subject + "\r\nDate: Mon, 7 Feb 1994 21:52:25 -0800\r\n" +
        "Message-ID: <" + subject.replace(/[^A-Za-z0-9]/g, "") + "@seed.example.com>\r\n";
    var m = { raw: headers + "\r\n" + body + "\r\n" };
    Object.keys(extra || {}).forEach(function(k) { m[k] = extra[k]; });
    return m;
}

// Gmail's layout: INBOX, the [Gmail] system folders, user labels as
// folders (one with a space, one with non-ASCII characters, stored as
// modified UTF-7 "Sp&AOQA3w-e" = "Späße").
function storage(withSpecialUse) {
    function sys(specialUse, xlistFlag, label) {
        var f = { xlist: xlistFlag, "x-gm-label": label };
        if (withSpecialUse) {
            f["special-use"] = specialUse;
        }
        return f;
    }
    return {
        INBOX: {
            xlist: "\\Inbox",
            messages: [
                msg("seed one", "first seeded message", { "X-GM-LABELS": ["Work"] }),
                msg("seed two", "second seeded message", { flags: ["\\Seen"], "X-GM-LABELS": ["My Label", "Sp&AOQA3w-e"] })
            ]
        },
        "": {
            separator: "/",
            folders: {
                "[Gmail]": {
                    flags: ["\\Noselect"],
                    folders: {
                        "All Mail": sys("\\All", "\\AllMail", null),
                        Drafts: sys("\\Drafts", "\\Drafts", "\\Draft"),
                        Important: sys("\\Important", "\\Important", "\\Important"),
                        "Sent Mail": sys("\\Sent", "\\Sent", "\\Sent"),
                        Spam: sys("\\Junk", "\\Spam", "\\Spam"),
                        Starred: sys("\\Flagged", "\\Starred", "\\Starred"),
                        Trash: sys("\\Trash", "\\Trash", "\\Trash")
                    }
                },
                Work: {},
                "My Label": {},
                "Sp&AOQA3w-e": {}
            }
        }
    };
}

function makeServer(withSpecialUse) {
    var plugins = ["ID", "IDLE", "NAMESPACE", "UNSELECT", "ENABLE", "UIDPLUS", "MOVE",
        "SASL-IR", "AUTH-PLAIN", "XOAUTH2"];
    if (withSpecialUse) {
        plugins.push("SPECIAL-USE");
    }
    plugins.push("X-GM-EXT-1", gmailExtras, gmailRaw, xlist);
    return hoodiecrow({
        plugins: plugins,
        id: { name: "hoodiecrow (imapclient Gmail stand-in)", vendor: "imapclient tests" },
        users: {
            alice: { password: "alicepass", xoauth2: { accessToken: "alice-oauth-token", sessionTimeout: 3600 * 1000 } },
            bob: { password: "bobpass" }
        },
        storage: storage(withSpecialUse)
    });
}

// ---- main ------------------------------------------------------------------------

var portsFile = process.argv[2];
if (!portsFile) {
    console.error("usage: node server.js PORTS_FILE");
    process.exit(2);
}

var servers = [makeServer(true), makeServer(false)];
var ports = [];
servers.forEach(function(s, i) {
    s.server.on("error", function(e) {
        console.error("hoodiecrow: " + e.message);
        process.exit(1);
    });
    s.listen(0, "127.0.0.1", function() {
        ports[i] = s.server.address().port;
        if (ports.filter(Boolean).length === servers.length) {
            // Written under a temporary name and renamed, so a reader never
            // sees half of it.
            fs.writeFileSync(portsFile + ".tmp", "GMAIL_PORT=" + ports[0] + "\nGMAIL_XLIST_PORT=" + ports[1] + "\n");
            fs.renameSync(portsFile + ".tmp", portsFile);
            console.log("hoodiecrow: Gmail-like IMAP on 127.0.0.1:" + ports[0] + " (XLIST only: " + ports[1] + ")");
        }
    });
});
process.on("SIGTERM", function() { process.exit(0); });
