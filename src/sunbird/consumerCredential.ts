import { withEntry } from '../dictionary.js';
import { assertNever, type DomainEvent } from '../ledger/decider.js';

/** Sunbird v1 tokens are HS256 with the consumer's own secret; v2 tokens are RS256 with a key of the consumer type's group. */
export type ConsumerTokenVersion = 'v1' | 'v2';

export const CONSUMER_CREDENTIAL_KIND = 'consumer_jwt';

export interface ConsumerCredentialIssuedData {
  credentialId: string;
  kind: typeof CONSUMER_CREDENTIAL_KIND;
  /** The consumer key: the token's `iss`. */
  subject: string;
  /** The consumer (for v2, the consumer type). */
  clientId: string;
  scopes: string[];
  roles: string[];
  issuedAt: string;
  /** Sunbird consumer tokens carry no `exp`: they live until revoked. */
  expiresAt: null;
  /** v2: the signing key; v1 tokens have no kid (the secret is the consumer's own). */
  kid: string | null;
  consumer: string;
  key: string;
  version: ConsumerTokenVersion;
  alg: 'HS256' | 'RS256';
  /** The token's `iat` (seconds); strictly increasing per stream, so each registration has its own token. */
  iat: number;
  /** SHA-256 of the token; never the token. */
  tokenHash: string;
  /** v1: the HMAC secret sealed with the master key; null for v2. */
  secretSealed: string | null;
}

export interface ConsumerCredentialRevokedData {
  credentialId: string;
  reason: string;
  revokedAt: string;
  expiresAt: null;
}

export type ConsumerCredentialEvent =
  | DomainEvent<'ConsumerCredentialIssued', ConsumerCredentialIssuedData>
  | DomainEvent<'CredentialRevoked', ConsumerCredentialRevokedData>;

export interface ConsumerCredentialEntry {
  credentialId: string;
  version: ConsumerTokenVersion;
  kid: string | null;
  iat: number;
  tokenHash: string;
  status: 'active' | 'revoked';
}

/** One stream per (consumer, key): its v1 secret and every credential registered for it. */
export type ConsumerState =
  | { status: 'none' }
  | {
      status: 'registered';
      consumer: string;
      key: string;
      /** Set by the first v1 registration and reused by every later one. */
      secretSealed: string | null;
      lastIat: number;
      credentials: Record<string, ConsumerCredentialEntry>;
      /** Token digest → credential id. */
      byTokenHash: Record<string, string>;
    };

export const initialConsumerState = (): ConsumerState => ({ status: 'none' });

export function evolveConsumer(state: ConsumerState, event: ConsumerCredentialEvent): ConsumerState {
  switch (event.type) {
    case 'ConsumerCredentialIssued': {
      const d = event.data;
      const base =
        state.status === 'registered'
          ? state
          : { status: 'registered' as const, consumer: d.consumer, key: d.key, secretSealed: null, lastIat: 0, credentials: {}, byTokenHash: {} };
      const entry: ConsumerCredentialEntry = {
        credentialId: d.credentialId,
        version: d.version,
        kid: d.kid,
        iat: d.iat,
        tokenHash: d.tokenHash,
        status: 'active',
      };
      return {
        ...base,
        secretSealed: base.secretSealed ?? d.secretSealed,
        lastIat: Math.max(base.lastIat, d.iat),
        credentials: withEntry(base.credentials, d.credentialId, entry),
        byTokenHash: withEntry(base.byTokenHash, d.tokenHash, d.credentialId),
      };
    }
    case 'CredentialRevoked': {
      if (state.status !== 'registered') return state;
      const entry = state.credentials[event.data.credentialId];
      if (!entry) return state;
      return { ...state, credentials: withEntry(state.credentials, entry.credentialId, { ...entry, status: 'revoked' }) };
    }
    default:
      return assertNever(event);
  }
}

/**
 * `consumer-<consumer>-<key>`. Both parts are percent-encoded and `-` is escaped too, so that
 * (`a-b`, `c`) and (`a`, `b-c`) get different streams.
 */
export function consumerStream(consumer: string, key: string): string {
  const part = (s: string) => encodeURIComponent(s).replace(/-/g, '%2D');
  return `consumer-${part(consumer)}-${part(key)}`;
}
