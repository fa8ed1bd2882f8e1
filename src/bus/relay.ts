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
 * Where the checkpoint is kept (`checkpointIn`) follows whose position it is. Kafka is shared by
 * every instance, so its position is kept with the ledger (`EventStore.saveCheckpoint`): a rebuilt
 * read-model file, or a new instance, resumes where the relay was. The in-process bus feeds this
 * process alone, so with a ledger other instances share (EventStoreDB) its position is this
 * instance's, kept with its own read models.
 *
 * Under live load a batch is a few events, so the checkpoint is written at most every
 * `checkpointMs`, or as soon as `CHECKPOINT_EVERY_EVENTS` acknowledged events wait for it, and on
 * stop. A crash then republishes fewer than `CHECKPOINT_EVERY_EVENTS` + `RELAY_BATCH` events: the
 * duplicates at-least-once allows, which consumers drop by the message id. `checkpointMs: 0`
 * writes it after every batch.
 */
export class LifecycleRelay {
  private subscription?: Subscription;
  private stopped = false;
  private readonly checkpointMs: number;
  /** Kept with the ledger, or with this instance's read models (`checkpointIn`). */
  private readonly inLedger: boolean;
  /** The read-model file's checkpoints: where `read-models` keeps them, and where older data directories had them. */
  private readonly readModelCheckpoints: { read(name: string): bigint | undefined; save(name: string, position: bigint): void };
  private checkpointTimer?: NodeJS.Timeout;
  /** The checkpoint's saves run one after another. */
  private saving: Promise<void> = Promise.resolve();
  /** Acknowledged events the stored checkpoint is behind. */
  private unsaved = 0;
  /** Last position the bus acknowledged. */
  published = 0n;
  lastError?: string;

  constructor(
    private readonly store: EventStore,
    private readonly bus: LifecycleBus,
    db: ReadModelDb,
    private readonly options: {
      topics: TopicNames;
      source: string;
      logger: Logger;
      name?: string;
      retryMs?: number;
      checkpointMs?: number;
      /** Default `ledger`. */
      checkpointIn?: 'ledger' | 'read-models';
    },
  ) {
    this.checkpointMs = options.checkpointMs ?? 0;
    this.inLedger = (options.checkpointIn ?? 'ledger') === 'ledger';
    db.exec('CREATE TABLE IF NOT EXISTS relay_checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL)');
    const row = db.prepare('SELECT position FROM relay_checkpoints WHERE name = ?').safeIntegers(true);
    const put = db.prepare('INSERT OR REPLACE INTO relay_checkpoints (name, position) VALUES (?, ?)');
    this.readModelCheckpoints = {
      read: (name) => (row.get(name) as { position: bigint } | undefined)?.position,
      save: (name, position) => void put.run(name, position),
    };
  }

  private get name() {
    return this.options.name ?? `relay:${this.bus.kind}`;
  }

  async start(): Promise<Subscription> {
    // A data directory from before the checkpoint moved to the ledger has it in the read-model
    // file: read there while the ledger has none, so that an upgrade does not republish.
    this.published = (this.inLedger ? await this.store.readCheckpoint(this.name) : undefined) ?? this.readModelCheckpoints.read(this.name) ?? 0n;
    this.subscription = this.store.subscribeToAll({ after: this.published, maxBatch: RELAY_BATCH }, async (events) => {
      const messages = events.flatMap((e) => toMessages(e, this.options.topics, this.options.source));
      await this.publishUntilAcknowledged(messages);
      this.published = events[events.length - 1]!.position;
      this.unsaved += events.length;
      if (this.checkpointMs === 0 || this.unsaved >= CHECKPOINT_EVERY_EVENTS) await this.saveCheckpoint();
      else this.saveLater();
    });
    this.subscription.done.catch((err) => this.options.logger.error(errorFields(err), 'lifecycle relay stopped'));
    return this.subscription;
  }

  private async storeCheckpoint(position: bigint): Promise<void> {
    if (this.inLedger) return this.store.saveCheckpoint(this.name, position);
    this.readModelCheckpoints.save(this.name, position);
  }

  private saveLater(): void {
    this.checkpointTimer ??= setTimeout(() => void this.saveCheckpoint(), this.checkpointMs).unref();
  }

  /** Saves the position acknowledged so far. A failed save is logged; the next one, or a timed retry, carries it. */
  private saveCheckpoint(): Promise<void> {
    clearTimeout(this.checkpointTimer);
    this.checkpointTimer = undefined;
    this.saving = this.saving.then(async () => {
      const position = this.published;
      const count = this.unsaved;
      if (count === 0) return;
      try {
        await this.storeCheckpoint(position);
        this.unsaved -= count; // what was acknowledged during the save still waits
      } catch (error) {
        this.options.logger.warn(errorFields(error), 'saving the relay checkpoint failed; retrying');
        if (!this.stopped && this.checkpointMs > 0) this.saveLater(); // at 0, the next batch saves it
      }
    });
    return this.saving;
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
    await this.saveCheckpoint();
  }
}
