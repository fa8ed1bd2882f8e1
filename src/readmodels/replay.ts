import type { EventStore } from '../ledger/eventStore.js';
import type { Projection, ReadModelDb } from './projection.js';
import { ProjectionRunner } from './projectionRunner.js';

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
  runner.reset();
  runner.init();
  const total = Number(await store.headPosition());
  const started = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;
  let after = 0n;
  let applied = 0;
  for (;;) {
    let events = await store.readAll({ after, maxCount: options.batch ?? 5000 });
    if (events.length === 0) break;
    const until = options.until;
    const stopAt = until ? events.findIndex((e) => e.recordedAt > until) : -1;
    if (stopAt >= 0) events = events.slice(0, stopAt);
    if (events.length > 0) {
      runner.applyBatch(events);
      applied += events.length;
      after = events[events.length - 1]!.position;
    }
    options.onProgress?.({ applied, total, eventsPerSecond: applied / Math.max(elapsed(), 1e-9) });
    if (stopAt >= 0) break;
  }
  const seconds = elapsed();
  return { events: applied, seconds, eventsPerSecond: applied / Math.max(seconds, 1e-9) };
}
