import { expect } from 'chai';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { InProcessBus } from '../../src/bus/inProcessBus.js';
import type { LifecycleMessage } from '../../src/bus/lifecycleBus.js';
import { CHECKPOINT_EVERY_EVENTS, DEFAULT_TOPICS, LifecycleRelay } from '../../src/bus/relay.js';
import { MemoryEventStore } from '../../src/ledger/memory/memoryEventStore.js';
import { createLogger } from '../../src/logger.js';
import { openReadModelDb } from '../../src/readmodels/readModelDb.js';
import type { ReadModelDb } from '../../src/readmodels/projection.js';
import { tempDir } from '../support/tempDirs.js';

const metadata = { actor: 'system', correlationId: 'c', causationId: 'c', schemaVersion: 1, time: '2026-12-02T00:00:00.000Z' };
let n = 0;
const event = () => ({ id: `e${++n}`, type: 'Noted', data: { n }, metadata });

/** A relay over a memory ledger, with the in-process bus, its checkpoint in a real read-model db file. */
async function relayOf(checkpointMs: number) {
  const store = new MemoryEventStore();
  const bus = new InProcessBus();
  const seen: LifecycleMessage[] = [];
  await bus.subscribe(DEFAULT_TOPICS.lifecycle, 'test', async (m) => void seen.push(m));
  const db = openReadModelDb(join(tempDir('tl-relay-'), 'readmodels.db'));
  const relay = new LifecycleRelay(store, bus, db, { topics: DEFAULT_TOPICS, source: 'test', logger: createLogger('silent'), checkpointMs });
  await relay.start().caughtUp;
  return { store, relay, db, seen };
}

/** Runs `body` on a fresh relay, then stops it and closes its db whatever happened. */
async function withRelay(checkpointMs: number, body: (r: Awaited<ReturnType<typeof relayOf>>) => Promise<void>) {
  const r = await relayOf(checkpointMs);
  try {
    await body(r);
  } finally {
    await r.relay.stop();
    r.db.close();
  }
}

const stored = (db: ReadModelDb) =>
  Number((db.prepare("SELECT position FROM relay_checkpoints WHERE name = 'relay:in-process'").get() as { position: number } | undefined)?.position ?? 0);

async function until(check: () => boolean, what: string) {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('LifecycleRelay: its checkpoint', () => {
  it('is held back under live load: small batches do not write it', () =>
    withRelay(3_600_000, async ({ store, relay, db }) => {
      for (let i = 0; i < 5; i++) {
        await store.append(`s-${i}`, [event()], 'no_stream');
        await until(() => relay.published === BigInt(i + 1), `event ${i + 1} to be published`);
      }
      expect(stored(db), 'written after a small batch').to.equal(0);
    }));

  it('is written once its interval has passed, with no stop and no more events', () =>
    withRelay(30, async ({ store, relay, db }) => {
      await store.append('s', [event(), event()], 'no_stream');
      await until(() => relay.published === 2n, 'the events to be published');
      await until(() => stored(db) === 2, 'the timed checkpoint');
    }));

  it('is written by stop() when it is behind, so a graceful restart republishes nothing', async () => {
    const { store, relay, db } = await relayOf(3_600_000);
    await store.append('s', [event(), event()], 'no_stream');
    await until(() => relay.published === 2n, 'the events to be published');
    expect(stored(db)).to.equal(0);
    await relay.stop();
    expect(stored(db)).to.equal(2);
    db.close();
  });

  it(`is written at once when ${CHECKPOINT_EVERY_EVENTS} acknowledged events wait for it, whatever the interval`, () =>
    withRelay(3_600_000, async ({ store, relay, db, seen }) => {
      await store.append('big', Array.from({ length: CHECKPOINT_EVERY_EVENTS + 20 }, event), 'no_stream');
      await until(() => relay.published === BigInt(CHECKPOINT_EVERY_EVENTS + 20), 'every event to be published');
      expect(stored(db)).to.equal(CHECKPOINT_EVERY_EVENTS);
      expect(seen).to.have.length(CHECKPOINT_EVERY_EVENTS + 20);
    }));

  it('is written after every batch with checkpointMs 0', () =>
    withRelay(0, async ({ store, db }) => {
      await store.append('s', [event()], 'no_stream');
      await until(() => stored(db) === 1, 'the first checkpoint');
      await store.append('t', [event()], 'no_stream');
      await until(() => stored(db) === 2, 'the second checkpoint');
    }));

  it('resumes from the stored checkpoint', async () => {
    const { store, relay, db } = await relayOf(0);
    await store.append('s', [event(), event(), event()], 'no_stream');
    await until(() => stored(db) === 3, 'the checkpoint');
    await relay.stop();
    const bus = new InProcessBus();
    const seen: LifecycleMessage[] = [];
    await bus.subscribe(DEFAULT_TOPICS.lifecycle, 'test', async (m) => void seen.push(m));
    const again = new LifecycleRelay(store, bus, db, { topics: DEFAULT_TOPICS, source: 'test', logger: createLogger('silent') });
    await again.start().caughtUp;
    await store.append('t', [event()], 'no_stream');
    await until(() => again.published === 4n, 'the new event');
    await again.stop();
    db.close();
    expect(seen.map((m) => m.data.position)).to.deep.equal([4]);
  });

  it('is held back 100 ms by default, as LEDGER_RELAY_CHECKPOINT_MS sets', () => {
    expect(loadConfig({}).relayCheckpointMs).to.equal(100);
    expect(loadConfig({ LEDGER_RELAY_CHECKPOINT_MS: '0' }).relayCheckpointMs).to.equal(0);
    expect(() => loadConfig({ LEDGER_RELAY_CHECKPOINT_MS: 'soon' })).to.throw('LEDGER_RELAY_CHECKPOINT_MS must be a non-negative integer');
  });
});
