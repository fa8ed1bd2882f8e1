import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../logger.js';

/**
 * The key that seals private keys and re-showable secrets. From LEDGER_MASTER_KEY when set;
 * otherwise the embedded default keeps a generated key in the data directory (mode 0600).
 */
export function loadMasterKey(masterKey: string | undefined, dataDir: string, logger: Logger): Buffer {
  if (masterKey) return createHash('sha256').update(masterKey).digest();
  const file = join(dataDir, 'master.key');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  logger.warn({ file }, 'LEDGER_MASTER_KEY is not set: using a generated master key stored in the data directory');
  return createHash('sha256').update(readFileSync(file, 'utf8').trim()).digest();
}
