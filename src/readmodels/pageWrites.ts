import type { ProjectedEvent } from '../ledger/eventStore.js';
import type { Projection, SqlValue } from './projection.js';

/** One of a projection's statements, in `statementTable`'s order. */
export interface ListedStatement {
  projection: number;
  name: string;
  sql: string;
}

/**
 * Every projection's statements in one list, projection by projection in their order, each one's in
 * the order it declares them: a write names a statement by its index here, so that the thread that
 * computes the writes and the one that runs them agree without sending SQL or names. `indexOf`
 * finds one projection's statement by name, and refuses a name it does not declare.
 */
export function statementTable(projections: readonly Projection[]): { list: ListedStatement[]; indexOf(projection: number, name: string): number } {
  const list = projections.flatMap((p, projection) => Object.entries(p.statements).map(([name, sql]) => ({ projection, name, sql })));
  const named = projections.map((_, p) => new Map(list.flatMap((s, i) => (s.projection === p ? [[s.name, i] as const] : []))));
  return {
    list,
    indexOf(projection, name) {
      const i = named[projection]!.get(name);
      if (i === undefined) throw new Error(`projection ${projections[projection]!.name} has no statement ${name}`);
      return i;
    },
  };
}

/**
 * A page of `$all` as the writes it makes: `writes` alternates a statement's index in
 * `statementList` with its parameters. Arrays of plain values are cheap to receive from another
 * thread: for 400,000 events, 0.45 s of the main thread's time, against 1.7 s to receive the rows
 * and parse them (bench/PERFORMANCE.md).
 */
export interface PageWrites {
  writes: Array<number | readonly SqlValue[]>;
  /** How many of the page's events these writes apply. */
  events: number;
  /** The position of the last of them (0n when none). */
  last: bigint;
  /** True when `until` stopped the page: nothing after it is applied. */
  stopped: boolean;
}

/**
 * Turns pages of events into the writes every projection makes, as `ProjectionRunner.applyWrites`
 * runs them. With `until`, stops at the first event recorded after that instant. Pure: it is what
 * the replay runs on the thread that reads the ledger.
 */
export function pageWriter(projections: readonly Projection[], until?: Date): (events: readonly ProjectedEvent[]) => PageWrites {
  const { indexOf } = statementTable(projections);
  const byType = new Map<string, number[]>();
  projections.forEach((p, i) => p.canHandle.forEach((type) => byType.set(type, [...(byType.get(type) ?? []), i])));
  return (events) => {
    const page: PageWrites = { writes: [], events: 0, last: 0n, stopped: false };
    for (const event of events) {
      if (until && event.recordedAt > until) {
        page.stopped = true;
        break;
      }
      for (const p of byType.get(event.type) ?? []) {
        for (const [name, parameters] of projections[p]!.writes(event)) {
          page.writes.push(indexOf(p, name), parameters);
        }
      }
      page.events++;
      page.last = event.position;
    }
    return page;
  };
}
