import { expect } from 'chai';
import { withEntry } from '../../src/dictionary.js';

describe('withEntry: a state’s dictionary, copied with one more entry', () => {
  it('copies, sets the entry, and leaves the original as it was', () => {
    const a: Record<string, number> = { x: 1 };
    const b = withEntry(a, 'y', 2);
    const c = withEntry(b, 'x', 3);
    expect(a).to.deep.equal({ x: 1 });
    expect({ ...b }).to.deep.equal({ x: 1, y: 2 });
    expect({ ...c }).to.deep.equal({ x: 3, y: 2 });
    expect(JSON.stringify(c)).to.equal('{"x":3,"y":2}');
  });

  it('has no inherited names to be found by a lookup', () => {
    const d = withEntry({}, 'k', 1);
    expect(Object.getPrototypeOf(d)).to.equal(null);
    expect(d['toString']).to.equal(undefined);
    expect(d['constructor']).to.equal(undefined);
  });
});
