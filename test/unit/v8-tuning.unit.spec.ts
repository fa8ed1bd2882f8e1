import { expect } from 'chai';
import { execFileSync, spawnSync } from 'node:child_process';
import { INLINING_FLAGS } from '../../src/v8Tuning.js';
import { itIsAnOnOffVariable } from '../support/config.js';

describe('V8 inlining budgets (LEDGER_V8_INLINING)', () => {
  itIsAnOnOffVariable('LEDGER_V8_INLINING', 'v8Inlining');

  // setFlagsFromString ignores a flag it does not know, so a flag renamed by a later V8 would
  // silently stop applying: each must be one this node lists, and one it accepts on a command line.
  it('names flags this node knows, each raised above its default', () => {
    const options = execFileSync(process.execPath, ['--v8-options'], { encoding: 'utf8' });
    for (const flag of INLINING_FLAGS) {
      const [name, value] = flag.split('=') as [string, string];
      const listed = new RegExp(`^\\s+${name} \\(.*\\n\\s+type: int  default: ${name}=(\\d+)$`, 'm').exec(options);
      expect(listed, `${name} in --v8-options`).to.not.equal(null);
      expect(Number(value), name).to.be.greaterThan(Number(listed![1]));
    }
    const run = spawnSync(process.execPath, [...INLINING_FLAGS, '-e', 'process.exit(0)'], { encoding: 'utf8' });
    expect(run.status, run.stderr).to.equal(0);
    expect(run.stderr).to.equal('');
  });
});
