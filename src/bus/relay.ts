import type { EventStore, RecordedEvent, Subscription } from '../ledger/eventStore.js';
import { errorFields, type Logger } from '../logger.js';
import type { ReadModelDb } from '../readmodels/projection.js';
import { redactSecrets } from '../audit/redact.js';
import { REVOKE_EVENT_TYPES } from '../../projections/credentials.js';
import type { LifecycleBus, LifecycleMessage } from './lifecycleBus.js';
import { messageOf } from '../errors.js';

export interface TopicNames {
  lifecycle: string;
  revocations: string;
  accessEvents: string;
}

export const DEFAULT_TOPICS: TopicNames = {
  lifecycle: 'token-ledger.lifecycle',
  revocations: 'token-ledger.revocations',
  accessEvents: 'token-ledger.access-events',
};

/** `CredentialRevoked` → `io.tokenledger.credential.revoked`. */
export function cloudEventType(eventType: string): string {
  return `io.tokenledger.${eventType.replace(/([a-z0-9])([A-Z])/g, '$1.$2').toLowerCase()}`;
}

/** The messages one ledger event becomes. Data never carries a secret, a digest or a ciphertext. */
export function toMessages(event: RecordedEvent, topics: TopicNames, source: string): LifecycleMessage[] {
  const credentialId = (event.data as { credentialId?: string }).credentialId;
  const subject = credentialId ?? event.stream;
  const base = { id: event.id, key: subject, subject, source, type: cloudEventType(event.type), time: event.recordedAt.toISOString() };
  const data = { ...redactSecrets(event.data), stream: event.stream, revision: Number(event.revision), position: Number(event.position) };
  const out: LifecycleMessage[] = [{ ...base, topic: topics.lifecycle, data }];
  if (REVOKE_EVENT_TYPES.includes(event.type) && credentialId) {
    const d = event.data as { revokedAt?: string; expiresAt?: string | null; reason?: string };
    out.push({
      ...base,
      topic: topics.revocations,
      data: { jti: credentialId, revokedAt: d.revokedAt ?? base.time, expiresAt: d.expiresAt ?? null, reason: d.reason ?? null },
    });
  }
  if (event.stream.startsWith('accessevent-')) out.push({ ...base, key: event.stream, topic: topics.accessEvents, data });
  return out;
}

/**
 * Follows `$all` from a stored checkpoint and publishes lifecycle events at least once. The
 * checkpoint moves only after the bus acknowledged, so a restart resumes without loss; nothing
 * is published inside an HTTP request, so there are no dual writes.
 */
export class LifecycleRelay {
  private subscription?: Subscription;
  private stopped = false;
  /** Last position the bus acknowledged. */
  published = 0n;
  lastError?: string;

  constructor(
    private readonly store: EventStore,
    private readonly bus: LifecycleBus,
    private readonly db: ReadModelDb,
    private readonly options: { topics: TopicNames; source: string; logger: Logger; name?: string; retryMs?: number },
  ) {
    db.exec('CREATE TABLE IF NOT EXISTS relay_checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL)');
  }

  private get name() {
    return this.options.name ?? `relay:${this.bus.kind}`;
  }

  start(): Subscription {
    const row = this.db.prepare('SELECT position FROM relay_checkpoints WHERE name = ?').safeIntegers(true).get(this.name) as
      | { position: bigint }
      | undefined;
    this.published = row?.position ?? 0n;
    const save = this.db.prepare('INSERT OR REPLACE INTO relay_checkpoints (name, position) VALUES (?, ?)');
    this.subscription = this.store.subscribeToAll({ after: this.published, maxBatch: 500 }, async (events) => {
      const messages = events.flatMap((e) => toMessages(e, this.options.topics, this.options.source));
      await this.publishUntilAcknowledged(messages);
      this.published = events[events.length - 1]!.position;
      save.run(this.name, this.published);
    });
    this.subscription.done.catch((err) => this.options.logger.error(errorFields(err), 'lifecycle relay stopped'));
    return this.subscription;
  }

  /** A broker outage holds the relay at its checkpoint; it catches up when the broker returns. */
  private async publishUntilAcknowledged(messages: LifecycleMessage[]): Promise<void> {
    let delay = this.options.retryMs ?? 200;
    for (;;) {
      try {
        await this.bus.publish(messages);
        this.lastError = undefined;
        return;
      } catch (error) {
        if (this.stopped) throw error;
        this.lastError = messageOf(error);
        this.options.logger.warn({ err: this.lastError, retryInMs: delay }, 'publishing lifecycle events failed; retrying');
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 5000);
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.subscription?.close();
  }
}
