import type { AppendResult, ExpectedRevision, NewEvent, ReadStreamOptions, RecordedEvent } from './eventStore.js';

/**
 * EventStoreDB's idempotency rule, shared by the adapters: re-appending the same event ids at the
 * same place succeeds and writes nothing. Returns the original result, or undefined if this is not
 * a repeat.
 */
export function findIdempotentAppend(
  stream: RecordedEvent[],
  events: NewEvent[],
  expected: ExpectedRevision,
): AppendResult | undefined {
  if (events.length === 0) return undefined;
  const first = stream.findIndex((e) => e.id === events[0]!.id);
  if (first < 0) return undefined;
  const startsAt =
    expected === 'no_stream' ? 0 : typeof expected === 'bigint' ? Number(expected) + 1 : first;
  if (first !== startsAt) return undefined;
  for (let i = 0; i < events.length; i++) {
    if (stream[first + i]?.id !== events[i]!.id) return undefined;
  }
  const last = stream[first + events.length - 1]!;
  return { nextRevision: last.revision, position: last.position };
}

export function readStreamSlice(events: RecordedEvent[], options: ReadStreamOptions): RecordedEvent[] {
  const max = options.maxCount ?? Infinity;
  if (options.direction === 'backwards') {
    const from = options.fromRevision ?? BigInt(events.length - 1);
    return events.filter((e) => e.revision <= from).reverse().slice(0, max);
  }
  const from = options.fromRevision ?? 0n;
  return events.filter((e) => e.revision >= from).slice(0, max);
}
