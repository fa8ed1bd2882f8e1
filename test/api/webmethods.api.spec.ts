import { expect } from 'chai';
import { randomBytes, randomUUID } from 'node:crypto';
import { accessWorkflowOf } from '../../src/access-requests/module.js';
import type { LifecycleMessage } from '../../src/bus/lifecycleBus.js';
import { ManualClock, remember, startTestService, type TestService } from '../support/service.js';
import { apiKeyBody, bearer, eventually, oauth2ApplicationBody, portal, PushProviderServer } from '../support/webmethods.js';

const secret = (label: string) => {
  const s = `${label}-${randomBytes(18).toString('hex')}`;
  remember(s);
  return s;
};
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('webMethods API Portal: the access-token request workflow', () => {
  let t: TestService;
  let p: ReturnType<typeof portal>;
  let push: PushProviderServer;
  const seen: LifecycleMessage[] = [];
  const revocations: LifecycleMessage[] = [];
  let pushProvider: string, pullProvider: string, otherProvider: string;
  let pushId: string, pullId: string, otherId: string;
  let alice: string;

  before(async () => {
    t = await startTestService({
      clock: new ManualClock(new Date()),
      env: { LEDGER_ACCESS_PUSH_RETRY_BASE_MS: '20', LEDGER_ACCESS_PUSH_MAX_ATTEMPTS: '6' },
    });
    p = portal(t);
    push = await new PushProviderServer().start();
    await t.service.deps.bus.subscribe(t.config.topics.accessEvents, 'test-spy', (m) => void seen.push(m));
    await t.service.deps.bus.subscribe(t.config.topics.revocations, 'test-spy', (m) => void revocations.push(m));
    pushProvider = await p.user('acme-push', ['provider']);
    pullProvider = await p.user('acme-pull', ['provider']);
    otherProvider = await p.user('other-pull', ['provider']);
    alice = await p.user('alice', ['user']);
    const registered = await p.provider('Acme push gateway', 'acme-push', 'push', push.url);
    pushId = registered.providerId;
    push.secret = registered.signingSecret!;
    pullId = (await p.provider('Acme pull gateway', 'acme-pull', 'pull')).providerId;
    otherId = (await p.provider('Other gateway', 'other-pull', 'pull')).providerId;
  });
  after(async () => {
    await t.close();
    await push.stop();
  });

  const inProgress = async (consumer: string, appId: string, eventType = 'REQUEST_ACCESS_TOKEN', accesstokenuuid?: string, providerId = pullId) => {
    const eventId = await p.request(consumer, appId, { eventType, providerId, ...(accesstokenuuid ? { accesstokenuuid } : {}) });
    const provider = providerId === pullId ? pullProvider : otherProvider;
    const ack = await p.acknowledge(provider, [{ eventId, eventStatus: 'INPROGRESS' }]);
    expect(ack.status, JSON.stringify(ack.body)).to.equal(200);
    return eventId;
  };
  const handOver = (consumer: string, appId: string, eventId: string) =>
    eventually(() => p.credential(consumer, appId, eventId), (r) => r.status !== 409, 'the credential hand-over');

  describe('admin registers providers', () => {
    it('a push provider gets its prefixed signing secret once; listings never show it', async () => {
      expect(push.secret).to.match(/^tlwh_[0-9a-f]{32}[0-9A-Za-z]{38}$/);
      const list = await t.http.get('/admin/providers').set(bearer(await t.token()));
      expect(list.status).to.equal(200);
      const mine = list.body.find((x: { providerId: string }) => x.providerId === pushId);
      expect(mine).to.include({ name: 'Acme push gateway', username: 'acme-push', mode: 'push', callbackUrl: push.url });
      expect(JSON.stringify(list.body)).to.not.include('signingSecret');
    });

    it('refuses a user without the role provider, a push provider without callbackUrl, a pull provider with one', async () => {
      const admin = bearer(await t.token());
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ name: 'x', username: 'alice', mode: 'pull' }, 'User alice does not have the role provider'],
        [{ name: 'x', username: 'nobody', mode: 'pull' }, 'Unknown user nobody'],
        [{ name: 'x', username: 'acme-pull', mode: 'push' }, 'callbackUrl is required for a push provider'],
        [{ name: 'x', username: 'acme-pull', mode: 'pull', callbackUrl: push.url }, 'callbackUrl is only for a push provider'],
        [{ name: 'x', username: 'acme-pull', mode: 'push', callbackUrl: 'ftp://x' }, 'callbackUrl must match pattern "^https?://"'],
      ];
      for (const [body, message] of cases) {
        const res = await t.http.post('/admin/providers').set(admin).send(body);
        expect(res.status, message).to.equal(400);
        expect(res.body).to.deep.equal({ error: 'invalid_request', error_description: message });
      }
    });
  });

  describe('push provider, API key (first body shape)', () => {
    it('request → signed push → INPROGRESS → publish → COMPLETED → credential handed over once → introspectable', async () => {
      const appId = await p.application(alice);
      const created = await t.http.post(`/portal/applications/${appId}/access-requests`).set(bearer(alice)).send({ eventType: 'REQUEST_ACCESS_TOKEN', providerId: pushId });
      expect(created.status).to.equal(201);
      expect(created.body).to.deep.equal({ eventId: created.body.eventId, eventStatus: 'NEW' });
      const eventId = created.body.eventId as string;

      const view = await eventually(() => p.view(alice, appId, eventId), (r) => r.body.eventStatus === 'INPROGRESS', 'INPROGRESS');
      const [delivery] = push.for(eventId);
      expect(delivery!.signatureValid).to.equal(true);
      expect(delivery!.headers['content-type']).to.equal('application/json');
      const pushed = JSON.parse(delivery!.body);
      expect(pushed).to.deep.equal({
        eventId,
        eventType: 'REQUEST_ACCESS_TOKEN',
        eventStatus: 'NEW',
        appId,
        userId: 'alice',
        providerId: pushId,
        createdAt: view.body.createdAt,
        updatedAt: view.body.createdAt,
      });

      const key = secret('apikey');
      const expiry = new Date(t.clock.now().getTime() + 90 * 86400_000).toISOString();
      const published = await p.publish(pushProvider, eventId, apiKeyBody(key, expiry));
      expect(published.status).to.equal(200);
      expect(published.body).to.deep.equal({ status: 'SUCCESS', message: 'Access token created successfully!', accesstokenuuid: published.body.accesstokenuuid });
      const uuid = published.body.accesstokenuuid as string;
      expect(uuid).to.match(UUID);

      const done = await p.view(alice, appId, eventId);
      expect(done.body).to.include({ eventStatus: 'COMPLETED', accesstokenuuid: uuid, credentialDelivered: false });

      const first = await handOver(alice, appId, eventId);
      expect(first.status).to.equal(200);
      expect(first.headers['cache-control']).to.equal('no-store');
      expect(first.body).to.deep.equal({
        eventId,
        accesstokenuuid: uuid,
        type: 'APIKey',
        accessTokenDetails: [{ key: 'apiKeyString', value: key }, { key: 'expiryDate', value: expiry }],
        expiresAt: expiry,
      });
      const second = await p.credential(alice, appId, eventId);
      expect(second.status).to.equal(410);
      expect(second.body).to.deep.equal({ status: 'FAILURE', message: 'The credential has already been handed over' });
      expect((await p.view(alice, appId, eventId)).body.credentialDelivered).to.equal(true);

      const info = await p.introspect(key);
      expect(info).to.include({ active: true, sub: 'alice', token_type: 'api_key', jti: uuid, accesstokenuuid: uuid, app_id: appId, provider_id: pushId });
      expect(info.exp).to.equal(Math.floor(Date.parse(expiry) / 1000));

      const types = (await t.store.readStream(`accessevent-${eventId}`)).map((e) => e.type);
      expect(types).to.deep.equal(['AccessTokenRequested', 'AccessEventAcknowledged', 'AccessTokenPublished', 'CredentialDelivered']);
      const ack = (await t.store.readStream(`accessevent-${eventId}`))[1]!;
      expect(ack.data).to.include({ via: 'push', providerId: pushId });
      expect(ack.metadata.actor).to.equal('system:access-workflow');
    });

    it('retries with backoff while the provider fails: 500, 500, 500, then 200', async () => {
      push.script = [500, 500, 500];
      const appId = await p.application(alice);
      const eventId = await p.request(alice, appId, { eventType: 'REQUEST_ACCESS_TOKEN', providerId: pushId });
      await eventually(() => p.view(alice, appId, eventId), (r) => r.body.eventStatus === 'INPROGRESS', 'INPROGRESS after retries');
      const deliveries = push.for(eventId);
      expect(deliveries.map((d) => d.answered)).to.deep.equal([500, 500, 500, 200]);
      expect(deliveries.map((d) => d.headers['x-tokenledger-delivery-attempt'])).to.deep.equal(['1', '2', '3', '4']);
      expect(deliveries.every((d) => d.signatureValid)).to.equal(true);
      expect(new Set(deliveries.map((d) => d.body)).size).to.equal(1);
      const types = (await t.store.readStream(`accessevent-${eventId}`)).map((e) => e.type);
      expect(types).to.deep.equal(['AccessTokenRequested', 'AccessEventAcknowledged']);
    });

    it('after the last attempt fails, the next sweep delivers again', async () => {
      push.script = [500, 500, 500, 500, 500, 500];
      const appId = await p.application(alice);
      const eventId = await p.request(alice, appId, { eventType: 'REQUEST_ACCESS_TOKEN', providerId: pushId });
      const workflow = accessWorkflowOf(t.service.deps)!;
      await eventually(() => push.for(eventId).length, (n) => n === 6, 'six failed attempts');
      expect((await p.view(alice, appId, eventId)).body.eventStatus).to.equal('NEW');
      await eventually(() => workflow.sweep(), (r) => r.redispatched === 1, 'the sweep to deliver again');
      await eventually(() => p.view(alice, appId, eventId), (r) => r.body.eventStatus === 'INPROGRESS', 'INPROGRESS');
      expect(push.for(eventId).map((d) => d.answered)).to.deep.equal([500, 500, 500, 500, 500, 500, 200]);
    });

    it('a redelivered AccessTokenRequested message does not push again', async () => {
      const appId = await p.application(alice);
      const eventId = await p.request(alice, appId, { eventType: 'REQUEST_ACCESS_TOKEN', providerId: pushId });
      await eventually(() => p.view(alice, appId, eventId), (r) => r.body.eventStatus === 'INPROGRESS', 'INPROGRESS');
      const message = seen.find((m) => m.data.eventId === eventId && m.type === 'io.tokenledger.access.token.requested')!;
      expect(message.data).to.include({ eventType: 'REQUEST_ACCESS_TOKEN', stream: `accessevent-${eventId}` });
      const workflow = accessWorkflowOf(t.service.deps)!;
      const skipped = workflow.duplicatesSkipped;
      await t.service.deps.bus.publish([message, message]);
      await eventually(() => workflow.duplicatesSkipped, (n) => n === skipped + 2, 'both duplicates skipped');
      expect(push.for(eventId)).to.have.length(1);
      expect((await t.store.readStream(`accessevent-${eventId}`)).map((e) => e.type)).to.deep.equal(['AccessTokenRequested', 'AccessEventAcknowledged']);
    });
  });

  describe('pull provider, OAuth2 client credential (Application body shape)', () => {
    let appId: string;
    let uuid: string;
    let firstSecret: string;

    it('lists its NEW events, acknowledges them, publishes; the consumer gets the client credential once', async () => {
      appId = await p.application(alice, 'billing');
      const eventId = await p.request(alice, appId, { eventType: 'REQUEST_ACCESS_TOKEN', providerId: pullId });
      const listed = await p.events(pullProvider, '?eventStatus=NEW');
      expect(listed.status).to.equal(200);
      const entry = listed.body.find((e: { eventId: string }) => e.eventId === eventId);
      expect(entry).to.deep.include({ eventType: 'REQUEST_ACCESS_TOKEN', eventStatus: 'NEW', appId, userId: 'alice', providerId: pullId });
      expect(entry.createdAt).to.be.a('string');
      expect(entry.updatedAt).to.be.a('string');
      expect((await p.events(otherProvider, '?eventStatus=NEW')).body.map((e: { eventId: string }) => e.eventId)).to.not.include(eventId);
      expect(push.for(eventId)).to.have.length(0);

      const ack = await p.acknowledge(pullProvider, [{ eventId, eventStatus: 'INPROGRESS' }]);
      expect(ack.body).to.deep.equal({ status: 'SUCCESS', message: 'Events updated successfully!' });
      const inProgressList = (await p.events(pullProvider, '?eventStatus=INPROGRESS')).body.map((e: { eventId: string }) => e.eventId);
      expect(inProgressList).to.include(eventId);

      firstSecret = secret('client-secret');
      const res = await p.publish(pullProvider, eventId, oauth2ApplicationBody(appId, 'alice', 'billing-client', firstSecret));
      expect(res.status).to.equal(200);
      expect(res.body).to.include({ status: 'SUCCESS', message: 'Access token created successfully!' });
      uuid = res.body.accesstokenuuid;
      const completed = (await p.events(pullProvider, '?eventStatus=COMPLETED&eventType=REQUEST_ACCESS_TOKEN')).body;
      expect(completed.find((e: { eventId: string }) => e.eventId === eventId)).to.include({ accesstokenuuid: uuid });

      const handed = await handOver(alice, appId, eventId);
      expect(handed.status).to.equal(200);
      expect(handed.body.type).to.equal('OAuth2');
      expect(handed.body.accessTokenDetails).to.deep.include({ key: 'clientSecret', value: firstSecret });
      expect(handed.body.accessTokenDetails).to.deep.include({ key: 'clientId', value: 'billing-client' });
      expect(handed.body.expiresAt).to.equal(new Date(t.clock.now().getTime() + 3600_000).toISOString());
      expect((await p.credential(alice, appId, eventId)).status).to.equal(410);

      const info = await p.introspect(firstSecret);
      expect(info).to.include({ active: true, sub: 'alice', client_id: 'billing-client', token_type: 'oauth2_client', jti: uuid });
    });

    it('renews (PUT): a new credential replaces the old one, which is revoked; lineage by parentId', async () => {
      const eventId = await inProgress(alice, appId, 'RENEW_ACCESS_TOKEN', uuid);
      const renewedSecret = secret('client-secret-2');
      const body = { type: 'OAuth2', accessTokenDetails: [{ key: 'clientId', value: 'billing-client' }, { key: 'clientSecret', value: renewedSecret }] };
      const res = await p.renew(pullProvider, uuid, eventId, body);
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal({ status: 'SUCCESS', message: 'Access token renewed successfully!' });

      expect((await p.introspect(firstSecret)).active).to.equal(false);
      const info = await p.introspect(renewedSecret);
      expect(info).to.include({ active: true, accesstokenuuid: uuid, client_id: 'billing-client' });
      expect(info.jti).to.not.equal(uuid);
      const row = t.service.deps.db.prepare('SELECT parent_id, stream FROM credentials WHERE id = ?').get(info.jti) as { parent_id: string; stream: string };
      expect(row).to.deep.equal({ parent_id: uuid, stream: `accessevent-${eventId}` });
      const old = t.service.deps.db.prepare('SELECT status, revoke_reason FROM credentials WHERE id = ?').get(uuid);
      expect(old).to.deep.equal({ status: 'revoked', revoke_reason: 'renewed' });

      const handed = await handOver(alice, appId, eventId);
      expect(handed.body.accessTokenDetails).to.deep.include({ key: 'clientSecret', value: renewedSecret });
      expect(handed.body.accesstokenuuid).to.equal(uuid);
      expect((await p.view(alice, appId, eventId)).body).to.include({ eventStatus: 'COMPLETED', eventType: 'RENEW_ACCESS_TOKEN' });
    });

    it('a credential renewed before its hand-over is gone (410); revoking the replaced key again appends nothing', async () => {
      const app = await p.application(alice, 'replaced');
      const first = await inProgress(alice, app);
      const oldKey = secret('replaced-key');
      const token = (await p.publish(pullProvider, first, apiKeyBody(oldKey))).body.accesstokenuuid;
      const renewal = await inProgress(alice, app, 'RENEW_ACCESS_TOKEN', token);
      const newKey = secret('replacing-key');
      expect((await p.renew(pullProvider, token, renewal, apiKeyBody(newKey))).status).to.equal(200);
      const gone = await p.credential(alice, app, first);
      expect(gone.status).to.equal(410);
      expect(gone.body).to.deep.equal({ status: 'FAILURE', message: 'The credential has been revoked' });
      const before = await t.store.headPosition();
      expect((await t.http.post('/oauth2/revoke').type('form').send({ token: oldKey })).status).to.equal(200);
      expect(await t.store.headPosition()).to.equal(before);
      const handed = await handOver(alice, app, renewal);
      expect(handed.body.accessTokenDetails).to.deep.equal([{ key: 'apiKeyString', value: newKey }]);
    });

    it('revokes (DELETE): 204, the credential is inactive, and a revocation goes out on the bus', async () => {
      const current = (await p.introspect(firstSecret)).active; // the renewed one is current; the first is revoked
      expect(current).to.equal(false);
      const eventId = await inProgress(alice, appId, 'REVOKE_ACCESS_TOKEN', uuid);
      const res = await p.revoke(pullProvider, uuid, eventId);
      expect(res.status).to.equal(204);
      expect(res.text).to.equal('');
      const events = await t.store.readStream(`accessevent-${eventId}`);
      const revoked = events.find((e) => e.type === 'AccessTokenRevoked')!;
      expect(revoked.data).to.include({ accesstokenuuid: uuid, reason: 'revoked_by_provider' });
      const info = await p.introspect(String(revoked.data.credentialId));
      expect(info.active).to.equal(false);
      expect((await p.view(alice, appId, eventId)).body.eventStatus).to.equal('COMPLETED');
      await eventually(() => revocations.some((m) => m.data.jti === revoked.data.credentialId), Boolean, 'the revocation message');
      // A second revoke request for the same token is refused: it is already revoked.
      const again = await t.http.post(`/portal/applications/${appId}/access-requests`).set(bearer(alice)).send({ eventType: 'REVOKE_ACCESS_TOKEN', providerId: pullId, accesstokenuuid: uuid });
      expect(again.status).to.equal(409);
      expect(again.body).to.deep.equal({ status: 'FAILURE', message: 'The access token is already revoked' });
    });
  });

  describe('the native API sees published credentials', () => {
    it('/oauth2/revoke with the API key revokes it in its access event stream', async () => {
      const appId = await p.application(alice);
      const eventId = await inProgress(alice, appId);
      const key = secret('native-revoke-key');
      const uuid = (await p.publish(pullProvider, eventId, apiKeyBody(key))).body.accesstokenuuid;
      expect((await p.introspect(key)).active).to.equal(true);
      expect((await t.http.post('/oauth2/revoke').type('form').send({ token: key })).status).to.equal(200);
      expect((await p.introspect(key)).active).to.equal(false);
      const types = (await t.store.readStream(`accessevent-${eventId}`)).map((e) => e.type);
      expect(types).to.deep.equal(['AccessTokenRequested', 'AccessEventAcknowledged', 'AccessTokenPublished', 'AccessTokenRevoked']);
      // Not handed over any more, and a renewal of a revoked token is refused.
      expect((await p.credential(alice, appId, eventId)).status).to.equal(410);
      const renew = await t.http.post(`/portal/applications/${appId}/access-requests`).set(bearer(alice)).send({ eventType: 'RENEW_ACCESS_TOKEN', providerId: pullId, accesstokenuuid: uuid });
      expect(renew.status).to.equal(409);
    });

    it('an API key and an unknown key: only the published one is recognised', async () => {
      expect(await p.introspect('not-a-published-key-at-all')).to.deep.equal({ active: false });
    });
  });

  describe('idempotent handling of redelivered lifecycle messages', () => {
    it('a redelivered AccessTokenPublished does not offer a delivered credential again, even with the processed ids forgotten', async () => {
      const appId = await p.application(alice);
      const eventId = await inProgress(alice, appId);
      const key = secret('redelivered-key');
      expect((await p.publish(pullProvider, eventId, apiKeyBody(key))).status).to.equal(200);
      expect((await handOver(alice, appId, eventId)).status).to.equal(200);
      const message = await eventually(() => seen.find((m) => m.data.eventId === eventId && m.type === 'io.tokenledger.access.token.published'), Boolean, 'the message');
      expect(JSON.stringify(message)).to.not.include(key);
      expect(message!.data).to.not.have.any.keys('secretHash', 'detailsSealed');

      const workflow = accessWorkflowOf(t.service.deps)!;
      t.service.deps.db.prepare('DELETE FROM access_workflow_processed WHERE message_id = ?').run(message!.id);
      const handled = workflow.handled;
      await t.service.deps.bus.publish([message!]);
      await eventually(() => workflow.handled, (n) => n === handled + 1, 'the redelivery handled');
      const res = await p.credential(alice, appId, eventId);
      expect(res.status).to.equal(410);
    });
  });

  describe('provider listing', () => {
    it('is paginated with page/size or offset/limit, oldest first, and counts the total', async () => {
      const appId = await p.application(alice);
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push(await p.request(alice, appId, { eventType: 'REQUEST_ACCESS_TOKEN', providerId: otherId }));
      const all = await p.events(otherProvider, '?eventStatus=NEW');
      const allIds = all.body.map((e: { eventId: string }) => e.eventId);
      expect(allIds).to.include.members(ids);
      const total = Number(all.headers['x-total-count']);
      expect(total).to.equal(allIds.length);
      const page2 = await p.events(otherProvider, '?eventStatus=NEW&page=2&size=2');
      expect(page2.body.map((e: { eventId: string }) => e.eventId)).to.deep.equal(allIds.slice(2, 4));
      const offset = await p.events(otherProvider, '?eventStatus=NEW&offset=3&limit=10');
      expect(offset.body.map((e: { eventId: string }) => e.eventId)).to.deep.equal(allIds.slice(3));
      expect(Number(offset.headers['x-total-count'])).to.equal(total);
      const renewals = await p.events(otherProvider, '?eventType=RENEW_ACCESS_TOKEN');
      expect(renewals.body).to.deep.equal([]);
    });

    it('refuses bad filters and paging with a FAILURE message', async () => {
      const cases: Array<[string, string]> = [
        ['?eventStatus=DONE', 'eventStatus must be one of: NEW, INPROGRESS, COMPLETED, REJECTED, EXPIRED'],
        ['?eventType=GRANT', 'eventType must be one of: REQUEST_ACCESS_TOKEN, RENEW_ACCESS_TOKEN, REVOKE_ACCESS_TOKEN'],
        ['?page=0', 'page must be an integer from 1 to 1000000'],
        ['?size=501', 'size must be an integer from 1 to 500'],
        ['?page=1&limit=5', 'Use either page/size or offset/limit'],
        ['?eventStatus=NEW&eventStatus=INPROGRESS', 'eventStatus is given more than once'],
      ];
      for (const [query, message] of cases) {
        const res = await p.events(otherProvider, query);
        expect(res.status, query).to.equal(400);
        expect(res.body).to.deep.equal({ status: 'FAILURE', message });
      }
    });

    it('pull providers reject with a reason; the consumer sees it', async () => {
      const appId = await p.application(alice);
      const eventId = await p.request(alice, appId, { eventType: 'REQUEST_ACCESS_TOKEN', providerId: pullId });
      const res = await p.acknowledge(pullProvider, [{ eventId, eventStatus: 'REJECTED', reason: 'no subscription' }]);
      expect(res.status).to.equal(200);
      expect((await p.view(alice, appId, eventId)).body).to.include({ eventStatus: 'REJECTED', reason: 'no subscription' });
      const rejected = (await p.events(pullProvider, '?eventStatus=REJECTED')).body.find((e: { eventId: string }) => e.eventId === eventId);
      expect(rejected).to.include({ reason: 'no subscription' });
    });
  });

  describe('errors (the seed table): nothing is appended', () => {
    let appId: string;
    let fresh: string; // NEW
    let request: string; // INPROGRESS, REQUEST
    let completed: string;
    let completedUuid: string;
    let renewal: string; // INPROGRESS, RENEW
    before(async () => {
      appId = await p.application(alice);
      fresh = await p.request(alice, appId, { eventType: 'REQUEST_ACCESS_TOKEN', providerId: pullId });
      request = await inProgress(alice, appId);
      completed = await inProgress(alice, appId);
      const res = await p.publish(pullProvider, completed, apiKeyBody(secret('errors-key')));
      completedUuid = res.body.accesstokenuuid;
      renewal = await inProgress(alice, appId, 'RENEW_ACCESS_TOKEN', completedUuid);
    });

    const key = () => apiKeyBody(secret('k'));
    const cases: Array<[string, () => Promise<{ status: number; body: unknown }>, number, string | (() => string)]> = [
      ['unknown eventId (POST)', () => p.publish(pullProvider, randomUUID(), key()), 404, 'Unknown eventId'],
      ['unknown eventId (PUT)', () => p.renew(pullProvider, randomUUID(), randomUUID(), key()), 404, 'Unknown eventId'],
      ['unknown eventId (DELETE)', () => p.revoke(pullProvider, randomUUID(), randomUUID()), 404, 'Unknown eventId'],
      ['malformed eventId', () => p.publish(pullProvider, 'not-an-id', key()), 404, 'Unknown eventId'],
      ['unknown eventId (acknowledge)', () => p.acknowledge(pullProvider, [{ eventId: '00000000-0000-4000-8000-000000000000', eventStatus: 'INPROGRESS' }]), 404, '00000000-0000-4000-8000-000000000000: Unknown eventId'],
      ['POST on a NEW event', () => p.publish(pullProvider, fresh, key()), 409, 'Cannot publish an access token: the event is NEW, not INPROGRESS'],
      ['POST on a COMPLETED event', () => p.publish(pullProvider, completed, key()), 409, 'Cannot publish an access token: the event is COMPLETED, not INPROGRESS'],
      ['PUT on a REQUEST event', () => p.renew(pullProvider, completedUuid, request, key()), 409, 'Cannot renew an access token for an event of type REQUEST_ACCESS_TOKEN'],
      ['DELETE on a REQUEST event', () => p.revoke(pullProvider, completedUuid, request), 409, 'Cannot revoke an access token for an event of type REQUEST_ACCESS_TOKEN'],
      ['POST on a RENEW event', () => p.publish(pullProvider, renewal, key()), 409, 'Cannot publish an access token for an event of type RENEW_ACCESS_TOKEN'],
      ['PUT with another accesstokenuuid', () => p.renew(pullProvider, randomUUID(), renewal, key()), 409, () => `The event is about access token ${completedUuid}, not`],
      ['PUT with another token type', () => p.renew(pullProvider, completedUuid, renewal, { type: 'OAuth2', accessTokenDetails: [{ key: 'clientId', value: 'c' }, { key: 'clientSecret', value: secret('s') }] }), 409, 'The access token is of type APIKey'],
      ['acknowledging a COMPLETED event', () => p.acknowledge(pullProvider, [{ eventId: completed, eventStatus: 'INPROGRESS' }]), 409, () => `${completed}: Cannot acknowledge: the event is COMPLETED`],
      ["another provider's event (POST)", () => p.publish(otherProvider, request, key()), 403, 'The event belongs to another provider'],
      ["another provider's event (PUT)", () => p.renew(otherProvider, completedUuid, renewal, key()), 403, 'The event belongs to another provider'],
      ["another provider's event (DELETE)", () => p.revoke(otherProvider, completedUuid, renewal), 403, 'The event belongs to another provider'],
      ["another provider's NEW event: 403 before 409", () => p.publish(otherProvider, fresh, key()), 403, 'The event belongs to another provider'],
      ["acknowledging another provider's event", () => p.acknowledge(otherProvider, [{ eventId: fresh, eventStatus: 'INPROGRESS' }]), 403, () => `${fresh}: The event belongs to another provider`],
      ['missing type', () => p.publish(pullProvider, request, { accessTokenDetails: [{ key: 'apiKeyString', value: 'x'.repeat(20) }] }), 400, 'type is required'],
      ['missing accessTokenDetails', () => p.publish(pullProvider, request, { type: 'APIKey' }), 400, 'accessTokenDetails is required'],
      ['unknown type', () => p.publish(pullProvider, request, { type: 'JWT', accessTokenDetails: [{ key: 'a', value: 'b' }] }), 400, 'type must be one of: APIKey, OAuth2, Application'],
      ['missing apiKeyString', () => p.publish(pullProvider, request, { type: 'APIKey', accessTokenDetails: [{ key: 'expiryDate', value: '3600' }] }), 400, 'apiKeyString is required for APIKey'],
      ['missing clientSecret', () => p.publish(pullProvider, request, { type: 'OAuth2', accessTokenDetails: [{ key: 'clientId', value: 'c' }] }), 400, 'clientSecret is required for OAuth2'],
      ['missing properties (Application shape)', () => p.publish(pullProvider, request, { type: 'Application', accessTokenDetails: [{ type: 'APIKey' }] }), 400, 'accessTokenDetails[0].properties must be a non-empty list of {key, value}'],
      ['missing value', () => p.publish(pullProvider, request, { type: 'APIKey', accessTokenDetails: [{ key: 'apiKeyString' }] }), 400, 'accessTokenDetails[0].value is required for apiKeyString'],
      ['missing eventId', () => p.publish(pullProvider, '', key()), 400, 'eventId is required'],
      ['an unknown key', () => p.publish(pullProvider, request, { type: 'APIKey', accessTokenDetails: [{ key: 'apiKeyString', value: secret('k') }, { key: 'colour', value: 'red' }] }), 400, "Unknown key 'colour' for APIKey; allowed: apiKeyString, expiryDate"],
      ['a short key', () => p.publish(pullProvider, request, apiKeyBody('short')), 400, 'apiKeyString must be at least 16 characters'],
      ['an expiry in the past', () => p.publish(pullProvider, request, apiKeyBody(secret('k'), '2001-01-01')), 400, 'expiryDate must be in the future'],
      ['an appId that is not the event\'s', () => p.publish(pullProvider, request, oauth2ApplicationBody(randomUUID(), 'alice', 'c', secret('s'))), 400, "appId does not match the event's application"],
      ['a bad acknowledgement status', () => p.acknowledge(pullProvider, [{ eventId: fresh, eventStatus: 'COMPLETED' }]), 400, '0.eventStatus must be one of: INPROGRESS, REJECTED'],
    ];
    for (const [name, call, status, message] of cases) {
      it(`${name} → ${status}`, async () => {
        const before = await t.store.headPosition();
        const res = await call();
        expect(res.status, JSON.stringify(res.body)).to.equal(status);
        const body = res.body as { status: string; message: string };
        expect(body.status).to.equal('FAILURE');
        expect(body.message).to.be.a('string');
        const expected = typeof message === 'function' ? message() : message;
        expect(body.message.startsWith(expected), `${body.message} should start with ${expected}`).to.equal(true);
        expect(await t.store.headPosition()).to.equal(before);
      });
    }

    it('a list with one bad entry acknowledges none of it', async () => {
      const res = await p.acknowledge(pullProvider, [
        { eventId: fresh, eventStatus: 'INPROGRESS' },
        { eventId: completed, eventStatus: 'INPROGRESS' },
      ]);
      expect(res.status).to.equal(409);
      expect(res.body).to.deep.equal({ status: 'FAILURE', message: `${completed}: Cannot acknowledge: the event is COMPLETED` });
      expect((await p.view(alice, appId, fresh)).body.eventStatus).to.equal('NEW');
    });

    it('a key already used by another access token is refused with 409', async () => {
      const used = secret('shared-key');
      const a = await inProgress(alice, appId);
      expect((await p.publish(pullProvider, a, apiKeyBody(used))).status).to.equal(200);
      const b = await inProgress(alice, appId);
      const res = await p.publish(pullProvider, b, apiKeyBody(used));
      expect(res.status).to.equal(409);
      expect(res.body).to.deep.equal({ status: 'FAILURE', message: 'This key or secret is already in use by another access token' });
    });

    it('the credential of an event with nothing published is a 409; of another consumer, a 404', async () => {
      const res = await p.credential(alice, appId, request);
      expect(res.status).to.equal(409);
      expect(res.body.message).to.equal('No credential has been published for this event (status INPROGRESS)');
      const bob = await p.user('bob', ['user']);
      expect((await p.credential(bob, appId, completed)).status).to.equal(404);
      expect((await p.view(bob, appId, completed)).status).to.equal(404);
    });
  });
});

describe('webMethods API Portal: expiry of unfinished events', () => {
  const DAY = 86_400_000;
  let t: TestService;
  let clock: ManualClock;
  let p: ReturnType<typeof portal>;
  let providerId: string;
  let appId: string;

  before(async () => {
    clock = new ManualClock(new Date('2026-04-01T08:00:00Z'));
    // The schedule runs every second here, against the manual clock.
    t = await startTestService({ clock, env: { LEDGER_ACCESS_EVENT_SWEEP_SECONDS: '1' } });
    p = portal(t);
    await p.user('slow-provider', ['provider']);
    await p.user('carol', ['user']);
    providerId = (await p.provider('Slow', 'slow-provider', 'pull')).providerId;
    appId = await p.application(await p.login('carol'));
  });
  after(() => t.close());

  it('expires NEW and INPROGRESS events after 30 days on its schedule, and leaves finished ones alone', async () => {
    const carol = await p.login('carol');
    const provider = await p.login('slow-provider');
    const fresh = await p.request(carol, appId, { eventType: 'REQUEST_ACCESS_TOKEN', providerId });
    const started = await p.request(carol, appId, { eventType: 'REQUEST_ACCESS_TOKEN', providerId });
    const rejected = await p.request(carol, appId, { eventType: 'REQUEST_ACCESS_TOKEN', providerId });
    await p.acknowledge(provider, [{ eventId: started, eventStatus: 'INPROGRESS' }, { eventId: rejected, eventStatus: 'REJECTED' }]);
    const workflow = accessWorkflowOf(t.service.deps)!;
    const types = async (eventId: string) => (await t.store.readStream(`accessevent-${eventId}`)).map((e) => e.type);

    clock.advance(30 * DAY - 1000);
    expect((await workflow.sweep()).expired).to.deep.equal([]);
    expect(await types(fresh)).to.deep.equal(['AccessTokenRequested']);

    clock.advance(1000);
    // No direct call: the timer does it.
    await eventually(async () => [await types(fresh), await types(started)], ([a, b]) => a!.includes('AccessEventExpired') && b!.includes('AccessEventExpired'), 'the scheduled sweep');
    expect((await workflow.sweep()).expired).to.deep.equal([]); // idempotent
    expect(await types(fresh)).to.deep.equal(['AccessTokenRequested', 'AccessEventExpired']);
    expect(await types(rejected)).to.deep.equal(['AccessTokenRequested', 'AccessEventRejected']);
    const expiredEvent = (await t.store.readStream(`accessevent-${fresh}`))[1]!;
    expect(expiredEvent.metadata.actor).to.equal('system:access-workflow');
    expect(expiredEvent.data).to.deep.equal({ eventId: fresh, expiredAt: clock.now().toISOString() });

    const late = await p.login('slow-provider');
    const expired = (await p.events(late, '?eventStatus=EXPIRED')).body.map((e: { eventId: string }) => e.eventId);
    expect(expired).to.have.members([fresh, started]);
    const view = (await p.view(await p.login('carol'), appId, started)).body;
    expect(view).to.include({ eventStatus: 'EXPIRED', updatedAt: clock.now().toISOString() });
    expect((await p.events(late, '?eventStatus=REJECTED')).body.map((e: { eventId: string }) => e.eventId)).to.deep.equal([rejected]);

    const publish = await p.publish(late, started, apiKeyBody(`too-late-${randomBytes(12).toString('hex')}`));
    expect(publish.status).to.equal(409);
    expect(publish.body).to.deep.equal({ status: 'FAILURE', message: 'Cannot publish an access token: the event is EXPIRED, not INPROGRESS' });
    const ack = await p.acknowledge(late, [{ eventId: fresh, eventStatus: 'INPROGRESS' }]);
    expect(ack.status).to.equal(409);
  });
});
