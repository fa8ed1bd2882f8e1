import type { Decider, DomainEvent } from './decider.js';
import { isWrongExpectedRevision, type EventMetadata, type EventStore, type ExpectedRevision, type RecordedEvent } from './eventStore.js';
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

/**
 * Read the stream, fold `evolve`, `decide`, append with the revision the decision was based on.
 * Only a version conflict is retried, a bounded number of times; any other error goes up as is.
 */
export async function handleCommand<State, Command, Event extends DomainEvent>(
  store: EventStore,
  stream: string,
  decider: Decider<State, Command, Event>,
  command: Command | ((state: State) => Command),
  context: CommandContext,
  validate?: EventValidator,
  options: { streamIsNew?: boolean; recorded?: readonly RecordedEvent[] } = {},
): Promise<HandledCommand<State, Event>> {
  for (let attempt = 1; ; attempt++) {
    // A stream named by a fresh random id cannot exist yet: skip the read, and let `no_stream`
    // prove it. A caller that has just read the stream passes what it read. Either way, if the
    // stream has moved on, the conflict sends us round the normal loop, which reads it afresh.
    const recorded = attempt > 1 ? await store.readStream(stream) : options.streamIsNew ? [] : (options.recorded ?? (await store.readStream(stream)));
    const state = foldEvents(decider, recorded);
    const expected: ExpectedRevision = recorded.length === 0 ? 'no_stream' : recorded[recorded.length - 1]!.revision;
    const cmd = typeof command === 'function' ? (command as (s: State) => Command)(state) : command;
    const events = decider.decide(cmd, state);
    if (events.length === 0) {
      return { state, events, nextRevision: recorded.length === 0 ? -1n : (expected as bigint) };
    }
    events.forEach((e) => validate?.(e));
    try {
      const result = await store.append(stream, events.map((e) => toNewEvent(e, context)), expected);
      return { state: events.reduce(decider.evolve, state), events, ...result };
    } catch (error) {
      if (!isWrongExpectedRevision(error) || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}

export function foldEvents<State, Event extends DomainEvent>(
  decider: { initialState(): State; evolve(state: State, event: Event): State },
  recorded: ReadonlyArray<{ type: string; data: object }>,
): State {
  return recorded.reduce((s, e) => decider.evolve(s, { type: e.type, data: e.data } as Event), decider.initialState());
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
