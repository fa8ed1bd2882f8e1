import Database from 'better-sqlite3';
import {
  assertExpectedRevision,
  WrongExpectedRevisionError,
  type AppendResult,
  type ExpectedRevision,
  type NewEvent,
  type RecordedEvent,
} from '../eventStore.js';
import { canonicalJson, chainHash } from '../hashChain.js';

export const LEDGER_SCHEMA = `
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
);
CREATE TABLE IF NOT EXISTS checkpoints (
  name        TEXT PRIMARY KEY,
  position    INTEGER NOT NULL
);`;

/** Opens the ledger file as every writer of it must: WAL, an fsync per commit, and the schema. */
export function openLedgerDb(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  db.exec(LEDGER_SCHEMA);
  return db;
}

export interface AppendRequest {
  stream: string;
  events: NewEvent[];
  expected: ExpectedRevision;
}

/**
 * An event as stored, as an array in `EVENT_COLUMNS` order. Reads select rows raw in that order
 * (sparing better-sqlite3 an object of ten named properties per event); the writer gives the rows
 * it wrote in the same shape, its data and metadata as the canonical JSON stored (and hashed), and
 * a writer thread sends them back so. `recordedFromRow` turns either into what a read returns.
 */
export type EventRow = [position: bigint, id: string, stream: string, revision: bigint, type: string, data: string, metadata: string, recordedAt: string, prevHash: string, hash: string];
export const EVENT_COLUMNS = 'position, id, stream, revision, type, data, metadata, recorded_at, prev_hash, hash';

/** A stored row as a read of the ledger returns it. */
export function recordedFromRow([position, id, stream, revision, type, data, metadata, recordedAt, prevHash, hash]: EventRow): RecordedEvent {
  return { id, type, stream, revision, position, data: JSON.parse(data), metadata: JSON.parse(metadata), recordedAt: new Date(recordedAt), prevHash, hash };
}

export type AppendOutcome = { ok: true; value: AppendResult } | { ok: false; error: unknown };

/**
 * Writes appends into the ledger file: checks expected revisions and idempotent repeats, chains
 * hashes, and commits a whole batch in one fsync'd transaction. Synchronous; it runs either on the
 * main thread or in the writer worker.
 */
export class LedgerWriter {
  private readonly stmt;
  /** `$all` position of the last row written, within the current batch's transaction. */
  private position = 0n;

  constructor(private readonly db: Database.Database) {
    const prepare = (sql: string) => db.prepare(sql).safeIntegers(true);
    this.stmt = {
      head: prepare('SELECT revision, hash FROM events WHERE stream = ? ORDER BY revision DESC LIMIT 1'),
      byId: prepare('SELECT stream, revision, position FROM events WHERE id = ?'),
      lastPosition: prepare('SELECT COALESCE(MAX(position), 0) AS p FROM events'),
      insert: prepare(
        `INSERT INTO events (position, id, stream, revision, type, data, metadata, recorded_at, prev_hash, hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
    };
  }

  /**
   * One transaction for the batch; a conflicting append fails alone and leaves no rows behind.
   * With `recorded`, the rows written are pushed to it once the transaction has committed.
   */
  writeBatch(batch: AppendRequest[], recordedAt: Date, recorded?: EventRow[]): AppendOutcome[] {
    const outcomes: AppendOutcome[] = [];
    const written: EventRow[] = [];
    this.db.transaction(() => {
      // Read once per batch (the transaction holds the write lock): each append moves it on.
      this.position = (this.stmt.lastPosition.get() as { p: bigint }).p;
      for (const a of batch) {
        try {
          outcomes.push({ ok: true, value: this.write(a.stream, a.events, a.expected, recordedAt, recorded && written) });
        } catch (error) {
          if (!(error instanceof WrongExpectedRevisionError)) throw error;
          outcomes.push({ ok: false, error });
        }
      }
    })();
    recorded?.push(...written);
    return outcomes;
  }

  private write(stream: string, events: NewEvent[], expected: ExpectedRevision, recordedAt: Date, written?: EventRow[]): AppendResult {
    if (events.length === 1) {
      const one = this.writeOne(stream, events[0]!, expected, recordedAt, written);
      if (one) return one;
    }
    const head = this.stmt.head.get(stream) as { revision: bigint; hash: string } | undefined;
    const current = head ? head.revision : -1n;
    const repeat = this.idempotentRepeat(stream, events, expected, current);
    if (repeat) return repeat;
    assertExpectedRevision(stream, expected, current);
    // Every id is checked before any row is written, so that a refused append leaves nothing behind
    // (the first one already was, by idempotentRepeat).
    for (let i = 1; i < events.length; i++) {
      if (this.stmt.byId.get(events[i]!.id)) throw new WrongExpectedRevisionError(stream, expected, current < 0n ? 'no_stream' : current);
    }
    return this.insert(stream, events, current, head?.hash ?? '', recordedAt, written);
  }

  /**
   * One event to a stream expected new, or expected at the revision it is at: the common append (an
   * issue, a rotation, a revocation). The insert's unique indexes check the id and the place, so the
   * lookups the general path makes first (the stream's head for a new stream, the id) are spent only
   * when it fails; a failed single-row insert writes nothing. Undefined sends the append down the
   * general path, which tells an idempotent repeat from a conflict.
   */
  private writeOne(stream: string, event: NewEvent, expected: ExpectedRevision, recordedAt: Date, written?: EventRow[]): AppendResult | undefined {
    let current = -1n;
    let prevHash = '';
    if (typeof expected === 'bigint') {
      const head = this.stmt.head.get(stream) as { revision: bigint; hash: string } | undefined;
      if (!head || head.revision !== expected) return undefined;
      current = head.revision;
      prevHash = head.hash;
    } else if (expected !== 'no_stream') {
      return undefined;
    }
    try {
      return this.insert(stream, [event], current, prevHash, recordedAt, written);
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') return undefined;
      throw error;
    }
  }

  /** Writes `events` after revision `current` (whose hash is `prevHash`), chained, at the next positions. */
  private insert(stream: string, events: NewEvent[], current: bigint, prevHash: string, recordedAt: Date, written?: EventRow[]): AppendResult {
    let position = this.position;
    let revision = current;
    const at = recordedAt.toISOString();
    for (const e of events) {
      revision += 1n;
      position += 1n;
      // Stored as canonical JSON, the text the hash covers: serialised once, and checkable as stored.
      const data = canonicalJson(e.data);
      const metadata = canonicalJson(e.metadata);
      const hash = chainHash(prevHash, e.id, stream, revision, e.type, data, metadata, at);
      this.stmt.insert.run(position, e.id, stream, revision, e.type, data, metadata, at, prevHash, hash);
      written?.push([position, e.id, stream, revision, e.type, data, metadata, at, prevHash, hash]);
      prevHash = hash;
    }
    this.position = position;
    return { nextRevision: revision, position };
  }

  /** EventStoreDB's rule: the same event ids again at the same place succeed and write nothing. */
  private idempotentRepeat(stream: string, events: NewEvent[], expected: ExpectedRevision, current: bigint): AppendResult | undefined {
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
}
