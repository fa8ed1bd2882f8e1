import type { Context } from 'koa';
import type { ModuleContext } from '../app/module.js';
import type { CoreServices } from '../app/module.js';
import { NotFound } from '../errors.js';
import { principalOf } from '../http/auth.js';
import { bodyOf } from '../http/body.js';
import { commandContext } from '../http/requestContext.js';
import { defineRoute } from '../http/routes.js';
import type { UserProfile } from '../users/user.js';
import { APINIZER_FAMILY, APINIZER_JSON, requireUser, sendApinizerJson } from './envelope.js';

async function profileOf(services: CoreServices, username: string) {
  const user = await services.users.find(username);
  if (user.status !== 'registered') throw new NotFound('Unknown user');
  return { username: user.username, roles: user.roles, ...user.profile };
}

const username = (ctx: Context) => principalOf(ctx).subject;

/** "My Profile": the signed-in user's own details (username, full name, email, preferred language). */
export function mountProfile({ target, deps, services, authenticate }: ModuleContext): void {
  defineRoute(
    target,
    {
      method: 'get',
      path: '/apiops/profile',
      family: APINIZER_FAMILY,
      summary: "The caller's profile",
      tags: ['apinizer'],
      auth: 'bearer',
      responses: { 200: { description: 'Profile', schema: 'responses/apinizer-profile', contentType: APINIZER_JSON } },
    },
    [authenticate, requireUser],
    async (ctx) => sendApinizerJson(ctx, 200, await profileOf(services, username(ctx))),
  );

  defineRoute(
    target,
    {
      method: 'put',
      path: '/apiops/profile',
      family: APINIZER_FAMILY,
      summary: "Update the caller's full name, email or preferred language (null clears a field)",
      tags: ['apinizer'],
      auth: 'bearer',
      body: { types: ['json'], schema: 'requests/apinizer-profile' },
      responses: { 200: { description: 'The updated profile', schema: 'responses/apinizer-profile', contentType: APINIZER_JSON } },
    },
    [authenticate, requireUser],
    async (ctx) => {
      const changes = bodyOf<Partial<UserProfile>>(ctx);
      await services.users.updateProfile(username(ctx), changes, commandContext(ctx, deps.clock));
      sendApinizerJson(ctx, 200, await profileOf(services, username(ctx)));
    },
  );
}
