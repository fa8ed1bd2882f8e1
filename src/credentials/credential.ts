import { assertNever, type DomainEvent } from '../ledger/decider.js';
import { RotatedHashes } from './rotatedHashes.js';

/** Kinds of credential the native API issues; families add their own kinds. */
export type CredentialKind = string;

export interface CredentialIssuedData {
  credentialId: string;
  kind: CredentialKind;
  subject: string;
  clientId: string | null;
  scopes: string[];
  roles: string[];
  issuedAt: string;
  /** ISO time; null for credentials that never expire. */
  expiresAt: string | null;
  /** Signing key of a JWT; null for opaque tokens. */
  kid: string | null;
  /** SHA-256 of an opaque token value; never the value. */
  tokenHash: string | null;
  /** Refresh-token family this access token was issued from. */
  familyId: string | null;
  /** The credential this one replaces (lineage). */
  parentId: string | null;
}

export type CredentialEvent =
  | DomainEvent<'CredentialIssued', CredentialIssuedData>
  | DomainEvent<
      'RefreshTokenRotated',
      { credentialId: string; fromHash: string; toHash: string; accessTokenId: string; rotatedAt: string; expiresAt: string; withinGrace: boolean }
    >
  | DomainEvent<'RefreshTokenReuseDetected', { credentialId: string; tokenHash: string; detectedAt: string }>
  | DomainEvent<'CredentialRevoked', { credentialId: string; reason: string; revokedAt: string; expiresAt?: string | null }>;

export type Credential = Omit<CredentialIssuedData, 'tokenHash'>;

export type CredentialState =
  | { status: 'none' }
  | {
      status: 'active';
      credential: Credential;
      /** Refresh tokens: hashes that may be presented now. */
      current: string[];
      /** Refresh tokens: hashes already rotated out, with the time they were rotated. */
      rotated: RotatedHashes;
    }
  | { status: 'revoked'; credential: Credential; revokedAt: string; reason: string };

export const initialCredentialState = (): CredentialState => ({ status: 'none' });

export function evolveCredential(state: CredentialState, event: CredentialEvent): CredentialState {
  switch (event.type) {
    case 'CredentialIssued': {
      const { tokenHash, ...credential } = event.data;
      return { status: 'active', credential, current: tokenHash ? [tokenHash] : [], rotated: RotatedHashes.none };
    }
    case 'RefreshTokenRotated': {
      if (state.status !== 'active') return state;
      const { fromHash, toHash, rotatedAt, expiresAt, withinGrace } = event.data;
      const current = withinGrace ? [...state.current, toHash] : [...state.current.filter((h) => h !== fromHash), toHash];
      const rotated = withinGrace ? state.rotated : state.rotated.with(fromHash, rotatedAt);
      return { ...state, current, rotated, credential: { ...state.credential, expiresAt } };
    }
    case 'RefreshTokenReuseDetected':
      return state;
    case 'CredentialRevoked':
      if (state.status === 'none') return state;
      return { status: 'revoked', credential: state.credential, revokedAt: event.data.revokedAt, reason: event.data.reason };
    default:
      return assertNever(event);
  }
}

/** Active now: issued, not revoked, not expired. Expiry is derived from time, never stored as an event. */
export function isActiveAt(state: CredentialState, now: Date): boolean {
  if (state.status !== 'active') return false;
  const exp = state.credential.expiresAt;
  return exp === null || Date.parse(exp) > now.getTime();
}
