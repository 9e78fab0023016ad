// imapflow_workload.mjs PORT USER PASSWORD WORK N
//
// The workload of test/bench/workload.cpp driven by imapflow (Node.js), same
// command line, same JSON line. imapflow is not part of the project: it is
// installed by hand, never committed, into $IMAPFLOW_DIR (default
// build-bench/npm), e.g.  npm install --prefix build-bench/npm imapflow
// Set-up (LOGIN, EXAMINE INBOX, UID SEARCH ALL) is not timed. `small` issues
// its N fetchOne() calls at once; imapflow queues them and sends one command
// at a time. `bytes`: sum of RFC822.SIZE (headers) or of BODY[] lengths.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = process.env.IMAPFLOW_DIR || path.join(here, '..', '..', '..', 'build-bench', 'npm');
const { ImapFlow } = createRequire(path.join(path.resolve(dir), 'package.json'))('imapflow');

const [port, user, pass, work, nText] = process.argv.slice(2);
if (nText === undefined) {
    console.error('usage: imapflow_workload.mjs PORT USER PASSWORD headers|bodies|small N');
    process.exit(2);
}
const n = Number(nText);
const client = new ImapFlow({ host: '127.0.0.1', port: Number(port), secure: false, doSTARTTLS: false,
                              auth: { user, pass }, logger: false, disableAutoIdle: true });
await client.connect();
await client.mailboxOpen('INBOX', { readOnly: true });
const uids = (await client.search({ all: true }, { uid: true })).slice(0, n);
// Ascending runs as "a:b", as the other clients send them.
const range = uids.reduce((out, u, i) => {
    if (i && u === uids[i - 1] + 1) out[out.length - 1][1] = u; else out.push([u, u]);
    return out;
}, []).map(([a, b]) => (a === b ? `${a}` : `${a}:${b}`)).join(',');
let got = 0, bytes = 0;
const t0 = process.hrtime.bigint();
if (work === 'headers') {
    for await (const m of client.fetch(range, { uid: true, flags: true, size: true, envelope: true }, { uid: true })) {
        got++; bytes += m.size;
    }
} else if (work === 'bodies') {
    for await (const m of client.fetch(range, { source: true }, { uid: true })) {
        got++; bytes += m.source.length;
    }
} else if (work === 'small') {
    const all = await Promise.all(uids.map(u => client.fetchOne(String(u), { source: true }, { uid: true })));
    all.forEach((m, i) => { if (m && m.uid === uids[i]) { got++; bytes += m.source.length; } });
} else {
    console.error('WORK must be headers, bodies or small');
    process.exit(2);
}
const wall = Number(process.hrtime.bigint() - t0) / 1e9;
if (got !== n || uids.length !== n) {
    console.error(`imapflow_workload: got ${got} of ${n} messages`);
    process.exit(1);
}
console.log(JSON.stringify({ client: 'imapflow', work, n, bytes, wall_s: wall }).replace(/":/g, '": ').replace(/,"/g, ', "'));
await client.logout();
