// Ledger-core benchmark (issue 2): bare Koa baseline, introspection, refresh rotation, and SQLite
// append throughput with group commit against one transaction per append. One run, one machine.
//   node --import tsx bench/core.ts
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendThroughput } from './appendThroughput.js';
import { measure, startProcess, stop, table } from './harness.js';

const form = (o: Record<string, string>) => new URLSearchParams(o).toString();
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

async function main() {
  const results: Record<string, unknown> = { date: new Date().toISOString(), cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version };

  process.stderr.write('bare Koa baseline\n');
  const koa = await startProcess(['--import', 'tsx', 'bench/bareKoa.ts'], {}, '/');
  const dummyToken = 'x'.repeat(280);
  const bare = await measure('bare Koa POST', { url: `${koa.url}/`, method: 'POST', headers: FORM, body: form({ token: dummyToken }) });
  await stop(koa.child);

  process.stderr.write('token-ledger (embedded SQLite, durable appends)\n');
  const dataDir = mkdtempSync(join(tmpdir(), 'tl-bench-'));
  const svc = await startProcess(['--import', 'tsx', 'src/main.ts'], { LEDGER_DATA_DIR: dataDir, LEDGER_ADMIN_PASSWORD: 'bench-admin-pw', LOG_LEVEL: 'warn' }, '/health');
  const login = async () => {
    const res = await fetch(`${svc.url}/oauth2/token`, { method: 'POST', headers: FORM, body: form({ grant_type: 'password', username: 'admin', password: 'bench-admin-pw' }) });
    return (await res.json()) as { access_token: string; refresh_token: string };
  };
  const admin = await login();
  const introspect = await measure('POST /oauth2/introspect', {
    url: `${svc.url}/oauth2/introspect`,
    method: 'POST',
    headers: { ...FORM, authorization: `Bearer ${admin.access_token}` },
    body: form({ token: admin.access_token }),
  });

  // Each connection rotates its own refresh-token family: every request presents the token the last one returned.
  const families = await Promise.all(Array.from({ length: 50 }, login));
  let nextFamily = 0;
  const refresh = await measure('refresh_token grant (rotation)', {
    url: `${svc.url}/oauth2/token`,
    method: 'POST',
    headers: FORM,
    requests: [
      {
        setupRequest: (req, ctx) => {
          const context = ctx as Record<string, string>;
          context.rt ??= families[nextFamily++ % families.length]!.refresh_token;
          return { ...req, body: form({ grant_type: 'refresh_token', refresh_token: context.rt }) };
        },
        onResponse: (status, body, ctx) => {
          const context = ctx as Record<string, string>;
          if (status === 200) context.rt = JSON.parse(body).refresh_token;
        },
      },
    ],
  }, 1);
  await stop(svc.child);

  process.stderr.write('SQLite append throughput (synchronous=FULL)\n');
  const grouped = await appendThroughput(true, 20_000, 100);
  const single = await appendThroughput(false, 3_000, 100);
  process.stderr.write(`  group commit: ${grouped} appends/s; one transaction per append: ${single} appends/s\n`);

  const rows = [
    { what: 'bare Koa POST', 'req/s': bare.reqPerSec, p50: bare.p50, p99: bare.p99, 'vs Koa': '100%' },
    { what: 'POST /oauth2/introspect', 'req/s': introspect.reqPerSec, p50: introspect.p50, p99: introspect.p99, 'vs Koa': `${Math.round((introspect.reqPerSec / bare.reqPerSec) * 100)}%` },
    { what: 'refresh_token grant', 'req/s': refresh.reqPerSec, p50: refresh.p50, p99: refresh.p99, 'vs Koa': `${Math.round((refresh.reqPerSec / bare.reqPerSec) * 100)}%` },
    { what: 'SQLite append, group commit', 'req/s': grouped, p50: '-', p99: '-', 'vs Koa': '-' },
    { what: 'SQLite append, 1 tx per append', 'req/s': single, p50: '-', p99: '-', 'vs Koa': '-' },
  ];
  Object.assign(results, { bare, introspect, refresh, appendGroupCommit: grouped, appendSingleTransaction: single });
  const file = join('bench', 'results', `core-${new Date().toISOString().slice(0, 10)}.json`);
  writeFileSync(file, JSON.stringify(results, null, 2));
  console.log(table(rows));
  console.log(`(50 connections, autocannon; latencies in ms; written to ${file})`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
