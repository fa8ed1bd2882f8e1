import type { EventStore, RecordedEvent } from './eventStore.js';

/** `$all` from the start (or after `after`), one page at a time: for the tools that walk the whole ledger. */
export async function* readAllPages(store: EventStore, pageSize = 5000, after?: bigint): AsyncGenerator<RecordedEvent[]> {
  for (;;) {
    const page = await store.readAll({ after, maxCount: pageSize });
    if (page.length === 0) return;
    yield page;
    after = page[page.length - 1]!.position;
  }
}
