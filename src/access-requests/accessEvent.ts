import { assertNever, type DomainEvent } from '../ledger/decider.js';

/** The request kinds of the API Portal; each is one `accessevent-<eventId>` stream. */
export const ACCESS_EVENT_TYPES = ['REQUEST_ACCESS_TOKEN', 'RENEW_ACCESS_TOKEN', 'REVOKE_ACCESS_TOKEN'] as const;
export type AccessEventType = (typeof ACCESS_EVENT_TYPES)[number];

export const ACCESS_EVENT_STATUSES = ['NEW', 'INPROGRESS', 'COMPLETED', 'REJECTED', 'EXPIRED'] as const;
export type AccessEventStatus = (typeof ACCESS_EVENT_STATUSES)[number];

/** Ledger credential kinds of the two token types a provider can publish. */
export type AccessCredentialKind = 'api_key' | 'oauth2_client';
export type PortalTokenType = 'APIKey' | 'OAuth2';
export const KIND_OF: Record<PortalTokenType, AccessCredentialKind> = { APIKey: 'api_key', OAuth2: 'oauth2_client' };

/** The common credential fields (see projections/credentials.ts) plus the portal's own. */
export interface PublishedCredentialData {
  eventId: string;
  /** The portal's handle of the access token; stays the same across renewals. */
  accesstokenuuid: string;
  credentialId: string;
  kind: AccessCredentialKind;
  subject: string;
  clientId: string | null;
  scopes: string[];
  roles: string[];
  issuedAt: string;
  expiresAt: string | null;
  appId: string;
  providerId: string;
  /** The credential this one renews (lineage); null for a first publication. */
  parentId: string | null;
  /** SHA-256 of the API key or client secret: introspection looks it up. */
  secretHash: string;
  /** The whole credential as the provider sent it, sealed, for the one hand-over to the consumer. */
  detailsSealed: string;
}

export interface AccessTokenRevokedData {
  eventId: string;
  accesstokenuuid: string;
  credentialId: string;
  reason: string;
  revokedAt: string;
  expiresAt: string | null;
}

export type AccessEventEvent =
  | DomainEvent<
      'AccessTokenRequested',
      {
        eventId: string;
        eventType: AccessEventType;
        appId: string;
        userId: string;
        providerId: string;
        accesstokenuuid: string | null;
        requestedAt: string;
      }
    >
  | DomainEvent<'AccessEventAcknowledged', { eventId: string; providerId: string; via: 'push' | 'pull'; acknowledgedAt: string }>
  | DomainEvent<'AccessEventRejected', { eventId: string; providerId: string; reason: string | null; rejectedAt: string }>
  | DomainEvent<'AccessTokenPublished', PublishedCredentialData>
  | DomainEvent<'AccessTokenRenewed', PublishedCredentialData>
  | DomainEvent<'AccessTokenRevoked', AccessTokenRevokedData>
  | DomainEvent<'AccessEventExpired', { eventId: string; expiredAt: string }>
  | DomainEvent<'CredentialDelivered', { eventId: string; credentialId: string; userId: string; deliveredAt: string }>;

export interface AccessEventRecord {
  eventId: string;
  eventType: AccessEventType;
  appId: string;
  userId: string;
  providerId: string;
  accesstokenuuid: string | null;
  createdAt: string;
  updatedAt: string;
  reason: string | null;
}

/** The credential this event's stream issued (a publication or a renewal). */
export interface HeldCredential {
  credentialId: string;
  kind: AccessCredentialKind;
  expiresAt: string | null;
  delivered: boolean;
  revoked: boolean;
}

export type AccessEventState =
  | { status: 'none' }
  | { status: AccessEventStatus; event: AccessEventRecord; credential: HeldCredential | null };

export const initialAccessEventState = (): AccessEventState => ({ status: 'none' });

export function evolveAccessEvent(state: AccessEventState, event: AccessEventEvent): AccessEventState {
  if (event.type === 'AccessTokenRequested') {
    const d = event.data;
    const { requestedAt, ...rest } = d;
    return { status: 'NEW', event: { ...rest, createdAt: requestedAt, updatedAt: requestedAt, reason: null }, credential: null };
  }
  if (state.status === 'none') return state;
  const moveTo = (status: AccessEventStatus, at: string, changes: Partial<AccessEventRecord> = {}): AccessEventState => ({
    ...state,
    status,
    event: { ...state.event, ...changes, updatedAt: at },
  });
  switch (event.type) {
    case 'AccessEventAcknowledged':
      return moveTo('INPROGRESS', event.data.acknowledgedAt);
    case 'AccessEventRejected':
      return moveTo('REJECTED', event.data.rejectedAt, { reason: event.data.reason });
    case 'AccessTokenPublished':
    case 'AccessTokenRenewed': {
      const d = event.data;
      const next = moveTo('COMPLETED', d.issuedAt, { accesstokenuuid: d.accesstokenuuid });
      return { ...next, credential: { credentialId: d.credentialId, kind: d.kind, expiresAt: d.expiresAt, delivered: false, revoked: false } } as AccessEventState;
    }
    case 'AccessTokenRevoked': {
      const d = event.data;
      const credential = state.credential?.credentialId === d.credentialId ? { ...state.credential, revoked: true } : state.credential;
      // Only a REVOKE request completes by revoking; elsewhere (renewal, native revocation) the status stays.
      const completes = state.event.eventType === 'REVOKE_ACCESS_TOKEN' && state.status === 'INPROGRESS';
      const next = completes ? moveTo('COMPLETED', d.revokedAt) : state;
      return { ...next, credential } as AccessEventState;
    }
    case 'AccessEventExpired':
      return moveTo('EXPIRED', event.data.expiredAt);
    case 'CredentialDelivered':
      return state.credential ? { ...state, credential: { ...state.credential, delivered: true } } : state;
    default:
      return assertNever(event);
  }
}

export const accessEventStream = (eventId: string) => `accessevent-${eventId}`;
export const ACCESS_EVENT_STREAM_PREFIX = 'accessevent-';
