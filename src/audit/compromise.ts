import { assertNever, type Decider, type DomainEvent } from '../ledger/decider.js';

export type CompromiseEvent = DomainEvent<
  'CredentialCompromised',
  { credentialId: string; compromisedAt: string; reportedAt: string; descendants: string[] }
>;

type CompromiseState = { reported: boolean };

type ReportCompromise = {
  type: 'ReportCompromise';
  credentialId: string;
  compromisedAt: Date;
  reportedAt: Date;
  descendants: string[];
};

/** A compromise report lives in its own stream, so any family's credential can be reported. */
export const compromiseDecider: Decider<CompromiseState, ReportCompromise, CompromiseEvent> = {
  initialState: () => ({ reported: false }),
  evolve: (_state, event) => {
    switch (event.type) {
      case 'CredentialCompromised':
        return { reported: true };
      default:
        return assertNever(event.type);
    }
  },
  decide: (c) => [
    {
      type: 'CredentialCompromised',
      data: {
        credentialId: c.credentialId,
        compromisedAt: c.compromisedAt.toISOString(),
        reportedAt: c.reportedAt.toISOString(),
        descendants: c.descendants,
      },
    },
  ],
};

export const compromiseStream = (credentialId: string) => `compromise-${credentialId}`;
