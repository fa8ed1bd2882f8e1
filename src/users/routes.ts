import type { Module } from '../app/module.js';
import { requireRole } from '../http/auth.js';
import { commandContext } from '../http/requestContext.js';
import { bodyOf } from '../http/body.js';
import { defineRoute } from '../http/routes.js';
import type { RegisterUserInput } from './userService.js';

/** Administration of users and OAuth2 clients (native API, admin only). */
export const adminModule: Module = {
  name: 'admin',
  mount({ target, deps, services, authenticate }) {
    defineRoute(
      target,
      {
        method: 'post',
        path: '/admin/users',
        family: 'native',
        summary: 'Register a user',
        auth: 'bearer',
        body: { types: ['json'], schema: 'requests/admin-user' },
        responses: { 201: { description: 'Created', schema: 'responses/admin-user' } },
      },
      [authenticate, requireRole('admin')],
      async (ctx) => {
        const input = bodyOf<RegisterUserInput>(ctx);
        await services.users.register(input, commandContext(ctx, deps.clock));
        ctx.status = 201;
        ctx.body = { username: input.username, roles: input.roles };
      },
    );

    defineRoute(
      target,
      {
        method: 'post',
        path: '/admin/clients',
        family: 'native',
        summary: 'Register an OAuth2 client for the client_credentials grant; the secret is shown once',
        auth: 'bearer',
        body: { types: ['json'], schema: 'requests/admin-client' },
        responses: { 201: { description: 'Created', schema: 'responses/admin-client' } },
      },
      [authenticate, requireRole('admin')],
      async (ctx) => {
        const { name, scopes } = bodyOf<{ name: string; scopes: string[] }>(ctx);
        const created = await services.clients.register(name, scopes, commandContext(ctx, deps.clock));
        ctx.status = 201;
        ctx.set('Cache-Control', 'no-store');
        ctx.body = { ...created, name, scopes };
      },
    );
  },
};
