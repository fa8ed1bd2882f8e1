import type { EventStore, ProjectedEvent, Subscription } from '../ledger/eventStore.js';
import { errorFields, type Logger } from '../logger.js';
import type { Projection, ReadModelDb } from './projection.js';

interface Loaded {
  projection: Projection;
  handles: Set<string>;
  apply: (event: ProjectedEvent) => void;
  checkpoint: bigint;
}

/**
 * Follows `$all` and applies events to the read models. Each batch is one transaction that also
 * moves the checkpoints, so a crash never leaves a projection half-applied, and positions already
 * applied are skipped on replay or redelivery.
 */
export class ProjectionRunner {
  private loaded: Loaded[] = [];
  private moveCheckpoint?: ReturnType<ReadModelDb['prepare']>;
  private subscription?: Subscription;
  private waiters: Array<{ position: bigint; resolve: () => void }> = [];
  private readonly appliedListeners: Array<(events: readonly ProjectedEvent[]) => void> = [];
  /** Highest position applied to every read model. */
  applied = 0n;

  constructor(
    private readonly store: EventStore,
    private readonly db: ReadModelDb,
    private readonly projections: readonly Projection[],
    private readonly logger?: Logger,
  ) {}

  /**
   * Creates tables, resets read models whose version changed, and reads checkpoints. A full rebuild
   * passes `deferIndexes` and calls `createIndexes()` once the tables are loaded.
   */
  init(options: { deferIndexes?: boolean } = {}): void {
    const get = this.db.prepare('SELECT position, version FROM projection_checkpoints WHERE name = ?').safeIntegers(true);
    const put = this.db.prepare('INSERT OR REPLACE INTO projection_checkpoints (name, position, version) VALUES (?, ?, ?)');
    this.loaded = this.projections.map((projection) => {
      const row = get.get(projection.name) as { position: bigint; version: bigint } | undefined;
      let checkpoint = row?.position ?? 0n;
      if (row && Number(row.version) !== projection.version) {
        this.logger?.info({ projection: projection.name }, 'read model version changed: rebuilding');
        for (const t of projection.tables) this.db.exec(`DROP TABLE IF EXISTS ${t}`);
        checkpoint = 0n;
      }
      this.db.exec(projection.schema);
      if (!options.deferIndexes && projection.indexes) this.db.exec(projection.indexes);
      put.run(projection.name, checkpoint, projection.version);
      return { projection, handles: new Set(projection.canHandle), apply: projection.prepare(this.db), checkpoint };
    });
    this.applied = this.minCheckpoint();
  }

  /** Builds the secondary indexes `init({ deferIndexes: true })` left out. */
  createIndexes(): void {
    for (const p of this.projections) if (p.indexes) this.db.exec(p.indexes);
  }

  /** Drops every read model and its checkpoint, so the next run rebuilds from the start. */
  reset(): void {
    for (const p of this.projections) for (const t of p.tables) this.db.exec(`DROP TABLE IF EXISTS ${t}`);
    this.db.exec('DELETE FROM projection_checkpoints');
  }

  start(): Subscription {
    if (this.loaded.length === 0) this.init();
    this.subscription = this.store.subscribeToAll({ after: this.minCheckpoint(), maxBatch: 1000 }, (events) => this.applyBatch(events));
    this.subscription.done.catch((error) => this.logger?.error(errorFields(error), 'projection runner stopped'));
    return this.subscription;
  }

  applyBatch(events: readonly ProjectedEvent[]): void {
    if (events.length === 0) return;
    const last = events[events.length - 1]!.position;
    const put = (this.moveCheckpoint ??= this.db.prepare('UPDATE projection_checkpoints SET position = ? WHERE name = ?'));
    this.db.transaction(() => {
      for (const event of events) {
        for (const l of this.loaded) {
          if (event.position > l.checkpoint && l.handles.has(event.type)) l.apply(event);
        }
      }
      for (const l of this.loaded) {
        if (l.checkpoint < last) {
          l.checkpoint = last;
          put.run(last, l.projection.name);
        }
      }
    })();
    this.applied = last;
    // Before any waiter is released: caches of read-model rows drop what this batch changed.
    for (const listener of this.appliedListeners) listener(events);
    this.waiters = this.waiters.filter((w) => (w.position <= last ? (w.resolve(), false) : true));
  }

  /** Called after each batch is committed to the read models, before read-your-writes waiters resume. */
  onApplied(listener: (events: readonly ProjectedEvent[]) => void): void {
    this.appliedListeners.push(listener);
  }

  /** Resolves once every read model has applied `position` (read-your-writes for a request). */
  waitFor(position: bigint | undefined, timeoutMs = 5000): Promise<void> {
    if (position === undefined || position <= this.applied) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('Timed out waiting for read models')), timeoutMs);
      this.waiters.push({ position, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  async stop(): Promise<void> {
    await this.subscription?.close();
  }

  private minCheckpoint(): bigint {
    return this.loaded.reduce((min, l) => (l.checkpoint < min ? l.checkpoint : min), this.loaded[0]?.checkpoint ?? 0n);
  }
}
