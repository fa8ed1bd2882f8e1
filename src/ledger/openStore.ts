import { ledgerFile, type Config } from '../config.js';
import type { EventStore } from './eventStore.js';
import { SqliteEventStore } from './sqlite/sqliteEventStore.js';

/**
 * Picks the EventStore adapter from configuration: the embedded SQLite file, or EventStoreDB. The
 * service keeps the SQLite file's streams in memory (`knownStreams`); a CLI command, which reads
 * little and exits, does not pay for the pass over them.
 */
export async function openEventStore(config: Config, use: 'service' | 'cli' = 'service'): Promise<EventStore> {
  if (config.eventStore === 'sqlite') {
    const mode = process.env.LEDGER_SQLITE_GROUP_COMMIT;
    return new SqliteEventStore(ledgerFile(config), { groupCommit: mode === 'inline' || mode === 'worker' ? mode : undefined, knownStreams: use === 'service' });
  }
  if (config.eventStore.startsWith('esdb://') || config.eventStore.startsWith('esdb+discover://')) {
    const { EsdbEventStore } = await import('./esdb/esdbEventStore.js');
    return new EsdbEventStore(config.eventStore);
  }
  throw new Error('LEDGER_EVENTSTORE must be "sqlite" or an esdb:// connection string');
}
