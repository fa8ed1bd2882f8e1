import type { Deps } from '../app/deps.js';
import { foldEvents } from '../ledger/commandHandler.js';
import { RowCache } from '../readmodels/rowCache.js';
import { evolveCredential, initialCredentialState } from './credential.js';
import { credentialStream } from './decide.js';

/** A row of the credentials read model (projections/credentials.ts), for credentials of every family. */
export interface CredentialRow {
  id: string;
  kind: string;
  stream: string;
  subject: string;
  client_id: string | null;
  scopes: string;
  roles: string;
  status: 'active' | 'revoked';
  issued_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  kid: string | null;
  family_id: string | null;
  parent_id: string | null;
}

/**
 * The read side of credentials: a primary-key lookup in the read model, cached in memory. A row is
 * cached until an event about that credential is projected, so a revocation applied to the read
 * model evicts it before the revoking request (which waits for the runner) returns.
 */
export class CredentialReader {
  private readonly byId;
  private readonly rows: RowCache<CredentialRow>;

  constructor(private readonly deps: Deps) {
    this.byId = deps.db.prepare('SELECT * FROM credentials WHERE id = ?');
    this.rows = new RowCache(deps.runner, (e) => (e.data as { credentialId?: unknown }).credentialId);
  }

  /** The read-model row; falls back to the stream for a credential the projections have not seen yet. */
  async lookup(credentialId: string): Promise<CredentialRow | undefined> {
    const cached = this.rows.get(credentialId);
    if (cached) return cached;
    const row = this.byId.get(credentialId) as CredentialRow | undefined;
    if (row) return this.rows.set(credentialId, row);
    const stream = credentialStream(credentialId);
    const events = await this.deps.store.readStream(stream);
    const state = foldEvents({ initialState: initialCredentialState, evolve: evolveCredential }, events);
    if (state.status === 'none') return undefined;
    const c = state.credential;
    return {
      id: c.credentialId,
      kind: c.kind,
      stream,
      subject: c.subject,
      client_id: c.clientId,
      scopes: JSON.stringify(c.scopes),
      roles: JSON.stringify(c.roles),
      status: state.status,
      issued_at: c.issuedAt,
      expires_at: c.expiresAt,
      revoked_at: state.status === 'revoked' ? state.revokedAt : null,
      kid: c.kid,
      family_id: c.familyId,
      parent_id: c.parentId,
    };
  }

  /** Active at `now` (by default, the clock's): not revoked, not expired, and its refresh family (if any) not revoked. */
  async isActive(row: CredentialRow | undefined, now = this.deps.clock.now()): Promise<boolean> {
    if (!row || row.status !== 'active') return false;
    if (row.expires_at && Date.parse(row.expires_at) <= now.getTime()) return false;
    if (row.family_id && row.family_id !== row.id) {
      const family = await this.lookup(row.family_id);
      if (!family || family.status !== 'active') return false;
    }
    return true;
  }
}
