import { Conflict } from '../errors.js';
import { assertNever, type Decider, type DomainEvent } from '../ledger/decider.js';

/** Providers fulfil access-token requests; applications are what consumers request tokens for. */
export type ProviderMode = 'push' | 'pull';

export interface ProviderData {
  providerId: string;
  name: string;
  username: string;
  mode: ProviderMode;
  callbackUrl: string | null;
  /** HMAC key for push deliveries, sealed: the service must use it again on every delivery. */
  signingSecretSealed: string | null;
  registeredAt: string;
}

export type ProviderEvent = DomainEvent<'ProviderRegistered', ProviderData>;
export type ProviderState = { status: 'none' } | ({ status: 'registered' } & ProviderData);
export type ProviderCommand = { type: 'RegisterProvider'; provider: Omit<ProviderData, 'registeredAt'>; now: Date };

export const providerDecider: Decider<ProviderState, ProviderCommand, ProviderEvent> = {
  initialState: () => ({ status: 'none' }),
  evolve(_state, event) {
    switch (event.type) {
      case 'ProviderRegistered':
        return { status: 'registered', ...event.data };
      default:
        return assertNever(event.type);
    }
  },
  decide(command, state) {
    switch (command.type) {
      case 'RegisterProvider':
        if (state.status !== 'none') throw new Conflict('The provider already exists');
        return [{ type: 'ProviderRegistered', data: { ...command.provider, registeredAt: command.now.toISOString() } }];
      default:
        return assertNever(command.type);
    }
  },
};

export interface ApplicationData {
  appId: string;
  name: string;
  owner: string;
  createdAt: string;
}

export type ApplicationEvent = DomainEvent<'ApplicationCreated', ApplicationData>;
export type ApplicationState = { status: 'none' } | ({ status: 'created' } & ApplicationData);
export type ApplicationCommand = { type: 'CreateApplication'; appId: string; name: string; owner: string; now: Date };

export const applicationDecider: Decider<ApplicationState, ApplicationCommand, ApplicationEvent> = {
  initialState: () => ({ status: 'none' }),
  evolve(_state, event) {
    switch (event.type) {
      case 'ApplicationCreated':
        return { status: 'created', ...event.data };
      default:
        return assertNever(event.type);
    }
  },
  decide(command, state) {
    switch (command.type) {
      case 'CreateApplication': {
        if (state.status !== 'none') throw new Conflict('The application already exists');
        const { appId, name, owner, now } = command;
        return [{ type: 'ApplicationCreated', data: { appId, name, owner, createdAt: now.toISOString() } }];
      }
      default:
        return assertNever(command.type);
    }
  },
};

export const providerStream = (providerId: string) => `provider-${providerId}`;
export const applicationStream = (appId: string) => `application-${appId}`;
