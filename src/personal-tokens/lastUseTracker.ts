import type { Clock } from '../clock.js';
import { errorFields, type Logger } from '../logger.js';
import type { ReadModelDb } from '../readmodels/projection.js';

export const LAST_USE_TABLE = 'personal_token_last_use';

/**
 * When each personal token was last used, written in batches: a use only sets a value in memory,
 * and `flush` (on a timer and on close) writes the latest value per token in one transaction.
 * No write per request and no ledger event per use.
 *
 * The table lives in the read-model database but belongs to no projection: it is not derived from
 * events, so it is not in any `Projection.tables`. The projection runner never drops it on a rebuild,
 * and replay comparisons (which dump the projections' tables) leave it out. Each service instance
 * keeps its own; a lost batch on a crash only makes lastUsedAt slightly older.
 */
export class LastUseTracker {
  private pending = new Map<string, string>();
  private timer?: NodeJS.Timeout;
  private readonly upsert;
  private readonly select;

  constructor(
    private readonly db: ReadModelDb,
    private readonly clock: Clock,
    private readonly logger?: Logger,
  ) {
    db.exec(`CREATE TABLE IF NOT EXISTS ${LAST_USE_TABLE} (
      credential_id TEXT PRIMARY KEY,
      last_used_at TEXT NOT NULL
    )`);
    // Keeps the later of two times, so an older batch can never move lastUsedAt back.
    this.upsert = db.prepare(`INSERT INTO ${LAST_USE_TABLE} (credential_id, last_used_at) VALUES (?, ?)
      ON CONFLICT (credential_id) DO UPDATE SET last_used_at = MAX(last_used_at, excluded.last_used_at)`);
    this.select = db.prepare(`SELECT last_used_at FROM ${LAST_USE_TABLE} WHERE credential_id = ?`);
  }

  /** Notes a use now; nothing is written until the next flush. */
  touch(credentialId: string): void {
    this.pending.set(credentialId, this.clock.now().toISOString());
  }

  /** Writes every pending use in one transaction; returns how many tokens were written. */
  flush(): number {
    if (this.pending.size === 0) return 0;
    const batch = this.pending;
    this.pending = new Map();
    try {
      this.db.transaction(() => {
        for (const [id, at] of batch) this.upsert.run(id, at);
      })();
    } catch (error) {
      // Put the batch back (newer uses win) and try again on the next tick.
      for (const [id, at] of batch) if (!this.pending.has(id)) this.pending.set(id, at);
      this.logger?.warn(errorFields(error), 'could not record personal token last use');
      return 0;
    }
    return batch.size;
  }

  /** The flushed value; uses not yet flushed are not visible. */
  lastUsedAt(credentialId: string): string | null {
    return (this.select.get(credentialId) as { last_used_at: string } | undefined)?.last_used_at ?? null;
  }

  start(everyMs: number): void {
    this.timer = setInterval(() => this.flush(), everyMs);
    this.timer.unref();
  }

  /** Stops the timer and writes what is left. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.flush();
  }
}
