import type { Clock } from '../clock.js';
import { TooManyRequests } from '../errors.js';

/** How one kind of key (a username, an address) is throttled. */
export interface ThrottleRule {
  /** Failures allowed before the first wait. */
  freeFailures: number;
  /** First wait, doubled with each further failure. */
  baseWindowMs: number;
  /** Longest wait: the backoff stops growing here, so nobody is locked out for good. */
  maxWindowMs: number;
  /** A key with no failure for this long starts again from zero. */
  forgetAfterMs: number;
}

export interface LoginThrottleOptions {
  username?: Partial<ThrottleRule>;
  address?: Partial<ThrottleRule>;
  /** Upper bound on keys kept in memory; the stalest are dropped first. */
  maxKeys?: number;
}

export const DEFAULT_USERNAME_RULE: ThrottleRule = { freeFailures: 5, baseWindowMs: 1_000, maxWindowMs: 5 * 60_000, forgetAfterMs: 15 * 60_000 };
// Looser per address: many honest users may share one (NAT, proxies).
export const DEFAULT_ADDRESS_RULE: ThrottleRule = { freeFailures: 20, baseWindowMs: 1_000, maxWindowMs: 15 * 60_000, forgetAfterMs: 30 * 60_000 };

interface Entry {
  failures: number;
  lastFailureAt: number;
  blockedUntil: number;
}

/** Who is trying to sign in. The username is compared case-insensitively. */
export interface LoginAttempt {
  username: string;
  address: string;
}

/**
 * In-memory throttle for password endpoints: after a few failures for one username or from one
 * address, each further failure doubles the wait (capped), answered with 429 and Retry-After.
 * A success resets the username's counter. Per service instance; state is lost on restart, which
 * only ever helps the real user.
 *
 * Usage: `throttle.check(attempt)` before verifying the password (throws TooManyRequests),
 * then `recordFailure(attempt)` or `recordSuccess(attempt)`.
 */
export class LoginThrottle {
  private readonly rules: { username: ThrottleRule; address: ThrottleRule };
  private readonly entries = new Map<string, Entry>();
  private readonly maxKeys: number;

  constructor(
    private readonly clock: Clock,
    options: LoginThrottleOptions = {},
  ) {
    this.rules = {
      username: { ...DEFAULT_USERNAME_RULE, ...options.username },
      address: { ...DEFAULT_ADDRESS_RULE, ...options.address },
    };
    this.maxKeys = options.maxKeys ?? 10_000;
  }

  /** Seconds to wait before another attempt is heard, or 0 when the attempt may go ahead. */
  retryAfterSeconds(attempt: LoginAttempt): number {
    const now = this.clock.now().getTime();
    const waits = this.keys(attempt).map(([key]) => {
      const entry = this.current(key, now);
      return entry && entry.blockedUntil > now ? entry.blockedUntil - now : 0;
    });
    const ms = Math.max(...waits);
    return ms > 0 ? Math.ceil(ms / 1000) : 0;
  }

  /** Throws 429 (with the Retry-After seconds in its details) while the attempt must wait. */
  check(attempt: LoginAttempt): void {
    const wait = this.retryAfterSeconds(attempt);
    if (wait > 0) throw new TooManyRequests(wait, `Too many failed sign-in attempts; try again in ${wait} seconds`);
  }

  recordFailure(attempt: LoginAttempt): void {
    const now = this.clock.now().getTime();
    for (const [key, rule] of this.keys(attempt)) {
      const entry = this.current(key, now) ?? { failures: 0, lastFailureAt: now, blockedUntil: 0 };
      entry.failures += 1;
      entry.lastFailureAt = now;
      const over = entry.failures - rule.freeFailures;
      if (over > 0) entry.blockedUntil = now + Math.min(rule.maxWindowMs, rule.baseWindowMs * 2 ** Math.min(over - 1, 30));
      this.entries.delete(key); // re-insert: Map order is then least recently failed first
      this.entries.set(key, entry);
    }
    this.evict();
  }

  /** The real user got in: forget the username's failures (the address keeps its own count). */
  recordSuccess(attempt: LoginAttempt): void {
    this.entries.delete(this.usernameKey(attempt.username));
  }

  private keys(attempt: LoginAttempt): Array<[string, ThrottleRule]> {
    return [
      [this.usernameKey(attempt.username), this.rules.username],
      [`a:${attempt.address}`, this.rules.address],
    ];
  }

  private usernameKey(username: string): string {
    return `u:${username.toLowerCase()}`;
  }

  /** The entry unless it has been quiet long enough to be forgotten. */
  private current(key: string, now: number): Entry | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    const rule = key.startsWith('u:') ? this.rules.username : this.rules.address;
    if (now - entry.lastFailureAt >= rule.forgetAfterMs && entry.blockedUntil <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private evict(): void {
    for (const key of this.entries.keys()) {
      if (this.entries.size <= this.maxKeys) break;
      this.entries.delete(key);
    }
  }
}
