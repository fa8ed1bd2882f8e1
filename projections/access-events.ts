import type { Projection, SqlValue } from '../src/readmodels/projection.js';

/**
 * The webMethods API Portal read models: providers, applications, access events (what providers list),
 * access tokens (the current credential behind each accesstokenuuid) and the digests of published
 * keys and client secrets (what introspection looks up). Only digests, never a secret or ciphertext.
 */
export const accessEventsProjection: Projection = {
  name: 'access-events',
  version: 1,
  canHandle: [
    'ProviderRegistered',
    'ApplicationCreated',
    'AccessTokenRequested',
    'AccessEventAcknowledged',
    'AccessEventRejected',
    'AccessTokenPublished',
    'AccessTokenRenewed',
    'AccessTokenRevoked',
    'AccessEventExpired',
  ],
  tables: ['access_providers', 'access_applications', 'access_events', 'access_tokens', 'access_credential_digests'],
  schema: `CREATE TABLE IF NOT EXISTS access_providers (
    provider_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    username TEXT NOT NULL,
    mode TEXT NOT NULL,
    callback_url TEXT,
    registered_at TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS access_applications (
    app_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    owner TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS access_events (
    event_id TEXT PRIMARY KEY,
    event_type TEXT NOT NULL,
    event_status TEXT NOT NULL,
    app_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    provider_id TEXT NOT NULL,
    accesstokenuuid TEXT,
    reason TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS access_tokens (
    accesstokenuuid TEXT PRIMARY KEY,
    credential_id TEXT NOT NULL,
    app_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    provider_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    expires_at TEXT,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS access_credential_digests (
    digest TEXT PRIMARY KEY,
    credential_id TEXT NOT NULL,
    accesstokenuuid TEXT NOT NULL
  );`,
  indexes: `CREATE INDEX IF NOT EXISTS access_providers_username ON access_providers (username);
  CREATE INDEX IF NOT EXISTS access_events_provider ON access_events (provider_id, event_status, created_at);
  CREATE INDEX IF NOT EXISTS access_events_status ON access_events (event_status, created_at);`,
  statements: {
    provider: `INSERT OR IGNORE INTO access_providers (provider_id, name, username, mode, callback_url, registered_at)
      VALUES (?, ?, ?, ?, ?, ?)`,
    application: 'INSERT OR IGNORE INTO access_applications (app_id, name, owner, created_at) VALUES (?, ?, ?, ?)',
    requested: `INSERT OR IGNORE INTO access_events
      (event_id, event_type, event_status, app_id, user_id, provider_id, accesstokenuuid, reason, created_at, updated_at)
      VALUES (?, ?, 'NEW', ?, ?, ?, ?, NULL, ?, ?)`,
    status: 'UPDATE access_events SET event_status = ?, updated_at = ? WHERE event_id = ?',
    rejected: "UPDATE access_events SET event_status = 'REJECTED', reason = ?, updated_at = ? WHERE event_id = ?",
    completed: "UPDATE access_events SET event_status = 'COMPLETED', accesstokenuuid = ?, updated_at = ? WHERE event_id = ?",
    revokeCompleted: `UPDATE access_events SET event_status = 'COMPLETED', updated_at = ?
      WHERE event_id = ? AND event_type = 'REVOKE_ACCESS_TOKEN' AND event_status = 'INPROGRESS'`,
    token: `INSERT INTO access_tokens
      (accesstokenuuid, credential_id, app_id, user_id, provider_id, kind, status, expires_at, updated_at)
      VALUES (?, ?, ?, ?, ?, ?, 'active', ?, ?)
      ON CONFLICT (accesstokenuuid) DO UPDATE SET credential_id = excluded.credential_id, kind = excluded.kind,
        status = 'active', expires_at = excluded.expires_at, updated_at = excluded.updated_at`,
    tokenRevoked: "UPDATE access_tokens SET status = 'revoked', updated_at = ? WHERE accesstokenuuid = ? AND credential_id = ?",
    // A renewal may keep its key: the digest then points at the newest credential.
    digest: 'INSERT OR REPLACE INTO access_credential_digests (digest, credential_id, accesstokenuuid) VALUES (?, ?, ?)',
  },
  writes(event) {
    const d = event.data as Record<string, SqlValue>;
    switch (event.type) {
      case 'ProviderRegistered':
        return [['provider', [d.providerId, d.name, d.username, d.mode, d.callbackUrl ?? null, d.registeredAt]]];
      case 'ApplicationCreated':
        return [['application', [d.appId, d.name, d.owner, d.createdAt]]];
      case 'AccessTokenRequested':
        return [['requested', [d.eventId, d.eventType, d.appId, d.userId, d.providerId, d.accesstokenuuid, d.requestedAt, d.requestedAt]]];
      case 'AccessEventAcknowledged':
        return [['status', ['INPROGRESS', d.acknowledgedAt, d.eventId]]];
      case 'AccessEventRejected':
        return [['rejected', [d.reason ?? null, d.rejectedAt, d.eventId]]];
      case 'AccessEventExpired':
        return [['status', ['EXPIRED', d.expiredAt, d.eventId]]];
      case 'AccessTokenPublished':
      case 'AccessTokenRenewed':
        return [
          ['completed', [d.accesstokenuuid, d.issuedAt, d.eventId]],
          ['token', [d.accesstokenuuid, d.credentialId, d.appId, d.subject, d.providerId, d.kind, d.expiresAt ?? null, d.issuedAt]],
          ['digest', [d.secretHash, d.credentialId, d.accesstokenuuid]],
        ];
      case 'AccessTokenRevoked':
        return [
          ['revokeCompleted', [d.revokedAt, d.eventId]],
          ['tokenRevoked', [d.revokedAt, d.accesstokenuuid, d.credentialId]],
        ];
      default:
        return [];
    }
  },
};
