import { expect } from 'chai';
import { sha256Hex } from '../../src/crypto/secrets.js';
import { lastUseTrackerOf } from '../../src/personal-tokens/routes.js';
import { ManualClock, remember, startTestService, type TestService } from '../support/service.js';

const JSON_UTF8 = 'application/json;charset=UTF-8';
const TOKEN_FORMAT = /^tlp_[0-9a-f]{32}[0-9A-Za-z]{38}$/;
const DAY = 86_400_000;

describe('Apinizer personal API access tokens', () => {
  let t: TestService;
  let clock: ManualClock;
  let alice: string;
  let admin: string;

  before(async () => {
    clock = new ManualClock(new Date('2026-03-01T10:00:00.000Z'));
    t = await startTestService({ clock });
    admin = await t.token();
    alice = await t.userWithRoles('alice', ['user']);
  });
  after(() => t.close());

  const as = (token: string) => ({
    create: (body: object) => t.http.post('/apiops/profile/tokens').set('Authorization', `Bearer ${token}`).send(body),
    list: () => t.http.get('/apiops/profile/tokens').set('Authorization', `Bearer ${token}`),
    revoke: (id: string) => t.http.delete(`/apiops/profile/tokens/${id}`).set('Authorization', `Bearer ${token}`),
    profile: () => t.http.get('/apiops/profile').set('Authorization', `Bearer ${token}`),
  });
  const create = async (token: string, body: object) => {
    const res = await as(token).create(body);
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    remember(res.body.token);
    return res.body as { id: string; name: string; token: string; createdAt: string; expiresAt: string | null };
  };
  const introspect = (token: string) =>
    t.http.post('/oauth2/introspect').set('Authorization', `Bearer ${admin}`).type('form').send({ token });

  describe('create', () => {
    it('returns 201 with the value, shown once, prefixed and checksummed', async () => {
      const res = await as(alice).create({ name: 'laptop', expiration: 'DAYS_30' });
      expect(res.status).to.equal(201);
      remember(res.body.token);
      expect(res.headers['content-type']).to.equal(JSON_UTF8);
      expect(res.headers['cache-control']).to.equal('no-store');
      expect(Object.keys(res.body).sort()).to.deep.equal(['createdAt', 'expiresAt', 'id', 'name', 'token']);
      expect(res.body.token).to.match(TOKEN_FORMAT);
      expect(res.body.token.slice(4, 36)).to.equal(res.body.id.replace(/-/g, ''));
      expect(res.body).to.include({ name: 'laptop', createdAt: clock.now().toISOString() });
      expect(res.body.expiresAt).to.equal(new Date(clock.now().getTime() + 30 * DAY).toISOString());
    });

    it('records PersonalTokenCreated with the common credential fields and only the digest', async () => {
      const created = await create(alice, { name: 'digest-check', expiration: 'DAYS_7' });
      const events = await t.store.readStream('pat-alice');
      const event = events.find((e) => e.data.credentialId === created.id)!;
      expect(event.type).to.equal('PersonalTokenCreated');
      expect(event.data).to.deep.equal({
        credentialId: created.id,
        kind: 'personal_token',
        subject: 'alice',
        name: 'digest-check',
        expiration: 'DAYS_7',
        tokenHash: sha256Hex(created.token),
        issuedAt: created.createdAt,
        expiresAt: created.expiresAt,
      });
      expect(JSON.stringify(event.data)).not.to.include(created.token);
      expect(event.metadata.actor).to.equal('user:alice');
      // The audit history shows the token's life without even the digest.
      const history = await t.http.get(`/ledger/credentials/${created.id}/history`).set('Authorization', `Bearer ${admin}`);
      expect(history.status).to.equal(200);
      expect(history.body.events[0].data).to.not.have.property('tokenHash');
    });

    it('NEVER gives a token without expiry', async () => {
      expect((await create(alice, { name: 'forever', expiration: 'NEVER' })).expiresAt).to.equal(null);
    });

    it('CUSTOM with a future date-time expires then; a date alone means the start of that day (UTC)', async () => {
      const at = new Date(clock.now().getTime() + 3 * DAY + 1234).toISOString();
      expect((await create(alice, { name: 'custom-time', expiration: 'CUSTOM', expirationDate: at })).expiresAt).to.equal(at);
      const day = await create(alice, { name: 'custom-day', expiration: 'CUSTOM', expirationDate: '2026-04-15' });
      expect(day.expiresAt).to.equal('2026-04-15T00:00:00.000Z');
    });

    const badDates: Array<[string, object, string]> = [
      ['CUSTOM without a date', { expiration: 'CUSTOM' }, 'expirationDate is required when expiration is CUSTOM'],
      ['CUSTOM with a past date', { expiration: 'CUSTOM', expirationDate: '2026-02-28' }, 'expirationDate must lie in the future'],
      ['CUSTOM with today (already begun)', { expiration: 'CUSTOM', expirationDate: '2026-03-01' }, 'expirationDate must lie in the future'],
      ['CUSTOM with now', { expiration: 'CUSTOM', expirationDate: '2026-03-01T10:00:00.000Z' }, 'expirationDate must lie in the future'],
      ['a date with another expiration', { expiration: 'DAYS_7', expirationDate: '2027-01-01' }, 'expirationDate is only allowed when expiration is CUSTOM'],
      ['a malformed date', { expiration: 'CUSTOM', expirationDate: 'next tuesday' }, 'expirationDate'],
      ['an impossible date', { expiration: 'CUSTOM', expirationDate: '2026-02-30' }, 'expirationDate'],
      ['an unknown expiration', { expiration: 'DAYS_365' }, 'expiration must be one of: NEVER, DAYS_7, DAYS_30, DAYS_60, DAYS_90, CUSTOM'],
      ['no expiration', {}, 'expiration is required'],
    ];
    for (const [what, body, message] of badDates) {
      it(`refuses ${what} with 400 and appends nothing`, async () => {
        const before = await t.store.headPosition();
        const res = await as(alice).create({ name: `bad-${what}`, ...body });
        expect(res.status).to.equal(400);
        expect(res.headers['content-type']).to.equal(JSON_UTF8);
        expect(res.body.error).to.equal('invalid_request');
        expect(res.body.error_description).to.include(message);
        expect(await t.store.headPosition()).to.equal(before);
      });
    }

    const badNames: Array<[string, object]> = [
      ['no name', { expiration: 'NEVER' }],
      ['a blank name', { name: '   ', expiration: 'NEVER' }],
      ['a name with a control character', { name: 'a\u0007b', expiration: 'NEVER' }],
      ['a too long name', { name: 'x'.repeat(101), expiration: 'NEVER' }],
      ['an unknown field', { name: 'ok', expiration: 'NEVER', scopes: ['admin'] }],
    ];
    for (const [what, body] of badNames) {
      it(`refuses ${what} with 400`, async () => {
        const res = await as(alice).create(body);
        expect(res.status).to.equal(400);
        expect(res.body.error).to.equal('invalid_request');
      });
    }

    it('names are unique per user: a duplicate (any case) gets 409; another user may use the name', async () => {
      await create(alice, { name: 'deploy', expiration: 'DAYS_7' });
      const before = await t.store.headPosition();
      for (const name of ['deploy', 'DEPLOY', ' deploy ']) {
        const dup = await as(alice).create({ name, expiration: 'NEVER' });
        expect(dup.status).to.equal(409);
        expect(dup.body).to.deep.equal({ error: 'duplicate_name', error_description: 'A token named "deploy" already exists' });
      }
      expect(await t.store.headPosition()).to.equal(before);
      await create(admin, { name: 'deploy', expiration: 'DAYS_7' });
    });

    it('a revoked token frees its name', async () => {
      const first = await create(alice, { name: 'rotate-me', expiration: 'DAYS_7' });
      expect((await as(alice).revoke(first.id)).status).to.equal(204);
      await create(alice, { name: 'rotate-me', expiration: 'DAYS_7' });
    });

    it('a personal token cannot create another personal token', async () => {
      const pat = await create(alice, { name: 'no-minting', expiration: 'DAYS_7' });
      const res = await as(pat.token).create({ name: 'child', expiration: 'NEVER' });
      expect(res.status).to.equal(403);
    });
  });

  describe('list', () => {
    it("lists the caller's tokens with id, name, dates, lastUsedAt and status, never the value", async () => {
      const created = await create(alice, { name: 'listed', expiration: 'DAYS_60' });
      const res = await as(alice).list();
      expect(res.status).to.equal(200);
      expect(res.headers['content-type']).to.equal(JSON_UTF8);
      const row = (res.body as Array<Record<string, unknown>>).find((r) => r.id === created.id);
      expect(row).to.deep.equal({
        id: created.id,
        name: 'listed',
        createdAt: created.createdAt,
        expiresAt: created.expiresAt,
        lastUsedAt: null,
        status: 'active',
      });
      expect(res.text).not.to.include(created.token);
      expect(res.text).not.to.include(sha256Hex(created.token));
      for (const r of res.body) expect(r).to.have.all.keys('id', 'name', 'createdAt', 'expiresAt', 'lastUsedAt', 'status');
    });

    it("shows only the caller's own tokens", async () => {
      const mine = await create(admin, { name: 'admin-only', expiration: 'DAYS_7' });
      const res = await as(alice).list();
      expect((res.body as Array<{ id: string }>).map((r) => r.id)).not.to.include(mine.id);
    });
  });

  describe('use as a bearer token', () => {
    it('works on /apiops/... in place of a password', async () => {
      const pat = await create(alice, { name: 'api-use', expiration: 'DAYS_7' });
      const res = await as(pat.token).profile();
      expect(res.status).to.equal(200);
      expect(res.body.username).to.equal('alice');
    });

    it("works on the native admin endpoints within the owner's roles", async () => {
      const adminPat = await create(admin, { name: 'admin-automation', expiration: 'DAYS_7' });
      const ok = await t.http
        .post('/admin/users')
        .set('Authorization', `Bearer ${adminPat.token}`)
        .send({ username: 'made-by-pat', password: 'made-by-pat-pw', roles: ['user'] });
      expect(ok.status).to.equal(201);
      expect((await t.store.readStream('user-made-by-pat'))[0]!.metadata.actor).to.equal('user:admin');
      const alicePat = await create(alice, { name: 'alice-tries-admin', expiration: 'DAYS_7' });
      const refused = await t.http
        .post('/admin/users')
        .set('Authorization', `Bearer ${alicePat.token}`)
        .send({ username: 'not-allowed', password: 'not-allowed-pw', roles: ['admin'] });
      expect(refused.status).to.equal(403);
      const introspected = await t.http.post('/oauth2/introspect').set('Authorization', `Bearer ${alicePat.token}`).type('form').send({ token: 'x' });
      expect(introspected.status).to.equal(403);
    });

    it('is active in /oauth2/introspect, until revoked', async () => {
      const pat = await create(alice, { name: 'introspected', expiration: 'DAYS_7' });
      const info = (await introspect(pat.token)).body;
      expect(info).to.include({ active: true, sub: 'alice', token_type: 'personal_token', jti: pat.id, username: 'alice', token_name: 'introspected' });
      expect(info.exp).to.equal(Math.floor(Date.parse(pat.expiresAt!) / 1000));
      expect((await as(alice).revoke(pat.id)).status).to.equal(204);
      expect((await introspect(pat.token)).body).to.deep.equal({ active: false });
    });

    it('can be revoked by its holder through /oauth2/revoke (RFC 7009), recorded as PersonalTokenRevoked', async () => {
      const pat = await create(alice, { name: 'holder-revokes', expiration: 'NEVER' });
      const res = await t.http.post('/oauth2/revoke').type('form').send({ token: pat.token });
      expect(res.status).to.equal(200);
      expect((await as(pat.token).profile()).status).to.equal(401);
      const event = (await t.store.readStream('pat-alice')).at(-1)!;
      expect(event.type).to.equal('PersonalTokenRevoked');
      expect(event.data).to.include({ credentialId: pat.id, reason: 'revoked_by_holder', expiresAt: null });
    });
  });

  describe('revoke', () => {
    it('DELETE answers 204; the token then gets 401, and the list shows it revoked', async () => {
      const pat = await create(alice, { name: 'to-revoke', expiration: 'DAYS_90' });
      expect((await as(pat.token).profile()).status).to.equal(200);
      const res = await as(alice).revoke(pat.id);
      expect(res.status).to.equal(204);
      expect(res.text).to.equal('');
      const refused = await as(pat.token).profile();
      expect(refused.status).to.equal(401);
      expect(refused.body.error).to.equal('invalid_token');
      const row = ((await as(alice).list()).body as Array<{ id: string; status: string }>).find((r) => r.id === pat.id);
      expect(row!.status).to.equal('revoked');
    });

    it('is idempotent: a second DELETE is 204 and appends nothing', async () => {
      const pat = await create(alice, { name: 'twice', expiration: 'DAYS_7' });
      await as(alice).revoke(pat.id);
      const before = await t.store.headPosition();
      expect((await as(alice).revoke(pat.id)).status).to.equal(204);
      expect(await t.store.headPosition()).to.equal(before);
    });

    it("404 for an unknown id, a malformed id, or someone else's token (which keeps working)", async () => {
      const adminPat = await create(admin, { name: 'not-yours', expiration: 'DAYS_7' });
      for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid', adminPat.id]) {
        const res = await as(alice).revoke(id);
        expect(res.status).to.equal(404);
        expect(res.body).to.deep.equal({ error: 'not_found', error_description: 'Unknown personal token' });
      }
      expect((await as(adminPat.token).profile()).status).to.equal(200);
    });
  });

  describe('expiry', () => {
    it('an expired token gets 401 and is listed as expired', async () => {
      const pat = await create(alice, { name: 'short-lived', expiration: 'CUSTOM', expirationDate: new Date(clock.now().getTime() + 60_000).toISOString() });
      expect((await as(pat.token).profile()).status).to.equal(200);
      clock.advance(60_000);
      try {
        expect((await as(pat.token).profile()).status).to.equal(401);
        expect((await introspect(pat.token)).body).to.deep.equal({ active: false });
        alice = await t.token('alice', 'alice-password-1');
        admin = await t.token();
        const row = ((await as(alice).list()).body as Array<{ id: string; status: string }>).find((r) => r.id === pat.id);
        expect(row!.status).to.equal('expired');
      } finally {
        clock.advance(-60_000);
      }
    });
  });

  describe('last use', () => {
    it('is kept in memory and written to the read model in batches: no write per request, no ledger event', async () => {
      const pat = await create(alice, { name: 'last-used', expiration: 'DAYS_7' });
      const tracker = lastUseTrackerOf(t.service.deps)!;
      tracker.flush();
      const before = await t.store.headPosition();
      clock.advance(5_000);
      for (let i = 0; i < 3; i++) expect((await as(pat.token).profile()).status).to.equal(200);
      const usedAt = clock.now().toISOString();
      const lastUsed = async () => ((await as(alice).list()).body as Array<{ id: string; lastUsedAt: string | null }>).find((r) => r.id === pat.id)!.lastUsedAt;
      expect(await lastUsed()).to.equal(null);
      expect(tracker.flush()).to.equal(1);
      expect(await lastUsed()).to.equal(usedAt);
      expect(await t.store.headPosition()).to.equal(before);
      clock.advance(-5_000);
    });

    it('the last-use table is not a projection table, so replaying the ledger reproduces the read models', async () => {
      const { allProjections } = await import('../../projections/index.js');
      const tables = allProjections.flatMap((p) => p.tables);
      expect(tables).to.include('personal_tokens');
      expect(tables).not.to.include('personal_token_last_use');
    });
  });
});
