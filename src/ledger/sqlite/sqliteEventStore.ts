import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { AppendNotifier, catchUpSubscription } from '../catchUpSubscription.js';
import {
  assertExpectedRevision,
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

export interface SqliteEventStoreOptions {
  /** Batch appends that arrive together into one fsync'd transaction (default true). */
  groupCommit?: boolean;
  now?: () => Date;
  /** How often subscriptions look for appends made by other processes (the CLI). */
  pollMs?: number;
}

interface PendingAppend {
  stream: string;
  events: NewEvent[];
  expected: ExpectedRevision;
  resolve: (r: AppendResult) => void;
  reject: (e: unknown) => void;
}

interface EventRow {
  position: bigint;
  id: string;
  stream: string;
  revision: bigint;
  type: string;
  data: string;
  metadata: string;
  recorded_at: string;
  prev_hash: string;
  hash: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  position    INTEGER PRIMARY KEY,
  id          TEXT NOT NULL UNIQUE,
  stream      TEXT NOT NULL,
  revision    INTEGER NOT NULL,
  type        TEXT NOT NULL,
  data        TEXT NOT NULL,
  metadata    TEXT NOT NULL,
  recorded_at TEXT NOT NULL,
  prev_hash   TEXT NOT NULL,
  hash        TEXT NOT NULL,
  UNIQUE (stream, revision)
);`;

/**
 * The embedded ledger: one SQLite file in WAL mode with synchronous=FULL, so an acknowledged
 * append is on disk. Appends arriving in the same event-loop turn share one transaction
 * (group commit): one fsync per batch instead of one per request.
 */
export class SqliteEventStore implements EventStore {
  readonly kind = 'sqlite';
  private readonly db: Database.Database;
  private readonly notifier = new AppendNotifier();
  private pending: PendingAppend[] = [];
  private flushScheduled = false;
  private readonly now: () => Date;
  private readonly groupCommit: boolean;
  private readonly pollMs: number;
  private readonly stmt;

  constructor(readonly file: string, options: SqliteEventStoreOptions = {}) {
    mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    this.now = options.now ?? (() => new Date());
    this.groupCommit = options.groupCommit ?? true;
    this.pollMs = options.pollMs ?? 500;
    const prepare = (sql: string) => this.db.prepare(sql).safeIntegers(true);
    this.stmt = {
      head: prepare('SELECT revision, hash FROM events WHERE stream = ? ORDER BY revision DESC LIMIT 1'),
      byId: prepare('SELECT stream, revision, position FROM events WHERE id = ?'),
      lastPosition: prepare('SELECT COALESCE(MAX(position), 0) AS p FROM events'),
      insert: prepare(
        `INSERT INTO events (position, id, stream, revision, type, data, metadata, recorded_at, prev_hash, hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      forwards: prepare('SELECT * FROM events WHERE stream = ? AND revision >= ? ORDER BY revision LIMIT ?'),
      backwards: prepare('SELECT * FROM events WHERE stream = ? AND revision <= ? ORDER BY revision DESC LIMIT ?'),
      all: prepare('SELECT * FROM events WHERE position > ? ORDER BY position LIMIT ?'),
    };
  }

  append(stream: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    if (!this.groupCommit) {
      try {
        const result = this.db.transaction(() => this.write(stream, events, expected))();
        this.notifier.notify();
        return Promise.resolve(result);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return new Promise((resolve, reject) => {
      this.pending.push({ stream, events, expected, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits every pending append in one transaction; a conflicting append fails alone. */
  private flush(): void {
    this.flushScheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    const outcomes: Array<{ ok: true; value: AppendResult } | { ok: false; error: unknown }> = [];
    try {
      this.db.transaction(() => {
        for (const a of batch) {
          try {
            outcomes.push({ ok: true, value: this.write(a.stream, a.events, a.expected) });
          } catch (error) {
            // write() validates before inserting, so a rejected append leaves no rows behind.
            if (!(error instanceof WrongExpectedRevisionError)) throw error;
            outcomes.push({ ok: false, error });
          }
        }
      })();
    } catch (error) {
      for (const a of batch) a.reject(error);
      return;
    }
    batch.forEach((a, i) => {
      const o = outcomes[i]!;
      if (o.ok) a.resolve(o.value);
      else a.reject(o.error);
    });
    this.notifier.notify();
  }

  private write(stream: string, events: NewEvent[], expected: ExpectedRevision): AppendResult {
    const head = this.stmt.head.get(stream) as { revision: bigint; hash: string } | undefined;
    const current = head ? head.revision : -1n;
    const repeat = this.idempotentRepeat(stream, events, expected, current);
    if (repeat) return repeat;
    assertExpectedRevision(stream, expected, current);
    let prevHash = head?.hash ?? '';
    let position = (this.stmt.lastPosition.get() as { p: bigint }).p;
    let revision = current;
    const recordedAt = this.now();
    for (const e of events) {
      if (this.stmt.byId.get(e.id)) throw new WrongExpectedRevisionError(stream, expected, current < 0n ? 'no_stream' : current);
      revision += 1n;
      position += 1n;
      const hash = eventHash(prevHash, { ...e, stream, revision, recordedAt });
      this.stmt.insert.run(
        position, e.id, stream, revision, e.type, JSON.stringify(e.data), JSON.stringify(e.metadata),
        recordedAt.toISOString(), prevHash, hash,
      );
      prevHash = hash;
    }
    return { nextRevision: revision, position };
  }

  private idempotentRepeat(
    stream: string,
    events: NewEvent[],
    expected: ExpectedRevision,
    current: bigint,
  ): AppendResult | undefined {
    if (events.length === 0) return undefined;
    const first = this.stmt.byId.get(events[0]!.id) as { stream: string; revision: bigint; position: bigint } | undefined;
    if (!first) return undefined;
    const startsAt = expected === 'no_stream' ? 0n : typeof expected === 'bigint' ? expected + 1n : first.revision;
    const fail = () => new WrongExpectedRevisionError(stream, expected, current < 0n ? 'no_stream' : current);
    if (first.stream !== stream || first.revision !== startsAt) throw fail();
    let last = first;
    for (let i = 1; i < events.length; i++) {
      const row = this.stmt.byId.get(events[i]!.id) as typeof first | undefined;
      if (!row || row.stream !== stream || row.revision !== first.revision + BigInt(i)) throw fail();
      last = row;
    }
    return { nextRevision: last.revision, position: last.position };
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const max = BigInt(options.maxCount ?? Number.MAX_SAFE_INTEGER);
    const rows =
      options.direction === 'backwards'
        ? this.stmt.backwards.all(stream, options.fromRevision ?? BigInt(Number.MAX_SAFE_INTEGER), max)
        : this.stmt.forwards.all(stream, options.fromRevision ?? 0n, max);
    return (rows as EventRow[]).map(toRecorded);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const max = options.maxCount ?? 1000;
    const prefixes = options.streamPrefixes;
    if (!prefixes || prefixes.length === 0) {
      return (this.stmt.all.all(options.after ?? 0n, BigInt(max)) as EventRow[]).map(toRecorded);
    }
    // Prefix filters scan in pages, so that a sparse filter still returns a full batch.
    const out: RecordedEvent[] = [];
    let after = options.after ?? 0n;
    while (out.length < max) {
      const rows = this.stmt.all.all(after, 2000n) as EventRow[];
      if (rows.length === 0) break;
      for (const row of rows) {
        if (prefixes.some((p) => row.stream.startsWith(p))) out.push(toRecorded(row));
        if (out.length >= max) break;
      }
      after = rows[rows.length - 1]!.position;
    }
    return out;
  }

  subscribeToAll(options: SubscribeOptions, handler: SubscriptionHandler) {
    return catchUpSubscription((o) => this.readAll(o), this.notifier, options, handler, this.pollMs);
  }

  async headPosition(): Promise<bigint> {
    return (this.stmt.lastPosition.get() as { p: bigint }).p;
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    this.flush();
    this.notifier.notify();
    if (this.db.open) this.db.close();
  }
}

function toRecorded(row: EventRow): RecordedEvent {
  return {
    id: row.id,
    type: row.type,
    stream: row.stream,
    revision: row.revision,
    position: row.position,
    data: JSON.parse(row.data),
    metadata: JSON.parse(row.metadata),
    recordedAt: new Date(row.recorded_at),
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}
