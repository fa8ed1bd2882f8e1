import type { Projection } from '../src/readmodels/projection.js';

export const clientsProjection: Projection = {
  name: 'clients',
  version: 1,
  canHandle: ['ClientRegistered'],
  tables: ['clients'],
  schema: `CREATE TABLE IF NOT EXISTS clients (
    client_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    scopes TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    registered_at TEXT NOT NULL
  );`,
  statements: {
    registered: 'INSERT OR IGNORE INTO clients (client_id, name, scopes, secret_hash, registered_at) VALUES (?, ?, ?, ?, ?)',
  },
  writes(event) {
    const d = event.data as Record<string, string>;
    return [['registered', [d.clientId, d.name, JSON.stringify(d.scopes), d.secretHash, d.registeredAt]]];
  },
};
