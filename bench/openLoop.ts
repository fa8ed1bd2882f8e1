// An open-loop load: requests are sent on a fixed schedule, whether or not earlier ones have been
// answered, over at most `connections` keep-alive connections (OpenLoopClient, 50 by default). Each latency runs from the moment
// the request was due, not from when a connection was free, so a stall is charged to every request
// it delayed (no coordinated omission). autocannon's `overallRate` sends each second's quota in a
// burst at the start of the second, which measures the burst, not the service.
//
// The connections are opened before the first run and kept across runs (OpenLoopClient), as a
// client of the service keeps them: a fresh pool opens connections during its first tens of
// milliseconds at the offered rate, and those requests waited 60-220 ms on the service (20-40 of
// 15,000 at 3,000/s, enough to move a p99), a cost of the harness's own pool, not of the service.
import { Pool } from 'undici';

/** The request an open loop sends, and at what rate for how long. */
export interface OpenLoopOptions {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  /** The body of every request, or a function called once per request for a body of its own (a new key for each registration). */
  body?: string | (() => string);
  ratePerSecond: number;
  seconds: number;
}

export interface OpenLoopResult {
  offeredPerSecond: number;
  achievedPerSecond: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  non2xx: number;
  errors: number;
}

const quantile = (sorted: Float64Array, q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : NaN);
const ms = (x: number) => Math.round(x * 100) / 100;

/** Keep-alive connections to one origin, opened once and shared by every run made through them. */
export class OpenLoopClient {
  private readonly pool: Pool;

  constructor(
    url: string,
    readonly connections = 50,
  ) {
    this.pool = new Pool(new URL(url).origin, { connections, pipelining: 1 });
  }

  /** Opens every connection: `connections` requests of `o`'s shape at once, untimed. */
  async warm(o: Pick<OpenLoopOptions, 'url' | 'method' | 'headers' | 'body'>): Promise<void> {
    const path = pathOf(o.url);
    await Promise.all(
      Array.from({ length: this.connections }, () => this.pool.request({ path, method: o.method, headers: o.headers, body: bodyOf(o) }).then((res) => res.body.dump())),
    );
  }

  run(o: OpenLoopOptions): Promise<OpenLoopResult> {
    return schedule(o, this.pool, pathOf(o.url));
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

const bodyOf = (o: Pick<OpenLoopOptions, 'body'>) => (typeof o.body === 'function' ? o.body() : o.body);

const pathOf = (url: string) => {
  const target = new URL(url);
  return target.pathname + target.search;
};

function schedule(o: OpenLoopOptions, pool: Pool, path: string): Promise<OpenLoopResult> {
  const total = Math.round(o.ratePerSecond * o.seconds);
  const intervalMs = 1000 / o.ratePerSecond;
  const latencies = new Float64Array(total);
  let sent = 0;
  let done = 0;
  let non2xx = 0;
  let errors = 0;
  const start = performance.now();
  return new Promise((resolve) => {
    const finish = (i: number, ok: boolean, status: number) => {
      latencies[i] = performance.now() - (start + i * intervalMs);
      if (!ok) errors++;
      else if (status < 200 || status > 299) non2xx++;
      if (++done === total) {
        const elapsed = (performance.now() - start) / 1000;
        const sorted = latencies.slice().sort();
        resolve({
          offeredPerSecond: o.ratePerSecond,
          achievedPerSecond: Math.round(total / elapsed),
          p50: ms(quantile(sorted, 0.5)),
          p99: ms(quantile(sorted, 0.99)),
          p999: ms(quantile(sorted, 0.999)),
          max: ms(sorted[sorted.length - 1] ?? NaN),
          non2xx,
          errors,
        });
      }
    };
    const send = (i: number) => {
      pool.request({ path, method: o.method, headers: o.headers, body: bodyOf(o) }).then(
        async (res) => {
          await res.body.dump();
          finish(i, true, res.statusCode);
        },
        () => finish(i, false, 0),
      );
    };
    // Timers fire late under load: each tick sends every request that has fallen due since the last.
    const tick = () => {
      const due = Math.min(total, Math.floor((performance.now() - start) / intervalMs) + 1);
      while (sent < due) send(sent++);
      if (sent < total) setTimeout(tick, Math.max(0, start + sent * intervalMs - performance.now()));
    };
    tick();
  });
}
