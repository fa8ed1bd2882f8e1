import { allProjections } from '../../projections/index.js';
import type { EventStore, ProjectedEvent } from '../ledger/eventStore.js';
import { readAllPages } from '../ledger/readAllPages.js';
import { moduleBeside } from '../workers/spawnWorker.js';
import { pageWriter, type PageWrites } from './pageWrites.js';
import type { Projection, ReadModelDb } from './projection.js';
import { ProjectionRunner } from './projectionRunner.js';
import type { ReplayMapperOptions } from './replayMapper.js';

export interface ReplayProgress {
  applied: number;
  total: number;
  eventsPerSecond: number;
}

export interface ReplayResult {
  events: number;
  seconds: number;
  eventsPerSecond: number;
}

/**
 * Rebuilds every read model from the ledger into `db`: drops them, then applies `$all` in large
 * transactions. With `until`, stops at the first event recorded after that instant.
 */
export async function replayReadModels(
  store: EventStore,
  db: ReadModelDb,
  projections: readonly Projection[],
  options: { until?: Date; batch?: number; onProgress?: (p: ReplayProgress) => void } = {},
): Promise<ReplayResult> {
  const runner = new ProjectionRunner(store, db, projections);
  // A rebuild can be redone from the ledger, so it need not be durable until the end: no fsync per
  // batch, a large page cache. One checkpoint at the end makes it durable. Pages are small (1,000
  // events): a page's objects then die young, and replay ran 115k events/s against 89k with 5,000.
  const synchronous = db.pragma('synchronous', { simple: true });
  const cacheSize = db.pragma('cache_size', { simple: true });
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -65536');
  runner.reset();
  runner.init({ deferIndexes: true });
  const total = Number(await store.headPosition());
  const started = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;
  let applied = 0;
  const pageSize = options.batch ?? 1000;
  const pages = writesOf(store, projections, pageSize, options.until);
  // Twenty pages to a transaction (each page's own becomes a savepoint): fewer commits, same small pages.
  let pagesInTransaction = 0;
  db.exec('BEGIN');
  try {
    for await (const page of pages) {
      runner.applyWrites(page);
      applied += page.events;
      if (++pagesInTransaction === 20) {
        db.exec('COMMIT; BEGIN');
        pagesInTransaction = 0;
      }
      options.onProgress?.({ applied, total, eventsPerSecond: applied / Math.max(elapsed(), 1e-9) });
      if (page.stopped) break;
    }
    db.exec('COMMIT');
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw error;
  }
  runner.createIndexes();
  db.pragma(`synchronous = ${synchronous}`);
  db.pragma(`cache_size = ${cacheSize}`);
  db.pragma('wal_checkpoint(TRUNCATE)');
  const seconds = elapsed();
  return { events: applied, seconds, eventsPerSecond: applied / Math.max(seconds, 1e-9) };
}

/**
 * The ledger's pages as the writes they make. The embedded ledger computes them on its reader
 * thread, beside the reading and parsing, when the projections are the service's own (that thread
 * imports them by name). Otherwise this thread computes them from the pages it reads.
 */
function writesOf(store: EventStore, projections: readonly Projection[], pageSize: number, until?: Date): AsyncIterable<PageWrites> {
  if (store.mappedPages && projections.every((p) => allProjections.includes(p))) {
    const options: ReplayMapperOptions = { projections: projections.map((p) => p.name), until: until?.toISOString() };
    return store.mappedPages<PageWrites>(pageSize, { url: moduleBeside(import.meta.url, 'replayMapper'), options });
  }
  const write = pageWriter(projections, until);
  const events: AsyncIterable<ProjectedEvent[]> = store.projectedPages ? store.projectedPages(pageSize) : readAllPages(store, pageSize);
  return (async function* () {
    for await (const page of events) yield write(page);
  })();
}
