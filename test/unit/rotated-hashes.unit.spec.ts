import { expect } from 'chai';
import { evolveCredential, initialCredentialState, type CredentialEvent, type CredentialState } from '../../src/credentials/credential.js';
import { RotatedHashes } from '../../src/credentials/rotatedHashes.js';

const hash = (i: number) => i.toString(16).padStart(64, '0');
const at = (i: number) => new Date(Date.UTC(2026, 11, 1) + i * 1000).toISOString();

describe("refresh families' rotated-out digests (RotatedHashes)", () => {
  it('knows every digest it was given, with its time, and no other', () => {
    let r = RotatedHashes.none;
    for (let i = 0; i < 1000; i++) r = r.with(hash(i), at(i));
    expect(r.size).to.equal(1000);
    for (const i of [0, 1, 63, 64, 65, 500, 999]) expect(r.get(hash(i)), `digest ${i}`).to.equal(at(i));
    expect(r.get(hash(1000))).to.equal(undefined);
    expect(r.get('toString'), 'no inherited names').to.equal(undefined);
  });

  it('is immutable: a set made from another leaves it as it was', () => {
    let r = RotatedHashes.none;
    const kept: RotatedHashes[] = [];
    for (let i = 0; i < 200; i++) {
      kept.push(r);
      r = r.with(hash(i), at(i));
    }
    // kept[n] holds the first n digests, whatever was added after it was made.
    for (const n of [0, 1, 63, 64, 65, 128, 199]) {
      expect(kept[n]!.size, `set ${n}`).to.equal(n);
      expect(kept[n]!.get(hash(n)), `set ${n} does not know digest ${n}`).to.equal(undefined);
      if (n > 0) expect(kept[n]!.get(hash(n - 1))).to.equal(at(n - 1));
    }
    expect(RotatedHashes.none.size).to.equal(0);
  });

  it('copies a bounded number of digests a rotation, however many the family has', () => {
    let r = RotatedHashes.none;
    let most = 0;
    for (let i = 0; i < 20_000; i++) {
      most = Math.max(most, r.copiedOnWith);
      r = r.with(hash(i), at(i));
    }
    expect(r.size).to.equal(20_000);
    expect(most).to.be.at.most(64);
  });

  it('is what a family folds its rotations into: a token rotated out long ago is still known as rotated', () => {
    const issued: CredentialEvent = {
      type: 'CredentialIssued',
      data: { credentialId: 'fam', kind: 'refresh', subject: 's', clientId: null, scopes: [], roles: [], issuedAt: at(0), expiresAt: at(10_000), kid: null, tokenHash: hash(0), familyId: 'fam', parentId: null },
    };
    let state: CredentialState = evolveCredential(initialCredentialState(), issued);
    for (let i = 1; i <= 300; i++) {
      state = evolveCredential(state, {
        type: 'RefreshTokenRotated',
        data: { credentialId: 'fam', fromHash: hash(i - 1), toHash: hash(i), accessTokenId: `a${i}`, rotatedAt: at(i), expiresAt: at(10_000 + i), withinGrace: false },
      });
    }
    if (state.status !== 'active') throw new Error('the family should be active');
    expect(state.current).to.deep.equal([hash(300)]);
    expect(state.rotated.size).to.equal(300);
    expect(state.rotated.get(hash(0))).to.equal(at(1));
    expect(state.rotated.get(hash(299))).to.equal(at(300));
    expect(state.rotated.get(hash(300))).to.equal(undefined);
  });
});
