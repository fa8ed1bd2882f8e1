// A test service wired to the real broker, and the real `main.ts` as a child process (for kills).
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { KafkaBus } from '../../src/bus/kafka/kafkaBus.js';
import type { EventStore, RecordedEvent } from '../../src/ledger/eventStore.js';
import { readAllPages } from '../../src/ledger/readAllPages.js';
import { createLogger } from '../../src/logger.js';
import { ADMIN, startTestService, writtenFiles, type TestService } from './service.js';
import { topicEnv, type uniqueTopics } from './kafkaTopics.js';
import { tempDir } from './tempDirs.js';

export type Topics = ReturnType<typeof uniqueTopics>;

/** Every event in `$all` (readAll answers in pages). */
export async function wholeLedger(store: EventStore): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  for await (const page of readAllPages(store, 1000)) out.push(...page);
  return out;
}

/** The key the relay gives an event: its credential id, else its stream. */
export const keyOf = (e: RecordedEvent) => (e.data as { credentialId?: string }).credentialId ?? e.stream;

export interface KafkaTestService extends TestService {
  bus: KafkaBus;
  topics: Topics;
  /** Resolves once the relay has published everything in the ledger. */
  relayCaughtUp(timeoutMs?: number): Promise<void>;
}

/** The whole service on a fresh data dir with the Kafka bus on `topics`. */
export async function startKafkaService(brokers: string[], topics: Topics, dataDir = tempDir('tl-kafka-')): Promise<KafkaTestService> {
  const busLog = join(dataDir, 'kafka-bus.log');
  const stream: WriteStream = createWriteStream(busLog, { flags: 'a' });
  writtenFiles.add(busLog);
  const bus = new KafkaBus({ brokers, topics, logger: createLogger('info', stream) }).start();
  const t = await startTestService({ bus, dataDir, env: topicEnv(topics, brokers) });
  return {
    ...t,
    bus,
    topics,
    async relayCaughtUp(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (t.service.deps.relay.published < (await t.store.headPosition())) {
        if (Date.now() > deadline) throw new Error(`relay did not catch up (at ${t.service.deps.relay.published})`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    // The log stream stays open: a kafkajs socket closing late may still write a line.
    close: () => t.close(),
  };
}

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** `src/main.ts` in a child process on `dataDir`, with Kafka; `listening` resolves once it serves. */
export function spawnLedger(dataDir: string, brokers: string[], topics: Topics): { child: ChildProcess; listening: Promise<void> } {
  const logFile = join(dataDir, `main-${Date.now()}.log`);
  writtenFiles.add(logFile);
  const log = createWriteStream(logFile);
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      PORT: '0',
      LEDGER_DATA_DIR: dataDir,
      LEDGER_ADMIN_USERNAME: ADMIN.username,
      LEDGER_ADMIN_PASSWORD: ADMIN.password,
      LEDGER_ISSUER: 'http://token-ledger.test',
      LOG_LEVEL: 'info',
      ...topicEnv(topics, brokers),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const listening = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`token-ledger did not start; see ${logFile}`)), 60_000);
    let seen = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      seen = (seen + chunk.toString()).slice(-4096);
      if (seen.includes('token-ledger listening')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`token-ledger exited with ${code}; see ${logFile}`));
    });
  });
  listening.catch(() => undefined); // a kill before it listened is the caller's business
  return { child, listening };
}

export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** The relay checkpoint `main.ts` stored with the ledger (0 when none). */
export function relayCheckpoint(dataDir: string): number {
  const db = new Database(join(dataDir, 'ledger.db'), { readonly: true });
  try {
    const row = db.prepare("SELECT position FROM checkpoints WHERE name = 'relay:kafka'").get() as { position: number } | undefined;
    return row?.position ?? 0;
  } finally {
    db.close();
  }
}
