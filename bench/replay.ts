// Replays N events (default 1,000,000) into fresh read models and reports events/s and peak RSS.
//   node --import tsx bench/replay.ts [events]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allProjections } from '../projections/index.js';
import { SqliteEventStore } from '../src/ledger/sqlite/sqliteEventStore.js';
import { openReadModelDb } from '../src/readmodels/readModelDb.js';
import { replayReadModels } from '../src/readmodels/replay.js';
import { seed } from './seed.js';

const total = Number(process.argv[2] ?? 1_000_000);
async function main() {
  // REPLAY_LEDGER_DIR reuses a ledger seeded by an earlier run (seeding is the slow part).
  const dir = process.env.REPLAY_LEDGER_DIR || mkdtempSync(join(tmpdir(), 'tl-bench-replay-'));
  const store = new SqliteEventStore(join(dir, 'ledger.db'));
  const existing = Number(await store.headPosition());
  process.stderr.write(`seeding ${Math.max(total - existing, 0)} events into ${dir} ...\n`);
  const started = Date.now();
  await seed(store, { events: total - existing }, (_, events) => {
    if (events % 100_000 < 2500) process.stderr.write(`  ${existing + events} events (${Math.round(events / ((Date.now() - started) / 1000))}/s)\n`);
  });
  process.stderr.write(`replaying into fresh read models ...\n`);
  rmSync(join(dir, 'readmodels.db'), { force: true });
  const db = openReadModelDb(join(dir, 'readmodels.db'));
  let peakRss = 0;
  const result = await replayReadModels(store, db, allProjections, {
    onProgress: () => (peakRss = Math.max(peakRss, process.memoryUsage().rss)),
  });
  const credentials = (db.prepare('SELECT COUNT(*) AS n FROM credentials').get() as { n: number }).n;
  const out = { date: new Date().toISOString(), events: result.events, seconds: result.seconds, eventsPerSecond: Math.round(result.eventsPerSecond), credentials, peakRssMb: Math.round(peakRss / 1e6) };
  console.log(JSON.stringify(out));
  writeFileSync(join('bench', 'results', `replay-${out.date.slice(0, 10)}.json`), JSON.stringify(out, null, 2));
  db.close();
  await store.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
