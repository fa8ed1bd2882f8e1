// Signs and verifies JWS inputs with public-key algorithms for SigningThread (see there). Messages
// in: { batch, keys?: [kid, KeyObject][], jobs: [kid, alg, input, signature?][] }; out: { batch,
// results } with, per job in order, a base64url signature made, whether the given one verifies, or
// an { error }.
import { sign, type KeyObject } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { PUBLIC_KEY_SIGNING, signatureVerifies } from './signing.js';

const keys = new Map<string, KeyObject>();

parentPort!.on('message', (m: { batch: number; keys?: Array<[string, KeyObject]>; jobs: Array<[string, string, string, string?]> }) => {
  for (const [kid, key] of m.keys ?? []) keys.set(kid, key);
  const results = m.jobs.map(([kid, alg, input, signature]) => {
    try {
      const key = keys.get(kid)!;
      if (signature !== undefined) return signatureVerifies(alg, key, input, Buffer.from(signature, 'base64url'));
      const how = PUBLIC_KEY_SIGNING.get(alg)!;
      return sign(how.digest, Buffer.from(input), { key, dsaEncoding: how.dsaEncoding }).toString('base64url');
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) };
    }
  });
  parentPort!.postMessage({ batch: m.batch, results });
});
