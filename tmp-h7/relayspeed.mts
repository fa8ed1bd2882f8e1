import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KafkaBus } from '../src/bus/kafka/kafkaBus.js';
import { LifecycleRelay } from '../src/bus/relay.js';
import { SqliteEventStore } from '../src/ledger/sqlite/sqliteEventStore.js';
import { openReadModelDb } from '../src/readmodels/readModelDb.js';
import { createLogger } from '../src/logger.js';
import { randomUUID } from 'node:crypto';
const dir = mkdtempSync(join(tmpdir(), 'rs-'));
const store = new SqliteEventStore(join(dir, 'l.db'), { now: () => new Date() });
const t0 = performance.now();
for (let i = 0; i < 4000; i += 100) {
  await Promise.all(Array.from({ length: 100 }, (_, j) => store.append(`credential-${randomUUID()}`, [{ id: randomUUID(), type: 'CredentialIssued', data: { credentialId: randomUUID(), kind: 'access_token', subject: 'x', issuedAt: new Date().toISOString(), expiresAt: null }, metadata: { actor: 'a', correlationId: 'c', causationId: 'c', schemaVersion: 1, time: new Date().toISOString() } }], 'no_stream')));
}
console.log('filled', performance.now() - t0);
const s = Date.now();
const topics = { lifecycle: `rs${s}.l`, revocations: `rs${s}.r`, accessEvents: `rs${s}.a` };
const logger = createLogger('warn');
const bus = new KafkaBus({ brokers: ['127.0.0.1:19192'], topics, logger }).start();
const origPublish = bus.publish.bind(bus);
bus.publish = async (m) => { const a = performance.now(); await origPublish(m); console.log('publish', m.length, (performance.now() - a).toFixed(1)); };
const db = openReadModelDb(join(dir, 'rm.db'));
const relay = new LifecycleRelay(store, bus, db, { topics, source: 'x', logger });
const t1 = performance.now();
relay.start();
while (relay.published < (await store.headPosition())) await new Promise((r) => setTimeout(r, 10));
console.log('relayed', performance.now() - t1);
await relay.stop(); await bus.close(); await store.close();
