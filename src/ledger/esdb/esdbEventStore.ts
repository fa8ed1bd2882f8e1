import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  START,
  ANY,
  jsonEvent,
  StreamNotFoundError,
  WrongExpectedVersionError,
  type AllStreamResolvedEvent,
  type Position,
  type ReadPosition,
  type ResolvedEvent,
} from '@eventstore/db-client';
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
  type Subscription,
  type SubscriptionHandler,
} from '../eventStore.js';
import {
  fromVendorRevision,
  CHECKPOINT_STREAM_PREFIX,
  isSystemStream,
  PositionBook,
  positionOf,
  toEventData,
  toRecorded,
  toVendorRevision,
} from './convert.js';
import { esdbSubscription } from './esdbSubscription.js';
import { setBounded } from '../../boundedMap.js';

/** `LEDGER_EVENTSTORE` values this adapter serves: `esdb://…` or `esdb+discover://…`. */
export const isEsdbConnectionString = (value: string) => /^esdb(\+discover)?:\/\//.test(value);

export interface EsdbEventStoreOptions {
  now?: () => Date;
  /** Resubscription backoff after a dropped subscription. */
  retry?: { minMs: number; maxMs: number };
}

/**
 * The ledger on EventStoreDB (`LEDGER_EVENTSTORE=esdb://…`). Revisions, idempotent re-appends and
 * $all ordering are the server's; the hash chain and `recordedAt` ride in each event's metadata
 * under `$ledger`, and are stripped again on the way out. Event ids must be UUIDs.
 */
export class EsdbEventStore implements EventStore {
  readonly kind = 'esdb';
  private readonly client: EventStoreDBClient;
  private readonly positions = new PositionBook();
  private readonly subscriptions = new Set<Subscription>();
  /** Last event seen per stream by reads (bounded): saves a read before appends at an exact revision. */
  private readonly heads = new Map<string, { revision: bigint; hash: string }>();
  private readonly now: () => Date;

  constructor(connectionString: string, private readonly options: EsdbEventStoreOptions = {}) {
    this.client = EventStoreDBClient.connectionString(connectionString);
    this.now = options.now ?? (() => new Date());
  }

  async append(stream: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    if (events.length === 0) return this.emptyAppend(stream, expected);
    const { prevHash, first } = await this.chainHead(stream, expected);
    const data = toEventData(stream, events, first, prevHash, this.now());
    try {
      const result = await this.client.appendToStream(stream, data, { expectedRevision: toVendorRevision(expected) });
      this.positions.remember(result.position);
      const position = result.position?.commit ?? (await this.positionAt(stream, result.nextExpectedRevision));
      return { nextRevision: result.nextExpectedRevision, position };
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) {
        throw new WrongExpectedRevisionError(stream, expected, fromVendorRevision(error.actualVersion));
      }
      throw error;
    }
  }

  /**
   * The hash and revision the new events chain onto. With an exact revision (or no_stream) the server
   * rejects the append unless that event is still the last, so this is race-safe. With `any` or
   * `stream_exists` a concurrent writer can slip in between this read and the append; the stored
   * prevHash/revision would then not match and the chain verifier reports the stream.
   */
  private async chainHead(stream: string, expected: ExpectedRevision): Promise<{ prevHash: string; first: bigint }> {
    if (expected === 'no_stream') return { prevHash: '', first: 0n };
    // (stream, revision) -> hash never changes, so a head seen by an earlier read can be reused.
    const known = this.heads.get(stream);
    if (typeof expected === 'bigint' && known?.revision === expected) return { prevHash: known.hash, first: expected + 1n };
    const [head] = await this.readStream(stream, {
      direction: 'backwards',
      fromRevision: typeof expected === 'bigint' ? expected : undefined,
      maxCount: 1,
    });
    const first = typeof expected === 'bigint' ? expected + 1n : head ? head.revision + 1n : 0n;
    return { prevHash: head?.hash ?? '', first };
  }

  /** Nothing to write: only the expectation is checked (ESDB would not report the position). */
  private async emptyAppend(stream: string, expected: ExpectedRevision): Promise<AppendResult> {
    const [head] = await this.readStream(stream, { direction: 'backwards', maxCount: 1 });
    assertExpectedRevision(stream, expected, head ? head.revision : -1n);
    return { nextRevision: head ? head.revision : -1n, position: head ? head.position : await this.headPosition() };
  }

  /** Idempotent re-appends come back without a position on older servers: look it up. */
  private async positionAt(stream: string, revision: bigint): Promise<bigint> {
    const [e] = await this.readStream(stream, { direction: 'backwards', fromRevision: revision, maxCount: 1 });
    return e?.position ?? -1n;
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards';
    try {
      const read = await collect<ResolvedEvent>(
        this.client.readStream(stream, {
          direction: backwards ? BACKWARDS : FORWARDS,
          fromRevision: options.fromRevision ?? (backwards ? END : START),
          maxCount: options.maxCount ?? Number.MAX_SAFE_INTEGER,
        }),
      );
      const events = this.recorded(read);
      this.rememberHead(stream, events);
      return events;
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const max = options.maxCount ?? 1000;
    const pageSize = Math.min(max, 1000) + 1;
    const out: RecordedEvent[] = [];
    // ESDB reads $all from a position inclusively; the port's `after` is exclusive.
    let floor = options.after ?? -1n;
    let from: ReadPosition = options.after === undefined ? START : this.positions.full(options.after);
    while (out.length < max) {
      const page: AllStreamResolvedEvent[] = await collect(this.client.readAll({ fromPosition: from, maxCount: pageSize }));
      for (const e of this.recorded(page)) {
        if (e.position > floor && matchesPrefixes(e.stream, options.streamPrefixes)) out.push(e);
        if (out.length >= max) break;
      }
      const tail: Position | undefined = page.length > 0 ? positionOf(page[page.length - 1]!) : undefined;
      if (page.length < pageSize || !tail || tail.commit <= floor) break;
      from = tail;
      floor = tail.commit;
    }
    return out;
  }

  subscribeToAll(options: SubscribeOptions, handler: SubscriptionHandler): Subscription {
    const deps = {
      client: this.client,
      positions: this.positions,
      headPosition: () => this.headPosition(),
      retry: this.options.retry,
    };
    const sub = esdbSubscription(deps, options, handler);
    this.subscriptions.add(sub);
    sub.done.then(
      () => this.subscriptions.delete(sub),
      () => this.subscriptions.delete(sub),
    );
    return sub;
  }

  /**
   * Position of the last non-system event ($all also carries the server's own `$…` streams, which
   * readAll and subscriptions skip). Scans back a bounded distance; 0n when there is none.
   */
  async headPosition(): Promise<bigint> {
    let from: ReadPosition = END;
    for (let scanned = 0; scanned < 5000; ) {
      const page: AllStreamResolvedEvent[] = await collect(
        this.client.readAll({ direction: BACKWARDS, fromPosition: from, maxCount: 100 }),
      );
      for (const r of page) {
        const e = r.event;
        if (e && !isSystemStream(e.streamId)) {
          this.positions.remember(positionOf(r));
          return e.position.commit;
        }
      }
      const tail: Position | undefined = page.length > 0 ? positionOf(page[page.length - 1]!) : undefined;
      if (page.length < 100 || !tail) return 0n;
      from = tail;
      scanned += page.length;
    }
    // Only system events at the tail: their position is still a valid checkpoint.
    const [top] = await collect<AllStreamResolvedEvent>(this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 }));
    return top?.event?.position.commit ?? 0n;
  }

  async readCheckpoint(name: string): Promise<bigint | undefined> {
    try {
      const [last] = await collect<ResolvedEvent>(this.client.readStream(CHECKPOINT_STREAM_PREFIX + name, { direction: BACKWARDS, fromRevision: END, maxCount: 1 }));
      const position = (last?.event?.data as { position?: string } | undefined)?.position;
      return position === undefined ? undefined : BigInt(position);
    } catch (error) {
      if (error instanceof StreamNotFoundError) return undefined;
      throw error;
    }
  }

  /** An event on the checkpoint's own stream, which keeps only its last one (`$maxCount` 1). */
  async saveCheckpoint(name: string, position: bigint): Promise<void> {
    const stream = CHECKPOINT_STREAM_PREFIX + name;
    if (!this.checkpointStreams.has(stream)) {
      await this.client.setStreamMetadata(stream, { maxCount: 1 });
      this.checkpointStreams.add(stream);
    }
    await this.client.appendToStream(stream, jsonEvent({ type: 'CheckpointSaved', data: { position: position.toString() } }), { expectedRevision: ANY });
  }

  /** Checkpoint streams this process has set `$maxCount` on. */
  private readonly checkpointStreams = new Set<string>();

  async ping(): Promise<void> {
    await collect(this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 }));
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    await this.client.dispose();
  }

  private rememberHead(stream: string, events: RecordedEvent[]): void {
    const top = events.reduce<RecordedEvent | undefined>((a, e) => (!a || e.revision > a.revision ? e : a), undefined);
    const known = this.heads.get(stream);
    if (!top || (known && known.revision >= top.revision)) return;
    this.heads.delete(stream);
    setBounded(this.heads, stream, { revision: top.revision, hash: top.hash }, 10_000);
  }

  private recorded(read: Array<ResolvedEvent | AllStreamResolvedEvent>): RecordedEvent[] {
    const out: RecordedEvent[] = [];
    for (const r of read) {
      this.positions.remember(positionOf(r));
      const e = toRecorded(r);
      if (e) out.push(e);
    }
    return out;
  }
}

async function collect<T>(stream: AsyncIterable<unknown>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of stream) out.push(item as T);
  return out;
}
