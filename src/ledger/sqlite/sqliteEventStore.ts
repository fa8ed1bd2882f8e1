import type Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { AppendNotifier, catchUpSubscription } from '../catchUpSubscription.js';
import {
  matchesPrefixes,
  WrongExpectedRevisionError,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type PageMapperModule,
  type ProjectedEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeOptions,
  type SubscriptionHandler,
} from '../eventStore.js';
import { EVENT_COLUMNS, LedgerWriter, openLedgerDb, recordedFromRow, type AppendOutcome, type AppendRequest, type EventRow } from './ledgerWriter.js';
import { KnownStreams } from './knownStreams.js';
import { RecentEvents } from './recentEvents.js';
import { spawnWorker } from '../../workers/spawnWorker.js';
import { TurnBatch } from '../../turnBatch.js';

export interface SqliteEventStoreOptions {
  /**
   * `inline` (default): appends that arrive in the same event-loop turn share one fsync'd
   * transaction. `worker`: the commit runs in a writer thread, so fsync never blocks the event
   * loop; it pays for a thread hop and a copy of each batch, and measured slower on a 2-core
   * machine where the load generator shares the cores (see bench/PERFORMANCE.md), so it is opt-in
   * (`LEDGER_SQLITE_GROUP_COMMIT=worker`). `none`: one transaction per append.
   */
  groupCommit?: 'worker' | 'inline' | 'none' | boolean;
  now?: () => Date;
  /**
   * Keep the file's streams in a filter (KnownStreams), for `streamMayExist`. Costs one pass over
   * the streams at open (~0.27 s for 320,000) and 1.25-2.5 bytes an event: meant for the service, not
   * for a short-lived CLI command.
   */
  knownStreams?: boolean;
  /** How often subscriptions look for appends made by other processes (the CLI). */
  pollMs?: number;
}

interface PendingAppend extends AppendRequest {
  resolve: (r: AppendResult) => void;
  reject: (e: unknown) => void;
}

type WorkerOutcome =
  | { ok: true; value: AppendResult }
  | { ok: false; conflict: { stream: string; expected: ExpectedRevision; actual: bigint | 'no_stream' } }
  | { ok: false; failure: string };

/** Places in an `EventRow`. */
const STREAM = 2;
const REVISION = 3;
const POSITION = 0;

/**
 * The embedded ledger: one SQLite file in WAL mode with synchronous=FULL, so an acknowledged
 * append is on disk. Concurrent appends are group-committed: one fsync per batch instead of one
 * per request; the commit runs on this thread by default, or in a writer thread (`groupCommit: 'worker'`).
 */
export class SqliteEventStore implements EventStore {
  readonly kind = 'sqlite';
  private readonly db: Database.Database;
  private readonly notifier = new AppendNotifier();
  /** Appends waiting for the writer thread (`worker` mode). */
  private pending: PendingAppend[] = [];
  /** Appends of this event-loop turn, committed together (`inline` mode). */
  private readonly group = new TurnBatch<PendingAppend>((batch) => this.commitGroup(batch));
  private readonly now: () => Date;
  private readonly mode: 'worker' | 'inline' | 'none';
  private readonly pollMs: number;
  private readonly stmt;
  private readonly writer?: LedgerWriter;
  private readonly known?: KnownStreams;
  private worker?: Worker;
  private inFlight?: PendingAppend[];
  /** What this process appended last, for its followers (inline and `none` modes). */
  private readonly recent = new RecentEvents();

  constructor(readonly file: string, options: SqliteEventStoreOptions = {}) {
    mkdirSync(dirname(file), { recursive: true });
    this.db = openLedgerDb(file);
    this.now = options.now ?? (() => new Date());
    const g = options.groupCommit;
    this.mode = g === undefined || g === true ? 'inline' : g === false ? 'none' : g;
    this.pollMs = options.pollMs ?? 500;
    if (options.knownStreams) this.known = new KnownStreams(this.db);
    if (this.mode === 'worker') this.startWorker();
    else this.writer = new LedgerWriter(this.db);
    const prepare = (sql: string) => this.db.prepare(sql).safeIntegers(true);
    const rows = (sql: string) => prepare(sql).raw(true);
    this.stmt = {
      lastPosition: prepare('SELECT COALESCE(MAX(position), 0) AS p FROM events'),
      // Reading forwards without a max count, the common read (a whole stream, or its tail since a
      // folded state), has a statement without a LIMIT parameter: binding one cost 4-8 µs a read
      // (an empty stream: 10 µs against 2.7 without it).
      from: rows(`SELECT ${EVENT_COLUMNS} FROM events WHERE stream = ? AND revision >= ? ORDER BY revision`),
      forwards: rows(`SELECT ${EVENT_COLUMNS} FROM events WHERE stream = ? AND revision >= ? ORDER BY revision LIMIT ?`),
      backwards: rows(`SELECT ${EVENT_COLUMNS} FROM events WHERE stream = ? AND revision <= ? ORDER BY revision DESC LIMIT ?`),
      all: rows(`SELECT ${EVENT_COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`),
      readCheckpoint: prepare('SELECT position FROM checkpoints WHERE name = ?'),
      saveCheckpoint: prepare('INSERT OR REPLACE INTO checkpoints (name, position) VALUES (?, ?)'),
    };
  }

  private startWorker(): void {
    this.worker = spawnWorker(import.meta.url, 'writerWorker', { file: this.file });
    this.worker.unref(); // referenced only while a batch is in flight (see sendToWorker)
    this.worker.on('message', (message: { outcomes?: WorkerOutcome[]; written?: EventRow[]; failure?: string } | 'closed') => {
      if (message === 'closed') return;
      const batch = this.inFlight ?? [];
      this.inFlight = undefined;
      if (message.failure !== undefined) {
        for (const a of batch) a.reject(new Error(`ledger write failed: ${message.failure}`));
      } else {
        this.remember(message.written ?? []);
        message.outcomes!.forEach((o, i) => {
          const a = batch[i]!;
          if (o.ok) {
            this.learn(a.stream, o.value);
            a.resolve(o.value);
          } else if ('conflict' in o) {
            const error = new WrongExpectedRevisionError(o.conflict.stream, o.conflict.expected, o.conflict.actual);
            this.learn(a.stream, error);
            a.reject(error);
          } else a.reject(new Error(`ledger write failed: ${o.failure}`));
        });
        this.notifier.notify();
      }
      this.sendToWorker();
      if (!this.inFlight) this.worker?.unref();
    });
    this.worker.on('error', (error) => {
      for (const a of [...(this.inFlight ?? []), ...this.pending]) a.reject(error);
      this.inFlight = undefined;
      this.pending = [];
    });
  }

  /** Everything that queued up while the last batch was being committed becomes the next batch. */
  private sendToWorker(): void {
    if (this.inFlight || this.pending.length === 0 || !this.worker) return;
    this.inFlight = this.pending;
    this.pending = [];
    const batch = this.inFlight.map(({ stream, events, expected }) => ({ stream, events, expected }));
    this.worker.ref(); // an append awaited by a short-lived process (the CLI) must keep it alive
    this.worker.postMessage({ batch, recordedAt: this.now().getTime() });
  }

  append(stream: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    if (this.mode === 'none') {
      const [outcome] = this.commit([{ stream, events, expected }]);
      this.learn(stream, outcome!.ok ? outcome!.value : outcome!.error);
      if (outcome!.ok) {
        this.notifier.notify();
        return Promise.resolve(outcome!.value);
      }
      return Promise.reject(outcome!.error);
    }
    return new Promise((resolve, reject) => {
      if (this.mode === 'inline') return this.group.add({ stream, events, expected, resolve, reject });
      this.pending.push({ stream, events, expected, resolve, reject });
      this.sendToWorker();
    });
  }

  private commitGroup(batch: PendingAppend[]): void {
    let outcomes: AppendOutcome[];
    try {
      outcomes = this.commit(batch);
    } catch (error) {
      for (const a of batch) a.reject(error);
      return;
    }
    batch.forEach((a, i) => {
      const o = outcomes[i]!;
      this.learn(a.stream, o.ok ? o.value : o.error);
      if (o.ok) a.resolve(o.value);
      else a.reject(o.error);
    });
    this.notifier.notify();
  }

  /** Keeps `known` up to date with an append's outcome (a result, or the error it failed with), as soon as it is known. */
  private learn(stream: string, outcome: unknown): void {
    if (!this.known) return;
    const exists = outcome instanceof WrongExpectedRevisionError ? outcome.actual !== 'no_stream' : !(outcome instanceof Error);
    if (exists) this.known.add(stream);
  }

  /** Followers read other processes' appends through `readAll`: their new streams are known from then on. */
  private learnStreams(rows: EventRow[]): EventRow[] {
    if (this.known) for (const row of rows) if (row[REVISION] === 0n) this.known.add(row[STREAM]);
    return rows;
  }

  /**
   * False when the stream has no events as far as this process knows (with `knownStreams`): not in
   * the file at open, nor appended to, read, followed or refused as existing through this store
   * since. Another process may have created it: an append expecting no stream then fails, and it is
   * known from then.
   */
  streamMayExist(stream: string): boolean {
    return this.known ? this.known.mayHave(stream) : true;
  }

  private commit(batch: AppendRequest[]): AppendOutcome[] {
    // Filled only once the transaction has committed.
    const written: EventRow[] = [];
    const outcomes = this.writer!.writeBatch(batch, this.now(), written);
    this.remember(written);
    return outcomes;
  }

  /** Followers read what was just written from memory (RecentEvents), parsed once here. */
  private remember(written: readonly EventRow[]): void {
    if (written.length > 0) this.recent.add(written.map(recordedFromRow));
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const rows = this.streamRows(stream, options);
    // A stream another process created is known from its first read here.
    if (rows.length > 0) this.known?.add(stream);
    return rows.map(recordedFromRow);
  }

  private streamRows(stream: string, o: ReadStreamOptions): EventRow[] {
    const end = BigInt(Number.MAX_SAFE_INTEGER);
    if (o.direction === 'backwards') return this.stmt.backwards.all(stream, o.fromRevision ?? end, o.maxCount === undefined ? end : BigInt(o.maxCount)) as EventRow[];
    if (o.maxCount === undefined) return this.stmt.from.all(stream, o.fromRevision ?? 0n) as EventRow[];
    return this.stmt.forwards.all(stream, o.fromRevision ?? 0n, BigInt(o.maxCount)) as EventRow[];
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const max = options.maxCount ?? 1000;
    const prefixes = options.streamPrefixes;
    if (!prefixes || prefixes.length === 0) {
      return this.learnStreams(this.stmt.all.all(options.after ?? 0n, BigInt(max)) as EventRow[]).map(recordedFromRow);
    }
    // Prefix filters scan in pages, so that a sparse filter still returns a full batch.
    const out: RecordedEvent[] = [];
    let after = options.after ?? 0n;
    while (out.length < max) {
      const rows = this.learnStreams(this.stmt.all.all(after, 2000n) as EventRow[]);
      if (rows.length === 0) break;
      for (const row of rows) {
        if (matchesPrefixes(row[STREAM], prefixes)) out.push(recordedFromRow(row));
        if (out.length >= max) break;
      }
      after = rows[rows.length - 1]![POSITION];
    }
    return out;
  }

  /**
   * `$all` from the start with only what projections use, for a rebuild: a third fewer bytes than
   * `readAll`, no metadata, read and parsed ahead by a reader thread (a few pages in flight) so
   * that this thread only applies.
   */
  projectedPages(pageSize: number): AsyncGenerator<ProjectedEvent[]> {
    return this.readAhead<ProjectedEvent[]>(pageSize);
  }

  /** `projectedPages`, each page turned by `mapper` on the reader thread into what this thread applies. */
  mappedPages<T>(pageSize: number, mapper: PageMapperModule): AsyncGenerator<T> {
    return this.readAhead<T>(pageSize, mapper);
  }

  /**
   * One reader thread, three pages in flight. (Two readers, each reading every other page, were no
   * faster on this 2-core machine: bench/PERFORMANCE.md.)
   */
  private async *readAhead<T>(pageSize: number, mapper?: PageMapperModule): AsyncGenerator<T> {
    const reader = spawnWorker(import.meta.url, 'readerWorker', { file: this.file, pageSize, mapper });
    type Message = { page?: T; end?: true; failure?: string };
    const pages: Array<Promise<Message>> = [];
    const pending: Array<{ resolve: (m: Message) => void; reject: (e: Error) => void }> = [];
    reader.on('message', (m: Message) => {
      const next = pending.shift()!;
      if (m.failure === undefined) next.resolve(m);
      else next.reject(new Error(`ledger read failed: ${m.failure}`));
    });
    reader.on('error', (error) => pending.splice(0).forEach((p) => p.reject(error)));
    const request = () => {
      pages.push(new Promise((resolve, reject) => pending.push({ resolve, reject })));
      reader.postMessage('next');
    };
    try {
      for (let i = 0; i < 3; i++) request();
      for (;;) {
        const m = await pages.shift()!;
        if (m.end) return;
        request();
        yield m.page as T;
      }
    } finally {
      await reader.terminate();
    }
  }

  subscribeToAll(options: SubscribeOptions, handler: SubscriptionHandler) {
    // Followers read a fresh append from memory. `readAll` itself always reads the file: the audit
    // tools verify what is stored, not what this process remembers writing.
    const cursor = this.recent.follow();
    const read = (o: { after?: bigint; maxCount: number }) => {
      const recent = cursor.read(o.after ?? 0n, o.maxCount);
      return recent ? Promise.resolve(recent) : this.readAll(o);
    };
    const subscription = catchUpSubscription(read, this.notifier, options, handler, this.pollMs);
    subscription.done.then(cursor.close, cursor.close);
    return subscription;
  }

  async headPosition(): Promise<bigint> {
    return (this.stmt.lastPosition.get() as { p: bigint }).p;
  }

  async readCheckpoint(name: string): Promise<bigint | undefined> {
    return (this.stmt.readCheckpoint.get(name) as { position: bigint } | undefined)?.position;
  }

  /**
   * A commit of its own on this thread's connection, outside the group commit (a checkpoint is
   * saved a few times a second at most). In `worker` mode it may wait for the writer thread's
   * lock (busy_timeout).
   */
  async saveCheckpoint(name: string, position: bigint): Promise<void> {
    this.stmt.saveCheckpoint.run(name, position);
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  /** Commits what is queued, then closes; acknowledged appends are never lost. */
  async close(): Promise<void> {
    if (this.mode === 'inline') this.group.flush();
    if (this.worker) {
      while (this.inFlight || this.pending.length > 0) {
        this.sendToWorker();
        await new Promise((r) => setTimeout(r, 5));
      }
      const worker = this.worker;
      this.worker = undefined;
      await new Promise<void>((resolve) => {
        worker.once('message', () => resolve());
        worker.once('exit', () => resolve());
        worker.ref(); // keep the process alive until the writer has closed the file
        worker.postMessage('close');
      });
      await worker.terminate();
    }
    this.notifier.notify();
    if (this.db.open) this.db.close();
  }
}
