// The benchmark harness (issue 10). One run, one machine, the load generator on the same cores:
// starts the service on the embedded defaults with a fresh data directory, seeds realistic data,
// and measures every target against a bare-Koa baseline taken in the same run.
//   npm run bench            (BENCH_CREDENTIALS=100000 BENCH_RUNS=3 BENCH_DURATION=5); memory: bench/memory.ts
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { measure, rotationRequests, startProcess, stop, table, type LoadResult } from './harness.js';
import { appendThroughput } from './appendThroughput.js';
import { seedLedger } from './seed.js';

const CREDENTIALS = Number(process.env.BENCH_CREDENTIALS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const form = (o: Record<string, string>) => new URLSearchParams(o).toString();
const log = (s: string) => process.stderr.write(s + '\n');

export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

export async function startLedger(credentials: number, extraEnv: Record<string, string> = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'tl-bench-'));
  const started = Date.now();
  const events = await seedLedger(join(dataDir, 'ledger.db'), credentials, (n) => n % 100_000 === 0 && log(`  seeded ${n} credentials`));
  log(`  seeded ${credentials} credentials (${events} events) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  // A large ledger is projected before the service listens: allow for it.
  const svc = await startProcess(['dist/src/main.js'], { LEDGER_DATA_DIR: dataDir, LEDGER_ADMIN_PASSWORD: 'bench-admin-pw', LOG_LEVEL: 'warn', ...extraEnv }, '/health', 900_000);
  return { ...svc, dataDir, events };
}

async function main() {
  const build = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error('build failed');
  const opts = { duration: DURATION };
  const out: Record<string, unknown> = { date: new Date().toISOString(), machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memGb: Math.round(totalmem() / 2 ** 30), node: process.version }, credentials: CREDENTIALS, runs: RUNS };

  log('bare Koa baseline (same body parser, same request shape)');
  const koa = await startProcess(['--import', 'tsx', 'bench/bareKoa.ts'], {}, '/');
  const bare = await measure('bare Koa POST', { ...opts, url: `${koa.url}/`, method: 'POST', headers: FORM, body: form({ token: 'x'.repeat(300) }) }, RUNS);
  await stop(koa.child);

  log(`token-ledger, embedded SQLite (synchronous=FULL), ${CREDENTIALS} credentials`);
  const svc = await startLedger(CREDENTIALS);
  const login = async () => {
    const res = await fetch(`${svc.url}/oauth2/token`, { method: 'POST', headers: FORM, body: form({ grant_type: 'password', username: 'admin', password: 'bench-admin-pw' }) });
    return (await res.json()) as { access_token: string; refresh_token: string };
  };
  const admin = await login();
  const bearer = { authorization: `Bearer ${admin.access_token}` };
  const client = (await (await fetch(`${svc.url}/admin/clients`, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer }, body: JSON.stringify({ name: 'bench', scopes: ['read'] }) })).json()) as { client_id: string; client_secret: string };

  const introspectOpts = { ...opts, url: `${svc.url}/oauth2/introspect`, method: 'POST' as const, headers: { ...FORM, ...bearer }, body: form({ token: admin.access_token }) };
  const introspect = await measure('POST /oauth2/introspect', introspectOpts, RUNS);

  const issuedTokens: string[] = [];
  const clientCredentials = await measure('POST /oauth2/token client_credentials', {
    ...opts,
    url: `${svc.url}/oauth2/token`,
    method: 'POST',
    headers: FORM,
    body: form({ grant_type: 'client_credentials', client_id: client.client_id, client_secret: client.client_secret }),
    requests: [{ onResponse: (status, body) => void (status === 200 && issuedTokens.length < 200_000 && issuedTokens.push(JSON.parse(body).access_token)) }],
  }, RUNS);

  let keyCounter = 0;
  const sunbird = await measure('Sunbird v1 register', {
    ...opts,
    url: `${svc.url}/api-manager/v1/consumer/mobile_device/credential/register`,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer },
    requests: [{ setupRequest: (req) => ({ ...req, body: JSON.stringify({ request: { key: `bench-key-${keyCounter++}` } }) }) }],
  }, RUNS);

  let nextToken = 0;
  const revoke = await measure('POST /oauth2/revoke', {
    ...opts,
    url: `${svc.url}/oauth2/revoke`,
    method: 'POST',
    headers: FORM,
    requests: [{ setupRequest: (req) => ({ ...req, body: form({ token: issuedTokens[nextToken++ % issuedTokens.length]! }) }) }],
  }, RUNS);
  out.revokeDistinctTokens = Math.min(nextToken, issuedTokens.length);

  const families = await Promise.all(Array.from({ length: 50 }, login));
  const refresh = await measure('refresh_token rotation', {
    ...opts,
    url: `${svc.url}/oauth2/token`,
    method: 'POST',
    headers: FORM,
    requests: rotationRequests(families.map((f) => f.refresh_token)),
  }, 1);

  log('isolation: introspection while 20 password logins run at once');
  let loginsDone = 0;
  let stopLogins = false;
  const loginLoops = Array.from({ length: 20 }, async () => {
    while (!stopLogins) {
      await login();
      loginsDone++;
    }
  });
  const isolated = await measure('introspect under 20 concurrent logins', introspectOpts, 1);
  stopLogins = true;
  await Promise.all(loginLoops);
  out.isolationLoginsPerSecond = Math.round(loginsDone / DURATION);
  out.rssAfterLoadMb = rssMb(svc.child.pid!);
  await stop(svc.child);

  log('replay: rebuild every read model of this run from its ledger');
  const replay = spawnSync(process.execPath, ['dist/src/cli/index.js', 'replay', '--out', join(svc.dataDir, 'replayed.db')], { env: { ...process.env, LEDGER_DATA_DIR: svc.dataDir, LOG_LEVEL: 'silent' }, encoding: 'utf8' });
  const replayRate = Number(/\((\d+) events\/s\)/.exec(replay.stdout)?.[1] ?? NaN);
  const replayEvents = Number(/replayed (\d+) events/.exec(replay.stdout)?.[1] ?? NaN);

  log('SQLite append throughput (synchronous=FULL): group commit against one transaction per append');
  const appendGroupCommit = await appendThroughput('inline', 20_000, 100);
  const appendWorker = await appendThroughput('worker', 20_000, 100);
  const appendSingle = await appendThroughput('none', 3_000, 100);
  out.append = { groupCommitPerSecond: appendGroupCommit, groupCommitInWriterThreadPerSecond: appendWorker, oneTransactionPerAppendPerSecond: appendSingle };

  const pct = (r: LoadResult) => `${Math.round((r.reqPerSec / bare.reqPerSec) * 100)}%`;
  const row = (r: LoadResult, target: string) => ({ what: r.name, 'req/s (median)': r.reqPerSec, 'vs bare Koa': pct(r), 'p50 ms': r.p50, 'p99 ms': r.p99, 'non-2xx': r.non2xx, target });
  const rows = [
    row(bare, 'baseline'),
    row(introspect, '>= 75% of Koa, p99 <= 5 ms'),
    row(clientCredentials, '>= 40% of Koa, p99 <= 15 ms'),
    row(sunbird, '>= 40% of Koa, p99 <= 15 ms'),
    row(revoke, '-'),
    row(refresh, '-'),
    row(isolated, 'p99 <= 10 ms'),
  ];
  Object.assign(out, { bare, introspect, clientCredentials, sunbird, revoke, refresh, isolated, replay: { events: replayEvents, eventsPerSecond: replayRate } });
  const file = join('bench', 'results', `${new Date().toISOString().slice(0, 10)}.json`);
  writeFileSync(file, JSON.stringify(out, null, 2));
  console.log(table(rows));
  console.log(`replay: ${replayEvents} events at ${replayRate} events/s (target >= 100,000)`);
  console.log(`SQLite appends/s, durable: ${appendGroupCommit} with group commit (${appendWorker} with the commit in a writer thread), ${appendSingle} with one transaction per append`);
  console.log(`RSS after the load: ${out.rssAfterLoadMb} MB; ${out.isolationLoginsPerSecond} password logins/s during the isolation run`);
  console.log(`machine: ${cpus().length} x ${cpus()[0]?.model}; 50 connections; median of ${RUNS} runs of ${DURATION} s; written to ${file}`);
}

if (process.argv[1]?.endsWith('run.ts')) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
void autocannon;
