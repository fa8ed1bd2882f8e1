import { expect } from 'chai';
import { ManualClock } from '../../src/clock.js';
import { LastUseTracker } from '../../src/personal-tokens/lastUseTracker.js';
import { openReadModelDb } from '../../src/readmodels/readModelDb.js';

describe('personal token last-use tracker', () => {
  const clock = new ManualClock(new Date('2026-03-01T10:00:00Z'));
  const ID = 'token-1';

  it('writes nothing per use, only the latest use per token on flush', () => {
    const db = openReadModelDb(':memory:');
    const tracker = new LastUseTracker(db, clock);
    tracker.touch(ID);
    clock.advance(1000);
    tracker.touch(ID);
    expect(tracker.lastUsedAt(ID)).to.equal(null);
    expect(tracker.flush()).to.equal(1);
    expect(tracker.lastUsedAt(ID)).to.equal('2026-03-01T10:00:01.000Z');
    expect(tracker.flush()).to.equal(0);
    db.close();
  });

  it('never moves lastUsedAt back', () => {
    const db = openReadModelDb(':memory:');
    const tracker = new LastUseTracker(db, clock);
    clock.set('2026-03-02T00:00:00Z');
    tracker.touch(ID);
    tracker.flush();
    clock.set('2026-03-01T00:00:00Z');
    tracker.touch(ID);
    tracker.flush();
    expect(tracker.lastUsedAt(ID)).to.equal('2026-03-02T00:00:00.000Z');
    db.close();
  });

  it('flushes on its timer and on stop', async () => {
    const db = openReadModelDb(':memory:');
    const tracker = new LastUseTracker(db, clock);
    tracker.start(20);
    tracker.touch(ID);
    await new Promise((r) => setTimeout(r, 80));
    expect(tracker.lastUsedAt(ID)).to.not.equal(null);
    tracker.touch('token-2');
    tracker.stop();
    expect(tracker.lastUsedAt('token-2')).to.not.equal(null);
    db.close();
  });
});
