import { expect } from 'chai';
import { procStatTicks, stealMeter } from '../../bench/harness.js';

describe('bench steal meter: the hypervisor share of the machine, from /proc/stat', () => {
  const sample = ['cpu  3829757 356792 594269 6268959 84321 0 169557 50193 0 0', 'cpu0 1914878 178396 297134 3134479 42160 0 84778 25096 0 0', 'intr 1 2 3'].join('\n');

  it('sums the first line’s eight times and takes steal from the eighth', () => {
    expect(procStatTicks(sample)).to.deep.equal({ total: 3829757 + 356792 + 594269 + 6268959 + 84321 + 0 + 169557 + 50193, steal: 50193 });
  });

  it('refuses text that is not /proc/stat’s', () => {
    expect(procStatTicks('intr 1 2 3 4 5 6 7 8')).to.equal(undefined);
    expect(procStatTicks('cpu 1 2 3')).to.equal(undefined);
    expect(procStatTicks('cpu 1 2 3 4 5 6 7 x')).to.equal(undefined);
  });

  it('gives a share between 0 and 100 on Linux', async function () {
    if (process.platform !== 'linux') this.skip();
    const steal = stealMeter();
    const until = Date.now() + 50;
    while (Date.now() < until); // let the clock ticks move
    await new Promise((r) => setTimeout(r, 30));
    const share = steal();
    expect(share).to.be.a('number');
    expect(share).to.be.within(0, 100);
  });
});
