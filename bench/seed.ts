import { timeOrderedId } from '../src/ids.js';
import type { NewEvent } from '../src/ledger/eventStore.js';
import { SqliteEventStore } from '../src/ledger/sqlite/sqliteEventStore.js';

const meta = () => ({ actor: 'bench:seed', correlationId: 'seed', causationId: 'seed', schemaVersion: 1, time: new Date().toISOString() });

/**
 * Realistic history written straight into a ledger file before the service starts (the service
 * projects it on start-up): access tokens of 5,000 subjects, one in four revoked. Ids are
 * time-ordered, as the service mints them (src/ids.ts).
 */
export function credentialHistory(i: number, now = new Date()): { stream: string; events: NewEvent[] } {
  const credentialId = timeOrderedId(now);
  const issuedAt = now.toISOString();
  const expiresAt = new Date(now.getTime() + 3600_000).toISOString();
  const events: NewEvent[] = [
    {
      id: timeOrderedId(now),
      type: 'CredentialIssued',
      data: { credentialId, kind: 'access_token', subject: `user${i % 5000}`, clientId: null, scopes: ['read'], roles: ['user'], issuedAt, expiresAt, kid: null, tokenHash: null, familyId: null, parentId: null },
      metadata: meta(),
    },
  ];
  if (i % 4 === 0) {
    events.push({ id: timeOrderedId(now), type: 'CredentialRevoked', data: { credentialId, reason: 'seed', revokedAt: issuedAt, expiresAt }, metadata: meta() });
  }
  return { stream: `credential-${credentialId}`, events };
}

/** Appends credential histories until `credentials` credentials or `events` events are written. */
export async function seed(
  store: SqliteEventStore,
  limits: { credentials?: number; events?: number },
  onProgress?: (credentials: number, events: number) => void,
): Promise<{ credentials: number; events: number }> {
  const maxCredentials = limits.credentials ?? Infinity;
  const maxEvents = limits.events ?? Infinity;
  let credentials = 0;
  let events = 0;
  while (credentials < maxCredentials && events < maxEvents) {
    const batch: Array<Promise<unknown>> = [];
    for (let k = 0; k < 2000 && credentials < maxCredentials && events < maxEvents; k++) {
      const history = credentialHistory(credentials++);
      const slice = history.events.slice(0, maxEvents - events);
      events += slice.length;
      batch.push(store.append(history.stream, slice, 'no_stream'));
    }
    await Promise.all(batch);
    onProgress?.(credentials, events);
  }
  return { credentials, events };
}

export async function seedLedger(file: string, credentials: number, onProgress?: (done: number) => void): Promise<number> {
  const store = new SqliteEventStore(file);
  const written = await seed(store, { credentials }, (c) => onProgress?.(c));
  await store.close();
  return written.events;
}
