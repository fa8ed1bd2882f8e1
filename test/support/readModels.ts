import Database from 'better-sqlite3';
import { allProjections } from '../../projections/index.js';

/** Every projection table's rows, sorted, so two read-model files can be compared. */
export function dumpReadModels(file: string): Record<string, unknown[]> {
  const db = new Database(file, { readonly: true });
  try {
    const out: Record<string, unknown[]> = {};
    for (const p of allProjections) {
      for (const table of p.tables) {
        const rows = db.prepare(`SELECT * FROM ${table}`).all() as Record<string, unknown>[];
        out[table] = rows.map((r) => JSON.stringify(r)).sort();
      }
    }
    return out;
  } finally {
    db.close();
  }
}
