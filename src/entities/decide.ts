import { BadRequest, Conflict, Forbidden } from '../errors.js';
import { assertNever, type Decider } from '../ledger/decider.js';
import {
  ENTITY_SECRET_KIND,
  evolveEntity,
  initialEntityState,
  secretExpiry,
  type EntityEvent,
  type EntitySecretData,
  type EntityState,
} from './entity.js';
import { IAM_MESSAGES } from './messages.js';

/** A freshly minted secret, already reduced to its digest and ciphertext. */
export interface NewSecret {
  credentialId: string;
  secretHash: string;
  sealedSecret: string;
  validityDays: number;
}

export type EntityCommand =
  | { type: 'RegisterEntity'; entityId: string; name: string; owners: string[]; now: Date }
  /** Mints a secret only when the entity has none (`entity/secret/read`). */
  | { type: 'IssueSecret'; entityId: string; requestedBy: string; secret: NewSecret; now: Date }
  /** Replaces the current secret; the old one stops working at once. */
  | { type: 'ResetSecret'; entityId: string; requestedBy: string; secret: NewSecret; now: Date }
  | { type: 'RevokeSecret'; credentialId: string; reason: string; now: Date };

export const entityStream = (entityId: string) => `entity-${entityId}`;
export const entitySubject = (entityId: string) => `entity:${entityId}`;

/** Only an entity's owners may read or reset its secret. */
export function assertOwner(state: EntityState, username: string): asserts state is Extract<EntityState, { status: 'registered' }> {
  if (state.status !== 'registered') throw new BadRequest(IAM_MESSAGES.invalidEntityId, 'invalid_entity');
  if (!state.owners.includes(username)) throw new Forbidden(IAM_MESSAGES.notOwner);
}

function secretData(entityId: string, secret: NewSecret, now: Date): EntitySecretData {
  return {
    credentialId: secret.credentialId,
    kind: ENTITY_SECRET_KIND,
    subject: entitySubject(entityId),
    issuedAt: now.toISOString(),
    expiresAt: secretExpiry(now, secret.validityDays).toISOString(),
    entityId,
    validityDays: secret.validityDays,
    secretHash: secret.secretHash,
    sealedSecret: secret.sealedSecret,
  };
}

function revocation(state: EntityState, reason: string, now: Date): EntityEvent[] {
  if (state.status !== 'registered' || !state.secret) return [];
  const { credentialId, expiresAt } = state.secret;
  return [{ type: 'CredentialRevoked', data: { credentialId, reason, revokedAt: now.toISOString(), expiresAt } }];
}

export function decideEntity(command: EntityCommand, state: EntityState): EntityEvent[] {
  switch (command.type) {
    case 'RegisterEntity': {
      if (state.status !== 'none') throw new Conflict(`Entity ${command.entityId} already exists`, 'entity_exists');
      const { entityId, name, owners, now } = command;
      return [{ type: 'EntityRegistered', data: { entityId, name, owners, registeredAt: now.toISOString() } }];
    }
    case 'IssueSecret':
      assertOwner(state, command.requestedBy);
      if (state.secret) return []; // someone minted one first: read returns that one
      return [{ type: 'EntitySecretIssued', data: secretData(command.entityId, command.secret, command.now) }];
    case 'ResetSecret': {
      assertOwner(state, command.requestedBy);
      const parentId = state.secret?.credentialId ?? null;
      return [
        ...revocation(state, 'secret_reset', command.now),
        { type: 'EntitySecretReset', data: { ...secretData(command.entityId, command.secret, command.now), parentId } },
      ];
    }
    case 'RevokeSecret':
      // A secret that was already replaced was revoked by its reset.
      if (state.status !== 'registered' || state.secret?.credentialId !== command.credentialId) return [];
      return revocation(state, command.reason, command.now);
    default:
      return assertNever(command);
  }
}

export const entityDecider: Decider<EntityState, EntityCommand, EntityEvent> = {
  initialState: initialEntityState,
  evolve: evolveEntity,
  decide: decideEntity,
};
