import { expect } from 'chai';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { InProcessBus } from '../../src/bus/inProcessBus.js';
import type { LifecycleMessage } from '../../src/bus/lifecycleBus.js';
import { CHECKPOINT_EVERY_EVENTS, DEFAULT_TOPICS, LifecycleRelay } from '../../src/bus/relay.js';
import type { EventStore } from '../../src/ledger/eventStore.js';
import { MemoryEventStore } from '../../src/ledger/memory/memoryEventStore.js';
import { createLogger } from '../../src/logger.js';
import { openReadModelDb } from '../../src/readmodels/readModelDb.js';
import { eventually } from '../support/kafkaTopics.js';
import { tempDir } from '../support/tempDirs.js';

const metadata = { actor: 'system', correlationId: 'c', causationId: 'c', schemaVersion: 1, time: '2026-12-02T00:00:00.000Z' };
let n = 0;
const event = () => ({ id: `e${++n}`, type: 'Noted', data: { n }, metadata });
const NAME = 'relay:in-process';
const freshReadModels = () => openReadModelDb(join(tempDir('tl-relay-'), 'readmodels.db'));

/** A relay over `store` (a fresh memory ledger by default), with the in-process bus and a real read-model file. */
async function relayOf(checkpointMs: number, store: EventStore = new MemoryEventStore(), db = freshReadModels(), checkpointIn?: 'ledger' | 'read-models') {
  const bus = new InProcessBus();
  const seen: LifecycleMessage[] = [];
  await bus.subscribe(DEFAULT_TOPICS.lifecycle, 'test', async (m) => void seen.push(m));
  const relay = new LifecycleRelay(store, bus, db, { topics: DEFAULT_TOPICS, source: 'test', logger: createLogger('silent'), checkpointMs, checkpointIn });
  await (await relay.start()).caughtUp;
  /** The checkpoint as the ledger keeps it (0 when none). */
  const stored = async () => Number((await store.readCheckpoint(NAME)) ?? 0n);
  return { store, relay, db, seen, stored };
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

const until = (check: () => boolean | Promise<boolean>, what: string) => eventually(check, 5_000, what);

describe('LifecycleRelay: its checkpoint', () => {
  it('is held back under live load: small batches do not write it', () =>
    withRelay(3_600_000, async ({ store, relay, stored }) => {
      for (let i = 0; i < 5; i++) {
        await store.append(`s-${i}`, [event()], 'no_stream');
        await until(() => relay.published === BigInt(i + 1), `event ${i + 1} to be published`);
      }
      expect(await stored(), 'written after a small batch').to.equal(0);
    }));

  it('is written once its interval has passed, with no stop and no more events', () =>
    withRelay(30, async ({ store, relay, stored }) => {
      await store.append('s', [event(), event()], 'no_stream');
      await until(() => relay.published === 2n, 'the events to be published');
      await until(async () => (await stored()) === 2, 'the timed checkpoint');
    }));

  it('is written by stop() when it is behind, so a graceful restart republishes nothing', async () => {
    const { store, relay, db, stored } = await relayOf(3_600_000);
    await store.append('s', [event(), event()], 'no_stream');
    await until(() => relay.published === 2n, 'the events to be published');
    expect(await stored()).to.equal(0);
    await relay.stop();
    expect(await stored()).to.equal(2);
    db.close();
  });

  it(`is written at once when ${CHECKPOINT_EVERY_EVENTS} acknowledged events wait for it, whatever the interval`, () =>
    withRelay(3_600_000, async ({ store, relay, seen, stored }) => {
      await store.append('big', Array.from({ length: CHECKPOINT_EVERY_EVENTS + 20 }, event), 'no_stream');
      await until(() => relay.published === BigInt(CHECKPOINT_EVERY_EVENTS + 20), 'every event to be published');
      expect(await stored()).to.equal(CHECKPOINT_EVERY_EVENTS);
      expect(seen).to.have.length(CHECKPOINT_EVERY_EVENTS + 20);
    }));

  it('is written after every batch with checkpointMs 0', () =>
    withRelay(0, async ({ store, stored }) => {
      await store.append('s', [event()], 'no_stream');
      await until(async () => (await stored()) === 1, 'the first checkpoint');
      await store.append('t', [event()], 'no_stream');
      await until(async () => (await stored()) === 2, 'the second checkpoint');
    }));

  it('is kept with the ledger: a relay on a new, empty read-model file resumes from it', async () => {
    const first = await relayOf(0);
    await first.store.append('s', [event(), event(), event()], 'no_stream');
    await until(async () => (await first.stored()) === 3, 'the checkpoint');
    await first.relay.stop();
    first.db.close();

    const again = await relayOf(0, first.store); // the read models rebuilt, or another instance
    try {
      expect(again.relay.published).to.equal(3n);
      await again.store.append('t', [event()], 'no_stream');
      await until(() => again.relay.published === 4n, 'the new event');
      expect(again.seen.map((m) => m.data.position)).to.deep.equal([4]);
    } finally {
      await again.relay.stop();
      again.db.close();
    }
  });

  it('resumes a data directory from before the move from the read-model file, until the ledger has one', async () => {
    const store = new MemoryEventStore();
    await store.append('s', [event(), event()], 'no_stream');
    const db = freshReadModels();
    db.exec('CREATE TABLE relay_checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL)');
    db.prepare('INSERT INTO relay_checkpoints (name, position) VALUES (?, ?)').run(NAME, 2);
    const old = await relayOf(0, store, db);
    try {
      expect(old.relay.published).to.equal(2n);
      expect(old.seen).to.have.length(0);
      await store.append('t', [event()], 'no_stream');
      await until(async () => (await old.stored()) === 3, 'the checkpoint, now with the ledger');
    } finally {
      await old.relay.stop();
    }
    db.prepare('UPDATE relay_checkpoints SET position = 1 WHERE name = ?').run(NAME);
    const later = await relayOf(0, store, db);
    expect(later.relay.published, "the ledger's checkpoint wins").to.equal(3n);
    await later.relay.stop();
    db.close();
  });

  it('keeps relaying when a save fails, and saves with the next batch', async () => {
    const store = new MemoryEventStore();
    let failures = 1;
    const save = store.saveCheckpoint.bind(store);
    store.saveCheckpoint = async (name, position) => {
      if (failures-- > 0) throw new Error('ledger unreachable');
      return save(name, position);
    };
    const r = await relayOf(0, store);
    try {
      await store.append('s', [event()], 'no_stream');
      await until(() => r.relay.published === 1n, 'the first event');
      expect(await r.stored()).to.equal(0);
      await store.append('t', [event()], 'no_stream');
      await until(async () => (await r.stored()) === 2, 'the checkpoint after the failed save');
    } finally {
      await r.relay.stop();
      r.db.close();
    }
  });

  it("is kept with this instance's read models when asked (the in-process bus over a shared ledger)", async () => {
    const { store, db, relay } = await relayOf(0, new MemoryEventStore(), freshReadModels(), 'read-models');
    await store.append('s', [event(), event()], 'no_stream');
    await until(() => relay.published === 2n, 'the events to be published');
    await relay.stop();
    const row = db.prepare('SELECT position FROM relay_checkpoints WHERE name = ?').get(NAME) as { position: number } | undefined;
    expect(row?.position).to.equal(2);
    expect(await store.readCheckpoint(NAME), 'nothing with the ledger').to.equal(undefined);
    const again = await relayOf(0, store, db, 'read-models');
    expect(again.relay.published).to.equal(2n);
    await again.relay.stop();
    db.close();
  });

  it('is held back 100 ms by default, as LEDGER_RELAY_CHECKPOINT_MS sets', () => {
    expect(loadConfig({}).relayCheckpointMs).to.equal(100);
    expect(loadConfig({ LEDGER_RELAY_CHECKPOINT_MS: '0' }).relayCheckpointMs).to.equal(0);
    expect(() => loadConfig({ LEDGER_RELAY_CHECKPOINT_MS: 'soon' })).to.throw('LEDGER_RELAY_CHECKPOINT_MS must be a non-negative integer');
  });
});
