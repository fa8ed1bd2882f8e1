import { expect } from 'chai';
import { signingKeysDecider, type SigningKeyCreatedData, type SigningKeyEvent } from '../../src/keys/signingKeys.js';
import { deciderSpec } from '../support/deciderSpec.js';

const spec = deciderSpec(signingKeysDecider);
const key = (kid: string): SigningKeyCreatedData => ({
  kid,
  alg: 'ES256',
  group: 'native',
  publicJwk: { kty: 'EC' },
  privateKeySealed: 'v1.x',
  createdAt: '2026-03-01T10:00:00.000Z',
});
const created = (kid: string): SigningKeyEvent => ({ type: 'SigningKeyCreated', data: key(kid) });

describe('signing keys decider', () => {
  it('given no keys, when created, then SigningKeyCreated', () =>
    spec.given([]).when({ type: 'CreateKeys', keys: [key('k1')] }).then([created('k1')]));

  it('given a key, when the same kid is created again, then nothing', () =>
    spec.given([created('k1')]).when({ type: 'CreateKeys', keys: [key('k1')] }).then([]));

  it('given an active key, when rotated, then the new key signs and the old stays published until its tokens expire', () => {
    const now = new Date('2026-03-02T00:00:00Z');
    spec.given([created('k1')]).when({ type: 'RotateGroup', group: 'native', newKeys: [key('k2')], now, maxTokenTtlSeconds: 900 }).then([
      created('k2'),
      { type: 'SigningKeyRetired', data: { kid: 'k1', group: 'native', retiredAt: now.toISOString(), publishUntil: '2026-03-02T00:15:00.000Z' } },
    ]);
    const state = [created('k1'), created('k2'), { type: 'SigningKeyRetired', data: { kid: 'k1', group: 'native', retiredAt: now.toISOString(), publishUntil: null } } as SigningKeyEvent].reduce(
      signingKeysDecider.evolve,
      signingKeysDecider.initialState(),
    );
    expect(state.active.native).to.deep.equal(['k2']);
    expect(state.keys.k1!.retiredAt).to.equal(now.toISOString());
  });
});
