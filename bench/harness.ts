import autocannon from 'autocannon';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startProcess } from '../test/support/process.js';
import { OpenLoopClient, type OpenLoopOptions, type OpenLoopResult } from './openLoop.js';
import { seedLedger } from './seed.js';
import { median } from './median.js';

export interface LoadResult {
  name: string;
  reqPerSec: number;
  /** CPU time the server process spent per request (user + system), in µs: steadier than req/s on a noisy machine. */
  cpuUsPerRequest?: number;
  /** The share of the machine's CPU time the hypervisor took for other guests during the run (%). */
  stealPercent?: number;
  p50: number;
  p99: number;
  non2xx: number;
  /** req/s of each run behind the figures (set by `paired` in run.ts). */
  runs: number[];
}

/** One run's figures: `measure`'s result, before `paired` gathers runs. */
export type RunResult = Omit<LoadResult, 'runs'>;

export { startProcess };

export const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
export const form = (o: Record<string, string>) => new URLSearchParams(o).toString();

/** A password grant for the admin: the tokens of a new refresh family. */
export async function login(url: string, password: string): Promise<{ access_token: string; refresh_token: string }> {
  const res = await fetch(`${url}/oauth2/token`, { method: 'POST', headers: FORM, body: form({ grant_type: 'password', username: 'admin', password }) });
  return (await res.json()) as { access_token: string; refresh_token: string };
}

/** A new OAuth2 client with the `read` scope, registered by the admin whose bearer is given. */
export async function createClient(url: string, bearer: { authorization: string }, name: string): Promise<{ client_id: string; client_secret: string }> {
  const res = await fetch(`${url}/admin/clients`, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer }, body: JSON.stringify({ name, scopes: ['read'] }) });
  return (await res.json()) as { client_id: string; client_secret: string };
}

export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

/** Seeds `credentials` into a fresh data directory, then starts the built service on it. */
export async function startLedger(credentials: number, extraEnv: Record<string, string> = {}, nodeArgs: string[] = []) {
  const log = (s: string) => process.stderr.write(s + '\n');
  const dataDir = mkdtempSync(join(tmpdir(), 'tl-bench-'));
  const started = Date.now();
  const events = await seedLedger(join(dataDir, 'ledger.db'), credentials, (n) => n % 100_000 === 0 && log(`  seeded ${n} credentials`));
  log(`  seeded ${credentials} credentials (${events} events) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  // A large ledger is projected before the service listens: allow for it.
  const svc = await startProcess([...nodeArgs, 'dist/src/main.js'], { LEDGER_DATA_DIR: dataDir, LEDGER_ADMIN_PASSWORD: 'bench-admin-pw', LOG_LEVEL: 'warn', ...extraEnv }, '/health', 900_000);
  return { ...svc, dataDir, events };
}

/** A request of a scenario's shape: what bare Koa is sent, and what the service is sent once to learn the answer. */
export interface Shape {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: string;
}

/** A client_credentials grant for `client`: token issue's request. */
export function clientCredentialsRequest(url: string, client: { client_id: string; client_secret: string }): Shape {
  return { url: `${url}/oauth2/token`, method: 'POST', headers: FORM, body: form({ grant_type: 'client_credentials', client_id: client.client_id, client_secret: client.client_secret }) };
}

/** An introspection of `accessToken`, sent with that token as the bearer (an admin's may introspect). */
export function introspectRequest(url: string, accessToken: string): Shape {
  return { url: `${url}/oauth2/introspect`, method: 'POST', headers: { ...FORM, authorization: `Bearer ${accessToken}` }, body: form({ token: accessToken }) };
}

/**
 * Teaches bare Koa (bench/bareKoa.ts) a scenario's shape: sends `sample` to the service once, and has
 * bare Koa answer POSTs to `/<name>` with the same status, content type and body. Returns the
 * sample aimed at bare Koa: the same method, headers and body, so that the baseline parses the
 * same request and writes the same response as the service.
 */
export async function shapeBaseline(bareUrl: string, name: string, sample: Shape): Promise<Shape> {
  const res = await fetch(sample.url, { method: sample.method, headers: sample.headers, body: sample.body });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${name}: the service answered the sample with ${res.status}: ${text.slice(0, 200)}`);
  const type = res.headers.get('content-type') ?? 'text/plain';
  const body = type.startsWith('application/json') ? JSON.parse(text) : text;
  const url = `${bareUrl}/${name}`;
  const taught = await fetch(url, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: res.status, type, body }) });
  if (taught.status !== 204) throw new Error(`${name}: bare Koa refused the shape (${taught.status})`);
  const check = await fetch(url, { method: sample.method, headers: sample.headers, body: sample.body });
  if ((await check.text()) !== text) throw new Error(`${name}: bare Koa does not answer as the service did`);
  return { ...sample, url };
}

export function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.on('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Stops a service and deletes its data directory (a seeded ledger is 0.3-1.3 GB). */
export async function stopLedger(svc: { child: ChildProcess; dataDir: string }): Promise<void> {
  await stop(svc.child);
  rmSync(svc.dataDir, { recursive: true, force: true });
}

/** user + system clock ticks of a process so far (/proc/<pid>/stat fields 14 and 15). */
function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]);
}
const TICK_US = 1e6 / 100; // USER_HZ is 100 on Linux

/** Starts counting a process's CPU time; the function returned gives µs per request since then. */
function cpuMeter(pid: number | undefined): (requests: number) => number | undefined {
  const before = pid ? cpuTicks(pid) : 0;
  return (requests) => (pid ? ((cpuTicks(pid) - before) * TICK_US) / Math.max(requests, 1) : undefined);
}

/**
 * The machine's CPU time so far, all cores, and the part of it the hypervisor gave to other guests
 * (steal), from /proc/stat's text: its first line's user, nice, system, idle, iowait, irq, softirq
 * and steal (guest time is already counted in user and nice).
 */
export function procStatTicks(text: string): { total: number; steal: number } | undefined {
  const [label, ...fields] = text.split('\n', 1)[0]!.trim().split(/\s+/);
  const f = fields.slice(0, 8).map(Number);
  return label === 'cpu' && f.length === 8 && f.every(Number.isFinite) ? { total: f.reduce((a, b) => a + b, 0), steal: f[7]! } : undefined;
}

function machineTicks(): { total: number; steal: number } | undefined {
  try {
    return procStatTicks(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return undefined; // not Linux
  }
}

/**
 * Starts counting steal time; the function returned gives the share of the machine's CPU time (%,
 * one decimal) stolen since then. This VM's speed drifts by tens of percent; steal shows one cause
 * of it, the host running other guests on our vCPUs' time. It does not show the others (a shared
 * physical core, a lower clock): bare Koa's CPU per request, measured beside every scenario, does.
 */
export function stealMeter(): () => number | undefined {
  const before = machineTicks();
  return () => {
    const after = machineTicks();
    if (!before || !after || after.total <= before.total) return undefined;
    return Math.round(((after.steal - before.steal) / (after.total - before.total)) * 1000) / 10;
  };
}

/** Meters one run: the function returned gives the server's CPU per request and the steal since the call. */
function runMeter(pid: number | undefined): (requests: number) => { cpuUsPerRequest?: number; stealPercent?: number } {
  const cpuPerRequest = cpuMeter(pid);
  const steal = stealMeter();
  return (requests) => {
    const us = cpuPerRequest(requests);
    const stolen = steal();
    return { ...(us !== undefined ? { cpuUsPerRequest: Math.round(us) } : {}), ...(stolen !== undefined ? { stealPercent: stolen } : {}) };
  };
}

export { median };

/**
 * One autocannon run of 5 s (or `options.duration`) after a short warm-up (discarded: JIT and
 * caches), with the server's CPU per request. Repeated runs and their median are `paired`'s, in run.ts.
 */
export async function measure(name: string, options: autocannon.Options, warmupSeconds = 1, serverPid?: number): Promise<RunResult> {
  if (warmupSeconds > 0) await autocannon({ connections: 50, ...options, duration: warmupSeconds });
  const meter = runMeter(serverPid);
  const r = await autocannon({ connections: 50, duration: 5, ...options });
  const out: RunResult = {
    name,
    reqPerSec: Math.round(r.requests.average),
    ...meter(r.requests.total),
    p50: r.latency.p50,
    p99: r.latency.p99,
    non2xx: r.non2xx,
  };
  const cpuNote = out.cpuUsPerRequest !== undefined ? `, server CPU ${out.cpuUsPerRequest} µs/request` : '';
  const stealNote = out.stealPercent !== undefined ? `, steal ${out.stealPercent}%` : '';
  process.stderr.write(`  ${name}: ${out.reqPerSec} req/s${cpuNote}, p50 ${out.p50} ms, p99 ${out.p99} ms, non-2xx ${out.non2xx}${stealNote}\n`);
  return out;
}

export interface CurvePoint extends OpenLoopResult {
  /** The server's CPU per request at this rate, in µs: a server that wakes for every request pays more per request than a saturated one. */
  cpuUsPerRequest?: number;
  /** The share of the machine's CPU time stolen by the hypervisor during the run (%). */
  stealPercent?: number;
  /** The p99 of each run; `p99` (and the rest) are those of the run with the median p99. */
  p99Runs: number[];
}

/**
 * Latency against offered load: at saturation a closed loop of 50 connections queues by
 * construction (bare Koa's own p99 is about 10 ms there), so the latency a client sees below
 * saturation is measured apart, open loop, at each of `rates`: a 1 s warm-up at that rate, then
 * `runs` runs of `seconds`, reported by the run with the median p99. Every run of a curve goes
 * over the same 50 connections, all opened before the first (see OpenLoopClient).
 */
export async function latencyCurve(name: string, options: Pick<OpenLoopOptions, 'url' | 'method' | 'headers' | 'body'>, rates: number[], serverPid?: number, runs = 3, seconds = 5): Promise<CurvePoint[]> {
  const points: CurvePoint[] = [];
  const client = new OpenLoopClient(options.url);
  try {
    await client.warm(options);
    for (const ratePerSecond of rates) points.push(await curvePoint(name, client, options, ratePerSecond, serverPid, runs, seconds));
  } finally {
    await client.close();
  }
  return points;
}

async function curvePoint(name: string, client: OpenLoopClient, options: Pick<OpenLoopOptions, 'url' | 'method' | 'headers' | 'body'>, ratePerSecond: number, serverPid: number | undefined, runs: number, seconds: number): Promise<CurvePoint> {
  await client.run({ ...options, ratePerSecond, seconds: 1 });
  const results: CurvePoint[] = [];
  for (let i = 0; i < runs; i++) {
    const meter = runMeter(serverPid);
    const point = await client.run({ ...options, ratePerSecond, seconds });
    results.push({ ...point, ...meter(ratePerSecond * seconds), p99Runs: [] });
  }
  const p99Runs = results.map((r) => r.p99);
  const mid = { ...results.find((r) => r.p99 === median(p99Runs))!, p99Runs };
  process.stderr.write(`  ${name} at ${ratePerSecond}/s offered: p99 ${p99Runs.join(' / ')} ms; median run: p50 ${mid.p50} ms, p99.9 ${mid.p999} ms (achieved ${mid.achievedPerSecond}/s, non-2xx ${mid.non2xx}, errors ${mid.errors}, server CPU ${mid.cpuUsPerRequest ?? '-'} µs/request, steal ${results.map((r) => r.stealPercent ?? '-').join(' / ')}%)\n`);
  return mid;
}

export function table(rows: Array<Record<string, string | number>>): string {
  const cols = Object.keys(rows[0] ?? {});
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(width[i]!)).join(' | ') + ' |';
  return [line(cols), line(width.map((w) => '-'.repeat(w))), ...rows.map((r) => line(cols.map((c) => String(r[c]))))].join('\n');
}

/**
 * Refresh-token rotation under load: each connection rotates its own family, presenting the
 * token the previous response returned.
 */
export function rotationRequests(refreshTokens: string[]): autocannon.Request[] {
  let next = 0;
  const body = (rt: string) => new URLSearchParams({ grant_type: 'refresh_token', refresh_token: rt }).toString();
  return [
    {
      setupRequest: (req, ctx) => {
        const c = ctx as Record<string, string>;
        c.rt ??= refreshTokens[next++ % refreshTokens.length]!;
        return { ...req, body: body(c.rt) };
      },
      onResponse: (status, responseBody, ctx) => {
        if (status === 200) (ctx as Record<string, string>).rt = JSON.parse(responseBody).refresh_token;
      },
    },
  ];
}
