import { expect } from 'chai';
import { ADMIN, ManualClock, remember, startTestService, type TestService } from '../support/service.js';

const JSON_UTF8 = 'application/json;charset=UTF-8';
const BAD_CREDENTIALS = { error: 'unauthorized_client', error_description: 'Bad credentials' };

describe('Apinizer management API: POST /apiops/auth/token and My Profile', () => {
  let t: TestService;
  before(async () => {
    t = await startTestService();
  });
  after(() => t.close());

  const authToken = (fields: Record<string, string>) => t.http.post('/apiops/auth/token').type('form').send(fields);
  const login = (username = ADMIN.username, password = ADMIN.password) =>
    authToken({ grant_type: 'client_credentials', client_id: username, client_secret: password });

  describe('POST /apiops/auth/token', () => {
    it('issues a bearer token for a username and password, with Apinizer’s Content-Type', async () => {
      const res = await login();
      expect(res.status).to.equal(200);
      remember(res.body.access_token);
      expect(res.headers['content-type']).to.equal(JSON_UTF8);
      expect(res.headers['cache-control']).to.equal('no-store');
      expect(Object.keys(res.body).sort()).to.deep.equal(['access_token', 'expires_in', 'token_type']);
      expect(res.body).to.include({ token_type: 'Bearer', expires_in: 900 });
      const me = await t.http.get('/apiops/profile').set('Authorization', `Bearer ${res.body.access_token}`);
      expect(me.status).to.equal(200);
      expect(me.body).to.include({ username: 'admin' });
    });

    it('the token carries the user’s roles to the native admin endpoints', async () => {
      const res = await login();
      remember(res.body.access_token);
      const created = await t.http
        .post('/admin/users')
        .set('Authorization', `Bearer ${res.body.access_token}`)
        .send({ username: 'apinizer-user', password: 'apinizer-user-pw', roles: ['user'] });
      expect(created.status).to.equal(201);
      const user = await login('apinizer-user', 'apinizer-user-pw');
      expect(user.status).to.equal(200);
      remember(user.body.access_token);
      const refused = await t.http
        .post('/admin/users')
        .set('Authorization', `Bearer ${user.body.access_token}`)
        .send({ username: 'x-user', password: 'x-user-password', roles: ['user'] });
      expect(refused.status).to.equal(403);
    });

    describe('errors, with Apinizer’s exact strings', () => {
      it('another grant type: 400 unsupported_grant_type', async () => {
        for (const grant_type of ['password', 'refresh_token', 'CLIENT_CREDENTIALS']) {
          const res = await authToken({ grant_type, client_id: ADMIN.username, client_secret: ADMIN.password });
          expect(res.status).to.equal(400);
          expect(res.headers['content-type']).to.equal(JSON_UTF8);
          expect(res.body).to.deep.equal({ error: 'unsupported_grant_type', error_description: 'GrantType value must be client_credentials!' });
        }
      });

      const missing: Array<[string, Record<string, string>, string]> = [
        ['grant_type', { client_id: 'admin', client_secret: 'x' }, 'grant_type is required'],
        ['client_id', { grant_type: 'client_credentials', client_secret: 'x' }, 'client_id is required'],
        ['client_secret', { grant_type: 'client_credentials', client_id: 'admin' }, 'client_secret is required'],
        ['an empty client_secret', { grant_type: 'client_credentials', client_id: 'admin', client_secret: '' }, 'client_secret is required'],
      ];
      for (const [what, fields, description] of missing) {
        it(`a missing field (${what}): 400 invalid_request`, async () => {
          const res = await authToken(fields);
          expect(res.status).to.equal(400);
          expect(res.headers['content-type']).to.equal(JSON_UTF8);
          expect(res.body).to.deep.equal({ error: 'invalid_request', error_description: description });
        });
      }

      it('no body at all: 400 invalid_request', async () => {
        const res = await t.http.post('/apiops/auth/token');
        expect(res.status).to.equal(400);
        expect(res.body).to.deep.equal({ error: 'invalid_request', error_description: 'grant_type is required' });
      });

      it('a repeated field: 400 invalid_request', async () => {
        const res = await t.http.post('/apiops/auth/token').type('form').send('grant_type=client_credentials&client_id=a&client_id=b&client_secret=x');
        expect(res.status).to.equal(400);
        expect(res.body.error).to.equal('invalid_request');
      });

      it('wrong password: 401 unauthorized_client "Bad credentials"', async () => {
        const res = await login(ADMIN.username, 'not-the-password');
        expect(res.status).to.equal(401);
        expect(res.headers['content-type']).to.equal(JSON_UTF8);
        expect(res.body).to.deep.equal(BAD_CREDENTIALS);
      });

      it('unknown user: the same 401, so that it does not reveal who exists', async () => {
        const res = await login('nobody-here', 'whatever-password');
        expect(res.status).to.equal(401);
        expect(res.body).to.deep.equal(BAD_CREDENTIALS);
      });

      it('form-encoded only: JSON is refused in the same envelope, and nothing is issued', async () => {
        const before = await t.store.headPosition();
        const res = await t.http
          .post('/apiops/auth/token')
          .send({ grant_type: 'client_credentials', client_id: ADMIN.username, client_secret: ADMIN.password });
        expect(res.status).to.equal(415);
        expect(res.headers['content-type']).to.equal(JSON_UTF8);
        expect(res.body.error).to.equal('invalid_request');
        expect(res.body.error_description).to.include('application/x-www-form-urlencoded');
        expect(await t.store.headPosition()).to.equal(before);
      });

      it('an unexpected error: 500 server_error, no details', async () => {
        const users = t.service.services.users;
        const original = users.checkPassword;
        users.checkPassword = async () => {
          throw new Error('disk on fire: /var/lib/secret-path');
        };
        try {
          const res = await login();
          expect(res.status).to.equal(500);
          expect(res.headers['content-type']).to.equal(JSON_UTF8);
          expect(res.body).to.deep.equal({ error: 'server_error', error_description: 'An unexpected error occurred' });
        } finally {
          users.checkPassword = original;
        }
      });

      it('failed attempts append nothing to the ledger', async () => {
        const before = await t.store.headPosition();
        await login(ADMIN.username, 'wrong-again');
        await authToken({ grant_type: 'password' });
        expect(await t.store.headPosition()).to.equal(before);
      });
    });
  });

  describe('GET and PUT /apiops/profile', () => {
    let token: string;
    before(async () => {
      token = await t.token();
    });

    it('shows the caller’s profile', async () => {
      const res = await t.http.get('/apiops/profile').set('Authorization', `Bearer ${token}`);
      expect(res.status).to.equal(200);
      expect(res.headers['content-type']).to.equal(JSON_UTF8);
      expect(res.body).to.deep.equal({ username: 'admin', roles: ['admin'], fullName: null, email: null, preferredLanguage: null });
    });

    it('updates full name, email and preferred language, and clears with null', async () => {
      const put = await t.http
        .put('/apiops/profile')
        .set('Authorization', `Bearer ${token}`)
        .send({ fullName: 'Ada Admin', email: 'ada@example.org', preferredLanguage: 'tr' });
      expect(put.status).to.equal(200);
      expect(put.body).to.include({ fullName: 'Ada Admin', email: 'ada@example.org', preferredLanguage: 'tr' });
      const cleared = await t.http.put('/apiops/profile').set('Authorization', `Bearer ${token}`).send({ email: null });
      expect(cleared.body).to.include({ fullName: 'Ada Admin', email: null, preferredLanguage: 'tr' });
      const events = await t.store.readStream('user-admin');
      expect(events.at(-1)!.type).to.equal('UserProfileUpdated');
      expect(events.at(-1)!.metadata.actor).to.equal('user:admin');
    });

    const bad: Array<[string, unknown, string]> = [
      ['an invalid email', { email: 'not-an-email' }, 'email'],
      ['an unknown field', { username: 'someone-else' }, "unknown field 'username'"],
      ['an empty body', {}, 'fewer than 1'],
      ['a malformed language', { preferredLanguage: 'english please' }, 'preferredLanguage'],
    ];
    for (const [what, body, message] of bad) {
      it(`refuses ${what} with 400 and changes nothing`, async () => {
        const before = await t.store.headPosition();
        const res = await t.http.put('/apiops/profile').set('Authorization', `Bearer ${token}`).send(body as object);
        expect(res.status).to.equal(400);
        expect(res.body.error).to.equal('invalid_request');
        expect(res.body.error_description).to.include(message);
        expect(await t.store.headPosition()).to.equal(before);
      });
    }
  });
});

describe('Apinizer management API: throttling of /apiops/auth/token', () => {
  let t: TestService;
  let clock: ManualClock;
  beforeEach(async () => {
    clock = new ManualClock(new Date());
    t = await startTestService({ clock });
  });
  afterEach(() => t.close());

  const login = (username: string, password: string) =>
    t.http.post('/apiops/auth/token').type('form').send({ grant_type: 'client_credentials', client_id: username, client_secret: password });

  it('throttles repeated failures for one username with 429 and Retry-After, then lets the real user back in', async () => {
    for (let i = 0; i < 6; i++) expect((await login(ADMIN.username, `wrong-${i}`)).status).to.equal(401);
    const throttled = await login(ADMIN.username, 'wrong-again');
    expect(throttled.status).to.equal(429);
    expect(throttled.headers['content-type']).to.equal(JSON_UTF8);
    expect(throttled.body.error).to.equal('too_many_requests');
    const retryAfter = Number(throttled.headers['retry-after']);
    expect(retryAfter).to.be.within(1, 300);

    // Even the right password waits: otherwise the throttle would only slow down guessing the wrong ones.
    const rightButEarly = await login(ADMIN.username, ADMIN.password);
    expect(rightButEarly.status).to.equal(429);

    clock.advance(retryAfter * 1000);
    const back = await login(ADMIN.username, ADMIN.password);
    expect(back.status).to.equal(200);
    remember(back.body.access_token);

    // The success reset the username's counter: one more mistake is heard at once.
    expect((await login(ADMIN.username, 'typo')).status).to.equal(401);
    expect((await login(ADMIN.username, ADMIN.password)).status).to.equal(200);
  });

  it('waits grow with further failures but stay capped: never a lockout for good', async () => {
    const waits: number[] = [];
    for (let i = 0; i < 14; i++) {
      const res = await login(ADMIN.username, `wrong-${i}`);
      if (res.status === 429) {
        waits.push(Number(res.headers['retry-after']));
        clock.advance(Number(res.headers['retry-after']) * 1000);
      }
    }
    expect(waits.length).to.be.greaterThan(2);
    for (let i = 1; i < waits.length; i++) expect(waits[i]).to.be.at.least(waits[i - 1]!);
    expect(Math.max(...waits)).to.be.at.most(300);
    clock.advance(300_000);
    const res = await login(ADMIN.username, ADMIN.password);
    expect(res.status).to.equal(200);
    remember(res.body.access_token);
  });

  it('throttles one address trying many usernames', async () => {
    for (let i = 0; i < 21; i++) expect((await login(`guess-${i}`, 'password-guess')).status).to.equal(401);
    const res = await login('guess-new', 'password-guess');
    expect(res.status).to.equal(429);
    expect(Number(res.headers['retry-after'])).to.be.greaterThan(0);
    clock.advance(Number(res.headers['retry-after']) * 1000);
    const admin = await login(ADMIN.username, ADMIN.password);
    expect(admin.status).to.equal(200);
    remember(admin.body.access_token);
  });
});
