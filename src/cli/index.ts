#!/usr/bin/env node
import { createWriteStream, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { checkpointPosition, createCheckpoint, verifyCheckpoint, type SignedCheckpoint } from '../audit/checkpoint.js';
import { exportLedger } from '../audit/export.js';
import { systemClock } from '../clock.js';
import { loadConfig, readModelFile } from '../config.js';
import { SecretBox } from '../crypto/secrets.js';
import { messageOf } from '../errors.js';
import { KeyRing } from '../keys/keyRing.js';
import { openEventStore } from '../ledger/openStore.js';
import { verifyLedgerHeads, type VerifyResult } from '../ledger/verifyChain.js';
import { createLogger } from '../logger.js';
import { loadMasterKey } from '../keys/masterKey.js';
import { openReadModelDb } from '../readmodels/readModelDb.js';
import { replayReadModels } from '../readmodels/replay.js';
import { allProjections } from '../../projections/index.js';
import { progressBar } from './progress.js';

const USAGE = `token-ledger <command>

  serve                          start the service (default; honours PORT, LEDGER_DATA_DIR, ...)
  replay [--until <ISO time>] [--out <file>]
                                 rebuild every read model from the ledger (stop the service first,
                                 or write a separate file with --out)
  keys rotate [--group native] [--max-ttl <seconds>]
                                 new signing keys; old ones stay in JWKS until their tokens expire
  verify [--checkpoint <file>]   recompute every hash chain and check $all for gaps; with a
                                 checkpoint, also prove the ledger still extends it unchanged
  checkpoint                     print the ledger's head, signed with the service key
  export [--from <ISO>] [--to <ISO>] [--stream-prefix <p>] [--out <file>]
                                 NDJSON of the ledger's events, without secrets
`;

async function main(argv: string[]): Promise<number> {
  const [command = 'serve', ...rest] = argv;
  const config = loadConfig();
  const logger = createLogger(process.env.LOG_LEVEL ?? 'warn');
  if (command === 'serve') {
    await import('../main.js');
    return -1; // keeps running
  }
  if (command === 'help' || command === '--help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const store = await openEventStore(config, 'cli');
  const keyRing = async (s: typeof store) => {
    const ring = new KeyRing(s, new SecretBox(loadMasterKey(config.masterKey, config.dataDir, logger)), systemClock);
    await ring.load();
    return ring;
  };
  try {
    if (command === 'replay') {
      const { values } = parseArgs({ args: rest, options: { until: { type: 'string' }, out: { type: 'string' } } });
      const until = isoOption(values.until, '--until');
      const file = values.out ?? readModelFile(config);
      const db = openReadModelDb(file);
      const bar = progressBar('replay');
      const result = await replayReadModels(store, db, allProjections, {
        until,
        onProgress: (p) => bar.update(p.applied, p.total, p.eventsPerSecond),
      });
      bar.update(result.events, result.events, result.eventsPerSecond, true);
      bar.done();
      db.close();
      process.stdout.write(`replayed ${result.events} events in ${result.seconds.toFixed(2)} s (${Math.round(result.eventsPerSecond)} events/s) into ${file}\n`);
      return 0;
    }
    if (command === 'keys' && rest[0] === 'rotate') {
      const { values } = parseArgs({ args: rest.slice(1), options: { group: { type: 'string' }, 'max-ttl': { type: 'string' } } });
      const group = values.group ?? 'native';
      const ttl = values['max-ttl'] !== undefined ? Number(values['max-ttl']) : group === 'native' ? config.accessTokenTtlSeconds : null;
      const ring = await keyRing(store);
      const kids = await ring.rotate(group, ttl, { actor: 'cli:keys-rotate', correlationId: `cli-${process.pid}`, time: new Date().toISOString() });
      process.stdout.write(`group ${group}: new signing key(s) ${kids.join(', ')}\n`);
      return 0;
    }
    if (command === 'verify') {
      const { values } = parseArgs({ args: rest, options: { checkpoint: { type: 'string' } } });
      // The checkpoint is read first, so that one pass over the ledger both verifies it and takes its heads.
      const cp = values.checkpoint === undefined ? undefined : readCheckpoint(values.checkpoint);
      const bar = progressBar('verify');
      const started = Date.now();
      const { verdict, heads } = await verifyLedgerHeads(store, {
        headsAt: cp && checkpointPosition(cp),
        onProgress: (d, t) => bar.update(d, t, d / Math.max((Date.now() - started) / 1000, 0.001)),
      });
      bar.done();
      const result: VerifyResult & { checkpoint?: unknown } = verdict;
      if (cp) {
        const checked = await verifyCheckpoint(await keyRing(store), cp, heads);
        result.checkpoint = { position: cp.position, ...checked };
        result.ok = result.ok && checked.ok;
      }
      process.stdout.write(JSON.stringify(result, null, 2) + '\n');
      return result.ok ? 0 : 3;
    }
    if (command === 'checkpoint') {
      const cp = await createCheckpoint(store, await keyRing(store), new Date());
      process.stdout.write(JSON.stringify(cp, null, 2) + '\n');
      return 0;
    }
    if (command === 'export') {
      const { values } = parseArgs({
        args: rest,
        options: { from: { type: 'string' }, to: { type: 'string' }, 'stream-prefix': { type: 'string' }, out: { type: 'string' } },
      });
      const from = isoOption(values.from, '--from');
      const to = isoOption(values.to, '--to');
      const out = values.out ? createWriteStream(values.out) : process.stdout;
      const bar = progressBar('export');
      const started = Date.now();
      const result = await exportLedger(store, out, {
        from,
        to,
        streamPrefix: values['stream-prefix'],
        onProgress: (done, total) => bar.update(done, total, done / Math.max((Date.now() - started) / 1000, 0.001)),
      });
      bar.done();
      if (values.out) await new Promise<void>((r) => (out as ReturnType<typeof createWriteStream>).end(r));
      process.stderr.write(`exported ${result.written} of ${result.scanned} events\n`);
      return 0;
    }
    throw new UsageError(`unknown command: ${[command, ...rest].join(' ')}`);
  } finally {
    await store.close();
  }
}

class UsageError extends Error {}

function readCheckpoint(file: string): SignedCheckpoint {
  let cp: unknown;
  try {
    cp = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`--checkpoint ${file}: ${error instanceof SyntaxError ? 'not JSON' : messageOf(error)}`);
  }
  if (checkpointPosition(cp) === undefined) throw new UsageError(`--checkpoint ${file}: not a checkpoint (no position)`);
  return cp as SignedCheckpoint;
}

function isoOption(value: string | undefined, name: string): Date | undefined {
  if (value === undefined) return undefined;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new UsageError(`${name} must be an ISO 8601 time`);
  return d;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    if (err instanceof UsageError) process.stderr.write(USAGE);
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
