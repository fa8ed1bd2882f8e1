import { expect } from 'chai';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { ADMIN, remember, startTestService, type TestService } from '../support/service.js';
import { dumpReadModels } from '../support/readModels.js';
import { runCli } from '../support/cli.js';

const cli = runCli;

/** A mix of everything the ledger core records. */
async function exercise(t: TestService) {
  const admin = await t.token();
  const auth = { Authorization: `Bearer ${admin}` };
  await t.http.post('/admin/users').set(auth).send({ username: 'carol', password: 'carol-password', roles: ['user'], fullName: 'Carol C' });
  const client = (await t.http.post('/admin/clients').set(auth).send({ name: 'svc', scopes: ['a'] })).body;
  remember(client.client_secret);
  for (let i = 0; i < 5; i++) {
    const res = await t.http.post('/oauth2/token').type('form').send({ grant_type: 'client_credentials', client_id: client.client_id, client_secret: client.client_secret });
    remember(res.body.access_token);
    if (i % 2 === 0) await t.http.post('/oauth2/revoke').type('form').send({ token: res.body.access_token });
  }
  const login = (await t.http.post('/oauth2/token').type('form').send({ grant_type: 'password', ...ADMIN })).body;
  remember(login.access_token, login.refresh_token);
  const rotated = (await t.http.post('/oauth2/token').type('form').send({ grant_type: 'refresh_token', refresh_token: login.refresh_token })).body;
  remember(rotated.access_token, rotated.refresh_token);
}

describe('command line', function () {
  this.timeout(60_000);
  let t: TestService;
  before(async () => {
    t = await startTestService();
    await exercise(t);
    await t.close();
  });

  it('replay rebuilds read models equal to the live ones, with progress and events/s', () => {
    const live = dumpReadModels(join(t.dataDir, 'readmodels.db'));
    const out = join(t.dataDir, 'replayed.db');
    const res = cli(t.dataDir, 'replay', '--out', out);
    expect(res.code, res.stderr).to.equal(0);
    expect(res.stderr).to.match(/replay \[#+\] 100% \d+\/\d+ events, \d+ events\/s/);
    expect(res.stdout).to.match(/replayed \d+ events in [\d.]+ s \(\d+ events\/s\)/);
    const replayed = dumpReadModels(out);
    expect(live.credentials!.length).to.be.greaterThan(5);
    expect(replayed).to.deep.equal(live);
  });

  it('replay in place gives the same read models again', () => {
    const before = dumpReadModels(join(t.dataDir, 'readmodels.db'));
    expect(cli(t.dataDir, 'replay').code).to.equal(0);
    expect(dumpReadModels(join(t.dataDir, 'readmodels.db'))).to.deep.equal(before);
  });

  it('replay --until builds the read models as they were at a past time', () => {
    const out = join(t.dataDir, 'past.db');
    expect(cli(t.dataDir, 'replay', '--until', '2000-01-01T00:00:00Z', '--out', out).code).to.equal(0);
    expect(dumpReadModels(out).credentials).to.deep.equal([]);
    expect(cli(t.dataDir, 'replay', '--until', 'not-a-date').code).to.equal(2);
  });

  it('verify accepts the untouched ledger and reports the first altered event', () => {
    const ok = cli(t.dataDir, 'verify');
    expect(ok.code, ok.stderr).to.equal(0);
    expect(JSON.parse(ok.stdout)).to.include({ ok: true });
    const db = new Database(join(t.dataDir, 'ledger.db'));
    db.prepare("UPDATE events SET data = replace(data, 'carol', 'mallory') WHERE type = 'UserRegistered' AND data LIKE '%carol%'").run();
    db.close();
    const bad = cli(t.dataDir, 'verify');
    expect(bad.code).to.equal(3);
    expect(JSON.parse(bad.stdout).firstBreak.problem).to.match(/altered/);
  });

  it('an unknown command prints usage and exits 2', () => {
    const res = cli(t.dataDir, 'frobnicate');
    expect(res.code).to.equal(2);
    expect(res.stderr).to.include('token-ledger <command>');
  });
});

describe('keys rotate', function () {
  this.timeout(60_000);
  it('new tokens use the new key; tokens of the old key keep working; both are in JWKS', async () => {
    const t = await startTestService();
    try {
      const oldToken = await t.token();
      const before = (await t.http.get('/.well-known/jwks.json')).body.keys.map((k: { kid: string }) => k.kid);
      const res = cli(t.dataDir, 'keys', 'rotate');
      expect(res.code, res.stderr).to.equal(0);
      const newKid = /new signing key\(s\) (\S+)/.exec(res.stdout)![1]!;
      // The running service follows the key stream (appended by another process).
      for (let i = 0; i < 50 && !(await t.http.get('/.well-known/jwks.json')).body.keys.some((k: { kid: string }) => k.kid === newKid); i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      const after = (await t.http.get('/.well-known/jwks.json')).body.keys.map((k: { kid: string }) => k.kid);
      expect(after).to.include.members([...before, newKid]);
      const newToken = await t.token();
      const header = JSON.parse(Buffer.from(newToken.split('.')[0]!, 'base64url').toString());
      expect(header.kid).to.equal(newKid);
      const introspect = (token: string) => t.http.post('/oauth2/introspect').set('Authorization', `Bearer ${newToken}`).type('form').send({ token });
      expect((await introspect(oldToken)).body.active).to.equal(true);
    } finally {
      await t.close();
    }
  });
});
