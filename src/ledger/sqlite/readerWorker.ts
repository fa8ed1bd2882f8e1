// Reads `$all` ahead for a rebuild: raw rows of what projections use, a page per request, so that
// the main thread only parses and applies while this thread waits on SQLite. Messages: 'next' in,
// a page of rows out (an empty page at the end).
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { messageOf } from '../../errors.js';

const { file, pageSize } = workerData as { file: string; pageSize: number };
const db = new Database(file, { readonly: true });
const page = db
  .prepare('SELECT position, stream, revision, type, data, recorded_at FROM events WHERE position > ? ORDER BY position LIMIT ?')
  .safeIntegers(true)
  .raw(true);
let after = 0n;

/** A row as the reader sends it: position, stream, revision, type, data (JSON), recorded_at. */
export type ProjectedRow = [position: bigint, stream: string, revision: bigint, type: string, data: string, recordedAt: string];

parentPort!.on('message', () => {
  try {
    const rows = page.all(after, BigInt(pageSize)) as ProjectedRow[];
    if (rows.length > 0) after = rows[rows.length - 1]![0];
    parentPort!.postMessage({ rows });
  } catch (error) {
    parentPort!.postMessage({ failure: messageOf(error) });
  }
});
