import { Conflict } from '../errors.js';
import { assertNever, type Decider, type DomainEvent } from '../ledger/decider.js';

export type ClientEvent = DomainEvent<
  'ClientRegistered',
  { clientId: string; name: string; scopes: string[]; secretHash: string; registeredAt: string; registeredBy: string }
>;

export type ClientState =
  | { status: 'none' }
  | { status: 'registered'; clientId: string; name: string; scopes: string[]; secretHash: string };

export type ClientCommand = {
  type: 'RegisterClient';
  clientId: string;
  name: string;
  scopes: string[];
  secretHash: string;
  registeredBy: string;
  now: Date;
};

export const clientDecider: Decider<ClientState, ClientCommand, ClientEvent> = {
  initialState: () => ({ status: 'none' }),
  evolve(_state, event) {
    switch (event.type) {
      case 'ClientRegistered': {
        const { clientId, name, scopes, secretHash } = event.data;
        return { status: 'registered', clientId, name, scopes, secretHash };
      }
      default:
        return assertNever(event.type);
    }
  },
  decide(command, state) {
    if (state.status !== 'none') throw new Conflict('Client already exists');
    const { clientId, name, scopes, secretHash, registeredBy, now } = command;
    return [{ type: 'ClientRegistered', data: { clientId, name, scopes, secretHash, registeredBy, registeredAt: now.toISOString() } }];
  },
};

export const clientStream = (clientId: string) => `client-${clientId}`;
