// The ledger's writer thread: fsync'd commits happen here, so the event loop keeps serving while
// a batch is made durable. Messages: {batch, recordedAt} in; {outcomes} out (conflicts as data).
import { parentPort, workerData } from 'node:worker_threads';
import { WrongExpectedRevisionError } from '../eventStore.js';
import { LedgerWriter, openLedgerDb, type AppendRequest } from './ledgerWriter.js';
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
    const outcomes = writer.writeBatch(message.batch, new Date(message.recordedAt)).map((o) =>
      o.ok
        ? o
        : o.error instanceof WrongExpectedRevisionError
          ? { ok: false, conflict: { stream: o.error.stream, expected: o.error.expected, actual: o.error.actual } }
          : { ok: false, failure: String(o.error) },
    );
    parentPort!.postMessage({ outcomes });
  } catch (error) {
    parentPort!.postMessage({ failure: messageOf(error) });
  }
});
