import { randomUUID } from 'node:crypto';
import type { Deps } from '../app/deps.js';
import { mintToken, safeEqual, sha256Hex } from '../crypto/secrets.js';
import { foldEvents, handleCommand, type CommandContext } from '../ledger/commandHandler.js';
import { clientDecider, clientStream } from './client.js';

export const CLIENT_SECRET_PREFIX = 'tlcs';

interface ClientRow {
  client_id: string;
  name: string;
  scopes: string;
  secret_hash: string;
}

/** OAuth2 clients for the client_credentials grant. The secret is shown once and kept as a digest. */
export class ClientService {
  private readonly byId;
  constructor(private readonly deps: Deps) {
    this.byId = deps.db.prepare('SELECT client_id, name, scopes, secret_hash FROM clients WHERE client_id = ?');
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
    let row = this.byId.get(clientId) as ClientRow | undefined;
    if (!row) {
      const state = foldEvents(clientDecider, (await this.deps.store.readStream(clientStream(clientId))));
      if (state.status !== 'registered') return undefined;
      row = { client_id: state.clientId, name: state.name, scopes: JSON.stringify(state.scopes), secret_hash: state.secretHash };
    }
    if (!safeEqual(sha256Hex(secret), row.secret_hash)) return undefined;
    return { clientId: row.client_id, scopes: JSON.parse(row.scopes) as string[] };
  }
}
