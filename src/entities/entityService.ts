import type { Deps } from '../app/deps.js';
import type { CredentialService, TokenInspector, Revoker } from '../credentials/credentialService.js';
import { digestMatches, mintToken, parseToken, sha256Hex } from '../crypto/secrets.js';
import { BadRequest, Unauthorized } from '../errors.js';
import { foldEvents, handleCommand, type CommandContext } from '../ledger/commandHandler.js';
import type { UserService } from '../users/userService.js';
import { assertOwner, entityDecider, entityStream, entitySubject, type EntityCommand, type NewSecret } from './decide.js';
import { checkSecret, secretValidity, type EntitySecretData, type EntityState } from './entity.js';
import { IAM_MESSAGES } from './messages.js';
import { timeOrderedId } from '../ids.js';

/** Entity secrets carry a prefix and a checksum, so that secret scanners can find leaked ones. */
export const ENTITY_SECRET_PREFIX = 'tles';
/** Token Service user and entity tokens last a day. */
export const IAM_TOKEN_TTL_SECONDS = 86_400;
/** Stream names are `entity-<id>`; anything else is not an entity this service could hold. */
const ENTITY_ID = /^[A-Za-z0-9._-]{1,128}$/;

export interface ShownSecret {
  secret: string;
  expiresAt: Date;
  /** The validity was defaulted or capped at 180 days. */
  adjusted: boolean;
}

export interface EntityToken {
  accessToken: string;
  expiresIn: number;
  credentialId: string;
  withinGrace: boolean;
}

/** Entities, their secrets (sealed, with a digest to check them) and the tokens those secrets buy. */
export class EntityService {
  constructor(
    private readonly deps: Deps,
    private readonly credentials: CredentialService,
    private readonly users: UserService,
  ) {}

  async register(input: { entityId: string; name: string; owners: string[] }, ctx: CommandContext): Promise<void> {
    const unknown: string[] = [];
    for (const owner of input.owners) if ((await this.users.find(owner)).status !== 'registered') unknown.push(owner);
    if (unknown.length) throw new BadRequest(`Unknown owner(s): ${unknown.join(', ')}`, 'unknown_owner');
    await this.run(input.entityId, { type: 'RegisterEntity', ...input, now: this.deps.clock.now() }, ctx);
  }

  async load(entityId: string): Promise<EntityState> {
    if (!ENTITY_ID.test(entityId)) return { status: 'none' };
    return foldEvents(entityDecider, await this.deps.store.readStream(entityStream(entityId)));
  }

  /** The current secret; an entity without one gets one minted. */
  async readSecret(entityId: string, username: string, requestedDays: number | undefined, ctx: CommandContext): Promise<ShownSecret> {
    const state = await this.load(entityId);
    assertOwner(state, username);
    if (state.secret) return this.show(state.secret, false);
    const { secret, command, adjusted } = this.mint(requestedDays);
    const result = await this.run(entityId, { type: 'IssueSecret', entityId, requestedBy: username, secret: command, now: this.deps.clock.now() }, ctx);
    const current = (result.state as Extract<EntityState, { status: 'registered' }>).secret!;
    // Another request may have minted one between our read and our append: show that one.
    if (current.credentialId !== command.credentialId) return this.show(current, false);
    return { secret, expiresAt: new Date(current.expiresAt), adjusted };
  }

  async resetSecret(entityId: string, username: string, requestedDays: number | undefined, ctx: CommandContext): Promise<ShownSecret> {
    assertOwner(await this.load(entityId), username); // before minting anything
    const { secret, command, adjusted } = this.mint(requestedDays);
    const result = await this.run(entityId, { type: 'ResetSecret', entityId, requestedBy: username, secret: command, now: this.deps.clock.now() }, ctx);
    const current = (result.state as Extract<EntityState, { status: 'registered' }>).secret!;
    return { secret, expiresAt: new Date(current.expiresAt), adjusted };
  }

  /** A token for the entity whose current secret this is; an expired secret still works within the grace period. */
  async generateToken(entityId: string, secret: string, ctx: CommandContext): Promise<EntityToken> {
    const state = await this.load(entityId);
    const check = checkSecret(state, sha256Hex(secret), this.deps.clock.now());
    if (check === 'invalid') throw new Unauthorized(IAM_MESSAGES.invalidEntityCredentials, 'invalid_client');
    const issued = await this.credentials.issueAccessToken(
      { subject: entitySubject(entityId), clientId: null, scopes: [], roles: [], ttlSeconds: IAM_TOKEN_TTL_SECONDS },
      { ...ctx, actor: entitySubject(entityId) },
    );
    return { accessToken: issued.accessToken, expiresIn: issued.expiresIn, credentialId: issued.credentialId, withinGrace: check === 'grace' };
  }

  /** Recognises an entity secret for `/oauth2/introspect` and `/oauth2/revoke`, current or replaced. */
  inspectSecret: TokenInspector = async (token) => {
    const credentialId = parseToken(ENTITY_SECRET_PREFIX, token);
    if (!credentialId) return undefined;
    const row = await this.credentials.lookup(credentialId);
    if (!row || !row.stream.startsWith(entityStream(''))) return undefined;
    const events = await this.deps.store.readStream(row.stream);
    const issued = events.find(
      (e) => (e.type === 'EntitySecretIssued' || e.type === 'EntitySecretReset') && (e.data as { credentialId?: string }).credentialId === credentialId,
    );
    const data = issued?.data as EntitySecretData | undefined;
    if (!data || !digestMatches(token, data.secretHash)) return undefined;
    return { credentialId, claims: { entity_id: data.entityId } };
  };

  /** Revokes an entity secret through the native API; the entity then needs a read or a reset for a new one. */
  revokeSecret: Revoker = async (credential, reason, ctx) => {
    const result = await handleCommand(
      this.deps.store,
      credential.stream,
      entityDecider,
      { type: 'RevokeSecret', credentialId: credential.id, reason, now: this.deps.clock.now() },
      ctx,
      this.deps.validateEvent,
    );
    return result.position;
  };

  private mint(requestedDays: number | undefined): { secret: string; command: NewSecret; adjusted: boolean } {
    const credentialId = timeOrderedId(this.deps.clock.now());
    const secret = mintToken(ENTITY_SECRET_PREFIX, credentialId);
    const { days, adjusted } = secretValidity(requestedDays);
    return {
      secret,
      adjusted,
      command: { credentialId, secretHash: sha256Hex(secret), sealedSecret: this.deps.box.seal(secret), validityDays: days },
    };
  }

  private show(current: { sealedSecret: string; expiresAt: string }, adjusted: boolean): ShownSecret {
    return { secret: this.deps.box.open(current.sealedSecret), expiresAt: new Date(current.expiresAt), adjusted };
  }

  private async run(entityId: string, command: EntityCommand, ctx: CommandContext) {
    const result = await handleCommand(this.deps.store, entityStream(entityId), entityDecider, command, ctx, this.deps.validateEvent);
    await this.deps.runner.waitFor(result.position);
    return result;
  }
}
