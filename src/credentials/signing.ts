import { verify, type KeyObject } from 'node:crypto';
import type { Worker } from 'node:worker_threads';
import { spawnWorker } from '../workers/spawnWorker.js';
import { TurnBatch } from '../turnBatch.js';

/**
 * How node's `sign` and `verify` are called for each public-key algorithm. `verifyInLine`: a check
 * cheap enough for the event loop. RSA verifies with the public exponent, ~37 µs on the benchmark
 * VM, less than a lone job's hand-off to the signing thread costs the loop; ES256 and EdDSA take
 * ~85 and ~134 µs in line, so they are checked in the thread.
 */
export const PUBLIC_KEY_SIGNING = new Map<string, { digest: string | null; dsaEncoding?: 'ieee-p1363'; verifyInLine?: true }>([
  ['ES256', { digest: 'sha256', dsaEncoding: 'ieee-p1363' }],
  ['RS256', { digest: 'sha256', verifyInLine: true }],
  ['EdDSA', { digest: null }],
]);

/** Whether `signature` (the decoded bytes) is the JWS signature of `input` under `key`, by node's `verify`. */
export function signatureVerifies(alg: string, key: KeyObject, input: string, signature: Uint8Array): boolean {
  const how = PUBLIC_KEY_SIGNING.get(alg)!;
  return verify(how.digest, Buffer.from(input), { key, dsaEncoding: how.dsaEncoding }, signature);
}

/** Each KeyObject's name in the signing thread, which holds a copy of it. */
const keyIds = new WeakMap<KeyObject, string>();
let keysNamed = 0;

interface Job {
  kid: string;
  alg: string;
  input: string;
  /** A verification's base64url signature; absent for a signature to make. */
  signature?: string;
  /** The thread's answer: a base64url signature made, or whether the one given verifies. */
  resolve(result: string | boolean): void;
  reject(error: Error): void;
}

/**
 * Signs and verifies with the public-key algorithms in a thread of its own, a batch at a time.
 *
 * Signing on the event loop costs it the whole signature (ES256: ~25 µs). Handing each signature to
 * libuv's pool spares that, but waking a pool thread per token cost the loop's thread 10-15 µs on
 * the benchmark VM (a futex wake and the scheduler, seen with perf). Here the signatures asked for
 * in one event-loop turn go to the signing thread in one message, so the loop pays one wake-up a
 * turn, not one a token. Keys are sent once, the first time each is used (a KeyObject is
 * cloned to the thread, not exported). The thread keeps no process alive while it has nothing to do.
 *
 * Verifying there is node's `verify` too: ES256 costs ~100 µs of CPU that way, against 240-330 µs
 * through jose's WebCrypto path (micro-benchmark on the benchmark VM), and none of it on the loop.
 */
export class SigningThread {
  private worker?: Worker;
  private keysSent = new Set<string>();
  private pendingKeys: Array<[string, KeyObject]> = [];
  private readonly queued = new TurnBatch<Job>((jobs) => this.send(jobs));
  private readonly inFlight = new Map<number, Job[]>();
  /** Messages sent to the thread so far (one per event-loop turn that asked for signatures). */
  batchesSent = 0;

  /** The JWS signature of `input` (`input.signature`), with a private key. */
  sign(alg: string, key: KeyObject, input: string): Promise<string> {
    return new Promise((resolve, reject) => this.ask(alg, key, input, undefined, (signature) => resolve(`${input}.${signature}`), reject));
  }

  /** Whether `signature` (base64url) is the JWS signature of `input` under a public key. */
  verify(alg: string, key: KeyObject, input: string, signature: string): Promise<boolean> {
    return new Promise((resolve, reject) => this.ask(alg, key, input, signature, (valid) => resolve(valid === true), reject));
  }

  private ask(alg: string, key: KeyObject, input: string, signature: string | undefined, resolve: Job['resolve'], reject: Job['reject']): void {
    let kid = keyIds.get(key);
    if (kid === undefined) keyIds.set(key, (kid = String(keysNamed++)));
    if (!this.keysSent.has(kid)) {
      this.keysSent.add(kid);
      this.pendingKeys.push([kid, key]);
    }
    this.queued.add({ kid, alg, input, signature, resolve, reject });
  }

  private send(jobs: Job[]): void {
    // Started (or started again, after a lost one) here: keys are sent to the thread that signs.
    const worker = this.start();
    const batch = this.batchesSent++;
    this.inFlight.set(batch, jobs);
    const keys = this.pendingKeys;
    this.pendingKeys = [];
    if (this.inFlight.size === 1) worker.ref(); // a token being signed keeps the process alive
    worker.postMessage({ batch, keys: keys.length > 0 ? keys : undefined, jobs: jobs.map((j) => (j.signature === undefined ? [j.kid, j.alg, j.input] : [j.kid, j.alg, j.input, j.signature])) });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = spawnWorker(import.meta.url, 'signingWorker', undefined);
    worker.unref();
    worker.on('message', (m: { batch: number; results: Array<string | boolean | { error: string }> }) => {
      const jobs = this.inFlight.get(m.batch) ?? [];
      this.inFlight.delete(m.batch);
      if (this.inFlight.size === 0) worker.unref();
      m.results.forEach((r, i) => {
        const job = jobs[i]!;
        if (typeof r === 'object') job.reject(new Error(`${job.signature === undefined ? 'signing' : 'verifying'} failed: ${r.error}`));
        else job.resolve(r);
      });
    });
    worker.on('error', (error) => this.fail(worker, error));
    worker.on('exit', (code) => this.fail(worker, new Error(`the signing thread exited (${code})`)));
    this.worker = worker;
    return worker;
  }

  /** A lost thread fails what it held; the next signature starts a new one, and sends keys again. */
  private fail(worker: Worker, error: Error): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    this.keysSent = new Set();
    this.pendingKeys = [];
    for (const jobs of this.inFlight.values()) for (const job of jobs) job.reject(error);
    this.inFlight.clear();
    for (const job of this.queued.drain()) job.reject(error);
  }
}
