import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger.js';
import type { LifecycleBus } from './lifecycleBus.js';
import { revocationRecordOf, type RevocationFeed, type RevocationRecord } from './revocationRecord.js';
import { DEFAULT_TOPICS } from './relay.js';
import { kafkaRevocationFeed } from './kafka/revocationFeed.js';

export { revocationRecordOf, type RevocationFeed, type RevocationRecord };

export interface RevocationSubscriberOptions {
  /** Milliseconds since the epoch; injectable for tests. */
  now?: () => number;
  /** How often expired entries are dropped (default 60 s). */
  pruneIntervalMs?: number;
}

export interface KafkaRevocationOptions extends RevocationSubscriberOptions {
  brokers: string[];
  /** Default `token-ledger.revocations`. */
  topic?: string;
  clientId?: string;
  logger?: Logger;
}

/**
 * For downstream services: a deny set of revoked token ids (jti), kept in memory from the
 * revocations topic until each token's own expiry, so that `isRevoked(jti)` never does I/O.
 */
export class RevocationSubscriber {
  /** jti → expiry in ms since the epoch (Infinity when the token never expires). */
  private readonly denied = new Map<string, number>();
  private readonly listeners = new Set<(record: RevocationRecord) => void>();
  private readonly now: () => number;
  private readonly pruneTimer: NodeJS.Timeout;
  private readonly running: { ready: Promise<void>; close(): Promise<void> };
  /** Resolves once every revocation published before the subscriber started is in the deny set. */
  readonly ready: Promise<void>;

  constructor(feed: RevocationFeed, options: RevocationSubscriberOptions = {}) {
    this.now = options.now ?? Date.now;
    this.pruneTimer = setInterval(() => this.prune(), options.pruneIntervalMs ?? 60_000);
    this.pruneTimer.unref();
    this.running = feed.start(
      (record) => this.add(record),
      // The topic is keyed by credential id, which is the jti.
      (key) => this.denied.delete(key),
    );
    this.ready = this.running.ready;
  }

  /**
   * On the in-process bus. That bus keeps no history: create the subscriber before the service
   * starts relaying (i.e. in the same process, at startup) to see every revocation of this run.
   */
  static fromBus(bus: LifecycleBus, topic: string = DEFAULT_TOPICS.revocations, options: RevocationSubscriberOptions = {}): RevocationSubscriber {
    const group = `revocation-subscriber-${randomUUID()}`;
    const feed: RevocationFeed = {
      start(deliver) {
        const unsubscribe = bus.subscribe(topic, group, (m) => {
          const record = revocationRecordOf(m);
          if (record) deliver(record);
        });
        return { ready: unsubscribe.then(() => undefined), close: async () => (await unsubscribe)() };
      },
    };
    return new RevocationSubscriber(feed, options);
  }

  /** On Kafka: reads the (compacted) revocations topic from the beginning, committing nothing. */
  static fromKafka(options: KafkaRevocationOptions): RevocationSubscriber {
    return new RevocationSubscriber(kafkaRevocationFeed({ ...options, topic: options.topic ?? DEFAULT_TOPICS.revocations }), options);
  }

  /** Answered from memory. A token past its expiry is no longer listed (it is invalid anyway). */
  isRevoked(jti: string): boolean {
    const until = this.denied.get(jti);
    return until !== undefined && until > this.now();
  }

  /** Number of tokens in the deny set (expired ones may linger until the next prune). */
  get size(): number {
    return this.denied.size;
  }

  /** Called after each revocation entered the deny set; returns a function that removes the listener. */
  onRevoked(listener: (record: RevocationRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Drops the entries whose token has expired. */
  prune(): void {
    const now = this.now();
    for (const [jti, until] of this.denied) if (until <= now) this.denied.delete(jti);
  }

  async close(): Promise<void> {
    clearInterval(this.pruneTimer);
    await this.running.close();
  }

  private add(record: RevocationRecord): void {
    const parsed = record.expiresAt === null ? Infinity : Date.parse(record.expiresAt);
    // An unreadable expiry denies forever: failing closed is the safe side.
    const until = Number.isNaN(parsed) ? Infinity : parsed;
    if (until <= this.now()) return; // already expired: nothing to deny
    this.denied.set(record.jti, until);
    for (const listener of this.listeners) {
      try {
        listener(record);
      } catch {
        // A listener's failure must not stop the feed.
      }
    }
  }
}
