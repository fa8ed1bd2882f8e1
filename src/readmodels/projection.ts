import type Database from 'better-sqlite3';
import type { ProjectedEvent } from '../ledger/eventStore.js';

export type ReadModelDb = Database.Database;

/** A value SQLite binds: what a projection's parameters may be. */
export type SqlValue = string | number | bigint | null;

/** One write an event makes: the name of one of the projection's `statements`, and its positional parameters. */
export type ProjectionWrite = readonly [statement: string, parameters: readonly SqlValue[]];

/** A read-model definition: the events it reads, its SQL, and the writes one event makes. */
export interface Projection {
  name: string;
  /** Bump to rebuild this read model from the ledger on the next start. */
  version: number;
  canHandle: readonly string[];
  /** CREATE TABLE statements (idempotent). */
  schema: string;
  /**
   * CREATE INDEX statements (idempotent), kept apart from `schema` so that a full rebuild can load
   * the tables first and build each index once at the end, by sorting, instead of inserting every
   * row into every index as it goes.
   */
  indexes?: string;
  /** Tables dropped on a rebuild. */
  tables: readonly string[];
  /**
   * The statements `writes` names, with positional parameters: binding by name costs a lookup per
   * column, on the replay's hottest line.
   */
  statements: Readonly<Record<string, string>>;
  /**
   * The writes one event makes, in order. Pure: no I/O, no clock, nothing read back from the read
   * model, so that a rebuild can compute them on the thread that reads the ledger while the main
   * thread only runs them.
   */
  writes(event: ProjectedEvent): ProjectionWrite[];
}
