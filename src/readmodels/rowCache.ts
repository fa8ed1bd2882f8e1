import type { ProjectedEvent } from '../ledger/eventStore.js';
import type { ProjectionRunner } from './projectionRunner.js';
import { setBounded } from '../boundedMap.js';

/**
 * Read-model rows kept in memory, keyed by id. A row stays until an event naming that id is
 * projected: the runner calls its listeners after committing a batch and before it releases
 * read-your-writes waiters, so a request that waited for its own write never sees a stale row.
 * Bounded: past `max` rows, the oldest entry goes.
 */
export class RowCache<V> {
  private readonly rows = new Map<string, V>();

  constructor(
    runner: ProjectionRunner,
    keyOf: (event: ProjectedEvent) => unknown,
    private readonly max = 100_000,
  ) {
    runner.onApplied((events) => {
      for (const e of events) {
        const key = keyOf(e);
        if (typeof key === 'string') this.rows.delete(key);
      }
    });
  }

  get(key: string): V | undefined {
    return this.rows.get(key);
  }

  set(key: string, value: V): V {
    setBounded(this.rows, key, value, this.max);
    return value;
  }
}
