import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { WrongExpectedRevisionError, type EventStore, type NewEvent, type RecordedEvent } from '../../src/ledger/eventStore.js';

export interface ContractOptions {
  /** Unique-ish stream names, so suites can share one server (e.g. a real EventStoreDB). */
  streamPrefix?: string;
}

function event(type = 'ThingHappened', data: Record<string, unknown> = {}): NewEvent {
  return {
    id: randomUUID(),
    type,
    data,
    metadata: { actor: 'test', correlationId: 'c', causationId: 'c', schemaVersion: 1, time: new Date().toISOString() },
  };
}

/** One suite for every EventStore adapter. */
export function eventStoreContract(name: string, factory: () => Promise<EventStore>, options: ContractOptions = {}) {
  describe(`EventStore contract: ${name}`, function () {
    let store: EventStore;
    let prefix: string;
    const s = (n: string) => `${prefix}${n}-${randomUUID().slice(0, 8)}`;

    beforeEach(async () => {
      store = await factory();
      prefix = options.streamPrefix ?? `t${randomUUID().slice(0, 6)}-`;
    });
    afterEach(async () => store.close());

    describe('expected revision', () => {
      it('no_stream succeeds on a new stream and fails once it exists', async () => {
        const stream = s('a');
        const r = await store.append(stream, [event(), event()], 'no_stream');
        expect(r.nextRevision).to.equal(1n);
        const err = await store.append(stream, [event()], 'no_stream').catch((e) => e);
        expect(err).to.be.instanceOf(WrongExpectedRevisionError);
        expect(err.actual).to.equal(1n);
      });

      it('stream_exists fails on a missing stream', async () => {
        const err = await store.append(s('b'), [event()], 'stream_exists').catch((e) => e);
        expect(err).to.be.instanceOf(WrongExpectedRevisionError);
        expect(err.actual).to.equal('no_stream');
      });

      it('an exact revision must match the last event', async () => {
        const stream = s('c');
        await store.append(stream, [event()], 'no_stream');
        expect((await store.append(stream, [event()], 0n)).nextRevision).to.equal(1n);
        const err = await store.append(stream, [event()], 0n).catch((e) => e);
        expect(err).to.be.instanceOf(WrongExpectedRevisionError);
        expect(err.expected).to.equal(0n);
        expect(err.actual).to.equal(1n);
      });

      it('any always appends', async () => {
        const stream = s('d');
        await store.append(stream, [event()], 'any');
        expect((await store.append(stream, [event()], 'any')).nextRevision).to.equal(1n);
      });

      it('a failed append writes nothing', async () => {
        const stream = s('e');
        await store.append(stream, [event()], 'no_stream');
        await store.append(stream, [event(), event()], 5n).catch(() => undefined);
        expect(await store.readStream(stream)).to.have.length(1);
      });
    });

    describe('idempotency', () => {
      it('re-appending the same event ids at the same place succeeds and writes nothing', async () => {
        const stream = s('idem');
        const batch = [event(), event()];
        const first = await store.append(stream, batch, 'no_stream');
        const again = await store.append(stream, batch, 'no_stream');
        expect(again.nextRevision).to.equal(first.nextRevision);
        expect(again.position).to.equal(first.position);
        const afterExact = await store.append(stream, [batch[1]!], 0n);
        expect(afterExact.nextRevision).to.equal(1n);
        expect(await store.readStream(stream)).to.have.length(2);
      });

      it('re-appending one event at the same place succeeds and writes nothing, whatever was expected', async () => {
        const stream = s('idem-one');
        const [a, b] = [event(), event()];
        const first = await store.append(stream, [a], 'no_stream');
        const second = await store.append(stream, [b], 0n);
        for (const [e, expected, at] of [[a, 'no_stream', first], [b, 0n, second], [b, 'any', second]] as const) {
          const again = await store.append(stream, [e], expected);
          expect([again.nextRevision, again.position]).to.deep.equal([at.nextRevision, at.position]);
        }
        expect((await store.readStream(stream)).map((r) => r.id)).to.deep.equal([a.id, b.id]);
        const next = await store.append(stream, [event()], 1n);
        expect(next.nextRevision).to.equal(2n);
      });
    });

    describe('reads', () => {
      it('reads one stream forwards and backwards, from a revision, with a max count', async () => {
        const stream = s('r');
        await store.append(stream, [0, 1, 2, 3].map((n) => event('N', { n })), 'no_stream');
        const whole = await store.readStream(stream);
        expect(whole.map((e) => e.data.n)).to.deep.equal([0, 1, 2, 3]);
        expect(whole.map((e) => e.revision)).to.deep.equal([0n, 1n, 2n, 3n]);
        const fwd = await store.readStream(stream, { fromRevision: 1n, maxCount: 2 });
        expect(fwd.map((e) => e.data.n)).to.deep.equal([1, 2]);
        expect((await store.readStream(stream, { fromRevision: 2n })).map((e) => e.data.n)).to.deep.equal([2, 3]);
        expect((await store.readStream(stream, { maxCount: 3 })).map((e) => e.data.n)).to.deep.equal([0, 1, 2]);
        const back = await store.readStream(stream, { direction: 'backwards', maxCount: 2 });
        expect(back.map((e) => e.data.n)).to.deep.equal([3, 2]);
        expect(back[0]!.revision).to.equal(3n);
        expect(await store.readStream(s('missing'))).to.deep.equal([]);
      });

      it('keeps ids, types, data, metadata and recordedAt', async () => {
        const stream = s('shape');
        const e = event('Shaped', { x: 'y', nested: { a: [1, 2] } });
        await store.append(stream, [e], 'no_stream');
        const [read] = await store.readStream(stream);
        expect(read!.id).to.equal(e.id);
        expect(read!.type).to.equal('Shaped');
        expect(read!.data).to.deep.equal(e.data);
        expect(read!.metadata).to.deep.equal(e.metadata);
        expect(read!.recordedAt).to.be.instanceOf(Date);
        expect(typeof read!.revision).to.equal('bigint');
        expect(typeof read!.position).to.equal('bigint');
      });

      it('chains hashes within a stream', async () => {
        const stream = s('hash');
        await store.append(stream, [event(), event()], 'no_stream');
        const [a, b] = await store.readStream(stream);
        expect(a!.prevHash).to.equal('');
        expect(b!.prevHash).to.equal(a!.hash);
        expect(a!.hash).to.match(/^[0-9a-f]{64}$/);
      });

      it('$all is in append order with increasing positions, and filters by prefix', async () => {
        const start = await store.headPosition();
        const x = s('x'), y = s('y');
        await store.append(x, [event('A')], 'any');
        await store.append(y, [event('B')], 'any');
        await store.append(x, [event('C')], 'any');
        const all = (await store.readAll({ after: start, maxCount: 1000 })).filter((e) => e.stream === x || e.stream === y);
        expect(all.map((e) => e.type)).to.deep.equal(['A', 'B', 'C']);
        for (let i = 1; i < all.length; i++) expect(all[i]!.position > all[i - 1]!.position).to.equal(true);
        const onlyX = await store.readAll({ after: start, streamPrefixes: [x] });
        expect(onlyX.map((e) => e.type)).to.deep.equal(['A', 'C']);
      });
    });

    describe('subscribeToAll', () => {
      it('catches up, then goes live, with no gap and no duplicate at the switch', async () => {
        const stream = s('sub');
        const start = await store.headPosition();
        for (let i = 0; i < 30; i++) await store.append(stream, [event('E', { i })], 'any');
        const seen: RecordedEvent[] = [];
        const sub = store.subscribeToAll({ after: start, streamPrefixes: [stream], maxBatch: 7 }, (events) => {
          seen.push(...events);
        });
        // Appends racing the catch-up phase.
        const racing = (async () => {
          for (let i = 30; i < 60; i++) await store.append(stream, [event('E', { i })], 'any');
        })();
        await sub.caughtUp;
        await racing;
        for (let i = 60; i < 70; i++) await store.append(stream, [event('E', { i })], 'any');
        const deadline = Date.now() + 5000;
        while (seen.length < 70 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        await sub.close();
        expect(seen.map((e) => e.data.i)).to.deep.equal([...Array(70).keys()]);
      });

      it('lets the event loop run between pages while it catches up on a backlog', async () => {
        const stream = s('backlog');
        const start = await store.headPosition();
        for (let i = 0; i < 10; i++) await store.append(stream, Array.from({ length: 20 }, (_, j) => event('E', { n: i * 20 + j })), 'any');
        let delivered = 0;
        let deliveredWhenTimerRan = -1;
        setImmediate(() => (deliveredWhenTimerRan = delivered));
        const sub = store.subscribeToAll({ after: start, streamPrefixes: [stream], maxBatch: 10 }, (events) => void (delivered += events.length));
        await sub.caughtUp;
        await sub.close();
        expect(delivered).to.equal(200);
        expect(deliveredWhenTimerRan).to.be.within(0, 199);
      });

      it('delivers each event exactly as a read of the ledger returns it', async () => {
        const stream = s('same');
        const start = await store.headPosition();
        const seen: RecordedEvent[] = [];
        const sub = store.subscribeToAll({ after: start, streamPrefixes: [stream] }, (events) => void seen.push(...events));
        await sub.caughtUp;
        // Values JSON does not keep as they are: the ledger stores JSON, so followers see JSON's version.
        await store.append(stream, [event('E', { n: 1, nested: { list: [1, 'two', null] }, gone: undefined })], 'no_stream');
        await store.append(stream, [event('E', { n: 2 }), event('E', { n: 3 })], 'any');
        const deadline = Date.now() + 5000;
        while (seen.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        await sub.close();
        const read = (await store.readAll({ after: start, maxCount: 100 })).filter((e) => e.stream === stream);
        expect(seen).to.deep.equal(read);
        expect(seen[0]!.data).to.deep.equal({ n: 1, nested: { list: [1, 'two', null] } });
      });
    });

    describe('checkpoints', () => {
      it('reads none before a save, then the last one saved', async () => {
        const name = s('relay');
        expect(await store.readCheckpoint(name)).to.equal(undefined);
        await store.saveCheckpoint(name, 41n);
        await store.saveCheckpoint(name, 42n);
        expect(await store.readCheckpoint(name)).to.equal(42n);
        expect(await store.readCheckpoint(s('other'))).to.equal(undefined);
      });

      it('are not events: no read or subscription returns them, and the head does not move', async () => {
        const stream = s('around');
        const start = await store.headPosition();
        const seen: RecordedEvent[] = [];
        const sub = store.subscribeToAll({ after: start }, (events) => void seen.push(...events));
        await sub.caughtUp;
        await store.saveCheckpoint(s('hidden'), 7n);
        await store.append(stream, [event('After')], 'no_stream');
        const deadline = Date.now() + 5000;
        while (!seen.some((e) => e.stream === stream) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        await sub.close();
        // A shared server may carry other suites' events: only this store's own kinds may show up.
        expect(seen.filter((e) => e.stream === stream).map((e) => e.type)).to.deep.equal(['After']);
        expect(seen.filter((e) => e.type === 'CheckpointSaved' || /checkpoint/.test(e.stream))).to.deep.equal([]);
        const read = await store.readAll({ after: start, maxCount: 1000 });
        expect(read.filter((e) => e.type === 'CheckpointSaved' || /checkpoint/.test(e.stream))).to.deep.equal([]);
        expect(await store.headPosition()).to.equal(read.filter((e) => e.stream === stream)[0]!.position);
      });
    });

    describe('concurrency', () => {
      it('two writers racing on one stream: exactly one wins', async () => {
        const stream = s('race');
        await store.append(stream, [event()], 'no_stream');
        const results = await Promise.allSettled([
          store.append(stream, [event('W1')], 0n),
          store.append(stream, [event('W2')], 0n),
        ]);
        expect(results.filter((r) => r.status === 'fulfilled')).to.have.length(1);
        const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        expect(rejected.reason).to.be.instanceOf(WrongExpectedRevisionError);
        expect(await store.readStream(stream)).to.have.length(2);
      });

      it('many racing creators of one new stream: exactly one wins', async () => {
        const stream = s('unique');
        const results = await Promise.allSettled(
          Array.from({ length: 10 }, () => store.append(stream, [event()], 'no_stream')),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).to.have.length(1);
      });
    });
  });
}
