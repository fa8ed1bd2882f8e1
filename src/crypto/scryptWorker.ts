// A password-KDF thread. It lowers its own scheduling priority first, so that on a busy machine
// the event loop's thread gets the CPU before a sign-in does: a KDF costs tens of milliseconds of
// CPU, and at equal priority two or three of them starve the loop on two cores, although none
// runs on it.
import { execFileSync } from 'node:child_process';
import { scryptSync } from 'node:crypto';
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { messageOf } from '../errors.js';
import type { ScryptJob, ScryptReply } from './scryptThreads.js';

const { nice, schedIdle } = workerData as { nice: number; schedIdle: boolean };
lowerPriority(nice, schedIdle);

parentPort!.on('message', (job: ScryptJob) => {
  let reply: ScryptReply;
  try {
    reply = { key: scryptSync(job.password, job.salt, job.keylen, { N: job.N, r: job.r, p: job.p }) };
  } catch (error) {
    reply = { error: messageOf(error) };
  }
  parentPort!.postMessage(reply);
});

/**
 * Linux gives each thread its own nice value and scheduling policy: setpriority(2) and
 * sched_setscheduler(2) on this thread's id change only it. Under SCHED_IDLE the kernel lets any
 * other thread that wakes up preempt this one at once; at a nice value alone, the scheduler (EEVDF
 * since Linux 6.6) may first let it finish its time slice. Node has no call for the policy, so
 * util-linux's `chrt` sets it, once, when the thread starts; without `chrt`, the nice value stands.
 */
function lowerPriority(nice: number, schedIdle: boolean): void {
  let tid: number;
  try {
    tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return; // Not Linux (no /proc/thread-self): the thread keeps the process's priority.
  }
  try {
    if (nice > 0) setPriority(tid, nice);
    if (schedIdle) execFileSync('chrt', ['--idle', '-p', '0', String(tid)], { stdio: 'ignore', timeout: 5000 });
  } catch {
    // No chrt here (or no right to lower it): the thread keeps what it was given so far.
  }
}
