// Signs JWS inputs with public-key algorithms for SigningThread (see there). Messages in:
// { batch, keys?: [kid, KeyObject][], jobs: [kid, alg, input][] }; out: { batch, results } with a
// base64url signature or an { error } per job, in order.
import { sign, type KeyObject } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { PUBLIC_KEY_SIGNING } from './signing.js';

const keys = new Map<string, KeyObject>();

parentPort!.on('message', (m: { batch: number; keys?: Array<[string, KeyObject]>; jobs: Array<[string, string, string]> }) => {
  for (const [kid, key] of m.keys ?? []) keys.set(kid, key);
  const results = m.jobs.map(([kid, alg, input]) => {
    try {
      const how = PUBLIC_KEY_SIGNING.get(alg)!;
      return sign(how.digest, Buffer.from(input), { key: keys.get(kid)!, dsaEncoding: how.dsaEncoding }).toString('base64url');
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) };
    }
  });
  parentPort!.postMessage({ batch: m.batch, results });
});
