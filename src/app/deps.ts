import type { LifecycleBus } from '../bus/lifecycleBus.js';
import type { LifecycleRelay } from '../bus/relay.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { SecretBox } from '../crypto/secrets.js';
import type { KeyRing } from '../keys/keyRing.js';
import type { EventValidator, StreamStates } from '../ledger/commandHandler.js';
import type { EventStore } from '../ledger/eventStore.js';
import type { Logger } from '../logger.js';
import type { ReadModelDb } from '../readmodels/projection.js';
import type { ProjectionRunner } from '../readmodels/projectionRunner.js';

/** Everything a capability needs, injected. Only main.ts chooses the real adapters. */
export interface Deps {
  config: Config;
  store: EventStore;
  bus: LifecycleBus;
  /** Publishes ledger events to the bus, from its own checkpoint. */
  relay: LifecycleRelay;
  db: ReadModelDb;
  runner: ProjectionRunner;
  keys: KeyRing;
  box: SecretBox;
  clock: Clock;
  logger: Logger;
  validateEvent: EventValidator;
  /** Folded states of the streams decided on lately, shared by the services that pass it to handleCommand. */
  states: StreamStates;
}
