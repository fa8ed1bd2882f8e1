import { expect } from 'chai';
import type { Decider, DomainEvent } from '../../src/ledger/decider.js';

/** Domain tests read as given(past events).when(command).then(new events) or .thenThrows(ErrorType). */
export function deciderSpec<S, C, E extends DomainEvent>(decider: Decider<S, C, E>) {
  return {
    given(events: E[]) {
      const state = events.reduce(decider.evolve, decider.initialState());
      return {
        when(command: C) {
          const run = () => decider.decide(command, state);
          return {
            then(expected: E[]) {
              expect(run()).to.deep.equal(expected);
            },
            thenThrows(errorType: new (...args: never[]) => Error, message?: string | RegExp) {
              expect(run).to.throw(errorType as never, message as never);
            },
            /** For decisions whose events carry generated values. */
            thenTypes(types: string[]) {
              expect(run().map((e) => e.type)).to.deep.equal(types);
            },
          };
        },
      };
    },
  };
}
