import { AppError, BadRequest, Conflict, Forbidden, NotFound } from '../errors.js';
import { assertNever, type Decider } from '../ledger/decider.js';
import {
  evolveAccessEvent,
  initialAccessEventState,
  type AccessCredentialKind,
  type AccessTokenRevokedData,
  type AccessEventEvent,
  type AccessEventRecord,
  type AccessEventState,
  type AccessEventStatus,
  type AccessEventType,
  type PublishedCredentialData,
} from './accessEvent.js';

/** 410: the credential was handed over already. */
export class Gone extends AppError {
  constructor(message: string) {
    super(410, 'gone', message);
  }
}

/** What a provider sends with a publication or renewal, already parsed, hashed and sealed. */
export interface CredentialInput {
  credentialId: string;
  kind: AccessCredentialKind;
  clientId: string | null;
  expiresAt: string | null;
  secretHash: string;
  detailsSealed: string;
  /** appId / userId of the "Application" body shape, which must match the event. */
  claimed: { appId?: string; userId?: string };
  /** The access token already holding this secret, if any (a key is never shared by two tokens). */
  secretInUseBy: string | null;
}

/** The access token a RENEW or REVOKE event is about, from the access-token read model. */
export interface CurrentToken {
  accesstokenuuid: string;
  credentialId: string;
  kind: AccessCredentialKind;
  status: 'active' | 'revoked';
  expiresAt: string | null;
}

export type AccessEventCommand =
  | {
      type: 'RequestAccess';
      eventId: string;
      eventType: AccessEventType;
      appId: string;
      userId: string;
      providerId: string;
      accesstokenuuid: string | null;
      now: Date;
    }
  /** `providers`: the providers the caller acts for; an event of any other is refused with 403. */
  | { type: 'Acknowledge'; providers: string[]; via: 'push' | 'pull'; now: Date }
  | { type: 'Reject'; providers: string[]; reason: string | null; now: Date }
  | { type: 'PublishToken'; providers: string[]; credential: CredentialInput; now: Date }
  | { type: 'RenewToken'; providers: string[]; accesstokenuuid: string; current: CurrentToken | undefined; credential: CredentialInput; now: Date }
  | { type: 'RevokeToken'; providers: string[]; accesstokenuuid: string; current: CurrentToken | undefined; now: Date }
  | { type: 'Expire'; expiryDays: number; now: Date }
  | { type: 'DeliverCredential'; userId: string; now: Date }
  | { type: 'RevokeHeldCredential'; credentialId: string; reason: string; now: Date };

type Open = Exclude<AccessEventState, { status: 'none' }>;

function existing(state: AccessEventState): Open {
  if (state.status === 'none') throw new NotFound('Unknown eventId');
  return state;
}

/** 404, then 403 (another provider's event), then 409 (wrong type or status), in that order. */
function providerAction(state: AccessEventState, providers: string[], type: AccessEventType | null, action: string): Open {
  const open = existing(state);
  if (!providers.includes(open.event.providerId)) throw new Forbidden('The event belongs to another provider');
  if (type && open.event.eventType !== type) {
    throw new Conflict(`Cannot ${action} for an event of type ${open.event.eventType}`);
  }
  if (open.status !== 'INPROGRESS') throw new Conflict(`Cannot ${action}: the event is ${open.status}, not INPROGRESS`);
  return open;
}

function checkClaims(event: AccessEventRecord, claimed: CredentialInput['claimed']): void {
  if (claimed.appId !== undefined && claimed.appId !== event.appId) throw new BadRequest("appId does not match the event's application");
  if (claimed.userId !== undefined && claimed.userId !== event.userId) throw new BadRequest("userId does not match the event's user");
}

function checkToken(event: AccessEventRecord, path: string, current: CurrentToken | undefined): CurrentToken {
  if (event.accesstokenuuid !== path) throw new Conflict(`The event is about access token ${event.accesstokenuuid}, not ${path}`);
  if (!current) throw new Conflict('The access token is unknown');
  if (current.status !== 'active') throw new Conflict('The access token is already revoked');
  return current;
}

function revokedData(
  eventId: string,
  accesstokenuuid: string,
  credential: { credentialId: string; expiresAt: string | null },
  reason: string,
  now: Date,
): AccessTokenRevokedData {
  return { eventId, accesstokenuuid, credentialId: credential.credentialId, reason, revokedAt: now.toISOString(), expiresAt: credential.expiresAt };
}

function published(event: AccessEventRecord, c: CredentialInput, accesstokenuuid: string, parentId: string | null, now: Date): PublishedCredentialData {
  if (c.secretInUseBy !== null && c.secretInUseBy !== accesstokenuuid) throw new Conflict('This key or secret is already in use by another access token');
  return {
    eventId: event.eventId,
    accesstokenuuid,
    credentialId: c.credentialId,
    kind: c.kind,
    subject: event.userId,
    clientId: c.clientId,
    scopes: [],
    roles: [],
    issuedAt: now.toISOString(),
    expiresAt: c.expiresAt,
    appId: event.appId,
    providerId: event.providerId,
    parentId,
    secretHash: c.secretHash,
    detailsSealed: c.detailsSealed,
  };
}

const UNFINISHED: readonly AccessEventStatus[] = ['NEW', 'INPROGRESS'];

export function decideAccessEvent(command: AccessEventCommand, state: AccessEventState): AccessEventEvent[] {
  switch (command.type) {
    case 'RequestAccess': {
      if (state.status !== 'none') throw new Conflict('The event already exists');
      const needsToken = command.eventType !== 'REQUEST_ACCESS_TOKEN';
      if (needsToken && !command.accesstokenuuid) throw new BadRequest(`accesstokenuuid is required for ${command.eventType}`);
      if (!needsToken && command.accesstokenuuid) throw new BadRequest('accesstokenuuid is only for RENEW_ACCESS_TOKEN and REVOKE_ACCESS_TOKEN');
      const { type: _t, now, ...rest } = command;
      return [{ type: 'AccessTokenRequested', data: { ...rest, requestedAt: now.toISOString() } }];
    }

    case 'Acknowledge': {
      const open = existing(state);
      if (!command.providers.includes(open.event.providerId)) throw new Forbidden('The event belongs to another provider');
      if (open.status === 'INPROGRESS') return []; // a repeated acknowledgement changes nothing
      if (open.status !== 'NEW') throw new Conflict(`Cannot acknowledge: the event is ${open.status}`);
      const data = { eventId: open.event.eventId, providerId: open.event.providerId, via: command.via, acknowledgedAt: command.now.toISOString() };
      return [{ type: 'AccessEventAcknowledged', data }];
    }

    case 'Reject': {
      const open = existing(state);
      if (!command.providers.includes(open.event.providerId)) throw new Forbidden('The event belongs to another provider');
      if (open.status === 'REJECTED') return [];
      if (!UNFINISHED.includes(open.status)) throw new Conflict(`Cannot reject: the event is ${open.status}`);
      const data = { eventId: open.event.eventId, providerId: open.event.providerId, reason: command.reason, rejectedAt: command.now.toISOString() };
      return [{ type: 'AccessEventRejected', data }];
    }

    case 'PublishToken': {
      const open = providerAction(state, command.providers, 'REQUEST_ACCESS_TOKEN', 'publish an access token');
      checkClaims(open.event, command.credential.claimed);
      const uuid = command.credential.credentialId;
      return [{ type: 'AccessTokenPublished', data: published(open.event, command.credential, uuid, null, command.now) }];
    }

    case 'RenewToken': {
      const open = providerAction(state, command.providers, 'RENEW_ACCESS_TOKEN', 'renew an access token');
      const current = checkToken(open.event, command.accesstokenuuid, command.current);
      if (current.kind !== command.credential.kind) throw new Conflict(`The access token is of type ${current.kind === 'api_key' ? 'APIKey' : 'OAuth2'}`);
      checkClaims(open.event, command.credential.claimed);
      const renewed = published(open.event, command.credential, current.accesstokenuuid, current.credentialId, command.now);
      return [
        { type: 'AccessTokenRenewed', data: renewed },
        { type: 'AccessTokenRevoked', data: revokedData(open.event.eventId, current.accesstokenuuid, current, 'renewed', command.now) },
      ];
    }

    case 'RevokeToken': {
      const open = providerAction(state, command.providers, 'REVOKE_ACCESS_TOKEN', 'revoke an access token');
      const current = checkToken(open.event, command.accesstokenuuid, command.current);
      return [{ type: 'AccessTokenRevoked', data: revokedData(open.event.eventId, current.accesstokenuuid, current, 'revoked_by_provider', command.now) }];
    }

    case 'Expire': {
      if (state.status === 'none' || !UNFINISHED.includes(state.status)) return [];
      const due = Date.parse(state.event.createdAt) + command.expiryDays * 86_400_000;
      if (command.now.getTime() < due) return [];
      return [{ type: 'AccessEventExpired', data: { eventId: state.event.eventId, expiredAt: command.now.toISOString() } }];
    }

    case 'DeliverCredential': {
      const open = existing(state);
      if (open.event.userId !== command.userId) throw new NotFound('Unknown eventId');
      const held = open.credential;
      if (!held) throw new Conflict(`No credential has been published for this event (status ${open.status})`);
      if (held.delivered) throw new Gone('The credential has already been handed over');
      if (held.revoked) throw new Gone('The credential has been revoked');
      const data = { eventId: open.event.eventId, credentialId: held.credentialId, userId: command.userId, deliveredAt: command.now.toISOString() };
      return [{ type: 'CredentialDelivered', data }];
    }

    case 'RevokeHeldCredential': {
      const open = existing(state);
      const held = open.credential;
      if (!held || held.credentialId !== command.credentialId) throw new NotFound('Unknown credential');
      if (held.revoked) return []; // revocation is idempotent
      const uuid = open.event.accesstokenuuid ?? held.credentialId;
      return [{ type: 'AccessTokenRevoked', data: revokedData(open.event.eventId, uuid, held, command.reason, command.now) }];
    }

    default:
      return assertNever(command);
  }
}

export const accessEventDecider: Decider<AccessEventState, AccessEventCommand, AccessEventEvent> = {
  initialState: initialAccessEventState,
  evolve: evolveAccessEvent,
  decide: decideAccessEvent,
};
