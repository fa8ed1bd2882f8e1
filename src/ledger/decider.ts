/** A domain event as the decider sees it: no ids, no positions, no metadata. */
export interface DomainEvent<T extends string = string, D extends object = object> {
  type: T;
  data: D;
}

/** The whole domain contract: pure functions, no I/O, no clock. */
export interface Decider<State, Command, Event extends DomainEvent> {
  initialState(): State;
  evolve(state: State, event: Event): State;
  decide(command: Command, state: State): Event[];
}

/** Fails to compile when a switch misses a case. */
export function assertNever(value: never): never {
  throw new Error(`Unhandled case: ${JSON.stringify(value)}`);
}
