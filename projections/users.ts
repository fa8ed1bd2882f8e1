import type { Projection, SqlValue } from '../src/readmodels/projection.js';

export const usersProjection: Projection = {
  name: 'users',
  version: 1,
  canHandle: ['UserRegistered', 'UserProfileUpdated'],
  tables: ['users'],
  schema: `CREATE TABLE IF NOT EXISTS users (
    username TEXT PRIMARY KEY,
    roles TEXT NOT NULL,
    full_name TEXT,
    email TEXT,
    preferred_language TEXT,
    registered_at TEXT NOT NULL
  );`,
  statements: {
    registered: `INSERT OR IGNORE INTO users (username, roles, full_name, email, preferred_language, registered_at)
      VALUES (?, ?, ?, ?, ?, ?)`,
    // A profile update names only what changed: each field is kept unless the event carries it.
    updated: `UPDATE users SET
      full_name = CASE WHEN ? THEN ? ELSE full_name END,
      email = CASE WHEN ? THEN ? ELSE email END,
      preferred_language = CASE WHEN ? THEN ? ELSE preferred_language END
      WHERE username = ?`,
  },
  writes(event) {
    const d = event.data as Record<string, SqlValue>;
    if (event.type === 'UserRegistered') {
      return [['registered', [d.username, JSON.stringify(d.roles), d.fullName ?? null, d.email ?? null, d.preferredLanguage ?? null, d.registeredAt]]];
    }
    const has = (field: string) => (field in d ? 1 : 0);
    return [['updated', [has('fullName'), d.fullName ?? null, has('email'), d.email ?? null, has('preferredLanguage'), d.preferredLanguage ?? null, d.username]]];
  },
};
