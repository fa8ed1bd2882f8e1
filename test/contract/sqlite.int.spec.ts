import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '../../src/ledger/sqlite/sqliteEventStore.js';
import { eventStoreContract } from './eventStoreContract.js';

const file = () => join(mkdtempSync(join(tmpdir(), 'tl-sqlite-')), 'ledger.db');

eventStoreContract('sqlite (group commit on the main thread)', async () => new SqliteEventStore(file()));
eventStoreContract('sqlite (group commit in the writer thread)', async () => new SqliteEventStore(file(), { groupCommit: 'worker' }));
eventStoreContract('sqlite (one transaction per append)', async () => new SqliteEventStore(file(), { groupCommit: false }));
