import { expect } from 'chai';
import { PushDispatcher, signBody, type PushJob } from '../../src/access-requests/pushDispatcher.js';
import { createLogger } from '../../src/logger.js';
import { eventually, PushProviderServer } from '../support/webmethods.js';

const SECRET = 'tlwh_unit-test-signing-secret';

describe('push delivery to providers', () => {
  let server: PushProviderServer;
  let logs: Array<Record<string, unknown>>;
  let dispatcher: PushDispatcher;

  const logger = () => createLogger('info', { write: (line: string) => void logs.push(JSON.parse(line)) });
  const job = (eventId: string, over: Partial<PushJob> = {}): PushJob & { acceptedCount: () => number } => {
    let accepted = 0;
    return {
      eventId,
      target: { providerId: 'p-1', callbackUrl: server.url, signingSecret: SECRET },
      payload: { eventId, eventStatus: 'NEW' },
      stillWanted: async () => true,
      accepted: async () => void accepted++,
      acceptedCount: () => accepted,
      ...over,
    };
  };

  beforeEach(async () => {
    logs = [];
    server = await new PushProviderServer().start();
    server.secret = SECRET;
    dispatcher = new PushDispatcher({ retryBaseMs: 10, maxAttempts: 4, timeoutMs: 2000, logger: logger() });
  });
  afterEach(async () => {
    await dispatcher.close();
    await server.stop();
  });

  it('signs the exact body with HMAC-SHA256 under the provider secret', () => {
    // RFC 4231-style known answer (the classic "quick brown fox" HMAC-SHA256 vector).
    expect(signBody('key', 'The quick brown fox jumps over the lazy dog')).to.equal('sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8');
    expect(signBody('k', '{"a":1}')).to.match(/^sha256=[0-9a-f]{64}$/);
    expect(signBody('k', '{"a":1}')).to.not.equal(signBody('other', '{"a":1}'));
  });

  it('retries failures with exponential backoff, then records the acceptance once', async () => {
    server.script = [500, 503, 302];
    const j = job('e-1');
    expect(dispatcher.start(j)).to.equal(true);
    await eventually(() => j.acceptedCount(), (n) => n === 1, 'acceptance');
    expect(server.received.map((r) => r.answered)).to.deep.equal([500, 503, 302, 200]);
    expect(server.received.every((r) => r.signatureValid)).to.equal(true);
    expect(JSON.parse(server.received[0]!.body)).to.deep.equal({ eventId: 'e-1', eventStatus: 'NEW' });
    const waits = logs.filter((l) => l.msg === 'push delivery failed; retrying').map((l) => l.retryInMs);
    expect(waits).to.deep.equal([10, 20, 40]);
  });

  it('gives up after the last attempt without acknowledging', async () => {
    server.script = [500, 500, 500, 500, 500];
    const j = job('e-2');
    dispatcher.start(j);
    await eventually(() => dispatcher.isRunning('e-2'), (running) => !running, 'the job to end');
    expect(server.received).to.have.length(4);
    expect(j.acceptedCount()).to.equal(0);
    expect(logs.some((l) => l.msg === 'push delivery gave up; the next sweep tries again')).to.equal(true);
  });

  it('stops once the event no longer needs pushing (a pull acknowledged it meanwhile)', async () => {
    server.script = [500, 500];
    let wanted = true;
    const j = job('e-3', {
      stillWanted: async () => {
        const now = wanted;
        wanted = false;
        return now;
      },
    });
    dispatcher.start(j);
    await eventually(() => dispatcher.isRunning('e-3'), (running) => !running, 'the job to end');
    expect(server.received).to.have.length(1);
  });

  it('runs one delivery per event at a time', async () => {
    server.script = [500];
    expect(dispatcher.start(job('e-4'))).to.equal(true);
    expect(dispatcher.start(job('e-4'))).to.equal(false);
    await eventually(() => dispatcher.isRunning('e-4'), (running) => !running, 'the job to end');
    expect(server.for('e-4').map((r) => r.answered)).to.deep.equal([500, 200]);
  });

  it('an unreachable provider counts as a failure, and close() ends the waiting retries', async () => {
    const slow = new PushDispatcher({ retryBaseMs: 60_000, maxAttempts: 3, timeoutMs: 500, logger: logger() });
    const j = job('e-5', { target: { providerId: 'p-1', callbackUrl: 'http://127.0.0.1:9/unreachable', signingSecret: SECRET } });
    slow.start(j);
    await eventually(() => logs.some((l) => l.msg === 'push delivery failed; retrying' && l.status === 0), Boolean, 'the first failure');
    await slow.close();
    expect(slow.isRunning('e-5')).to.equal(false);
    expect(j.acceptedCount()).to.equal(0);
  });
});
