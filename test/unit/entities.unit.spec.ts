import { expect } from 'chai';
import { BadRequest, Conflict, Forbidden } from '../../src/errors.js';
import { entityDecider, type NewSecret } from '../../src/entities/decide.js';
import { checkSecret, evolveEntity, initialEntityState, secretValidity, type EntityEvent } from '../../src/entities/entity.js';
import { IAM_MESSAGES } from '../../src/entities/messages.js';
import { deciderSpec } from '../support/deciderSpec.js';

const spec = deciderSpec(entityDecider);
const now = new Date('2026-03-01T10:00:00.000Z');
const DAY = 86_400_000;
const hash = (c: string) => c.repeat(64);
const secret = (id: string, days = 180): NewSecret => ({ credentialId: id, secretHash: hash(id[0]!), sealedSecret: `v1.sealed-${id}`, validityDays: days });

const registered: EntityEvent = {
  type: 'EntityRegistered',
  data: { entityId: 'aa-1', name: 'AA One', owners: ['alice'], registeredAt: now.toISOString() },
};
const secretFields = (id: string, days: number, at = now) => ({
  credentialId: id,
  kind: 'entity_secret' as const,
  subject: 'entity:aa-1',
  issuedAt: at.toISOString(),
  expiresAt: new Date(at.getTime() + days * DAY).toISOString(),
  entityId: 'aa-1',
  validityDays: days,
  secretHash: hash(id[0]!),
  sealedSecret: `v1.sealed-${id}`,
});
const issued: EntityEvent = { type: 'EntitySecretIssued', data: secretFields('a1', 180) };

describe('entity decider', () => {
  describe('RegisterEntity', () => {
    it('given nothing, when registered, then EntityRegistered', () =>
      spec.given([]).when({ type: 'RegisterEntity', entityId: 'aa-1', name: 'AA One', owners: ['alice'], now }).then([registered]));
    it('given an entity, when registered again, then Conflict', () =>
      spec.given([registered]).when({ type: 'RegisterEntity', entityId: 'aa-1', name: 'Other', owners: ['bob'], now }).thenThrows(Conflict));
  });

  describe('IssueSecret (read)', () => {
    it('given an entity without a secret, when an owner asks, then EntitySecretIssued with digest and ciphertext', () =>
      spec.given([registered]).when({ type: 'IssueSecret', entityId: 'aa-1', requestedBy: 'alice', secret: secret('a1'), now }).then([issued]));
    it('given an entity with a secret, when an owner asks, then nothing new', () =>
      spec.given([registered, issued]).when({ type: 'IssueSecret', entityId: 'aa-1', requestedBy: 'alice', secret: secret('b2'), now }).then([]));
    it('given an entity, when a non-owner asks, then Forbidden', () =>
      spec.given([registered]).when({ type: 'IssueSecret', entityId: 'aa-1', requestedBy: 'mallory', secret: secret('a1'), now }).thenThrows(Forbidden, IAM_MESSAGES.notOwner));
    it('given nothing, when anyone asks, then BadRequest "Invalid entity id"', () =>
      spec.given([]).when({ type: 'IssueSecret', entityId: 'aa-1', requestedBy: 'alice', secret: secret('a1'), now }).thenThrows(BadRequest, IAM_MESSAGES.invalidEntityId));
  });

  describe('ResetSecret', () => {
    const later = new Date(now.getTime() + 10 * DAY);
    it('given a secret, when reset, then the old one is revoked and the new one replaces it', () =>
      spec.given([registered, issued]).when({ type: 'ResetSecret', entityId: 'aa-1', requestedBy: 'alice', secret: secret('b2', 30), now: later }).then([
        {
          type: 'CredentialRevoked',
          data: { credentialId: 'a1', reason: 'secret_reset', revokedAt: later.toISOString(), expiresAt: secretFields('a1', 180).expiresAt },
        },
        { type: 'EntitySecretReset', data: { ...secretFields('b2', 30, later), parentId: 'a1' } },
      ]));
    it('given no secret yet, when reset, then only EntitySecretReset without a parent', () =>
      spec.given([registered]).when({ type: 'ResetSecret', entityId: 'aa-1', requestedBy: 'alice', secret: secret('b2', 30), now }).then([
        { type: 'EntitySecretReset', data: { ...secretFields('b2', 30), parentId: null } },
      ]));
    it('given an entity, when a non-owner resets, then Forbidden', () =>
      spec.given([registered, issued]).when({ type: 'ResetSecret', entityId: 'aa-1', requestedBy: 'mallory', secret: secret('b2'), now }).thenThrows(Forbidden));
    it('given nothing, when reset, then BadRequest', () =>
      spec.given([]).when({ type: 'ResetSecret', entityId: 'zz', requestedBy: 'alice', secret: secret('b2'), now }).thenThrows(BadRequest));
  });

  describe('RevokeSecret', () => {
    it('given the current secret, when revoked, then CredentialRevoked', () =>
      spec.given([registered, issued]).when({ type: 'RevokeSecret', credentialId: 'a1', reason: 'revoked_by_holder', now }).thenTypes(['CredentialRevoked']));
    it('given a secret already replaced, when revoked, then nothing (its reset revoked it)', () =>
      spec
        .given([registered, issued, { type: 'EntitySecretReset', data: { ...secretFields('b2', 180), parentId: 'a1' } }])
        .when({ type: 'RevokeSecret', credentialId: 'a1', reason: 'x', now })
        .then([]));
    it('given a revoked secret, when an owner reads, then a new one is minted', () =>
      spec
        .given([registered, issued, { type: 'CredentialRevoked', data: { credentialId: 'a1', reason: 'x', revokedAt: now.toISOString(), expiresAt: null } }])
        .when({ type: 'IssueSecret', entityId: 'aa-1', requestedBy: 'alice', secret: secret('c3'), now })
        .thenTypes(['EntitySecretIssued']));
  });
});

describe('entity secret rules', () => {
  it('validity: absent → 180 and adjusted; above 180 → 180 and adjusted; otherwise as asked', () => {
    expect(secretValidity(undefined)).to.deep.equal({ days: 180, adjusted: true });
    expect(secretValidity(181)).to.deep.equal({ days: 180, adjusted: true });
    expect(secretValidity(180)).to.deep.equal({ days: 180, adjusted: false });
    expect(secretValidity(7)).to.deep.equal({ days: 7, adjusted: false });
  });

  describe('checkSecret', () => {
    const state = [registered, issued].reduce(evolveEntity, initialEntityState());
    const expiry = now.getTime() + 180 * DAY;
    it('valid before expiry', () => expect(checkSecret(state, hash('a'), new Date(expiry - 1))).to.equal('valid'));
    it('grace from expiry until 5 days after', () => {
      expect(checkSecret(state, hash('a'), new Date(expiry))).to.equal('grace');
      expect(checkSecret(state, hash('a'), new Date(expiry + 5 * DAY - 1))).to.equal('grace');
    });
    it('invalid after the grace period', () => expect(checkSecret(state, hash('a'), new Date(expiry + 5 * DAY))).to.equal('invalid'));
    it('invalid with a wrong digest, an unknown entity, or no secret', () => {
      expect(checkSecret(state, hash('b'), now)).to.equal('invalid');
      expect(checkSecret(initialEntityState(), hash('a'), now)).to.equal('invalid');
      expect(checkSecret(evolveEntity(initialEntityState(), registered), hash('a'), now)).to.equal('invalid');
    });
    it('the replaced secret is invalid at once after a reset', () => {
      const reset = evolveEntity(state, { type: 'EntitySecretReset', data: { ...secretFields('b2', 180), parentId: 'a1' } });
      expect(checkSecret(reset, hash('a'), now)).to.equal('invalid');
      expect(checkSecret(reset, hash('b'), now)).to.equal('valid');
    });
  });
});
