import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { ManualClock, remember, startTestService, type TestService } from '../support/service.js';

const DAY = 86_400_000;

/**
 * Security cases of the Token Service IAM routes: no token, a malformed header, a wrong token, an
 * expired one, a revoked one, and callers who are authenticated but not owners. Every refusal comes
 * in the IAM envelope, echoes the caller's txnId, and appends nothing.
 */
describe('Token Service IAM security', () => {
  let t: TestService;
  let clock: ManualClock;

  before(async () => {
    clock = new ManualClock(new Date('2026-04-01T00:00:00.000Z'));
    t = await startTestService({ clock });
    await t.userWithRoles('owner', ['user']);
    await t.userWithRoles('stranger', ['user']);
    const res = await t.http.post('/admin/entities').set('Authorization', `Bearer ${await t.token()}`).send({ entityId: 'sec-1', name: 'Sec', owners: ['owner'] });
    expect(res.status).to.equal(201);
  });
  after(() => t.close());

  const eventCount = () => t.eventCount();
  const userToken = async (username: string) => {
    const res = await t.http.post('/user/token/generate').send({ username, password: `${username}-password-1` });
    expect(res.status).to.equal(200);
    remember(res.body.accessToken);
    return res.body.accessToken as string;
  };
  const readSecret = async () => {
    const res = await t.http
      .post('/entity/secret/read')
      .set('Authorization', `Bearer ${await userToken('owner')}`)
      .send({ ver: '1.0.0', timestamp: clock.now().toISOString(), txnId: randomUUID(), entityId: 'sec-1' });
    expect(res.status).to.equal(200);
    remember(res.body.secret);
    return res.body.secret as string;
  };
  const entityToken = async () => {
    const res = await t.http.post('/entity/token/generate').send({ id: 'sec-1', secret: await readSecret() });
    expect(res.status).to.equal(200);
    remember(res.body.accessToken);
    return res.body.accessToken as string;
  };

  /** Calls an owner-only route with `authorization` (or none) and checks the refusal. */
  async function expectRefused(path: string, authorization: string | undefined, status: number, errorCode: string, errorMsg?: string) {
    const txnId = randomUUID();
    const before = await eventCount();
    const req = t.http.post(path);
    if (authorization !== undefined) req.set('Authorization', authorization);
    // Unauthenticated callers send an invalid body too: they must learn nothing about body rules.
    const days = status === 401 ? 'x' : 30;
    const res = await req.send({ ver: '1.0.0', timestamp: clock.now().toISOString(), txnId, entityId: 'sec-1', secretExpiryDays: days });
    expect(res.status, `${path}: ${JSON.stringify(res.body)}`).to.equal(status);
    expect(res.body).to.include({ ver: '1.0.0', txnId, errorCode });
    if (errorMsg) expect(res.body.errorMsg).to.equal(errorMsg);
    if (status === 401) expect(res.headers['www-authenticate']).to.equal('Bearer');
    expect(await eventCount()).to.equal(before);
  }

  for (const path of ['/entity/secret/read', '/entity/secret/reset', '/iam/v1/entity/secret/read', '/iam/v1/entity/secret/reset']) {
    describe(`POST ${path}`, () => {
      it('no token: 401', () => expectRefused(path, undefined, 401, 'Unauthorized', 'Missing bearer token'));

      it('a malformed Authorization header: 401', async () => {
        await expectRefused(path, 'Basic b3duZXI6cHc=', 401, 'Unauthorized', 'Malformed Authorization header');
        await expectRefused(path, 'Bearer', 401, 'Unauthorized', 'Malformed Authorization header');
      });

      it('a wrong token (garbage, forged signature, an entity secret): 401', async () => {
        const msg = 'The access token is invalid, expired or revoked';
        await expectRefused(path, 'Bearer not-a-token', 401, 'Unauthorized', msg);
        const genuine = await userToken('owner');
        const forged = genuine.slice(0, -4) + (genuine.endsWith('AAAA') ? 'BBBB' : 'AAAA');
        await expectRefused(path, `Bearer ${forged}`, 401, 'Unauthorized', msg);
        await expectRefused(path, `Bearer ${await readSecret()}`, 401, 'Unauthorized', msg);
      });

      it('an expired user token: 401', async () => {
        const token = await userToken('owner');
        clock.advance(DAY);
        await expectRefused(path, `Bearer ${token}`, 401, 'Unauthorized');
      });

      it('a revoked user token: 401', async () => {
        const token = await userToken('owner');
        expect((await t.http.post('/oauth2/revoke').type('form').send({ token })).status).to.equal(200);
        await expectRefused(path, `Bearer ${token}`, 401, 'Unauthorized');
      });

      it('a user who does not own the entity, even an admin: 403', async () => {
        await expectRefused(path, `Bearer ${await userToken('stranger')}`, 403, 'Forbidden', 'The user is not an owner of this entity');
        await expectRefused(path, `Bearer ${await t.token()}`, 403, 'Forbidden');
      });

      it("the entity's own token is not an owner: 403", () =>
        entityToken().then((token) => expectRefused(path, `Bearer ${token}`, 403, 'Forbidden')));
    });
  }

  describe('POST /entity/token/generate', () => {
    it('a user token, an entity token or a password is not a secret; nothing appended', async () => {
      const wrong = [await userToken('owner'), await entityToken(), 'owner-password-1'];
      const before = await eventCount();
      for (const secret of wrong) {
        const res = await t.http.post('/entity/token/generate').type('form').send({ id: 'sec-1', secret });
        expect(res.status).to.equal(401);
        expect(res.body).to.include({ errorCode: 'Unauthorized', errorMsg: 'Invalid entity id/secret or secret is expired' });
      }
      expect(await eventCount()).to.equal(before);
    });

    it('a revoked entity token no longer introspects active', async () => {
      const token = await entityToken();
      await t.http.post('/oauth2/revoke').type('form').send({ token });
      const info = await t.http.post('/oauth2/introspect').set('Authorization', `Bearer ${await t.token()}`).type('form').send({ token });
      expect(info.body).to.deep.equal({ active: false });
    });
  });

  describe('POST /admin/entities', () => {
    const body = { entityId: 'sec-2', name: 'x', owners: ['owner'] };
    it('no token: 401; a user without the admin role: 403; nothing appended', async () => {
      const before = await eventCount();
      expect((await t.http.post('/admin/entities').send(body)).status).to.equal(401);
      const res = await t.http.post('/admin/entities').set('Authorization', `Bearer ${await userToken('owner')}`).send(body);
      expect(res.status).to.equal(403);
      expect(res.body.error).to.equal('insufficient_scope');
      expect(await eventCount()).to.equal(before + 1); // only the user token just issued
    });

    it('an expired or revoked admin token: 401', async () => {
      const expired = await t.token();
      clock.advance(901_000);
      expect((await t.http.post('/admin/entities').set('Authorization', `Bearer ${expired}`).send(body)).status).to.equal(401);
      const revoked = await t.token();
      await t.http.post('/oauth2/revoke').type('form').send({ token: revoked });
      expect((await t.http.post('/admin/entities').set('Authorization', `Bearer ${revoked}`).send(body)).status).to.equal(401);
    });
  });
});
