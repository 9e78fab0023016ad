// imapflow_download.mjs PORT USER PASSWORD FOLDER OUT
//
// imapflow's download() of the first message of FOLDER into OUT (a file or
// /dev/null), the same measurement as stream_bench fetch: one JSON line with
// bytes, seconds, MB/s and the process's peak RSS. imapflow is installed by
// hand, never committed, into $IMAPFLOW_DIR (default build-bench/npm).
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = process.env.IMAPFLOW_DIR || path.join(here, '..', '..', '..', 'build-bench', 'npm');
const { ImapFlow } = createRequire(path.join(path.resolve(dir), 'package.json'))('imapflow');

const [port, user, pass, folder, out] = process.argv.slice(2);
const client = new ImapFlow({ host: '127.0.0.1', port: Number(port), secure: false, doSTARTTLS: false,
                              auth: { user, pass }, logger: false, disableAutoIdle: true });
await client.connect();
await client.mailboxOpen(folder, { readOnly: true });
const uids = await client.search({ all: true }, { uid: true });
const t0 = process.hrtime.bigint();
const { content } = await client.download(String(uids[0]), undefined, { uid: true });
let bytes = 0;
content.on('data', (chunk) => { bytes += chunk.length; });
await pipeline(content, fs.createWriteStream(out));
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(JSON.stringify({ work: 'fetch', client: 'imapflow', out, bytes, seconds: +seconds.toFixed(3),
                             mb_per_s: +(bytes / seconds / 1e6).toFixed(1),
                             peak_rss_kib: process.resourceUsage().maxRSS }));
await client.logout();
