import { expect } from 'chai';
import { join } from 'node:path';
import { SqliteEventStore } from '../../src/ledger/sqlite/sqliteEventStore.js';
import { kafkaBrokers } from '../support/kafka.js';
import { eventually, holdsAll, topicEnv, TopicReader, uniqueTopics } from '../support/kafkaTopics.js';
import { spawnService, type RunningService } from '../support/process.js';
import { dumpReadModels } from '../support/readModels.js';
import { remember, writtenFiles } from '../support/service.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/tempDirs.js';

const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };
const post = (svc: RunningService, path: string, body: Record<string, string>, headers: Record<string, string> = {}) =>
  fetch(`${svc.url}${path}`, { method: 'POST', headers: { ...FORM, ...headers }, body: new URLSearchParams(body).toString() });

describe('crash safety: SIGKILL in the middle of a load of issues and revocations', function () {
  this.timeout(180_000);

  it('every acknowledged write survives, and the read models equal a full replay', () => crashAndRestart({}));

  it('with the Kafka relay running, the lifecycle topic afterwards holds every ledger event', async function () {
    const brokers = kafkaBrokers();
    if (!brokers) return this.skip(); // CI sets LEDGER_TEST_KAFKA_BROKERS (infra/test.sh starts the broker)
    const topics = uniqueTopics('crash');
    const { dataDir } = await crashAndRestart(topicEnv(topics, brokers), async (svc) => {
      // The relay has caught up when it has published up to the ledger's head.
      const head = async () => ((await (await fetch(`${svc.url}/health`)).json()) as { bus: { relayedPosition: number; status: string } }).bus;
      await eventually(async () => (await head()).status === 'ok' && (await head()).relayedPosition > 0, 30_000, 'relay healthy');
    });
    const store = new SqliteEventStore(join(dataDir, 'ledger.db'));
    const ledgerIds = (await store.readAll({ maxCount: 1_000_000 })).map((e) => e.id);
    await store.close();
    const reader = await TopicReader.open(brokers, topics.lifecycle);
    try {
      const records = await reader.until((r) => holdsAll(r, ledgerIds), 60_000, 'every ledger event on the lifecycle topic');
      expect(new Set(records.map((r) => r.value?.id))).to.include.all.keys(ledgerIds);
    } finally {
      await reader.close();
    }
  });
});

async function crashAndRestart(extraEnv: Record<string, string>, afterRestart?: (svc: RunningService) => Promise<void>) {
  {
    const dataDir = tempDir('tl-crash-');
    writtenFiles.add(join(dataDir, 'ledger.db')).add(join(dataDir, 'readmodels.db'));
    // A fixed issuer: the restarted process listens on another port, and tokens name their issuer.
    const env = { LEDGER_DATA_DIR: dataDir, LEDGER_ADMIN_PASSWORD: 'crash-admin-pw', LOG_LEVEL: 'warn', LEDGER_ISSUER: 'http://crash.test', ...extraEnv };
    let svc = await spawnService(env);
    const login = (await (await post(svc, '/oauth2/token', { grant_type: 'password', username: 'admin', password: 'crash-admin-pw' })).json()) as { access_token: string; refresh_token: string };
    remember(login.access_token, login.refresh_token);
    const client = (await (
      await fetch(`${svc.url}/admin/clients`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${login.access_token}` },
        body: JSON.stringify({ name: 'load', scopes: ['x'] }),
      })
    ).json()) as { client_id: string; client_secret: string };
    remember(client.client_secret);

    const issued: string[] = [];
    const revoked: string[] = [];
    /** Revocations sent but not answered when the process died: either outcome is correct. */
    const inFlight = new Set<string>();
    let stop = false;
    const worker = async () => {
      while (!stop) {
        try {
          const res = await post(svc, '/oauth2/token', { grant_type: 'client_credentials', client_id: client.client_id, client_secret: client.client_secret });
          if (res.status !== 200) continue;
          const token = ((await res.json()) as { access_token: string }).access_token;
          remember(token);
          issued.push(token);
          if (issued.length % 3 === 0) {
            inFlight.add(token);
            const r = await post(svc, '/oauth2/revoke', { token });
            if (r.status === 200) revoked.push(token);
            inFlight.delete(token);
          }
        } catch {
          return; // the connection died with the process
        }
      }
    };
    const workers = Array.from({ length: 16 }, worker);
    while (issued.length < 300) await new Promise((r) => setTimeout(r, 5));
    svc.child.kill('SIGKILL');
    stop = true;
    await Promise.all(workers);
    await svc.exited;
    expect(issued.length).to.be.at.least(300);

    svc = await spawnService(env);
    try {
      const admin = (await (await post(svc, '/oauth2/token', { grant_type: 'password', username: 'admin', password: 'crash-admin-pw' })).json()) as { access_token: string; refresh_token: string };
      remember(admin.access_token, admin.refresh_token);
      const introspect = async (token: string) =>
        ((await (await post(svc, '/oauth2/introspect', { token }, { Authorization: `Bearer ${admin.access_token}` })).json()) as { active: boolean }).active;
      const revokedSet = new Set(revoked);
      for (const token of issued) {
        if (inFlight.has(token)) continue;
        expect(await introspect(token), 'an acknowledged issue or revocation was lost').to.equal(!revokedSet.has(token));
      }
      expect(revoked.length).to.be.greaterThan(30);
      await afterRestart?.(svc);
    } finally {
      svc.child.kill('SIGTERM');
      await svc.exited;
    }
    const out = join(dataDir, 'replayed.db');
    const replay = runCli(dataDir, 'replay', '--out', out);
    expect(replay.code, replay.stderr).to.equal(0);
    expect(dumpReadModels(join(dataDir, 'readmodels.db'))).to.deep.equal(dumpReadModels(out));
    return { dataDir };
  }
}
