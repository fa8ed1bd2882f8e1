import { expect } from 'chai';
import type { Decider } from '../../src/ledger/decider.js';
import type { EventStore } from '../../src/ledger/eventStore.js';
import { handleCommand, loadStream, StreamStates } from '../../src/ledger/commandHandler.js';
import { MemoryEventStore } from '../../src/ledger/memory/memoryEventStore.js';

type Added = { type: 'Added'; data: { n: number } };
/** A counter that only accepts the next number: a decision on a stale count is refused. */
const counter: Decider<number, { next: number } | ((count: number) => { next: number }), Added> = {
  initialState: () => 0,
  evolve: (count) => count + 1,
  decide: (command, count) => {
    const { next } = typeof command === 'function' ? command(count) : command;
    if (next !== count + 1) throw new Error(`stale: ${next} after ${count}`);
    return [{ type: 'Added', data: { n: next } }];
  },
};
const ctx = { actor: 't', correlationId: 'c', time: '2026-01-01T00:00:00.000Z' };

/** Counts the store's stream reads, and the events they returned. */
function counted(store: EventStore) {
  const reads = { n: 0, events: 0 };
  const readStream = store.readStream.bind(store);
  store.readStream = async (...args) => {
    reads.n++;
    const out = await readStream(...args);
    reads.events += out.length;
    return out;
  };
  return reads;
}

describe('handleCommand', () => {
  it('decides on the events the caller has just read, without reading them again', async () => {
    const store = new MemoryEventStore();
    await handleCommand(store, 's', counter, { next: 1 }, ctx);
    const loaded = await loadStream(store, 's', counter);
    expect(loaded).to.deep.equal({ state: 1, expected: 0n });
    const reads = counted(store);
    const r = await handleCommand(store, 's', counter, (count: number) => ({ next: count + 1 }), ctx, undefined, { loaded });
    expect(reads.n).to.equal(0);
    expect(r.state).to.equal(2);
    expect((await store.readStream('s')).map((e) => e.data.n)).to.deep.equal([1, 2]);
  });

  it('events read before the stream moved on conflict, and the retry reads the stream afresh', async () => {
    const store = new MemoryEventStore();
    await handleCommand(store, 's', counter, { next: 1 }, ctx);
    const stale = await loadStream(store, 's', counter);
    await handleCommand(store, 's', counter, { next: 2 }, ctx); // someone else's append
    const reads = counted(store);
    const r = await handleCommand(store, 's', counter, (count: number) => ({ next: count + 1 }), ctx, undefined, { loaded: stale });
    expect(reads.n).to.equal(1);
    expect(r.state).to.equal(3);
    expect((await store.readStream('s')).map((e) => e.data.n)).to.deep.equal([1, 2, 3]);
  });

  it('a stream said to be new is not read, and is read when it exists after all', async () => {
    const store = new MemoryEventStore();
    const reads = counted(store);
    await handleCommand(store, 'fresh', counter, { next: 1 }, ctx, undefined, { streamIsNew: true });
    expect(reads.n).to.equal(0);
    const r = await handleCommand(store, 'fresh', counter, (count: number) => ({ next: count + 1 }), ctx, undefined, { streamIsNew: true });
    expect(reads.n).to.equal(1);
    expect(r.state).to.equal(2);
  });

  describe('with kept stream states', () => {
    const next = (count: number) => ({ next: count + 1 });

    it('reads only the events appended since the state it kept', async () => {
      const store = new MemoryEventStore();
      const states = new StreamStates();
      for (let i = 0; i < 5; i++) await handleCommand(store, 's', counter, next, ctx, undefined, { states });
      const reads = counted(store);
      const r = await handleCommand(store, 's', counter, next, ctx, undefined, { states });
      expect(r.state).to.equal(6);
      expect(reads).to.deep.equal({ n: 1, events: 0 });
      expect(await loadStream(store, 's', counter, states)).to.deep.equal({ state: 6, expected: 5n });
    });

    it('folds in what another writer appended, and decides on it', async () => {
      const store = new MemoryEventStore();
      const states = new StreamStates();
      await handleCommand(store, 's', counter, next, ctx, undefined, { states });
      await handleCommand(store, 's', counter, { next: 2 }, ctx); // not through these states
      await handleCommand(store, 's', counter, { next: 3 }, ctx);
      const reads = counted(store);
      const r = await handleCommand(store, 's', counter, next, ctx, undefined, { states });
      expect(reads).to.deep.equal({ n: 1, events: 2 });
      expect(r.state).to.equal(4);
      expect((await store.readStream('s')).map((e) => e.data.n)).to.deep.equal([1, 2, 3, 4]);
    });

    it('keeps a state per decider, and a new stream only once it is decided on again', async () => {
      const store = new MemoryEventStore();
      const states = new StreamStates();
      await handleCommand(store, 's', counter, { next: 1 }, ctx, undefined, { streamIsNew: true, states });
      expect(states.get('s', counter)).to.equal(undefined);
      await handleCommand(store, 's', counter, next, ctx, undefined, { states });
      expect(states.get('s', counter)).to.deep.equal({ folder: counter, state: 2, revision: 1n });
      const other = { initialState: () => 'none', evolve: () => 'some' };
      expect(states.get('s', other)).to.equal(undefined);
      expect(await loadStream(store, 's', other, states)).to.deep.equal({ state: 'some', expected: 1n });
    });

    it('holds at most its bound, evicting the least recently used', async () => {
      const store = new MemoryEventStore();
      const states = new StreamStates(2);
      for (const s of ['a', 'b', 'c']) await handleCommand(store, s, counter, next, ctx, undefined, { states });
      expect(states.get('a', counter)).to.equal(undefined);
      await loadStream(store, 'b', counter, states); // b is now the most recent
      await handleCommand(store, 'd', counter, next, ctx, undefined, { states });
      expect(states.get('c', counter)).to.equal(undefined);
      expect(states.get('b', counter)?.state).to.equal(1);
      expect(states.get('d', counter)?.state).to.equal(1);
    });
  });
});
