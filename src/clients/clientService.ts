import { randomUUID } from 'node:crypto';
import type { Deps } from '../app/deps.js';
import { digestMatches, mintToken, sha256Hex } from '../crypto/secrets.js';
import { foldEvents, handleCommand, type CommandContext } from '../ledger/commandHandler.js';
import type { ProjectedEvent } from '../ledger/eventStore.js';
import { RowCache } from '../readmodels/rowCache.js';
import { clientDecider, clientStream } from './client.js';

export const CLIENT_SECRET_PREFIX = 'tlcs';

interface ClientRow {
  client_id: string;
  name: string;
  scopes: string;
  secret_hash: string;
}

/**
 * The client whose row an event changes: only the client's own stream does. A token issued to it
 * names it too (`clientId`), and evicting its row for that made every batch of grants read it again.
 */
export function clientRowKey(event: Pick<ProjectedEvent, 'stream' | 'data'>): string | undefined {
  const id = (event.data as { clientId?: unknown }).clientId;
  return typeof id === 'string' && event.stream === clientStream(id) ? id : undefined;
}

interface KnownClient {
  clientId: string;
  scopes: string[];
  secretHash: string;
}

/** OAuth2 clients for the client_credentials grant. The secret is shown once and kept as a digest. */
export class ClientService {
  private readonly byId;
  /** Every client_credentials grant authenticates its client: rows are kept in memory. */
  private readonly known: RowCache<KnownClient>;
  constructor(private readonly deps: Deps) {
    this.byId = deps.db.prepare('SELECT client_id, name, scopes, secret_hash FROM clients WHERE client_id = ?');
    this.known = new RowCache(deps.runner, clientRowKey, 10_000);
  }

  async register(name: string, scopes: string[], ctx: CommandContext): Promise<{ client_id: string; client_secret: string }> {
    const clientId = randomUUID();
    const secret = mintToken(CLIENT_SECRET_PREFIX, clientId);
    const result = await handleCommand(
      this.deps.store,
      clientStream(clientId),
      clientDecider,
      { type: 'RegisterClient', clientId, name, scopes, secretHash: sha256Hex(secret), registeredBy: ctx.actor, now: this.deps.clock.now() },
      ctx,
      this.deps.validateEvent,
    );
    await this.deps.runner.waitFor(result.position);
    return { client_id: clientId, client_secret: secret };
  }

  /** The client's scopes when the secret matches (constant-time, on digests). */
  async authenticate(clientId: string, secret: string): Promise<{ clientId: string; scopes: string[] } | undefined> {
    const client = this.known.get(clientId) ?? (await this.lookup(clientId));
    if (!client || !digestMatches(secret, client.secretHash)) return undefined;
    return { clientId: client.clientId, scopes: [...client.scopes] };
  }

  /** The read-model row, or the client's stream when the projection has not caught up with it. */
  private async lookup(clientId: string): Promise<KnownClient | undefined> {
    const row = this.byId.get(clientId) as ClientRow | undefined;
    if (row) return this.known.set(clientId, { clientId: row.client_id, scopes: JSON.parse(row.scopes) as string[], secretHash: row.secret_hash });
    const state = foldEvents(clientDecider, await this.deps.store.readStream(clientStream(clientId)));
    return state.status === 'registered' ? { clientId: state.clientId, scopes: state.scopes, secretHash: state.secretHash } : undefined;
  }
}
