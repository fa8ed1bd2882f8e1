import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { issuedSecrets, writtenFiles } from './service.js';

/**
 * Runs once after the whole suite: every secret the API handed out (tokens, refresh tokens, client
 * secrets, personal tokens, entity secrets ...) must be absent, in plain text, from every ledger
 * file, read-model file (with their WAL files) and log that the test services wrote.
 */
export const mochaHooks = {
  afterAll() {
    const files = [...writtenFiles].flatMap((f) => [f, `${f}-wal`]).filter((f) => existsSync(f));
    const leaks: string[] = [];
    for (const file of files) {
      const content = readFileSync(file).toString('latin1');
      for (const secret of issuedSecrets) if (content.includes(secret)) leaks.push(`${file}: ${secret.slice(0, 12)}…`);
    }
    if (process.env.LEDGER_TEST_VERBOSE) console.log(`secret leak check: ${issuedSecrets.size} secrets, ${files.length} files`);
    expect(leaks, `secrets found in plain text (${issuedSecrets.size} secrets checked in ${files.length} files)`).to.deep.equal([]);
  },
};
