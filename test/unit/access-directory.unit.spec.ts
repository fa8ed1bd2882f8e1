import { expect } from 'chai';
import { applicationDecider, providerDecider, type ProviderEvent } from '../../src/access-requests/directory.js';
import { loadConfig } from '../../src/config.js';
import { Conflict } from '../../src/errors.js';
import { deciderSpec } from '../support/deciderSpec.js';

const T0 = new Date('2026-03-01T10:00:00Z');

describe('access directory deciders', () => {
  const providers = deciderSpec(providerDecider);
  const provider = { providerId: 'p-1', name: 'Acme', username: 'acme', mode: 'push' as const, callbackUrl: 'https://acme.example/hook', signingSecretSealed: 'v1.x' };
  const registered: ProviderEvent = { type: 'ProviderRegistered', data: { ...provider, registeredAt: T0.toISOString() } };

  it('given nothing, when a provider registers, then ProviderRegistered', () =>
    providers.given([]).when({ type: 'RegisterProvider', provider, now: T0 }).then([registered]));
  it('given a provider, when it registers again, then 409', () =>
    providers.given([registered]).when({ type: 'RegisterProvider', provider, now: T0 }).thenThrows(Conflict));

  const apps = deciderSpec(applicationDecider);
  const created = { type: 'ApplicationCreated' as const, data: { appId: 'a-1', name: 'weather', owner: 'alice', createdAt: T0.toISOString() } };
  it('given nothing, when an application is created, then ApplicationCreated owned by its consumer', () =>
    apps.given([]).when({ type: 'CreateApplication', appId: 'a-1', name: 'weather', owner: 'alice', now: T0 }).then([created]));
  it('given an application, when created again, then 409', () =>
    apps.given([created]).when({ type: 'CreateApplication', appId: 'a-1', name: 'weather', owner: 'alice', now: T0 }).thenThrows(Conflict));
});

describe('access workflow configuration', () => {
  it('defaults to 30 days and an hourly sweep', () => {
    expect(loadConfig({}).accessWorkflow).to.deep.include({ expiryDays: 30, sweepIntervalSeconds: 3600, pushMaxAttempts: 8 });
  });
  it('reads LEDGER_ACCESS_EVENT_EXPIRY_DAYS and the push retry settings', () => {
    const c = loadConfig({ LEDGER_ACCESS_EVENT_EXPIRY_DAYS: '7', LEDGER_ACCESS_PUSH_RETRY_BASE_MS: '50', LEDGER_ACCESS_PUSH_MAX_ATTEMPTS: '3' });
    expect(c.accessWorkflow).to.deep.include({ expiryDays: 7, pushRetryBaseMs: 50, pushMaxAttempts: 3 });
  });
  it('refuses a value that is not a number', () => {
    expect(() => loadConfig({ LEDGER_ACCESS_EVENT_EXPIRY_DAYS: 'thirty' })).to.throw('LEDGER_ACCESS_EVENT_EXPIRY_DAYS');
  });
});
