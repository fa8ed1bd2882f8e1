import { MemoryEventStore } from '../../src/ledger/memory/memoryEventStore.js';
import { eventStoreContract } from './eventStoreContract.js';

eventStoreContract('memory', async () => new MemoryEventStore());
