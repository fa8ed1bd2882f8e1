import { matchesPrefixes, type RecordedEvent, type SubscribeOptions, type Subscription, type SubscriptionHandler } from './eventStore.js';

/** Something that resolves when new events may have been appended (or after `timeoutMs`). */
export interface AppendSignal {
  /** Changes on every append; read it before a read so no wake-up is lost. */
  readonly version: number;
  /** Resolves at once if `version` moved past `seen`, else on the next append or after `timeoutMs`. */
  wait(seen: number, timeoutMs: number): Promise<void>;
}

/**
 * A subscription built from `readAll` plus a wake-up signal. It always reads strictly after the
 * last delivered position, so the switch from catch-up to live has no gap and no duplicate.
 */
export function catchUpSubscription(
  /** Called without stream prefixes: the subscription filters itself (see below). */
  readAll: (options: { after?: bigint; maxCount: number }) => Promise<RecordedEvent[]>,
  signal: AppendSignal,
  options: SubscribeOptions,
  handler: SubscriptionHandler,
  pollMs = 1000,
): Subscription {
  let closed = false;
  let after = options.after;
  const maxCount = options.maxBatch ?? 500;
  let markCaughtUp!: () => void;
  /** Ends the wait in progress, if any: `close()` must not sit out a poll interval. */
  let interruptWait: (() => void) | undefined;
  const caughtUp = new Promise<void>((resolve) => (markCaughtUp = resolve));

  const loop = async (): Promise<void> => {
    while (!closed) {
      const seen = signal.version;
      // Read unfiltered and filter here, so that the checkpoint moves past events of other streams:
      // a sparse filter must not rescan the ledger from its last match on every append.
      const page = await readAll({ after, maxCount });
      if (closed) return;
      const events = page.filter((e) => matchesPrefixes(e.stream, options.streamPrefixes));
      if (events.length > 0) await handler(events);
      if (page.length > 0) after = page[page.length - 1]!.position;
      if (page.length < maxCount) {
        markCaughtUp();
        // A short read means we are at the head: wait for the next append. Not a race against a
        // promise of the close: each race would leave a reaction on it until the close, ~300 bytes
        // a wake-up for as long as the subscription lives.
        if (!closed) {
          await new Promise<void>((resolve) => {
            interruptWait = resolve;
            void signal.wait(seen, pollMs).then(resolve, resolve);
          });
          interruptWait = undefined;
        }
      } else {
        // More to catch up. A store that reads synchronously (SQLite) and a handler that does not
        // wait on I/O (the in-process bus) would otherwise chain microtasks until the backlog is
        // gone, and the server would not answer a request, or even start listening, meanwhile.
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  };
  const done = loop();
  done.catch(() => markCaughtUp());
  return {
    caughtUp,
    done,
    async close() {
      closed = true;
      interruptWait?.();
      await done.catch(() => undefined);
    },
  };
}

/** A resettable broadcast: every append wakes every waiting subscription. */
export class AppendNotifier implements AppendSignal {
  private waiters = new Set<() => void>();
  version = 0;

  notify(): void {
    this.version++;
    const waiters = this.waiters;
    this.waiters = new Set();
    for (const wake of waiters) wake();
  }

  wait(seen: number, timeoutMs: number): Promise<void> {
    if (this.version !== seen) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, timeoutMs);
      timer.unref?.();
      this.waiters.add(wake);
    });
  }
}
