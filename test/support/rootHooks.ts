import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { kafkaBrokers } from './kafka.js';
import { readAllTopicMessages } from './kafkaLeakCheck.js';
import { issuedSecrets, writtenFiles } from './service.js';
import { removeTempDirs } from './tempDirs.js';

/**
 * Runs once after the whole suite: every secret the API handed out (tokens, refresh tokens, client
 * secrets, personal tokens, entity secrets ...) must be absent, in plain text, from every ledger
 * file, read-model file (with their WAL files) and log that the test services wrote, and from every
 * message on every topic of the test Kafka broker. Then, if none leaked, the temp directories
 * the tests made are deleted (kept when a secret leaked, so that the file can be looked at).
 */
export const mochaHooks = {
  async afterAll(this: { timeout(ms: number): void }) {
    this.timeout(120_000);
    const files = [...writtenFiles].flatMap((f) => [f, `${f}-wal`]).filter((f) => existsSync(f));
    const leaks: string[] = [];
    for (const file of files) {
      const content = readFileSync(file).toString('latin1');
      for (const secret of issuedSecrets) if (content.includes(secret)) leaks.push(`${file}: ${secret.slice(0, 12)}…`);
    }
    const brokers = kafkaBrokers();
    let kafka = 'no Kafka broker';
    if (brokers) {
      const { topics, messages } = await readAllTopicMessages(brokers);
      kafka = `${messages.length} Kafka messages on ${topics} topics`;
      for (const m of messages) for (const secret of issuedSecrets) if (m.includes(secret)) leaks.push(`kafka: ${secret.slice(0, 12)}…`);
    }
    console.log(`secret leak check: ${issuedSecrets.size} secrets searched in ${files.length} files and ${kafka}`);
    expect(leaks, `secrets found in plain text (${issuedSecrets.size} secrets checked)`).to.deep.equal([]);
    const removed = removeTempDirs();
    if (removed > 0) console.log(`deleted the ${removed} temp directories the tests made (LEDGER_TEST_KEEP_TMP=1 keeps them)`);
  },
};
