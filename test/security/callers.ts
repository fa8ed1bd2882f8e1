import { expect } from 'chai';
import { remember, type TestService } from '../support/service.js';
import type { ManualClock } from '../../src/clock.js';

export const CALLERS = [
  'anonymous',
  'user',
  'provider',
  'auditor',
  'admin',
  'entityToken',
  'consumerToken',
  'personalToken',
  'revokedToken',
  'expiredToken',
] as const;
export type Caller = (typeof CALLERS)[number];

/** One bearer token per kind of caller (none for anonymous), made through the public API. */
export async function makeCallers(t: TestService, clock: ManualClock): Promise<Record<Caller, string | undefined>> {
  const expired = await t.token();
  clock.advance(16 * 60 * 1000); // past the 15-minute access-token lifetime
  const admin = await t.token();
  const revoked = await t.token();
  expect((await t.http.post('/oauth2/revoke').type('form').send({ token: revoked })).status).to.equal(200);
  const user = await t.userWithRoles('matrix-user', ['user']);
  const provider = await t.userWithRoles('matrix-provider', ['provider']);
  const auditor = await t.userWithRoles('matrix-auditor', ['auditor']);
  const auth = { Authorization: `Bearer ${admin}` };

  expect((await t.http.post('/admin/entities').set(auth).send({ entityId: 'matrix-entity', name: 'Matrix', owners: ['admin'] })).status).to.equal(201);
  const secret = (await t.http.post('/entity/secret/read').set(auth).send({ ver: '1.0.0', timestamp: clock.now().toISOString(), txnId: 'm1', entityId: 'matrix-entity' })).body.secret as string;
  const entityToken = (await t.http.post('/entity/token/generate').send({ id: 'matrix-entity', secret })).body.accessToken as string;
  const consumer = await t.http.post('/api-manager/v1/consumer/mobile_device/credential/register').set(auth).send({ request: { key: 'matrix-consumer' } });
  const consumerToken = consumer.body.result.token as string;
  const pat = await t.http.post('/apiops/profile/tokens').set('Authorization', `Bearer ${user}`).send({ name: 'matrix', expiration: 'DAYS_7' });
  expect(pat.status, JSON.stringify(pat.body)).to.equal(201);
  remember(secret, entityToken, consumerToken, consumer.body.result.secret, pat.body.token);
  for (const token of [entityToken, consumerToken, pat.body.token]) expect(token, 'caller token').to.be.a('string');
  return {
    anonymous: undefined,
    user,
    provider,
    auditor,
    admin,
    entityToken,
    consumerToken,
    personalToken: pat.body.token,
    revokedToken: revoked,
    expiredToken: expired,
  };
}
