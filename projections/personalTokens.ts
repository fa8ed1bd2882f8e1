import type { Projection } from '../src/readmodels/projection.js';

/**
 * Personal API access tokens by id and by owner: the bearer check is a primary-key lookup and a
 * digest comparison. Last use is deliberately not here: it is not derived from events (see
 * src/personal-tokens/lastUseTracker.ts), and this table must replay to the same rows.
 */
export const personalTokensProjection: Projection = {
  name: 'personal_tokens',
  version: 1,
  canHandle: ['PersonalTokenCreated', 'PersonalTokenRevoked'],
  tables: ['personal_tokens'],
  schema: `CREATE TABLE IF NOT EXISTS personal_tokens (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    expiration TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    status TEXT NOT NULL,
    revoked_at TEXT
  );`,
  indexes: `CREATE INDEX IF NOT EXISTS personal_tokens_username ON personal_tokens (username, created_at);`,
  statements: {
    created: `INSERT OR IGNORE INTO personal_tokens
      (id, username, name, token_hash, expiration, created_at, expires_at, status)
      VALUES (?, ?, ?, ?, ?, ?, ?, 'active')`,
    revoked: "UPDATE personal_tokens SET status = 'revoked', revoked_at = ? WHERE id = ?",
  },
  writes(event) {
    const d = event.data as Record<string, string | null>;
    if (event.type === 'PersonalTokenCreated') {
      return [['created', [d.credentialId, d.subject, d.name, d.tokenHash, d.expiration, d.issuedAt, d.expiresAt ?? null]]];
    }
    return [['revoked', [d.revokedAt, d.credentialId]]];
  },
};
