import { expect } from 'chai';
import type { RecordedEvent } from '../../src/ledger/eventStore.js';
import { RecentEvents } from '../../src/ledger/sqlite/recentEvents.js';

const at = (position: number) =>
  ({ id: `e${position}`, type: 'E', stream: 's', revision: BigInt(position), position: BigInt(position), data: { n: position }, metadata: {}, recordedAt: new Date(0), prevHash: '', hash: '' }) as unknown as RecordedEvent;
const batch = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => at(from + i));
const positions = (events: RecordedEvent[] | undefined) => events?.map((e) => Number(e.position));

describe('RecentEvents: fresh appends kept in memory for the followers, until every one has read them', () => {
  it('keeps nothing while nobody follows', () => {
    const recent = new RecentEvents();
    recent.add(batch(1, 3));
    expect(recent.size).to.equal(0);
    expect(recent.follow().read(0n, 10), 'a follower that starts later reads the ledger').to.equal(undefined);
  });

  it('lets an event go once every follower has read past it, and keeps what the slowest has not read', () => {
    const recent = new RecentEvents();
    const fast = recent.follow();
    const slow = recent.follow();
    recent.add(batch(1, 4));
    expect(positions(fast.read(0n, 10))).to.deep.equal([1, 2, 3, 4]);
    expect(positions(slow.read(0n, 2))).to.deep.equal([1, 2]);
    recent.add(batch(5, 6));
    expect(positions(fast.read(4n, 10))).to.deep.equal([5, 6]);
    expect(recent.size, 'the slow one has read up to 0 only').to.equal(6);
    expect(positions(slow.read(2n, 10))).to.deep.equal([3, 4, 5, 6]);
    expect(recent.size, 'both have read up to 2 or more').to.equal(4);
    fast.read(6n, 10);
    slow.read(6n, 10);
    expect(recent.size).to.equal(0);
    recent.add(batch(7, 7));
    expect(positions(slow.read(6n, 10)), 'the run goes on from where it was let go').to.deep.equal([7]);
  });

  it('a follower that closes holds nothing back; the last one to close lets everything go', () => {
    const recent = new RecentEvents();
    const a = recent.follow();
    const b = recent.follow();
    recent.add(batch(1, 3));
    a.read(3n, 10);
    expect(recent.size).to.equal(3);
    b.close();
    expect(recent.size).to.equal(0);
    recent.add(batch(4, 5));
    a.close();
    expect(recent.size).to.equal(0);
  });

  it('keeps at most twice its capacity for a follower that lags, which then reads the ledger for what went', () => {
    const recent = new RecentEvents(4);
    const lagging = recent.follow();
    lagging.read(0n, 10);
    recent.add(batch(1, 9));
    expect(recent.size).to.equal(4);
    expect(lagging.read(0n, 10), 'positions 1-5 are gone: the ledger has them').to.equal(undefined);
    expect(positions(lagging.read(5n, 10))).to.deep.equal([6, 7, 8, 9]);
  });
});
