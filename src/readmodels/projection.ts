import type Database from 'better-sqlite3';
import type { ProjectedEvent } from '../ledger/eventStore.js';

export type ReadModelDb = Database.Database;

/** A read-model definition: the events it reads, its SQL, and how one event changes it. */
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
  /** Prepares statements once and returns the function that applies one event. */
  prepare(db: ReadModelDb): (event: ProjectedEvent) => void;
}
