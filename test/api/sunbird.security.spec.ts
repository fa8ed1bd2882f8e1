import { expect } from 'chai';
import { loadSchemas } from '../../src/http/schemas.js';
import { ManualClock, remember, startTestService, type TestService } from '../support/service.js';

const schemas = loadSchemas();
const INVALID = 'The access token is invalid, expired or revoked';

/**
 * Security cases of the Sunbird register routes: no token, a malformed header, a wrong token (garbage,
 * a forged signature, a consumer token, a refresh token), an expired and a revoked token, and callers
 * without the right (403). Refusals answer `{"message": …}` like the gateway, reveal nothing about
 * the body rules, and append nothing.
 */
describe('Sunbird API manager security', () => {
  let t: TestService;
  let clock: ManualClock;

  before(async () => {
    clock = new ManualClock(new Date('2026-05-01T00:00:00.000Z'));
    t = await startTestService({ clock, env: { LEDGER_SUNBIRD_CONSUMER_TYPES: 'mobile_device', LEDGER_SUNBIRD_KEYS_PER_GROUP: '1' } });
  });
  after(() => t.close());

  const admin = () => t.token();
  const clientToken = async (scopes: string[]) => {
    const created = await t.http.post('/admin/clients').set('Authorization', `Bearer ${await admin()}`).send({ name: `app-${scopes.join('-')}`, scopes });
    expect(created.status).to.equal(201);
    remember(created.body.client_secret);
    const res = await t.http
      .post('/oauth2/token')
      .type('form')
      .send({ grant_type: 'client_credentials', client_id: created.body.client_id, client_secret: created.body.client_secret });
    expect(res.status).to.equal(200);
    remember(res.body.access_token);
    return res.body.access_token as string;
  };
  const consumerToken = async (version: 'v1' | 'v2') => {
    const res = await t.http
      .post(`/api-manager/${version}/consumer/mobile_device/credential/register`)
      .set('Authorization', `Bearer ${await admin()}`)
      .send({ request: { key: `sec-${version}` } });
    expect(res.status).to.equal(200);
    remember(res.body.result.token, res.body.result.secret);
    return res.body.result.token as string;
  };

  const paths = [
    '/api-manager/v1/consumer/mobile_device/credential/register',
    '/api-manager/v2/consumer/mobile_device/credential/register',
    '/api/api-manager/v1/consumer/mobile_device/credential/register',
    '/api//api-manager/v2/consumer/mobile_device/credential/register',
  ];

  /** Calls `path` with `authorization` (or none) and an invalid body, and checks the refusal. */
  async function expectRefused(path: string, authorization: string | undefined, status: 401 | 403, message?: string) {
    const before = await t.store.headPosition();
    const req = t.http.post(path);
    if (authorization !== undefined) req.set('Authorization', authorization);
    // A key with a space, sent as an unsupported media type: neither rule may show before authorisation.
    const res = await req.set('Content-Type', 'text/plain').send('{"request":{"key":"a b"}}');
    expect(res.status, `${path}: ${JSON.stringify(res.body)}`).to.equal(status);
    schemas.validate('responses/sunbird-error', res.body);
    expect(res.body).to.have.all.keys('message');
    if (message) expect(res.body.message).to.equal(message);
    if (status === 401) expect(res.headers['www-authenticate']).to.match(/^Bearer/);
    expect(await t.store.headPosition()).to.equal(before);
  }

  for (const path of paths) {
    describe(`POST ${path}`, () => {
      it('no token: 401', () => expectRefused(path, undefined, 401, 'Missing bearer token'));

      it('a malformed Authorization header: 401', async () => {
        for (const header of ['Basic YWRtaW46eA==', 'Bearer', 'text']) await expectRefused(path, header, 401, 'Malformed Authorization header');
      });

      it('a wrong token (garbage, forged signature, a consumer token, a refresh token): 401', async () => {
        const genuine = await admin();
        const forged = genuine.slice(0, -4) + (genuine.endsWith('AAAA') ? 'BBBB' : 'AAAA');
        const login = await t.http.post('/oauth2/token').type('form').send({ grant_type: 'password', username: 'admin', password: 'admin-password-1' });
        remember(login.body.refresh_token);
        for (const token of ['not-a-token', forged, await consumerToken('v1'), await consumerToken('v2'), login.body.refresh_token]) {
          await expectRefused(path, `Bearer ${token}`, 401, INVALID);
        }
      });

      it('an expired token: 401', async () => {
        const token = await admin();
        clock.advance(16 * 60_000);
        await expectRefused(path, `Bearer ${token}`, 401, INVALID);
      });

      it('a revoked token: 401', async () => {
        const token = await admin();
        expect((await t.http.post('/oauth2/revoke').type('form').send({ token })).status).to.equal(200);
        await expectRefused(path, `Bearer ${token}`, 401, INVALID);
      });

      it('the wrong role: a user without admin, a client without consumer:register: 403', async () => {
        const user = await t.userWithRoles(`user-${paths.indexOf(path)}`, ['user']);
        await expectRefused(path, `Bearer ${user}`, 403);
        await expectRefused(path, `Bearer ${await clientToken(['profile:read'])}`, 403);
      });

      it('the right: an administrator, or a client with consumer:register', async () => {
        for (const token of [await admin(), await clientToken(['consumer:register'])]) {
          const res = await t.http.post(path).set('Authorization', `Bearer ${token}`).send({ request: { key: 'allowed' } });
          expect(res.status, JSON.stringify(res.body)).to.equal(200);
          remember(res.body.result.token, res.body.result.secret);
        }
      });
    });
  }

  describe('POST /auth/v1/refresh/token', () => {
    it('needs no bearer token (the refresh token is the proof) but refuses anything that is not a live refresh token', async () => {
      const login = await t.http.post('/oauth2/token').type('form').send({ grant_type: 'password', username: 'admin', password: 'admin-password-1' });
      remember(login.body.access_token, login.body.refresh_token);
      for (const wrong of [login.body.access_token, await consumerToken('v1'), await consumerToken('v2')]) {
        const res = await t.http.post('/auth/v1/refresh/token').type('form').send({ refresh_token: wrong });
        expect(res.status).to.equal(400);
        expect(res.body.params).to.include({ err: 'invalid_grant', errmsg: 'invalid_grant' });
      }
      const ok = await t.http.post('/auth/v1/refresh/token').type('form').send({ refresh_token: login.body.refresh_token });
      expect(ok.status).to.equal(200);
      remember(ok.body.result.access_token, ok.body.result.refresh_token);
    });
  });
});
