// An open-loop load: requests are sent on a fixed schedule, whether or not earlier ones have been
// answered, over at most `connections` keep-alive connections. Each latency runs from the moment
// the request was due, not from when a connection was free, so a stall is charged to every request
// it delayed (no coordinated omission). autocannon's `overallRate` sends each second's quota in a
// burst at the start of the second, which measures the burst, not the service.
import { Pool } from 'undici';

export interface OpenLoopOptions {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  ratePerSecond: number;
  seconds: number;
  connections?: number;
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

export async function openLoop(o: OpenLoopOptions): Promise<OpenLoopResult> {
  const target = new URL(o.url);
  const pool = new Pool(target.origin, { connections: o.connections ?? 50, pipelining: 1 });
  try {
    return await schedule(o, pool, target.pathname + target.search);
  } finally {
    await pool.close();
  }
}

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
      pool.request({ path, method: o.method, headers: o.headers, body: o.body }).then(
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
