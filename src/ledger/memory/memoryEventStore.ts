import { AppendNotifier, catchUpSubscription } from '../catchUpSubscription.js';
import {
  assertExpectedRevision,
  matchesPrefixes,
  WrongExpectedRevisionError,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeOptions,
  type SubscriptionHandler,
} from '../eventStore.js';
import { eventHash } from '../hashChain.js';
import { findIdempotentAppend, readStreamSlice } from '../storeRules.js';

/** In-memory EventStore for unit tests. It enforces revisions exactly as the real adapters do. */
export class MemoryEventStore implements EventStore {
  readonly kind = 'memory';
  private readonly all: RecordedEvent[] = [];
  private readonly streams = new Map<string, RecordedEvent[]>();
  private readonly notifier = new AppendNotifier();

  constructor(private readonly now: () => Date = () => new Date()) {}

  async append(stream: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    const existing = this.streams.get(stream) ?? [];
    const again = findIdempotentAppend(existing, events, expected);
    if (again) return again;
    if (events.some((e) => this.all.some((r) => r.id === e.id))) {
      throw new WrongExpectedRevisionError(stream, expected, existing.length ? BigInt(existing.length - 1) : 'no_stream');
    }
    assertExpectedRevision(stream, expected, BigInt(existing.length) - 1n);
    let prevHash = existing.at(-1)?.hash ?? '';
    const recordedAt = this.now();
    for (const e of events) {
      const revision = BigInt(existing.length);
      // Stored as JSON, as the other adapters store it: no aliasing of the caller's objects, and
      // what JSON drops (undefined fields) is gone here too.
      const stored = { ...e, data: JSON.parse(JSON.stringify(e.data)), metadata: JSON.parse(JSON.stringify(e.metadata)) };
      const base = { ...stored, stream, revision, position: BigInt(this.all.length + 1), recordedAt, prevHash };
      const recorded: RecordedEvent = { ...base, hash: eventHash(prevHash, base) };
      prevHash = recorded.hash;
      existing.push(recorded);
      this.all.push(recorded);
    }
    this.streams.set(stream, existing);
    this.notifier.notify();
    return { nextRevision: BigInt(existing.length - 1), position: BigInt(this.all.length) };
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    return readStreamSlice(this.streams.get(stream) ?? [], options);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const start = options.after === undefined ? 0 : Number(options.after);
    const out: RecordedEvent[] = [];
    for (let i = start; i < this.all.length && out.length < (options.maxCount ?? Infinity); i++) {
      const e = this.all[i]!;
      if (matchesPrefixes(e.stream, options.streamPrefixes)) out.push(e);
    }
    return out;
  }

  subscribeToAll(options: SubscribeOptions, handler: SubscriptionHandler) {
    return catchUpSubscription((o) => this.readAll(o), this.notifier, options, handler);
  }

  async headPosition(): Promise<bigint> {
    return BigInt(this.all.length);
  }

  private readonly checkpoints = new Map<string, bigint>();

  async readCheckpoint(name: string): Promise<bigint | undefined> {
    return this.checkpoints.get(name);
  }

  async saveCheckpoint(name: string, position: bigint): Promise<void> {
    this.checkpoints.set(name, position);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.notifier.notify();
  }
}
