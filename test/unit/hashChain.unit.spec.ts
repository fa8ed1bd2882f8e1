import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { canonicalJson, chainHash, eventHash } from '../../src/ledger/hashChain.js';

describe('canonicalJson and eventHash', () => {
  it('does not depend on the order keys were written in, at any depth', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ f: 1, e: 2 }], c: null } })).to.equal(canonicalJson({ a: { c: null, d: [{ e: 2, f: 1 }] }, b: 1 }));
    expect(canonicalJson({ b: 1, a: 2 })).to.equal('{"a":2,"b":1}');
  });

  it('drops undefined fields as JSON does, and writes Dates as ISO strings', () => {
    expect(canonicalJson({ a: undefined, d: new Date(0) })).to.equal('{"d":"1970-01-01T00:00:00.000Z"}');
  });

  it('hashes an own __proto__ key like any other field, so that it cannot be altered unseen', () => {
    expect(canonicalJson(JSON.parse('{"b":1,"__proto__":{"x":1}}'))).to.equal('{"__proto__":{"x":1},"b":1}');
    const e = { id: 'e', stream: 's', revision: 0n, type: 'T', metadata: {}, recordedAt: new Date(0) };
    expect(eventHash('', { ...e, data: JSON.parse('{"__proto__":{"x":1}}') })).not.to.equal(eventHash('', { ...e, data: JSON.parse('{"__proto__":{"x":2}}') }));
  });

  it('refuses a BigInt, as JSON.stringify does', () => {
    expect(() => canonicalJson({ n: 1n })).to.throw(TypeError);
  });

  // The ledgers already written hold these hashes: the definition may not move.
  const e = {
    id: '0193a1b2-0000-7000-8000-000000000001',
    stream: 'consumer-mobile_device-k"ey\u00e9',
    revision: 3n,
    type: 'ConsumerCredentialIssued',
    data: { z: 1, a: [{ y: 'é', b: null }], m: 'line\nbreak' },
    metadata: { time: '2026-12-01T00:00:00.000Z', actor: 'admin' },
    recordedAt: new Date('2026-12-01T10:20:30.456Z'),
  };

  it('is the SHA-256 of the canonical JSON array of the chained fields, as every ledger so far was hashed', () => {
    const array = canonicalJson(['ab'.repeat(32), e.id, e.stream, '3', e.type, e.data, e.metadata, '2026-12-01T10:20:30.456Z']);
    expect(eventHash('ab'.repeat(32), e)).to.equal(createHash('sha256').update(array).digest('hex'));
    expect(eventHash('ab'.repeat(32), e)).to.equal('c0df865c7390b58379062551a71723cb8a498d6a4630e944c4e26369f0c53693');
    expect(eventHash('', { ...e, revision: 0n })).to.equal('66b17a40a2dabe5527713ae7b406fea233d7cf41c23adf8c5121baaa8e0711ea');
  });

  it('gives the same hash from data and metadata already in canonical JSON (what the SQLite ledger stores)', () => {
    const at = e.recordedAt.toISOString();
    expect(chainHash('ab'.repeat(32), e.id, e.stream, e.revision, e.type, canonicalJson(e.data), canonicalJson(e.metadata), at)).to.equal(eventHash('ab'.repeat(32), e));
    // Fields that JSON writes as null in an array.
    const none = { ...e, data: undefined, metadata: undefined };
    expect(chainHash('', e.id, e.stream, e.revision, e.type, canonicalJson(none.data), canonicalJson(none.metadata), at)).to.equal(
      createHash('sha256').update(JSON.stringify(['', e.id, e.stream, '3', e.type, null, null, at])).digest('hex'),
    );
  });
});
