import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made = new Set<string>();

/**
 * A fresh directory under the OS's temp directory, for a test's ledger, read models and logs. The
 * root hook (test/support/rootHooks.ts) deletes every one after the suite, once the secret-leak
 * check has read what the services wrote into them: a run made ~150 of them (35 MB).
 */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.add(dir);
  return dir;
}

/** Deletes the directories `tempDir` made, unless LEDGER_TEST_KEEP_TMP is set (to look at them). */
export function removeTempDirs(): number {
  if (process.env.LEDGER_TEST_KEEP_TMP) return 0;
  const count = made.size;
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
  made.clear();
  return count;
}
