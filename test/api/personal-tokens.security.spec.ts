import { expect } from 'chai';
import { mintToken } from '../../src/crypto/secrets.js';
import { ManualClock, remember, startTestService, type TestService } from '../support/service.js';

/**
 * Every route of the Apinizer family that needs a bearer token, checked with no credential, a malformed
 * or wrong one, an expired or revoked one, and the wrong kind of principal.
 */
describe('Apinizer personal tokens and profile: security', () => {
  let t: TestService;
  let clock: ManualClock;
  let alice: string;
  let pat: { id: string; token: string };

  before(async () => {
    clock = new ManualClock(new Date('2026-05-01T08:00:00.000Z'));
    t = await startTestService({ clock });
    alice = await t.userWithRoles('alice', ['user']);
    const res = await t.http.post('/apiops/profile/tokens').set('Authorization', `Bearer ${alice}`).send({ name: 'probe', expiration: 'DAYS_7' });
    expect(res.status).to.equal(201);
    remember(res.body.token);
    pat = res.body;
  });
  after(() => t.close());

  const routes: Array<{ name: string; call: (auth?: string) => ReturnType<TestService['http']['get']> }> = [
    { name: 'POST /apiops/profile/tokens', call: (auth) => withAuth(t.http.post('/apiops/profile/tokens'), auth).send({ name: `n-${Math.random()}`, expiration: 'NEVER' }) },
    { name: 'GET /apiops/profile/tokens', call: (auth) => withAuth(t.http.get('/apiops/profile/tokens'), auth) },
    { name: 'DELETE /apiops/profile/tokens/:id', call: (auth) => withAuth(t.http.delete(`/apiops/profile/tokens/${pat.id}`), auth) },
    { name: 'GET /apiops/profile', call: (auth) => withAuth(t.http.get('/apiops/profile'), auth) },
    { name: 'PUT /apiops/profile', call: (auth) => withAuth(t.http.put('/apiops/profile'), auth).send({ fullName: 'Mallory' }) },
  ];
  function withAuth<R extends { set(k: string, v: string): R }>(req: R, auth?: string): R {
    return auth === undefined ? req : req.set('Authorization', auth);
  }

  const expect401 = async (res: Awaited<ReturnType<(typeof routes)[0]['call']>>, error: string) => {
    expect(res.status).to.equal(401);
    expect(res.headers['content-type']).to.equal('application/json;charset=UTF-8');
    expect(res.headers['www-authenticate']).to.match(/^Bearer error=/);
    expect(res.body.error).to.equal(error);
    expect(res.body.error_description).to.be.a('string');
  };

  const unchanged = async () => {
    const profile = await t.http.get('/apiops/profile').set('Authorization', `Bearer ${await t.token('alice', 'alice-password-1')}`);
    expect(profile.body.fullName).to.equal(null);
    expect((await t.http.get('/apiops/profile').set('Authorization', `Bearer ${pat.token}`)).status).to.equal(200);
  };

  for (const route of routes) {
    describe(route.name, () => {
      it('no credential: 401', async () => expect401(await route.call(), 'invalid_request'));

      it('malformed Authorization header: 401', async () => {
        await expect401(await route.call('Bearer'), 'invalid_request');
        await expect401(await route.call(`Basic ${Buffer.from('alice:alice-password-1').toString('base64')}`), 'invalid_request');
      });

      it('wrong tokens: 401', async () => {
        const tampered = pat.token.slice(0, -1) + (pat.token.endsWith('A') ? 'B' : 'A');
        const forged = mintToken('tlp', pat.id); // right id and checksum, wrong secret part
        const unknown = mintToken('tlp', '00000000-0000-4000-8000-000000000000');
        for (const token of ['garbage', tampered, forged, unknown, `${pat.token}x`, 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.']) {
          await expect401(await route.call(`Bearer ${token}`), 'invalid_token');
        }
      });

      it('expired tokens: 401 (a sign-in token after its 15 minutes, a personal token after its date)', async () => {
        const session = await t.token('alice', 'alice-password-1');
        const created = await t.http
          .post('/apiops/profile/tokens')
          .set('Authorization', `Bearer ${session}`)
          .send({ name: `expiring-${Math.random()}`, expiration: 'CUSTOM', expirationDate: new Date(clock.now().getTime() + 3600_000).toISOString() });
        remember(created.body.token);
        clock.advance(3600_000);
        try {
          await expect401(await route.call(`Bearer ${session}`), 'invalid_token');
          await expect401(await route.call(`Bearer ${created.body.token}`), 'invalid_token');
        } finally {
          clock.advance(-3600_000);
        }
      });

      it('revoked tokens: 401 (a revoked personal token, a revoked sign-in token)', async () => {
        const session = await t.token('alice', 'alice-password-1');
        const created = await t.http
          .post('/apiops/profile/tokens')
          .set('Authorization', `Bearer ${session}`)
          .send({ name: `revoked-${Math.random()}`, expiration: 'NEVER' });
        remember(created.body.token);
        expect((await t.http.delete(`/apiops/profile/tokens/${created.body.id}`).set('Authorization', `Bearer ${session}`)).status).to.equal(204);
        await expect401(await route.call(`Bearer ${created.body.token}`), 'invalid_token');
        await t.http.post('/oauth2/revoke').type('form').send({ token: session });
        await expect401(await route.call(`Bearer ${session}`), 'invalid_token');
      });

      it('the wrong kind of principal (an OAuth2 client, not a user): 403', async () => {
        const admin = await t.token();
        const client = await t.http.post('/admin/clients').set('Authorization', `Bearer ${admin}`).send({ name: `c-${Math.random()}`, scopes: ['apiops'] });
        remember(client.body.client_secret);
        const issued = await t.http
          .post('/oauth2/token')
          .type('form')
          .send({ grant_type: 'client_credentials', client_id: client.body.client_id, client_secret: client.body.client_secret });
        remember(issued.body.access_token);
        const res = await route.call(`Bearer ${issued.body.access_token}`);
        expect(res.status).to.equal(403);
        expect(res.body.error).to.equal('insufficient_scope');
      });

      it('none of the refused calls changed anything', unchanged);
    });
  }

  it('a token in the query string is not accepted', async () => {
    const res = await t.http.get(`/apiops/profile?access_token=${encodeURIComponent(pat.token)}`);
    expect(res.status).to.equal(401);
  });

  it('a personal token cannot reach another user’s tokens', async () => {
    const bob = await t.userWithRoles('bob', ['user']);
    const res = await t.http.delete(`/apiops/profile/tokens/${pat.id}`).set('Authorization', `Bearer ${bob}`);
    expect(res.status).to.equal(404);
    expect((await t.http.get('/apiops/profile').set('Authorization', `Bearer ${pat.token}`)).status).to.equal(200);
  });
});
