import { expect } from 'chai';
import { InProcessBus } from '../../src/bus/inProcessBus.js';
import { CHECKPOINT_EVERY_EVENTS, RELAY_BATCH } from '../../src/bus/relay.js';
import { kafkaBrokers, startBroker, stopBroker } from '../support/kafka.js';
import { exited, keyOf, relayCheckpoint, spawnLedger, startKafkaService, wholeLedger, type KafkaTestService } from '../support/kafkaService.js';
import { byOffset, createTopic, eventually, holdsAll, idsPerKey, uniqueTopics, useBrokerSuite } from '../support/kafkaTopics.js';
import { remember, startTestService } from '../support/service.js';
import { tempDir } from '../support/tempDirs.js';

const brokers = kafkaBrokers() ?? [];

// Own file, after kafka.int.spec.ts: the broker outage and the killed processes (whose group
// memberships linger for a session timeout) would slow the other Kafka tests down.
describe('Kafka resilience: broker down at start, relay killed mid-stream', function () {
  const open = useBrokerSuite(brokers);

  describe('with the broker down at start', () => {
    it('serves, reports the bus degraded, and catches up once the broker is back', async function () {
      this.timeout(300_000);
      const topics = uniqueTopics('outage');
      let s: KafkaTestService | undefined;
      stopBroker();
      try {
        s = await startKafkaService(brokers, topics);
        const health = await s.http.get('/health');
        expect(health.status).to.equal(200);
        expect(health.body.status).to.equal('degraded');
        expect(health.body.bus).to.include({ status: 'degraded', kind: 'kafka' });
        // The service does its work meanwhile; the relay holds at its checkpoint.
        const token = await s.token();
        expect((await s.http.post('/oauth2/revoke').type('form').send({ token })).status).to.equal(200);
        const introspected = await s.http.post('/oauth2/introspect').set('Authorization', `Bearer ${await s.token()}`).type('form').send({ token });
        expect(introspected.body).to.deep.equal({ active: false });
        expect(Number(s.service.deps.relay.published)).to.be.lessThan(Number(await s.store.headPosition()));
      } finally {
        startBroker({ keepData: true });
      }
      try {
        await s.relayCaughtUp(180_000);
        const ledger = await wholeLedger(s.store);
        const reader = await open(topics.lifecycle);
        await reader.until((r) => holdsAll(r, ledger.map((e) => e.id)), 30_000, 'every ledger event');
        const revocations = await open(topics.revocations);
        await revocations.until((r) => r.length >= 1, 30_000, 'the revocation');
        await eventually(async () => (await s!.http.get('/health')).body.bus.status === 'ok', 30_000, 'bus ok');
      } finally {
        await s.close();
      }
    });
  });

  describe('a relay killed mid-stream', () => {
    it('loses nothing: after a restart every ledger event is on the topic, in order per key', async function () {
      this.timeout(240_000);
      const topics = uniqueTopics('kill');
      await createTopic(brokers, topics.lifecycle, 3);
      const dataDir = tempDir('tl-kill-');
      // The ledger is filled first, with the default in-process bus: the Kafka relay starts from 0.
      const filler = await startTestService({ dataDir, bus: new InProcessBus() });
      const credentials = filler.service.services.credentials;
      const ctx = { actor: 'system', correlationId: 'kill-test', time: new Date().toISOString() };
      for (let i = 0; i < 2000; i += 50) {
        const issued = await Promise.all(Array.from({ length: 50 }, () => credentials.issueAccessToken({ subject: 'bulk', clientId: null, scopes: [], roles: [] }, ctx)));
        remember(...issued.map((x) => x.accessToken));
        await Promise.all(issued.filter((_, j) => j % 3 === 0).map((x) => credentials.revoke(x.credentialId, 'test', ctx)));
      }
      const ledger = await wholeLedger(filler.store);
      await filler.close();
      const head = Number(ledger[ledger.length - 1]!.position);

      const reader = await open(topics.lifecycle);
      const first = spawnLedger(dataDir, brokers, topics);
      await reader.until((r) => r.length > 0, 120_000, 'the first relayed event');
      first.child.kill('SIGKILL');
      await exited(first.child);
      const checkpoint = relayCheckpoint(dataDir);
      expect(checkpoint, 'killed before the relay reached the head').to.be.lessThan(head);

      const second = spawnLedger(dataDir, brokers, topics);
      try {
        await second.listening;
        const wanted = ledger.map((e) => e.id);
        await reader.until((r) => holdsAll(r, wanted), 120_000, 'every ledger event');
        // The last partial batch's checkpoint is written once LEDGER_RELAY_CHECKPOINT_MS has passed.
        await eventually(() => relayCheckpoint(dataDir) === head, 30_000, 'the checkpoint at the head');
      } finally {
        second.child.kill('SIGKILL'); // a graceful stop would wait out the first child's group session
        await exited(second.child);
      }
      const records = byOffset(reader.records);
      const firstSeen = records.filter((r, i) => records.findIndex((x) => x.value!.id === r.value!.id) === i);
      expect(idsPerKey(firstSeen, (r) => r.key!, (r) => r.value!.id)).to.deep.equal(idsPerKey(ledger, keyOf, (e) => e.id));
      // At least once: what was sent but not yet checkpointed may come twice. The checkpoint is written
      // whenever CHECKPOINT_EVERY_EVENTS wait for it, so that is fewer than those and one batch more.
      expect(records.length - firstSeen.length).to.be.below(CHECKPOINT_EVERY_EVENTS + RELAY_BATCH);
      expect(relayCheckpoint(dataDir)).to.equal(head);
    });
  });
});
