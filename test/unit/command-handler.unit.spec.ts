import { expect } from 'chai';
import type { Decider } from '../../src/ledger/decider.js';
import type { EventStore } from '../../src/ledger/eventStore.js';
import { handleCommand } from '../../src/ledger/commandHandler.js';
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

/** Counts the store's stream reads. */
function counted(store: EventStore) {
  const reads = { n: 0 };
  const readStream = store.readStream.bind(store);
  store.readStream = (...args) => {
    reads.n++;
    return readStream(...args);
  };
  return reads;
}

describe('handleCommand', () => {
  it('decides on the events the caller has just read, without reading them again', async () => {
    const store = new MemoryEventStore();
    await handleCommand(store, 's', counter, { next: 1 }, ctx);
    const recorded = await store.readStream('s');
    const reads = counted(store);
    const r = await handleCommand(store, 's', counter, (count: number) => ({ next: count + 1 }), ctx, undefined, { recorded });
    expect(reads.n).to.equal(0);
    expect(r.state).to.equal(2);
    expect((await store.readStream('s')).map((e) => e.data.n)).to.deep.equal([1, 2]);
  });

  it('events read before the stream moved on conflict, and the retry reads the stream afresh', async () => {
    const store = new MemoryEventStore();
    await handleCommand(store, 's', counter, { next: 1 }, ctx);
    const stale = await store.readStream('s');
    await handleCommand(store, 's', counter, { next: 2 }, ctx); // someone else's append
    const reads = counted(store);
    const r = await handleCommand(store, 's', counter, (count: number) => ({ next: count + 1 }), ctx, undefined, { recorded: stale });
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
});
