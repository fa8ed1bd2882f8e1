import type { Projection, SqlValue } from '../src/readmodels/projection.js';

/**
 * The current-token read model: one row per credential of any family, so that introspection and
 * revocation checks are a primary-key lookup. Families whose issue events carry the common
 * credential fields add their event types to `ISSUE_EVENT_TYPES`.
 */
export const ISSUE_EVENT_TYPES = [
  'CredentialIssued', // native access and refresh tokens
  'ConsumerCredentialIssued', // Sunbird v1/v2 consumer JWTs
  'PersonalTokenCreated', // Apinizer personal API access tokens
  'AccessTokenPublished', // webMethods API keys and OAuth2 client credentials
  'AccessTokenRenewed', // webMethods renewals: a new credential whose parentId is the one it replaces
  'EntitySecretIssued', // Token Service IAM entity secrets
  'EntitySecretReset',
  'EntityTokenIssued', // Token Service IAM entity tokens
  'UserTokenIssued', // Token Service IAM user tokens
];
/** Revocation events of the families, beside the generic CredentialRevoked. Each carries credentialId, revokedAt, reason. */
export const REVOKE_EVENT_TYPES = ['CredentialRevoked', 'PersonalTokenRevoked', 'AccessTokenRevoked'];

const issueTypes = new Set(ISSUE_EVENT_TYPES);
const revokeTypes = new Set(REVOKE_EVENT_TYPES);

interface IssuedData {
  credentialId: string;
  kind: string;
  subject: string;
  clientId?: string | null;
  scopes?: string[];
  roles?: string[];
  issuedAt: string;
  expiresAt?: string | null;
  kid?: string | null;
  familyId?: string | null;
  parentId?: string | null;
}

export const credentialsProjection: Projection = {
  name: 'credentials',
  version: 1,
  canHandle: [...ISSUE_EVENT_TYPES, 'RefreshTokenRotated', ...REVOKE_EVENT_TYPES],
  tables: ['credentials'],
  schema: `CREATE TABLE IF NOT EXISTS credentials (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    stream TEXT NOT NULL,
    subject TEXT NOT NULL,
    client_id TEXT,
    scopes TEXT NOT NULL,
    roles TEXT NOT NULL,
    status TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    expires_at TEXT,
    revoked_at TEXT,
    revoke_reason TEXT,
    kid TEXT,
    family_id TEXT,
    parent_id TEXT,
    revision INTEGER NOT NULL
  );`,
  indexes: `CREATE INDEX IF NOT EXISTS credentials_subject ON credentials (subject);
  CREATE INDEX IF NOT EXISTS credentials_family ON credentials (family_id);`,
  statements: {
    issued: `INSERT OR IGNORE INTO credentials
      (id, kind, stream, subject, client_id, scopes, roles, status, issued_at, expires_at, kid, family_id, parent_id, revision)
      VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, ?, ?, ?, ?)`,
    rotated: 'UPDATE credentials SET expires_at = ?, revision = ? WHERE id = ?',
    revoked: "UPDATE credentials SET status = 'revoked', revoked_at = ?, revoke_reason = ?, revision = ? WHERE id = ?",
  },
  writes(event) {
    const d = event.data as Record<string, SqlValue>;
    if (issueTypes.has(event.type)) {
      const c = event.data as unknown as IssuedData;
      return [
        [
          'issued',
          [
            c.credentialId,
            c.kind,
            event.stream,
            c.subject,
            c.clientId ?? null,
            JSON.stringify(c.scopes ?? []),
            JSON.stringify(c.roles ?? []),
            c.issuedAt,
            c.expiresAt ?? null,
            c.kid ?? null,
            c.familyId ?? null,
            c.parentId ?? null,
            event.revision,
          ],
        ],
      ];
    }
    if (event.type === 'RefreshTokenRotated') return [['rotated', [d.expiresAt, event.revision, d.credentialId]]];
    if (revokeTypes.has(event.type)) return [['revoked', [d.revokedAt, d.reason, event.revision, d.credentialId]]];
    return [];
  },
};
