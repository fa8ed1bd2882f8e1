// Translation between the EventStore port and @eventstore/db-client types. Only this folder sees vendor types.
import {
  ANY,
  jsonEvent,
  NO_STREAM,
  STREAM_EXISTS,
  type AllStreamResolvedEvent,
  type AppendExpectedRevision,
  type CurrentRevision,
  type EventData,
  type Position,
  type ResolvedEvent,
} from '@eventstore/db-client';
import type { EventMetadata, ExpectedRevision, NewEvent, RecordedEvent } from '../eventStore.js';
import { eventHash } from '../hashChain.js';
import { setBounded } from '../../boundedMap.js';

/** The ledger's own fields, kept inside the ESDB event metadata next to the port's metadata. */
export interface LedgerStamp {
  prevHash: string;
  hash: string;
  /** The exact recordedAt that went into `hash` (ESDB's own `created` is set by the server). */
  recordedAt: string;
}

/** "No position" as the server sends it (uint64 max), e.g. on stream reads before 22.6. */
const NO_POSITION = 2n ** 64n - 1n;

export function toVendorRevision(expected: ExpectedRevision): AppendExpectedRevision {
  switch (expected) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    default:
      return expected;
  }
}

export function fromVendorRevision(current: CurrentRevision): bigint | 'no_stream' {
  return current === NO_STREAM ? 'no_stream' : current;
}

/**
 * The stream of a follower's checkpoint (`EventStore.saveCheckpoint`): a user stream, so the
 * service's user needs no $admins rights for it, but hidden from reads and subscriptions as the
 * server's own `$…` streams are. No ledger stream starts so.
 */
export const CHECKPOINT_STREAM_PREFIX = 'ledger-checkpoint-';

/** The server's own streams and the checkpoint streams: no read or subscription of the port returns their events. */
export const isSystemStream = (stream: string) => stream.startsWith('$') || stream.startsWith(CHECKPOINT_STREAM_PREFIX);

/** Builds the ESDB events of one append, chaining hashes from `prevHash` at revision `first`. */
export function toEventData(
  stream: string,
  events: NewEvent[],
  first: bigint,
  prevHash: string,
  recordedAt: Date,
): EventData[] {
  return events.map((e, i) => {
    const hash = eventHash(prevHash, { id: e.id, type: e.type, data: e.data, metadata: e.metadata, stream, revision: first + BigInt(i), recordedAt });
    const $ledger: LedgerStamp = { prevHash, hash, recordedAt: recordedAt.toISOString() };
    prevHash = hash;
    return jsonEvent({ id: e.id, type: e.type, data: e.data, metadata: { ...e.metadata, $ledger } });
  });
}

/** A port event from a read or subscription result; undefined for links, system and non-JSON events. */
export function toRecorded(resolved: ResolvedEvent | AllStreamResolvedEvent): RecordedEvent | undefined {
  const e = resolved.event;
  if (!e || !e.isJson || isSystemStream(e.streamId)) return undefined;
  const { $ledger, ...metadata } = (e.metadata ?? {}) as Record<string, unknown> & { $ledger?: LedgerStamp };
  const commit = resolved.commitPosition ?? e.position?.commit;
  return {
    id: e.id,
    type: e.type,
    stream: e.streamId,
    revision: e.revision,
    // -1n: the server did not report the $all position (stream reads on servers before 22.6).
    position: commit === undefined || commit === NO_POSITION ? -1n : commit,
    data: e.data as Record<string, unknown>,
    metadata: metadata as unknown as EventMetadata,
    recordedAt: $ledger ? new Date($ledger.recordedAt) : e.created,
    prevHash: $ledger?.prevHash ?? '',
    hash: $ledger?.hash ?? '',
  };
}

/** The full $all position of a read result, if the server sent one. */
export function positionOf(resolved: ResolvedEvent | AllStreamResolvedEvent): Position | undefined {
  const p = resolved.event?.position;
  return p && p.commit !== NO_POSITION ? p : undefined;
}

/**
 * The port exposes only the commit position, but ESDB reads and subscriptions need commit and
 * prepare. Events appended over gRPC have prepare == commit, so that is the fallback; positions
 * seen recently are remembered exactly.
 */
export class PositionBook {
  private readonly prepares = new Map<bigint, bigint>();

  constructor(private readonly capacity = 10_000) {}

  remember(p: Position | undefined): void {
    if (!p || p.prepare === p.commit || this.prepares.has(p.commit)) return;
    setBounded(this.prepares, p.commit, p.prepare, this.capacity);
  }

  full(commit: bigint): Position {
    return { commit, prepare: this.prepares.get(commit) ?? commit };
  }
}
