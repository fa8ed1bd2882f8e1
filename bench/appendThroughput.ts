import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NewEvent } from '../src/ledger/eventStore.js';
import { SqliteEventStore } from '../src/ledger/sqlite/sqliteEventStore.js';

const event = (): NewEvent => ({
  id: randomUUID(),
  type: 'CredentialIssued',
  data: { credentialId: randomUUID(), kind: 'access_token', subject: 'bench', scopes: ['a'], issuedAt: new Date().toISOString() },
  metadata: { actor: 'bench', correlationId: 'c', causationId: 'c', schemaVersion: 1, time: new Date().toISOString() },
});

/** Appends/s to a durable SQLite ledger (synchronous=FULL), `concurrency` requests in flight at a time. */
export async function appendThroughput(groupCommit: 'inline' | 'worker' | 'none', total: number, concurrency: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'tl-bench-append-'));
  const store = new SqliteEventStore(join(dir, 'ledger.db'), { groupCommit });
  let next = 0;
  const started = process.hrtime.bigint();
  const worker = async () => {
    while (next < total) {
      next++;
      await store.append(`credential-${randomUUID()}`, [event()], 'no_stream');
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return Math.round(total / seconds);
}
