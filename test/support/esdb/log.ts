// The stand-in's storage: one in-memory transaction log with EventStoreDB's append rules.
import { randomUUID } from 'node:crypto';

export interface LogPosition {
  commit: bigint;
  prepare: bigint;
}

export interface StoredEvent extends LogPosition {
  id: string;
  stream: string;
  revision: bigint;
  type: string;
  contentType: string;
  data: Uint8Array;
  metadata: Uint8Array;
  /** .NET ticks (100 ns) since the Unix epoch, as the server reports `created`. */
  created: bigint;
}

export type Proposed = Pick<StoredEvent, 'id' | 'type' | 'contentType' | 'data' | 'metadata'>;
export type Expected = 'any' | 'no_stream' | 'stream_exists' | bigint;

export type AppendOutcome =
  | { ok: true; current: bigint; position?: LogPosition }
  | { ok: false; current: bigint | 'no_stream' };

export const comparePositions = (a: LogPosition, b: LogPosition) =>
  a.commit === b.commit ? Number(a.prepare - b.prepare) : a.commit < b.commit ? -1 : 1;

/**
 * Positions are byte offsets in a growing log (not 1, 2, 3): every event gets commit == prepare,
 * as gRPC appends do on a real server. A few system events come first, as on a fresh node.
 */
export class EsdbLog {
  readonly all: StoredEvent[] = [];
  private readonly streams = new Map<string, StoredEvent[]>();
  private readonly listeners = new Set<() => void>();
  private end = 256n;

  constructor() {
    const json = (o: unknown) => new TextEncoder().encode(JSON.stringify(o));
    const system = (stream: string, type: string) => ({
      id: randomUUID(), type, contentType: 'application/json', data: json({}), metadata: new Uint8Array(),
    });
    this.write('$users', [system('$users', '$UserCreated')]);
    this.write('$scavenges', [system('$scavenges', '$scavengeIndexInitialized')]);
  }

  /** Wakes subscriptions after each successful write. */
  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stream(name: string): StoredEvent[] | undefined {
    return this.streams.get(name);
  }

  append(name: string, expected: Expected, events: Proposed[]): AppendOutcome {
    const stream = this.streams.get(name) ?? [];
    const current = BigInt(stream.length) - 1n;
    const fail = (): AppendOutcome => ({ ok: false, current: current < 0n ? 'no_stream' : current });
    // Where a repeat of these ids would have to start for the append to count as idempotent.
    let repeatAt: bigint | undefined;
    if (expected === 'no_stream') {
      if (current >= 0n) repeatAt = 0n;
    } else if (typeof expected === 'bigint') {
      if (expected > current) return fail();
      if (expected < current) repeatAt = expected + 1n;
    } else {
      if (expected === 'stream_exists' && current < 0n) return fail();
      const first = events[0] && stream.find((e) => e.id === events[0]!.id);
      if (first) repeatAt = first.revision;
    }
    if (repeatAt !== undefined) {
      const start = Number(repeatAt);
      const same = events.length > 0 && events.every((e, i) => stream[start + i]?.id === e.id);
      if (!same) return fail(); // also "corrupted idempotency": a partial repeat
      const last = stream[start + events.length - 1]!;
      return { ok: true, current: last.revision, position: { commit: last.commit, prepare: last.prepare } };
    }
    if (events.length === 0) return { ok: true, current };
    const last = this.write(name, events);
    return { ok: true, current: last.revision, position: { commit: last.commit, prepare: last.prepare } };
  }

  private write(name: string, events: Proposed[]): StoredEvent {
    const stream = this.streams.get(name) ?? [];
    this.streams.set(name, stream);
    const created = BigInt(Date.now()) * 10_000n;
    for (const p of events) {
      const stored: StoredEvent = {
        ...p, stream: name, revision: BigInt(stream.length), created, commit: this.end, prepare: this.end,
      };
      this.end += BigInt(64 + name.length + p.type.length + p.data.length + p.metadata.length);
      stream.push(stored);
      this.all.push(stored);
    }
    for (const listener of [...this.listeners]) listener();
    return stream[stream.length - 1]!;
  }

  readStream(name: string, backwards: boolean, from: bigint | 'start' | 'end', count: bigint): StoredEvent[] | undefined {
    const stream = this.streams.get(name);
    if (!stream) return undefined;
    const rev = from === 'start' ? 0n : from;
    const picked = backwards
      ? stream.filter((e) => rev === 'end' || e.revision <= rev).reverse()
      : stream.filter((e) => rev !== 'end' && e.revision >= rev);
    return picked.slice(0, Number(count));
  }

  /** Forwards from a position is inclusive; backwards from a position is exclusive (as on the server). */
  readAll(backwards: boolean, from: LogPosition | 'start' | 'end'): StoredEvent[] {
    if (backwards) {
      if (from === 'start') return [];
      return this.all.filter((e) => from === 'end' || comparePositions(e, from) < 0).reverse();
    }
    if (from === 'end') return [];
    return from === 'start' ? [...this.all] : this.all.filter((e) => comparePositions(e, from) >= 0);
  }

  /** Index of the first event strictly after `from`: where a subscription starts. */
  indexAfter(from: LogPosition | 'start' | 'end'): number {
    if (from === 'start') return 0;
    if (from === 'end') return this.all.length;
    const i = this.all.findIndex((e) => comparePositions(e, from) > 0);
    return i < 0 ? this.all.length : i;
  }
}
