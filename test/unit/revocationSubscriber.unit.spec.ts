import { expect } from 'chai';
import { InProcessBus } from '../../src/bus/inProcessBus.js';
import type { LifecycleMessage } from '../../src/bus/lifecycleBus.js';
import { RevocationSubscriber, type RevocationRecord } from '../../src/bus/revocationSubscriber.js';

const TOPIC = 'test.revocations';
const T0 = Date.parse('2026-01-01T00:00:00Z');

function revocation(jti: string, expiresAt: string | null, topic = TOPIC): LifecycleMessage {
  return {
    id: `event-${jti}-${Math.random()}`,
    topic,
    key: jti,
    type: 'io.tokenledger.credential.revoked',
    source: 'http://token-ledger.test',
    subject: jti,
    time: new Date(T0).toISOString(),
    data: { jti, revokedAt: new Date(T0).toISOString(), expiresAt, reason: 'revoked_by_holder' },
  };
}

/** The in-process bus delivers on its own queue: wait until the subscriber has seen `jti`. */
async function delivered(subscriber: RevocationSubscriber, jti: string): Promise<RevocationRecord> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${jti} not delivered`)), 2000);
    const off = subscriber.onRevoked((r) => {
      if (r.jti !== jti) return;
      clearTimeout(timer);
      off();
      resolve(r);
    });
  });
}

const settle = () => new Promise((r) => setTimeout(r, 20));

describe('RevocationSubscriber on the in-process bus', () => {
  let bus: InProcessBus;
  let now: number;
  let subscriber: RevocationSubscriber;

  beforeEach(async () => {
    bus = new InProcessBus();
    now = T0;
    subscriber = RevocationSubscriber.fromBus(bus, TOPIC, { now: () => now });
    await subscriber.ready;
  });
  afterEach(() => subscriber.close());

  it('given a revocation on the topic, then isRevoked(jti) is true and other jtis are not', async () => {
    const seen = delivered(subscriber, 'jti-1');
    await bus.publish([revocation('jti-1', new Date(T0 + 60_000).toISOString())]);
    expect((await seen).reason).to.equal('revoked_by_holder');
    expect(subscriber.isRevoked('jti-1')).to.equal(true);
    expect(subscriber.isRevoked('jti-2')).to.equal(false);
    expect(subscriber.size).to.equal(1);
  });

  it('given a revoked token, when its expiry passes, then it is no longer listed and prune drops it', async () => {
    const seen = delivered(subscriber, 'jti-1');
    await bus.publish([revocation('jti-1', new Date(T0 + 60_000).toISOString())]);
    await seen;
    now = T0 + 59_999;
    expect(subscriber.isRevoked('jti-1')).to.equal(true);
    now = T0 + 60_000;
    expect(subscriber.isRevoked('jti-1')).to.equal(false);
    expect(subscriber.size).to.equal(1);
    subscriber.prune();
    expect(subscriber.size).to.equal(0);
  });

  it('given a token that never expires, then it stays revoked through any prune', async () => {
    const seen = delivered(subscriber, 'forever');
    await bus.publish([revocation('forever', null)]);
    await seen;
    now = T0 + 10 * 365 * 86_400_000;
    subscriber.prune();
    expect(subscriber.isRevoked('forever')).to.equal(true);
  });

  it('given a revocation that arrives after the token already expired, then it is not kept', async () => {
    const later = delivered(subscriber, 'live');
    await bus.publish([revocation('expired', new Date(T0 - 1).toISOString()), revocation('live', null)]);
    await later; // delivered in order, so 'expired' was handled before
    expect(subscriber.isRevoked('expired')).to.equal(false);
    expect(subscriber.size).to.equal(1);
  });

  it('given an unreadable expiry, then the token is denied (fail closed)', async () => {
    const seen = delivered(subscriber, 'odd');
    await bus.publish([revocation('odd', 'not a date')]);
    await seen;
    now = T0 + 10 * 365 * 86_400_000;
    expect(subscriber.isRevoked('odd')).to.equal(true);
  });

  it('given messages on other topics or without a jti, then nothing is denied', async () => {
    const marker = delivered(subscriber, 'marker');
    const noJti = { ...revocation('x', null), data: { revokedAt: new Date(T0).toISOString() } };
    await bus.publish([revocation('elsewhere', null, 'test.lifecycle'), noJti, revocation('marker', null)]);
    await marker;
    expect(subscriber.isRevoked('elsewhere')).to.equal(false);
    expect(subscriber.size).to.equal(1);
  });

  it('given two subscribers, then each keeps its own full deny set', async () => {
    const second = RevocationSubscriber.fromBus(bus, TOPIC, { now: () => now });
    await second.ready;
    const seen = Promise.all([delivered(subscriber, 'both'), delivered(second, 'both')]);
    await bus.publish([revocation('both', null)]);
    await seen;
    expect(subscriber.isRevoked('both')).to.equal(true);
    expect(second.isRevoked('both')).to.equal(true);
    await second.close();
  });

  it('given a closed subscriber, then later revocations do not reach it', async () => {
    await subscriber.close();
    await bus.publish([revocation('after-close', null)]);
    await settle();
    expect(subscriber.isRevoked('after-close')).to.equal(false);
  });

  it('given a listener that throws, then the deny set is still updated and later records still arrive', async () => {
    subscriber.onRevoked(() => {
      throw new Error('listener bug');
    });
    const second = delivered(subscriber, 'second');
    await bus.publish([revocation('first', null), revocation('second', null)]);
    await second;
    expect(subscriber.isRevoked('first')).to.equal(true);
    expect(subscriber.isRevoked('second')).to.equal(true);
  });
});
