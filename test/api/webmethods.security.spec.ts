import { expect } from 'chai';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import { ManualClock, remember, startTestService, type TestService } from '../support/service.js';
import { apiKeyBody, bearer, portal } from '../support/webmethods.js';

/**
 * Every route of the webMethods family (and the admin route that registers providers), checked with
 * no credential, a malformed or wrong one, an expired or revoked one, a published API key used as a
 * bearer token, and the wrong role. Nothing is appended on any of them.
 */
describe('webMethods API Portal: security', () => {
  let t: TestService;
  let clock: ManualClock;
  let p: ReturnType<typeof portal>;
  let appId: string;
  let eventId: string;
  let uuid: string;
  let apiKey: string;

  before(async () => {
    clock = new ManualClock(new Date('2026-06-01T08:00:00.000Z'));
    t = await startTestService({ clock });
    p = portal(t);
    await p.user('gatekeeper', ['provider']);
    await p.user('erin', ['user']);
    const providerId = (await p.provider('Gate', 'gatekeeper', 'pull')).providerId;
    const erin = await p.login('erin');
    appId = await p.application(erin);
    eventId = await p.request(erin, appId, { eventType: 'REQUEST_ACCESS_TOKEN', providerId });
    const provider = await p.login('gatekeeper');
    await p.acknowledge(provider, [{ eventId, eventStatus: 'INPROGRESS' }]);
    apiKey = `sec-${randomBytes(18).toString('hex')}`;
    remember(apiKey);
    uuid = (await p.publish(provider, eventId, apiKeyBody(apiKey))).body.accesstokenuuid;
  });
  after(() => t.close());

  type Call = (auth?: string) => Promise<Response>;
  const withAuth = <R extends { set(k: string, v: string): R }>(req: R, auth?: string): R => (auth === undefined ? req : req.set('Authorization', auth));
  const routes: Array<{ name: string; role: 'provider' | 'user' | 'admin'; call: Call }> = [
    { name: 'GET /abs/apirepository/v1/events', role: 'provider', call: (a) => withAuth(t.http.get('/abs/apirepository/v1/events?eventStatus=NEW'), a) },
    { name: 'POST /abs/apirepository/v1/events', role: 'provider', call: (a) => withAuth(t.http.post('/abs/apirepository/v1/events'), a).send([{ eventId, eventStatus: 'REJECTED' }]) },
    { name: 'POST /abs/apirepository/v1/accesstokens', role: 'provider', call: (a) => withAuth(t.http.post(`/abs/apirepository/v1/accesstokens?eventId=${eventId}`), a).send(apiKeyBody('x'.repeat(24))) },
    { name: 'PUT /abs/apirepository/v1/accesstokens/:uuid', role: 'provider', call: (a) => withAuth(t.http.put(`/abs/apirepository/v1/accesstokens/${uuid}?eventId=${eventId}`), a).send(apiKeyBody('y'.repeat(24))) },
    { name: 'DELETE /abs/apirepository/v1/accesstokens/:uuid', role: 'provider', call: (a) => withAuth(t.http.delete(`/abs/apirepository/v1/accesstokens/${uuid}?eventId=${eventId}`), a) },
    { name: 'POST /portal/applications', role: 'user', call: (a) => withAuth(t.http.post('/portal/applications'), a).send({ name: 'mallory-app' }) },
    { name: 'POST /portal/applications/:appId/access-requests', role: 'user', call: (a) => withAuth(t.http.post(`/portal/applications/${appId}/access-requests`), a).send({ eventType: 'REQUEST_ACCESS_TOKEN', providerId: randomUUID() }) },
    { name: 'GET /portal/applications/:appId/access-requests/:eventId', role: 'user', call: (a) => withAuth(t.http.get(`/portal/applications/${appId}/access-requests/${eventId}`), a) },
    { name: 'GET /portal/applications/:appId/access-requests/:eventId/credential', role: 'user', call: (a) => withAuth(t.http.get(`/portal/applications/${appId}/access-requests/${eventId}/credential`), a) },
    { name: 'POST /admin/providers', role: 'admin', call: (a) => withAuth(t.http.post('/admin/providers'), a).send({ name: 'evil', username: 'gatekeeper', mode: 'pull' }) },
    { name: 'GET /admin/providers', role: 'admin', call: (a) => withAuth(t.http.get('/admin/providers'), a) },
  ];

  /** The webMethods envelope on its routes, the native one on /admin. */
  const expectError = (res: Response, status: number, native: boolean) => {
    expect(res.status, JSON.stringify(res.body)).to.equal(status);
    if (status === 401) expect(res.headers['www-authenticate']).to.match(/^Bearer error=/);
    if (native) expect(res.body.error).to.be.a('string');
    else {
      expect(res.body.status).to.equal('FAILURE');
      expect(res.body.message).to.be.a('string');
    }
    expect(JSON.stringify(res.body)).to.not.include(apiKey);
  };
  const tokenFor = (role: string) => (role === 'provider' ? p.login('gatekeeper') : role === 'user' ? p.login('erin') : t.token());
  const wrongRole = (role: string) => (role === 'provider' ? p.login('erin') : role === 'user' ? p.login('gatekeeper') : p.login('erin'));

  for (const route of routes) {
    const native = route.role === 'admin';
    describe(route.name, () => {
      /** The call, checked to append nothing. */
      const call = async (auth?: string): Promise<Response> => {
        const before = await t.store.headPosition();
        const res = await route.call(auth);
        expect(await t.store.headPosition(), 'nothing appended').to.equal(before);
        return res;
      };

      it('no credential: 401', async () => expectError(await call(), 401, native));

      it('malformed Authorization header: 401', async () => {
        expectError(await call('Bearer'), 401, native);
        expectError(await call(`Basic ${Buffer.from('gatekeeper:gatekeeper-password-1').toString('base64')}`), 401, native);
      });

      it('wrong tokens, including a published API key: 401', async () => {
        const real = await tokenFor(route.role);
        const tampered = real.slice(0, -2) + (real.endsWith('AA') ? 'BB' : 'AA');
        for (const token of ['garbage', tampered, 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJnYXRla2VlcGVyIn0.', apiKey]) {
          expectError(await call(`Bearer ${token}`), 401, native);
        }
      });

      it('an expired token: 401', async () => {
        const token = await tokenFor(route.role);
        clock.advance(901_000);
        expectError(await call(`Bearer ${token}`), 401, native);
      });

      it('a revoked token: 401', async () => {
        const token = await tokenFor(route.role);
        expect((await t.http.post('/oauth2/revoke').type('form').send({ token })).status).to.equal(200);
        expectError(await call(`Bearer ${token}`), 401, native);
      });

      it('the wrong role: 403', async () => {
        const res = await call(`Bearer ${await wrongRole(route.role)}`);
        expectError(res, 403, native);
        if (!native) expect(res.body.message).to.equal(`Requires one of: ${route.role}`);
      });
    });
  }

  describe('afterwards', () => {
    it('the published API key is still active and the event untouched after all of that', async () => {
      expect((await p.introspect(apiKey)).active).to.equal(true);
      const view = await p.view(await p.login('erin'), appId, eventId);
      expect(view.body).to.include({ eventStatus: 'COMPLETED', accesstokenuuid: uuid });
    });

    it("a provider cannot read a consumer's portal, nor a consumer another's application", async () => {
      await p.user('frank', ['user']);
      const frank = await p.login('frank');
      expect((await p.view(frank, appId, eventId)).status).to.equal(404);
      const res = await t.http.post(`/portal/applications/${appId}/access-requests`).set(bearer(frank)).send({ eventType: 'REQUEST_ACCESS_TOKEN', providerId: randomUUID() });
      expect(res.status).to.equal(404);
      expect(res.body).to.deep.equal({ status: 'FAILURE', message: 'Unknown application' });
    });
  });
});
