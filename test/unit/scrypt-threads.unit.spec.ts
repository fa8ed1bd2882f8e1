import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { scryptSync } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { hashPassword, verifyPassword } from '../../src/crypto/secrets.js';
import { ScryptThreads } from '../../src/crypto/scryptThreads.js';
import { loadConfig } from '../../src/config.js';
import { itIsAnOnOffVariable } from '../support/config.js';

const PARAMS = { N: 1024, r: 8, p: 1 };

/** The fields of a thread's /proc/.../stat after its name; none for a thread that has ended since it was listed. */
const statOf = (tid: string | number): string[] => {
  try {
    return readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  } catch (error) {
    // Threads of other work (a worker another test closed, V8's own) may end between the listing and the read.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ESRCH') return [];
    throw error;
  }
};
/** The nice value (field 19 of /proc/.../stat) of one of this process's threads; NaN once it has ended. */
const threadNice = (tid: string | number) => Number(statOf(tid)[16]);
/** The scheduling policy (field 41): 0 SCHED_OTHER, 5 SCHED_IDLE; NaN once it has ended. */
const threadPolicy = (tid: string | number) => Number(statOf(tid)[38]);
const threadsAt = (nice: number) => readdirSync('/proc/self/task').filter((tid) => threadNice(tid) === nice).length;

describe('ScryptThreads', function () {
  this.timeout(20_000);
  let threads: ScryptThreads | undefined;
  afterEach(async () => threads?.close());

  it('derives the key scrypt derives', async () => {
    threads = new ScryptThreads(1, 0);
    const salt = Buffer.from('0123456789abcdef');
    const key = await threads.derive('correct horse', salt, 32, PARAMS);
    expect(key.equals(scryptSync('correct horse', salt, 32, PARAMS))).to.equal(true);
  });

  it('hashes and verifies passwords through it', async () => {
    threads = new ScryptThreads(2, 0);
    const stored = await hashPassword('s3cret-passw0rd', threads.derive);
    expect(await verifyPassword('s3cret-passw0rd', stored, threads.derive)).to.equal(true);
    expect(await verifyPassword('wrong-password', stored, threads.derive)).to.equal(false);
    // The stored form is the same as scrypt on libuv's pool would verify.
    expect(await verifyPassword('s3cret-passw0rd', stored)).to.equal(true);
  });

  it('runs on at most `size` threads of its own, each at the nice value asked for, and ends them on close', async function () {
    if (!existsSync('/proc/thread-self')) this.skip();
    const nice = 13;
    const before = threadsAt(nice);
    threads = new ScryptThreads(2, nice);
    const keys = await Promise.all(Array.from({ length: 5 }, (_, i) => threads!.derive(`pw${i}`, Buffer.alloc(16, i), 32, PARAMS)));
    expect(new Set(keys.map((k) => k.toString('hex'))).size).to.equal(5);
    expect(threadsAt(nice) - before).to.equal(2);
    // The caller's own thread (the main thread: its id is the process id; thread ids are not
    // ordered, since ids wrap around) keeps its priority.
    expect(threadNice(process.pid)).to.not.equal(nice);
    await threads.close();
    expect(threadsAt(nice) - before).to.equal(0);
  });

  it('runs its threads under SCHED_IDLE when asked (with chrt), and under the normal policy otherwise', async function () {
    if (!existsSync('/proc/thread-self') || spawnSync('chrt', ['--version']).status !== 0) this.skip();
    const policies = async (nice: number, schedIdle: boolean) => {
      threads = new ScryptThreads(1, nice, schedIdle);
      await threads.derive('pw', Buffer.alloc(16), 32, PARAMS);
      const ours = readdirSync('/proc/self/task').filter((tid) => threadNice(tid) === nice);
      const seen = ours.map(threadPolicy);
      await threads.close();
      return seen;
    };
    expect(await policies(14, true)).to.deep.equal([5]);
    expect(await policies(15, false)).to.deep.equal([0]);
    expect(threadPolicy(process.pid)).to.equal(0);
  });

  it('refuses work once closed', async () => {
    threads = new ScryptThreads(1, 0);
    await threads.close();
    let error: unknown;
    await threads.derive('pw', Buffer.alloc(16), 32, PARAMS).catch((e) => (error = e));
    expect(error).to.be.instanceOf(Error);
  });
});

describe('ScryptThreads, when scrypt fails', function () {
  this.timeout(20_000);
  it('rejects that derivation with scrypt\'s error, and the thread serves the next one', async () => {
    const threads = new ScryptThreads(1, 0);
    try {
      // N must be a power of two: scrypt refuses it in the thread, which answers with the error.
      const error = await threads.derive('pw', Buffer.alloc(16), 32, { N: 1000, r: 8, p: 1 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(Error);
      expect((error as Error).message).to.match(/N|param|power/i);
      const key = await threads.derive('pw', Buffer.alloc(16), 32, PARAMS);
      expect(key.equals(scryptSync('pw', Buffer.alloc(16), 32, PARAMS))).to.equal(true);
    } finally {
      await threads.close();
    }
  });
});

describe('LEDGER_KDF_SCHED_IDLE', () => {
  itIsAnOnOffVariable('LEDGER_KDF_SCHED_IDLE', 'kdfSchedIdle');
});

describe('LEDGER_KDF_NICE', () => {
  it('defaults to 10, takes 0-19, and refuses anything else at start-up with a message naming it', () => {
    expect(loadConfig({}).kdfNice).to.equal(10);
    expect(loadConfig({ LEDGER_KDF_NICE: '0' }).kdfNice).to.equal(0);
    expect(loadConfig({ LEDGER_KDF_NICE: '19' }).kdfNice).to.equal(19);
    for (const bad of ['20', '-1', 'low', '2.5']) expect(() => loadConfig({ LEDGER_KDF_NICE: bad }), bad).to.throw(/LEDGER_KDF_NICE/);
  });
});
