import { randomUUID } from 'node:crypto';
import type { Deps } from '../app/deps.js';
import { mintToken } from '../crypto/secrets.js';
import { BadRequest, NotFound } from '../errors.js';
import { foldEvents, handleCommand, type CommandContext } from '../ledger/commandHandler.js';
import type { UserService } from '../users/userService.js';
import {
  applicationDecider,
  applicationStream,
  providerDecider,
  providerStream,
  type ApplicationData,
  type ProviderData,
  type ProviderMode,
} from './directory.js';

/** Prefix of the push signing secret, so that secret scanners recognise a leaked one. */
export const SIGNING_SECRET_PREFIX = 'tlwh';

export interface ProviderRow {
  provider_id: string;
  name: string;
  username: string;
  mode: ProviderMode;
  callback_url: string | null;
  registered_at: string;
}

export interface RegisterProviderInput {
  name: string;
  username: string;
  mode: ProviderMode;
  callbackUrl?: string;
}

export type Provider = Omit<ProviderData, 'signingSecretSealed'>;

const toProvider = (r: ProviderRow): Provider => ({
  providerId: r.provider_id,
  name: r.name,
  username: r.username,
  mode: r.mode,
  callbackUrl: r.callback_url,
  registeredAt: r.registered_at,
});

/** Providers (registered by admins) and consumers' applications. */
export class DirectoryService {
  private readonly providersOf;
  private readonly allProviders;

  constructor(
    private readonly deps: Deps,
    private readonly users: UserService,
  ) {
    this.providersOf = deps.db.prepare('SELECT provider_id FROM access_providers WHERE username = ?').pluck();
    this.allProviders = deps.db.prepare('SELECT * FROM access_providers ORDER BY registered_at, provider_id');
  }

  /** The signing secret of a push provider is returned here, once; the ledger keeps it sealed. */
  async registerProvider(input: RegisterProviderInput, ctx: CommandContext): Promise<Provider & { signingSecret?: string }> {
    const user = await this.users.find(input.username);
    if (user.status !== 'registered') throw new BadRequest(`Unknown user ${input.username}`);
    if (!user.roles.includes('provider')) throw new BadRequest(`User ${input.username} does not have the role provider`);
    if (input.mode === 'push' && !input.callbackUrl) throw new BadRequest('callbackUrl is required for a push provider');
    if (input.mode === 'pull' && input.callbackUrl) throw new BadRequest('callbackUrl is only for a push provider');
    const providerId = randomUUID();
    const signingSecret = input.mode === 'push' ? mintToken(SIGNING_SECRET_PREFIX, providerId) : undefined;
    const provider = {
      providerId,
      name: input.name,
      username: input.username,
      mode: input.mode,
      callbackUrl: input.callbackUrl ?? null,
      signingSecretSealed: signingSecret ? this.deps.box.seal(signingSecret) : null,
    };
    const result = await handleCommand(
      this.deps.store,
      providerStream(providerId),
      providerDecider,
      { type: 'RegisterProvider', provider, now: this.deps.clock.now() },
      ctx,
      this.deps.validateEvent,
    );
    await this.deps.runner.waitFor(result.position);
    if (result.state.status !== 'registered') throw new Error('provider not registered');
    const { signingSecretSealed: _sealed, status: _s, ...registered } = result.state;
    return { ...registered, ...(signingSecret ? { signingSecret } : {}) };
  }

  listProviders(): Provider[] {
    return (this.allProviders.all() as ProviderRow[]).map(toProvider);
  }

  /** The providers a user acts for. */
  providerIdsOf(username: string): string[] {
    return this.providersOf.all(username) as string[];
  }

  /** From the stream: the workflow needs the sealed signing secret, which no read model holds. */
  async provider(providerId: string): Promise<ProviderData | undefined> {
    const state = foldEvents(providerDecider, await this.deps.store.readStream(providerStream(providerId)));
    if (state.status === 'none') return undefined;
    const { status: _s, ...data } = state;
    return data;
  }

  async createApplication(name: string, owner: string, ctx: CommandContext): Promise<ApplicationData> {
    const appId = randomUUID();
    const result = await handleCommand(
      this.deps.store,
      applicationStream(appId),
      applicationDecider,
      { type: 'CreateApplication', appId, name, owner, now: this.deps.clock.now() },
      ctx,
      this.deps.validateEvent,
    );
    await this.deps.runner.waitFor(result.position);
    if (result.state.status !== 'created') throw new Error('application not created');
    const { status: _s, ...app } = result.state;
    return app;
  }

  /** The consumer's own application; another user's is as unknown as a missing one. */
  async ownApplication(appId: string, owner: string): Promise<ApplicationData> {
    const state = foldEvents(applicationDecider, await this.deps.store.readStream(applicationStream(appId)));
    if (state.status === 'none' || state.owner !== owner) throw new NotFound('Unknown application');
    const { status: _s, ...app } = state;
    return app;
  }
}
