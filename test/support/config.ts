import { expect } from 'chai';
import { loadConfig, type Config } from '../../src/config.js';

/** The contract of every on/off variable: `on` by default, on and off taken, anything else refused with a message naming it. */
export function itIsAnOnOffVariable(name: string, field: keyof Config): void {
  it('defaults to on, takes on or off, and refuses anything else at start-up with a message naming it', () => {
    expect(loadConfig({})[field]).to.equal(true);
    expect(loadConfig({ [name]: 'off' })[field]).to.equal(false);
    expect(loadConfig({ [name]: 'on' })[field]).to.equal(true);
    for (const bad of ['yes', '0', '1', 'OFF']) expect(() => loadConfig({ [name]: bad }), bad).to.throw(new RegExp(`${name} must be on or off`));
  });
}
