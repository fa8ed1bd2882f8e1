import type { Context } from 'koa';
import type { ModuleContext } from '../app/module.js';
import { BadRequest } from '../errors.js';
import { requireRole, principalOf } from '../http/auth.js';
import { bodyOf } from '../http/body.js';
import { commandContext } from '../http/requestContext.js';
import { defineRoute } from '../http/routes.js';
import { ACCESS_EVENT_STATUSES, ACCESS_EVENT_TYPES, type AccessEventStatus, type AccessEventType } from './accessEvent.js';
import type { AccessEventService, EventFilter, StatusUpdate } from './accessEventService.js';
import { success, WEBMETHODS_FAMILY } from './envelope.js';
import type { AccessTokenBody } from './tokenDetails.js';

const BASE = '/abs/apirepository/v1';
const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 500;
const provider = (ctx: Context) => principalOf(ctx).subject;

function single(ctx: Context, name: string): string | undefined {
  const v = ctx.query[name];
  if (Array.isArray(v)) throw new BadRequest(`${name} is given more than once`);
  return v === undefined || v === '' ? undefined : v;
}

function integer(ctx: Context, name: string, min: number, max: number): number | undefined {
  const raw = single(ctx, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d{1,9}$/.test(raw) || n < min || n > max) throw new BadRequest(`${name} must be an integer from ${min} to ${max}`);
  return n;
}

function oneOf<T extends string>(ctx: Context, name: string, allowed: readonly T[]): T | undefined {
  const v = single(ctx, name);
  if (v !== undefined && !(allowed as readonly string[]).includes(v)) throw new BadRequest(`${name} must be one of: ${allowed.join(', ')}`);
  return v as T | undefined;
}

/** `?page=1&size=50` (page from 1) or `?offset=0&limit=50`, not both. */
function eventFilter(ctx: Context): EventFilter {
  const page = integer(ctx, 'page', 1, 1_000_000);
  const size = integer(ctx, 'size', 1, MAX_PAGE_SIZE);
  const offset = integer(ctx, 'offset', 0, 1_000_000_000);
  const limit = integer(ctx, 'limit', 1, MAX_PAGE_SIZE);
  if ((page !== undefined || size !== undefined) && (offset !== undefined || limit !== undefined)) {
    throw new BadRequest('Use either page/size or offset/limit');
  }
  const perPage = size ?? limit ?? DEFAULT_PAGE_SIZE;
  return {
    eventStatus: oneOf<AccessEventStatus>(ctx, 'eventStatus', ACCESS_EVENT_STATUSES),
    eventType: oneOf<AccessEventType>(ctx, 'eventType', ACCESS_EVENT_TYPES),
    offset: offset ?? ((page ?? 1) - 1) * perPage,
    limit: perPage,
  };
}

function eventIdOf(ctx: Context): string {
  const id = single(ctx, 'eventId');
  if (!id) throw new BadRequest('eventId is required');
  return id;
}

const eventIdQuery = { eventId: { required: true, description: 'The access event being fulfilled' } };

/** The seed's provider endpoints: list events, acknowledge/reject, publish, renew, revoke. */
export function mountProviderRoutes({ target, deps, authenticate }: ModuleContext, events: AccessEventService): void {
  const guards = [authenticate, requireRole('provider')];
  const spec = { family: WEBMETHODS_FAMILY, auth: 'bearer' as const, tags: ['webMethods API Portal'] };

  defineRoute(
    target,
    {
      ...spec,
      method: 'get',
      path: `${BASE}/events`,
      summary: "List the caller's events, oldest first, filtered by status and type; X-Total-Count holds the total",
      query: {
        eventStatus: { schema: { enum: [...ACCESS_EVENT_STATUSES] } },
        eventType: { schema: { enum: [...ACCESS_EVENT_TYPES] } },
        page: { description: 'Page number from 1 (with size)' },
        size: { description: `Page size, at most ${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE})` },
        offset: { description: 'Events to skip (with limit)' },
        limit: { description: `At most ${MAX_PAGE_SIZE}` },
      },
      responses: { 200: { description: 'Events', schema: 'responses/webmethods-events' } },
    },
    guards,
    async (ctx) => {
      const { events: list, total } = events.listForProvider(provider(ctx), eventFilter(ctx));
      ctx.set('X-Total-Count', String(total));
      ctx.body = list;
    },
  );

  defineRoute(
    target,
    {
      ...spec,
      method: 'post',
      path: `${BASE}/events`,
      summary: 'Acknowledge (INPROGRESS) or reject (REJECTED) a list of events; all or nothing is checked first',
      body: { types: ['json'], schema: 'requests/webmethods-events-update' },
      responses: { 200: { description: 'Updated', schema: 'responses/webmethods-success' } },
    },
    guards,
    async (ctx) => {
      await events.updateStatuses(provider(ctx), bodyOf<StatusUpdate[]>(ctx), commandContext(ctx, deps.clock));
      success(ctx, 'Events updated successfully!');
    },
  );

  defineRoute(
    target,
    {
      ...spec,
      method: 'post',
      path: `${BASE}/accesstokens`,
      summary: 'Publish the access token (API key or OAuth2 client credential) of a REQUEST event',
      query: eventIdQuery,
      body: { types: ['json'], schema: 'requests/webmethods-accesstoken' },
      responses: { 200: { description: 'Published; the event is COMPLETED', schema: 'responses/webmethods-success' } },
    },
    guards,
    async (ctx) => {
      const eventId = eventIdOf(ctx);
      const uuid = await events.publish(provider(ctx), eventId, bodyOf<AccessTokenBody>(ctx), commandContext(ctx, deps.clock));
      success(ctx, 'Access token created successfully!', { accesstokenuuid: uuid });
    },
  );

  defineRoute(
    target,
    {
      ...spec,
      method: 'put',
      path: `${BASE}/accesstokens/:accesstokenuuid`,
      summary: 'Renew the access token of a RENEW event: a new credential replaces (and revokes) the current one',
      query: eventIdQuery,
      body: { types: ['json'], schema: 'requests/webmethods-accesstoken' },
      responses: { 200: { description: 'Renewed; the event is COMPLETED', schema: 'responses/webmethods-success' } },
    },
    guards,
    async (ctx) => {
      const eventId = eventIdOf(ctx);
      await events.renew(provider(ctx), eventId, ctx.params.accesstokenuuid!, bodyOf<AccessTokenBody>(ctx), commandContext(ctx, deps.clock));
      success(ctx, 'Access token renewed successfully!');
    },
  );

  defineRoute(
    target,
    {
      ...spec,
      method: 'delete',
      path: `${BASE}/accesstokens/:accesstokenuuid`,
      summary: 'Revoke the access token of a REVOKE event',
      query: eventIdQuery,
      responses: { 204: { description: 'Revoked; the event is COMPLETED', schema: null } },
    },
    guards,
    async (ctx) => {
      const eventId = eventIdOf(ctx);
      await events.revoke(provider(ctx), eventId, ctx.params.accesstokenuuid!, commandContext(ctx, deps.clock));
      ctx.status = 204;
    },
  );
}
