import { expect } from 'chai';
import { CompactSign, SignJWT, UnsecuredJWT, importJWK } from 'jose';
import { startTestService, type TestService } from '../support/service.js';

describe('hardening: limits, JWT algorithms, CORS, headers', () => {
  let t: TestService;
  let admin: string;
  before(async () => {
    t = await startTestService();
    admin = await t.token();
  });
  after(() => t.close());

  const introspect = (token: string) => t.http.post('/oauth2/introspect').set('Authorization', `Bearer ${admin}`).type('form').send({ token });
  const asBearer = (token: string) => t.http.post('/oauth2/introspect').set('Authorization', `Bearer ${token}`).type('form').send({ token: admin });
  const claims = () => {
    const payload = JSON.parse(Buffer.from(admin.split('.')[1]!, 'base64url').toString());
    return { ...payload, roles: ['admin'] };
  };
  const nativeKid = () => JSON.parse(Buffer.from(admin.split('.')[0]!, 'base64url').toString()).kid as string;

  it('throttles password failures per username across every password endpoint, with 429 and Retry-After', async () => {
    await t.userWithRoles('victim', ['user']);
    const oauth = (password: string) => t.http.post('/oauth2/token').type('form').send({ grant_type: 'password', username: 'victim', password });
    for (let i = 0; i < 5; i++) expect((await oauth('wrong-password')).status).to.equal(400);
    const sixth = await oauth('wrong-password');
    expect(sixth.status).to.equal(400);
    const blocked = await oauth('victim-password-1');
    expect(blocked.status).to.equal(429);
    expect(blocked.body.error).to.equal('too_many_requests');
    expect(Number(blocked.headers['retry-after'])).to.be.greaterThan(0);
    // The same username is throttled on the other families' password endpoints too.
    const iam = await t.http.post('/user/token/generate').send({ username: 'victim', password: 'victim-password-1' });
    expect(iam.status).to.equal(429);
    expect(iam.body.errorCode).to.equal('Too Many Requests');
    expect(iam.headers['retry-after']).to.be.a('string');
    const apinizer = await t.http.post('/apiops/auth/token').type('form').send({ grant_type: 'client_credentials', client_id: 'victim', client_secret: 'victim-password-1' });
    expect(apinizer.status).to.equal(429);
  });

  it('refuses JSON nested deeper than 16 levels', async () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 40; i++) deep = { a: deep };
    const res = await t.http.post('/admin/users').set('Authorization', `Bearer ${admin}`).send({ username: 'deep', password: 'deep-password', roles: ['user'], fullName: deep });
    expect(res.status).to.equal(400);
    expect(res.body.error_description).to.match(/nested deeper/);
  });

  it('refuses oversized headers with 431', async () => {
    const res = await t.http.get('/health').set('X-Filler', 'x'.repeat(20_000)).catch((e) => e.response ?? e);
    expect(res.status ?? res.code).to.be.oneOf([431, 'ECONNRESET', 'EPIPE']);
  });

  it('alg "none" is never accepted', async () => {
    const forged = new UnsecuredJWT(claims()).encode();
    const withKid = `${Buffer.from(JSON.stringify({ alg: 'none', kid: nativeKid() })).toString('base64url')}.${forged.split('.')[1]}.`;
    for (const token of [forged, withKid]) {
      expect((await introspect(token)).body).to.deep.equal({ active: false });
      expect((await asBearer(token)).status).to.equal(401);
    }
  });

  it('HS256 signed with the public key (HS/RS-ES confusion) is refused', async () => {
    const jwk = (await t.http.get('/.well-known/jwks.json')).body.keys.find((k: { kid: string }) => k.kid === nativeKid());
    const publicKeyBytes = new TextEncoder().encode(JSON.stringify(jwk));
    const forged = await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', kid: nativeKid() }).sign(publicKeyBytes);
    expect((await introspect(forged)).body).to.deep.equal({ active: false });
    expect((await asBearer(forged)).status).to.equal(401);
  });

  it('a token signed by a key that is not ours is refused, even with our kid', async () => {
    const { generateKeyPair } = await import('jose');
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await new SignJWT(claims()).setProtectedHeader({ alg: 'ES256', kid: nativeKid() }).sign(privateKey);
    expect((await introspect(forged)).body).to.deep.equal({ active: false });
    expect((await asBearer(forged)).status).to.equal(401);
    // A raw JWS without the JWT claims is refused too.
    const jws = await new CompactSign(new TextEncoder().encode('{}')).setProtectedHeader({ alg: 'ES256', kid: nativeKid() }).sign(privateKey);
    expect((await asBearer(jws)).status).to.equal(401);
    void importJWK;
  });

  it('CORS is closed by default: no Access-Control-Allow-Origin, preflights are not granted', async () => {
    const res = await t.http.options('/oauth2/token').set('Origin', 'https://evil.example').set('Access-Control-Request-Method', 'POST');
    expect(res.headers).to.not.have.property('access-control-allow-origin');
    const get = await t.http.get('/health').set('Origin', 'https://evil.example');
    expect(get.headers).to.not.have.property('access-control-allow-origin');
  });

  it('sends security headers on every response', async () => {
    const res = await t.http.get('/health');
    expect(res.headers['x-content-type-options']).to.equal('nosniff');
    expect(res.headers['referrer-policy']).to.equal('no-referrer');
  });

  it('an unexpected error is a 500 with no details, logged with the request id', async () => {
    // Break the read model under the service: the next lookup throws inside the handler.
    t.service.deps.db.exec('ALTER TABLE credentials RENAME TO credentials_gone');
    try {
      const res = await t.http.post('/oauth2/revoke').type('form').set('X-Request-Id', 'req-500-check').send({ token: admin });
      expect(res.status).to.equal(500);
      expect(res.body).to.deep.equal({ error: 'server_error', error_description: 'An unexpected error occurred' });
    } finally {
      t.service.deps.db.exec('ALTER TABLE credentials_gone RENAME TO credentials');
    }
    await new Promise((r) => setTimeout(r, 100));
    const { readFileSync } = await import('node:fs');
    const log = readFileSync(t.logFile, 'utf8');
    expect(log).to.match(/"requestId":"req-500-check".*unexpected error|unexpected error.*"requestId":"req-500-check"/);
    const line = log.split('\n').find((l) => l.includes('req-500-check') && l.includes('unexpected error'))!;
    expect(JSON.parse(line).error).to.have.keys(['type', 'message']);
    expect(line).to.not.match(/"stack"|    at /); // no stack trace in the log either
    expect(log).to.not.include(admin);
  });
});
