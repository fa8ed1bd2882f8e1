import type { ModuleContext } from '../app/module.js';
import { requireRole } from '../http/auth.js';
import { bodyOf } from '../http/body.js';
import { commandContext } from '../http/requestContext.js';
import { defineRoute } from '../http/routes.js';
import type { DirectoryService, RegisterProviderInput } from './directoryService.js';

/** Admins register providers (native API, like /admin/users). */
export function mountAdminRoutes({ target, deps, authenticate }: ModuleContext, directory: DirectoryService): void {
  const guards = [authenticate, requireRole('admin')];

  defineRoute(
    target,
    {
      method: 'post',
      path: '/admin/providers',
      family: 'native',
      summary: 'Register an access-token provider (a user with the role provider); a push provider gets its signing secret once',
      auth: 'bearer',
      body: { types: ['json'], schema: 'requests/access-provider' },
      responses: { 201: { description: 'Registered', schema: 'responses/access-provider' } },
    },
    guards,
    async (ctx) => {
      const registered = await directory.registerProvider(bodyOf<RegisterProviderInput>(ctx), commandContext(ctx, deps.clock));
      ctx.status = 201;
      ctx.set('Cache-Control', 'no-store');
      ctx.body = registered;
    },
  );

  defineRoute(
    target,
    {
      method: 'get',
      path: '/admin/providers',
      family: 'native',
      summary: 'List the registered providers',
      auth: 'bearer',
      responses: { 200: { description: 'Providers', schema: 'responses/access-providers' } },
    },
    guards,
    async (ctx) => {
      ctx.body = directory.listProviders();
    },
  );
}
