import { expect } from 'chai';
import { join } from 'node:path';
import { allProjections } from '../../projections/index.js';
import type { EventStore, NewEvent } from '../../src/ledger/eventStore.js';
import { SqliteEventStore } from '../../src/ledger/sqlite/sqliteEventStore.js';
import { pageWriter } from '../../src/readmodels/pageWrites.js';
import type { Projection } from '../../src/readmodels/projection.js';
import { ProjectionRunner } from '../../src/readmodels/projectionRunner.js';
import { openReadModelDb } from '../../src/readmodels/readModelDb.js';
import { replayReadModels } from '../../src/readmodels/replay.js';
import { moduleBeside } from '../../src/workers/spawnWorker.js';
import { dumpReadModels } from '../support/readModels.js';
import { tempDir } from '../support/tempDirs.js';

const dir = () => tempDir('tl-replay-');
const meta = { actor: 'test', correlationId: 'c', causationId: 'c', schemaVersion: 1, time: '2026-01-01T00:00:00.000Z' };
let ids = 0;
const at = (m: number) => `2026-01-01T00:${String(m).padStart(2, '0')}:00.000Z`;

/** One history per family, between them every event type every projection handles. */
function histories(n: number): Array<{ stream: string; events: Array<{ type: string; data: Record<string, unknown> }> }> {
  const credential = (kind: string, extra: Record<string, unknown> = {}) => ({
    credentialId: `cred-${n}-${kind}`,
    kind,
    subject: `user-${n}`,
    clientId: n % 2 ? `client-${n}` : null,
    scopes: ['read', 'write'],
    roles: ['user'],
    issuedAt: at(1),
    expiresAt: n % 3 ? at(59) : null,
    kid: null,
    familyId: `family-${n}`,
    parentId: null,
    ...extra,
  });
  const access = { eventId: `event-${n}`, appId: `app-${n}`, userId: `user-${n}`, providerId: `provider-${n}` };
  const token = { ...credential('api_key'), ...access, accesstokenuuid: `uuid-${n}`, secretHash: `digest-${n}` };
  return [
    { stream: `user-${n}`, events: [
      { type: 'UserRegistered', data: { username: `user-${n}`, roles: ['user'], fullName: 'A', email: null, registeredAt: at(1) } },
      { type: 'UserProfileUpdated', data: { username: `user-${n}`, email: `u${n}@example.org` } },
    ] },
    { stream: `client-${n}`, events: [{ type: 'ClientRegistered', data: { clientId: `client-${n}`, name: 'svc', scopes: ['read'], secretHash: 'h', registeredAt: at(1) } }] },
    { stream: `credential-${n}`, events: [
      { type: 'CredentialIssued', data: credential('refresh_token') },
      { type: 'RefreshTokenRotated', data: { credentialId: `cred-${n}-refresh_token`, expiresAt: at(30) } },
      { type: 'CredentialRevoked', data: { credentialId: `cred-${n}-refresh_token`, reason: 'reuse', revokedAt: at(2) } },
    ] },
    { stream: `consumer-${n}`, events: [{ type: 'ConsumerCredentialIssued', data: credential('consumer_jwt') }] },
    { stream: `pat-${n}`, events: [
      { type: 'PersonalTokenCreated', data: { ...credential('personal_token'), name: `pat ${n}`, tokenHash: 'th', expiration: '30d' } },
      { type: 'PersonalTokenRevoked', data: { credentialId: `cred-${n}-personal_token`, reason: 'owner', revokedAt: at(3) } },
    ] },
    { stream: `provider-${n}`, events: [
      { type: 'ProviderRegistered', data: { providerId: `provider-${n}`, name: 'p', username: `prov-${n}`, mode: 'pull', registeredAt: at(1) } },
    ] },
    { stream: `app-${n}`, events: [{ type: 'ApplicationCreated', data: { appId: `app-${n}`, name: 'a', owner: `user-${n}`, createdAt: at(1) } }] },
    { stream: `access-${n}`, events: [
      { type: 'AccessTokenRequested', data: { ...access, eventType: 'CREATE_ACCESS_TOKEN', accesstokenuuid: null, requestedAt: at(1) } },
      { type: 'AccessEventAcknowledged', data: { eventId: access.eventId, acknowledgedAt: at(2) } },
      { type: 'AccessTokenPublished', data: token },
      { type: 'AccessTokenRenewed', data: { ...token, credentialId: `cred-${n}-renewed`, parentId: token.credentialId } },
      { type: 'AccessTokenRevoked', data: { ...access, accesstokenuuid: `uuid-${n}`, credentialId: `cred-${n}-renewed`, reason: 'r', revokedAt: at(4) } },
    ] },
    { stream: `access-rejected-${n}`, events: [
      { type: 'AccessTokenRequested', data: { ...access, eventId: `rejected-${n}`, eventType: 'CREATE_ACCESS_TOKEN', accesstokenuuid: null, requestedAt: at(1) } },
      { type: 'AccessEventRejected', data: { eventId: `rejected-${n}`, reason: 'no', rejectedAt: at(2) } },
    ] },
    { stream: `access-expired-${n}`, events: [
      { type: 'AccessTokenRequested', data: { ...access, eventId: `expired-${n}`, eventType: 'CREATE_ACCESS_TOKEN', accesstokenuuid: null, requestedAt: at(1) } },
      { type: 'AccessEventExpired', data: { eventId: `expired-${n}`, expiredAt: at(5) } },
    ] },
    { stream: `entity-${n}`, events: [
      { type: 'EntitySecretIssued', data: credential('entity_secret') },
      { type: 'EntitySecretReset', data: credential('entity_secret', { credentialId: `cred-${n}-reset` }) },
      { type: 'EntityTokenIssued', data: credential('entity_token') },
      { type: 'UserTokenIssued', data: credential('user_token') },
    ] },
  ];
}

async function append(store: SqliteEventStore, from: number, to: number): Promise<void> {
  for (let n = from; n < to; n++) {
    for (const h of histories(n)) {
      const events: NewEvent[] = h.events.map((e) => ({ id: `00000000-0000-7000-8000-${String(++ids).padStart(12, '0')}`, ...e, metadata: meta }));
      await store.append(h.stream, events, 'no_stream');
    }
  }
}

/** What following the ledger event by event gives (the live path), as a comparable dump. */
async function followed(store: EventStore, file: string, until?: Date): Promise<Record<string, unknown[]>> {
  const db = openReadModelDb(file);
  const runner = new ProjectionRunner(store, db, allProjections);
  runner.init();
  const events = (await store.readAll({ after: 0n, maxCount: 100_000 })).filter((e) => !until || e.recordedAt <= until);
  for (let i = 0; i < events.length; i += 7) runner.applyBatch(events.slice(i, i + 7));
  db.close();
  return dumpReadModels(file);
}

async function replayed(store: EventStore, file: string, until?: Date) {
  const db = openReadModelDb(file);
  const result = await replayReadModels(store, db, allProjections, { batch: 10, until });
  db.close();
  return { result, dump: dumpReadModels(file) };
}

/** The same ledger without the embedded store's read-ahead: the replay then computes the writes on this thread. */
const plain = (store: SqliteEventStore): EventStore => ({
  kind: 'plain',
  append: (...a) => store.append(...a),
  readStream: (...a) => store.readStream(...a),
  readAll: (...a) => store.readAll(...a),
  subscribeToAll: (...a) => store.subscribeToAll(...a),
  headPosition: () => store.headPosition(),
  readCheckpoint: (...a) => store.readCheckpoint(...a),
  saveCheckpoint: (...a) => store.saveCheckpoint(...a),
  ping: () => store.ping(),
  close: async () => undefined,
});

describe('replay: the writes computed on the reader thread', function () {
  this.timeout(30_000);
  let d: string;
  let store: SqliteEventStore;
  let middle: Date;
  const mapped: unknown[] = [];

  before(async () => {
    d = dir();
    store = new SqliteEventStore(join(d, 'ledger.db'));
    await append(store, 0, 6);
    await new Promise((r) => setTimeout(r, 20));
    middle = new Date();
    await new Promise((r) => setTimeout(r, 20));
    await append(store, 6, 12);
    const original = store.mappedPages.bind(store);
    store.mappedPages = (pageSize, mapper) => (mapped.push(mapper), original(pageSize, mapper));
  });
  after(() => store.close());

  it('gives the read models that following the ledger gives, and that computing them on this thread gives', async () => {
    const live = await followed(store, join(d, 'live.db'));
    const threaded = await replayed(store, join(d, 'threaded.db'));
    expect(mapped).to.have.length(1);
    const here = await replayed(plain(store), join(d, 'here.db'));
    expect(mapped).to.have.length(1);
    expect(threaded.result.events).to.equal(Number(await store.headPosition()));
    expect(threaded.dump).to.deep.equal(live);
    expect(here.dump).to.deep.equal(live);
    // Every table of every projection has rows: no family's writes were left out of the comparison.
    for (const p of allProjections) for (const t of p.tables) expect(live[t], t).to.have.length.above(0);
  });

  it('with until, stops at the first event recorded after it, on either thread', async () => {
    const live = await followed(store, join(d, 'live-until.db'), middle);
    const threaded = await replayed(store, join(d, 'threaded-until.db'), middle);
    const here = await replayed(plain(store), join(d, 'here-until.db'), middle);
    expect(threaded.result.events).to.equal(Number(await store.headPosition()) / 2);
    expect(here.result.events).to.equal(threaded.result.events);
    expect(threaded.dump).to.deep.equal(live);
    expect(here.dump).to.deep.equal(live);
    expect(JSON.stringify(threaded.dump.credentials)).to.not.include('user-6');
  });

  it('a mapper that cannot be loaded fails the read with its reason', async () => {
    const pages = store.mappedPages(10, { url: moduleBeside(import.meta.url, 'no-such-mapper'), options: {} });
    const failure = await (async () => {
      for await (const _ of pages) return undefined;
    })().then(
      () => undefined,
      (e: Error) => e,
    );
    expect(failure?.message).to.match(/^ledger read failed: .*no-such-mapper/);
  });
});

describe('pageWriter', () => {
  const projection = (writes: Projection['writes']): Projection => ({
    name: 'p',
    version: 1,
    canHandle: ['A'],
    schema: '',
    tables: [],
    statements: { one: 'INSERT 1', two: 'INSERT 2' },
    writes,
  });
  const event = (position: bigint, type = 'A') => ({ position, type, stream: 's', revision: position, data: {}, recordedAt: new Date(Number(position) * 1000) });

  it("alternates each write's statement index with its parameters, skipping events no projection handles", () => {
    const other = { ...projection(() => [['x', [3]]]), name: 'q', statements: { x: 'INSERT x' } };
    const write = pageWriter([projection((e) => [['two', [e.position]], ['one', ['a', null]]]), other]);
    const page = write([event(1n), event(2n, 'B')]);
    expect(page).to.deep.equal({ writes: [1, [1n], 0, ['a', null], 2, [3]], events: 2, last: 2n, stopped: false });
  });

  it('stops at the first event recorded after until', () => {
    const write = pageWriter([projection(() => [['one', []]])], new Date(2000));
    expect(write([event(1n), event(2n), event(3n)])).to.deep.equal({ writes: [0, [], 0, []], events: 2, last: 2n, stopped: true });
  });

  it('names a projection whose writes name a statement it does not declare', () => {
    const write = pageWriter([projection(() => [['three', []]])]);
    expect(() => write([event(1n)])).to.throw('projection p has no statement three');
  });
});
