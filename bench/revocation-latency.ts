// Revocation latency (issue 7): from the 200 of POST /oauth2/revoke to the moment isRevoked(jti)
// is true in a RevocationSubscriber, for the in-process bus and for Kafka. One machine, one run.
//   node --import tsx bench/revocation-latency.ts        (starts the test broker unless
//   LEDGER_KAFKA_BROKERS is set; REVOCATIONS=1000 by default)
//
// The service runs in this process (it has to, for a subscriber on its in-process bus). Each
// revocation is sent only after the previous one was seen everywhere (closed loop), so the figures
// are latency, not queueing. Subscribers measured at once, on the same revocations:
//   - in-process bus, subscriber in the service's process (RevocationSubscriber.fromBus);
//   - in-process bus, subscriber in another process, fed by a bench-only IPC bridge: the
//     in-process bus cannot cross a process boundary, this shows what one hop adds;
//   - Kafka, subscriber in another process (RevocationSubscriber.fromKafka): the product path;
//   - Kafka, subscriber in the service's process, for comparison with the first line.
// Another process stamps its own clock (performance.timeOrigin + now()); the offset between the
// clocks is estimated by ping-pong (the sample with the smallest round trip) and subtracted.
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startService, type Service } from '../src/app/service.js';
import { InProcessBus } from '../src/bus/inProcessBus.js';
import { KafkaBus } from '../src/bus/kafka/kafkaBus.js';
import type { LifecycleBus } from '../src/bus/lifecycleBus.js';
import { revocationRecordOf, RevocationSubscriber } from '../src/bus/revocationSubscriber.js';
import { systemClock } from '../src/clock.js';
import { ledgerFile, loadConfig } from '../src/config.js';
import { SqliteEventStore } from '../src/ledger/sqlite/sqliteEventStore.js';
import { createLogger } from '../src/logger.js';
import { table } from './harness.js';

const N = Number(process.env.REVOCATIONS ?? 1000);
const WARMUP = 50;
const now = () => performance.timeOrigin + performance.now();
const log = (line: string) => process.stderr.write(line + '\n');

interface Observer {
  name: string;
  /** Resolves with the subscriber's (offset-corrected) time at which `jti` became revoked. */
  seen(jti: string): Promise<number>;
  close(): Promise<void>;
  clockOffsetMs?: number;
}

/** jti → waiting resolver, filled by whichever side reports first. */
class Sightings {
  private readonly times = new Map<string, number>();
  private readonly waiting = new Map<string, (t: number) => void>();
  report(jti: string, at: number) {
    const w = this.waiting.get(jti);
    if (w) (this.waiting.delete(jti), w(at));
    else this.times.set(jti, at);
  }
  wait(jti: string): Promise<number> {
    const t = this.times.get(jti);
    if (t !== undefined) return (this.times.delete(jti), Promise.resolve(t));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${jti} not seen within 15 s`)), 15_000);
      this.waiting.set(jti, (at) => (clearTimeout(timer), resolve(at)));
    });
  }
}

function inServiceProcess(name: string, subscriber: RevocationSubscriber): Observer {
  const sightings = new Sightings();
  subscriber.onRevoked((r) => subscriber.isRevoked(r.jti) && sightings.report(r.jti, now()));
  return { name, seen: (jti) => sightings.wait(jti), close: () => subscriber.close() };
}

async function inChildProcess(name: string, args: string[], bridge?: { bus: LifecycleBus; topic: string }): Promise<Observer> {
  const child: ChildProcess = fork('bench/revocationSubscriber.child.ts', args, { execArgv: ['--import', 'tsx'] });
  const sightings = new Sightings();
  const pongs: Array<{ sentAt: number; at: number; back: number }> = [];
  let ready!: () => void;
  const isReady = new Promise<void>((r) => (ready = r));
  child.on('message', (m: { type: string; jti?: string; at?: number; sentAt?: number }) => {
    if (m.type === 'ready') ready();
    if (m.type === 'seen') sightings.report(m.jti!, m.at!);
    if (m.type === 'pong') pongs.push({ sentAt: m.sentAt!, at: m.at!, back: now() });
  });
  const unsubscribe = bridge
    ? await bridge.bus.subscribe(bridge.topic, `bench-bridge-${name}`, (m) => {
        const record = revocationRecordOf(m);
        if (record) child.send({ type: 'record', record });
      })
    : undefined;
  await isReady;
  for (let i = 0; i < 50; i++) {
    child.send({ type: 'ping', sentAt: now() });
    await new Promise((r) => setTimeout(r, 5));
  }
  await new Promise((r) => setTimeout(r, 50));
  const best = pongs.sort((a, b) => a.back - a.sentAt - (b.back - b.sentAt))[0]!;
  const offset = best.at - (best.sentAt + best.back) / 2; // child clock minus ours
  return {
    name,
    clockOffsetMs: Number(offset.toFixed(3)),
    seen: async (jti) => (await sightings.wait(jti)) - offset,
    async close() {
      await unsubscribe?.();
      child.send({ type: 'stop' });
      await new Promise((r) => child.once('exit', r));
    },
  };
}

async function startLedger(bus: LifecycleBus, topics: { lifecycle: string; revocations: string; accessEvents: string }) {
  const dataDir = mkdtempSync(join(tmpdir(), 'tl-bench-revocation-'));
  const config = loadConfig({
    LEDGER_DATA_DIR: dataDir,
    LEDGER_ISSUER: 'http://token-ledger.bench',
    LEDGER_TOPIC_LIFECYCLE: topics.lifecycle,
    LEDGER_TOPIC_REVOCATIONS: topics.revocations,
    LEDGER_TOPIC_ACCESS_EVENTS: topics.accessEvents,
  });
  const logger = createLogger('warn', createWriteStream(join(dataDir, 'service.log')));
  const store = new SqliteEventStore(ledgerFile(config), { now: () => new Date() });
  const service = await startService(config, { store, bus, clock: systemClock, logger });
  const server: Server = service.app.koa.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { service, server, url, config };
}

async function issueTokens(service: Service, count: number): Promise<Array<{ token: string; jti: string }>> {
  const ctx = { actor: 'system', correlationId: 'bench-revocation-latency', time: new Date().toISOString() };
  const out: Array<{ token: string; jti: string }> = [];
  for (let i = 0; i < count; i += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, count - i) }, () =>
        service.services.credentials.issueAccessToken({ subject: 'bench', clientId: null, scopes: [], roles: [] }, ctx),
      ),
    );
    out.push(...batch.map((b) => ({ token: b.accessToken, jti: b.credentialId })));
  }
  return out;
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const r2 = (x: number) => Math.round(x * 100) / 100;

function summary(name: string, samples: number[], fromSent: number[], offset?: number) {
  const s = [...samples].sort((a, b) => a - b);
  const f = [...fromSent].sort((a, b) => a - b);
  return {
    subscriber: name,
    n: s.length,
    p50_ms: r2(pct(s, 50)),
    p90_ms: r2(pct(s, 90)),
    p99_ms: r2(pct(s, 99)),
    min_ms: r2(s[0]!),
    max_ms: r2(s[s.length - 1]!),
    mean_ms: r2(s.reduce((a, b) => a + b, 0) / s.length),
    seen_before_200: s.filter((x) => x <= 0).length,
    /** For context: from the moment the revoke request was sent (always positive). */
    from_request_sent: { p50_ms: r2(pct(f, 50)), p99_ms: r2(pct(f, 99)) },
    ...(offset !== undefined ? { clock_offset_ms: offset } : {}),
  };
}

/** Revokes each token over HTTP and waits until every observer saw it. */
async function run(url: string, tokens: Array<{ token: string; jti: string }>, observers: Observer[]) {
  const samples = new Map(observers.map((o) => [o.name, [] as number[]]));
  const fromSent = new Map(observers.map((o) => [o.name, [] as number[]]));
  for (const [i, { token, jti }] of tokens.entries()) {
    const seen = observers.map((o) => o.seen(jti));
    const sent = now();
    const res = await fetch(`${url}/oauth2/revoke`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token }) });
    const ok = now();
    if (res.status !== 200) throw new Error(`revoke answered ${res.status}`);
    await res.arrayBuffer();
    const at = await Promise.all(seen);
    if (i < WARMUP) continue;
    observers.forEach((o, k) => {
      samples.get(o.name)!.push(at[k]! - ok);
      fromSent.get(o.name)!.push(at[k]! - sent);
    });
  }
  return observers.map((o) => summary(o.name, samples.get(o.name)!, fromSent.get(o.name)!, o.clockOffsetMs));
}

async function measureBus(kind: 'in-process' | 'kafka', brokers: string[]) {
  const tag = `bench-${Date.now()}`;
  const topics = { lifecycle: `${tag}.lifecycle`, revocations: `${tag}.revocations`, accessEvents: `${tag}.access-events` };
  const busLogger = createLogger('warn', createWriteStream(join(tmpdir(), `${tag}-bus.log`)));
  const bus = kind === 'kafka' ? new KafkaBus({ brokers, topics, logger: busLogger }).start() : new InProcessBus();
  // Subscribers on the service's own bus must exist before the relay starts.
  const local = kind === 'kafka' ? RevocationSubscriber.fromKafka({ brokers, topic: topics.revocations }) : RevocationSubscriber.fromBus(bus, topics.revocations);
  const ledger = await startLedger(bus, topics);
  const observers: Observer[] = [inServiceProcess(`${kind} bus, subscriber in the service's process`, local)];
  observers.push(
    kind === 'kafka'
      ? await inChildProcess('kafka bus, subscriber in another process', ['kafka', brokers.join(','), topics.revocations])
      : await inChildProcess('in-process bus, subscriber in another process (bench IPC bridge)', ['ipc'], { bus, topic: topics.revocations }),
  );
  await local.ready;
  log(`${kind}: issuing ${N + WARMUP} tokens`);
  const tokens = await issueTokens(ledger.service, N + WARMUP);
  log(`${kind}: revoking ${N + WARMUP} (first ${WARMUP} are warm-up)`);
  const rows = await run(ledger.url, tokens, observers);
  for (const o of observers) await o.close();
  await new Promise((r) => ledger.server.close(r));
  await ledger.service.close();
  return rows.map((r) => ({ bus: kind, ...r }));
}

async function main() {
  let brokers = (process.env.LEDGER_KAFKA_BROKERS ?? '').split(',').filter(Boolean);
  const ownBroker = brokers.length === 0;
  if (ownBroker) {
    log('starting the test broker (infra/kafka/start.sh)');
    execFileSync('bash', ['infra/kafka/start.sh'], { stdio: ['ignore', 'ignore', 'inherit'] });
    brokers = [`127.0.0.1:${process.env.KAFKA_PORT ?? '19092'}`];
  }
  try {
    const rows = [...(await measureBus('in-process', brokers)), ...(await measureBus('kafka', brokers))];
    const result = {
      benchmark: 'revocation-latency',
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
      revocations: N,
      warmup: WARMUP,
      method:
        'closed loop: POST /oauth2/revoke, t0 = its 200; t1 = isRevoked(jti) true in the subscriber (its own clock, offset-corrected); latency = t1 - t0. ' +
        'Negative = the subscriber had it before the client got the 200 (the relay publishes as soon as the ledger append commits).',
      results: rows,
    };
    mkdirSync('bench/results', { recursive: true });
    const file = `bench/results/revocation-latency-${result.date.slice(0, 10)}.json`;
    writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
    console.log(
      table(
        rows.map(({ bus, subscriber, n, p50_ms, p99_ms, min_ms, max_ms, seen_before_200, from_request_sent: sent }) => ({
          bus, subscriber, n, p50_ms, p99_ms, min_ms, max_ms, seen_before_200, sent_p50_ms: sent.p50_ms, sent_p99_ms: sent.p99_ms,
        })),
      ),
    );
    log(`written to ${file}`);
  } finally {
    if (ownBroker) execFileSync('bash', ['infra/kafka/stop.sh'], { stdio: 'ignore' });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
