import { expect } from 'chai';
import { TooManyRequests } from '../../src/errors.js';
import { KdfGate } from '../../src/users/kdfGate.js';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('KdfGate', () => {
  it('runs at most `concurrency` KDFs at once, and the rest in arrival order', async () => {
    const gate = new KdfGate(2);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    const jobs = Array.from({ length: 6 }, () => deferred());
    const runs = jobs.map((job, i) =>
      gate.run(async () => {
        running++;
        peak = Math.max(peak, running);
        order.push(i);
        await job.promise;
        running--;
        return i;
      }),
    );
    await new Promise((r) => setImmediate(r));
    expect(order).to.deep.equal([0, 1]);
    for (const job of jobs) {
      job.resolve();
      await new Promise((r) => setImmediate(r));
    }
    expect(await Promise.all(runs)).to.deep.equal([0, 1, 2, 3, 4, 5]);
    expect(order).to.deep.equal([0, 1, 2, 3, 4, 5]);
    expect(peak).to.equal(2);
  });

  it('frees the slot when a KDF fails', async () => {
    const gate = new KdfGate(1);
    await gate.run(() => Promise.reject(new Error('boom'))).catch(() => undefined);
    expect(await gate.run(async () => 'next')).to.equal('next');
  });

  it('refuses with 429 and Retry-After once the line is full, and serves the line', async () => {
    const gate = new KdfGate(1, 2);
    const block = deferred();
    const first = gate.run(() => block.promise);
    const queued = [gate.run(async () => 'a'), gate.run(async () => 'b')];
    const refused = await gate.run(async () => 'c').catch((e: unknown) => e);
    expect(refused).to.be.instanceOf(TooManyRequests);
    expect((refused as TooManyRequests).status).to.equal(429);
    expect((refused as TooManyRequests).details.retryAfter).to.equal(1);
    block.resolve();
    await first;
    expect(await Promise.all(queued)).to.deep.equal(['a', 'b']);
  });
});
