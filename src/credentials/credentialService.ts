import type { Deps } from '../app/deps.js';
import { mintToken, parseToken, sha256Hex } from '../crypto/secrets.js';
import type { Principal } from '../http/auth.js';
import { handleCommand, loadStream, type CommandContext } from '../ledger/commandHandler.js';
import { credentialStream, credentialDecider, InvalidGrant, type CredentialCommand } from './decide.js';
import { initialCredentialState, type CredentialIssuedData } from './credential.js';
import { CredentialReader, type CredentialRow } from './credentialReader.js';
import { signJwt, VerifiedJwtCache } from './jwt.js';
import { timeOrderedId } from '../ids.js';

export const REFRESH_PREFIX = 'tlr';

export interface IssueAccessInput {
  subject: string;
  clientId: string | null;
  scopes: string[];
  roles: string[];
  familyId?: string | null;
  parentId?: string | null;
  ttlSeconds?: number;
}

export interface IssuedAccessToken {
  accessToken: string;
  credentialId: string;
  expiresIn: number;
  position?: bigint;
}

export interface Introspection {
  active: boolean;
  [claim: string]: unknown;
}

/**
 * A family's way to recognise its own tokens (an HS256 consumer JWT, a personal token, an API key):
 * returns the credential id and the claims when the token is authentic, whether or not it is still
 * active. Activity is then decided from the credentials read model, the same for every family.
 */
export type TokenInspector = (token: string) => Promise<{ credentialId: string; claims: Record<string, unknown> } | undefined>;

/**
 * Appends the revocation of a credential that lives in a family's own stream; returns its position.
 * It gets the credential's row, already looked up by the native revocation.
 */
export type Revoker = (credential: CredentialRow, reason: string, ctx: CommandContext) => Promise<bigint | undefined>;

/** Issues, rotates, revokes and checks the native API's credentials. */
export class CredentialService {
  private readonly inspectors: TokenInspector[] = [];
  private readonly revokers = new Map<string, Revoker>();

  /** Lets a family's tokens be introspected and revoked through the native API. */
  registerInspector(inspector: TokenInspector): void {
    this.inspectors.push(inspector);
  }

  /** Revocation for credentials whose stream starts with `streamPrefix`. */
  registerRevoker(streamPrefix: string, revoker: Revoker): void {
    this.revokers.set(streamPrefix, revoker);
  }

  private async inspect(token: string) {
    for (const inspector of this.inspectors) {
      const found = await inspector(token);
      if (found) return found;
    }
    return undefined;
  }

  private readonly jwts: VerifiedJwtCache;
  private readonly reader: CredentialReader;

  constructor(private readonly deps: Deps) {
    this.jwts = new VerifiedJwtCache(deps.keys);
    this.reader = new CredentialReader(deps);
  }

  /** The credential's current row (read model, or its stream when not projected yet). */
  lookup(credentialId: string): Promise<CredentialRow | undefined> {
    return this.reader.lookup(credentialId);
  }

  /** Active at `now` (by default, the clock's): not revoked, not expired, and its refresh family (if any) not revoked. */
  isActive(row: CredentialRow | undefined, now?: Date): Promise<boolean> {
    return this.reader.isActive(row, now);
  }

  private run(id: string, command: CredentialCommand | ((s: ReturnType<typeof initialCredentialState>) => CredentialCommand), ctx: CommandContext) {
    const streamIsNew = typeof command !== 'function' && command.type === 'IssueCredential';
    return handleCommand(this.deps.store, credentialStream(id), credentialDecider, command, ctx, this.deps.validateEvent, { streamIsNew, states: this.deps.states });
  }

  async issueAccessToken(input: IssueAccessInput, ctx: CommandContext): Promise<IssuedAccessToken> {
    const { clock, config, keys } = this.deps;
    const now = clock.now();
    const ttl = input.ttlSeconds ?? config.accessTokenTtlSeconds;
    const credentialId = timeOrderedId(now);
    const iat = Math.floor(now.getTime() / 1000);
    const claims = {
      iss: config.issuer,
      sub: input.subject,
      iat,
      exp: iat + ttl,
      jti: credentialId,
      scope: input.scopes.join(' '),
      ...(input.clientId ? { client_id: input.clientId } : {}),
      ...(input.roles.length ? { roles: input.roles } : {}),
    };
    // The token is signed (in the signing thread, for a public key) while the issue is appended.
    // If the append fails, the token is never handed out; if the signing fails after the append,
    // the credential is recorded but not delivered, as when a client goes before its answer.
    const { token, kid } = signJwt(keys, 'native', claims);
    const result = await this.run(
      credentialId,
      {
        type: 'IssueCredential',
        data: this.issuedData(credentialId, 'access_token', input, now, new Date((iat + ttl) * 1000), kid, null),
      },
      ctx,
    );
    return { accessToken: await token, credentialId, expiresIn: ttl, position: result.position };
  }

  /** Starts a refresh-token family; each rotation stays in the family's stream. */
  async issueRefreshToken(input: IssueAccessInput, ctx: CommandContext): Promise<{ refreshToken: string; familyId: string; expiresIn: number }> {
    const now = this.deps.clock.now();
    const ttl = this.deps.config.refreshTokenTtlSeconds;
    const familyId = timeOrderedId(now);
    const refreshToken = mintToken(REFRESH_PREFIX, familyId);
    const expiresAt = new Date(now.getTime() + ttl * 1000);
    await this.run(
      familyId,
      { type: 'IssueCredential', data: this.issuedData(familyId, 'refresh_token', input, now, expiresAt, null, sha256Hex(refreshToken)) },
      ctx,
    );
    return { refreshToken, familyId, expiresIn: ttl };
  }

  /**
   * Rotates a refresh token. A re-use within the grace period returns another pair in the same family;
   * a later re-use revokes the whole family and fails.
   */
  async rotateRefreshToken(refreshToken: string, ctx: CommandContext) {
    const familyId = parseToken(REFRESH_PREFIX, refreshToken);
    if (!familyId) throw new InvalidGrant();
    const { config, clock } = this.deps;
    const newToken = mintToken(REFRESH_PREFIX, familyId);
    const accessTokenId = timeOrderedId(clock.now());
    const result = await this.run(
      familyId,
      {
        type: 'RotateRefreshToken',
        presentedHash: sha256Hex(refreshToken),
        newHash: sha256Hex(newToken),
        accessTokenId,
        now: clock.now(),
        graceSeconds: config.refreshReuseGraceSeconds,
        ttlSeconds: config.refreshTokenTtlSeconds,
      },
      ctx,
    );
    if (result.events.some((e) => e.type === 'RefreshTokenReuseDetected')) {
      await this.deps.runner.waitFor(result.position);
      throw new InvalidGrant('The refresh token was already used; its family has been revoked');
    }
    if (result.state.status !== 'active') throw new InvalidGrant();
    const c = result.state.credential;
    const access = await this.issueAccessToken(
      { subject: c.subject, clientId: c.clientId, scopes: c.scopes, roles: c.roles, familyId, parentId: familyId },
      ctx,
    );
    return { ...access, refreshToken: newToken, refreshExpiresIn: config.refreshTokenTtlSeconds, familyId };
  }

  async revoke(credentialId: string, reason: string, ctx: CommandContext): Promise<void> {
    const row = await this.lookup(credentialId);
    if (!row) return; // RFC 7009: an unknown token is not an error
    if (row.stream !== credentialStream(credentialId)) {
      const prefix = [...this.revokers.keys()].find((p) => row.stream.startsWith(p));
      if (!prefix) throw new Error(`No revoker for credentials in ${row.stream}`);
      await this.deps.runner.waitFor(await this.revokers.get(prefix)!(row, reason, ctx));
      return;
    }
    const result = await this.run(credentialId, { type: 'RevokeCredential', reason, now: this.deps.clock.now() }, ctx);
    await this.deps.runner.waitFor(result.position);
  }

  /** RFC 7662 for our JWTs and refresh tokens; anything else is simply inactive. */
  async introspect(token: string): Promise<Introspection> {
    if (this.jwts.looksLikeJwt(token)) {
      const now = this.deps.clock.now();
      const claims = await this.jwts.verify(token, { now, issuer: this.deps.config.issuer });
      if (!claims?.jti) return this.introspectFamilyToken(token);
      const row = await this.lookup(claims.jti);
      if (!(await this.isActive(row, now))) return { active: false };
      return {
        active: true,
        sub: claims.sub,
        exp: claims.exp,
        iat: claims.iat,
        scope: claims.scope ?? '',
        client_id: claims.client_id ?? null,
        token_type: 'Bearer',
        jti: claims.jti,
        iss: claims.iss,
      };
    }
    const familyId = parseToken(REFRESH_PREFIX, token);
    if (!familyId) return this.introspectFamilyToken(token);
    // The family's state as rotations keep it (StreamStates): only what was appended since is read.
    const { state } = await loadStream(this.deps.store, credentialStream(familyId), credentialDecider, this.deps.states);
    if (state.status !== 'active' || !state.current.includes(sha256Hex(token))) return { active: false };
    const c = state.credential;
    if (c.expiresAt && Date.parse(c.expiresAt) <= this.deps.clock.now().getTime()) return { active: false };
    return {
      active: true,
      sub: c.subject,
      exp: c.expiresAt ? Math.floor(Date.parse(c.expiresAt) / 1000) : undefined,
      iat: Math.floor(Date.parse(c.issuedAt) / 1000),
      scope: c.scopes.join(' '),
      client_id: c.clientId,
      token_type: 'refresh_token',
      jti: familyId,
    };
  }

  /** Tokens of the other API families, recognised by their inspectors; activity comes from the read model. */
  private async introspectFamilyToken(token: string): Promise<Introspection> {
    const found = await this.inspect(token);
    if (!found) return { active: false };
    const row = await this.lookup(found.credentialId);
    if (!row || !(await this.isActive(row))) return { active: false };
    return {
      active: true,
      sub: row.subject,
      ...(row.expires_at ? { exp: Math.floor(Date.parse(row.expires_at) / 1000) } : {}),
      iat: Math.floor(Date.parse(row.issued_at) / 1000),
      scope: (JSON.parse(row.scopes) as string[]).join(' '),
      client_id: row.client_id,
      token_type: row.kind,
      jti: row.id,
      ...found.claims,
    };
  }

  /** Finds the credential id a presented token stands for (for revocation). */
  async credentialIdOf(token: string): Promise<string | undefined> {
    if (this.jwts.looksLikeJwt(token)) {
      const claims = await this.jwts.verify(token, { now: this.deps.clock.now(), requireExp: false });
      if (claims?.jti) return claims.jti;
    }
    return parseToken(REFRESH_PREFIX, token) ?? (await this.inspect(token))?.credentialId;
  }

  /** Bearer resolver for native JWT access tokens. */
  resolvePrincipal = async (token: string): Promise<Principal | undefined> => {
    if (!this.jwts.looksLikeJwt(token)) return undefined;
    const now = this.deps.clock.now();
    const claims = await this.jwts.verify(token, { now, issuer: this.deps.config.issuer });
    if (!claims?.jti || !claims.sub) return undefined;
    if (!(await this.isActive(await this.lookup(claims.jti), now))) return undefined;
    const roles = Array.isArray(claims.roles) ? (claims.roles as string[]) : [];
    const clientId = typeof claims.client_id === 'string' ? claims.client_id : undefined;
    const kind = roles.length ? 'user' : 'client';
    return {
      kind,
      subject: claims.sub,
      roles,
      scopes: typeof claims.scope === 'string' && claims.scope ? claims.scope.split(' ') : [],
      credentialId: claims.jti,
      clientId,
      actor: `${kind}:${claims.sub}`,
    };
  };

  private issuedData(
    credentialId: string,
    kind: string,
    input: IssueAccessInput,
    now: Date,
    expiresAt: Date,
    kid: string | null,
    tokenHash: string | null,
  ): CredentialIssuedData {
    return {
      credentialId,
      kind,
      subject: input.subject,
      clientId: input.clientId,
      scopes: input.scopes,
      roles: input.roles,
      issuedAt: now.toISOString(),
      expiresAt: expiresAt.toISOString(),
      kid,
      tokenHash,
      familyId: input.familyId ?? null,
      parentId: input.parentId ?? null,
    };
  }
}
