/**
 * Gathers what is added during one event-loop turn and hands it over in one go, in that turn's
 * check phase (setImmediate). The ledger's group commit and the signing thread's batches use it.
 */
export class TurnBatch<T> {
  private items: T[] = [];
  private scheduled = false;

  constructor(private readonly handOver: (items: T[]) => void) {}

  add(item: T): void {
    this.items.push(item);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Hands over what has been gathered, now (nothing when there is none). */
  flush(): void {
    this.scheduled = false;
    const items = this.items;
    if (items.length === 0) return;
    this.items = [];
    this.handOver(items);
  }

  /** Takes back what has not been handed over yet. */
  drain(): T[] {
    const items = this.items;
    this.items = [];
    return items;
  }
}
