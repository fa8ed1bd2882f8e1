// A long load at a steady rate, and what the service's heap holds after a full collection between
// its phases: a leak shows as growth that does not level off. 100,000 credentials are seeded.
//   node --import tsx bench/soak.ts [seconds per phase, 30] [phases of token issue, 6]
// Token issue (client_credentials) at 1,000/s, then introspection at 2,000/s, open loop. Writes
// bench/results/soak-<date>.json.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clientCredentialsRequest, createClient, introspectRequest, login, startLedger, stopLedger, table } from './harness.js';
import { OpenLoopClient } from './openLoop.js';

const seconds = Number(process.argv[2] ?? 30);
const issuePhases = Number(process.argv[3] ?? 6);
const probeFile = join(process.cwd(), 'bench', 'results', `.heap-probe-${process.pid}.json`);
const probe = fileURLToPath(new URL('./heapProbe.mjs', import.meta.url));
const svc = await startLedger(100_000, { HEAP_PROBE_FILE: probeFile }, ['--expose-gc', '--import', probe]);
const pid = svc.child.pid!;

interface Memory { heapUsed: number; rss: number; external: number }
async function heapAfterGc(): Promise<Memory> {
  rmSync(probeFile, { force: true });
  process.kill(pid, 'SIGUSR2');
  for (let waited = 0; !existsSync(probeFile); waited += 20) {
    if (waited > 10_000) throw new Error('the heap probe did not answer');
    await new Promise((r) => setTimeout(r, 20));
  }
  const m = JSON.parse(readFileSync(probeFile, 'utf8')) as Memory;
  rmSync(probeFile);
  return m;
}

const admin = await login(svc.url, 'bench-admin-pw');
const bearer = { authorization: `Bearer ${admin.access_token}` };
const client = await createClient(svc.url, bearer, 'soak');
const issue = clientCredentialsRequest(svc.url, client);
const introspect = introspectRequest(svc.url, admin.access_token);
const loop = new OpenLoopClient(svc.url);
await loop.warm(issue);

const mb = (bytes: number) => Math.round(bytes / 1e5) / 10;
const rows: Array<Record<string, string | number>> = [];
const phases: Array<{ phase: string; requests: number; p99: number | null; heapUsedMb: number; rssMb: number }> = [];
let requests = 0;
const record = async (phase: string, p99: number | null) => {
  const m = await heapAfterGc();
  const row = { phase, requests, p99, heapUsedMb: mb(m.heapUsed), rssMb: mb(m.rss) };
  phases.push(row);
  rows.push({ phase, 'requests so far': requests, 'p99 ms': p99 ?? '-', 'heap after full GC, MB': row.heapUsedMb, 'RSS, MB': row.rssMb });
  process.stderr.write(`  ${phase}: ${requests} requests so far, heap after a full GC ${row.heapUsedMb} MB, RSS ${row.rssMb} MB\n`);
};
await record('start', null);
const run = async (phase: string, o: typeof issue, rate: number) => {
  const r = await loop.run({ ...o, ratePerSecond: rate, seconds });
  requests += Math.round(r.achievedPerSecond * seconds);
  await record(phase, r.p99);
};
for (let i = 1; i <= issuePhases; i++) await run(`token issue ${i}/${issuePhases}, 1,000/s`, issue, 1000);
for (let i = 1; i <= 2; i++) await run(`introspection ${i}/2, 2,000/s`, introspect, 2000);
await loop.close();
await stopLedger(svc);

// Growth per 1,000 tokens over the issue phases after the first (which fills the caches it uses).
const first = phases[1]!, last = phases[issuePhases]!;
const bytesPerThousand = issuePhases > 1 ? Math.round(((last.heapUsedMb - first.heapUsedMb) * 1e6) / ((last.requests - first.requests) / 1000)) : NaN;
console.log(table(rows));
console.log(`heap growth while issuing, after the first phase: ${bytesPerThousand} bytes per 1,000 tokens (${first.heapUsedMb} -> ${last.heapUsedMb} MB over ${last.requests - first.requests} tokens)`);
const out = { date: new Date().toISOString(), secondsPerPhase: seconds, phases, heapGrowthBytesPerThousandTokens: bytesPerThousand };
writeFileSync(join('bench', 'results', `soak-${out.date.slice(0, 10)}.json`), JSON.stringify(out, null, 2));
