import { randomUUID } from 'node:crypto';
import { EsdbEventStore } from '../../../src/ledger/esdb/esdbEventStore.js';
import { startEsdbStandIn } from '../esdbStandIn.js';
const ev = () => ({ id: randomUUID(), type: 'T', data: { a: 1 }, metadata: { actor: 'x', correlationId: 'c', causationId: 'c', schemaVersion: 1, time: 'now' } });
for (const batchAppend of [true, false]) {
  const s = await startEsdbStandIn({ batchAppend });
  const store = new EsdbEventStore(s.connectionString);
  console.log('head', await store.headPosition());
  const r = await store.append('x-1', [ev(), ev()], 'no_stream');
  console.log(r);
  console.log(await store.append('x-1', [ev()], 'no_stream').catch((e) => e));
  console.log(await store.readStream('x-1'));
  console.log(await store.readStream('nope'));
  console.log(await store.readAll({}));
  console.log('head', await store.headPosition());
  await store.ping();
  await store.close();
  await s.close();
}
