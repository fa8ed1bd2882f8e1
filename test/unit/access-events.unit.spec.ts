import { expect } from 'chai';
import type { AccessEventEvent, PublishedCredentialData } from '../../src/access-requests/accessEvent.js';
import { accessEventDecider, Gone, type CredentialInput, type CurrentToken } from '../../src/access-requests/decide.js';
import { BadRequest, Conflict, Forbidden, NotFound } from '../../src/errors.js';
import { foldEvents } from '../../src/ledger/commandHandler.js';
import { deciderSpec } from '../support/deciderSpec.js';

const spec = deciderSpec(accessEventDecider);
const T0 = new Date('2026-03-01T10:00:00Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const DAY = 86_400;
const E = 'e0000000-0000-4000-8000-000000000001';
const H = 'a'.repeat(64);

const requested = (eventType: 'REQUEST_ACCESS_TOKEN' | 'RENEW_ACCESS_TOKEN' | 'REVOKE_ACCESS_TOKEN' = 'REQUEST_ACCESS_TOKEN', uuid: string | null = null): AccessEventEvent => ({
  type: 'AccessTokenRequested',
  data: { eventId: E, eventType, appId: 'app-1', userId: 'alice', providerId: 'prov-1', accesstokenuuid: uuid, requestedAt: T0.toISOString() },
});
const acknowledged: AccessEventEvent = { type: 'AccessEventAcknowledged', data: { eventId: E, providerId: 'prov-1', via: 'pull', acknowledgedAt: at(60).toISOString() } };
const credential = (over: Partial<CredentialInput> = {}): CredentialInput => ({
  credentialId: 'cred-new',
  kind: 'api_key',
  clientId: null,
  expiresAt: null,
  secretHash: H,
  detailsSealed: 'v1.sealed',
  claimed: {},
  secretInUseBy: null,
  ...over,
});
const publishedData = (over: Partial<PublishedCredentialData> = {}): PublishedCredentialData => ({
  eventId: E,
  accesstokenuuid: 'cred-new',
  credentialId: 'cred-new',
  kind: 'api_key',
  subject: 'alice',
  clientId: null,
  scopes: [],
  roles: [],
  issuedAt: at(120).toISOString(),
  expiresAt: null,
  appId: 'app-1',
  providerId: 'prov-1',
  parentId: null,
  secretHash: H,
  detailsSealed: 'v1.sealed',
  ...over,
});
const published: AccessEventEvent = { type: 'AccessTokenPublished', data: publishedData() };
const current: CurrentToken = { accesstokenuuid: 'tok-1', credentialId: 'cred-old', kind: 'api_key', status: 'active', expiresAt: null };
const mine = ['prov-1'];

describe('access event decider', () => {
  describe('request', () => {
    const request = (eventType: 'REQUEST_ACCESS_TOKEN' | 'RENEW_ACCESS_TOKEN', accesstokenuuid: string | null) => ({
      type: 'RequestAccess' as const,
      eventId: E,
      eventType,
      appId: 'app-1',
      userId: 'alice',
      providerId: 'prov-1',
      accesstokenuuid,
      now: T0,
    });
    it('given nothing, when requested, then AccessTokenRequested (NEW)', () =>
      spec.given([]).when(request('REQUEST_ACCESS_TOKEN', null)).then([requested()]));
    it('given nothing, when a RENEW comes without accesstokenuuid, then 400', () =>
      spec.given([]).when(request('RENEW_ACCESS_TOKEN', null)).thenThrows(BadRequest, 'accesstokenuuid is required'));
    it('given nothing, when a REQUEST comes with an accesstokenuuid, then 400', () =>
      spec.given([]).when(request('REQUEST_ACCESS_TOKEN', 'tok-1')).thenThrows(BadRequest, 'only for RENEW'));
    it('given an event, when requested again, then 409', () =>
      spec.given([requested()]).when(request('REQUEST_ACCESS_TOKEN', null)).thenThrows(Conflict));
  });

  describe('acknowledge and reject', () => {
    const ack = (providers = mine) => ({ type: 'Acknowledge' as const, providers, via: 'pull' as const, now: at(60) });
    const reject = { type: 'Reject' as const, providers: mine, reason: 'no plan', now: at(60) };
    it('given NEW, when acknowledged, then INPROGRESS', () => spec.given([requested()]).when(ack()).then([acknowledged]));
    it('given INPROGRESS, when acknowledged again, then nothing (idempotent)', () => spec.given([requested(), acknowledged]).when(ack()).then([]));
    it('given nothing, when acknowledged, then 404', () => spec.given([]).when(ack()).thenThrows(NotFound, 'Unknown eventId'));
    it("given another provider's event, when acknowledged, then 403", () => spec.given([requested()]).when(ack(['prov-2'])).thenThrows(Forbidden));
    it('given COMPLETED, when acknowledged, then 409', () => spec.given([requested(), acknowledged, published]).when(ack()).thenThrows(Conflict));
    it('given INPROGRESS, when rejected, then AccessEventRejected', () =>
      spec.given([requested(), acknowledged]).when(reject).then([
        { type: 'AccessEventRejected', data: { eventId: E, providerId: 'prov-1', reason: 'no plan', rejectedAt: at(60).toISOString() } },
      ]));
    it('given COMPLETED, when rejected, then 409', () => spec.given([requested(), acknowledged, published]).when(reject).thenThrows(Conflict));
  });

  describe('publish (POST accesstokens)', () => {
    const publish = (over: Partial<CredentialInput> = {}, providers = mine) => ({ type: 'PublishToken' as const, providers, credential: credential(over), now: at(120) });
    it('given INPROGRESS REQUEST, then AccessTokenPublished with the common credential fields', () =>
      spec.given([requested(), acknowledged]).when(publish()).then([published]));
    it('given NEW, then 409 (not INPROGRESS)', () => spec.given([requested()]).when(publish()).thenThrows(Conflict, 'the event is NEW, not INPROGRESS'));
    it('given a RENEW event, then 409 (wrong type)', () =>
      spec.given([requested('RENEW_ACCESS_TOKEN', 'tok-1'), acknowledged]).when(publish()).thenThrows(Conflict, 'of type RENEW_ACCESS_TOKEN'));
    it("given another provider's NEW event, then 403 before 409", () => spec.given([requested()]).when(publish({}, ['prov-2'])).thenThrows(Forbidden));
    it('given nothing, then 404', () => spec.given([]).when(publish()).thenThrows(NotFound));
    it("given a body naming another application, then 400", () =>
      spec.given([requested(), acknowledged]).when(publish({ claimed: { appId: 'app-2' } })).thenThrows(BadRequest, 'appId'));
    it('given a secret already used by another access token, then 409', () =>
      spec.given([requested(), acknowledged]).when(publish({ secretInUseBy: 'tok-9' })).thenThrows(Conflict, 'already in use'));
  });

  describe('renew (PUT accesstokens/{uuid})', () => {
    const renew = (path = 'tok-1', token: CurrentToken | undefined = current, over: Partial<CredentialInput> = {}) => ({
      type: 'RenewToken' as const,
      providers: mine,
      accesstokenuuid: path,
      current: token,
      credential: credential(over),
      now: at(120),
    });
    const given = () => spec.given([requested('RENEW_ACCESS_TOKEN', 'tok-1'), acknowledged]);
    it('then a new credential whose parent is the current one, and the current one revoked', () =>
      given().when(renew()).then([
        { type: 'AccessTokenRenewed', data: publishedData({ accesstokenuuid: 'tok-1', parentId: 'cred-old' }) },
        {
          type: 'AccessTokenRevoked',
          data: { eventId: E, accesstokenuuid: 'tok-1', credentialId: 'cred-old', reason: 'renewed', revokedAt: at(120).toISOString(), expiresAt: null },
        },
      ]));
    it('the same key may be kept by the same access token', () => given().when(renew('tok-1', current, { secretInUseBy: 'tok-1' })).thenTypes(['AccessTokenRenewed', 'AccessTokenRevoked']));
    it('given a path uuid other than the event’s, then 409', () => given().when(renew('tok-2')).thenThrows(Conflict, 'not tok-2'));
    it('given a revoked token, then 409', () => given().when(renew('tok-1', { ...current, status: 'revoked' })).thenThrows(Conflict, 'already revoked'));
    it('given another token type, then 409', () => given().when(renew('tok-1', current, { kind: 'oauth2_client' })).thenThrows(Conflict, 'of type APIKey'));
    it('given a REQUEST event, then 409', () => spec.given([requested(), acknowledged]).when(renew()).thenThrows(Conflict, 'REQUEST_ACCESS_TOKEN'));
    it('evolves to COMPLETED holding the new credential', () => {
      const events = accessEventDecider.decide(renew(), foldEvents(accessEventDecider, [requested('RENEW_ACCESS_TOKEN', 'tok-1'), acknowledged]));
      const state = [requested('RENEW_ACCESS_TOKEN', 'tok-1'), acknowledged, ...events].reduce(accessEventDecider.evolve, accessEventDecider.initialState());
      expect(state).to.deep.include({ status: 'COMPLETED', credential: { credentialId: 'cred-new', kind: 'api_key', expiresAt: null, delivered: false, revoked: false } });
    });
  });

  describe('revoke (DELETE accesstokens/{uuid})', () => {
    const revoke = { type: 'RevokeToken' as const, providers: mine, accesstokenuuid: 'tok-1', current, now: at(120) };
    const revoked: AccessEventEvent = {
      type: 'AccessTokenRevoked',
      data: { eventId: E, accesstokenuuid: 'tok-1', credentialId: 'cred-old', reason: 'revoked_by_provider', revokedAt: at(120).toISOString(), expiresAt: null },
    };
    it('given INPROGRESS REVOKE, then AccessTokenRevoked, and the event is COMPLETED', () => {
      spec.given([requested('REVOKE_ACCESS_TOKEN', 'tok-1'), acknowledged]).when(revoke).then([revoked]);
      const state = [requested('REVOKE_ACCESS_TOKEN', 'tok-1'), acknowledged, revoked].reduce(accessEventDecider.evolve, accessEventDecider.initialState());
      expect(state.status).to.equal('COMPLETED');
    });
    it('given an unknown token, then 409', () =>
      spec.given([requested('REVOKE_ACCESS_TOKEN', 'tok-1'), acknowledged]).when({ ...revoke, current: undefined }).thenThrows(Conflict, 'unknown'));
  });

  describe('expire', () => {
    const expire = (seconds: number, expiryDays = 30) => ({ type: 'Expire' as const, expiryDays, now: at(seconds) });
    const expired = (seconds: number): AccessEventEvent => ({ type: 'AccessEventExpired', data: { eventId: E, expiredAt: at(seconds).toISOString() } });
    it('given NEW for 30 days less a second, then nothing', () => spec.given([requested()]).when(expire(30 * DAY - 1)).then([]));
    it('given NEW for 30 days, then AccessEventExpired', () => spec.given([requested()]).when(expire(30 * DAY)).then([expired(30 * DAY)]));
    it('given INPROGRESS for 30 days, then AccessEventExpired', () => spec.given([requested(), acknowledged]).when(expire(30 * DAY)).then([expired(30 * DAY)]));
    it('given a 7-day setting, then expired after 7 days', () => spec.given([requested()]).when(expire(7 * DAY, 7)).then([expired(7 * DAY)]));
    it('given COMPLETED, then nothing', () => spec.given([requested(), acknowledged, published]).when(expire(90 * DAY)).then([]));
    it('given EXPIRED, then nothing (idempotent)', () => spec.given([requested(), expired(30 * DAY)]).when(expire(31 * DAY)).then([]));
    it('given nothing, then nothing', () => spec.given([]).when(expire(31 * DAY)).then([]));
  });

  describe('deliver the credential', () => {
    const deliver = (userId = 'alice') => ({ type: 'DeliverCredential' as const, userId, now: at(300) });
    const delivered: AccessEventEvent = { type: 'CredentialDelivered', data: { eventId: E, credentialId: 'cred-new', userId: 'alice', deliveredAt: at(300).toISOString() } };
    it('given a published credential, then CredentialDelivered', () => spec.given([requested(), acknowledged, published]).when(deliver()).then([delivered]));
    it('given it was delivered, then 410', () => spec.given([requested(), acknowledged, published, delivered]).when(deliver()).thenThrows(Gone));
    it('given nothing published, then 409', () => spec.given([requested(), acknowledged]).when(deliver()).thenThrows(Conflict, 'No credential'));
    it('given another consumer, then 404', () => spec.given([requested(), acknowledged, published]).when(deliver('bob')).thenThrows(NotFound));
    it('given it was revoked, then 410', () =>
      spec
        .given([requested(), acknowledged, published, { type: 'AccessTokenRevoked', data: { eventId: E, accesstokenuuid: 'cred-new', credentialId: 'cred-new', reason: 'x', revokedAt: at(200).toISOString(), expiresAt: null } }])
        .when(deliver())
        .thenThrows(Gone, 'revoked'));
  });

  describe('native revocation of the held credential', () => {
    const revokeHeld = (credentialId = 'cred-new') => ({ type: 'RevokeHeldCredential' as const, credentialId, reason: 'revoked_by_holder', now: at(400) });
    const revoked: AccessEventEvent = {
      type: 'AccessTokenRevoked',
      data: { eventId: E, accesstokenuuid: 'cred-new', credentialId: 'cred-new', reason: 'revoked_by_holder', revokedAt: at(400).toISOString(), expiresAt: null },
    };
    it('given a published credential, then AccessTokenRevoked and the status stays COMPLETED', () => {
      spec.given([requested(), acknowledged, published]).when(revokeHeld()).then([revoked]);
      const state = [requested(), acknowledged, published, revoked].reduce(accessEventDecider.evolve, accessEventDecider.initialState());
      expect(state).to.deep.include({ status: 'COMPLETED' });
    });
    it('given it was revoked, then nothing (idempotent)', () => spec.given([requested(), acknowledged, published, revoked]).when(revokeHeld()).then([]));
    it('given another credential id, then 404', () => spec.given([requested(), acknowledged, published]).when(revokeHeld('other')).thenThrows(NotFound));
  });
});
