import {
  excludeSystemEvents,
  START,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type EventStoreDBClient,
  type Position,
} from '@eventstore/db-client';
import type { RecordedEvent, SubscribeOptions, Subscription, SubscriptionHandler } from '../eventStore.js';
import { positionOf, toRecorded, type PositionBook } from './convert.js';

export interface EsdbSubscriptionDeps {
  client: EventStoreDBClient;
  positions: PositionBook;
  /** Position of the last non-system event, to notice catch-up on servers without the caught-up message. */
  headPosition(): Promise<bigint>;
  retry?: { minMs: number; maxMs: number };
}

/**
 * A catch-up subscription on the server's `subscribeToAll`. The handler gets batches in $all order
 * and is awaited; on any drop the subscription resumes from the last *handled* event (ESDB treats
 * `fromPosition` as exclusive), so nothing is skipped and nothing is handled twice.
 */
export function esdbSubscription(
  deps: EsdbSubscriptionDeps,
  options: SubscribeOptions,
  handler: SubscriptionHandler,
): Subscription {
  const maxBatch = Math.max(1, options.maxBatch ?? 500);
  const { minMs, maxMs } = deps.retry ?? { minMs: 100, maxMs: 5000 };
  let closed = false;
  let last: Position | undefined = options.after === undefined ? undefined : deps.positions.full(options.after);
  let current: AllStreamSubscription | undefined;
  let attempt = 0;
  let wake = () => {};
  const nap = () => new Promise<void>((resolve) => (wake = resolve));
  const signal = () => wake();

  let isCaughtUp = false;
  let markCaughtUp!: () => void;
  const caughtUp = new Promise<void>((resolve) => (markCaughtUp = resolve));
  const caughtUpNow = () => {
    isCaughtUp = true;
    markCaughtUp();
  };
  // Older servers send no caught-up message: having handled the head present at start also counts.
  let headAtStart: bigint | undefined;
  deps.headPosition().then(
    (head) => {
      headAtStart = head;
      if (head <= (last?.commit ?? 0n)) caughtUpNow();
      signal();
    },
    () => undefined,
  );

  const open = (): AllStreamSubscription => {
    const prefixes = options.streamPrefixes?.length ? [...options.streamPrefixes] : undefined;
    // Filtered subscriptions report checkpoints; one at or past the start head also means caught up.
    const checkpointReached = (s: AllStreamSubscription, p: Position) => {
      if (headAtStart !== undefined && p.commit >= headAtStart) s.emit('ledgerCaughtUp');
    };
    return deps.client.subscribeToAll({
      fromPosition: last ?? START,
      filter: prefixes ? streamNameFilter({ prefixes, checkpointReached }) : excludeSystemEvents({ checkpointReached }),
    });
  };

  /** Runs one server subscription until it drops (resolves) or the handler throws (rejects). */
  const runOnce = async (): Promise<void> => {
    const sub = open();
    current = sub;
    const queue: RecordedEvent[] = [];
    let received = 0;
    let consumed = 0;
    let caughtUpAt = -1;
    let seen = last?.commit ?? -1n;
    let dropped = false;
    const fullPositions = new Map<bigint, Position>();
    const onSignal = () => {
      // Events before the signal may still sit in the stream's buffer: count them in.
      if (caughtUpAt < 0) caughtUpAt = received + sub.readableLength;
      signal();
    };
    const onData = (resolved: AllStreamResolvedEvent) => {
      received++;
      attempt = 0;
      const e = toRecorded(resolved);
      if (!e || e.position <= seen) {
        consumed++;
        return;
      }
      seen = e.position;
      const full = positionOf(resolved);
      if (full) fullPositions.set(e.position, full);
      queue.push(e);
      if (queue.length >= maxBatch) sub.pause();
      signal();
    };
    const onConfirmed = () => (attempt = 0);
    const onDropped = () => ((dropped = true), signal());
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const listeners: Array<[string, (...args: any[]) => void]> = [
      ['data', onData], ['confirmation', onConfirmed], ['caughtUp', onSignal], ['ledgerCaughtUp', onSignal],
      ['error', onDropped], ['close', onDropped],
    ];
    for (const [name, fn] of listeners) sub.on(name, fn);
    try {
      while (!closed) {
        if (!isCaughtUp && caughtUpAt >= 0 && consumed >= caughtUpAt) caughtUpNow();
        if (!isCaughtUp && headAtStart !== undefined && last && last.commit >= headAtStart) caughtUpNow();
        if (queue.length > 0) {
          const batch = queue.splice(0, maxBatch);
          if (queue.length < maxBatch) sub.resume();
          await handler(batch);
          consumed += batch.length;
          const tail = batch[batch.length - 1]!.position;
          last = fullPositions.get(tail) ?? deps.positions.full(tail);
          deps.positions.remember(last);
          for (const e of batch) fullPositions.delete(e.position);
          continue;
        }
        if (dropped) return;
        await nap();
      }
    } finally {
      // A discarded subscription must not wake (and so shorten) the backoff that follows.
      for (const [name, fn] of listeners) sub.off(name, fn);
      sub.on('error', () => undefined);
      if (current === sub) current = undefined;
      await sub.unsubscribe().catch(() => undefined);
    }
  };

  const loop = async (): Promise<void> => {
    while (!closed) {
      await runOnce();
      if (closed) return;
      // Dropped: back off (exponential, with jitter) and resume after the last handled event.
      const delay = Math.min(maxMs, minMs * 2 ** attempt++) * (0.5 + Math.random() / 2);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([new Promise((r) => (timer = setTimeout(r, delay))), nap()]);
      clearTimeout(timer);
    }
  };

  const done = loop();
  done.catch(() => markCaughtUp());
  return {
    caughtUp,
    done,
    async close() {
      closed = true;
      signal();
      await current?.unsubscribe().catch(() => undefined);
      await done.catch(() => undefined);
    },
  };
}
