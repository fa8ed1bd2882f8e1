import type { Writable } from 'node:stream';
import type { EventStore } from '../ledger/eventStore.js';
import { presentEvent } from './auditService.js';
import { readAllPages } from '../ledger/readAllPages.js';

export interface ExportOptions {
  from?: Date;
  to?: Date;
  streamPrefix?: string;
  onProgress?: (scanned: number, total: number, written: number) => void;
}

/** Writes the ledger as NDJSON, one redacted event per line (no secrets, digests or ciphertexts). */
export async function exportLedger(store: EventStore, out: Writable, options: ExportOptions = {}): Promise<{ written: number; scanned: number }> {
  const total = Number(await store.headPosition());
  let scanned = 0;
  let written = 0;
  for await (const events of readAllPages(store)) {
    let chunk = '';
    for (const e of events) {
      scanned++;
      if (options.streamPrefix && !e.stream.startsWith(options.streamPrefix)) continue;
      if (options.from && e.recordedAt < options.from) continue;
      if (options.to && e.recordedAt > options.to) continue;
      chunk += JSON.stringify(presentEvent(e)) + '\n';
      written++;
    }
    if (chunk && !out.write(chunk)) await new Promise((r) => out.once('drain', r));
    options.onProgress?.(Number(events[events.length - 1]!.position), total, written);
  }
  return { written, scanned };
}
