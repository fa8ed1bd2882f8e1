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

/** Every stream's last revision and hash as of `position` (the last event at or before it). */
export interface LedgerHeads {
  position: bigint;
  streams: Map<string, { revision: bigint; hash: string }>;
}

type VerifyOptions = { onProgress?: (done: number, total: number) => void };

/**
 * Recomputes every stream's hash chain and checks that `$all` positions have no gaps (for stores
 * whose positions are dense, like SQLite). Reports the first event altered, removed or reordered.
 */
export async function verifyLedger(store: EventStore, options: VerifyOptions = {}): Promise<VerifyResult> {
  return (await verifyLedgerHeads(store, options)).verdict;
}

/**
 * `verifyLedger`, in the same pass also taking the stream heads as of `headsAt` (default: the end),
 * so that a signed checkpoint can be checked without reading the ledger again. No heads come back
 * when the chain breaks before that position.
 */
export async function verifyLedgerHeads(
  store: EventStore,
  options: VerifyOptions & { headsAt?: bigint } = {},
): Promise<{ verdict: VerifyResult; heads?: LedgerHeads }> {
  // Only SQLite's positions are dense (EventStoreDB's are commit positions), so only there is a gap a removal.
  const dense = store.kind === 'sqlite';
  const heads = new Map<string, { hash: string; revision: bigint }>();
  const total = Number(await store.headPosition());
  let after = 0n; // the last position seen, for the gap check
  let count = 0;
  // The heads as they stood at `headsAt`, kept only for the streams that moved after it (undefined:
  // begun after it), so that the memory grows with what changed since, not with the whole ledger.
  let passed: bigint | undefined; // the last position at or before `headsAt`, once the walk went beyond it
  const before = new Map<string, { hash: string; revision: bigint } | undefined>();
  // Once the walk is over, winds `heads` back to `headsAt` in place: it has no other use by then.
  const rewound = (): LedgerHeads => {
    if (passed === undefined) return { position: after, streams: heads };
    for (const [stream, head] of before) {
      if (head) heads.set(stream, head);
      else heads.delete(stream);
    }
    return { position: passed, streams: heads };
  };
  const fail = (e: { position: bigint; stream: string; revision: bigint; id: string }, problem: string) => {
    const verdict = {
      ok: false,
      events: count,
      streams: heads.size,
      firstBreak: { position: e.position.toString(), stream: e.stream, revision: e.revision.toString(), eventId: e.id, problem },
    };
    return { verdict, heads: passed === undefined ? undefined : rewound() };
  };
  for await (const events of readAllPages(store)) {
    for (const e of events) {
      if (options.headsAt !== undefined && e.position > options.headsAt) {
        passed ??= after;
        if (!before.has(e.stream)) before.set(e.stream, heads.get(e.stream));
      }
      if (dense && e.position !== after + 1n) {
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
  const verdict = { ok: true, events: count, streams: heads.size };
  return { verdict, heads: rewound() };
}
