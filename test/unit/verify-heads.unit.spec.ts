import { expect } from 'chai';
import { MemoryEventStore } from '../../src/ledger/memory/memoryEventStore.js';
import { verifyLedger, verifyLedgerHeads } from '../../src/ledger/verifyChain.js';

describe('verifyLedgerHeads', () => {
  const metadata = { actor: 'system', correlationId: 'c', causationId: 'c', schemaVersion: 1, time: '2026-11-23T00:00:00.000Z' };
  async function ledger() {
    const store = new MemoryEventStore();
    let n = 0;
    const put = (stream: string) => store.append(stream, [{ id: `e${++n}`, type: 'T', data: { n }, metadata }], 'any');
    for (const stream of ['a', 'b', 'a', 'c', 'a', 'b']) await put(stream);
    return store;
  }
  const plain = (streams: Map<string, { revision: bigint; hash: string }>) => Object.fromEntries([...streams].map(([s, h]) => [s, h.revision]));

  it('takes the stream heads as of a position in the pass that verifies the chain', async () => {
    const store = await ledger();
    let reads = 0;
    const readAll = store.readAll.bind(store);
    store.readAll = (options) => (reads++, readAll(options));
    const { verdict, heads } = await verifyLedgerHeads(store, { headsAt: 3n });
    expect(reads).to.equal(2); // one page, then the empty page that ends it
    expect(verdict).to.deep.equal({ ok: true, events: 6, streams: 3 });
    expect(heads!.position).to.equal(3n);
    expect(plain(heads!.streams)).to.deep.equal({ a: 1n, b: 0n });
    const all = await store.readAll({ maxCount: 10 });
    expect(heads!.streams.get('a')!.hash).to.equal(all[2]!.hash);
  });

  it('winds back streams that moved more than once after the position, and drops those begun after it', async () => {
    const store = await ledger();
    const { heads } = await verifyLedgerHeads(store, { headsAt: 1n });
    expect(heads!.position).to.equal(1n);
    expect(plain(heads!.streams)).to.deep.equal({ a: 0n });
    const first = (await store.readAll({ maxCount: 1 }))[0]!;
    expect(heads!.streams.get('a')!.hash).to.equal(first.hash);
  });

  it('without a position, or past the end, gives the heads at the end', async () => {
    const store = await ledger();
    for (const headsAt of [undefined, 100n]) {
      const { heads } = await verifyLedgerHeads(store, { headsAt });
      expect(heads!.position).to.equal(6n);
      expect(plain(heads!.streams)).to.deep.equal({ a: 2n, b: 1n, c: 0n });
    }
  });

  it('gives no heads when the chain breaks before the position, and the heads when it breaks after', async () => {
    const store = await ledger();
    const all = await store.readAll({ maxCount: 10 });
    (all[4]!.data as { n: number }).n = 99; // the memory store hands out its own records: alter the fifth
    for (const [headsAt, expected] of [[3n, true], [5n, false]] as const) {
      const { verdict, heads } = await verifyLedgerHeads(store, { headsAt });
      expect(verdict.ok).to.equal(false);
      expect(verdict.firstBreak).to.include({ position: '5', problem: 'content does not match its hash (altered)' });
      expect(heads !== undefined, `heads at ${headsAt}`).to.equal(expected);
    }
    expect((await verifyLedger(store)).firstBreak?.position).to.equal('5');
  });
});
