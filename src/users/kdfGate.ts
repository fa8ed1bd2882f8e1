import { TooManyRequests } from '../errors.js';

/**
 * Bounds how many password KDFs run at once. scrypt never runs on the event loop, but several at
 * once take every core of a small machine and starve the loop all the same: introspection p99 went
 * from a few ms to 77 ms while 20 logins ran on 2 cores, with scrypt on libuv's four threads. With
 * one KDF per core but one, the event loop keeps a core.
 *
 * Waiting callers queue in order; past `maxWaiting`, a login is refused with 429 and Retry-After
 * rather than queued for longer than a client would wait.
 */
export class KdfGate {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    readonly concurrency: number,
    private readonly maxWaiting = 64 * concurrency,
  ) {}

  async run<T>(kdf: () => Promise<T>): Promise<T> {
    if (this.running < this.concurrency) this.running++;
    else {
      if (this.waiting.length >= this.maxWaiting) throw new TooManyRequests(1, 'Too many sign-ins at once; retry shortly');
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    try {
      return await kdf();
    } finally {
      // Hand the slot straight to the next caller, so that a newcomer cannot overtake the queue.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
