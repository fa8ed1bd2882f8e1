import { expect } from 'chai';
import fc from 'fast-check';
import { canonicalJson } from '../../src/ledger/hashChain.js';

/** The definition the one-pass writer must match: a key-sorted copy, then JSON.stringify. */
function reference(value: unknown): string {
  const sortKeys = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortKeys);
    if (v && typeof v === 'object' && !(v instanceof Date)) {
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(v).sort()) {
        // defineProperty, not assignment: an own `__proto__` key (JSON.parse makes them) is data too.
        Object.defineProperty(out, key, { value: sortKeys((v as Record<string, unknown>)[key]), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    return v;
  };
  return JSON.stringify(sortKeys(value));
}

describe('canonicalJson', () => {
  it('is byte for byte the key-sorted JSON.stringify, for any JSON-like value (hashes of existing ledgers stay valid)', () => {
    const key = fc.oneof(fc.string(), fc.constantFrom('0', '1', '2', '10', '9', '01', '-1', '4294967295', '__proto__', 'a', 'B'));
    const leaf = fc.oneof(fc.string(), fc.double(), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.date({ noInvalidDate: true }));
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('node')), fc.dictionary(key, tie('node'))),
    })).node;
    fc.assert(
      fc.property(value, (v) => {
        expect(canonicalJson([v])).to.equal(reference([v]));
      }),
      { numRuns: 2000 },
    );
  });

  it('hashes an own __proto__ key like any other field, so that it cannot be altered unseen', () => {
    expect(canonicalJson(JSON.parse('{"b":1,"__proto__":{"x":1}}'))).to.equal('{"__proto__":{"x":1},"b":1}');
  });

  it('refuses a BigInt, as JSON.stringify does', () => {
    expect(() => canonicalJson({ n: 1n })).to.throw(TypeError);
  });
});
