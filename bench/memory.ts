// RSS of the service with 1,000,000 credentials in its read models (issue 10's memory target).
//   node --import tsx bench/memory.ts [credentials]
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rssMb, startLedger, stop } from './harness.js';

const credentials = Number(process.argv[2] ?? 1_000_000);
const started = Date.now();
const svc = await startLedger(credentials);
const startSeconds = Math.round((Date.now() - started) / 1000);
// Let it settle, then touch the read models through the API once.
await new Promise((r) => setTimeout(r, 2000));
await fetch(`${svc.url}/health`);
const out = { date: new Date().toISOString(), credentials, events: svc.events, rssMb: rssMb(svc.child.pid!), seededAndStartedSeconds: startSeconds };
await stop(svc.child);
console.log(`RSS with ${credentials} credentials (${svc.events} events) in the read models: ${out.rssMb} MB (target <= 400); seeded, projected and started in ${startSeconds} s`);
writeFileSync(join('bench', 'results', `memory-${out.date.slice(0, 10)}.json`), JSON.stringify(out, null, 2));
