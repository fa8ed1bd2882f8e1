import { expect } from 'chai';
import Database from 'better-sqlite3';
import { seedLedger } from '../../bench/seed.js';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnService } from '../support/process.js';
import { remember, writtenFiles } from '../support/service.js';
import { tempDir } from '../support/tempDirs.js';

describe('the running service', function () {
  this.timeout(60_000);

  it('honours PORT and LEDGER_DATA_DIR, bootstraps the admin, and shuts down gracefully on SIGTERM', async () => {
    const dataDir = tempDir('tl-e2e-');
    const svc = await spawnService({ LEDGER_DATA_DIR: dataDir, LEDGER_ADMIN_PASSWORD: 'e2e-admin-password', LOG_LEVEL: 'info' });
    writtenFiles.add(join(dataDir, 'ledger.db')).add(join(dataDir, 'readmodels.db'));
    expect(svc.output()).to.include('LEDGER_MASTER_KEY is not set');
    expect(svc.output()).to.include('created the first administrator');
    expect(svc.output()).to.include('V8 inlining budgets raised');
    const keyFile = join(dataDir, 'master.key');
    expect(statSync(keyFile).mode & 0o777).to.equal(0o600);

    const login = () =>
      fetch(`${svc.url}/oauth2/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=password&username=admin&password=e2e-admin-password',
      });
    const first = await login();
    expect(first.status).to.equal(200);
    const body = (await first.json()) as { access_token: string; refresh_token: string };
    remember(body.access_token, body.refresh_token);

    // Requests in flight when SIGTERM arrives still get their answers (scrypt keeps them busy a while).
    const inFlight = Array.from({ length: 5 }, () => login());
    await new Promise((r) => setTimeout(r, 20));
    svc.child.kill('SIGTERM');
    const answers = await Promise.all(inFlight);
    for (const a of answers) {
      expect(a.status).to.equal(200);
      const tokens = (await a.json()) as { access_token: string; refresh_token: string };
      remember(tokens.access_token, tokens.refresh_token);
    }
    expect(await svc.exited).to.equal(0);
    expect(svc.output()).to.include('shut down cleanly');
    expect(existsSync(join(dataDir, 'ledger.db'))).to.equal(true);
    // The log never carries a token or a password.
    expect(svc.output()).to.not.include(body.access_token);
    expect(svc.output()).to.not.include('e2e-admin-password');
  });

  it('leaves V8 its own inlining budgets with LEDGER_V8_INLINING=off, and refuses to start on any value but on or off', async () => {
    const env = { LEDGER_DATA_DIR: tempDir('tl-e2e-v8-'), LEDGER_ADMIN_PASSWORD: 'e2e-admin-password', LOG_LEVEL: 'info' };
    const off = await spawnService({ ...env, LEDGER_V8_INLINING: 'off' });
    writtenFiles.add(join(env.LEDGER_DATA_DIR, 'ledger.db')).add(join(env.LEDGER_DATA_DIR, 'readmodels.db'));
    off.child.kill('SIGTERM');
    expect(await off.exited).to.equal(0);
    expect(off.output()).to.include('token-ledger listening');
    expect(off.output()).to.not.include('V8 inlining budgets raised');
    let failure = '';
    await spawnService({ ...env, LEDGER_V8_INLINING: 'sometimes' }).catch((e: Error) => (failure = e.message));
    expect(failure).to.include('token-ledger failed to start: LEDGER_V8_INLINING must be on or off');
  });

  it('rebuilds empty read models over a large ledger the way replay does, with progress in the log, and only once', async () => {
    const dataDir = tempDir('tl-e2e-rebuild-');
    const events = await seedLedger(join(dataDir, 'ledger.db'), 12_000); // 15,000 events: one credential in four revoked
    expect(events).to.equal(15_000);
    const env = { LEDGER_DATA_DIR: dataDir, LEDGER_ADMIN_PASSWORD: 'e2e-admin-password', LOG_LEVEL: 'info' };
    const first = await spawnService(env);
    writtenFiles.add(join(dataDir, 'ledger.db')).add(join(dataDir, 'readmodels.db'));
    expect(first.output()).to.include('read models start from nothing: rebuilding them from the ledger');
    expect(first.output()).to.match(/"events":15000,.*"read models rebuilt"/);
    const db = new Database(join(dataDir, 'readmodels.db'), { readonly: true });
    const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    expect(count("SELECT COUNT(*) AS n FROM credentials WHERE subject LIKE 'user%'")).to.equal(12_000);
    expect(count("SELECT COUNT(*) AS n FROM credentials WHERE subject LIKE 'user%' AND status = 'revoked'")).to.equal(3_000);
    expect(count("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'index' AND name IN ('credentials_subject', 'credentials_family')")).to.equal(2);
    db.close();
    first.child.kill('SIGTERM');
    expect(await first.exited).to.equal(0);

    const second = await spawnService(env);
    second.child.kill('SIGTERM');
    expect(await second.exited).to.equal(0);
    expect(second.output()).to.not.include('rebuilding');
  });
});
