import { withEntry } from '../dictionary.js';
import { assertNever, type DomainEvent } from '../ledger/decider.js';

export const PERSONAL_TOKEN_KIND = 'personal_token';
/** Prefix of the token value, so that secret scanners recognise a leaked one. */
export const PERSONAL_TOKEN_PREFIX = 'tlp';

export const EXPIRATIONS = ['NEVER', 'DAYS_7', 'DAYS_30', 'DAYS_60', 'DAYS_90', 'CUSTOM'] as const;
export type Expiration = (typeof EXPIRATIONS)[number];

/** The common credential fields plus the token's name; the value itself only as a SHA-256 digest. */
export interface PersonalTokenCreatedData {
  credentialId: string;
  kind: typeof PERSONAL_TOKEN_KIND;
  /** The owner's username. */
  subject: string;
  name: string;
  expiration: Expiration;
  tokenHash: string;
  issuedAt: string;
  /** ISO time; null when the token never expires. */
  expiresAt: string | null;
}

export interface PersonalTokenRevokedData {
  credentialId: string;
  subject: string;
  reason: string;
  revokedAt: string;
  /** Subscribers keep the id in their deny set until then. */
  expiresAt: string | null;
}

export type PersonalTokenEvent =
  | DomainEvent<'PersonalTokenCreated', PersonalTokenCreatedData>
  | DomainEvent<'PersonalTokenRevoked', PersonalTokenRevokedData>;

interface TokenFacts {
  credentialId: string;
  name: string;
  expiration: Expiration;
  issuedAt: string;
  expiresAt: string | null;
}

export type PersonalToken = (TokenFacts & { status: 'active' }) | (TokenFacts & { status: 'revoked'; revokedAt: string });

/** One user's personal tokens: the stream `pat-<username>` holds them all, so names can be kept unique. */
export interface PersonalTokensState {
  tokens: Record<string, PersonalToken>;
}

export const initialPersonalTokensState = (): PersonalTokensState => ({ tokens: {} });

export function evolvePersonalTokens(state: PersonalTokensState, event: PersonalTokenEvent): PersonalTokensState {
  switch (event.type) {
    case 'PersonalTokenCreated': {
      const { credentialId, name, expiration, issuedAt, expiresAt } = event.data;
      return { tokens: withEntry(state.tokens, credentialId, { status: 'active', credentialId, name, expiration, issuedAt, expiresAt }) };
    }
    case 'PersonalTokenRevoked': {
      const token = state.tokens[event.data.credentialId];
      if (!token || token.status === 'revoked') return state;
      return { tokens: withEntry(state.tokens, token.credentialId, { ...token, status: 'revoked', revokedAt: event.data.revokedAt }) };
    }
    default:
      return assertNever(event);
  }
}

export const personalTokenStream = (username: string) => `pat-${username}`;
export const PERSONAL_TOKEN_STREAM_PREFIX = 'pat-';
