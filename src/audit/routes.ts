import type { Module } from '../app/module.js';
import { NotFound } from '../errors.js';
import { requireRole } from '../http/auth.js';
import { defineRoute } from '../http/routes.js';
import { redactSecrets } from './redact.js';

export const ledgerModule: Module = {
  name: 'ledger',
  mount({ target, deps, services, authenticate }) {
    defineRoute(
      target,
      {
        method: 'get',
        path: '/ledger/credentials/:id/history',
        family: 'native',
        summary: "A credential's events, in order, without secrets",
        auth: 'bearer',
        responses: { 200: { description: 'History', schema: 'responses/credential-history' } },
      },
      [authenticate, requireRole('admin')],
      async (ctx) => {
        const id = ctx.params.id!;
        const row = await services.credentials.lookup(id);
        if (!row) throw new NotFound('Unknown credential');
        const events = await deps.store.readStream(row.stream);
        ctx.body = {
          credentialId: id,
          stream: row.stream,
          events: events
            .filter((e) => (e.data as { credentialId?: string }).credentialId === id)
            .map((e) => ({
              id: e.id,
              type: e.type,
              recordedAt: e.recordedAt.toISOString(),
              revision: Number(e.revision),
              position: Number(e.position),
              actor: e.metadata.actor,
              correlationId: e.metadata.correlationId,
              data: redactSecrets(e.data),
            })),
        };
      },
    );
  },
};
