import type { Context } from 'koa';
import type { ModuleContext } from '../app/module.js';
import { NotFound } from '../errors.js';
import { requireRole, principalOf } from '../http/auth.js';
import { bodyOf } from '../http/body.js';
import { commandContext } from '../http/requestContext.js';
import { defineRoute } from '../http/routes.js';
import type { AccessEventType } from './accessEvent.js';
import type { AccessEventService } from './accessEventService.js';
import type { CredentialPickup } from './credentialPickup.js';
import type { DirectoryService } from './directoryService.js';
import { WEBMETHODS_FAMILY } from './envelope.js';
import { UUID } from '../ids.js';

const consumer = (ctx: Context) => principalOf(ctx).subject;

/** Path ids that cannot exist are unknown, not malformed: the answer must not differ. */
function ids(ctx: Context): { appId: string; eventId: string } {
  const { appId, eventId } = ctx.params as { appId: string; eventId?: string };
  if (!UUID.test(appId)) throw new NotFound('Unknown application');
  if (eventId !== undefined && !UUID.test(eventId)) throw new NotFound('Unknown eventId');
  return { appId, eventId: eventId ?? '' };
}

/** The consumer side of the API Portal: applications, access requests, the one-time credential hand-over. */
export function mountPortalRoutes(
  { target, deps, authenticate }: ModuleContext,
  directory: DirectoryService,
  events: AccessEventService,
  pickup: CredentialPickup,
): void {
  const guards = [authenticate, requireRole('user')];
  const spec = { family: WEBMETHODS_FAMILY, auth: 'bearer' as const, tags: ['webMethods API Portal (consumers)'] };

  defineRoute(
    target,
    {
      ...spec,
      method: 'post',
      path: '/portal/applications',
      summary: 'Create an application to request access tokens for',
      body: { types: ['json'], schema: 'requests/portal-application' },
      responses: { 201: { description: 'Created', schema: 'responses/portal-application' } },
    },
    guards,
    async (ctx) => {
      const { name } = bodyOf<{ name: string }>(ctx);
      ctx.status = 201;
      ctx.body = await directory.createApplication(name, consumer(ctx), commandContext(ctx, deps.clock));
    },
  );

  defineRoute(
    target,
    {
      ...spec,
      method: 'post',
      path: '/portal/applications/:appId/access-requests',
      summary: 'Request, renew or revoke an access token; the event starts NEW and is offered to the provider',
      body: { types: ['json'], schema: 'requests/portal-access-request' },
      responses: { 201: { description: 'Requested', schema: 'responses/portal-access-request' } },
    },
    guards,
    async (ctx) => {
      const { appId } = ids(ctx);
      const input = bodyOf<{ eventType: AccessEventType; providerId: string; accesstokenuuid?: string }>(ctx);
      ctx.status = 201;
      ctx.body = await events.request(appId, consumer(ctx), input, commandContext(ctx, deps.clock));
    },
  );

  defineRoute(
    target,
    {
      ...spec,
      method: 'get',
      path: '/portal/applications/:appId/access-requests/:eventId',
      summary: 'An access request and its status',
      responses: { 200: { description: 'The event', schema: 'responses/webmethods-event' } },
    },
    guards,
    async (ctx) => {
      const { appId, eventId } = ids(ctx);
      ctx.body = await events.view(appId, eventId, consumer(ctx));
    },
  );

  defineRoute(
    target,
    {
      ...spec,
      method: 'get',
      path: '/portal/applications/:appId/access-requests/:eventId/credential',
      summary: 'Hand over the published credential, exactly once (then 410)',
      responses: {
        200: { description: 'The credential, in plain text, this one time', schema: 'responses/portal-credential' },
        410: { description: 'Already handed over, or revoked', schema: 'responses/webmethods-failure' },
      },
    },
    guards,
    async (ctx) => {
      const { appId, eventId } = ids(ctx);
      const delivered = await pickup.deliver(appId, eventId, consumer(ctx), commandContext(ctx, deps.clock));
      ctx.set('Cache-Control', 'no-store');
      ctx.set('Pragma', 'no-cache');
      ctx.body = delivered;
    },
  );
}
