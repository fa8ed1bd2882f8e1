import { expect } from 'chai';
import { isActiveAt, type CredentialEvent, type CredentialIssuedData } from '../../src/credentials/credential.js';
import { credentialDecider, InvalidGrant } from '../../src/credentials/decide.js';
import { Conflict, NotFound } from '../../src/errors.js';
import { deciderSpec } from '../support/deciderSpec.js';

const spec = deciderSpec(credentialDecider);
const T0 = new Date('2026-03-01T10:00:00Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const H = (c: string) => c.repeat(64);

const issued: CredentialIssuedData = {
  credentialId: 'fam-1',
  kind: 'refresh_token',
  subject: 'alice',
  clientId: null,
  scopes: ['read'],
  roles: ['user'],
  issuedAt: T0.toISOString(),
  expiresAt: at(3600).toISOString(),
  kid: null,
  tokenHash: H('a'),
  familyId: null,
  parentId: null,
};
const issuedEvent: CredentialEvent = { type: 'CredentialIssued', data: issued };
const rotate = (presented: string, now: Date) => ({
  type: 'RotateRefreshToken' as const,
  presentedHash: presented,
  newHash: H('n'),
  accessTokenId: 'at-1',
  now,
  graceSeconds: 10,
  ttlSeconds: 3600,
});
const rotated = (from: string, to: string, secs: number, withinGrace = false): CredentialEvent => ({
  type: 'RefreshTokenRotated',
  data: { credentialId: 'fam-1', fromHash: from, toHash: to, accessTokenId: 'x', rotatedAt: at(secs).toISOString(), expiresAt: at(secs + 3600).toISOString(), withinGrace },
});

describe('credential decider', () => {
  describe('issue', () => {
    it('given nothing, when issued, then CredentialIssued', () =>
      spec.given([]).when({ type: 'IssueCredential', data: issued }).then([issuedEvent]));
    it('given an issued credential, when issued again, then Conflict', () =>
      spec.given([issuedEvent]).when({ type: 'IssueCredential', data: issued }).thenThrows(Conflict));
  });

  describe('rotate refresh token', () => {
    it('given the current token, then it is rotated out', () =>
      spec.given([issuedEvent]).when(rotate(H('a'), at(5))).then([
        {
          type: 'RefreshTokenRotated',
          data: { credentialId: 'fam-1', fromHash: H('a'), toHash: H('n'), accessTokenId: 'at-1', rotatedAt: at(5).toISOString(), expiresAt: at(3605).toISOString(), withinGrace: false },
        },
      ]));

    it('given a token rotated 10 s ago, then a grace rotation that revokes nothing', () =>
      spec.given([issuedEvent, rotated(H('a'), H('b'), 0)]).when(rotate(H('a'), at(10))).thenTypes(['RefreshTokenRotated']));

    it('given a token rotated 11 s ago, then reuse is detected and the family revoked', () =>
      spec.given([issuedEvent, rotated(H('a'), H('b'), 0)]).when(rotate(H('a'), at(11))).then([
        { type: 'RefreshTokenReuseDetected', data: { credentialId: 'fam-1', tokenHash: H('a'), detectedAt: at(11).toISOString() } },
        { type: 'CredentialRevoked', data: { credentialId: 'fam-1', reason: 'refresh_token_reuse', revokedAt: at(11).toISOString(), expiresAt: at(3600).toISOString() } },
      ]));

    it('given a grace rotation, both live tokens remain usable', () => {
      const events = [issuedEvent, rotated(H('a'), H('b'), 0), rotated(H('a'), H('c'), 2, true)];
      spec.given(events).when(rotate(H('b'), at(3))).thenTypes(['RefreshTokenRotated']);
      spec.given(events).when(rotate(H('c'), at(3))).thenTypes(['RefreshTokenRotated']);
    });

    it('given an unknown token, then invalid_grant', () =>
      spec.given([issuedEvent]).when(rotate(H('z'), at(1))).thenThrows(InvalidGrant));
    it('given an expired family, then invalid_grant', () =>
      spec.given([issuedEvent]).when(rotate(H('a'), at(3600))).thenThrows(InvalidGrant, /expired/));
    it('given a revoked family, then invalid_grant', () =>
      spec
        .given([issuedEvent, { type: 'CredentialRevoked', data: { credentialId: 'fam-1', reason: 'x', revokedAt: at(1).toISOString() } }])
        .when(rotate(H('a'), at(2)))
        .thenThrows(InvalidGrant));
    it('given an access token, then it cannot be rotated', () =>
      spec.given([{ type: 'CredentialIssued', data: { ...issued, kind: 'access_token' } }]).when(rotate(H('a'), at(1))).thenThrows(InvalidGrant));
  });

  describe('revoke', () => {
    it('given an active credential, then CredentialRevoked with its expiry', () =>
      spec.given([issuedEvent]).when({ type: 'RevokeCredential', reason: 'logout', now: at(9) }).then([
        { type: 'CredentialRevoked', data: { credentialId: 'fam-1', reason: 'logout', revokedAt: at(9).toISOString(), expiresAt: at(3600).toISOString() } },
      ]));
    it('given a revoked credential, then nothing (idempotent)', () =>
      spec
        .given([issuedEvent, { type: 'CredentialRevoked', data: { credentialId: 'fam-1', reason: 'x', revokedAt: at(1).toISOString() } }])
        .when({ type: 'RevokeCredential', reason: 'again', now: at(2) })
        .then([]));
    it('given nothing, then NotFound', () =>
      spec.given([]).when({ type: 'RevokeCredential', reason: 'x', now: at(1) }).thenThrows(NotFound));
  });

  describe('activity is derived from time', () => {
    it('active before expiry, inactive at expiry, never active again once revoked', () => {
      const state = credentialDecider.evolve(credentialDecider.initialState(), issuedEvent);
      expect(isActiveAt(state, at(3599))).to.equal(true);
      expect(isActiveAt(state, at(3600))).to.equal(false);
      const revoked = credentialDecider.evolve(state, { type: 'CredentialRevoked', data: { credentialId: 'fam-1', reason: 'x', revokedAt: at(1).toISOString() } });
      const reissued = credentialDecider.evolve(revoked, rotated(H('a'), H('b'), 2));
      expect(isActiveAt(reissued, at(2))).to.equal(false);
    });
  });
});
