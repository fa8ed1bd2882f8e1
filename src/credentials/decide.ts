import { BadRequest, Conflict, NotFound } from '../errors.js';
import type { Decider } from '../ledger/decider.js';
import { assertNever } from '../ledger/decider.js';
import {
  evolveCredential,
  initialCredentialState,
  type CredentialEvent,
  type CredentialIssuedData,
  type CredentialState,
} from './credential.js';

export type CredentialCommand =
  | { type: 'IssueCredential'; data: CredentialIssuedData }
  | {
      type: 'RotateRefreshToken';
      presentedHash: string;
      newHash: string;
      accessTokenId: string;
      now: Date;
      graceSeconds: number;
      ttlSeconds: number;
    }
  | { type: 'RevokeCredential'; reason: string; now: Date };

export class InvalidGrant extends BadRequest {
  constructor(message = 'The refresh token is invalid, expired or revoked') {
    super(message, 'invalid_grant');
  }
}

export function decideCredential(command: CredentialCommand, state: CredentialState): CredentialEvent[] {
  switch (command.type) {
    case 'IssueCredential':
      if (state.status !== 'none') throw new Conflict('Credential already exists');
      return [{ type: 'CredentialIssued', data: command.data }];

    case 'RotateRefreshToken': {
      if (state.status !== 'active' || state.credential.kind !== 'refresh_token') throw new InvalidGrant();
      const now = command.now;
      const exp = state.credential.expiresAt;
      if (exp !== null && Date.parse(exp) <= now.getTime()) throw new InvalidGrant('The refresh token has expired');
      const id = state.credential.credentialId;
      const expiresAt = new Date(now.getTime() + command.ttlSeconds * 1000).toISOString();
      const rotation = (withinGrace: boolean): CredentialEvent => ({
        type: 'RefreshTokenRotated',
        data: {
          credentialId: id,
          fromHash: command.presentedHash,
          toHash: command.newHash,
          accessTokenId: command.accessTokenId,
          rotatedAt: now.toISOString(),
          expiresAt,
          withinGrace,
        },
      });
      if (state.current.includes(command.presentedHash)) return [rotation(false)];
      const rotatedAt = state.rotated.get(command.presentedHash);
      if (rotatedAt === undefined) throw new InvalidGrant();
      // A lost response or a second tab: within the grace period, hand out another pair in the family.
      if (now.getTime() - Date.parse(rotatedAt) <= command.graceSeconds * 1000) return [rotation(true)];
      return [
        { type: 'RefreshTokenReuseDetected', data: { credentialId: id, tokenHash: command.presentedHash, detectedAt: now.toISOString() } },
        {
          type: 'CredentialRevoked',
          data: { credentialId: id, reason: 'refresh_token_reuse', revokedAt: now.toISOString(), expiresAt: state.credential.expiresAt },
        },
      ];
    }

    case 'RevokeCredential':
      if (state.status === 'none') throw new NotFound('Unknown credential');
      if (state.status === 'revoked') return []; // revocation is idempotent
      return [
        {
          type: 'CredentialRevoked',
          data: {
            credentialId: state.credential.credentialId,
            reason: command.reason,
            revokedAt: command.now.toISOString(),
            // Subscribers keep the jti in their deny set until then.
            expiresAt: state.credential.expiresAt,
          },
        },
      ];

    default:
      return assertNever(command);
  }
}

export const credentialDecider: Decider<CredentialState, CredentialCommand, CredentialEvent> = {
  initialState: initialCredentialState,
  evolve: evolveCredential,
  decide: decideCredential,
};

export const credentialStream = (id: string) => `credential-${id}`;
