import { expect } from 'chai';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { lengthKeywords, loadSchemas } from '../../src/http/schemas.js';

describe('minLength and maxLength (counted in code points only when the length cannot decide)', () => {
  const schema = { type: 'object', properties: { s: { type: 'string', minLength: 2, maxLength: 4 } } };
  const plain = new Ajv2020({ allErrors: true, strict: false }).compile(schema);
  const fast = new Ajv2020({ allErrors: true, strict: false }).removeKeyword('maxLength').removeKeyword('minLength').addKeyword(lengthKeywords).compile(schema);
  const smile = '\u{1F600}'; // two UTF-16 units, one code point
  const samples = ['', 'a', 'ab', 'abcd', 'abcde', 'é', 'éé', smile, smile + 'a', smile.repeat(2), smile.repeat(4), smile.repeat(5), 'abc' + smile, 'abcd' + smile, '\uD800', '\uD800\uD800', '\uDC00a', 'a'.repeat(9)];

  it('accepts and refuses exactly what ajv does, with the same errors', () => {
    for (const s of samples) {
      const expected = plain({ s });
      expect(fast({ s }), JSON.stringify(s)).to.equal(expected);
      expect(fast.errors ?? null, JSON.stringify(s)).to.deep.equal(plain.errors ?? null);
    }
  });

  it('counts code points, not UTF-16 units', () => {
    expect(fast({ s: smile.repeat(4) })).to.equal(true); // 8 units, 4 code points
    expect(fast({ s: smile })).to.equal(false); // 2 units, 1 code point
    expect(fast.errors![0]!.message).to.equal('must NOT have fewer than 2 characters');
  });

  it('is what the service validates with', () => {
    const schemas = loadSchemas();
    expect(() => schemas.validate('requests/oauth2-introspect', { token: 'x'.repeat(8192) })).not.to.throw();
    expect(() => schemas.validate('requests/oauth2-introspect', { token: smile.repeat(8192) })).not.to.throw();
    expect(() => schemas.validate('requests/oauth2-introspect', { token: 'x'.repeat(8193) })).to.throw(/must NOT have more than 8192 characters/);
    expect(() => schemas.validate('requests/oauth2-introspect', { token: '' })).to.throw(/must NOT have fewer than 1 characters/);
  });
});
