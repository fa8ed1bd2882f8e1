import { expect } from 'chai';
import Koa, { type Context, type Next } from 'koa';
import request from 'supertest';
import { RouteTable } from '../../src/http/routes.js';

describe('RouteTable (one router per first path segment)', () => {
  const table = new RouteTable();
  // Each answer says whether a router dispatched it (a router sets ctx.routerPath).
  const answer = (body: Record<string, unknown>) => (ctx: Context) => void (ctx.body = { ...body, router: (ctx as { routerPath?: string }).routerPath !== undefined });
  const marked = (ctx: Context, next: Next) => ((ctx.state.chain = 'ran'), next());
  table.define('post', '/oauth2/token', [marked, (ctx) => void (ctx.body = { route: 'token', chain: ctx.state.chain })]);
  table.define('post', '/oauth2/introspect', [answer({ route: 'introspect' })]);
  table.define('get', '/health', [answer({ route: 'health' })]);
  table.define('get', '/items/:id', [(ctx) => void (ctx.body = { id: ctx.params.id, router: (ctx as { routerPath?: string }).routerPath !== undefined })]);
  // Also matched by /items/:id, defined first: the router runs that one, and so must the table.
  table.define('get', '/items/special', [answer({ route: 'special' })]);
  const koa = new Koa();
  koa.use(async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) [ctx.status, ctx.body] = [404, { fellThrough: true }];
    } catch (e) {
      ctx.status = (e as { status?: number }).status ?? 500;
      ctx.body = { thrown: ctx.status };
    }
  });
  koa.use(table.middleware());
  const http = () => request(koa.callback());

  it('dispatches each request to the routes of its first segment', async () => {
    expect((await http().post('/oauth2/token')).body).to.deep.equal({ route: 'token', chain: 'ran' });
    expect((await http().post('/oauth2/introspect')).body).to.deep.equal({ route: 'introspect', router: false });
    expect((await http().get('/health')).body).to.deep.equal({ route: 'health', router: false });
    expect((await http().get('/items/42')).body).to.deep.equal({ id: '42', router: false });
  });

  it('ignores case and a trailing slash, as one @koa/router did', async () => {
    expect((await http().post('/OAuth2/Token')).body).to.deep.equal({ route: 'token', chain: 'ran' });
    expect((await http().get('/health/')).body).to.deep.equal({ route: 'health', router: false });
    expect((await http().get('/Items/42/')).body).to.deep.equal({ id: '42', router: false });
  });

  it("runs the one matching route's composed chain without the router's dispatch, with its params decoded", async () => {
    expect((await http().post('/oauth2/introspect')).body).to.deep.equal({ route: 'introspect', router: false });
    expect((await http().get('/health')).body).to.deep.equal({ route: 'health', router: false });
    expect((await http().post('/oauth2/token')).body).to.deep.equal({ route: 'token', chain: 'ran' });
    expect((await http().get('/items/a%20b')).body).to.deep.equal({ id: 'a b', router: false });
    const head = await http().head('/health');
    expect(head.status).to.equal(200); // HEAD is served by the GET route, as the router does
  });

  it('leaves a path that several routes match to the router, which runs the first defined', async () => {
    expect((await http().get('/items/special')).body).to.deep.equal({ id: 'special', router: true });
  });

  it('answers 405 with Allow for a known path and another method, and OPTIONS with Allow', async () => {
    const res = await http().get('/oauth2/token');
    expect(res.status).to.equal(405);
    expect(res.body).to.deep.equal({ thrown: 405 });
    const options = await http().options('/oauth2/introspect');
    expect(options.status).to.equal(200);
    expect(options.headers.allow).to.equal('POST');
  });

  it('lets an unknown path fall through to a 404, within a known segment or not', async () => {
    for (const path of ['/oauth2/nothing', '/nothing', '/', '/items']) {
      const res = await http().get(path);
      expect(res.status, path).to.equal(404);
      expect(res.body, path).to.deep.equal({ fellThrough: true });
    }
  });

  it('refuses a route whose first segment is not literal', () => {
    expect(() => new RouteTable().define('get', '/:tenant/token', [])).to.throw(/first path segment must be literal/);
  });
});
