import { expect } from 'chai';
import Koa from 'koa';
import request from 'supertest';
import { RouteTable } from '../../src/http/routes.js';

describe('RouteTable (one router per first path segment)', () => {
  const table = new RouteTable();
  table.routerFor('/oauth2/token').post('/oauth2/token', (ctx) => void (ctx.body = { route: 'token' }));
  table.routerFor('/oauth2/introspect').post('/oauth2/introspect', (ctx) => void (ctx.body = { route: 'introspect' }));
  table.routerFor('/health').get('/health', (ctx) => void (ctx.body = { route: 'health' }));
  table.routerFor('/items/:id').get('/items/:id', (ctx) => void (ctx.body = { id: ctx.params.id }));
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
    expect((await http().post('/oauth2/token')).body).to.deep.equal({ route: 'token' });
    expect((await http().post('/oauth2/introspect')).body).to.deep.equal({ route: 'introspect' });
    expect((await http().get('/health')).body).to.deep.equal({ route: 'health' });
    expect((await http().get('/items/42')).body).to.deep.equal({ id: '42' });
  });

  it('ignores case and a trailing slash, as one @koa/router did', async () => {
    expect((await http().post('/OAuth2/Token')).body).to.deep.equal({ route: 'token' });
    expect((await http().get('/health/')).body).to.deep.equal({ route: 'health' });
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
    expect(() => new RouteTable().routerFor('/:tenant/token')).to.throw(/first path segment must be literal/);
  });
});
