import { BadRequest, Conflict, NotFound } from '../errors.js';
import { assertNever, type Decider } from '../ledger/decider.js';
import {
  evolvePersonalTokens,
  initialPersonalTokensState,
  PERSONAL_TOKEN_KIND,
  type Expiration,
  type PersonalTokenEvent,
  type PersonalTokensState,
} from './personalToken.js';

/** Bounds one user's stream and list; revoked tokens do not count. */
export const MAX_ACTIVE_TOKENS_PER_USER = 50;

export type PersonalTokenCommand =
  | {
      type: 'CreatePersonalToken';
      credentialId: string;
      username: string;
      name: string;
      tokenHash: string;
      expiration: Expiration;
      /** Only with CUSTOM. */
      expirationDate: Date | null;
      now: Date;
    }
  | { type: 'RevokePersonalToken'; credentialId: string; username: string; reason: string; now: Date };

const DAYS: Record<Exclude<Expiration, 'NEVER' | 'CUSTOM'>, number> = { DAYS_7: 7, DAYS_30: 30, DAYS_60: 60, DAYS_90: 90 };

/** When a token created `now` with this expiration expires; null for NEVER. */
export function expiresAtFor(expiration: Expiration, expirationDate: Date | null, now: Date): Date | null {
  if (expiration !== 'CUSTOM' && expirationDate) {
    throw new BadRequest('expirationDate is only allowed when expiration is CUSTOM');
  }
  switch (expiration) {
    case 'NEVER':
      return null;
    case 'DAYS_7':
    case 'DAYS_30':
    case 'DAYS_60':
    case 'DAYS_90':
      return new Date(now.getTime() + DAYS[expiration] * 86_400_000);
    case 'CUSTOM':
      if (!expirationDate) throw new BadRequest('expirationDate is required when expiration is CUSTOM');
      if (expirationDate.getTime() <= now.getTime()) throw new BadRequest('expirationDate must lie in the future');
      return expirationDate;
    default:
      return assertNever(expiration);
  }
}

// Case-insensitive, independent of the machine's locale.
const sameName = (a: string, b: string) => a.normalize('NFC').toLowerCase() === b.normalize('NFC').toLowerCase();

export function decidePersonalToken(command: PersonalTokenCommand, state: PersonalTokensState): PersonalTokenEvent[] {
  switch (command.type) {
    case 'CreatePersonalToken': {
      const name = command.name.trim();
      if (!name) throw new BadRequest('name must not be blank');
      if (state.tokens[command.credentialId]) throw new Conflict('Personal token already exists');
      const live = Object.values(state.tokens).filter((t) => t.status === 'active');
      // Names stay taken until the token is revoked, expired or not, so the list never shows two alike.
      const taken = live.find((t) => sameName(t.name, name));
      if (taken) throw new Conflict(`A token named "${taken.name}" already exists`, 'duplicate_name');
      if (live.length >= MAX_ACTIVE_TOKENS_PER_USER) {
        throw new Conflict(`At most ${MAX_ACTIVE_TOKENS_PER_USER} personal tokens; revoke one first`, 'token_limit');
      }
      const expiresAt = expiresAtFor(command.expiration, command.expirationDate, command.now);
      return [
        {
          type: 'PersonalTokenCreated',
          data: {
            credentialId: command.credentialId,
            kind: PERSONAL_TOKEN_KIND,
            subject: command.username,
            name,
            expiration: command.expiration,
            tokenHash: command.tokenHash,
            issuedAt: command.now.toISOString(),
            expiresAt: expiresAt ? expiresAt.toISOString() : null,
          },
        },
      ];
    }

    case 'RevokePersonalToken': {
      const token = state.tokens[command.credentialId];
      if (!token) throw new NotFound('Unknown personal token');
      if (token.status === 'revoked') return []; // revocation is idempotent
      return [
        {
          type: 'PersonalTokenRevoked',
          data: {
            credentialId: token.credentialId,
            subject: command.username,
            reason: command.reason,
            revokedAt: command.now.toISOString(),
            expiresAt: token.expiresAt,
          },
        },
      ];
    }

    default:
      return assertNever(command);
  }
}

export const personalTokenDecider: Decider<PersonalTokensState, PersonalTokenCommand, PersonalTokenEvent> = {
  initialState: initialPersonalTokensState,
  evolve: evolvePersonalTokens,
  decide: decidePersonalToken,
};
