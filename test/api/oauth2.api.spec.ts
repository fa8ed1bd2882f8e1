import { expect } from 'chai';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { ADMIN, ManualClock, remember, startTestService, type TestService } from '../support/service.js';

describe('native API: OAuth2 token, revoke, introspect, JWKS, metadata', () => {
  let t: TestService;
  let clock: ManualClock;
  let admin: string;

  before(async () => {
    clock = new ManualClock(new Date());
    t = await startTestService({ clock });
    admin = await t.token();
  });
  after(() => t.close());

  const introspect = (token: string) =>
    t.http.post('/oauth2/introspect').set('Authorization', `Bearer ${admin}`).type('form').send({ token });
  const eventCount = () => t.eventCount();

  describe('password grant', () => {
    it('returns a JWT access token and a prefixed refresh token', async () => {
      const res = await t.http.post('/oauth2/token').type('form').send({ grant_type: 'password', ...ADMIN });
      expect(res.status).to.equal(200);
      remember(res.body.access_token, res.body.refresh_token);
      expect(res.headers['cache-control']).to.equal('no-store');
      expect(res.body).to.include({ token_type: 'Bearer', expires_in: 900 });
      expect(res.body.refresh_token).to.match(/^tlr_[0-9a-f]{32}[0-9A-Za-z]{38}$/);
      const jwks = createLocalJWKSet((await t.http.get('/.well-known/jwks.json')).body);
      const { payload, protectedHeader } = await jwtVerify(res.body.access_token, jwks, { issuer: 'http://token-ledger.test' });
      expect(protectedHeader.alg).to.equal('ES256');
      expect(payload.sub).to.equal('admin');
      expect(payload.jti).to.be.a('string');
      expect(payload.exp! - payload.iat!).to.equal(900);
    });

    it('refuses a wrong password with invalid_grant and appends nothing', async () => {
      const before = await eventCount();
      const res = await t.http.post('/oauth2/token').type('form').send({ grant_type: 'password', username: 'admin', password: 'nope-nope' });
      expect(res.status).to.equal(400);
      expect(res.body).to.deep.equal({ error: 'invalid_grant', error_description: 'Invalid username or password' });
      expect(await eventCount()).to.equal(before);
    });
  });

  describe('client_credentials grant', () => {
    let client: { client_id: string; client_secret: string };
    before(async () => {
      const res = await t.http.post('/admin/clients').set('Authorization', `Bearer ${admin}`).send({ name: 'billing', scopes: ['invoices:read', 'invoices:write'] });
      expect(res.status).to.equal(201);
      expect(res.body).to.include({ name: 'billing' });
      client = { client_id: res.body.client_id, client_secret: res.body.client_secret };
      remember(client.client_secret);
      expect(client.client_secret).to.match(/^tlcs_/);
    });

    it('issues a token to a registered client (secret in the body)', async () => {
      const res = await t.http.post('/oauth2/token').type('form').send({ grant_type: 'client_credentials', ...client, scope: 'invoices:read' });
      expect(res.status).to.equal(200);
      remember(res.body.access_token);
      expect(res.body.scope).to.equal('invoices:read');
      const info = (await introspect(res.body.access_token)).body;
      expect(info).to.include({ active: true, sub: client.client_id, client_id: client.client_id, scope: 'invoices:read', token_type: 'Bearer' });
    });

    it('accepts HTTP Basic client authentication', async () => {
      const res = await t.http.post('/oauth2/token').auth(client.client_id, client.client_secret).type('form').send({ grant_type: 'client_credentials' });
      expect(res.status).to.equal(200);
      remember(res.body.access_token);
    });

    it('refuses a wrong secret with 401 invalid_client', async () => {
      const res = await t.http.post('/oauth2/token').type('form').send({ grant_type: 'client_credentials', client_id: client.client_id, client_secret: 'tlcs_wrong' });
      expect(res.status).to.equal(401);
      expect(res.body.error).to.equal('invalid_client');
    });

    it('refuses a scope the client does not have', async () => {
      const res = await t.http.post('/oauth2/token').type('form').send({ grant_type: 'client_credentials', ...client, scope: 'admin' });
      expect(res.status).to.equal(400);
      expect(res.body.error).to.equal('invalid_scope');
    });
  });

  describe('refresh_token grant', () => {
    const login = async () => {
      const res = await t.http.post('/oauth2/token').type('form').send({ grant_type: 'password', ...ADMIN });
      remember(res.body.access_token, res.body.refresh_token);
      return res.body as { access_token: string; refresh_token: string };
    };
    const refresh = async (refresh_token: string) => {
      const res = await t.http.post('/oauth2/token').type('form').send({ grant_type: 'refresh_token', refresh_token });
      remember(res.body.access_token, res.body.refresh_token);
      return res;
    };

    it('rotates: the new refresh token works, the old one is rotated out', async () => {
      const first = await login();
      const res = await refresh(first.refresh_token);
      expect(res.status).to.equal(200);
      expect(res.body.refresh_token).to.not.equal(first.refresh_token);
      expect((await introspect(res.body.refresh_token)).body).to.include({ active: true, token_type: 'refresh_token' });
      expect((await introspect(first.refresh_token)).body).to.deep.equal({ active: false });
      expect((await refresh(res.body.refresh_token)).status).to.equal(200);
    });

    it('introspection follows a family as it rotates: each answer is of the family as it is now', async () => {
      // Introspection reads the family from the state rotations keep, and only what was appended since.
      const first = await login();
      expect((await introspect(first.refresh_token)).body).to.include({ active: true });
      const second = (await refresh(first.refresh_token)).body.refresh_token as string;
      expect((await introspect(first.refresh_token)).body).to.deep.equal({ active: false });
      expect((await introspect(second)).body).to.include({ active: true });
      const third = (await refresh(second)).body.refresh_token as string;
      expect((await introspect(second)).body).to.deep.equal({ active: false });
      expect((await introspect(third)).body).to.include({ active: true });
      const revoked = await t.http.post('/oauth2/revoke').type('form').send({ token: third });
      expect(revoked.status).to.equal(200);
      expect((await introspect(third)).body).to.deep.equal({ active: false });
    });

    it('re-use within the grace period returns a fresh pair and revokes nothing', async () => {
      const first = await login();
      const a = await refresh(first.refresh_token);
      const b = await refresh(first.refresh_token); // the lost-response retry
      expect(b.status).to.equal(200);
      expect(b.body.refresh_token).to.not.equal(a.body.refresh_token);
      expect((await refresh(a.body.refresh_token)).status).to.equal(200);
      expect((await refresh(b.body.refresh_token)).status).to.equal(200);
    });

    it('re-use after the grace period revokes the whole family and records RefreshTokenReuseDetected', async () => {
      const first = await login();
      const a = await refresh(first.refresh_token);
      clock.advance(11_000);
      const reuse = await refresh(first.refresh_token);
      expect(reuse.status).to.equal(400);
      expect(reuse.body.error).to.equal('invalid_grant');
      expect((await refresh(a.body.refresh_token)).status).to.equal(400);
      expect((await introspect(a.body.access_token)).body.active).to.equal(false);
      // Every access token issued from the family dies with it.
      expect((await introspect(first.access_token)).body.active).to.equal(false);
      const fid = a.body.refresh_token.slice(4, 36).replace(/(.{8})(.{4})(.{4})(.{4})(.{12})/, '$1-$2-$3-$4-$5');
      const history = await t.http.get(`/ledger/credentials/${fid}/history`).set('Authorization', `Bearer ${admin}`);
      expect(history.body.events.map((e: { type: string }) => e.type)).to.deep.equal([
        'CredentialIssued',
        'RefreshTokenRotated',
        'RefreshTokenReuseDetected',
        'CredentialRevoked',
      ]);
    });

    it('refuses an unknown, malformed or expired refresh token', async () => {
      expect((await refresh('tlr_' + 'a'.repeat(70))).body.error).to.equal('invalid_grant');
      expect((await refresh('garbage')).body.error).to.equal('invalid_grant');
      const first = await login();
      clock.advance(31 * 86400 * 1000);
      expect((await refresh(first.refresh_token)).body.error).to.equal('invalid_grant');
      admin = await t.token();
    });
  });

  describe('revoke and introspect', () => {
    it('a revoked token is inactive at once, and can no longer call the API', async () => {
      const token = await t.token();
      expect((await introspect(token)).body.active).to.equal(true);
      const res = await t.http.post('/oauth2/revoke').type('form').send({ token });
      expect(res.status).to.equal(200);
      expect((await introspect(token)).body).to.deep.equal({ active: false });
      const denied = await t.http.post('/oauth2/introspect').set('Authorization', `Bearer ${token}`).type('form').send({ token: admin });
      expect(denied.status).to.equal(401);
      expect(denied.body.error).to.equal('invalid_token');
    });

    it('an expired token is inactive', async () => {
      const token = await t.token();
      clock.advance(901_000);
      admin = await t.token();
      expect((await introspect(token)).body).to.deep.equal({ active: false });
    });

    it('an unknown token revokes to 200 and introspects inactive', async () => {
      expect((await t.http.post('/oauth2/revoke').type('form').send({ token: 'whatever' })).status).to.equal(200);
      expect((await introspect('eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.')).body).to.deep.equal({ active: false });
    });

    it('introspection needs an admin bearer token', async () => {
      expect((await t.http.post('/oauth2/introspect').type('form').send({ token: admin })).status).to.equal(401);
      const user = await t.userWithRoles('plainuser', ['user']);
      const res = await t.http.post('/oauth2/introspect').set('Authorization', `Bearer ${user}`).type('form').send({ token: admin });
      expect(res.status).to.equal(403);
      expect(res.body.error).to.equal('insufficient_scope');
    });
  });

  describe('discovery', () => {
    it('publishes RFC 8414 metadata and a JWKS without private parts', async () => {
      const meta = (await t.http.get('/.well-known/oauth-authorization-server')).body;
      expect(meta.issuer).to.equal('http://token-ledger.test');
      expect(meta.token_endpoint).to.equal('http://token-ledger.test/oauth2/token');
      const jwks = (await t.http.get('/.well-known/jwks.json')).body;
      expect(jwks.keys).to.have.length.greaterThan(0);
      for (const k of jwks.keys) expect(k).to.not.have.property('d');
    });
  });

  describe('bad input: a clear 4xx in the envelope, nothing appended', () => {
    const cases: Array<[string, () => Promise<{ status: number; body: { error: string; error_description?: string } }>, number, string]> = [
      ['unknown grant type', () => t.http.post('/oauth2/token').type('form').send({ grant_type: 'implicit' }), 400, 'unsupported_grant_type'],
      ['missing grant type', () => t.http.post('/oauth2/token').type('form').send({ username: 'x' }), 400, 'invalid_request'],
      ['missing password', () => t.http.post('/oauth2/token').type('form').send({ grant_type: 'password', username: 'admin' }), 400, 'invalid_request'],
      ['unknown field', () => t.http.post('/oauth2/token').type('form').send({ grant_type: 'password', ...ADMIN, colour: 'red' }), 400, 'invalid_request'],
      ['JSON where a form is required', () => t.http.post('/oauth2/token').send({ grant_type: 'password' }), 415, 'unsupported_media_type'],
      ['oversized body', () => t.http.post('/oauth2/token').type('form').send({ grant_type: 'password', username: 'a'.repeat(70_000) }), 413, 'payload_too_large'],
    ];
    for (const [name, call, status, error] of cases) {
      it(name, async () => {
        const before = await eventCount();
        const res = await call();
        expect(res.status).to.equal(status);
        expect(res.body.error).to.equal(error);
        expect(res.body.error_description).to.be.a('string');
        expect(await eventCount()).to.equal(before);
      });
    }

    it('malformed JSON on a JSON route', async () => {
      const before = await eventCount();
      const res = await t.http.post('/admin/users').set('Authorization', `Bearer ${admin}`).set('Content-Type', 'application/json').send('{"username": ');
      expect(res.status).to.equal(400);
      expect(res.body).to.deep.equal({ error: 'invalid_request', error_description: 'Malformed request body' });
      expect(await eventCount()).to.equal(before);
    });

    it('validation messages name the field', async () => {
      const res = await t.http.post('/admin/users').set('Authorization', `Bearer ${admin}`).send({ username: 'x', roles: ['wizard'] });
      expect(res.status).to.equal(400);
      expect(res.body.error_description).to.include('password is required');
      expect(res.body.error_description).to.include('roles.0 must be one of: admin, provider, user, auditor');
    });

    it('a duplicate username gets 409', async () => {
      const res = await t.http.post('/admin/users').set('Authorization', `Bearer ${admin}`).send({ username: 'admin', password: 'another-pass', roles: ['user'] });
      expect(res.status).to.equal(409);
    });

    it('an unknown route gets 404 in the native envelope', async () => {
      const res = await t.http.get('/nope');
      expect(res.status).to.equal(404);
      expect(res.body.error).to.equal('not_found');
    });
  });

  describe('system', () => {
    it('GET /health reports the store and the bus', async () => {
      const res = await t.http.get('/health');
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.include({ status: 'ok', store: { status: 'ok', kind: t.store.kind } });
      expect(res.body.bus).to.include({ status: 'ok', kind: 'in-process' });
      expect(res.body.bus.relayedPosition).to.be.a('number');
      expect(res.body.bus.relay).to.equal('on');
    });

    it('LEDGER_RELAY=off: the instance serves but publishes nothing to the bus', async () => {
      const quiet = await startTestService({ env: { LEDGER_RELAY: 'off' } });
      try {
        await quiet.token();
        const health = (await quiet.http.get('/health')).body;
        expect(health.bus).to.include({ relay: 'off', relayedPosition: 0 });
      } finally {
        await quiet.close();
      }
    });

    it('GET /openapi.json lists every route with its schemas', async () => {
      const doc = (await t.http.get('/openapi.json')).body;
      expect(doc.openapi).to.equal('3.1.0');
      for (const r of t.service.app.catalog) {
        const path = r.path.replace(/:(\w+)/g, '{$1}');
        expect(doc.paths[path], path).to.have.property(r.method);
      }
      expect(doc.components.schemas['requests.oauth2-token']).to.be.an('object');
    });

    it('every response carries a request id', async () => {
      const res = await t.http.get('/health').set('X-Request-Id', 'abc-123');
      expect(res.headers['x-request-id']).to.equal('abc-123');
    });
  });
});
