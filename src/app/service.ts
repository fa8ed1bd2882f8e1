import type { Server } from 'node:http';
import { ClientService } from '../clients/clientService.js';
import type { Clock } from '../clock.js';
import { readModelFile, type Config } from '../config.js';
import { CredentialService } from '../credentials/credentialService.js';
import { SecretBox } from '../crypto/secrets.js';
import { createApp, type App } from '../http/app.js';
import { loadSchemas } from '../http/schemas.js';
import { KeyRing } from '../keys/keyRing.js';
import { loadMasterKey } from '../keys/masterKey.js';
import { StreamStates, type EventValidator } from '../ledger/commandHandler.js';
import type { EventStore } from '../ledger/eventStore.js';
import type { LifecycleBus } from '../bus/lifecycleBus.js';
import { LifecycleRelay } from '../bus/relay.js';
import type { Logger } from '../logger.js';
import type { ReadModelDb } from '../readmodels/projection.js';
import { openReadModelDb } from '../readmodels/readModelDb.js';
import { replayReadModels } from '../readmodels/replay.js';
import { ProjectionRunner } from '../readmodels/projectionRunner.js';
import { UserService } from '../users/userService.js';
import { allProjections } from '../../projections/index.js';
import type { Deps } from './deps.js';
import type { CoreServices, Module } from './module.js';
import { allModules } from './modules.js';

export interface Service {
  app: App;
  deps: Deps;
  services: CoreServices;
  /** Stops following the ledger and closes the stores (after the HTTP server has drained). */
  close(): Promise<void>;
}

export interface ServiceAdapters {
  store: EventStore;
  bus: LifecycleBus;
  clock: Clock;
  logger: Logger;
  /** Defaults to the read-model file in the data directory. */
  readModelPath?: string;
  modules?: Module[];
}

/** Every event is checked against its JSON Schema before it is appended. */
export function eventValidator(): EventValidator {
  const schemas = loadSchemas();
  return (event) => {
    const id = `events/${event.type}`;
    if (!schemas.has(id)) throw new Error(`No schema for event type ${event.type}`);
    schemas.validate(id, event.data);
  };
}

/** Assembles the service from adapters: keys, read models, projections, capabilities, HTTP app. */
export async function startService(config: Config, adapters: ServiceAdapters): Promise<Service> {
  const { store, bus, clock, logger } = adapters;
  const box = new SecretBox(loadMasterKey(config.masterKey, config.dataDir, logger));
  const db = openReadModelDb(adapters.readModelPath ?? readModelFile(config));
  const runner = new ProjectionRunner(store, db, allProjections, logger);
  runner.init();
  await rebuildIfEmpty(store, db, runner, logger);
  const keys = new KeyRing(store, box, clock);
  const relay = new LifecycleRelay(store, bus, db, {
    topics: config.topics,
    source: config.issuer,
    logger,
    checkpointMs: config.relayCheckpointMs,
    // The in-process bus feeds this process alone: with a ledger other instances share, its position is this instance's.
    checkpointIn: bus.kind === 'in-process' && store.kind !== 'sqlite' ? 'read-models' : 'ledger',
  });
  const deps: Deps = { config, store, bus, relay, db, runner, keys, box, clock, logger, validateEvent: eventValidator(), states: new StreamStates() };
  const system = { actor: 'system', correlationId: `startup-${process.pid}`, time: clock.now().toISOString() };

  await keys.load();
  await keys.ensureGroup('native', 'ES256', 1, system);
  keys.follow();
  const subscription = runner.start();
  await subscription.caughtUp;

  const services: CoreServices = {
    credentials: new CredentialService(deps),
    users: new UserService(deps),
    clients: new ClientService(deps),
  };
  const admin = await services.users.bootstrapAdmin(config.adminUsername, config.adminPassword, system);
  if (admin === 'created') logger.info({ username: config.adminUsername }, 'created the first administrator');
  if (admin === 'skipped') logger.warn('the ledger has no administrator: set LEDGER_ADMIN_PASSWORD to create one');

  const app = await createApp(deps, services, adapters.modules ?? allModules);
  // After the modules have subscribed to the bus, so that none misses an event.
  if (config.relayEnabled) await relay.start();
  else logger.info('LEDGER_RELAY=off: this instance does not publish the ledger to the bus');
  return {
    app,
    deps,
    services,
    async close() {
      await app.close();
      await services.users.close();
      await relay.stop();
      await runner.stop();
      await keys.stop();
      await bus.close();
      await store.close();
      db.close();
    },
  };
}

/** Below this many events, following the ledger from the start is as quick as a rebuild. */
const REBUILD_FROM = 10_000n;

/**
 * Read models that start from nothing (a new file, or a projection whose version changed) over a
 * large ledger are rebuilt the way `token-ledger replay` does it (tables first, indexes last, the
 * ledger read ahead) rather than followed event by event: 1,250,000 events took 54 s to follow and
 * take about 12 s to rebuild. Progress goes to the log.
 */
async function rebuildIfEmpty(store: EventStore, db: ReadModelDb, runner: ProjectionRunner, logger: Logger): Promise<void> {
  // Positions count events only in the embedded ledger (EventStoreDB's are log offsets), and only
  // it reads ahead for a rebuild: other stores follow the ledger as before.
  if (!store.projectedPages || runner.applied !== 0n || (await store.headPosition()) < REBUILD_FROM) return;
  logger.info('read models start from nothing: rebuilding them from the ledger');
  let lastLog = Date.now();
  const result = await replayReadModels(store, db, allProjections, {
    onProgress: (p) => {
      if (Date.now() - lastLog < 2000) return;
      lastLog = Date.now();
      logger.info({ applied: p.applied, total: p.total, eventsPerSecond: Math.round(p.eventsPerSecond) }, 'rebuilding read models');
    },
  });
  logger.info({ events: result.events, seconds: Number(result.seconds.toFixed(1)), eventsPerSecond: Math.round(result.eventsPerSecond) }, 'read models rebuilt');
  runner.init();
}

/** Stop accepting, let in-flight requests finish (bounded), then close everything. */
export async function shutdownGracefully(server: Server, service: Service, logger: Logger, drainMs = 10_000): Promise<void> {
  logger.info('shutting down: draining requests');
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections?.();
  const timer = setTimeout(() => server.closeAllConnections?.(), drainMs);
  await closed;
  clearTimeout(timer);
  await service.close();
  logger.info('shut down cleanly');
}
