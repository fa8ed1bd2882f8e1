import { expect } from 'chai';
import { KafkaBus } from '../../src/bus/kafka/kafkaBus.js';
import { CLOUDEVENTS_CONTENT_TYPE, fromCloudEvent, toCloudEvent } from '../../src/bus/kafka/cloudEvents.js';
import type { LifecycleMessage } from '../../src/bus/lifecycleBus.js';
import { createLogger } from '../../src/logger.js';
import { startTestService } from '../support/service.js';

// Runs without a broker: nothing listens on port 1, so every connection is refused at once.
const NOWHERE = ['127.0.0.1:1'];
const topics = { lifecycle: 'tl.lifecycle', revocations: 'tl.revocations', accessEvents: 'tl.access-events' };

const message: LifecycleMessage = {
  id: 'event-1',
  topic: topics.revocations,
  key: 'cred-1',
  type: 'io.tokenledger.credential.revoked',
  source: 'http://token-ledger.test',
  subject: 'cred-1',
  time: '2026-01-01T00:00:00.000Z',
  data: { jti: 'cred-1', revokedAt: '2026-01-01T00:00:00.000Z', expiresAt: null, reason: 'test' },
};

describe('Kafka bus without a reachable broker', () => {
  it('CloudEvents structured mode: a message survives the round trip; anything else is not a message', () => {
    const event = toCloudEvent(message);
    expect(event).to.deep.equal({
      specversion: '1.0',
      id: 'event-1',
      source: 'http://token-ledger.test',
      type: 'io.tokenledger.credential.revoked',
      subject: 'cred-1',
      time: '2026-01-01T00:00:00.000Z',
      datacontenttype: 'application/json',
      data: message.data,
    });
    expect(CLOUDEVENTS_CONTENT_TYPE).to.equal('application/cloudevents+json; charset=UTF-8');
    expect(fromCloudEvent(topics.revocations, 'cred-1', Buffer.from(JSON.stringify(event)))).to.deep.equal(message);
    expect(fromCloudEvent(topics.revocations, 'k', null)).to.equal(undefined);
    expect(fromCloudEvent(topics.revocations, 'k', Buffer.from('not json'))).to.equal(undefined);
    expect(fromCloudEvent(topics.revocations, 'k', Buffer.from(JSON.stringify({ ...event, specversion: '0.3' })))).to.equal(undefined);
    expect(fromCloudEvent(topics.revocations, 'k', Buffer.from(JSON.stringify({ ...event, data: undefined })))).to.equal(undefined);
  });

  it('health() says degraded within its timeout, publish() rejects, subscribe() returns at once', async function () {
    this.timeout(30_000);
    const bus = new KafkaBus({ brokers: NOWHERE, topics, logger: createLogger('silent'), healthTimeoutMs: 500 }).start();
    try {
      expect(await bus.health()).to.deep.include({ status: 'degraded', kind: 'kafka' });
      let error: unknown;
      await bus.publish([message]).catch((e) => (error = e));
      expect(error).to.be.instanceOf(Error);
      const unsubscribe = await bus.subscribe(topics.accessEvents, 'workflow', () => undefined);
      await unsubscribe();
    } finally {
      await bus.close();
    }
    let closed: unknown;
    await bus.publish([message]).catch((e) => (closed = e));
    expect((closed as Error).message).to.equal('The Kafka bus is closed');
  });

  it('the service starts and serves; /health reports the bus degraded and the relay held at its checkpoint', async function () {
    this.timeout(30_000);
    const bus = new KafkaBus({ brokers: NOWHERE, topics, logger: createLogger('silent') }).start();
    const t = await startTestService({ bus });
    try {
      await t.token();
      const res = await t.http.get('/health');
      expect(res.status).to.equal(200);
      expect(res.body.status).to.equal('degraded');
      expect(res.body.bus).to.include({ status: 'degraded', kind: 'kafka', relayedPosition: 0 });
      expect(res.body.store.status).to.equal('ok');
    } finally {
      await t.close();
    }
  });
});
