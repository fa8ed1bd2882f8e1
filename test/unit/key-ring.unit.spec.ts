import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { systemClock } from '../../src/clock.js';
import { SecretBox } from '../../src/crypto/secrets.js';
import type { ReadStreamOptions, RecordedEvent } from '../../src/ledger/eventStore.js';
import { MemoryEventStore } from '../../src/ledger/memory/memoryEventStore.js';
import { KeyRing } from '../../src/keys/keyRing.js';

const ctx = { actor: 'test', correlationId: 'key-ring', time: new Date().toISOString() };

/** A store whose next forward read of a stream answers what was there when it was asked, but only when released. */
class StallingStore extends MemoryEventStore {
  stallNextRead = false;
  stalled?: { release: () => void };
  override async readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    const events = await super.readStream(stream, options);
    if (!this.stallNextRead || options?.direction === 'backwards') return events;
    this.stallNextRead = false;
    await new Promise<void>((resolve) => (this.stalled = { release: resolve }));
    return events;
  }
}

describe('KeyRing', () => {
  it('keeps a group it has just created when a poll that read the stream before it answers after it', async () => {
    const store = new StallingStore();
    const box = new SecretBox(randomBytes(32));
    // Another instance creates the first group, so this ring's poll sees a new head.
    await new KeyRing(store, box, systemClock).ensureGroup('first', 'ES256', 1, ctx);
    const ring = new KeyRing(store, box, systemClock);
    // The poll reads the whole stream: that read holds the stream as it is now.
    store.stallNextRead = true;
    ring.follow(5);
    while (!store.stalled) await new Promise((r) => setTimeout(r, 5));
    await ring.ensureGroup('second', 'ES256', 1, ctx);
    expect(ring.groups()).to.include('second');
    // No later poll may repair it: the stale read answers last, and then nothing else happens.
    await ring.stop();
    store.stalled.release();
    await new Promise((r) => setTimeout(r, 20));
    expect(ring.groups()).to.have.members(['first', 'second']);
    expect(() => ring.signer('second')).to.not.throw();
  });
});
