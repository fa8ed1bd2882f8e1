import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { decodeJwt } from 'jose';
import { accessWorkflowOf } from '../../src/access-requests/module.js';
import { KafkaBus } from '../../src/bus/kafka/kafkaBus.js';
import type { LifecycleMessage } from '../../src/bus/lifecycleBus.js';
import { cloudEventType } from '../../src/bus/relay.js';
import { RevocationSubscriber } from '../../src/bus/revocationSubscriber.js';
import type { RecordedEvent } from '../../src/ledger/eventStore.js';
import { createLogger } from '../../src/logger.js';
import { kafkaBrokers } from '../support/kafka.js';
import { byOffset, committedOffsets, createTopic, eventually, idsPerKey, partitionCount, topicConfig, uniqueTopics, useBrokerSuite } from '../support/kafkaTopics.js';
import { keyOf, startKafkaService, wholeLedger, type KafkaTestService } from '../support/kafkaService.js';
import { ADMIN, remember } from '../support/service.js';
import { apiKeyBody, eventually as waitFor, portal, PushProviderServer } from '../support/webmethods.js';

const brokers = kafkaBrokers() ?? [];

describe('Kafka bus, relay and revocation feed against a real broker', function () {
  const open = useBrokerSuite(brokers);

  describe('the relay', () => {
    let s: KafkaTestService;
    let ledger: RecordedEvent[];
    let secrets: string[];

    before(async function () {
      this.timeout(60_000);
      const topics = uniqueTopics('relay');
      // Several partitions, so that "in order per key" is more than "in order".
      await createTopic(brokers, topics.lifecycle, 3);
      s = await startKafkaService(brokers, topics);
      const login = (await s.http.post('/oauth2/token').type('form').send({ grant_type: 'password', ...ADMIN })).body;
      remember(login.access_token, login.refresh_token);
      secrets = [login.access_token, login.refresh_token, ADMIN.password];
      let refresh = login.refresh_token as string;
      for (let i = 0; i < 3; i++) {
        const res = await s.http.post('/oauth2/token').type('form').send({ grant_type: 'refresh_token', refresh_token: refresh });
        expect(res.status).to.equal(200);
        remember(res.body.access_token, res.body.refresh_token);
        secrets.push(res.body.access_token, res.body.refresh_token);
        refresh = res.body.refresh_token;
      }
      expect((await s.http.post('/oauth2/revoke').type('form').send({ token: login.access_token })).status).to.equal(200);
      await s.userWithRoles('reader', ['admin']);
      await s.relayCaughtUp();
      ledger = await wholeLedger(s.store);
    });
    after(() => s?.close());

    it('publishes exactly the ledger events, each once, in ledger order per credential', async function () {
      this.timeout(30_000);
      const reader = await open(s.topics.lifecycle);
      await reader.until((r) => r.length >= ledger.length, 20_000, `${ledger.length} events`);
      await new Promise((r) => setTimeout(r, 500)); // room for a stray extra or duplicate to show up
      const records = byOffset(reader.records);
      expect(records.map((r) => r.value!.id).sort()).to.deep.equal(ledger.map((e) => e.id).sort());
      expect(await partitionCount(brokers, s.topics.lifecycle)).to.equal(3);
      const expected = idsPerKey(ledger, keyOf, (e) => e.id);
      const actual = idsPerKey(records, (r) => r.key!, (r) => r.value!.id);
      expect(actual).to.deep.equal(expected);
      expect([...expected.values()].some((ids) => ids.length >= 4), 'a key with several events').to.equal(true);
      for (const ids of expected.values()) {
        const partitions = new Set(records.filter((r) => ids.includes(r.value!.id)).map((r) => r.partition));
        expect(partitions.size, 'one partition per key').to.equal(1);
      }
    });

    it('writes CloudEvents in structured mode, keyed and subject-ed by credential id, with no secret', async () => {
      const reader = await open(s.topics.lifecycle);
      await reader.until((r) => r.length >= ledger.length);
      const events = new Map(ledger.map((e) => [e.id, e]));
      for (const record of reader.records) {
        const event = events.get(record.value!.id)!;
        expect(record.headers['content-type']).to.equal('application/cloudevents+json; charset=UTF-8');
        expect(record.value).to.include({
          specversion: '1.0',
          source: 'http://token-ledger.test',
          type: cloudEventType(event.type),
          subject: keyOf(event),
          time: event.recordedAt.toISOString(),
          datacontenttype: 'application/json',
        });
        expect(record.key).to.equal(keyOf(event));
        expect(record.value!.data).to.include({ stream: event.stream, position: Number(event.position) });
        for (const secret of secrets) expect(record.raw).not.to.include(secret);
        expect(record.raw).not.to.match(/hash"|sealed"|secret"|password"/i);
      }
      expect(reader.records.some((r) => r.value!.type === 'io.tokenledger.credential.revoked')).to.equal(true);
    });

    it('puts each revocation on the compacted revocations topic as {jti, revokedAt, expiresAt, reason}', async () => {
      const revoked = ledger.filter((e) => e.type === 'CredentialRevoked');
      expect(revoked).to.have.length(1);
      const reader = await open(s.topics.revocations);
      const [record] = await reader.until((r) => r.length >= 1);
      const data = revoked[0]!.data as { credentialId: string; revokedAt: string; expiresAt: string };
      expect(record!.key).to.equal(data.credentialId);
      expect(record!.value!.data).to.deep.equal({ jti: data.credentialId, revokedAt: data.revokedAt, expiresAt: data.expiresAt, reason: 'revoked_by_holder' });
      expect(await topicConfig(brokers, s.topics.revocations, 'cleanup.policy')).to.equal('compact');
      expect(await topicConfig(brokers, s.topics.lifecycle, 'cleanup.policy')).to.equal('delete');
      expect(await partitionCount(brokers, s.topics.accessEvents), 'access-events topic created at start').to.be.greaterThan(0);
    });

    it('reports the bus as healthy', async () => {
      const res = await s.http.get('/health');
      expect(res.status).to.equal(200);
      expect(res.body.bus).to.include({ status: 'ok', kind: 'kafka' });
      expect(res.body.bus.relayedPosition).to.equal(Number(ledger[ledger.length - 1]!.position));
    });
  });

  describe('consumer groups', () => {
    it('deliver each message to every group, and commit an offset only after its handler succeeded', async function () {
      this.timeout(60_000);
      const topics = uniqueTopics('groups');
      const bus = new KafkaBus({ brokers, topics, logger: createLogger('silent') }).start();
      const message = (id: string): LifecycleMessage => ({
        id, topic: topics.accessEvents, key: 'accessevent-1', type: 'io.tokenledger.test', source: 'test', subject: 'accessevent-1', time: new Date().toISOString(), data: { id },
      });
      try {
        // A: handles m1, which is then committed.
        const a: string[] = [];
        const stopA = await bus.subscribe(topics.accessEvents, 'workflow', (m) => void a.push(m.id));
        await bus.publish([message('m1')]);
        await eventually(() => a.includes('m1'), 30_000, 'm1 at A');
        await stopA();
        // B: its handler keeps failing on m2, which is retried and never committed.
        let attempts = 0;
        const stopB = await bus.subscribe(topics.accessEvents, 'workflow', (m) => {
          if (m.id !== 'm2') throw new Error(`B got ${m.id}`);
          attempts++;
          throw new Error('workflow handler down');
        });
        await bus.publish([message('m2')]);
        await eventually(() => attempts >= 2, 30_000, 'm2 retried at B');
        await stopB();
        // C, same group: m2 comes again (at least once), m1 does not (it was committed).
        const c: string[] = [];
        const other: string[] = [];
        const stopC = await bus.subscribe(topics.accessEvents, 'workflow', (m) => void c.push(m.id));
        const stopOther = await bus.subscribe(topics.accessEvents, 'audit', (m) => void other.push(m.id));
        await bus.publish([message('m3')]);
        await eventually(() => c.includes('m3') && other.includes('m3'), 30_000, 'm3 at C and at the other group');
        expect(c).to.deep.equal(['m2', 'm3']);
        expect(other).to.deep.equal(['m1', 'm2', 'm3']);
        await stopC();
        await stopOther();
      } finally {
        await bus.close();
      }
    });
  });

  describe('the revocation subscriber', () => {
    it('sees a revocation made through POST /oauth2/revoke, and a later subscriber reads it from the beginning', async function () {
      this.timeout(60_000);
      const topics = uniqueTopics('subscriber');
      const s = await startKafkaService(brokers, topics);
      const live = RevocationSubscriber.fromKafka({ brokers, topic: topics.revocations });
      let late: RevocationSubscriber | undefined;
      try {
        await live.ready;
        const [revoked, kept] = [await s.token(), await s.token()];
        const jti = decodeJwt(revoked).jti!;
        expect(live.isRevoked(jti)).to.equal(false);
        expect((await s.http.post('/oauth2/revoke').type('form').send({ token: revoked })).status).to.equal(200);
        await eventually(() => live.isRevoked(jti), 20_000, 'isRevoked → true');
        expect(live.isRevoked(decodeJwt(kept).jti!)).to.equal(false);

        late = RevocationSubscriber.fromKafka({ brokers, topic: topics.revocations });
        await late.ready;
        expect(late.isRevoked(jti), 'read from the beginning').to.equal(true);
        expect(late.size).to.equal(1);
      } finally {
        await Promise.all([live.close(), late?.close()]);
        await s.close();
      }
    });
  });

  describe('the access-token workflow', () => {
    it('runs end to end over Kafka: the workflow consumes access events through its consumer group', async function () {
      this.timeout(90_000);
      const topics = uniqueTopics('workflow');
      const s = await startKafkaService(brokers, topics);
      const push = await new PushProviderServer().start();
      const subscriber = RevocationSubscriber.fromKafka({ brokers, topic: topics.revocations });
      try {
        const p = portal(s);
        const provider = await p.user('acme-push', ['provider']);
        const alice = await p.user('alice', ['user']);
        const registered = await p.provider('Acme push gateway', 'acme-push', 'push', push.url);
        push.secret = registered.signingSecret!;
        const appId = await p.application(alice);
        const eventId = await p.request(alice, appId, { eventType: 'REQUEST_ACCESS_TOKEN', providerId: registered.providerId });

        // AccessTokenRequested went ledger → relay → Kafka → workflow group → signed push → acknowledged.
        await waitFor(() => p.view(alice, appId, eventId), (r) => r.body.eventStatus === 'INPROGRESS', 'INPROGRESS', 30_000);
        expect(push.for(eventId)).to.have.length(1);
        expect(push.for(eventId)[0]!.signatureValid).to.equal(true);

        const key = `apikey-${randomUUID()}`;
        remember(key);
        const published = await p.publish(provider, eventId, apiKeyBody(key));
        expect(published.status).to.equal(200);
        const uuid = published.body.accesstokenuuid as string;
        // AccessTokenPublished, again through Kafka, offers the credential to its consumer once.
        const handed = await waitFor(() => p.credential(alice, appId, eventId), (r) => r.status !== 409, 'the credential hand-over', 30_000);
        expect(handed.status).to.equal(200);
        expect(handed.body.accessTokenDetails).to.deep.include({ key: 'apiKeyString', value: key });
        expect((await p.introspect(key)).active).to.equal(true);

        // A redelivered message does nothing twice.
        const workflow = accessWorkflowOf(s.service.deps)!;
        const reader = await open(topics.accessEvents);
        const [requested] = await reader.until((r) => r.some((x) => x.value!.type === 'io.tokenledger.access.token.requested'));
        const original = requested!.value!;
        const skipped = workflow.duplicatesSkipped;
        const again: LifecycleMessage = { ...(original as LifecycleMessage), topic: topics.accessEvents, key: requested!.key! };
        await s.bus.publish([again]);
        await waitFor(() => workflow.duplicatesSkipped, (n) => n === skipped + 1, 'the duplicate skipped', 30_000);
        expect(push.for(eventId)).to.have.length(1);
        const offsets = await committedOffsets(brokers, 'access-workflow', topics.accessEvents);
        expect(Math.max(...offsets), 'the workflow group committed its progress').to.be.greaterThan(0);

        // The provider revokes: the revocation reaches a downstream subscriber over Kafka.
        const revokeEvent = await p.request(alice, appId, { eventType: 'REVOKE_ACCESS_TOKEN', providerId: registered.providerId, accesstokenuuid: uuid });
        await waitFor(() => p.view(alice, appId, revokeEvent), (r) => r.body.eventStatus === 'INPROGRESS', 'revoke INPROGRESS', 30_000);
        expect((await p.revoke(provider, uuid, revokeEvent)).status).to.equal(204);
        const revoked = (await s.store.readStream(`accessevent-${revokeEvent}`)).find((e) => e.type === 'AccessTokenRevoked')!;
        await subscriber.ready;
        await eventually(() => subscriber.isRevoked(String(revoked.data.credentialId)), 20_000, 'the revocation at the subscriber');
        expect((await p.introspect(key)).active).to.equal(false);
      } finally {
        await subscriber.close();
        await s.close();
        await push.stop();
      }
    });
  });
});
