import Database from 'better-sqlite3';
import { allProjections } from '../../projections/index.js';

/**
 * Every projection table's rows, sorted, and its indexes, so two read-model files can be compared
 * (a rebuild builds the indexes last: they must all be there).
 */
export function dumpReadModels(file: string): Record<string, unknown[]> {
  const db = new Database(file, { readonly: true });
  try {
    const out: Record<string, unknown[]> = {};
    for (const p of allProjections) {
      for (const table of p.tables) {
        const rows = db.prepare(`SELECT * FROM ${table}`).all() as Record<string, unknown>[];
        out[table] = rows.map((r) => JSON.stringify(r)).sort();
        const indexes = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? ORDER BY name").all(table);
        out[`${table} indexes`] = indexes;
      }
    }
    return out;
  } finally {
    db.close();
  }
}
