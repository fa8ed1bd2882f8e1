import { expect } from 'chai';
import fc from 'fast-check';
import { isActiveAt, type CredentialEvent, type CredentialState } from '../../src/credentials/credential.js';
import { credentialDecider, type CredentialCommand } from '../../src/credentials/decide.js';
import { MemoryEventStore } from '../../src/ledger/memory/memoryEventStore.js';
import { foldEvents, handleCommand } from '../../src/ledger/commandHandler.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const hashes = ['a', 'b', 'c', 'd', 'e'].map((c) => c.repeat(64));

/** Arbitrary command sequences against one credential: issue, rotations (with reuse), revocations, time passing. */
const commandArb: fc.Arbitrary<(now: Date) => CredentialCommand> = fc.oneof(
  fc.constantFrom('access_token', 'refresh_token').map((kind) => (now: Date) => ({
    type: 'IssueCredential' as const,
    data: {
      credentialId: 'c1',
      kind,
      subject: 's',
      clientId: null,
      scopes: [],
      roles: [],
      issuedAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + 3600_000).toISOString(),
      kid: null,
      tokenHash: hashes[0]!,
      familyId: null,
      parentId: null,
    },
  })),
  fc.tuple(fc.constantFrom(...hashes), fc.constantFrom(...hashes)).map(([presented, next]) => (now: Date) => ({
    type: 'RotateRefreshToken' as const,
    presentedHash: presented,
    newHash: next,
    accessTokenId: 'a',
    now,
    graceSeconds: 10,
    ttlSeconds: 3600,
  })),
  fc.constant((now: Date) => ({ type: 'RevokeCredential' as const, reason: 'r', now })),
);
const stepsArb = fc.array(fc.tuple(commandArb, fc.integer({ min: 0, max: 4000 })), { maxLength: 30 });

describe('credential decider properties (fast-check)', () => {
  it('for any command sequence: a revoked credential never becomes active again; revisions strictly increase; replay equals the live state', async () => {
    await fc.assert(
      fc.asyncProperty(stepsArb, async (steps) => {
        const store = new MemoryEventStore();
        let now = T0;
        let live: CredentialState = credentialDecider.initialState();
        let revoked = false;
        let lastRevision = -1n;
        for (const [command, advanceSeconds] of steps) {
          now += advanceSeconds * 1000;
          const at = new Date(now);
          try {
            const r = await handleCommand(store, 'credential-c1', credentialDecider, command(at), { actor: 't', correlationId: 'c', time: at.toISOString() });
            live = r.state;
            if (r.events.length > 0) {
              expect(r.nextRevision > lastRevision).to.equal(true);
              lastRevision = r.nextRevision;
            }
          } catch (error) {
            expect((error as { status?: number }).status, String(error)).to.be.oneOf([400, 404, 409]);
          }
          if (live.status === 'revoked') revoked = true;
          if (revoked) {
            expect(live.status).to.equal('revoked');
            expect(isActiveAt(live, at)).to.equal(false);
          }
        }
        const recorded = await store.readStream('credential-c1');
        recorded.forEach((e, i) => expect(e.revision).to.equal(BigInt(i)));
        expect(foldEvents(credentialDecider, recorded as unknown as CredentialEvent[])).to.deep.equal(live);
      }),
      { numRuns: 300 },
    );
  });
});
