import type { RecordedEvent } from '../eventStore.js';

/** A follower's place in RecentEvents: what every follower has read is let go. */
export interface RecentCursor {
  /** Up to `max` events after `position` (undefined: read them from SQLite); everything up to `position` has been read. */
  read(position: bigint, max: number): RecordedEvent[] | undefined;
  close(): void;
}

/**
 * The events this process appended most recently, exactly as a read of the ledger would return
 * them, so that its followers (the projection runner and the relay) read a fresh append
 * from memory instead of each querying SQLite and parsing the same JSON again.
 *
 * Only a contiguous run of positions is kept: when another process (the CLI) appends in between,
 * the run restarts, and a read that starts before the run goes to SQLite. The events are frozen:
 * followers share them.
 *
 * An event is kept only until every follower has read it (each follows through a `RecentCursor`),
 * and at most twice `capacity` of them while one lags, which then reads SQLite for what went. A
 * fixed window (4,096 to 8,192 events, seconds of them at 2,000 appends/s) kept every event alive
 * into the old generation, for major collections to mark and sweep (bench/PERFORMANCE.md).
 */
export class RecentEvents {
  private events: RecordedEvent[] = [];
  private readonly cursors = new Set<{ position: bigint }>();

  constructor(private readonly capacity = 4096) {}

  follow(): RecentCursor {
    const cursor = { position: -1n };
    this.cursors.add(cursor);
    return {
      read: (position, max) => {
        cursor.position = position;
        this.release();
        return this.after(position, max);
      },
      close: () => {
        this.cursors.delete(cursor);
        this.release();
      },
    };
  }

  add(batch: readonly RecordedEvent[]): void {
    // With nobody following, nothing is kept: a follower that starts later catches up from SQLite.
    if (batch.length === 0 || this.cursors.size === 0) return;
    const last = this.events[this.events.length - 1];
    if (last && batch[0]!.position !== last.position + 1n) this.events = [];
    for (const e of batch) this.events.push(deepFreeze(e));
    // Trim in steps, not per append.
    if (this.events.length > 2 * this.capacity) this.events = this.events.slice(-this.capacity);
  }

  /** How many events are kept (for tests). */
  get size(): number {
    return this.events.length;
  }

  /**
   * Up to `max` events after `position`, or undefined when the run does not hold the next one (it
   * starts later, or `position` is already its end: only the ledger knows whether another process
   * appended since).
   */
  private after(position: bigint, max: number): RecordedEvent[] | undefined {
    const first = this.events[0];
    const last = this.events[this.events.length - 1];
    if (!first || !last || position < first.position - 1n || position >= last.position) return undefined;
    const start = Number(position - first.position + 1n);
    return this.events.slice(start, start + max);
  }

  /** Lets go of what every follower has read. */
  private release(): void {
    const first = this.events[0];
    if (!first) return;
    let read: bigint | undefined;
    for (const c of this.cursors) if (read === undefined || c.position < read) read = c.position;
    if (read === undefined) {
      this.events = [];
      return;
    }
    const done = read - first.position + 1n;
    if (done <= 0n) return;
    this.events = done >= BigInt(this.events.length) ? [] : this.events.slice(Number(done));
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
