// The ledger's writer thread: fsync'd commits happen here, so the event loop keeps serving while
// a batch is made durable. Messages: {batch, recordedAt} in; {outcomes, written} out (conflicts as
// data; the rows written, for the store's followers).
import { parentPort, workerData } from 'node:worker_threads';
import { WrongExpectedRevisionError } from '../eventStore.js';
import { LedgerWriter, openLedgerDb, type AppendRequest, type EventRow } from './ledgerWriter.js';
import { messageOf } from '../../errors.js';

const db = openLedgerDb(workerData.file as string);
const writer = new LedgerWriter(db);

parentPort!.on('message', (message: { batch: AppendRequest[]; recordedAt: number } | 'close') => {
  if (message === 'close') {
    db.close();
    parentPort!.postMessage('closed');
    return;
  }
  try {
    // The rows written go back with the outcomes, so that the store's followers read them from memory.
    const written: EventRow[] = [];
    const outcomes = writer.writeBatch(message.batch, new Date(message.recordedAt), written).map((o) =>
      o.ok
        ? o
        : o.error instanceof WrongExpectedRevisionError
          ? { ok: false, conflict: { stream: o.error.stream, expected: o.error.expected, actual: o.error.actual } }
          : { ok: false, failure: String(o.error) },
    );
    parentPort!.postMessage({ outcomes, written });
  } catch (error) {
    parentPort!.postMessage({ failure: messageOf(error) });
  }
});
