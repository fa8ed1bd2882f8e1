import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import supertest from 'supertest';
import { startService, type Service } from '../../src/app/service.js';
import { InProcessBus } from '../../src/bus/inProcessBus.js';
import type { LifecycleBus } from '../../src/bus/lifecycleBus.js';
import { ManualClock, systemClock, type Clock } from '../../src/clock.js';
import { loadConfig, ledgerFile, type Config } from '../../src/config.js';
import type { EventStore } from '../../src/ledger/eventStore.js';
import { MemoryEventStore } from '../../src/ledger/memory/memoryEventStore.js';
import { SqliteEventStore } from '../../src/ledger/sqlite/sqliteEventStore.js';
import { EsdbEventStore } from '../../src/ledger/esdb/esdbEventStore.js';
import { createLogger } from '../../src/logger.js';
import { startEsdbStandIn, type EsdbStandIn } from './esdbStandIn.js';
import { readAllPages } from '../../src/ledger/readAllPages.js';
import { tempDir } from './tempDirs.js';

export const ADMIN = { username: 'admin', password: 'admin-password-1' };

export interface TestService {
  service: Service;
  http: ReturnType<typeof supertest>;
  config: Config;
  dataDir: string;
  logFile: string;
  store: EventStore;
  clock: Clock;
  /** A fresh password-grant token for `username` (default: the admin). */
  token(username?: string, password?: string): Promise<string>;
  /** How many events the ledger holds (positions are not counts on every store). */
  eventCount(): Promise<number>;
  /** Creates a user with the given roles and returns a token for them. */
  userWithRoles(username: string, roles: string[]): Promise<string>;
  close(): Promise<void>;
}

export interface TestServiceOptions {
  store?: 'sqlite' | 'memory' | 'esdb' | ((dataDir: string) => EventStore | Promise<EventStore>);
  clock?: Clock;
  bus?: LifecycleBus;
  env?: Record<string, string>;
  dataDir?: string;
}

/** Every secret the API handed out during the suite, for the leak test. */
export const issuedSecrets = new Set<string>();
/** Every file a test service wrote (ledger, read models, logs), for the leak test. */
export const writtenFiles = new Set<string>();

export function remember(...secrets: Array<string | undefined | null>): void {
  for (const s of secrets) if (s && s.length >= 8) issuedSecrets.add(s);
}

/** Starts the whole service on a fresh data directory, driven through its factory without a port. */
export async function startTestService(options: TestServiceOptions = {}): Promise<TestService> {
  const dataDir = options.dataDir ?? tempDir('tl-test-');
  const config = loadConfig({
    LEDGER_DATA_DIR: dataDir,
    LEDGER_ADMIN_USERNAME: ADMIN.username,
    LEDGER_ADMIN_PASSWORD: ADMIN.password,
    LEDGER_ISSUER: 'http://token-ledger.test',
    LOG_LEVEL: 'info',
    // One RSA key per Sunbird group keeps each test service's first start quick.
    LEDGER_SUNBIRD_KEYS_PER_GROUP: '1',
    ...options.env,
  });
  const logFile = join(dataDir, 'service.log');
  const logStream: WriteStream = createWriteStream(logFile);
  const logger = createLogger('info', logStream);
  const clock = options.clock ?? systemClock;
  // LEDGER_TEST_EVENTSTORE=esdb runs a suite on the EventStoreDB adapter, over the protocol stand-in.
  const kind = options.store ?? (process.env.LEDGER_TEST_EVENTSTORE === 'esdb' ? 'esdb' : 'sqlite');
  let standIn: EsdbStandIn | undefined;
  let store: EventStore;
  if (typeof kind === 'function') store = await kind(dataDir);
  else if (kind === 'memory') store = new MemoryEventStore(() => clock.now());
  else if (kind === 'esdb') {
    standIn = await startEsdbStandIn();
    store = new EsdbEventStore(standIn.connectionString, { now: () => clock.now() });
  } else store = new SqliteEventStore(ledgerFile(config), { now: () => clock.now(), knownStreams: true }); // as the service opens it (openEventStore)
  const service = await startService(config, { store, bus: options.bus ?? new InProcessBus(), clock, logger });
  const http = supertest(service.app.koa.callback());
  writtenFiles.add(ledgerFile(config)).add(join(dataDir, 'readmodels.db')).add(logFile);

  const token = async (username = ADMIN.username, password = ADMIN.password) => {
    const res = await http.post('/oauth2/token').type('form').send({ grant_type: 'password', username, password });
    if (res.status !== 200) throw new Error(`login failed for ${username}: ${res.status} ${JSON.stringify(res.body)}`);
    remember(res.body.access_token, res.body.refresh_token);
    return res.body.access_token as string;
  };
  return {
    service,
    http,
    config,
    dataDir,
    logFile,
    store,
    clock,
    token,
    async eventCount() {
      let n = 0;
      for await (const page of readAllPages(store)) n += page.length;
      return n;
    },
    async userWithRoles(username, roles) {
      const password = `${username}-password-1`;
      const res = await http
        .post('/admin/users')
        .set('Authorization', `Bearer ${await token()}`)
        .send({ username, password, roles });
      if (res.status !== 201) throw new Error(`creating ${username}: ${res.status} ${JSON.stringify(res.body)}`);
      return token(username, password);
    },
    async close() {
      await service.close();
      await standIn?.close();
      await new Promise<void>((resolve) => logStream.end(resolve));
    },
  };
}

export { ManualClock };
