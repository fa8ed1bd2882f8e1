import { expect } from 'chai';
import { generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import type { Worker } from 'node:worker_threads';
import { PUBLIC_KEY_SIGNING, SigningThread } from '../../src/credentials/signing.js';

describe('SigningThread: public-key signatures in a thread of their own', function () {
  this.timeout(20_000);
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ed = generateKeyPairSync('ed25519');
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const verifies = (alg: string, publicKey: KeyObject, token: string) => {
    const at = token.lastIndexOf('.');
    const how = PUBLIC_KEY_SIGNING.get(alg)!;
    return verify(how.digest, Buffer.from(token.slice(0, at)), { key: publicKey, dsaEncoding: how.dsaEncoding }, Buffer.from(token.slice(at + 1), 'base64url'));
  };

  it('signs what one event-loop turn asks for in one message, with each key, and every signature verifies', async () => {
    const thread = new SigningThread();
    const asks = Array.from({ length: 30 }, (_, i) => {
      const [alg, pair] = i % 3 === 0 ? ['ES256', ec] : i % 3 === 1 ? ['EdDSA', ed] : ['RS256', rsa];
      return { alg, pair, input: `header.payload-${i}` };
    });
    const tokens = await Promise.all(asks.map((a) => thread.sign(a.alg, a.pair.privateKey, a.input)));
    expect(thread.batchesSent).to.equal(1);
    tokens.forEach((t, i) => {
      expect(t.startsWith(`${asks[i]!.input}.`)).to.equal(true);
      expect(verifies(asks[i]!.alg, asks[i]!.pair.publicKey, t), `token ${i}`).to.equal(true);
      expect(verifies(asks[i]!.alg, asks[i]!.pair.publicKey, t.replace('payload', 'pay1oad'))).to.equal(false);
    });
    // A later turn reuses the keys the thread already holds.
    const again = await thread.sign('ES256', ec.privateKey, 'h.p');
    expect([thread.batchesSent, verifies('ES256', ec.publicKey, again)]).to.deep.equal([2, true]);
  });

  it('verifies in the same batches as it signs: true for a signature of the input under the key, false otherwise', async () => {
    const thread = new SigningThread();
    const pairs = [['ES256', ec], ['EdDSA', ed], ['RS256', rsa]] as const;
    const tokens = await Promise.all(pairs.map(([alg, pair]) => thread.sign(alg, pair.privateKey, `h.p-${alg}`)));
    const split = (t: string) => [t.slice(0, t.lastIndexOf('.')), t.slice(t.lastIndexOf('.') + 1)] as const;
    const before = thread.batchesSent;
    const answers = await Promise.all([
      ...pairs.map(([alg, pair], i) => thread.verify(alg, pair.publicKey, ...split(tokens[i]!))),
      ...pairs.map(([alg, pair], i) => thread.verify(alg, pair.publicKey, `${split(tokens[i]!)[0]}x`, split(tokens[i]!)[1])),
      thread.verify('ES256', generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey, ...split(tokens[0]!)),
      thread.sign('ES256', ec.privateKey, 'h.same-batch').then((t) => verifies('ES256', ec.publicKey, t)),
    ]);
    expect(answers).to.deep.equal([true, true, true, false, false, false, false, true]);
    expect(thread.batchesSent - before).to.equal(1);
  });

  it('fails what a lost thread held, then starts a new one and sends it the keys again', async () => {
    const thread = new SigningThread();
    await thread.sign('ES256', ec.privateKey, 'h.first');
    // A batch the thread needs a second or more for (RSA-2048 signs in ~1.5 ms), so that it is still
    // signing when it is terminated: the thread answers a batch in one message, at its end.
    const held = Array.from({ length: 600 }, (_, i) => thread.sign('RS256', rsa.privateKey, `h.held-${i}`));
    await new Promise((r) => setImmediate(r)); // after the turn's flush: the jobs are in the thread
    expect(thread.batchesSent).to.equal(2);
    await (Reflect.get(thread, 'worker') as Worker).terminate();
    const outcomes = await Promise.all(held.map((p) => p.then(() => 'signed', (e: Error) => e.message)));
    expect(new Set(outcomes).size).to.equal(1);
    expect(outcomes[0]).to.match(/^the signing thread exited/);
    const after = await thread.sign('ES256', ec.privateKey, 'h.after');
    expect(verifies('ES256', ec.publicKey, after)).to.equal(true);
  });
});
