import { expect } from 'chai';
import { createLocalJWKSet, decodeJwt, jwtVerify, SignJWT } from 'jose';
import { join } from 'node:path';
import { loadSchemas } from '../../src/http/schemas.js';
import type { EventStore } from '../../src/ledger/eventStore.js';
import { SqliteEventStore } from '../../src/ledger/sqlite/sqliteEventStore.js';
import { consumerStream } from '../../src/sunbird/consumerCredential.js';
import { ManualClock, remember, startTestService, type TestService } from '../support/service.js';

const schemas = loadSchemas();
const V1 = '/api-manager/v1/consumer';
const V2 = '/api-manager/v2/consumer';
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** The body of the seed's HTTP examples, byte for byte. */
const SEED_BODY = '{\n"request": {\n"key": "text"\n}\n}';

const headerOf = (token: string) => Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8');
const payloadOf = (token: string) => Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8');

function expectRegistered(body: Record<string, any>, key: string, msgid = '') {
  schemas.validate('responses/sunbird-consumer-credential', body);
  expect(body).to.include({ id: 'ekstep.api.am.adminutil.consumer.create', ver: '1.0' });
  expect(body.params).to.include({ status: 'successful', err: null, errmsg: null, msgid });
  expect(body.params.resmsgid).to.match(UUID_RE);
  expect(body.result.key).to.equal(key);
  remember(body.result.secret, body.result.token);
}

function expectBadRequest(res: { status: number; body: Record<string, any> }, errmsg: string, msgid = '') {
  expect(res.status, JSON.stringify(res.body)).to.equal(400);
  schemas.validate('responses/sunbird-error', res.body);
  expect(res.body.params).to.include({ status: 'failed', err: 'BAD_REQUEST', errmsg, msgid });
  expect(res.body.result).to.deep.equal({ key: '', secret: '', token: '' });
}

describe('Sunbird API manager', () => {
  let t: TestService;
  let clock: ManualClock;
  let admin: string;
  const bearer = () => `Bearer ${admin}`;

  before(async () => {
    clock = new ManualClock(new Date('2026-02-01T08:00:00.000Z'));
    t = await startTestService({ clock, env: { LEDGER_SUNBIRD_KEYS_PER_GROUP: '2' } });
    admin = await t.token();
  });
  after(() => t.close());

  const registerJson = (path: string, body: unknown) => t.http.post(path).set('Authorization', bearer()).send(body as object);
  const introspect = async (token: string) => {
    const res = await t.http.post('/oauth2/introspect').set('Authorization', bearer()).type('form').send({ token });
    expect(res.status).to.equal(200);
    return res.body as Record<string, any>;
  };
  const jwks = async () => (await t.http.get('/.well-known/jwks.json')).body as { keys: Array<Record<string, any>> };

  describe('seed replay', () => {
    for (const version of ['v1', 'v2']) {
      it(`POST /api//api-manager/${version}/consumer/{consumer}/credential/register as written: the documented envelope`, async () => {
        const res = await t.http
          .post(`/api//api-manager/${version}/consumer/mobile_device/credential/register`)
          .set('Authorization', bearer())
          .set('Content-Type', 'application/json')
          .set('Accept', '*/*')
          .send(SEED_BODY);
        expect(res.status, JSON.stringify(res.body)).to.equal(200);
        expectRegistered(res.body, 'text');
        expect(Object.keys(res.body)).to.have.members(['id', 'ver', 'ts', 'ets', 'params', 'result']);
        expect(res.body.ts).to.equal(clock.now().getTime());
        expect(res.body.result.secret).to.match(version === 'v1' ? /^[A-Za-z0-9]{32}$/ : /^$/);
      });
    }

    it('the same requests at their own path and under /api', async () => {
      for (const path of [`${V1}/mobile_device/credential/register`, `/api${V1}/mobile_device/credential/register`, `/api${V2}/desktop_device/credential/register`]) {
        const res = await registerJson(path, JSON.parse(SEED_BODY));
        expect(res.status, path).to.equal(200);
        expectRegistered(res.body, 'text');
      }
    });

    it('the literal placeholder "Bearer JWT" of the seed is refused with 401 {message}', async () => {
      const res = await t.http.post(`/api//api-manager/v1/consumer/mobile_device/credential/register`).set('Authorization', 'Bearer JWT').type('json').send(SEED_BODY);
      expect(res.status).to.equal(401);
      expect(res.body).to.have.all.keys('message');
    });

    it('"Get API token" as written (Content-Type */*, Authorization: text): 401; with a bearer token, the JSON body is read', async () => {
      const path = '/api/api-manager/v2/consumer/desktop_device/credential/register';
      const refused = await t.http.post(path).set('Content-Type', '*/*').set('Authorization', 'text').set('Accept', '*/*').send(SEED_BODY);
      expect(refused.status).to.equal(401);
      expect(refused.body.message).to.be.a('string');
      const res = await t.http.post(path).set('Content-Type', '*/*').set('Authorization', bearer()).send(SEED_BODY);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expectRegistered(res.body, 'text');
      expect(JSON.parse(headerOf(res.body.result.token)).kid).to.match(/^desktop_devicev2_key\d+$/);
    });

    it('POST /api//auth/v1/refresh/token as written ("refresh_token=\'text\'"): the documented envelope, with invalid_grant', async () => {
      const res = await t.http
        .post('/api//auth/v1/refresh/token')
        .set('Authorization', 'Bearer JWT')
        .set('Content-Type', 'application/x-www-form-urlencoded')
        .set('Accept', '*/*')
        .send(`"refresh_token='text'"`);
      expect(res.status).to.equal(400);
      schemas.validate('responses/sunbird-error', res.body);
      expect(Object.keys(res.body)).to.have.members(['id', 'ver', 'ts', 'params', 'result']);
      expect(res.body.params).to.include({ status: 'failed', err: 'invalid_grant', errmsg: 'invalid_grant' });
      expect(res.body.result).to.deep.equal({ access_token: null, expires_in: 0, refresh_expires_in: 0, refresh_token: null });
    });
  });

  describe('v1: HS256 with the returned secret', () => {
    it('the header is exactly {"alg":"HS256"}, the claims exactly {iss, iat}, and jose verifies it with the secret', async () => {
      const res = await registerJson(`${V1}/mobile_device/credential/register`, { request: { key: 'SunbirdUser' } });
      expect(res.status).to.equal(200);
      expectRegistered(res.body, 'SunbirdUser');
      const { token, secret } = res.body.result;
      expect(headerOf(token)).to.equal('{"alg":"HS256"}');
      expect(JSON.parse(payloadOf(token))).to.deep.equal({ iss: 'SunbirdUser', iat: clock.now().getTime() / 1000 });
      const { payload, protectedHeader } = await jwtVerify(token, new TextEncoder().encode(secret), { algorithms: ['HS256'] });
      expect(protectedHeader).to.deep.equal({ alg: 'HS256' });
      expect(payload.iss).to.equal('SunbirdUser');
      await jwtVerify(token, new TextEncoder().encode(secret.replace(/.$/, (c: string) => (c === 'a' ? 'b' : 'a'))), { algorithms: ['HS256'] }).then(
        () => expect.fail('a wrong secret must not verify'),
        () => undefined,
      );
    });

    it('the same (consumer, key) again: the same secret, a new valid token and a credential of its own', async () => {
      const path = `${V1}/portal/credential/register`;
      const first = await registerJson(path, { request: { key: 'repeat-key' } });
      const second = await registerJson(path, { request: { key: 'repeat-key' } });
      expectRegistered(first.body, 'repeat-key');
      expectRegistered(second.body, 'repeat-key');
      expect(second.body.result.secret).to.equal(first.body.result.secret);
      expect(second.body.result.token).to.not.equal(first.body.result.token);
      await jwtVerify(second.body.result.token, new TextEncoder().encode(second.body.result.secret), { algorithms: ['HS256'] });
      const [a, b] = [await introspect(first.body.result.token), await introspect(second.body.result.token)];
      expect(a.active && b.active).to.equal(true);
      expect(a.jti).to.match(UUID_RE);
      expect(b.jti).to.match(UUID_RE).and.not.equal(a.jti);
      // Another consumer with the same key has a secret of its own.
      const other = await registerJson(`${V1}/another/credential/register`, { request: { key: 'repeat-key' } });
      expectRegistered(other.body, 'repeat-key');
      expect(other.body.result.secret).to.not.equal(first.body.result.secret);
      expect((await introspect(other.body.result.token)).client_id).to.equal('another');
    });

    it('the secret is stored sealed in the ledger, never in plain text', async () => {
      const res = await registerJson(`${V1}/sealed/credential/register`, { request: { key: 'sealed-key' } });
      expectRegistered(res.body, 'sealed-key');
      const events = await t.store.readStream(consumerStream('sealed', 'sealed-key'));
      expect(events.map((e) => e.type)).to.deep.equal(['ConsumerCredentialIssued']);
      const raw = JSON.stringify(events.map((e) => e.data));
      expect(raw).to.not.include(res.body.result.secret);
      expect(raw).to.not.include(res.body.result.token);
      expect(events[0]!.data).to.include({ consumer: 'sealed', key: 'sealed-key', version: 'v1', kid: null, alg: 'HS256', kind: 'consumer_jwt' });
      expect(events[0]!.data.secretSealed).to.match(/^v1\./);
    });
  });

  describe('v2: RS256 with a key of the consumer type', () => {
    it('the header is {"alg":"RS256","kid":…}, the secret "", and the token verifies against JWKS (jose)', async () => {
      const res = await registerJson(`${V2}/mobile_device/credential/register`, { request: { key: 'SunbirdUser' } });
      expectRegistered(res.body, 'SunbirdUser');
      expect(res.body.result.secret).to.equal('');
      const token = res.body.result.token as string;
      const header = JSON.parse(headerOf(token));
      expect(Object.keys(header)).to.deep.equal(['alg', 'kid']);
      expect(header.alg).to.equal('RS256');
      expect(header.kid).to.match(/^mobile_devicev2_key[12]$/);
      expect(Object.keys(decodeJwt(token))).to.deep.equal(['iss', 'iat']);
      const { payload } = await jwtVerify(token, createLocalJWKSet((await jwks()) as never), { algorithms: ['RS256'] });
      expect(payload.iss).to.equal('SunbirdUser');
    });

    it('every consumer type has its own group of keys, all published in JWKS', async () => {
      const kids = (await jwks()).keys.map((k) => k.kid as string);
      for (const type of ['mobile_device', 'desktop_device', 'portal_anonymous', 'portal_loggedin', 'access']) {
        expect(kids, type).to.include.members([`${type}v2_key1`, `${type}v2_key2`]);
      }
      for (const type of ['desktop_device', 'portal_loggedin', 'access']) {
        const res = await registerJson(`${V2}/${type}/credential/register`, { request: { key: `k-${type}` } });
        expectRegistered(res.body, `k-${type}`);
        expect(JSON.parse(headerOf(res.body.result.token)).kid).to.match(new RegExp(`^${type}v2_key[12]$`));
      }
    });

    it('an unknown consumer type: 400 UNKNOWN CONSUMER, nothing appended', async () => {
      const before = await t.store.headPosition();
      expectBadRequest(await registerJson(`${V2}/smart_fridge/credential/register`, { request: { key: 'k' } }), 'UNKNOWN CONSUMER');
      expect(await t.store.headPosition()).to.equal(before);
    });
  });

  describe('body media types', () => {
    const path = `${V1}/forms/credential/register`;
    it('application/x-www-form-urlencoded: request[key] and params[msgid], or request as JSON text', async () => {
      const a = await t.http.post(path).set('Authorization', bearer()).type('form').send('request[key]=form-key&params[msgid]=m-1');
      expect(a.status).to.equal(200);
      expectRegistered(a.body, 'form-key', 'm-1');
      const b = await t.http.post(path).set('Authorization', bearer()).type('form').send({ request: JSON.stringify({ key: 'form-json' }) });
      expectRegistered(b.body, 'form-json');
    });

    it('multipart/form-data with the same fields', async () => {
      const a = await t.http.post(path).set('Authorization', bearer()).field('request[key]', 'multi-key').field('params[msgid]', 'm-2');
      expect(a.status, JSON.stringify(a.body)).to.equal(200);
      expectRegistered(a.body, 'multi-key', 'm-2');
      const b = await t.http.post(path).set('Authorization', bearer()).field('request', JSON.stringify({ key: 'multi-json' }));
      expectRegistered(b.body, 'multi-json');
    });

    it('application/json echoes params.msgid', async () => {
      const res = await registerJson(path, { id: 'x', ver: '1.0', params: { msgid: 'msg-42' }, request: { key: 'json-key' } });
      expectRegistered(res.body, 'json-key', 'msg-42');
    });

    it('any other media type: 415 in the envelope', async () => {
      for (const type of ['text/plain', 'application/xml']) {
        const res = await t.http.post(path).set('Authorization', bearer()).set('Content-Type', type).send('request=x');
        expect(res.status, type).to.equal(415);
        schemas.validate('responses/sunbird-error', res.body);
        expect(res.body.params).to.include({ status: 'failed', err: 'UNSUPPORTED_MEDIA_TYPE' });
      }
    });
  });

  describe('validation', () => {
    const path = `${V1}/mobile_device/credential/register`;
    const rows: Array<[string, unknown, string]> = [
      ['no request', {}, 'REQUEST IS MANDATORY'],
      ['a request that is not an object', { request: 'key' }, 'REQUEST IS MANDATORY'],
      ['no key', { request: {} }, 'KEY IS MANDATORY'],
      ['an empty key', { request: { key: '' } }, 'KEY IS MANDATORY'],
      ['a key with a space', { request: { key: 'Sunbird User' } }, 'KEY MUST NOT HAVE SPACE'],
      ['a UUID key', { request: { key: '0a0d4cc2-58c0-42e0-bd98-66004517cf00' } }, 'KEY MUST NOT BE A UUID'],
      ['a UUID key with spaces (several problems)', { request: { key: ' 0a0d4cc2-58c0-42e0-bd98-66004517cf00' } }, 'KEY MUST NOT HAVE SPACE, KEY MUST NOT BE A UUID'],
    ];
    for (const [name, body, errmsg] of rows) {
      it(`${name}: 400 BAD_REQUEST "${errmsg}", empty result, nothing appended`, async () => {
        const before = await t.store.headPosition();
        expectBadRequest(await registerJson(path, { params: { msgid: 'v-1' }, ...(body as object) }), errmsg, 'v-1');
        expect(await t.store.headPosition()).to.equal(before);
      });
    }

    it('the same rules on v2 and on form bodies', async () => {
      expectBadRequest(await registerJson(`${V2}/mobile_device/credential/register`, { request: { key: 'a b' } }), 'KEY MUST NOT HAVE SPACE');
      const res = await t.http.post(path).set('Authorization', bearer()).type('form').send('request[key]=');
      expectBadRequest(res, 'KEY IS MANDATORY');
    });

    it('malformed JSON: 400 BAD_REQUEST', async () => {
      const res = await t.http.post(path).set('Authorization', bearer()).set('Content-Type', 'application/json').send('{"request": {');
      expectBadRequest(res, 'REQUEST IS MANDATORY');
    });
  });

  describe('ledger, introspection and revocation through the native API', () => {
    for (const version of ['v1', 'v2'] as const) {
      it(`${version}: a history, active until revoked through /oauth2/revoke, then inactive`, async () => {
        const consumer = version === 'v1' ? 'ledger-app' : 'portal_anonymous';
        const res = await registerJson(`/api-manager/${version}/consumer/${consumer}/credential/register`, { request: { key: `ledger-${version}` } });
        expectRegistered(res.body, `ledger-${version}`);
        const token = res.body.result.token as string;
        const active = await introspect(token);
        expect(active).to.include({ active: true, token_type: 'consumer_jwt', iss: `ledger-${version}`, sub: `ledger-${version}`, client_id: consumer });
        const id = active.jti as string;

        const history = await t.http.get(`/ledger/credentials/${id}/history`).set('Authorization', bearer());
        expect(history.status).to.equal(200);
        const stream = consumerStream(consumer, `ledger-${version}`);
        for (const e of history.body.events) expect(e.stream ?? history.body.stream).to.equal(stream);
        expect(history.body.events.map((e: { type: string }) => e.type)).to.deep.equal(['ConsumerCredentialIssued']);
        const data = history.body.events[0].data;
        expect(data).to.include({ credentialId: id, consumer, key: `ledger-${version}`, version, expiresAt: null });
        expect(data.kid).to.equal(version === 'v1' ? null : JSON.parse(headerOf(token)).kid);
        expect(data).to.not.have.any.keys('secretSealed', 'tokenHash');

        expect((await t.http.post('/oauth2/revoke').type('form').send({ token })).status).to.equal(200);
        expect(await introspect(token)).to.deep.equal({ active: false });
        const after = await t.http.get(`/ledger/credentials/${id}/history`).set('Authorization', bearer());
        expect(after.body.events.map((e: { type: string }) => e.type)).to.deep.equal(['ConsumerCredentialIssued', 'CredentialRevoked']);
      });
    }

    it('revoking one registration leaves the others of the same key active', async () => {
      const path = `${V1}/revocable/credential/register`;
      const a = await registerJson(path, { request: { key: 'rk' } });
      const b = await registerJson(path, { request: { key: 'rk' } });
      expectRegistered(a.body, 'rk');
      expectRegistered(b.body, 'rk');
      await t.http.post('/oauth2/revoke').type('form').send({ token: a.body.result.token });
      expect((await introspect(a.body.result.token)).active).to.equal(false);
      expect((await introspect(b.body.result.token)).active).to.equal(true);
    });

    it('a token we did not issue is inactive: a forged v1 signature, or a well-signed token never registered', async () => {
      const res = await registerJson(`${V1}/forgery/credential/register`, { request: { key: 'fk' } });
      expectRegistered(res.body, 'fk');
      const forged = await new SignJWT({ iss: 'fk', iat: 1 }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('x'.repeat(32)));
      expect(await introspect(forged)).to.deep.equal({ active: false });
      const unregistered = await new SignJWT({ iss: 'fk', iat: 1 }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(res.body.result.secret));
      remember(unregistered);
      expect(await introspect(unregistered)).to.deep.equal({ active: false });
    });
  });

  describe('refresh: POST /auth/v1/refresh/token', () => {
    const login = async () => {
      const res = await t.http.post('/oauth2/token').type('form').send({ grant_type: 'password', username: 'admin', password: 'admin-password-1' });
      remember(res.body.access_token, res.body.refresh_token);
      return res.body.refresh_token as string;
    };
    const refresh = (body: string | object, type: 'form' | 'json' = 'form') => t.http.post('/auth/v1/refresh/token').type(type).send(body);
    const expectInvalidGrant = (res: { status: number; body: Record<string, any> }) => {
      expect(res.status, JSON.stringify(res.body)).to.equal(400);
      schemas.validate('responses/sunbird-error', res.body);
      expect(res.body.params).to.include({ status: 'failed', err: 'invalid_grant', errmsg: 'invalid_grant' });
      expect(res.body.result).to.deep.equal({ access_token: null, expires_in: 0, refresh_expires_in: 0, refresh_token: null });
    };

    it('rotates: the form field gives new tokens in the documented envelope; the new refresh token works as JSON too', async () => {
      const first = await login();
      const res = await refresh({ refresh_token: first });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      schemas.validate('responses/sunbird-refresh-token', res.body);
      expect(res.body).to.include({ id: 'api.refresh.token', ver: '1.0', ts: clock.now().getTime() });
      expect(res.body.params).to.include({ status: 'successful', err: null, errmsg: null });
      expect(res.body.result.refresh_token).to.not.equal(first);
      expect(res.body.result.expires_in).to.be.greaterThan(0);
      remember(res.body.result.access_token, res.body.result.refresh_token);
      expect((await introspect(res.body.result.access_token)).active).to.equal(true);
      const again = await t.http.post('/api/auth/v1/refresh/token').send({ refresh_token: res.body.result.refresh_token });
      expect(again.status).to.equal(200);
      remember(again.body.result.access_token, again.body.result.refresh_token);
    });

    it('a reused refresh token (after the grace period) gets invalid_grant, and its family dies', async () => {
      const first = await login();
      const rotated = await refresh({ refresh_token: first });
      remember(rotated.body.result.access_token, rotated.body.result.refresh_token);
      clock.advance(60_000);
      expectInvalidGrant(await refresh({ refresh_token: first }));
      expectInvalidGrant(await refresh({ refresh_token: rotated.body.result.refresh_token }, 'json'));
      admin = await t.token();
    });

    it('a revoked refresh token, or garbage: invalid_grant', async () => {
      const token = await login();
      await t.http.post('/oauth2/revoke').type('form').send({ token });
      expectInvalidGrant(await refresh({ refresh_token: token }));
      expectInvalidGrant(await refresh({ refresh_token: 'tlr_not-a-token' }, 'json'));
    });

    it('an expired refresh token: invalid_grant', async () => {
      const token = await login();
      clock.advance(31 * 86_400_000);
      expectInvalidGrant(await refresh({ refresh_token: token }));
      admin = await t.token();
    });

    it('no refresh_token: 400 BAD_REQUEST with null tokens', async () => {
      for (const res of [await refresh({}), await refresh({ refresh_token: 5 }, 'json'), await refresh('other=1')]) {
        expect(res.status).to.equal(400);
        schemas.validate('responses/sunbird-error', res.body);
        expect(res.body.params).to.include({ status: 'failed', err: 'BAD_REQUEST' });
        expect(res.body.result).to.deep.equal({ access_token: null, expires_in: 0, refresh_expires_in: 0, refresh_token: null });
      }
    });
  });
});

describe('Sunbird API manager: configuration and internal errors', () => {
  let t: TestService;
  const failing = { on: false };

  /** The real SQLite store, whose appends to consumer streams can be made to fail. */
  const flakyStore = (dataDir: string): EventStore => {
    const inner = new SqliteEventStore(join(dataDir, 'ledger.db'));
    return new Proxy(inner, {
      get(target, prop, receiver) {
        if (prop === 'append') {
          return (stream: string, ...rest: [never, never]) =>
            failing.on && stream.startsWith('consumer-') ? Promise.reject(new Error('disk unavailable')) : target.append(stream, ...rest);
        }
        const value = Reflect.get(target, prop, receiver) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  };

  before(async () => {
    t = await startTestService({
      store: flakyStore,
      env: { LEDGER_SUNBIRD_CONSUMER_TYPES: 'kiosk,mobile_device', LEDGER_SUNBIRD_KEYS_PER_GROUP: '1' },
    });
  });
  after(() => t.close());

  it('the consumer types and the number of keys per group come from the environment', async () => {
    const kids = ((await t.http.get('/.well-known/jwks.json')).body.keys as Array<{ kid: string }>).map((k) => k.kid);
    expect(kids).to.include.members(['kioskv2_key1', 'mobile_devicev2_key1']);
    expect(kids.filter((k) => k.includes('v2_key'))).to.have.length(2);
    const admin = await t.token();
    const ok = await t.http.post(`${V2}/kiosk/credential/register`).set('Authorization', `Bearer ${admin}`).send({ request: { key: 'k1' } });
    expectRegistered(ok.body, 'k1');
    const unknown = await t.http.post(`${V2}/desktop_device/credential/register`).set('Authorization', `Bearer ${admin}`).send({ request: { key: 'k1' } });
    expectBadRequest(unknown, 'UNKNOWN CONSUMER');
  });

  it('a restart on the same ledger creates no new keys: the groups are created only when missing', async () => {
    const keyEvents = async () => (await t.store.readStream('signingkeys-all')).filter((e) => e.type === 'SigningKeyCreated').length;
    const before = await keyEvents();
    const kids = ((await t.http.get('/.well-known/jwks.json')).body.keys as Array<{ kid: string }>).map((k) => k.kid).sort();
    await t.close();
    t = await startTestService({ dataDir: t.dataDir, store: flakyStore, env: { LEDGER_SUNBIRD_CONSUMER_TYPES: 'kiosk,mobile_device', LEDGER_SUNBIRD_KEYS_PER_GROUP: '1' } });
    expect(await keyEvents()).to.equal(before);
    expect(((await t.http.get('/.well-known/jwks.json')).body.keys as Array<{ kid: string }>).map((k) => k.kid).sort()).to.deep.equal(kids);
  });

  it('an unexpected error: 500 INTERNAL_ERROR without details', async () => {
    const admin = await t.token();
    failing.on = true;
    try {
      const res = await t.http.post(`${V1}/mobile_device/credential/register`).set('Authorization', `Bearer ${admin}`).send({ params: { msgid: 'e-1' }, request: { key: 'k2' } });
      expect(res.status).to.equal(500);
      schemas.validate('responses/sunbird-error', res.body);
      expect(res.body.params).to.include({ status: 'failed', err: 'INTERNAL_ERROR', errmsg: 'UNABLE TO REGISTER CREDENTIAL DUE TO INTERNAL ERROR', msgid: 'e-1' });
      expect(res.body.result).to.deep.equal({ key: '', secret: '', token: '' });
      expect(JSON.stringify(res.body)).to.not.include('disk unavailable');
    } finally {
      failing.on = false;
    }
  });
});

describe('Sunbird API manager: a key whose stream the service takes for new, but another process created', () => {
  let t: TestService;
  const appends: string[] = [];

  /** The SQLite store as the service opens it, but whose filter of known streams misses every consumer stream. */
  const staleFilter = (dataDir: string): EventStore => {
    const inner = new SqliteEventStore(join(dataDir, 'ledger.db'), { knownStreams: true });
    return new Proxy(inner, {
      get(target, prop, receiver) {
        if (prop === 'streamMayExist') return (stream: string) => (stream.startsWith('consumer-') ? false : target.streamMayExist(stream));
        if (prop === 'append') {
          return (stream: string, ...rest: [never, never]) => {
            appends.push(stream);
            return target.append(stream, ...rest);
          };
        }
        const value = Reflect.get(target, prop, receiver) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  };

  before(async () => {
    t = await startTestService({ store: staleFilter });
  });
  after(() => t.close());

  it('the append, expecting no stream, is refused, and the registration is signed again with the consumer secret of record', async () => {
    const admin = await t.token();
    const register = () => t.http.post(`${V1}/mobile_device/credential/register`).set('Authorization', `Bearer ${admin}`).send({ request: { key: 'k-taken' } });
    const first = await register();
    expectRegistered(first.body, 'k-taken');
    appends.length = 0;
    const second = await register();
    expectRegistered(second.body, 'k-taken');
    // Taken for new, refused, read and signed again: the same secret, a token of its own.
    expect(second.body.result.secret).to.equal(first.body.result.secret);
    expect(second.body.result.token).to.not.equal(first.body.result.token);
    const stream = consumerStream('mobile_device', 'k-taken');
    expect(appends.filter((s) => s === stream)).to.have.length(2);
    expect((await t.store.readStream(stream)).map((e) => e.type)).to.deep.equal(['ConsumerCredentialIssued', 'ConsumerCredentialIssued']);
    await jwtVerify(second.body.result.token, new TextEncoder().encode(second.body.result.secret));
  });
});
