import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { ManualClock } from '../../src/clock.js';
import { jwtVerify } from 'jose';
import { signCompact, signJwt, VerifiedJwtCache, verifyJwt } from '../../src/credentials/jwt.js';
import { SecretBox } from '../../src/crypto/secrets.js';
import { KeyRing } from '../../src/keys/keyRing.js';
import { MemoryEventStore } from '../../src/ledger/memory/memoryEventStore.js';
import { respeltSignature } from '../support/jws.js';

const ctx = { actor: 'test', correlationId: 'jwt-cache', time: new Date().toISOString() };
const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
const clock = new ManualClock(new Date('2026-06-01T00:00:00Z'));
const iss = 'https://ledger.test';

describe('native JWTs', () => {
  /** One ring for both suites: an ES256 group (`native`) and an RS256 one (`rsa`). */
  let ring: KeyRing;
  before(async () => {
    ring = new KeyRing(new MemoryEventStore(), new SecretBox(randomBytes(32)), clock);
    await ring.ensureGroup('native', 'ES256', 1, ctx);
    await ring.ensureGroup('rsa', 'RS256', 1, ctx);
  });

  const claims = (sub: string) => {
    const iat = Math.floor(clock.now().getTime() / 1000);
    return { sub, iss, iat, exp: iat + 60, jti: `jti-${sub}` };
  };

  describe('VerifiedJwtCache', () => {
    it('answers a token verified before from the cache, and re-checks its expiry and issuer each time', async () => {
      const cache = new VerifiedJwtCache(ring);
      const token = await signJwt(ring, 'native', claims('alice')).token;
      expect(cache.looksLikeJwt(token)).to.equal(true);
      const first = await cache.verify(token, { now: clock.now(), issuer: iss });
      expect(first?.sub).to.equal('alice');
      expect(await cache.verify(token, { now: clock.now(), issuer: iss })).to.equal(first); // the cached claims
      expect(await cache.verify(token, { now: clock.now(), issuer: 'https://other.test' })).to.equal(undefined);
      expect(await cache.verify(token, { now: new Date(clock.now().getTime() + 61_000), issuer: iss })).to.equal(undefined);
    });

    it('never answers another token that carries a cached signature', async () => {
      const cache = new VerifiedJwtCache(ring);
      const token = await signJwt(ring, 'native', claims('bob')).token;
      expect((await cache.verify(token, { now: clock.now(), issuer: iss }))?.sub).to.equal('bob');
      const [header, , signature] = token.split('.');
      const forged = `${header}.${b64({ ...claims('bob'), sub: 'mallory', roles: ['admin'] })}.${signature}`;
      expect(await cache.verify(forged, { now: clock.now(), issuer: iss })).to.equal(undefined);
      expect(cache.looksLikeJwt('not a jwt')).to.equal(false);
    });
  });

  describe('signJwt', () => {
    it("gives the key's id at once and the token when signed; a failed signature nobody awaits is not an unhandled rejection", async () => {
      const signed = signJwt(ring, 'native', claims('carol'));
      expect(signed.kid).to.equal(ring.signer('native').kid);
      expect((await verifyJwt(ring, await signed.token, { now: clock.now(), issuer: iss }))?.sub).to.equal('carol');

      // As when the append fails first: the caller never awaits the token, and its signing fails.
      const unhandled: unknown[] = [];
      const record = (reason: unknown) => void unhandled.push(reason);
      const mochaListeners = process.listeners('unhandledRejection');
      process.removeAllListeners('unhandledRejection');
      process.on('unhandledRejection', record);
      try {
        const broken = { signer: () => ({ alg: 'XS999', kid: 'k-broken', key: 'x' }) } as unknown as KeyRing;
        const abandoned = signJwt(broken, 'native', claims('dave'));
        expect(abandoned.kid).to.equal('k-broken');
        await new Promise((r) => setTimeout(r, 20));
        expect(unhandled).to.deep.equal([]);
        const error = await abandoned.token.then(() => undefined, (e: unknown) => e);
        expect(String(error)).to.match(/Unsupported signing algorithm XS999/);
      } finally {
        process.off('unhandledRejection', record);
        for (const l of mochaListeners) process.on('unhandledRejection', l);
      }
    });
  });

  describe('verifyJwt: the signature by node in the signing thread, the claims by jose', () => {
    const now = clock.now();
    const iat = Math.floor(now.getTime() / 1000);
    const verifyAt = (token: string, at = now, issuer: string | undefined = iss) => verifyJwt(ring, token, { now: at, issuer });

    it('gives the claims jose gives for a token of each algorithm, with its kid', async () => {
      for (const group of ['native', 'rsa']) {
        const signed = signJwt(ring, group, { sub: 'alice', iss, iat, exp: iat + 60, scope: 'read' });
        const { kid } = signed;
        const token = await signed.token;
        const ours = await verifyAt(token);
        const key = ring.verifier(kid)!;
        const theirs = (await jwtVerify(token, key.key, { issuer: iss, currentDate: now })).payload;
        expect(ours, group).to.deep.equal({ ...theirs, kid });
      }
    });

    it('refuses a changed payload, another issuer, an expired, a future or an exp-less token, as jose would', async () => {
      const token = await signJwt(ring, 'native', { sub: 'alice', iss, iat, exp: iat + 60 }).token;
      const [h, , sig] = token.split('.');
      const changed = `${h}.${Buffer.from(JSON.stringify({ sub: 'mallory', iss, iat, exp: iat + 60 })).toString('base64url')}.${sig}`;
      expect(await verifyAt(changed)).to.equal(undefined);
      expect(await verifyAt(token, now, 'https://other.test')).to.equal(undefined);
      expect(await verifyAt(token, new Date(now.getTime() + 61_000))).to.equal(undefined);
      const early = await signJwt(ring, 'native', { sub: 'a', iss, iat, nbf: iat + 30, exp: iat + 60 }).token;
      expect(await verifyAt(early)).to.equal(undefined);
      const noExp = await signJwt(ring, 'native', { sub: 'a', iss, iat }).token;
      expect(await verifyAt(noExp)).to.equal(undefined);
      expect((await verifyJwt(ring, noExp, { now, issuer: iss, requireExp: false }))?.sub).to.equal('a');
    });

    it('refuses another algorithm than its key\'s, an unknown kid, a crit header, a non-canonical signature, and junk', async () => {
      const signer = ring.signer('native');
      const claims = { sub: 'a', iss, iat, exp: iat + 60 };
      const good = await signCompact({ alg: 'ES256', kid: signer.kid, typ: 'JWT' }, claims, signer);
      expect((await verifyAt(good))?.sub).to.equal('a');
      expect(await verifyAt(await signCompact({ alg: 'RS256', kid: signer.kid }, claims, ring.signer('rsa')))).to.equal(undefined);
      expect(await verifyAt(await signCompact({ alg: 'ES256', kid: 'nobody' }, claims, signer))).to.equal(undefined);
      expect(await verifyAt(await signCompact({ alg: 'ES256', kid: signer.kid, crit: ['x'], x: 1 }, claims, signer))).to.equal(undefined);
      const respelt = respeltSignature(good);
      expect(Buffer.from(respelt.split('.')[2]!, 'base64url').equals(Buffer.from(good.split('.')[2]!, 'base64url'))).to.equal(true);
      expect(await verifyAt(respelt)).to.equal(undefined);
      for (const junk of ['', 'a.b', 'a.b.c.d', `${good}.x`, good.replace(/\.[^.]+$/, '.')]) expect(await verifyAt(junk), junk).to.equal(undefined);
    });
  });
});
