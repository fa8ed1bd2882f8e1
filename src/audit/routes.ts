import type { Context } from 'koa';
import type { Module } from '../app/module.js';
import { BadRequest } from '../errors.js';
import { requireRole } from '../http/auth.js';
import { bodyOf } from '../http/body.js';
import { commandContext } from '../http/requestContext.js';
import { defineRoute, type RouteSpec } from '../http/routes.js';
import { verifyLedger } from '../ledger/verifyChain.js';
import { AuditService, type HistoryFilter } from './auditService.js';

const HISTORY_QUERY: RouteSpec['query'] = {
  from: { description: 'ISO time, inclusive', schema: { type: 'string', format: 'date-time' } },
  to: { description: 'ISO time, inclusive', schema: { type: 'string', format: 'date-time' } },
  type: { description: 'Event types, comma-separated' },
  after: { description: 'Cursor: the `next` of the previous page', schema: { type: 'integer', minimum: 0 } },
  limit: { description: 'Page size (1-500, default 100)', schema: { type: 'integer', minimum: 1, maximum: 500 } },
};

function time(value: unknown, name: string): Date | undefined {
  if (value === undefined) return undefined;
  const d = new Date(String(value));
  if (typeof value !== 'string' || Number.isNaN(d.getTime())) throw new BadRequest(`${name} must be an ISO 8601 time`);
  return d;
}

function historyFilter(ctx: Context): HistoryFilter {
  const q = ctx.query;
  const limit = q.limit === undefined ? 100 : Number(q.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new BadRequest('limit must be an integer from 1 to 500');
  const after = q.after === undefined ? undefined : Number(q.after);
  if (after !== undefined && (!Number.isInteger(after) || after < 0)) throw new BadRequest('after must be a non-negative integer');
  const types = typeof q.type === 'string' && q.type ? q.type.split(',') : undefined;
  return { from: time(q.from, 'from'), to: time(q.to, 'to'), types, after, limit };
}

/** Ledger and audit reads for auditors and admins; compromise handling for admins. */
export const ledgerModule: Module = {
  name: 'ledger',
  mount({ target, deps, services, authenticate }) {
    const audit = new AuditService(deps, services.credentials);
    const readers = [authenticate, requireRole('admin', 'auditor')];
    const get = (path: string, summary: string, schema: string, handler: (ctx: Context) => Promise<unknown> | unknown, query?: RouteSpec['query']) =>
      defineRoute(target, { method: 'get', path, family: 'native', summary, auth: 'bearer', query, responses: { 200: { description: summary, schema } } }, readers, async (ctx) => {
        ctx.body = await handler(ctx);
      });

    get('/ledger/credentials/:id/history', "A credential's events in order, without secrets; filtered and paginated", 'responses/ledger-history', async (ctx) => ({
      credentialId: ctx.params.id,
      ...(await audit.credentialHistory(ctx.params.id!, historyFilter(ctx))),
    }), HISTORY_QUERY);

    get('/ledger/subjects/:subject/history', 'Everything recorded about a user, consumer key, entity or application', 'responses/ledger-history', async (ctx) => ({
      subject: ctx.params.subject,
      ...(await audit.subjectHistory(ctx.params.subject!, historyFilter(ctx))),
    }), HISTORY_QUERY);

    get('/ledger/credentials/:id', "The credential's state as it was at `at` (default: now), folded from its events", 'responses/ledger-credential-at', async (ctx) =>
      audit.credentialAt(ctx.params.id!, time(ctx.query.at, 'at') ?? deps.clock.now()),
    { at: { description: 'ISO time', schema: { type: 'string', format: 'date-time' } } });

    get('/ledger/credentials/:id/lineage', 'Ancestors and descendants (rotations, renewals, resets)', 'responses/ledger-lineage', (ctx) => audit.lineage(ctx.params.id!));

    get('/ledger/verify', 'Recompute every hash chain and check $all for gaps', 'responses/ledger-verify', () =>
      verifyLedger(deps.store),
    );

    defineRoute(
      target,
      {
        method: 'post',
        path: '/ledger/credentials/:id/compromise',
        family: 'native',
        summary: 'Record a compromise and revoke the credential and everything descended from it',
        auth: 'bearer',
        body: { types: ['json'], schema: 'requests/ledger-compromise' },
        responses: { 200: { description: 'What was revoked', schema: 'responses/ledger-compromise' } },
      },
      [authenticate, requireRole('admin')],
      async (ctx) => {
        const { compromisedAt } = bodyOf<{ compromisedAt: string }>(ctx);
        ctx.body = await audit.compromise(ctx.params.id!, time(compromisedAt, 'compromisedAt')!, commandContext(ctx, deps.clock));
      },
    );
  },
};
