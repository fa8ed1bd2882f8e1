import type { RecordedEvent } from '../eventStore.js';

/**
 * The events this process appended most recently, exactly as a read of the ledger would return
 * them, so that its followers (the projection runner and the relay) read a fresh append
 * from memory instead of each querying SQLite and parsing the same JSON again.
 *
 * Only a contiguous run of positions is kept: when another process (the CLI) appends in between,
 * the run restarts, and a read that starts before the run goes to SQLite. The events are frozen:
 * followers share them.
 */
export class RecentEvents {
  private events: RecordedEvent[] = [];

  constructor(private readonly capacity = 4096) {}

  add(batch: readonly RecordedEvent[]): void {
    if (batch.length === 0) return;
    const last = this.events[this.events.length - 1];
    if (last && batch[0]!.position !== last.position + 1n) this.events = [];
    for (const e of batch) this.events.push(deepFreeze(e));
    // Trim in steps, not per append.
    if (this.events.length > 2 * this.capacity) this.events = this.events.slice(-this.capacity);
  }

  /**
   * Up to `max` events after `position`, or undefined when the run does not hold the next one (it
   * starts later, or `position` is already its end: only the ledger knows whether another process
   * appended since).
   */
  after(position: bigint, max: number): RecordedEvent[] | undefined {
    const first = this.events[0];
    const last = this.events[this.events.length - 1];
    if (!first || !last || position < first.position - 1n || position >= last.position) return undefined;
    const start = Number(position - first.position + 1n);
    return this.events.slice(start, start + max);
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
