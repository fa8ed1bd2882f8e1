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

const cloudEventTypes = new Map<string, string>();

/** `CredentialRevoked` → `io.tokenledger.credential.revoked` (remembered: the ledger has few event types). */
export function cloudEventType(eventType: string): string {
  let type = cloudEventTypes.get(eventType);
  if (type === undefined) {
    type = `io.tokenledger.${eventType.replace(/([a-z0-9])([A-Z])/g, '$1.$2').toLowerCase()}`;
    if (cloudEventTypes.size < 1_000) cloudEventTypes.set(eventType, type);
  }
  return type;
}

/**
 * The messages one ledger event becomes. Data never carries a secret, a digest or a ciphertext.
 * Objects are written out rather than spread: on Node 20's V8, adding fields to a spread copy takes
 * a slow path (~2 µs each time), and this runs for every event the ledger records.
 */
export function toMessages(event: RecordedEvent, topics: TopicNames, source: string): LifecycleMessage[] {
  const credentialId = (event.data as { credentialId?: string }).credentialId;
  const subject = credentialId ?? event.stream;
  const type = cloudEventType(event.type);
  const time = event.recordedAt.toISOString();
  const message = (topic: string, key: string, data: Record<string, unknown>): LifecycleMessage => ({ id: event.id, topic, key, type, source, subject, time, data });
  const data = redactSecrets(event.data); // a fresh object of our own
  data.stream = event.stream;
  data.revision = Number(event.revision);
  data.position = Number(event.position);
  const out = [message(topics.lifecycle, subject, data)];
  if (REVOKE_EVENT_TYPES.includes(event.type) && credentialId) {
    const d = event.data as { revokedAt?: string; expiresAt?: string | null; reason?: string };
    out.push(message(topics.revocations, subject, { jti: credentialId, revokedAt: d.revokedAt ?? time, expiresAt: d.expiresAt ?? null, reason: d.reason ?? null }));
  }
  if (event.stream.startsWith('accessevent-')) out.push(message(topics.accessEvents, event.stream, data));
  return out;
}

/** The most events the relay publishes at once. */
export const RELAY_BATCH = 500;
/** A checkpoint is written once this many acknowledged events wait for one, whatever the time. */
export const CHECKPOINT_EVERY_EVENTS = 500;

/**
 * Follows `$all` from a stored checkpoint and publishes lifecycle events at least once. The
 * checkpoint moves only after the bus acknowledged, so a restart resumes without loss; nothing
 * is published inside an HTTP request, so there are no dual writes.
 *
 * The checkpoint is a write of its own to the read-model db. Under live load a batch is a few
 * events, so it is written at most every `checkpointMs`, or as soon as `CHECKPOINT_EVERY_EVENTS`
 * acknowledged events wait for it, and on stop. A crash then republishes fewer than
 * `CHECKPOINT_EVERY_EVENTS` + `RELAY_BATCH` events: the duplicates at-least-once allows, which consumers drop
 * by the message id. `checkpointMs: 0` writes it after every batch.
 */
export class LifecycleRelay {
  private subscription?: Subscription;
  private stopped = false;
  private saveCheckpoint?: () => void;
  private checkpointTimer?: NodeJS.Timeout;
  /** Acknowledged events the stored checkpoint is behind. */
  private unsaved = 0;
  /** Last position the bus acknowledged. */
  published = 0n;
  lastError?: string;

  constructor(
    private readonly store: EventStore,
    private readonly bus: LifecycleBus,
    private readonly db: ReadModelDb,
    private readonly options: { topics: TopicNames; source: string; logger: Logger; name?: string; retryMs?: number; checkpointMs?: number },
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
    this.saveCheckpoint = () => {
      clearTimeout(this.checkpointTimer);
      this.checkpointTimer = undefined;
      this.unsaved = 0;
      save.run(this.name, this.published);
    };
    const checkpointMs = this.options.checkpointMs ?? 0;
    this.subscription = this.store.subscribeToAll({ after: this.published, maxBatch: RELAY_BATCH }, async (events) => {
      const messages = events.flatMap((e) => toMessages(e, this.options.topics, this.options.source));
      await this.publishUntilAcknowledged(messages);
      this.published = events[events.length - 1]!.position;
      this.unsaved += events.length;
      if (checkpointMs === 0 || this.unsaved >= CHECKPOINT_EVERY_EVENTS) this.saveCheckpoint!();
      else this.checkpointTimer ??= setTimeout(this.saveCheckpoint!, checkpointMs).unref();
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
    if (this.unsaved > 0) this.saveCheckpoint!();
  }
}
