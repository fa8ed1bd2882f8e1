import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ReadModelDb } from './projection.js';

/** The local, rebuildable read-model database. It is not the source of truth, so NORMAL sync is enough. */
export function openReadModelDb(file: string): ReadModelDb {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.exec(`CREATE TABLE IF NOT EXISTS projection_checkpoints (
    name TEXT PRIMARY KEY, position INTEGER NOT NULL, version INTEGER NOT NULL)`);
  return db;
}
