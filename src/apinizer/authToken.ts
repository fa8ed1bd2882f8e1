import type { ModuleContext } from '../app/module.js';
import { BadRequest, Unauthorized } from '../errors.js';
import { bodyOf } from '../http/body.js';
import { commandContext } from '../http/requestContext.js';
import { defineRoute } from '../http/routes.js';
import { APINIZER_FAMILY, APINIZER_JSON, sendApinizerJson } from './envelope.js';

/**
 * `POST /apiops/auth/token`: Apinizer's client_credentials grant, where the client is a user
 * (client_id = username, client_secret = password). Issues a native access token with the user's roles.
 */
export function mountAuthToken({ target, deps, services }: ModuleContext): void {
  defineRoute(
    target,
    {
      method: 'post',
      path: '/apiops/auth/token',
      family: APINIZER_FAMILY,
      summary: 'Access token for the management API, from a username and password',
      tags: ['apinizer'],
      auth: 'client',
      body: { types: ['form'], schema: 'requests/apinizer-auth-token' },
      responses: {
        200: { description: 'Access token', schema: 'responses/apinizer-token', contentType: APINIZER_JSON },
        429: { description: 'Too many failed attempts; see Retry-After', schema: 'responses/apinizer-error' },
      },
    },
    [],
    async (ctx) => {
      const body = bodyOf<Record<string, string | undefined> | undefined>(ctx) ?? {};
      if (!body.grant_type) throw new BadRequest('grant_type is required');
      if (body.grant_type !== 'client_credentials') {
        throw new BadRequest('GrantType value must be client_credentials!', 'unsupported_grant_type');
      }
      for (const field of ['client_id', 'client_secret'] as const) {
        if (!body[field]) throw new BadRequest(`${field} is required`);
      }
      const user = await services.users.checkPassword(body.client_id!, body.client_secret!, ctx.ip);
      if (!user) throw new Unauthorized('Bad credentials', 'unauthorized_client');
      const cmd = commandContext(ctx, deps.clock);
      cmd.actor = `user:${user.username}`;
      const access = await services.credentials.issueAccessToken(
        { subject: user.username, clientId: null, scopes: [], roles: user.roles },
        cmd,
      );
      ctx.set('Cache-Control', 'no-store');
      ctx.set('Pragma', 'no-cache');
      sendApinizerJson(ctx, 200, { access_token: access.accessToken, token_type: 'Bearer', expires_in: access.expiresIn });
    },
  );
}
