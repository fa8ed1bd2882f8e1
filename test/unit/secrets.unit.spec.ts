import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { digestMatches, safeEqual, sha256Hex } from '../../src/crypto/secrets.js';

describe('secret digests', () => {
  const secret = 'tlcs_0123456789abcdef0123456789abcdefABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

  it('sha256Hex is the hex SHA-256 of the UTF-8 string', () => {
    for (const s of ['', 'abc', secret, 'pässwörd ✓']) expect(sha256Hex(s)).to.equal(createHash('sha256').update(s, 'utf8').digest('hex'));
  });

  it('digestMatches accepts the secret its digest was made from, and nothing else', () => {
    const digest = sha256Hex(secret);
    expect(digestMatches(secret, digest)).to.equal(true);
    expect(digestMatches(secret.slice(0, -1), digest)).to.equal(false);
    expect(digestMatches(secret + 'x', digest)).to.equal(false);
    expect(digestMatches('', digest)).to.equal(false);
    expect(digestMatches(secret, sha256Hex(secret + 'x'))).to.equal(false);
  });

  it('digestMatches refuses a stored digest that is not 32 bytes of hex', () => {
    const digest = sha256Hex(secret);
    for (const bad of ['', digest.slice(0, 62), digest + '00', `zz${digest.slice(2)}`, secret]) expect(digestMatches(secret, bad)).to.equal(false);
  });

  it('safeEqual compares strings of any length', () => {
    expect(safeEqual('abc', 'abc')).to.equal(true);
    expect(safeEqual('abc', 'abd')).to.equal(false);
    expect(safeEqual('abc', 'abcd')).to.equal(false);
    expect(safeEqual('', '')).to.equal(true);
  });
});
