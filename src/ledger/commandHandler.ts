import type { Decider, DomainEvent } from './decider.js';
import { setBounded } from '../boundedMap.js';
import { isWrongExpectedRevision, type EventMetadata, type EventStore, type ExpectedRevision } from './eventStore.js';
import { timeOrderedId } from '../ids.js';

export interface CommandContext {
  actor: string;
  correlationId: string;
  causationId?: string;
  /** ISO time of the decision, from the injected clock. */
  time: string;
}

export interface HandledCommand<State, Event> {
  state: State;
  events: Event[];
  nextRevision: bigint;
  /** `$all` position of the last appended event; undefined when nothing was appended. */
  position?: bigint;
}

/** Called on every event before append; throws when an event breaks its schema. */
export type EventValidator = (event: DomainEvent) => void;

const MAX_ATTEMPTS = 5;

/** A stream's state as of a revision (`no_stream`: it has no events yet). */
export interface LoadedStream<State> {
  state: State;
  expected: ExpectedRevision;
  /** Taken for new without a read (`loadToDecide`): only an append expecting no stream proves it. */
  presumedNew?: true;
}

type Folder<State> = { initialState(): State; evolve(state: State, event: never): State };

/**
 * The folded states of streams this process decided on lately, so that loading a stream reads only
 * the events appended since (a refresh family's stream grows by one event a rotation: folding it
 * whole made each rotation cost more than the one before). A state is kept per decider, since one
 * stream may be folded by more than one. States are never mutated (`evolve` returns new ones), so
 * they can be shared. Events appended by another process are read as the tail, like any other.
 */
export class StreamStates {
  private readonly entries = new Map<string, { folder: object; state: unknown; revision: bigint }>();

  constructor(private readonly maxEntries = 10_000) {}

  get<State>(stream: string, folder: Folder<State>): { state: State; revision: bigint } | undefined {
    const entry = this.entries.get(stream);
    return entry && entry.folder === folder ? (entry as { state: State; revision: bigint }) : undefined;
  }

  set<State>(stream: string, folder: Folder<State>, state: State, revision: bigint): void {
    this.entries.delete(stream); // the most recently used goes last, and is evicted last
    setBounded(this.entries, stream, { folder, state, revision }, this.maxEntries);
  }
}

/** Reads a stream and folds it, or with `states`, only what was appended since the state kept. */
export async function loadStream<State, Event extends DomainEvent>(
  store: EventStore,
  stream: string,
  decider: { initialState(): State; evolve(state: State, event: Event): State },
  states?: StreamStates,
): Promise<LoadedStream<State>> {
  const kept = states?.get(stream, decider);
  const recorded = await store.readStream(stream, kept ? { fromRevision: kept.revision + 1n } : undefined);
  const state = foldEvents(decider, recorded, kept?.state);
  const revision = recorded.length > 0 ? recorded[recorded.length - 1]!.revision : kept?.revision;
  if (revision === undefined) return { state, expected: 'no_stream' };
  states?.set(stream, decider, state, revision);
  return { state, expected: revision };
}

/**
 * `loadStream` for a decision: a stream the store says has no events is not read (EventStore's
 * `streamMayExist`), on a first attempt only, and is `presumedNew`. If another process created it
 * meanwhile, the append (expecting no stream) fails as a conflict, and the retry reads it; a
 * decision that appends nothing is made again on the stream as read (see handleCommand).
 */
export function loadToDecide<State, Event extends DomainEvent>(
  store: EventStore,
  stream: string,
  decider: { initialState(): State; evolve(state: State, event: Event): State },
  states: StreamStates | undefined,
  firstAttempt: boolean,
): LoadedStream<State> | Promise<LoadedStream<State>> {
  if (firstAttempt && store.streamMayExist?.(stream) === false) return { state: decider.initialState(), expected: 'no_stream', presumedNew: true };
  return loadStream(store, stream, decider, states);
}

/**
 * Read the stream, fold `evolve`, `decide`, append with the revision the decision was based on.
 * Only a version conflict is retried, a bounded number of times; any other error goes up as is.
 *
 * Options: `streamIsNew` skips the first read of a stream named by a fresh random id (it cannot
 * exist yet, and `no_stream` proves it); `loaded` is the caller's own load of the stream, just
 * made; `states` keeps folded states between commands (see StreamStates). Whenever the stream has
 * moved on in between, the append conflicts and the retry loads the stream afresh.
 */
export async function handleCommand<State, Command, Event extends DomainEvent>(
  store: EventStore,
  stream: string,
  decider: Decider<State, Command, Event>,
  command: Command | ((state: State) => Command),
  context: CommandContext,
  validate?: EventValidator,
  options: { streamIsNew?: boolean; loaded?: LoadedStream<State>; states?: StreamStates } = {},
): Promise<HandledCommand<State, Event>> {
  for (let attempt = 1; ; attempt++) {
    const unread = attempt === 1 && options.streamIsNew;
    const loaded: LoadedStream<State> = unread
      ? { state: decider.initialState(), expected: 'no_stream' }
      : attempt === 1 && options.loaded
        ? options.loaded
        : await loadToDecide(store, stream, decider, options.states, attempt === 1);
    const { state, expected } = loaded;
    const cmd = typeof command === 'function' ? (command as (s: State) => Command)(state) : command;
    // A decision on a stream presumed new stands only if it appends, for the append proves the
    // stream new. One that refuses (the stream must exist, say) or appends nothing might be
    // answering for a stream another process created: it is made again on the stream as read.
    let events: Event[];
    try {
      events = decider.decide(cmd, state);
    } catch (error) {
      if (loaded.presumedNew) continue;
      throw error;
    }
    if (events.length === 0) {
      if (loaded.presumedNew) continue;
      return { state, events, nextRevision: expected === 'no_stream' ? -1n : (expected as bigint) };
    }
    events.forEach((e) => validate?.(e));
    try {
      const result = await store.append(stream, events.map((e) => toNewEvent(e, context)), expected);
      const next = events.reduce(decider.evolve, state);
      // A new stream (an access token, mostly) is kept only once it is decided on again: kept at
      // birth, a stream of tokens issued in bulk would evict the families being rotated.
      if (!unread) options.states?.set(stream, decider, next, result.nextRevision);
      return { state: next, events, ...result };
    } catch (error) {
      if (!isWrongExpectedRevision(error) || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}

/** Folds `recorded` onto `from` (by default the decider's initial state). */
export function foldEvents<State, Event extends DomainEvent>(
  decider: { initialState(): State; evolve(state: State, event: Event): State },
  recorded: ReadonlyArray<{ type: string; data: object }>,
  from: State = decider.initialState(),
): State {
  return recorded.reduce((s, e) => decider.evolve(s, { type: e.type, data: e.data } as Event), from);
}

export function toNewEvent(event: DomainEvent, context: CommandContext, schemaVersion = 1) {
  const metadata: EventMetadata = {
    actor: context.actor,
    correlationId: context.correlationId,
    causationId: context.causationId ?? context.correlationId,
    schemaVersion,
    time: context.time,
  };
  return { id: timeOrderedId(Date.parse(context.time)), type: event.type, data: event.data as Record<string, unknown>, metadata };
}
