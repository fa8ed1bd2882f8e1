/**
 * The EventStore port. Adapters (memory, SQLite, EventStoreDB) translate their own
 * revision values and errors into these types; nothing vendor-specific leaks past them.
 */

/** `any`, `no_stream`, `stream_exists`, or the exact revision of the stream's last event. */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | bigint;

export interface EventMetadata {
  /** Who caused the event: `user:<name>`, `client:<id>`, `system`, ... */
  actor: string;
  /** The request id of the HTTP request (or CLI run) that caused it. */
  correlationId: string;
  /** The id of the message that directly caused it (the request id, or a parent event id). */
  causationId: string;
  /** Version of the event's data schema. */
  schemaVersion: number;
  /** When the decision was taken, from the injected clock (ISO 8601). */
  time: string;
}

export interface NewEvent {
  id: string;
  type: string;
  data: Record<string, unknown>;
  metadata: EventMetadata;
}

export interface RecordedEvent extends NewEvent {
  stream: string;
  revision: bigint;
  position: bigint;
  recordedAt: Date;
  /** Hash of the previous event in the same stream ('' for the first). */
  prevHash: string;
  /** sha256 over this event's content and `prevHash`. */
  hash: string;
}

/** What read models are built from: an event without its id, metadata and hashes. */
export type ProjectedEvent = Pick<RecordedEvent, 'type' | 'stream' | 'revision' | 'position' | 'data' | 'recordedAt'>;

/**
 * A module a reader thread imports (`url`) and whose `createPageMapper(options)` it calls once; the
 * function that returns is given each page of projected events, and what it returns is the page sent.
 */
export interface PageMapperModule {
  url: string;
  options: unknown;
}

export interface AppendResult {
  /** Revision of the last event now in the stream. */
  nextRevision: bigint;
  /** `$all` position of the last appended event. */
  position: bigint;
}

export interface ReadStreamOptions {
  direction?: 'forwards' | 'backwards';
  /** Inclusive. Defaults to the start (forwards) or the end (backwards). */
  fromRevision?: bigint;
  maxCount?: number;
}

export interface ReadAllOptions {
  /** Exclusive: only events with a greater position. Omit to start at the beginning. */
  after?: bigint;
  maxCount?: number;
  /** Only streams starting with one of these prefixes. */
  streamPrefixes?: readonly string[];
}

export interface SubscribeOptions {
  /** Exclusive checkpoint: delivery starts with the first event after it. */
  after?: bigint;
  streamPrefixes?: readonly string[];
  /** Largest batch handed to the handler at once. */
  maxBatch?: number;
}

export interface Subscription {
  /** Resolves once the subscription has delivered everything present when it started. */
  readonly caughtUp: Promise<void>;
  /** Rejects if the handler throws; the subscription stops then. */
  readonly done: Promise<void>;
  close(): Promise<void>;
}

export type SubscriptionHandler = (events: RecordedEvent[]) => Promise<void> | void;

export interface EventStore {
  readonly kind: string;
  append(stream: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult>;
  /** Events of one stream; an empty array when the stream does not exist. */
  readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /**
   * False when the stream has no events as far as this process knows, so that a command may decide
   * on it as new without reading it (its append, expecting no stream, proves it). Optional: a store
   * without it is read.
   */
  streamMayExist?(stream: string): boolean;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** Catch up from `after`, then go live, with no gap and no duplicate at the switch. */
  subscribeToAll(options: SubscribeOptions, handler: SubscriptionHandler): Subscription;
  /**
   * Optional: `$all` from the start in pages, with only what projections read, for a full rebuild
   * (which reads every event once and parses no metadata). Without it, a rebuild uses `readAll`.
   */
  projectedPages?(pageSize: number): AsyncIterable<ProjectedEvent[]>;
  /**
   * Optional: `projectedPages`, each page turned into something else on the thread that reads
   * them, by the module `mapper` names. A rebuild uses it so that the projections' writes are
   * computed beside the reading, and this thread only runs them.
   */
  mappedPages?<T>(pageSize: number, mapper: PageMapperModule): AsyncIterable<T>;
  /** Position of the last event in `$all` (0n when empty). */
  headPosition(): Promise<bigint>;
  /**
   * A follower's checkpoint kept with the ledger, by name (the lifecycle relay's): not an event, so
   * no read or subscription ever returns it. Undefined when none was saved.
   */
  readCheckpoint(name: string): Promise<bigint | undefined>;
  /** Stores a follower's checkpoint; the last one saved wins. */
  saveCheckpoint(name: string, position: bigint): Promise<void>;
  /** Health probe; throws when the store cannot serve. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export class WrongExpectedRevisionError extends Error {
  override readonly name = 'WrongExpectedRevisionError';
  constructor(
    readonly stream: string,
    readonly expected: ExpectedRevision,
    /** The stream's actual last revision, or `no_stream`. */
    readonly actual: bigint | 'no_stream',
  ) {
    super(`Wrong expected revision on ${stream}: expected ${String(expected)}, actual ${String(actual)}`);
  }
}

export function isWrongExpectedRevision(error: unknown): error is WrongExpectedRevisionError {
  return error instanceof WrongExpectedRevisionError;
}

/** Checks `expected` against the stream's current last revision (-1n when absent). */
export function assertExpectedRevision(stream: string, expected: ExpectedRevision, current: bigint): void {
  const actual = current < 0n ? 'no_stream' : current;
  const ok =
    expected === 'any' ||
    (expected === 'no_stream' && current < 0n) ||
    (expected === 'stream_exists' && current >= 0n) ||
    (typeof expected === 'bigint' && expected === current);
  if (!ok) throw new WrongExpectedRevisionError(stream, expected, actual);
}

export function matchesPrefixes(stream: string, prefixes: readonly string[] | undefined): boolean {
  return !prefixes || prefixes.length === 0 || prefixes.some((p) => stream.startsWith(p));
}
