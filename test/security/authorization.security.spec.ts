import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import type { RouteSpec } from '../../src/http/routes.js';
import { ManualClock, startTestService, type TestService } from '../support/service.js';
import { AUTHORIZATION_MATRIX } from './authorizationMatrix.js';
import { CALLERS, makeCallers, type Caller } from './callers.js';

const routeKey = (r: Pick<RouteSpec, 'method' | 'path'>) => `${r.method.toUpperCase()} ${r.path}`;

/** A request that reaches the route's guards: placeholder path ids and an empty body of the route's own type. */
function call(t: TestService, route: RouteSpec, token: string | undefined) {
  const path = route.path.replace(/:(\w+)/g, 'matrix-$1').replace('/api//', '/api//');
  let req = t.http[route.method](path);
  if (token) req = req.set('Authorization', `Bearer ${token}`);
  if (route.body) {
    const type = route.body.types[0];
    req = type === 'form' ? req.type('form').send({}) : type === 'multipart' ? req.field('x', '') : req.send({});
  }
  return req;
}

describe('authorisation matrix: every route against every kind of caller', function () {
  this.timeout(120_000);
  let t: TestService;
  let tokens: Record<Caller, string | undefined>;
  const observed: Record<string, Record<Caller, number>> = {};

  before(async () => {
    const clock = new ManualClock(new Date());
    t = await startTestService({ clock });
    tokens = await makeCallers(t, clock);
  });
  after(async () => {
    if (process.env.RECORD_MATRIX) writeFileSync('test/security/authorizationMatrix.observed.json', JSON.stringify(observed, null, 1));
    await t.close();
  });

  it('the matrix lists every route the router has, and nothing else', () => {
    const routes = [...new Set(t.service.app.catalog.map(routeKey))].sort();
    expect(Object.keys(AUTHORIZATION_MATRIX).sort()).to.deep.equal(routes);
  });

  it('each cell is the status the route answers', async () => {
    const mismatches: string[] = [];
    for (const route of t.service.app.catalog) {
      const key = routeKey(route);
      observed[key] ??= {} as Record<Caller, number>;
      for (const caller of CALLERS) {
        const status = (await call(t, route, tokens[caller])).status;
        observed[key]![caller] = status;
        const expected = AUTHORIZATION_MATRIX[key]?.[caller];
        if (status !== expected) mismatches.push(`${key} as ${caller}: expected ${expected}, got ${status}`);
      }
    }
    expect(mismatches).to.deep.equal([]);
  });

  it('no protected route lets an anonymous, revoked or expired caller through', () => {
    for (const [key, row] of Object.entries(AUTHORIZATION_MATRIX)) {
      const route = t.service.app.catalog.find((r) => routeKey(r) === key)!;
      if (route.auth !== 'bearer') continue;
      for (const caller of ['anonymous', 'revokedToken', 'expiredToken'] as const) expect(row[caller], `${key} as ${caller}`).to.equal(401);
    }
  });
});
