// RSS of the service with 1,000,000 credentials in its read models (issue 10's memory target):
// just after start, then after 20 s of issuing tokens (client_credentials) and 10 s of introspection.
//   node --import tsx bench/memory.ts [credentials]
import autocannon from 'autocannon';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clientCredentialsRequest, createClient, introspectRequest, login, rssMb, startLedger, stopLedger } from './harness.js';

const credentials = Number(process.argv[2] ?? 1_000_000);
const started = Date.now();
const svc = await startLedger(credentials);
const startSeconds = Math.round((Date.now() - started) / 1000);
// Let it settle, then touch the read models through the API once.
await new Promise((r) => setTimeout(r, 2000));
await fetch(`${svc.url}/health`);
const rssAtStart = rssMb(svc.child.pid!);

const admin = await login(svc.url, 'bench-admin-pw');
const bearer = { authorization: `Bearer ${admin.access_token}` };
const client = await createClient(svc.url, bearer, 'memory');
const issue = await autocannon({ ...clientCredentialsRequest(svc.url, client), connections: 50, duration: 20 });
const rssAfterIssue = rssMb(svc.child.pid!);
await autocannon({ ...introspectRequest(svc.url, admin.access_token), connections: 50, duration: 10 });
const rssAfterLoad = rssMb(svc.child.pid!);

const out = { date: new Date().toISOString(), credentials, events: svc.events, rssMb: rssAtStart, tokensIssuedUnderLoad: issue.requests.total, rssAfterIssueMb: rssAfterIssue, rssAfterLoadMb: rssAfterLoad, seededAndStartedSeconds: startSeconds };
await stopLedger(svc);
console.log(`RSS with ${credentials} credentials (${svc.events} events) in the read models: ${rssAtStart} MB just after start; ${rssAfterIssue} MB after issuing ${issue.requests.total} more tokens; ${rssAfterLoad} MB after 10 s of introspection (target <= 400); seeded, projected and started in ${startSeconds} s`);
writeFileSync(join('bench', 'results', `memory-${out.date.slice(0, 10)}.json`), JSON.stringify(out, null, 2));
