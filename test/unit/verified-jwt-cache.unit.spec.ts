import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { ManualClock } from '../../src/clock.js';
import { signJwt, VerifiedJwtCache } from '../../src/credentials/jwt.js';
import { SecretBox } from '../../src/crypto/secrets.js';
import { KeyRing } from '../../src/keys/keyRing.js';
import { MemoryEventStore } from '../../src/ledger/memory/memoryEventStore.js';

const ctx = { actor: 'test', correlationId: 'jwt-cache', time: new Date().toISOString() };
const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('VerifiedJwtCache', () => {
  const clock = new ManualClock(new Date('2026-06-01T00:00:00Z'));
  const iss = 'https://ledger.test';
  let ring: KeyRing;
  before(async () => {
    ring = new KeyRing(new MemoryEventStore(), new SecretBox(randomBytes(32)), clock);
    await ring.ensureGroup('native', 'ES256', 1, ctx);
  });
  const claims = (sub: string) => {
    const iat = Math.floor(clock.now().getTime() / 1000);
    return { sub, iss, iat, exp: iat + 60, jti: `jti-${sub}` };
  };

  it('answers a token verified before from the cache, and re-checks its expiry and issuer each time', async () => {
    const cache = new VerifiedJwtCache(ring);
    const { token } = await signJwt(ring, 'native', claims('alice'));
    expect(cache.looksLikeJwt(token)).to.equal(true);
    const first = await cache.verify(token, { now: clock.now(), issuer: iss });
    expect(first?.sub).to.equal('alice');
    expect(await cache.verify(token, { now: clock.now(), issuer: iss })).to.equal(first); // the cached claims
    expect(await cache.verify(token, { now: clock.now(), issuer: 'https://other.test' })).to.equal(undefined);
    expect(await cache.verify(token, { now: new Date(clock.now().getTime() + 61_000), issuer: iss })).to.equal(undefined);
  });

  it('never answers another token that carries a cached signature', async () => {
    const cache = new VerifiedJwtCache(ring);
    const { token } = await signJwt(ring, 'native', claims('bob'));
    expect((await cache.verify(token, { now: clock.now(), issuer: iss }))?.sub).to.equal('bob');
    const [header, , signature] = token.split('.');
    const forged = `${header}.${b64({ ...claims('bob'), sub: 'mallory', roles: ['admin'] })}.${signature}`;
    expect(await cache.verify(forged, { now: clock.now(), issuer: iss })).to.equal(undefined);
    expect(cache.looksLikeJwt('not a jwt')).to.equal(false);
  });
});
