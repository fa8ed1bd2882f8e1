import type { EventStore } from './eventStore.js';
import { eventHash } from './hashChain.js';
import { readAllPages } from './readAllPages.js';

export interface ChainBreak {
  position: string;
  stream: string;
  revision: string;
  eventId: string;
  problem: string;
}

export interface VerifyResult {
  ok: boolean;
  events: number;
  streams: number;
  firstBreak?: ChainBreak;
}

/**
 * Recomputes every stream's hash chain and checks that `$all` positions have no gaps (for stores
 * whose positions are dense, like SQLite). Reports the first event altered, removed or reordered.
 */
export async function verifyLedger(
  store: EventStore,
  options: { densePositions?: boolean; onProgress?: (done: number, total: number) => void } = {},
): Promise<VerifyResult> {
  const heads = new Map<string, { hash: string; revision: bigint }>();
  const total = Number(await store.headPosition());
  let after = 0n; // the last position seen, for the gap check
  let count = 0;
  const fail = (e: { position: bigint; stream: string; revision: bigint; id: string }, problem: string): VerifyResult => ({
    ok: false,
    events: count,
    streams: heads.size,
    firstBreak: { position: e.position.toString(), stream: e.stream, revision: e.revision.toString(), eventId: e.id, problem },
  });
  for await (const events of readAllPages(store)) {
    for (const e of events) {
      if (options.densePositions && e.position !== after + 1n) {
        return fail(e, `gap in $all: expected position ${after + 1n}, found ${e.position} (an event was removed)`);
      }
      const head = heads.get(e.stream);
      const expectedRevision = head ? head.revision + 1n : 0n;
      if (e.revision !== expectedRevision) return fail(e, `expected revision ${expectedRevision} (events removed or reordered)`);
      if (e.prevHash !== (head?.hash ?? '')) return fail(e, 'does not commit to the previous event of its stream (removed or reordered)');
      if (eventHash(e.prevHash, e) !== e.hash) return fail(e, 'content does not match its hash (altered)');
      heads.set(e.stream, { hash: e.hash, revision: e.revision });
      after = e.position;
      count++;
    }
    options.onProgress?.(count, total);
  }
  return { ok: true, events: count, streams: heads.size };
}
