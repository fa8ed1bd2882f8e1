import { expect } from 'chai';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { InProcessBus } from '../../src/bus/inProcessBus.js';
import type { LifecycleMessage } from '../../src/bus/lifecycleBus.js';
import { DEFAULT_TOPICS } from '../../src/bus/relay.js';
import { eventually } from '../support/kafkaTopics.js';
import { startTestService } from '../support/service.js';
import { tempDir } from '../support/tempDirs.js';

/** The embedded service with a bus whose lifecycle messages are recorded. */
async function serviceOn(dataDir: string) {
  const bus = new InProcessBus();
  const seen: LifecycleMessage[] = [];
  await bus.subscribe(DEFAULT_TOPICS.lifecycle, 'recorder', async (m) => void seen.push(m));
  const s = await startTestService({ dataDir, bus, store: 'sqlite' });
  return { s, seen };
}


describe("the relay's checkpoint, kept with the embedded ledger", () => {
  it('a deleted read-model file is rebuilt at start, and the ledger is not published again', async function () {
    this.timeout(60_000);
    const dataDir = tempDir('tl-relay-int-');
    const first = await serviceOn(dataDir);
    const ctx = { actor: 'system', correlationId: 'relay-int', time: new Date().toISOString() };
    const issued = await first.s.service.services.credentials.issueAccessToken({ subject: 'relay-int', clientId: null, scopes: [], roles: [] }, ctx);
    const head = Number(await first.s.store.headPosition());
    await eventually(() => first.seen.some((m) => m.data.position === head), 10_000, 'the issue to be published');
    await first.s.close();

    for (const f of ['readmodels.db', 'readmodels.db-wal', 'readmodels.db-shm']) rmSync(join(dataDir, f), { force: true });
    const second = await serviceOn(dataDir);
    try {
      const intro = await second.s.http
        .post('/oauth2/introspect')
        .set('authorization', `Bearer ${await second.s.token()}`)
        .type('form')
        .send({ token: issued.accessToken });
      expect(intro.body.active, 'the read models were rebuilt from the ledger').to.equal(true);
      await new Promise((r) => setTimeout(r, 300)); // room for a republished event to show up
      const old = second.seen.filter((m) => (m.data.position as number) <= head);
      expect(old, 'events published before the read models were deleted').to.deep.equal([]);
      expect(second.seen.length, "the second start's own events are published").to.be.greaterThan(0);
    } finally {
      await second.s.close();
    }
  });
});
