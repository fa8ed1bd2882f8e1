import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { NewEvent, RecordedEvent } from '../../src/ledger/eventStore.js';
import { EsdbEventStore, isEsdbConnectionString } from '../../src/ledger/esdb/esdbEventStore.js';
import { eventHash } from '../../src/ledger/hashChain.js';
import { startEsdbStandIn, type EsdbStandIn } from '../support/esdbStandIn.js';
import { eventStoreContract } from './eventStoreContract.js';

// Fast resubscription, so that the reconnect tests do not wait on production backoff.
const retry = { minMs: 20, maxMs: 300 };

// Servers since 21.10 advertise BatchAppend (the client then uses it); older ones only have Append.
for (const batchAppend of [true, false]) {
  const label = batchAppend ? 'BatchAppend' : 'Append';
  describe(`esdb stand-in (${label})`, () => {
    let standIn: EsdbStandIn;
    before(async () => (standIn = await startEsdbStandIn({ batchAppend })));
    after(async () => standIn.close());
    eventStoreContract(`esdb (stand-in, ${label})`, async () => new EsdbEventStore(standIn.connectionString, { retry }));
  });
}

// Opt-in against a real EventStoreDB, e.g. ESDB_CONNECTION_STRING='esdb://127.0.0.1:2113?tls=false'.
const real = process.env.ESDB_CONNECTION_STRING;
if (real) {
  eventStoreContract('esdb (real server)', async () => new EsdbEventStore(real), {
    streamPrefix: `ledger-contract-${randomUUID().slice(0, 8)}-`,
  });
}

function event(i: number): NewEvent {
  return {
    id: randomUUID(),
    type: 'Numbered',
    data: { i },
    metadata: { actor: 'test', correlationId: 'c', causationId: 'c', schemaVersion: 1, time: new Date().toISOString() },
  };
}

async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Appends, retrying while the client reconnects to a restarted server. */
async function appendEventually(store: EsdbEventStore, stream: string, e: NewEvent): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await store.append(stream, [e], 'any');
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

describe('esdb adapter: subscriptions across dropped connections (stand-in)', () => {
  let standIn: EsdbStandIn;
  let store: EsdbEventStore;
  const stream = () => `drop-${randomUUID().slice(0, 8)}`;

  beforeEach(async () => {
    standIn = await startEsdbStandIn();
    store = new EsdbEventStore(standIn.connectionString, { retry });
  });
  afterEach(async () => {
    await store.close();
    await standIn.close();
  });

  const numbers = (seen: RecordedEvent[]) => seen.map((e) => e.data.i);

  it('resubscribes after the server aborts the subscription, without gaps or duplicates', async () => {
    const s = stream();
    const seen: RecordedEvent[] = [];
    const sub = store.subscribeToAll({ streamPrefixes: [s], maxBatch: 3 }, (events) => void seen.push(...events));
    for (let i = 0; i < 5; i++) await store.append(s, [event(i)], 'any');
    await sub.caughtUp;
    await until(() => seen.length === 5, 'the first five');
    standIn.dropSubscriptions();
    for (let i = 5; i < 10; i++) await store.append(s, [event(i)], 'any');
    await until(() => seen.length >= 10, 'events appended after the drop');
    standIn.dropSubscriptions();
    for (let i = 10; i < 12; i++) await store.append(s, [event(i)], 'any');
    await until(() => seen.length >= 12, 'events appended after the second drop');
    await new Promise((r) => setTimeout(r, 100));
    await sub.close();
    expect(numbers(seen)).to.deep.equal([...Array(12).keys()]);
  });

  it('survives a server restart on the same port', async () => {
    const s = stream();
    const seen: RecordedEvent[] = [];
    const sub = store.subscribeToAll({ streamPrefixes: [s] }, (events) => void seen.push(...events));
    for (let i = 0; i < 5; i++) await store.append(s, [event(i)], 'any');
    await until(() => seen.length === 5, 'the first five');

    const { port, log } = standIn;
    await standIn.close();
    standIn = await startEsdbStandIn({ port, log });
    for (let i = 5; i < 10; i++) await appendEventually(store, s, event(i));
    await until(() => seen.length >= 10, 'events appended after the restart');
    await new Promise((r) => setTimeout(r, 100));
    await sub.close();
    expect(numbers(seen)).to.deep.equal([...Array(10).keys()]);
    expect(new Set(seen.map((e) => e.id)).size).to.equal(10);
  });

  it('stores hashes that verify against the events read back', async () => {
    expect(isEsdbConnectionString(standIn.connectionString)).to.equal(true);
    const s = stream();
    await store.append(s, [event(0), event(1)], 'no_stream');
    await store.readStream(s); // the adapter reuses the head it saw here for the next append
    await store.append(s, [event(2)], 1n);
    await store.append(s, [event(3)], 2n);
    await store.append(s, [event(4)], 'any');
    const read = await store.readStream(s);
    expect(read).to.have.length(5);
    let prevHash = '';
    for (const e of read) {
      expect(e.prevHash).to.equal(prevHash);
      expect(e.hash).to.equal(eventHash(prevHash, e));
      expect(e.metadata).to.not.have.property('$ledger');
      prevHash = e.hash;
    }
    const viaAll = (await store.readAll({ streamPrefixes: [s] })).map((e) => e.hash);
    expect(viaAll).to.deep.equal(read.map((e) => e.hash));
  });

  it('starts after a checkpoint, skips system events, and stops when the handler throws', async () => {
    const s = stream();
    await store.append(s, [event(0), event(1)], 'no_stream');
    const [first] = await store.readStream(s);
    const seen: RecordedEvent[] = [];
    const sub = store.subscribeToAll({ after: first!.position }, (events) => {
      seen.push(...events);
      if (events.some((e) => e.data.i === 2)) throw new Error('handler failed');
    });
    await sub.caughtUp;
    expect(seen.every((e) => !e.stream.startsWith('$'))).to.equal(true);
    expect(numbers(seen.filter((e) => e.stream === s))).to.deep.equal([1]);
    await store.append(s, [event(2)], 1n);
    const err = await sub.done.then(() => undefined, (e: Error) => e);
    expect(err?.message).to.equal('handler failed');
  });
});
