import { parseArgs } from 'node:util';
import { systemClock } from '../clock.js';
import { loadConfig, readModelFile } from '../config.js';
import { SecretBox } from '../crypto/secrets.js';
import { KeyRing } from '../keys/keyRing.js';
import { openEventStore } from '../ledger/openStore.js';
import { verifyLedger } from '../ledger/verifyChain.js';
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
  verify                         recompute every hash chain and check $all for gaps
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
  const store = await openEventStore(config);
  try {
    if (command === 'replay') {
      const { values } = parseArgs({ args: rest, options: { until: { type: 'string' }, out: { type: 'string' } } });
      const until = values.until ? new Date(values.until) : undefined;
      if (until && Number.isNaN(until.getTime())) throw new UsageError('--until must be an ISO 8601 time');
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
      const ring = new KeyRing(store, new SecretBox(loadMasterKey(config.masterKey, config.dataDir, logger)), systemClock);
      const kids = await ring.rotate(group, ttl, { actor: 'cli:keys-rotate', correlationId: `cli-${process.pid}`, time: new Date().toISOString() });
      process.stdout.write(`group ${group}: new signing key(s) ${kids.join(', ')}\n`);
      return 0;
    }
    if (command === 'verify') {
      const bar = progressBar('verify');
      const result = await verifyLedger(store, { densePositions: store.kind === 'sqlite', onProgress: (d, t) => bar.update(d, t, 0) });
      bar.done();
      process.stdout.write(JSON.stringify(result, null, 2) + '\n');
      return result.ok ? 0 : 3;
    }
    throw new UsageError(`unknown command: ${[command, ...rest].join(' ')}`);
  } finally {
    await store.close();
  }
}

class UsageError extends Error {}

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
