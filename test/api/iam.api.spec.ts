import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex } from '../../src/crypto/secrets.js';
import { ManualClock, remember, startTestService, type TestService } from '../support/service.js';

const DAY = 86_400_000;
const BASES = ['', '/iam/v1'];
const ADJUSTED = "The expiry is set to 180 days by default, as the user didn't specify or exceeded the default limit.";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ZONELESS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}$/;

describe('Token Service IAM API (user tokens, entity secrets, entity tokens)', () => {
  let t: TestService;
  let clock: ManualClock;
  let admin: string;

  before(async () => {
    clock = new ManualClock(new Date('2026-02-01T08:00:00.000Z'));
    t = await startTestService({ clock });
    admin = await t.token();
    await t.userWithRoles('alice@example.org', ['user']);
    await t.userWithRoles('bob', ['user']);
  });
  after(() => t.close());

  const password = (u: string) => `${u}-password-1`;
  const eventCount = () => t.eventCount();
  const freshAdmin = async () => (admin = await t.token());
  const introspect = async (token: string) => {
    const res = await t.http.post('/oauth2/introspect').set('Authorization', `Bearer ${await freshAdmin()}`).type('form').send({ token });
    return res.body as Record<string, unknown>;
  };
  // A fresh admin token each time, because the clock moves days ahead in some tests.
  const registerEntity = async (entityId: string, owners = ['alice@example.org']) =>
    t.http.post('/admin/entities').set('Authorization', `Bearer ${await freshAdmin()}`).send({ entityId, name: `Entity ${entityId}`, owners });
  const userToken = async (base = '', username = 'alice@example.org') => {
    const res = await t.http.post(`${base}/user/token/generate`).send({ username, password: password(username) });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    remember(res.body.accessToken);
    return res.body.accessToken as string;
  };
  const envelope = (entityId?: string, extra: Record<string, unknown> = {}) => ({
    ver: '1.0.0',
    timestamp: clock.now().toISOString(),
    txnId: randomUUID(),
    ...(entityId === undefined ? {} : { entityId }),
    ...extra,
  });
  const secretCall = async (op: 'read' | 'reset', token: string, body: Record<string, unknown>, base = '') => {
    const res = await t.http.post(`${base}/entity/secret/${op}`).set('Authorization', `Bearer ${token}`).send(body);
    remember(res.body.secret);
    return res;
  };
  const entityToken = async (id: string, secret: string, base = '', form = false) => {
    const req = t.http.post(`${base}/entity/token/generate`);
    const res = await (form ? req.type('form') : req).send({ id, secret });
    remember(res.body.accessToken);
    return res;
  };
  const expectError = (res: { status: number; body: Record<string, unknown> }, status: number, errorCode: string, errorMsg: string) => {
    expect(res.status, JSON.stringify(res.body)).to.equal(status);
    expect(Object.keys(res.body).sort()).to.deep.equal(['errorCode', 'errorMsg', 'timestamp', 'txnId', 'ver']);
    expect(res.body).to.include({ ver: '1.0.0', errorCode, errorMsg, timestamp: clock.now().toISOString() });
  };

  describe('POST /admin/entities', () => {
    it('registers an entity with its owners (201)', async () => {
      const res = await registerEntity('aa-1');
      expect(res.status).to.equal(201);
      expect(res.body).to.deep.equal({ entityId: 'aa-1', name: 'Entity aa-1', owners: ['alice@example.org'] });
    });

    it('a duplicate entityId gets 409 and appends nothing', async () => {
      await freshAdmin();
      const before = await eventCount();
      expect((await t.http.post('/admin/entities').set('Authorization', `Bearer ${admin}`).send({ entityId: 'aa-1', name: 'x', owners: ['bob'] })).status).to.equal(409);
      expect(await eventCount()).to.equal(before);
    });

    it('owners must be existing users', async () => {
      await freshAdmin();
      const before = await eventCount();
      const res = await t.http.post('/admin/entities').set('Authorization', `Bearer ${admin}`).send({ entityId: 'aa-ghost', name: 'x', owners: ['alice@example.org', 'nobody'] });
      expect(res.status).to.equal(400);
      expect(res.body.error_description).to.equal('Unknown owner(s): nobody');
      expect(await eventCount()).to.equal(before);
    });

    it('refuses a malformed entityId or an empty owner list', async () => {
      expect((await registerEntity('bad id/../x')).status).to.equal(400);
      expect((await registerEntity('aa-none', [])).status).to.equal(400);
    });
  });

  for (const base of BASES) {
    describe(`POST ${base}/user/token/generate`, () => {
      for (const form of [false, true]) {
        it(`issues a day-long user token (${form ? 'form' : 'JSON'}), a credential of the native API`, async () => {
          const req = t.http.post(`${base}/user/token/generate`);
          const res = await (form ? req.type('form') : req).send({ username: 'alice@example.org', password: password('alice@example.org') });
          expect(res.status).to.equal(200);
          remember(res.body.accessToken);
          expect(Object.keys(res.body).sort()).to.deep.equal(['accessToken', 'expiresIn', 'timestamp', 'tokenType', 'txnId', 'ver']);
          expect(res.body).to.include({ ver: '1.0.0', timestamp: clock.now().toISOString(), expiresIn: 86400, tokenType: 'Bearer' });
          expect(res.body.txnId).to.match(UUID);
          expect(res.headers['cache-control']).to.equal('no-store');
          const info = await introspect(res.body.accessToken);
          expect(info).to.include({ active: true, sub: 'alice@example.org' });
          expect((info.exp as number) - (info.iat as number)).to.equal(86400);
        });
      }

      it('echoes a txnId the caller sent', async () => {
        const txnId = randomUUID();
        const res = await t.http.post(`${base}/user/token/generate`).send({ username: 'bob', password: password('bob'), txnId });
        remember(res.body.accessToken);
        expect(res.body.txnId).to.equal(txnId);
      });

      const missing: Array<[string, Record<string, string>]> = [
        ['no username', { password: 'x-password' }],
        ['no password', { username: 'bob' }],
        ['an empty password', { username: 'bob', password: '' }],
        ['nothing', {}],
      ];
      for (const [name, body] of missing) {
        it(`${name}: 400 "User Id/Password is missing in the request"`, async () => {
          expectError(await t.http.post(`${base}/user/token/generate`).send(body), 400, 'Bad Request', 'User Id/Password is missing in the request');
        });
      }

      it('a wrong password or an unknown user: 401, nothing appended', async () => {
        const before = await eventCount();
        for (const body of [{ username: 'bob', password: 'wrong-password' }, { username: 'nobody', password: 'whatever-1' }]) {
          const res = await t.http.post(`${base}/user/token/generate`).type('form').send(body);
          expectError(res, 401, 'Unauthorized', 'Invalid username/password or password is expired');
        }
        expect(await eventCount()).to.equal(before);
      });
    });
  }

  describe('POST /entity/secret/read and /entity/secret/reset', () => {
    before(async () => {
      for (const id of ['rd-1', 'rd-2', 'rs-1', 'rs-2']) expect((await registerEntity(id)).status).to.equal(201);
    });

    it('read mints a 180-day secret for an entity that has none, and says the expiry was defaulted', async () => {
      const token = await userToken();
      const body = envelope('rd-1');
      const res = await secretCall('read', token, body);
      expect(res.status).to.equal(200);
      const expires = new Date(clock.now().getTime() + 180 * DAY);
      expect(res.body).to.deep.equal({
        ver: '1.0.0',
        timestamp: clock.now().toISOString(),
        txnId: body.txnId,
        entityId: 'rd-1',
        secret: res.body.secret,
        expiresOn: Math.floor(expires.getTime() / 1000),
        expirationDate: expires.toISOString().slice(0, -1),
        message: ADJUSTED,
      });
      expect(res.body.expirationDate).to.match(ZONELESS);
      expect(res.body.secret).to.match(/^tles_/);
      expect(res.headers['cache-control']).to.equal('no-store');
    });

    it('read returns the current secret again, unchanged, under both prefixes', async () => {
      const token = await userToken();
      const first = await secretCall('read', token, envelope('rd-1'));
      const second = await secretCall('read', token, envelope('rd-1', { secretExpiryDays: 3 }), '/iam/v1');
      expect(second.status).to.equal(200);
      expect(second.body.secret).to.equal(first.body.secret);
      expect(second.body.expiresOn).to.equal(first.body.expiresOn);
      expect(second.body).to.not.have.property('message');
    });

    it('read with secretExpiryDays within the limit mints a secret of that validity, without a message', async () => {
      const res = await secretCall('read', await userToken(), envelope('rd-2', { secretExpiryDays: 30 }));
      expect(res.status).to.equal(200);
      expect(res.body.expiresOn).to.equal(Math.floor((clock.now().getTime() + 30 * DAY) / 1000));
      expect(res.body).to.not.have.property('message');
    });

    it('reset mints a new secret; the old one stops working for tokens at once', async () => {
      const token = await userToken('/iam/v1');
      const old = (await secretCall('read', token, envelope('rs-1'))).body.secret as string;
      expect((await entityToken('rs-1', old)).status).to.equal(200);
      const res = await secretCall('reset', token, envelope('rs-1', { secretExpiryDays: 100 }), '/iam/v1');
      expect(res.status).to.equal(200);
      expect(res.body.secret).to.match(/^tles_/).and.not.equal(old);
      expect(res.body.expiresOn).to.equal(Math.floor((clock.now().getTime() + 100 * DAY) / 1000));
      expect(res.body).to.not.have.property('message');
      expectError(await entityToken('rs-1', old), 401, 'Unauthorized', 'Invalid entity id/secret or secret is expired');
      expect((await entityToken('rs-1', res.body.secret)).status).to.equal(200);
      expect((await secretCall('read', token, envelope('rs-1'))).body.secret).to.equal(res.body.secret);
    });

    it('reset caps the validity at 180 days, or defaults it, and says so', async () => {
      const token = await userToken();
      for (const extra of [{ secretExpiryDays: 500 }, {}]) {
        const res = await secretCall('reset', token, envelope('rs-2', extra));
        expect(res.status).to.equal(200);
        expect(res.body.expiresOn).to.equal(Math.floor((clock.now().getTime() + 180 * DAY) / 1000));
        expect(res.body.message).to.equal(ADJUSTED);
      }
      const exact = await secretCall('reset', token, envelope('rs-2', { secretExpiryDays: 180 }));
      expect(exact.body).to.not.have.property('message');
    });

    for (const op of ['read', 'reset'] as const) {
      it(`${op}: "Entity Id is missing in the request" for an absent or empty entityId, txnId echoed`, async () => {
        const token = await userToken();
        for (const body of [envelope(), envelope('')]) {
          const res = await secretCall(op, token, body);
          expectError(res, 400, 'Bad Request', 'Entity Id is missing in the request');
          expect(res.body.txnId).to.equal(body.txnId);
        }
      });

      it(`${op}: "Invalid entity id" for an unknown or malformed entity, nothing appended`, async () => {
        const token = await userToken();
        const before = await eventCount();
        for (const id of ['no-such-entity', 'a b/c']) expectError(await secretCall(op, token, envelope(id)), 400, 'Bad Request', 'Invalid entity id');
        expect(await eventCount()).to.equal(before);
      });

      it(`${op}: a user who does not own the entity gets 403 Forbidden`, async () => {
        const bob = await userToken('', 'bob');
        const before = await eventCount();
        const res = await secretCall(op, bob, envelope('rd-1'));
        expectError(res, 403, 'Forbidden', 'The user is not an owner of this entity');
        expect(await eventCount()).to.equal(before);
      });

      it(`${op}: an invalid secretExpiryDays or an unknown field is a 400 in the envelope`, async () => {
        const token = await userToken();
        for (const extra of [{ secretExpiryDays: 0 }, { secretExpiryDays: 'ten' }, { colour: 'red' }]) {
          const res = await secretCall(op, token, envelope('rd-1', extra));
          expect(res.status).to.equal(400);
          expect(res.body.errorCode).to.equal('Bad Request');
        }
      });
    }
  });

  describe('POST /entity/token/generate', () => {
    let secret: string;
    before(async () => {
      expect((await registerEntity('tk-1')).status).to.equal(201);
      secret = (await secretCall('read', await userToken(), envelope('tk-1'))).body.secret;
    });

    for (const base of BASES) {
      for (const form of [false, true]) {
        it(`${base || '(seed path)'}: issues a day-long entity token (${form ? 'form' : 'JSON'})`, async () => {
          const res = await entityToken('tk-1', secret, base, form);
          expect(res.status).to.equal(200);
          expect(Object.keys(res.body).sort()).to.deep.equal(['accessToken', 'expiresIn', 'timestamp', 'tokenType', 'txnId', 'ver']);
          expect(res.body).to.include({ ver: '1.0.0', expiresIn: 86400, tokenType: 'Bearer', timestamp: clock.now().toISOString() });
          expect(res.body.txnId).to.match(UUID);
        });
      }

      it(`${base || '(seed path)'}: "Entity Id/Secret is missing in the request"`, async () => {
        for (const body of [{ id: 'tk-1' }, { secret }, { id: '', secret }]) {
          const res = await t.http.post(`${base}/entity/token/generate`).send(body);
          expectError(res, 400, 'Bad Request', 'Entity Id/Secret is missing in the request');
        }
      });

      it(`${base || '(seed path)'}: a wrong secret, an unknown entity or another entity's secret: 401`, async () => {
        const before = await eventCount();
        for (const [id, s] of [['tk-1', 'tles_wrong'], ['tk-unknown', secret], ['rd-1', secret], ['tk-1', secret.slice(0, -1)]] as const) {
          expectError(await entityToken(id, s, base), 401, 'Unauthorized', 'Invalid entity id/secret or secret is expired');
        }
        expect(await eventCount()).to.equal(before);
      });
    }

    it('entity tokens are credentials: introspected and revoked through the native API', async () => {
      const token = (await entityToken('tk-1', secret)).body.accessToken as string;
      const info = await introspect(token);
      expect(info).to.include({ active: true, sub: 'entity:tk-1' });
      expect((info.exp as number) - (info.iat as number)).to.equal(86400);
      expect((await t.http.post('/oauth2/revoke').type('form').send({ token })).status).to.equal(200);
      expect(await introspect(token)).to.deep.equal({ active: false });
    });
  });

  describe('entity secrets through the native API', () => {
    it('a secret introspects as an entity_secret; a replaced one is inactive', async () => {
      expect((await registerEntity('nat-1')).status).to.equal(201);
      const token = await userToken();
      const first = (await secretCall('read', token, envelope('nat-1'))).body.secret as string;
      expect(await introspect(first)).to.include({ active: true, sub: 'entity:nat-1', token_type: 'entity_secret', entity_id: 'nat-1' });
      await secretCall('reset', token, envelope('nat-1'));
      expect(await introspect(first)).to.deep.equal({ active: false });
      expect(await introspect(first.slice(0, -1) + 'x')).to.deep.equal({ active: false });
    });

    it('revoking the current secret stops token generation; the next read mints a new one', async () => {
      const token = await userToken();
      const current = (await secretCall('read', token, envelope('nat-1'))).body.secret as string;
      expect((await t.http.post('/oauth2/revoke').type('form').send({ token: current })).status).to.equal(200);
      expect(await introspect(current)).to.deep.equal({ active: false });
      expect((await entityToken('nat-1', current)).status).to.equal(401);
      const next = await secretCall('read', token, envelope('nat-1'));
      expect(next.body.secret).to.not.equal(current);
      expect((await entityToken('nat-1', next.body.secret)).status).to.equal(200);
    });
  });

  describe('expiry, cap and grace period (injected clock)', () => {
    it('a secret works until it expires, then within 5 days with a message, then no more', async () => {
      expect((await registerEntity('gr-1')).status).to.equal(201);
      const issuedAt = clock.now().getTime();
      const secret = (await secretCall('reset', await userToken(), envelope('gr-1', { secretExpiryDays: 2 }))).body.secret as string;
      clock.set(new Date(issuedAt + 2 * DAY - 1000));
      let res = await entityToken('gr-1', secret);
      expect(res.status).to.equal(200);
      expect(res.body).to.not.have.property('message');
      clock.set(new Date(issuedAt + 2 * DAY));
      res = await entityToken('gr-1', secret, '/iam/v1');
      expect(res.status).to.equal(200);
      expect(res.body.message).to.equal('The secret for entity with ID gr-1 is expired and within the grace period');
      clock.set(new Date(issuedAt + 7 * DAY - 1000));
      expect((await entityToken('gr-1', secret)).body.message).to.equal('The secret for entity with ID gr-1 is expired and within the grace period');
      clock.set(new Date(issuedAt + 7 * DAY));
      expectError(await entityToken('gr-1', secret), 401, 'Unauthorized', 'Invalid entity id/secret or secret is expired');
      // A reset brings the entity back.
      const renewed = (await secretCall('reset', await userToken(), envelope('gr-1'))).body.secret as string;
      expect((await entityToken('gr-1', renewed)).status).to.equal(200);
    });

    it('a capped secret (asked for 365 days) expires after 180', async () => {
      expect((await registerEntity('cap-1')).status).to.equal(201);
      const issuedAt = clock.now().getTime();
      const res = await secretCall('reset', await userToken(), envelope('cap-1', { secretExpiryDays: 365 }));
      expect(res.body.message).to.equal(ADJUSTED);
      clock.set(new Date(issuedAt + 180 * DAY - 1000));
      expect((await entityToken('cap-1', res.body.secret)).body).to.not.have.property('message');
      clock.set(new Date(issuedAt + 180 * DAY));
      expect((await entityToken('cap-1', res.body.secret)).body.message).to.match(/within the grace period$/);
      clock.set(new Date(issuedAt + 185 * DAY));
      expect((await entityToken('cap-1', res.body.secret)).status).to.equal(401);
    });

    it('a user token expires after a day', async () => {
      const token = await userToken();
      clock.advance(DAY);
      const res = await secretCall('read', token, envelope('cap-1'));
      expectError(res, 401, 'Unauthorized', 'The access token is invalid, expired or revoked');
    });
  });

  describe('the ledger keeps no plain secret', () => {
    it('events carry the digest and the ciphertext; the secret is in no ledger, read-model or log file', async () => {
      expect((await registerEntity('leak-1')).status).to.equal(201);
      const secret = (await secretCall('read', await userToken(), envelope('leak-1'))).body.secret as string;
      const events = await t.store.readStream('entity-leak-1');
      const issued = events.find((e) => e.type === 'EntitySecretIssued')!;
      expect(issued.data.secretHash).to.equal(sha256Hex(secret));
      expect(issued.data.sealedSecret).to.be.a('string').and.not.include(secret);
      expect(JSON.stringify(events.map((e) => [e.data, e.metadata]))).to.not.include(secret);
      if (t.store.kind !== 'sqlite') return; // the file checks below are about the embedded ledger
      const files = ['ledger.db', 'readmodels.db', 'service.log'].flatMap((f) => [join(t.dataDir, f), join(t.dataDir, `${f}-wal`)]);
      const present = files.filter((f) => existsSync(f));
      expect(present.some((f) => f.endsWith('ledger.db') || f.endsWith('ledger.db-wal'))).to.equal(true);
      for (const file of present) expect(readFileSync(file).toString('latin1').includes(secret), file).to.equal(false);
      // The sealed form is there, so the check above looked at the right file.
      const ledger = present.filter((f) => f.includes('ledger.db')).map((f) => readFileSync(f).toString('latin1')).join('');
      expect(ledger.includes(issued.data.secretHash as string)).to.equal(true);
    });
  });

  it('the OpenAPI document lists the IAM routes under both prefixes', async () => {
    const doc = (await t.http.get('/openapi.json')).body;
    for (const base of BASES) {
      for (const p of ['/user/token/generate', '/entity/secret/read', '/entity/secret/reset', '/entity/token/generate']) {
        expect(doc.paths[`${base}${p}`], `${base}${p}`).to.have.property('post');
      }
    }
    expect(doc.paths['/admin/entities']).to.have.property('post');
  });
});
