import { Conflict, NotFound } from '../../src/errors.js';
import { userDecider, type UserEvent } from '../../src/users/user.js';
import { deciderSpec } from '../support/deciderSpec.js';

const spec = deciderSpec(userDecider);
const now = new Date('2026-03-01T10:00:00Z');
const profile = { fullName: 'Alice A', email: 'alice@example.org', preferredLanguage: null };
const registered: UserEvent = {
  type: 'UserRegistered',
  data: { username: 'alice', passwordHash: 'scrypt$x', roles: ['user'], registeredAt: now.toISOString(), ...profile },
};

describe('user decider', () => {
  it('given nothing, when registered, then UserRegistered', () =>
    spec.given([]).when({ type: 'RegisterUser', username: 'alice', passwordHash: 'scrypt$x', roles: ['user'], profile, now }).then([registered]));
  it('given a user, when registered again, then Conflict', () =>
    spec.given([registered]).when({ type: 'RegisterUser', username: 'alice', passwordHash: 'scrypt$y', roles: ['admin'], profile, now }).thenThrows(Conflict));
  it('given a user, when the profile changes, then UserProfileUpdated', () =>
    spec.given([registered]).when({ type: 'UpdateProfile', username: 'alice', changes: { preferredLanguage: 'de' } }).then([
      { type: 'UserProfileUpdated', data: { username: 'alice', preferredLanguage: 'de' } },
    ]));
  it('given nothing, when the profile changes, then NotFound', () =>
    spec.given([]).when({ type: 'UpdateProfile', username: 'bob', changes: {} }).thenThrows(NotFound));
});
