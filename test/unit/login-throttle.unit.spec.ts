import { expect } from 'chai';
import { ManualClock } from '../../src/clock.js';
import { TooManyRequests } from '../../src/errors.js';
import { LoginThrottle } from '../../src/http/loginThrottle.js';

describe('login throttle', () => {
  const alice = { username: 'alice', address: '10.0.0.1' };
  let clock: ManualClock;
  let throttle: LoginThrottle;
  beforeEach(() => {
    clock = new ManualClock(new Date('2026-03-01T10:00:00Z'));
    throttle = new LoginThrottle(clock, {
      username: { freeFailures: 3, baseWindowMs: 1000, maxWindowMs: 8000, forgetAfterMs: 60_000 },
      address: { freeFailures: 10, baseWindowMs: 1000, maxWindowMs: 8000, forgetAfterMs: 60_000 },
    });
  });
  const fail = (n: number, attempt = alice) => {
    for (let i = 0; i < n; i++) throttle.recordFailure(attempt);
  };

  it('lets the free failures through without waiting', () => {
    fail(3);
    expect(throttle.retryAfterSeconds(alice)).to.equal(0);
    expect(() => throttle.check(alice)).not.to.throw();
  });

  it('then doubles the wait with each failure, up to the cap', () => {
    const waits: number[] = [];
    for (let i = 0; i < 7; i++) {
      throttle.recordFailure(alice);
      waits.push(throttle.retryAfterSeconds(alice));
    }
    expect(waits).to.deep.equal([0, 0, 0, 1, 2, 4, 8]);
    fail(5);
    expect(throttle.retryAfterSeconds(alice)).to.equal(8);
  });

  it('throws 429 with Retry-After seconds while waiting', () => {
    fail(5);
    try {
      throttle.check(alice);
      expect.fail('should throw');
    } catch (error) {
      expect(error).to.be.instanceOf(TooManyRequests);
      expect((error as TooManyRequests).status).to.equal(429);
      expect((error as TooManyRequests).details.retryAfter).to.equal(2);
    }
  });

  it('never locks out for good: after the window the user may try again', () => {
    fail(20);
    expect(throttle.retryAfterSeconds(alice)).to.equal(8);
    clock.advance(8000);
    expect(throttle.retryAfterSeconds(alice)).to.equal(0);
  });

  it('a success resets the username counter', () => {
    fail(5);
    clock.advance(2000);
    throttle.recordSuccess(alice);
    throttle.recordFailure(alice);
    expect(throttle.retryAfterSeconds(alice)).to.equal(0);
  });

  it('usernames are compared case-insensitively', () => {
    fail(5);
    expect(throttle.retryAfterSeconds({ username: 'ALICE', address: '10.0.0.9' })).to.be.greaterThan(0);
  });

  it('throttles one address trying many usernames', () => {
    for (let i = 0; i < 11; i++) throttle.recordFailure({ username: `user${i}`, address: '10.6.6.6' });
    expect(throttle.retryAfterSeconds({ username: 'someone-new', address: '10.6.6.6' })).to.equal(1);
    expect(throttle.retryAfterSeconds({ username: 'someone-new', address: '10.0.0.2' })).to.equal(0);
  });

  it('forgets failures after a quiet period', () => {
    fail(3);
    clock.advance(60_000);
    throttle.recordFailure(alice);
    expect(throttle.retryAfterSeconds(alice)).to.equal(0);
  });

  it('keeps at most maxKeys entries', () => {
    const small = new LoginThrottle(clock, { maxKeys: 3, username: { freeFailures: 0 } });
    small.recordFailure({ username: 'a', address: 'x' });
    small.recordFailure({ username: 'b', address: 'x' });
    small.recordFailure({ username: 'c', address: 'x' });
    expect(small.retryAfterSeconds({ username: 'a', address: 'y' })).to.equal(0); // 'a' was evicted
    expect(small.retryAfterSeconds({ username: 'c', address: 'y' })).to.be.greaterThan(0);
  });
});
