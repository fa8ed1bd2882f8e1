import { expect } from 'chai';
import { Conflict, NotFound } from '../../src/errors.js';
import {
  consumerStream,
  evolveConsumer,
  initialConsumerState,
  type ConsumerCredentialEvent,
  type ConsumerCredentialIssuedData,
} from '../../src/sunbird/consumerCredential.js';
import { consumerDecider, StaleRegistration, type ConsumerCommand } from '../../src/sunbird/decide.js';
import { deciderSpec } from '../support/deciderSpec.js';

const spec = deciderSpec(consumerDecider);
const T0 = new Date('2026-03-01T10:00:00Z');
const IAT = T0.getTime() / 1000;
const H = (c: string) => c.repeat(64);
const SEALED = 'v1.iv.tag.ct';

const register = (over: Partial<Extract<ConsumerCommand, { type: 'RegisterConsumerCredential' }>> = {}): ConsumerCommand => ({
  type: 'RegisterConsumerCredential',
  credentialId: 'c-1',
  consumer: 'mobile_device',
  key: 'SunbirdUser',
  version: 'v1',
  kid: null,
  iat: IAT,
  tokenHash: H('a'),
  secretSealed: SEALED,
  now: T0,
  ...over,
});

const issuedData = (over: Partial<ConsumerCredentialIssuedData> = {}): ConsumerCredentialIssuedData => ({
  credentialId: 'c-1',
  kind: 'consumer_jwt',
  subject: 'SunbirdUser',
  clientId: 'mobile_device',
  scopes: [],
  roles: [],
  issuedAt: T0.toISOString(),
  expiresAt: null,
  kid: null,
  consumer: 'mobile_device',
  key: 'SunbirdUser',
  version: 'v1',
  alg: 'HS256',
  iat: IAT,
  tokenHash: H('a'),
  secretSealed: SEALED,
  ...over,
});
const issued = (over: Partial<ConsumerCredentialIssuedData> = {}): ConsumerCredentialEvent => ({ type: 'ConsumerCredentialIssued', data: issuedData(over) });
const v2 = { version: 'v2' as const, kid: 'mobile_devicev2_key1', secretSealed: null };

describe('sunbird consumer credential decider', () => {
  describe('register v1', () => {
    it('given nothing, when registered, then ConsumerCredentialIssued with the sealed secret and the common credential fields', () =>
      spec.given([]).when(register()).then([issued()]));

    it('given a v1 registration, when registered again with the same sealed secret and a later iat, then a new credential', () =>
      spec
        .given([issued()])
        .when(register({ credentialId: 'c-2', iat: IAT + 1, tokenHash: H('b') }))
        .then([issued({ credentialId: 'c-2', iat: IAT + 1, tokenHash: H('b') })]));

    it('given a v1 registration, when the token was signed with another secret (a lost race), then StaleRegistration', () =>
      spec
        .given([issued()])
        .when(register({ credentialId: 'c-2', iat: IAT + 1, secretSealed: 'v1.other' }))
        .thenThrows(StaleRegistration, /secret/));

    it('given a registration at iat, when another is signed with the same iat, then StaleRegistration (tokens never repeat)', () =>
      spec.given([issued()]).when(register({ credentialId: 'c-2', tokenHash: H('b') })).thenThrows(StaleRegistration, /iat/));

    it('given a registration, when its credential id is used again, then Conflict', () =>
      spec.given([issued()]).when(register({ iat: IAT + 1 })).thenThrows(Conflict));

    it('given nothing, when a v1 command has no secret, then it is refused', () =>
      spec.given([]).when(register({ secretSealed: null })).thenThrows(Error, /v1/));
  });

  describe('register v2', () => {
    it('given nothing, when registered, then an RS256 credential with its kid and no secret', () =>
      spec.given([]).when(register(v2)).then([issued({ ...v2, alg: 'RS256' })]));

    it('given a v1 registration, when a v2 one follows, then the v1 secret is kept for later v1 registrations', () => {
      const events = [issued(), issued({ ...v2, alg: 'RS256', credentialId: 'c-2', iat: IAT + 1, tokenHash: H('b') })];
      const state = events.reduce(evolveConsumer, initialConsumerState());
      expect(state.status === 'registered' && state.secretSealed).to.equal(SEALED);
      spec.given(events).when(register({ credentialId: 'c-3', iat: IAT + 2, tokenHash: H('c') })).thenTypes(['ConsumerCredentialIssued']);
    });

    it('given nothing, when a v2 command carries a secret, then it is refused', () =>
      spec.given([]).when(register({ ...v2, secretSealed: SEALED })).thenThrows(Error, /v2/));
  });

  describe('revoke', () => {
    const revoke = (credentialId = 'c-1'): ConsumerCommand => ({ type: 'RevokeConsumerCredential', credentialId, reason: 'revoked_by_holder', now: T0 });

    it('given an active credential, when revoked, then CredentialRevoked with no expiry', () =>
      spec.given([issued()]).when(revoke()).then([
        { type: 'CredentialRevoked', data: { credentialId: 'c-1', reason: 'revoked_by_holder', revokedAt: T0.toISOString(), expiresAt: null } },
      ]));

    it('given a revoked credential, when revoked again, then nothing (idempotent)', () =>
      spec.given([issued(), { type: 'CredentialRevoked', data: { credentialId: 'c-1', reason: 'x', revokedAt: T0.toISOString(), expiresAt: null } }])
        .when(revoke())
        .then([]));

    it('given another credential only, when an unknown one is revoked, then NotFound', () =>
      spec.given([issued()]).when(revoke('c-9')).thenThrows(NotFound));

    it('given two credentials, when one is revoked, then the other stays active', () => {
      const state = [
        issued(),
        issued({ credentialId: 'c-2', iat: IAT + 1, tokenHash: H('b') }),
        { type: 'CredentialRevoked' as const, data: { credentialId: 'c-1', reason: 'x', revokedAt: T0.toISOString(), expiresAt: null as null } },
      ].reduce(evolveConsumer, initialConsumerState());
      expect(state.status === 'registered' && state.credentials['c-1']!.status).to.equal('revoked');
      expect(state.status === 'registered' && state.credentials['c-2']!.status).to.equal('active');
      expect(state.status === 'registered' && state.byTokenHash[H('b')]).to.equal('c-2');
    });
  });

  describe('stream names', () => {
    it('keep (consumer, key) pairs apart even when they contain dashes', () => {
      expect(consumerStream('a-b', 'c')).to.not.equal(consumerStream('a', 'b-c'));
      expect(consumerStream('mobile_device', 'SunbirdUser')).to.equal('consumer-mobile_device-SunbirdUser');
      expect(consumerStream('x', 'k y/z')).to.equal('consumer-x-k%20y%2Fz');
    });
  });
});
