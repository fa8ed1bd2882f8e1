import type { EventStore, RecordedEvent } from './eventStore.js';

/** Pages of `$all` from a reader, from the start (or after `after`), until a page comes back empty. */
export async function* pagesOf<T extends { position: bigint }>(
  read: (after: bigint | undefined, pageSize: number) => Promise<T[]>,
  pageSize: number,
  after?: bigint,
): AsyncGenerator<T[]> {
  for (;;) {
    const page = await read(after, pageSize);
    if (page.length === 0) return;
    yield page;
    after = page[page.length - 1]!.position;
  }
}

/** `$all` from the start (or after `after`), one page at a time: for the tools that walk the whole ledger. */
export function readAllPages(store: EventStore, pageSize = 5000, after?: bigint): AsyncGenerator<RecordedEvent[]> {
  return pagesOf((from, maxCount) => store.readAll({ after: from, maxCount }), pageSize, after);
}
