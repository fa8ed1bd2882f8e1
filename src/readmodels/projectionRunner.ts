import type { EventStore, ProjectedEvent, Subscription } from '../ledger/eventStore.js';
import { errorFields, type Logger } from '../logger.js';
import { statementTable, type PageWrites } from './pageWrites.js';
import type { Projection, ReadModelDb } from './projection.js';

type Statement = ReturnType<ReadModelDb['prepare']>;

interface Loaded {
  projection: Projection;
  /** Its place in the runner's projections, as `statementTable` numbers them. */
  index: number;
  handles: Set<string>;
  checkpoint: bigint;
}

/**
 * Follows `$all` and applies events to the read models. Each batch is one transaction that also
 * moves the checkpoints, so a crash never leaves a projection half-applied, and positions already
 * applied are skipped on replay or redelivery.
 */
export class ProjectionRunner {
  private loaded: Loaded[] = [];
  /** Every projection's statements, prepared, in `statementTable` order (what `applyWrites` indexes). */
  private statements: Statement[] = [];
  private indexOf?: (projection: number, name: string) => number;
  private moveCheckpoint?: Statement;
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
    this.loaded = this.projections.map((projection, index) => {
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
      return { projection, index, handles: new Set(projection.canHandle), checkpoint };
    });
    const table = statementTable(this.projections);
    this.statements = table.list.map((s) => this.db.prepare(s.sql));
    this.indexOf = table.indexOf;
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
    this.commit(events[events.length - 1]!.position, () => {
      for (const event of events) {
        for (const l of this.loaded) {
          if (event.position > l.checkpoint && l.handles.has(event.type)) this.apply(l, event);
        }
      }
    });
    // Before any waiter is released: caches of read-model rows drop what this batch changed.
    for (const listener of this.appliedListeners) listener(events);
    this.releaseWaiters();
  }

  /**
   * Runs a page's writes as `pageWriter` computed them, for a rebuild from the start: every
   * checkpoint is behind the page, so every write applies. A page names no events, so a runner with
   * `onApplied` listeners (whose caches would go stale) refuses it.
   */
  applyWrites(page: PageWrites): void {
    if (this.appliedListeners.length > 0) throw new Error('applyWrites is for a rebuild: this runner has onApplied listeners');
    if (page.events === 0) return;
    const { writes } = page;
    this.commit(page.last, () => {
      for (let i = 0; i < writes.length; i += 2) this.statements[writes[i] as number]!.run(writes[i + 1]);
    });
    this.releaseWaiters();
  }

  private apply(l: Loaded, event: ProjectedEvent): void {
    for (const [name, parameters] of l.projection.writes(event)) this.statements[this.indexOf!(l.index, name)]!.run(parameters);
  }

  /** One transaction: the writes, then every checkpoint behind `last` moved to it. */
  private commit(last: bigint, writes: () => void): void {
    const put = (this.moveCheckpoint ??= this.db.prepare('UPDATE projection_checkpoints SET position = ? WHERE name = ?'));
    this.db.transaction(() => {
      writes();
      for (const l of this.loaded) {
        if (l.checkpoint < last) {
          l.checkpoint = last;
          put.run(last, l.projection.name);
        }
      }
    })();
    this.applied = last;
  }

  private releaseWaiters(): void {
    const applied = this.applied;
    this.waiters = this.waiters.filter((w) => (w.position <= applied ? (w.resolve(), false) : true));
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
