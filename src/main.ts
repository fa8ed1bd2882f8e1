import { createServer } from 'node:http';
import { InProcessBus } from './bus/inProcessBus.js';
import { createKafkaBus } from './bus/kafka/kafkaBus.js';
import { systemClock } from './clock.js';
import { loadConfig } from './config.js';
import { openEventStore } from './ledger/openStore.js';
import { createLogger, errorFields } from './logger.js';
import { shutdownGracefully, startService } from './app/service.js';
import { INLINING_FLAGS, raiseInliningBudgets } from './v8Tuning.js';

/** The only place that wires real adapters. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  if (config.v8Inlining) {
    raiseInliningBudgets();
    logger.info({ flags: INLINING_FLAGS }, 'V8 inlining budgets raised');
  }
  const store = await openEventStore(config);
  const bus =
    config.kafkaBrokers.length > 0
      ? createKafkaBus({ brokers: config.kafkaBrokers, topics: config.topics, logger })
      : new InProcessBus();
  const service = await startService(config, { store, bus, clock: systemClock, logger });
  // Header size is bounded (431 beyond it); bodies are bounded per route by the body parser.
  const server = createServer({ maxHeaderSize: 16 * 1024 }, service.app.koa.callback());
  server.listen(config.port, () =>
    logger.info({ port: config.port, dataDir: config.dataDir, store: store.kind, bus: bus.kind }, 'token-ledger listening'),
  );
  server.headersTimeout = 15_000;
  server.requestTimeout = 30_000;
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'signal received');
    shutdownGracefully(server, service, logger).then(
      () => process.exit(0),
      (err) => {
        logger.error(errorFields(err), 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err) => {
  // Startup failures are ours to read, not a client's; no secret is in a startup error.
  console.error('token-ledger failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
