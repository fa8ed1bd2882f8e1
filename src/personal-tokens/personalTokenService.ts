import type { Deps } from '../app/deps.js';
import type { Revoker, TokenInspector } from '../credentials/credentialService.js';
import { digestMatches, mintToken, parseToken, sha256Hex } from '../crypto/secrets.js';
import type { BearerResolver } from '../http/auth.js';
import { handleCommand, type CommandContext } from '../ledger/commandHandler.js';
import type { UserService } from '../users/userService.js';
import { personalTokenDecider } from './decide.js';
import { LAST_USE_TABLE, type LastUseTracker } from './lastUseTracker.js';
import { PERSONAL_TOKEN_PREFIX, personalTokenStream, type Expiration } from './personalToken.js';
import { timeOrderedId } from '../ids.js';

export interface PersonalTokenRow {
  id: string;
  username: string;
  name: string;
  token_hash: string;
  expiration: Expiration;
  created_at: string;
  expires_at: string | null;
  status: 'active' | 'revoked';
  revoked_at: string | null;
}

export interface CreatedPersonalToken {
  id: string;
  name: string;
  /** Shown once; only its digest is kept. */
  token: string;
  createdAt: string;
  expiresAt: string | null;
}

export interface PersonalTokenSummary {
  id: string;
  name: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  status: 'active' | 'expired' | 'revoked';
}

/** Creates, lists and revokes personal API access tokens, and turns a presented one into its owner. */
export class PersonalTokenService {
  private readonly byId;
  private readonly byOwner;

  constructor(
    private readonly deps: Deps,
    private readonly users: UserService,
    private readonly lastUse: LastUseTracker,
  ) {
    this.byId = deps.db.prepare('SELECT * FROM personal_tokens WHERE id = ?');
    this.byOwner = deps.db.prepare(`SELECT p.*, u.last_used_at FROM personal_tokens p
      LEFT JOIN ${LAST_USE_TABLE} u ON u.credential_id = p.id
      WHERE p.username = ? ORDER BY p.created_at DESC, p.id`);
  }

  async create(
    username: string,
    input: { name: string; expiration: Expiration; expirationDate: Date | null },
    ctx: CommandContext,
  ): Promise<CreatedPersonalToken> {
    const credentialId = timeOrderedId(this.deps.clock.now());
    const token = mintToken(PERSONAL_TOKEN_PREFIX, credentialId);
    const result = await handleCommand(
      this.deps.store,
      personalTokenStream(username),
      personalTokenDecider,
      { type: 'CreatePersonalToken', credentialId, username, tokenHash: sha256Hex(token), now: this.deps.clock.now(), ...input },
      ctx,
      this.deps.validateEvent,
    );
    // The token must work as soon as the caller has it.
    await this.deps.runner.waitFor(result.position);
    const created = result.state.tokens[credentialId]!;
    return { id: credentialId, name: created.name, token, createdAt: created.issuedAt, expiresAt: created.expiresAt };
  }

  list(username: string): PersonalTokenSummary[] {
    const now = this.deps.clock.now().getTime();
    return (this.byOwner.all(username) as Array<PersonalTokenRow & { last_used_at: string | null }>).map((r) => ({
      id: r.id,
      name: r.name,
      createdAt: r.created_at,
      expiresAt: r.expires_at,
      lastUsedAt: r.last_used_at,
      status: r.status === 'revoked' ? 'revoked' : r.expires_at && Date.parse(r.expires_at) <= now ? 'expired' : 'active',
    }));
  }

  /** Returns the `$all` position of the revocation, or undefined when it was already revoked. */
  async revoke(username: string, credentialId: string, reason: string, ctx: CommandContext): Promise<bigint | undefined> {
    const result = await handleCommand(
      this.deps.store,
      personalTokenStream(username),
      personalTokenDecider,
      { type: 'RevokePersonalToken', credentialId, username, reason, now: this.deps.clock.now() },
      ctx,
      this.deps.validateEvent,
    );
    await this.deps.runner.waitFor(result.position);
    return result.position;
  }

  /** The token's row when the value is authentic (well formed, checksum right, digest matching), active or not. */
  authentic(token: string): PersonalTokenRow | undefined {
    const id = parseToken(PERSONAL_TOKEN_PREFIX, token);
    if (!id) return undefined;
    const row = this.byId.get(id) as PersonalTokenRow | undefined;
    if (!row || !digestMatches(token, row.token_hash)) return undefined;
    return row;
  }

  /** Whether a request was authenticated with a personal token (rather than a sign-in token). */
  isPersonalToken(credentialId: string): boolean {
    return this.byId.get(credentialId) !== undefined;
  }

  isActive(row: PersonalTokenRow): boolean {
    if (row.status !== 'active') return false;
    return row.expires_at === null || Date.parse(row.expires_at) > this.deps.clock.now().getTime();
  }

  /** A personal token stands for its owner, with the owner's roles as they are now. */
  resolvePrincipal: BearerResolver = async (token) => {
    const row = this.authentic(token);
    if (!row || !this.isActive(row)) return undefined;
    const user = await this.users.find(row.username);
    if (user.status !== 'registered') return undefined;
    this.lastUse.touch(row.id);
    return {
      kind: 'user',
      subject: user.username,
      roles: [...user.roles],
      scopes: [],
      credentialId: row.id,
      actor: `user:${user.username}`,
    };
  };

  /** For /oauth2/introspect and /oauth2/revoke. */
  inspector: TokenInspector = async (token) => {
    const row = this.authentic(token);
    if (!row) return undefined;
    return { credentialId: row.id, claims: { username: row.username, token_name: row.name } };
  };

  // The credential's subject is its owner's username.
  revoker: Revoker = (credential, reason, ctx) => this.revoke(credential.subject, credential.id, reason, ctx);
}
