import { safeEqual } from '../crypto/secrets.js';
import { assertNever, type DomainEvent } from '../ledger/decider.js';

/** Token Service IAM: an entity's secret lasts 180 days by default, and never longer. */
export const SECRET_VALIDITY_DAYS = 180;
/** An expired secret still yields tokens for this long, so that a late rotation does not cut a member off. */
export const SECRET_GRACE_DAYS = 5;
export const ENTITY_SECRET_KIND = 'entity_secret';
const DAY_MS = 86_400_000;

/** The common credential fields (read by the credentials projection) plus the secret's digest and ciphertext. */
export interface EntitySecretData {
  credentialId: string;
  kind: typeof ENTITY_SECRET_KIND;
  subject: string;
  issuedAt: string;
  expiresAt: string;
  entityId: string;
  validityDays: number;
  /** SHA-256 of the secret, to check it in constant time. */
  secretHash: string;
  /** The secret sealed with the master key, because `entity/secret/read` must show it again. */
  sealedSecret: string;
}

export type EntityEvent =
  | DomainEvent<'EntityRegistered', { entityId: string; name: string; owners: string[]; registeredAt: string }>
  | DomainEvent<'EntitySecretIssued', EntitySecretData>
  | DomainEvent<'EntitySecretReset', EntitySecretData & { parentId: string | null }>
  | DomainEvent<'CredentialRevoked', { credentialId: string; reason: string; revokedAt: string; expiresAt: string | null }>;

export interface EntitySecret {
  credentialId: string;
  secretHash: string;
  sealedSecret: string;
  issuedAt: string;
  expiresAt: string;
}

export type EntityState =
  | { status: 'none' }
  | { status: 'registered'; entityId: string; name: string; owners: string[]; secret: EntitySecret | null };

export const initialEntityState = (): EntityState => ({ status: 'none' });

function withSecret(state: EntityState, data: EntitySecretData): EntityState {
  if (state.status !== 'registered') return state;
  const { credentialId, secretHash, sealedSecret, issuedAt, expiresAt } = data;
  return { ...state, secret: { credentialId, secretHash, sealedSecret, issuedAt, expiresAt } };
}

export function evolveEntity(state: EntityState, event: EntityEvent): EntityState {
  switch (event.type) {
    case 'EntityRegistered': {
      const { entityId, name, owners } = event.data;
      return { status: 'registered', entityId, name, owners, secret: null };
    }
    case 'EntitySecretIssued':
      return withSecret(state, event.data);
    case 'EntitySecretReset':
      return withSecret(state, event.data);
    case 'CredentialRevoked':
      if (state.status !== 'registered' || state.secret?.credentialId !== event.data.credentialId) return state;
      return { ...state, secret: null };
    default:
      return assertNever(event);
  }
}

/** The validity a request asks for, defaulted or capped at 180 days; `adjusted` makes the response say so. */
export function secretValidity(requestedDays: number | undefined): { days: number; adjusted: boolean } {
  if (requestedDays === undefined || requestedDays > SECRET_VALIDITY_DAYS) return { days: SECRET_VALIDITY_DAYS, adjusted: true };
  return { days: requestedDays, adjusted: false };
}

export const secretExpiry = (now: Date, days: number) => new Date(now.getTime() + days * DAY_MS);

export type SecretCheck = 'valid' | 'grace' | 'invalid';

/** Whether a presented secret (as its digest) yields a token at `now`: current, and not past the grace period. */
export function checkSecret(state: EntityState, presentedHash: string, now: Date): SecretCheck {
  if (state.status !== 'registered' || !state.secret) return 'invalid';
  if (!safeEqual(presentedHash, state.secret.secretHash)) return 'invalid';
  const expiresAt = Date.parse(state.secret.expiresAt);
  if (now.getTime() < expiresAt) return 'valid';
  return now.getTime() < expiresAt + SECRET_GRACE_DAYS * DAY_MS ? 'grace' : 'invalid';
}
