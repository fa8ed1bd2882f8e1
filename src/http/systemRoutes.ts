import type { Module } from '../app/module.js';
import { defineRoute } from './routes.js';
import { buildOpenApi } from './openapi.js';

export const systemModule: Module = {
  name: 'system',
  mount({ target, deps }) {
    defineRoute(
      target,
      {
        method: 'get',
        path: '/health',
        family: 'native',
        summary: 'Status of the event store and the lifecycle bus',
        auth: 'none',
        responses: { 200: { description: 'Healthy or degraded', schema: 'responses/health' }, 503: { description: 'The store is down', schema: 'responses/health' } },
      },
      [],
      async (ctx) => {
        const store = await deps.store
          .ping()
          .then(() => ({ status: 'ok' as const, kind: deps.store.kind }))
          .catch(() => ({ status: 'down' as const, kind: deps.store.kind }));
        const bus = await deps.bus.health().catch(() => ({ status: 'degraded' as const, kind: deps.bus.kind }));
        const status = store.status !== 'ok' ? 'down' : bus.status !== 'ok' ? 'degraded' : 'ok';
        ctx.status = status === 'down' ? 503 : 200;
        ctx.body = {
          status,
          store,
          bus: {
            ...bus,
            relay: deps.config.relayEnabled ? 'on' : 'off',
            relayedPosition: Number(deps.relay.published),
            ...(deps.relay.lastError ? { lastError: 'publish failing' } : {}),
          },
          readModels: { appliedPosition: Number(deps.runner.applied) },
        };
      },
    );

    defineRoute(
      target,
      {
        method: 'get',
        path: '/openapi.json',
        family: 'native',
        summary: 'This OpenAPI 3.1 document',
        auth: 'none',
        responses: { 200: { description: 'OpenAPI document', schema: null } },
      },
      [],
      async (ctx) => {
        ctx.body = buildOpenApi(target.catalog, deps.config.issuer);
      },
    );
  },
};
