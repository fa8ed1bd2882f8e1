import { expect } from 'chai';
import { BadRequest, Conflict, NotFound } from '../../src/errors.js';
import { expiresAtFor, MAX_ACTIVE_TOKENS_PER_USER, personalTokenDecider, type PersonalTokenCommand } from '../../src/personal-tokens/decide.js';
import type { PersonalTokenEvent } from '../../src/personal-tokens/personalToken.js';
import { deciderSpec } from '../support/deciderSpec.js';

const spec = deciderSpec(personalTokenDecider);
const now = new Date('2026-03-01T10:00:00.000Z');
const ID = '11111111-1111-4111-8111-111111111111';
const ID2 = '22222222-2222-4222-8222-222222222222';
const HASH = 'a'.repeat(64);

const create = (over: Partial<Extract<PersonalTokenCommand, { type: 'CreatePersonalToken' }>> = {}): PersonalTokenCommand => ({
  type: 'CreatePersonalToken',
  credentialId: ID,
  username: 'alice',
  name: 'ci',
  tokenHash: HASH,
  expiration: 'DAYS_30',
  expirationDate: null,
  now,
  ...over,
});
const created = (over: Partial<Extract<PersonalTokenEvent, { type: 'PersonalTokenCreated' }>['data']> = {}): PersonalTokenEvent => ({
  type: 'PersonalTokenCreated',
  data: {
    credentialId: ID,
    kind: 'personal_token',
    subject: 'alice',
    name: 'ci',
    expiration: 'DAYS_30',
    tokenHash: HASH,
    issuedAt: now.toISOString(),
    expiresAt: '2026-03-31T10:00:00.000Z',
    ...over,
  },
});
const revoked: PersonalTokenEvent = {
  type: 'PersonalTokenRevoked',
  data: { credentialId: ID, subject: 'alice', reason: 'revoked_by_owner', revokedAt: now.toISOString(), expiresAt: '2026-03-31T10:00:00.000Z' },
};
const revoke: PersonalTokenCommand = { type: 'RevokePersonalToken', credentialId: ID, username: 'alice', reason: 'revoked_by_owner', now };

describe('personal token decider', () => {
  describe('create', () => {
    it('given nothing, when created for 30 days, then PersonalTokenCreated expiring 30 days from now, with only the digest', () =>
      spec.given([]).when(create()).then([created()]));

    for (const [expiration, days] of [['DAYS_7', 7], ['DAYS_60', 60], ['DAYS_90', 90]] as const) {
      it(`given nothing, when created with ${expiration}, then it expires in ${days} days`, () =>
        spec
          .given([])
          .when(create({ expiration }))
          .then([created({ expiration, expiresAt: new Date(now.getTime() + days * 86_400_000).toISOString() })]));
    }

    it('given nothing, when created with NEVER, then expiresAt is null', () =>
      spec.given([]).when(create({ expiration: 'NEVER' })).then([created({ expiration: 'NEVER', expiresAt: null })]));

    it('given nothing, when created with CUSTOM and a future date, then it expires at that date', () => {
      const date = new Date('2026-06-01T00:00:00.000Z');
      spec.given([]).when(create({ expiration: 'CUSTOM', expirationDate: date })).then([
        created({ expiration: 'CUSTOM', expiresAt: date.toISOString() }),
      ]);
    });

    it('given nothing, when created with CUSTOM but no date, then BadRequest', () =>
      spec.given([]).when(create({ expiration: 'CUSTOM' })).thenThrows(BadRequest, 'expirationDate is required when expiration is CUSTOM'));

    it('given nothing, when created with CUSTOM and a past or present date, then BadRequest', () => {
      spec.given([]).when(create({ expiration: 'CUSTOM', expirationDate: new Date(now.getTime() - 1) })).thenThrows(BadRequest, 'must lie in the future');
      spec.given([]).when(create({ expiration: 'CUSTOM', expirationDate: now })).thenThrows(BadRequest, 'must lie in the future');
    });

    it('given nothing, when a date comes with another expiration, then BadRequest', () =>
      spec.given([]).when(create({ expiration: 'DAYS_7', expirationDate: new Date('2027-01-01') })).thenThrows(BadRequest, 'only allowed when expiration is CUSTOM'));

    it('given a token named "ci", when another "CI" is created, then Conflict (names are unique per user, case-insensitively)', () =>
      spec.given([created()]).when(create({ credentialId: ID2, name: ' CI ' })).thenThrows(Conflict, 'already exists'));

    it('given a revoked token named "ci", when another "ci" is created, then the name is free again', () =>
      spec.given([created(), revoked]).when(create({ credentialId: ID2 })).thenTypes(['PersonalTokenCreated']));

    it('given a token, when its id is reused, then Conflict', () =>
      spec.given([created()]).when(create({ name: 'other' })).thenThrows(Conflict));

    it('given a blank name, then BadRequest', () => spec.given([]).when(create({ name: '   ' })).thenThrows(BadRequest));

    it('trims the name it records', () => spec.given([]).when(create({ name: '  deploy  ' })).then([created({ name: 'deploy' })]));

    it(`given ${MAX_ACTIVE_TOKENS_PER_USER} live tokens, when one more is created, then Conflict`, () => {
      const many = Array.from({ length: MAX_ACTIVE_TOKENS_PER_USER }, (_, i) =>
        created({ credentialId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, name: `t${i}` }),
      );
      spec.given(many).when(create({ credentialId: ID2, name: 'one-more' })).thenThrows(Conflict, 'At most');
    });
  });

  describe('revoke', () => {
    it('given a token, when revoked, then PersonalTokenRevoked carrying its expiry', () => spec.given([created()]).when(revoke).then([revoked]));
    it('given a revoked token, when revoked again, then nothing (idempotent)', () => spec.given([created(), revoked]).when(revoke).then([]));
    it('given nothing, when revoked, then NotFound', () => spec.given([]).when(revoke).thenThrows(NotFound));
  });

  describe('evolve', () => {
    it('folds creation and revocation into per-token status', () => {
      const state = [created(), revoked].reduce(personalTokenDecider.evolve, personalTokenDecider.initialState());
      expect(state.tokens[ID]).to.include({ status: 'revoked', name: 'ci', revokedAt: now.toISOString() });
      expect(JSON.stringify(state)).not.to.include(HASH);
    });
  });

  describe('expiresAtFor', () => {
    it('reads no clock: the same input gives the same answer', () => {
      expect(expiresAtFor('DAYS_7', null, now)?.toISOString()).to.equal('2026-03-08T10:00:00.000Z');
      expect(expiresAtFor('NEVER', null, now)).to.equal(null);
    });
  });
});
