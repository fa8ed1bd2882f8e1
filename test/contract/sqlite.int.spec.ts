import Database from 'better-sqlite3';
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { WrongExpectedRevisionError, type RecordedEvent } from '../../src/ledger/eventStore.js';
import { handleCommand } from '../../src/ledger/commandHandler.js';
import type { Decider } from '../../src/ledger/decider.js';
import { NameFilter } from '../../src/ledger/sqlite/knownStreams.js';
import { SqliteEventStore, type SqliteEventStoreOptions } from '../../src/ledger/sqlite/sqliteEventStore.js';
import { eventStoreContract } from './eventStoreContract.js';
import { tempDir } from '../support/tempDirs.js';

const file = () => join(tempDir('tl-sqlite-'), 'ledger.db');

eventStoreContract('sqlite (group commit on the main thread)', async () => new SqliteEventStore(file()));
eventStoreContract('sqlite (group commit in the writer thread)', async () => new SqliteEventStore(file(), { groupCommit: 'worker' }));
eventStoreContract('sqlite (one transaction per append)', async () => new SqliteEventStore(file(), { groupCommit: false }));
eventStoreContract('sqlite (known streams, as the service opens it)', async () => new SqliteEventStore(file(), { knownStreams: true }));

describe('sqlite: followers and other writers of the same file', () => {
  const meta = { actor: 'test', correlationId: 'c', causationId: 'c', schemaVersion: 1, time: new Date().toISOString() };
  const event = (n: number) => ({ id: `00000000-0000-7000-8000-${String(n).padStart(12, '0')}`, type: 'E', data: { n }, metadata: meta });

  it("a follower sees every append in order, its own process's and another's interleaved", async () => {
    const f = file();
    const service = new SqliteEventStore(f, { pollMs: 20 });
    const cli = new SqliteEventStore(f); // a second connection, as the CLI has
    const seen: RecordedEvent[] = [];
    const sub = service.subscribeToAll({ after: 0n, maxBatch: 3 }, (events) => void seen.push(...events));
    await sub.caughtUp;
    let n = 0;
    for (let round = 0; round < 5; round++) {
      await service.append(`mine-${round}`, [event(n++), event(n++)], 'no_stream');
      await cli.append(`theirs-${round}`, [event(n++)], 'no_stream');
      await service.append(`mine-${round}`, [event(n++)], 'any');
    }
    const deadline = Date.now() + 5000;
    while (seen.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await sub.close();
    expect(seen.map((e) => e.data.n)).to.deep.equal([...Array(n).keys()]);
    expect(seen.map((e) => e.position)).to.deep.equal(seen.map((_, i) => BigInt(i + 1)));
    expect(seen).to.deep.equal(await service.readAll({ after: 0n, maxCount: 100 }));
    await cli.close();
    await service.close();
  });

  it('refuses whole an append whose later event reuses a stored id (ids are unique in the file), and carries on after it', async () => {
    const store = new SqliteEventStore(file());
    await store.append('s', [event(1)], 'no_stream');
    const failed = await store.append('s', [event(2), event(1)], 'any').then(() => undefined, (e: unknown) => e);
    expect(failed).to.be.instanceOf(Error);
    expect(await store.readStream('s')).to.have.length(1);
    const [a, b] = await Promise.all([store.append('s', [event(3)], 0n), store.append('t', [event(4)], 'no_stream')]);
    expect([a.nextRevision, a.position, b.position]).to.deep.equal([1n, 2n, 3n]);
    await store.close();
  });

  it('refuses one event whose id is stored in another stream, as a conflict, writing nothing and leaving no gap in positions', async () => {
    const store = new SqliteEventStore(file());
    await store.append('s', [event(1)], 'no_stream');
    for (const expected of ['no_stream', 'any'] as const) {
      const failed = await store.append('t', [event(1)], expected).then(() => undefined, (e: unknown) => e);
      expect(failed, expected).to.be.instanceOf(WrongExpectedRevisionError);
    }
    await store.append('t', [event(2)], 'no_stream');
    const conflict = await store.append('t', [event(3)], 'no_stream').then(() => undefined, (e: unknown) => e);
    expect((conflict as WrongExpectedRevisionError).actual).to.equal(0n);
    const last = await store.append('t', [event(3)], 0n);
    expect([last.nextRevision, last.position]).to.deep.equal([1n, 3n]);
    expect((await store.readAll({ after: 0n })).map((e) => [e.stream, e.data.n])).to.deep.equal([['s', 1], ['t', 2], ['t', 3]]);
    await store.close();
  });

  it('reads projected pages ahead in a reader thread: every event once, in order, as readAll has it', async () => {
    const store = new SqliteEventStore(file());
    for (let i = 0; i < 25; i++) await store.append(`s-${i % 4}`, [event(i)], 'any');
    const pages: number[] = [];
    const seen = [];
    for await (const page of store.projectedPages(7)) {
      pages.push(page.length);
      seen.push(...page);
    }
    expect(pages).to.deep.equal([7, 7, 7, 4]);
    const all = await store.readAll({ after: 0n, maxCount: 100 });
    expect(seen).to.deep.equal(all.map(({ type, stream, revision, position, data, recordedAt }) => ({ position, stream, revision, type, data, recordedAt })));
    // Stopping early (replay --until) ends the reader thread.
    for await (const page of store.projectedPages(5)) {
      expect(page[0]!.position).to.equal(1n);
      break;
    }
    await store.close();
  });

  it('shares a fresh append among followers frozen, in every commit mode, so that one cannot change what the next one sees', async () => {
    // Frozen means read from memory (RecentEvents): a follower that read the file would get its own copy.
    for (const groupCommit of ['inline', 'worker', 'none'] as const) {
      const store = new SqliteEventStore(file(), { groupCommit });
      const seen: RecordedEvent[] = [];
      const sub = store.subscribeToAll({ after: 0n }, (events) => void seen.push(...events));
      await sub.caughtUp;
      await store.append('s', [{ ...event(1), data: { n: 1, at: { z: 1, a: [2] } } }], 'no_stream');
      const deadline = Date.now() + 5000;
      while (seen.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      await sub.close();
      expect(Reflect.set(seen[0]!.data, 'n', 2), groupCommit).to.equal(false);
      expect(Reflect.set(seen[0]!, 'type', 'Other'), groupCommit).to.equal(false);
      expect(seen[0]!.data, groupCommit).to.deep.equal({ n: 1, at: { z: 1, a: [2] } });
      expect(seen[0], groupCommit).to.deep.equal((await store.readAll({ after: 0n }))[0]);
      await store.close();
    }
  });

  it('stores data and metadata as canonical JSON, the very text the hash covers, so a row can be checked as it is stored', async () => {
    for (const groupCommit of ['inline', 'worker'] as const) {
      const f = file();
      const store = new SqliteEventStore(f, { groupCommit });
      // Keys out of order, at depth, with text JSON must escape.
      const data = { z: 'quote " and é', a: { y: [{ d: 1, c: null }], b: true } };
      const metadata = { time: meta.time, actor: 'test', causationId: 'c', correlationId: 'c', schemaVersion: 1 };
      await store.append('s', [{ id: '00000000-0000-7000-8000-000000000001', type: 'E', data, metadata }], 'no_stream');
      await store.append('s', [{ id: '00000000-0000-7000-8000-000000000002', type: 'E', data: { n: 2 }, metadata }], 0n);
      await store.close();
      const db = new Database(f, { readonly: true });
      const rows = db.prepare('SELECT * FROM events ORDER BY position').all() as Array<Record<string, string | number>>;
      db.close();
      expect(rows[0]!.data, groupCommit).to.equal('{"a":{"b":true,"y":[{"c":null,"d":1}]},"z":"quote \\" and é"}');
      expect(rows[0]!.metadata).to.equal(`{"actor":"test","causationId":"c","correlationId":"c","schemaVersion":1,"time":"${meta.time}"}`);
      for (const r of rows) {
        const text = `[${JSON.stringify(r.prev_hash)},${JSON.stringify(r.id)},${JSON.stringify(r.stream)},"${r.revision}",${JSON.stringify(r.type)},${r.data},${r.metadata},${JSON.stringify(r.recorded_at)}]`;
        expect(createHash('sha256').update(text).digest('hex'), `${groupCommit} ${r.position}`).to.equal(r.hash);
      }
      expect(rows[1]!.prev_hash).to.equal(rows[0]!.hash);
    }
  });
});

describe('sqlite: known streams (a stream with no events is answered without reading the file)', () => {
  const meta = { actor: 'test', correlationId: 'c', causationId: 'c', schemaVersion: 1, time: new Date().toISOString() };
  let n = 0;
  const event = () => ({ id: `00000000-0000-7000-8001-${String(++n).padStart(12, '0')}`, type: 'E', data: { n }, metadata: meta });
  const ctx = { actor: 'test', correlationId: 'c', time: meta.time };
  type Counted = { type: 'Counted'; data: { n: number } };
  /** The service's store and a second connection to the same file, as the CLI has. */
  const serviceAndCli = (serviceOptions: SqliteEventStoreOptions = {}) => {
    const f = file();
    return { service: new SqliteEventStore(f, { knownStreams: true, ...serviceOptions }), cli: new SqliteEventStore(f) };
  };

  it('a name filter never forgets a name, and says "perhaps" for few it was not given, however far it grows', () => {
    const filter = new NameFilter();
    const names = Array.from({ length: 60_000 }, (_, i) => `consumer-mobile_device-key-${i}`);
    for (const name of names) filter.add(name);
    expect(names.every((name) => filter.has(name))).to.equal(true);
    const strangers = Array.from({ length: 20_000 }, (_, i) => `consumer-mobile_device-other-${i}`);
    const perhaps = strangers.filter((name) => filter.has(name)).length;
    expect(perhaps / strangers.length).to.be.below(0.03);
    // Grown from 16,384 names by layers: 16,384 + 32,768 + 65,536 names' worth of bits.
    expect(filter.bytes).to.be.within(100_000, 300_000);
  });

  it("knows every stream in the file at open, and each one appended through it, in every commit mode", async () => {
    for (const groupCommit of ['inline', 'worker', 'none'] as const) {
      const f = file();
      const before = new SqliteEventStore(f);
      await before.append('there-at-open', [event()], 'no_stream');
      await before.close();
      const store = new SqliteEventStore(f, { knownStreams: true, groupCommit });
      expect([store.streamMayExist('there-at-open'), store.streamMayExist('new')], groupCommit).to.deep.equal([true, false]);
      await store.append('new', [event()], 'no_stream');
      await store.append('any', [event(), event()], 'any');
      expect(['new', 'any'].map((s) => store.streamMayExist(s)), groupCommit).to.deep.equal([true, true]);
      await store.close();
    }
    // Without the option, every stream may exist: each is read.
    const plain = new SqliteEventStore(file());
    expect(plain.streamMayExist('new')).to.equal(true);
    await plain.close();
  });

  it('learns a stream another process created when it reads it, or when an append finds it there; reads always read the file', async () => {
    const { service, cli } = serviceAndCli();
    await cli.append('theirs', [event()], 'no_stream');
    await cli.append('theirs-too', [event()], 'no_stream');
    expect(service.streamMayExist('theirs')).to.equal(false);
    expect(await service.readStream('theirs')).to.have.length(1);
    expect(service.streamMayExist('theirs')).to.equal(true);
    const conflict = await service.append('theirs-too', [event()], 'no_stream').catch((e: unknown) => e);
    expect(conflict).to.be.instanceOf(WrongExpectedRevisionError);
    expect(service.streamMayExist('theirs-too')).to.equal(true);
    await cli.close();
    await service.close();
  });

  it("a command on a stream it takes for new, which another process created, is refused by the append and retried on the stream's real state", async () => {
    const { service, cli } = serviceAndCli();
    const counter: Decider<number, 'count', Counted> = {
      initialState: () => 0,
      evolve: (n, e) => e.data.n,
      decide: (_c, n) => [{ type: 'Counted', data: { n: n + 1 } }],
    };
    await handleCommand(cli, 'counter', counter, 'count', ctx);
    expect(service.streamMayExist('counter')).to.equal(false);
    const result = await handleCommand(service, 'counter', counter, 'count', ctx);
    expect([result.state, result.nextRevision]).to.deep.equal([2, 1n]);
    expect((await service.readStream('counter')).map((e) => e.data.n)).to.deep.equal([1, 2]);
    // A stream it does know is new is decided on without a read, and appended as new.
    const fresh = await handleCommand(service, 'counter-2', counter, 'count', ctx);
    expect([fresh.state, fresh.nextRevision]).to.deep.equal([1, 0n]);
    await cli.close();
    await service.close();
  });

  it('a command that needs the stream to exist, or that appends nothing, is decided again on the stream as read when it was presumed new', async () => {
    const { service, cli } = serviceAndCli();
    // 'bump' refuses a stream with no count; 'noop' appends nothing unless the count is 0.
    const counter: Decider<number, 'start' | 'bump' | 'noop', Counted> = {
      initialState: () => 0,
      evolve: (n, e) => e.data.n,
      decide: (c, n) => {
        if (c === 'bump' && n === 0) throw new Error('no such counter');
        if (c === 'noop') return n === 0 ? [] : [{ type: 'Counted', data: { n } }];
        return [{ type: 'Counted', data: { n: n + 1 } }];
      },
    };
    await handleCommand(cli, 'theirs', counter, 'start', ctx);
    await handleCommand(cli, 'theirs-2', counter, 'start', ctx);
    expect([service.streamMayExist('theirs'), service.streamMayExist('theirs-2')]).to.deep.equal([false, false]);
    const bumped = await handleCommand(service, 'theirs', counter, 'bump', ctx);
    expect([bumped.state, bumped.nextRevision]).to.deep.equal([2, 1n]);
    const kept = await handleCommand(service, 'theirs-2', counter, 'noop', ctx);
    expect([kept.state, kept.nextRevision, kept.events.length]).to.deep.equal([1, 1n, 1]);
    // On a stream truly new the refusal stands, after a read that finds nothing.
    const refused = await handleCommand(service, 'nobody', counter, 'bump', ctx).catch((e: unknown) => e);
    expect(String(refused)).to.include('no such counter');
    const nothing = await handleCommand(service, 'nobody', counter, 'noop', ctx);
    expect([nothing.events.length, nothing.nextRevision]).to.deep.equal([0, -1n]);
    await cli.close();
    await service.close();
  });

  it("knows the streams another process created once its followers have read them from the ledger", async () => {
    const { service, cli } = serviceAndCli({ pollMs: 20 });
    const seen: RecordedEvent[] = [];
    const sub = service.subscribeToAll({ after: 0n }, (events) => void seen.push(...events));
    await sub.caughtUp;
    await cli.append('followed', [event(), event()], 'no_stream');
    const deadline = Date.now() + 5000;
    while (seen.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await sub.close();
    expect(seen.map((e) => e.stream)).to.deep.equal(['followed', 'followed']);
    expect(service.streamMayExist('followed')).to.equal(true);
    await cli.close();
    await service.close();
  });
});
