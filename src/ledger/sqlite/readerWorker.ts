// Reads `$all` ahead for a rebuild: what projections use, parsed here, a page per request, so that
// the main thread only applies while this thread reads and parses. With a page mapper (see
// EventStore.mappedPages), each page is sent as what the mapper makes of it. Messages: 'next' in,
// `{ page }` out (`{ end: true }` after the last page, `{ failure }` when reading fails).
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { messageOf } from '../../errors.js';
import type { PageMapperModule, ProjectedEvent } from '../eventStore.js';

const { file, pageSize, mapper } = workerData as { file: string; pageSize: number; mapper?: PageMapperModule };
type Row = [position: bigint, stream: string, revision: bigint, type: string, data: string, recordedAt: string];

// The mapper is imported before the first page is asked for: messages wait in the port until then.
let map: (events: ProjectedEvent[]) => unknown = (events) => events;
try {
  if (mapper) map = ((await import(mapper.url)) as { createPageMapper(options: unknown): typeof map }).createPageMapper(mapper.options);
} catch (error) {
  map = () => {
    throw error;
  };
}

const db = new Database(file, { readonly: true });
const page = db
  .prepare('SELECT position, stream, revision, type, data, recorded_at FROM events WHERE position > ? ORDER BY position LIMIT ?')
  .safeIntegers(true)
  .raw(true);
let after = 0n;

parentPort!.on('message', () => {
  try {
    const rows = page.all(after, BigInt(pageSize)) as Row[];
    if (rows.length === 0) return parentPort!.postMessage({ end: true });
    after = rows[rows.length - 1]![0];
    const events = rows.map(([position, stream, revision, type, data, recordedAt]) => ({ position, stream, revision, type, data: JSON.parse(data), recordedAt: new Date(recordedAt) }));
    parentPort!.postMessage({ page: map(events) });
  } catch (error) {
    parentPort!.postMessage({ failure: messageOf(error) });
  }
});
