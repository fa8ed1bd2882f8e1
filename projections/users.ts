import type { Projection } from '../src/readmodels/projection.js';

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
  prepare(db) {
    const insert = db.prepare(`INSERT OR IGNORE INTO users (username, roles, full_name, email, preferred_language, registered_at)
      VALUES (?, ?, ?, ?, ?, ?)`);
    const update = db.prepare(`UPDATE users SET
      full_name = CASE WHEN @hasFullName THEN @fullName ELSE full_name END,
      email = CASE WHEN @hasEmail THEN @email ELSE email END,
      preferred_language = CASE WHEN @hasLang THEN @lang ELSE preferred_language END
      WHERE username = @username`);
    return (event) => {
      const d = event.data as Record<string, unknown>;
      if (event.type === 'UserRegistered') {
        insert.run(d.username, JSON.stringify(d.roles), d.fullName ?? null, d.email ?? null, d.preferredLanguage ?? null, d.registeredAt);
      } else {
        update.run({
          username: d.username,
          hasFullName: 'fullName' in d ? 1 : 0,
          fullName: d.fullName ?? null,
          hasEmail: 'email' in d ? 1 : 0,
          email: d.email ?? null,
          hasLang: 'preferredLanguage' in d ? 1 : 0,
          lang: d.preferredLanguage ?? null,
        });
      }
    };
  },
};
