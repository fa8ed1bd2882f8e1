import { expect } from 'chai';
import { msgidOf, nestFields, refreshTokenOf, registerRequestProblems } from '../../src/sunbird/requestBody.js';

const problemsOf = (body: unknown) => registerRequestProblems(nestFields(body)).problems;

describe('sunbird request rules', () => {
  it('given a key, then no problem and the key', () => {
    expect(registerRequestProblems(nestFields({ request: { key: 'SunbirdUser' } }))).to.deep.equal({ key: 'SunbirdUser', problems: [] });
  });

  it('given no request (or one that is not an object), then REQUEST IS MANDATORY only', () => {
    for (const body of [{}, { request: null }, { request: 'abc' }, { request: [] }, { request: 5 }, [], 'x']) {
      expect(problemsOf(body), JSON.stringify(body)).to.deep.equal(['REQUEST IS MANDATORY']);
    }
  });

  it('given a request without a usable key, then KEY IS MANDATORY', () => {
    for (const request of [{}, { key: '' }, { key: null }, { key: {} }, { key: ['a'] }]) {
      expect(problemsOf({ request }), JSON.stringify(request)).to.deep.equal(['KEY IS MANDATORY']);
    }
  });

  it('given whitespace in the key, then KEY MUST NOT HAVE SPACE', () => {
    for (const key of ['a b', ' a', 'a\tb', 'a\n', ' ']) expect(problemsOf({ request: { key } }), key).to.deep.equal(['KEY MUST NOT HAVE SPACE']);
  });

  it('given a UUID key (either case), then KEY MUST NOT BE A UUID', () => {
    expect(problemsOf({ request: { key: '0a0d4cc2-58c0-42e0-bd98-66004517cf00' } })).to.deep.equal(['KEY MUST NOT BE A UUID']);
    expect(problemsOf({ request: { key: '0A0D4CC2-58C0-42E0-BD98-66004517CF00' } })).to.deep.equal(['KEY MUST NOT BE A UUID']);
    expect(problemsOf({ request: { key: '0a0d4cc2-58c0-42e0-bd98-66004517cf0' } })).to.deep.equal([]);
  });

  it('given a UUID padded with spaces, then both problems, joined in order', () => {
    expect(problemsOf({ request: { key: ' 0a0d4cc2-58c0-42e0-bd98-66004517cf00 ' } })).to.deep.equal([
      'KEY MUST NOT HAVE SPACE',
      'KEY MUST NOT BE A UUID',
    ]);
  });

  it('given a number or boolean key, then it is read as text (as Jackson does)', () => {
    expect(registerRequestProblems(nestFields({ request: { key: 42 } })).key).to.equal('42');
  });

  it('given form conventions, then request[key], params[msgid] and JSON text in request are understood', () => {
    expect(nestFields({ 'request[key]': 'x', 'params[msgid]': 'm-1' })).to.deep.equal({ request: { key: 'x' }, params: { msgid: 'm-1' } });
    expect(registerRequestProblems(nestFields({ request: '{"key":"y"}' })).key).to.equal('y');
    expect(msgidOf(nestFields({ params: '{"msgid":"m-2"}' }))).to.equal('m-2');
    expect(msgidOf({ params: { msgid: 5 } })).to.equal('');
    expect(msgidOf({})).to.equal('');
  });

  it('reads refresh_token from a field, also when quoted as in the seed', () => {
    expect(refreshTokenOf({ refresh_token: 'tlr_abc' })).to.equal('tlr_abc');
    expect(refreshTokenOf({ '"refresh_token': "'text'\"" })).to.equal('text');
    expect(refreshTokenOf({ refresh_token: '' })).to.equal(undefined);
    expect(refreshTokenOf({ refresh_token: 5 })).to.equal(undefined);
    expect(refreshTokenOf({})).to.equal(undefined);
  });
});
