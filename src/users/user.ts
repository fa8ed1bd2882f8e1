import { Conflict, NotFound } from '../errors.js';
import { assertNever, type Decider, type DomainEvent } from '../ledger/decider.js';

export const ROLES = ['admin', 'provider', 'user', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

export interface UserProfile {
  fullName: string | null;
  email: string | null;
  preferredLanguage: string | null;
}

export type UserEvent =
  | DomainEvent<'UserRegistered', { username: string; passwordHash: string; roles: Role[]; registeredAt: string } & UserProfile>
  | DomainEvent<'UserProfileUpdated', { username: string } & Partial<UserProfile>>;

export type UserState =
  | { status: 'none' }
  | { status: 'registered'; username: string; passwordHash: string; roles: Role[]; profile: UserProfile };

export type UserCommand =
  | { type: 'RegisterUser'; username: string; passwordHash: string; roles: Role[]; profile: UserProfile; now: Date }
  | { type: 'UpdateProfile'; username: string; changes: Partial<UserProfile> };

export const userDecider: Decider<UserState, UserCommand, UserEvent> = {
  initialState: () => ({ status: 'none' }),
  evolve(state, event) {
    switch (event.type) {
      case 'UserRegistered': {
        const { username, passwordHash, roles, fullName, email, preferredLanguage } = event.data;
        return { status: 'registered', username, passwordHash, roles, profile: { fullName, email, preferredLanguage } };
      }
      case 'UserProfileUpdated': {
        if (state.status !== 'registered') return state;
        const { username: _ignored, ...changes } = event.data;
        return { ...state, profile: { ...state.profile, ...changes } };
      }
      default:
        return assertNever(event);
    }
  },
  decide(command, state) {
    switch (command.type) {
      case 'RegisterUser':
        if (state.status !== 'none') throw new Conflict(`User ${command.username} already exists`, 'user_exists');
        return [
          {
            type: 'UserRegistered',
            data: {
              username: command.username,
              passwordHash: command.passwordHash,
              roles: command.roles,
              registeredAt: command.now.toISOString(),
              ...command.profile,
            },
          },
        ];
      case 'UpdateProfile':
        if (state.status !== 'registered') throw new NotFound('Unknown user');
        return [{ type: 'UserProfileUpdated', data: { username: command.username, ...command.changes } }];
      default:
        return assertNever(command);
    }
  },
};

export const userStream = (username: string) => `user-${username}`;
