import { Conflict, NotFound } from '../errors.js';
import { assertNever, type Decider } from '../ledger/decider.js';
import {
  CONSUMER_CREDENTIAL_KIND,
  evolveConsumer,
  initialConsumerState,
  type ConsumerCredentialEvent,
  type ConsumerState,
  type ConsumerTokenVersion,
} from './consumerCredential.js';

export type ConsumerCommand =
  | {
      type: 'RegisterConsumerCredential';
      credentialId: string;
      consumer: string;
      key: string;
      version: ConsumerTokenVersion;
      kid: string | null;
      /** The `iat` the token was signed with. */
      iat: number;
      tokenHash: string;
      /** v1: the sealed secret the token was signed with; null for v2. */
      secretSealed: string | null;
      now: Date;
    }
  | { type: 'RevokeConsumerCredential'; credentialId: string; reason: string; now: Date };

/**
 * The token was signed against a state that has changed since (another registration won the race):
 * a different secret, or an `iat` no longer above the stream's last. The caller signs again.
 */
export class StaleRegistration extends Error {
  override readonly name = 'StaleRegistration';
}

export function decideConsumer(command: ConsumerCommand, state: ConsumerState): ConsumerCredentialEvent[] {
  switch (command.type) {
    case 'RegisterConsumerCredential': {
      const c = command;
      if (state.status === 'registered') {
        if (state.consumer !== c.consumer || state.key !== c.key) throw new Error('Consumer command sent to the wrong stream');
        if (state.credentials[c.credentialId]) throw new Conflict('Credential already exists');
        if (c.iat <= state.lastIat) throw new StaleRegistration('iat is not above the last registration');
      }
      if (c.version === 'v1') {
        if (!c.secretSealed || c.kid !== null) throw new Error('A v1 credential has a sealed secret and no kid');
        const current = state.status === 'registered' ? state.secretSealed : null;
        if (current !== null && current !== c.secretSealed) throw new StaleRegistration('the consumer secret has changed');
      } else if (c.secretSealed !== null || !c.kid) {
        throw new Error('A v2 credential has a kid and no secret');
      }
      return [
        {
          type: 'ConsumerCredentialIssued',
          data: {
            credentialId: c.credentialId,
            kind: CONSUMER_CREDENTIAL_KIND,
            subject: c.key,
            clientId: c.consumer,
            scopes: [],
            roles: [],
            issuedAt: c.now.toISOString(),
            expiresAt: null,
            kid: c.kid,
            consumer: c.consumer,
            key: c.key,
            version: c.version,
            alg: c.version === 'v1' ? 'HS256' : 'RS256',
            iat: c.iat,
            tokenHash: c.tokenHash,
            secretSealed: c.secretSealed,
          },
        },
      ];
    }

    case 'RevokeConsumerCredential': {
      const entry = state.status === 'registered' ? state.credentials[command.credentialId] : undefined;
      if (!entry) throw new NotFound('Unknown consumer credential');
      if (entry.status === 'revoked') return []; // revocation is idempotent
      return [
        {
          type: 'CredentialRevoked',
          data: { credentialId: entry.credentialId, reason: command.reason, revokedAt: command.now.toISOString(), expiresAt: null },
        },
      ];
    }

    default:
      return assertNever(command);
  }
}

export const consumerDecider: Decider<ConsumerState, ConsumerCommand, ConsumerCredentialEvent> = {
  initialState: initialConsumerState,
  evolve: evolveConsumer,
  decide: decideConsumer,
};
