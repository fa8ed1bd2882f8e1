// A password-KDF thread. It lowers its own scheduling priority first, so that on a busy machine
// the event loop's thread gets the CPU before a sign-in does: a KDF costs tens of milliseconds of
// CPU, and at equal priority two or three of them starve the loop on two cores, although none
// runs on it.
import { scryptSync } from 'node:crypto';
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { messageOf } from '../errors.js';
import type { ScryptJob, ScryptReply } from './scryptThreads.js';

lowerPriority((workerData as { nice: number }).nice);

parentPort!.on('message', (job: ScryptJob) => {
  let reply: ScryptReply;
  try {
    reply = { key: scryptSync(job.password, job.salt, job.keylen, { N: job.N, r: job.r, p: job.p }) };
  } catch (error) {
    reply = { error: messageOf(error) };
  }
  parentPort!.postMessage(reply);
});

/** Linux gives each thread its own nice value: setpriority(2) on this thread's id changes only it. */
function lowerPriority(nice: number): void {
  if (nice <= 0) return;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    setPriority(tid, nice);
  } catch {
    // Not Linux (no /proc/thread-self): the thread keeps the process's priority.
  }
}
