import { expect } from 'chai';
import { randomView } from '../../src/crypto/randomPool.js';
import { SecretBox } from '../../src/crypto/secrets.js';

describe('random pool', () => {
  it('hands out views of the asked length that never repeat, across refills of the block', () => {
    const seen = new Set<string>();
    // 3 × 4096 bytes in 12-byte views: the block is refilled, and a view can straddle no boundary.
    for (let i = 0; i < 1024; i++) {
      const v = randomView(12);
      expect(v.length).to.equal(12);
      seen.add(v.toString('hex'));
    }
    expect(seen.size).to.equal(1024);
  });

  it('a whole block at once, and refuses more than a block', () => {
    const whole = randomView(4096);
    expect(whole.length).to.equal(4096);
    expect(whole.every((b) => b === 0)).to.equal(false);
    expect(() => randomView(4097)).to.throw(RangeError);
  });

  it('sealing twice gives different IVs and both open', () => {
    const box = new SecretBox(Buffer.alloc(32, 7));
    const a = box.seal('same secret');
    const b = box.seal('same secret');
    expect(a.split('.')[1]).to.not.equal(b.split('.')[1]);
    expect(box.open(a)).to.equal('same secret');
    expect(box.open(b)).to.equal('same secret');
  });
});
