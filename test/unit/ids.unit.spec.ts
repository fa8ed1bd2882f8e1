import { expect } from 'chai';
import { timeOrderedId } from '../../src/ids.js';

describe('timeOrderedId (UUID v7)', () => {
  it('is a version-7, RFC 9562 variant UUID carrying the millisecond it was minted', () => {
    const at = Date.UTC(2026, 10, 23, 4, 0, 0, 123);
    const id = timeOrderedId(new Date(at));
    expect(id).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).to.equal(at);
  });

  it('sorts by time as text, so index inserts land at the right edge', () => {
    const ids = [0, 1, 2, 1000, 86_400_000].map((d) => timeOrderedId(1_790_000_000_000 + d));
    expect([...ids].sort()).to.deep.equal(ids);
  });

  it('never repeats within one millisecond', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => timeOrderedId(1_790_000_000_000)));
    expect(ids.size).to.equal(10_000);
  });

  it('falls back to the current time for an invalid instant', () => {
    const before = Date.now();
    const ms = parseInt(timeOrderedId(new Date(Number.NaN)).replace(/-/g, '').slice(0, 12), 16);
    expect(ms).to.be.within(before, Date.now());
  });
});
