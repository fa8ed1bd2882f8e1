import { scrypt } from 'node:crypto';
import type { Worker } from 'node:worker_threads';
import { spawnWorker } from '../workers/spawnWorker.js';

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** Derives a key from a password: scrypt, off the event loop. */
export type Derive = (password: string, salt: Buffer, keylen: number, params: ScryptParams) => Promise<Buffer>;

export interface ScryptJob extends ScryptParams {
  password: string;
  salt: Buffer;
  keylen: number;
}
export type ScryptReply = { key: Uint8Array } | { error: string };

/** scrypt on libuv's thread pool, at the process's priority: for one-off derivations (the CLI, tests). */
export const scryptOnPool: Derive = (password, salt, keylen, params) =>
  new Promise((resolve, reject) => scrypt(password, salt, keylen, params, (err, key) => (err ? reject(err) : resolve(key))));

interface Task {
  job: ScryptJob;
  resolve: (key: Buffer) => void;
  reject: (error: Error) => void;
}

/**
 * Up to `size` threads of their own for password KDFs, each at nice `nice` (Linux), and under
 * SCHED_IDLE when `schedIdle`. They start on
 * first use, hold the process open only while they have work, and end with `close()`.
 */
export class ScryptThreads {
  private readonly workers = new Set<Worker>();
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Task>();
  private readonly queue: Task[] = [];
  private closed = false;

  constructor(
    private readonly size: number,
    private readonly nice: number,
    /** Whether the threads run under SCHED_IDLE (Linux, with util-linux's `chrt`): see scryptWorker.ts. */
    private readonly schedIdle = false,
  ) {}

  readonly derive: Derive = (password, salt, keylen, params) =>
    new Promise((resolve, reject) => {
      if (this.closed) return reject(new Error('The KDF threads are closed'));
      this.queue.push({ job: { password, salt, keylen, ...params }, resolve, reject });
      this.dispatch();
    });

  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.queue.splice(0)) task.reject(new Error('The KDF threads are closed'));
    await Promise.all([...this.workers].map((w) => w.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0 && (this.idle.length > 0 || this.workers.size < this.size)) {
      const worker = this.idle.pop() ?? this.spawn();
      const task = this.queue.shift()!;
      this.busy.set(worker, task);
      worker.ref();
      worker.postMessage(task.job);
    }
  }

  private spawn(): Worker {
    const worker = spawnWorker(import.meta.url, 'scryptWorker', { nice: this.nice, schedIdle: this.schedIdle });
    this.workers.add(worker);
    worker.on('message', (reply: ScryptReply) => {
      const task = this.busy.get(worker);
      this.busy.delete(worker);
      worker.unref();
      this.idle.push(worker);
      if (task) {
        if ('key' in reply) task.resolve(Buffer.from(reply.key.buffer, reply.key.byteOffset, reply.key.byteLength));
        else task.reject(new Error(reply.error));
      }
      this.dispatch();
    });
    // A thread that dies takes only its own task with it; the next derivation starts a new one.
    worker.on('exit', () => {
      this.workers.delete(worker);
      const i = this.idle.indexOf(worker);
      if (i >= 0) this.idle.splice(i, 1);
      const task = this.busy.get(worker);
      this.busy.delete(worker);
      task?.reject(new Error('The KDF thread stopped'));
      if (!this.closed) this.dispatch();
    });
    worker.on('error', () => undefined);
    return worker;
  }
}
