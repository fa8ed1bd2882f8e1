// Replays N events (default 1,000,000) into fresh read models and reports events/s and peak RSS.
//   node --import tsx bench/replay.ts [events]
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allProjections } from '../projections/index.js';
import type { NewEvent } from '../src/ledger/eventStore.js';
import { SqliteEventStore } from '../src/ledger/sqlite/sqliteEventStore.js';
import { openReadModelDb } from '../src/readmodels/readModelDb.js';
import { replayReadModels } from '../src/readmodels/replay.js';

const total = Number(process.argv[2] ?? 1_000_000);
const meta = { actor: 'bench', correlationId: 'seed', causationId: 'seed', schemaVersion: 1, time: new Date().toISOString() };

/** A realistic mix: every credential issued; one in four also revoked. */
function credentialEvents(i: number): NewEvent[] {
  const credentialId = randomUUID();
  const now = new Date().toISOString();
  const issued: NewEvent = {
    id: randomUUID(),
    type: 'CredentialIssued',
    data: { credentialId, kind: 'access_token', subject: `user${i % 5000}`, clientId: null, scopes: ['read'], roles: ['user'], issuedAt: now, expiresAt: now, kid: 'k1', tokenHash: null, familyId: null, parentId: null },
    metadata: meta,
  };
  if (i % 4 !== 0) return [issued];
  return [issued, { id: randomUUID(), type: 'CredentialRevoked', data: { credentialId, reason: 'bench', revokedAt: now, expiresAt: now }, metadata: meta }];
}

async function main() {
  // REPLAY_LEDGER_DIR reuses a ledger seeded by an earlier run (seeding is the slow part).
  const dir = process.env.REPLAY_LEDGER_DIR ?? mkdtempSync(join(tmpdir(), 'tl-bench-replay-'));
  const store = new SqliteEventStore(join(dir, 'ledger.db'));
  let seeded = Number(await store.headPosition());
  process.stderr.write(`seeding ${total - seeded} events into ${dir} ...\n`);
  let i = 0;
  const started = Date.now();
  while (seeded < total) {
    const batch: Array<Promise<unknown>> = [];
    for (let k = 0; k < 2000 && seeded < total; k++) {
      const events = credentialEvents(i++).slice(0, total - seeded);
      seeded += events.length;
      batch.push(store.append(`credential-${(events[0]!.data as { credentialId: string }).credentialId}`, events, 'no_stream'));
    }
    await Promise.all(batch);
    if (i % 100_000 < 2000) process.stderr.write(`  ${seeded} events (${Math.round(seeded / ((Date.now() - started) / 1000))}/s)\n`);
  }
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
