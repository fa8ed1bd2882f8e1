import { expect } from 'chai';
import { canonicalJson, eventHash } from '../../src/ledger/hashChain.js';

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
});
