import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '../../src/ledger/sqlite/sqliteEventStore.js';
import { eventStoreContract } from './eventStoreContract.js';

const file = () => join(mkdtempSync(join(tmpdir(), 'tl-sqlite-')), 'ledger.db');

eventStoreContract('sqlite (group commit)', async () => new SqliteEventStore(file()));
eventStoreContract('sqlite (one transaction per append)', async () => new SqliteEventStore(file(), { groupCommit: false }));
