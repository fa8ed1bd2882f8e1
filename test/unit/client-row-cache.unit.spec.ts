import { expect } from 'chai';
import { clientStream } from '../../src/clients/client.js';
import { clientRowKey } from '../../src/clients/clientService.js';
import { credentialStream } from '../../src/credentials/decide.js';
import type { ProjectedEvent } from '../../src/ledger/eventStore.js';
import type { ProjectionRunner } from '../../src/readmodels/projectionRunner.js';
import { RowCache } from '../../src/readmodels/rowCache.js';

describe('ClientService: the cached rows of clients', () => {
  const clientId = 'c1';
  const event = (stream: string, type: string, data: Record<string, unknown>) =>
    ({ stream, type, data, revision: 0n, position: 1n, recordedAt: new Date(0) }) as ProjectedEvent;

  function cacheFedBy() {
    let applied!: (events: readonly ProjectedEvent[]) => void;
    const runner = { onApplied: (listener: typeof applied) => (applied = listener) } as unknown as ProjectionRunner;
    const cache = new RowCache<string>(runner, clientRowKey);
    cache.set(clientId, 'row');
    return { cache, apply: (...events: ProjectedEvent[]) => applied(events) };
  }

  it('keeps a client row while tokens are issued to the client', () => {
    const { cache, apply } = cacheFedBy();
    apply(event(credentialStream('t1'), 'CredentialIssued', { credentialId: 't1', clientId }));
    expect(cache.get(clientId)).to.equal('row');
  });

  it('drops it for an event of the client itself', () => {
    const { cache, apply } = cacheFedBy();
    apply(event(clientStream(clientId), 'ClientRegistered', { clientId }));
    expect(cache.get(clientId)).to.equal(undefined);
  });
});
