import { expect } from 'chai';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { AppendNotifier, catchUpSubscription } from '../../src/ledger/catchUpSubscription.js';
import type { RecordedEvent } from '../../src/ledger/eventStore.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** A ledger whose head moves by one event on each `append()`: reads after the head return nothing. */
function movingHead() {
  const notifier = new AppendNotifier();
  let head = 0n;
  const delivered: bigint[] = [];
  const read = async ({ after }: { after?: bigint }) =>
    (after ?? 0n) < head ? [{ position: head, stream: 's' } as RecordedEvent] : [];
  return {
    notifier,
    read,
    delivered,
    append() {
      head++;
      notifier.notify();
    },
    handler: (events: RecordedEvent[]) => void delivered.push(...events.map((e) => e.position)),
  };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('catchUpSubscription: reads after the last delivered position, waits at the head', () => {
  it('wakes on each append, and close() ends a wait at the head without sitting out the poll interval', async () => {
    const ledger = movingHead();
    const hour = 3_600_000;
    const sub = catchUpSubscription(ledger.read, ledger.notifier, {}, ledger.handler, hour);
    await sub.caughtUp;
    for (let i = 0; i < 3; i++) {
      ledger.append();
      await turn();
    }
    expect(ledger.delivered).to.deep.equal([1n, 2n, 3n]);
    await sub.close(); // with the wait left to its hour's poll, mocha's timeout fails this
  });

  it('keeps nothing per wake-up while it lives: the heap does not grow with the appends it waited for', async () => {
    const ledger = movingHead();
    const sub = catchUpSubscription(ledger.read, ledger.notifier, {}, () => undefined, 60_000);
    await sub.caughtUp;
    const wakeUps = async (n: number) => {
      for (let i = 0; i < n; i++) {
        ledger.append();
        await turn();
      }
      gc();
      return process.memoryUsage().heapUsed;
    };
    const before = await wakeUps(10_000);
    const after = await wakeUps(60_000);
    await sub.close();
    // A race against a promise of the close left ~310 bytes a wake-up on it: ~18 MB here.
    expect(after - before, 'bytes kept by 60,000 wake-ups').to.be.below(3_000_000);
  });
});
